"""Contract suites of the order ports: orders, shipments, returns, quotes, cancellation records."""

from __future__ import annotations

import attrs
import pytest

from omskit.errors import AlreadyExists, ConcurrencyConflict, InvalidInput, NotFound
from omskit.model import (
    Channel,
    OrderStatus,
    QuoteStatus,
    ReturnStatus,
    ShipmentStatus,
)
from omskit.ports import Store, UnitOfWork
from omskit.testing.contracts._base import StoreContract
from omskit.testing.contracts._builders import (
    a_cancellation,
    a_quote,
    a_return,
    a_shipment,
    an_order,
)
from omskit.testing.contracts._dump import (
    committed,
)

__all__ = [
    "CancellationLogContract",
    "OrderRepositoryContract",
    "QuoteRepositoryContract",
    "ReturnRepositoryContract",
    "ShipmentRepositoryContract",
]


class OrderRepositoryContract(StoreContract):
    """The :class:`~omskit.ports.OrderRepository` port: unique references, optimistic versions."""

    def test_an_added_order_can_be_got_found_and_found_by_reference(self, uow: UnitOfWork) -> None:
        """An added order can be got found and found by reference."""
        order = an_order("O-1", external_ref="ext-42", channel=Channel.MARKETPLACE)
        uow.orders.add(order)
        assert uow.orders.get("O-1") == order
        assert uow.orders.find("O-1") == order
        assert uow.orders.find_by_reference(Channel.MARKETPLACE, "ext-42") == order
        assert uow.orders.find_by_reference("marketplace", "ext-42") == order

    def test_an_unknown_order_is_not_found(self, uow: UnitOfWork) -> None:
        """An unknown order is not found."""
        uow.orders.add(an_order("O-1", external_ref="ext-1"))
        with pytest.raises(NotFound) as caught:
            uow.orders.get("O-9")
        assert (caught.value.kind, caught.value.key) == ("order", "O-9")
        assert uow.orders.find("O-9") is None
        assert uow.orders.find_by_reference(Channel.WEB, "ext-9") is None
        assert uow.orders.find_by_reference(Channel.STORE, "ext-1") is None

    def test_adding_an_order_with_a_taken_id_raises_already_exists(self, uow: UnitOfWork) -> None:
        """Adding an order with a taken id raises already exists."""
        uow.orders.add(an_order("O-1", external_ref="ext-1"))
        with pytest.raises(AlreadyExists) as caught:
            uow.orders.add(an_order("O-1", external_ref="ext-2"))
        assert caught.value.kind == "order"
        assert uow.orders.find_by_reference(Channel.WEB, "ext-2") is None
        assert uow.orders.get("O-1").external_ref == "ext-1"

    def test_adding_an_order_with_a_taken_channel_reference_raises_already_exists(
        self,
        uow: UnitOfWork,
    ) -> None:
        """Adding an order with a taken channel reference raises already exists."""
        uow.orders.add(an_order("O-1", external_ref="ext-1"))
        with pytest.raises(AlreadyExists) as caught:
            uow.orders.add(an_order("O-2", external_ref="ext-1"))
        assert caught.value.kind == "order reference"
        assert uow.orders.find("O-2") is None

    def test_the_same_reference_in_another_channel_is_a_different_order(
        self,
        uow: UnitOfWork,
    ) -> None:
        """The same reference in another channel is a different order."""
        uow.orders.add(an_order("O-1", external_ref="ext-1", channel=Channel.WEB))
        uow.orders.add(an_order("O-2", external_ref="ext-1", channel=Channel.STORE))
        assert uow.orders.find_by_reference(Channel.WEB, "ext-1") == uow.orders.get("O-1")
        assert uow.orders.find_by_reference(Channel.STORE, "ext-1") == uow.orders.get("O-2")

    def test_updating_an_order_at_the_expected_version_replaces_it(self, uow: UnitOfWork) -> None:
        """Updating an order at the expected version replaces it."""
        uow.orders.add(an_order("O-1"))
        changed = an_order("O-1", status=OrderStatus.ALLOCATED, version=1)
        uow.orders.update(changed, expected_version=0)
        assert uow.orders.get("O-1") == changed
        assert uow.orders.find_by_reference(Channel.WEB, "REF-O-1") == changed

    @pytest.mark.parametrize("expected_version", [1, 2, -1])
    def test_updating_an_order_at_another_version_raises_concurrency_conflict_and_keeps_it(
        self, uow: UnitOfWork, expected_version: int
    ) -> None:
        """Updating an order at another version raises concurrency conflict and keeps it."""
        uow.orders.add(an_order("O-1"))
        with pytest.raises(ConcurrencyConflict) as caught:
            uow.orders.update(
                an_order("O-1", status=OrderStatus.CANCELLED, version=expected_version + 1),
                expected_version=expected_version,
            )
        assert (caught.value.kind, caught.value.key) == ("order", "O-1")
        assert uow.orders.get("O-1") == an_order("O-1")

    def test_a_writer_holding_a_stale_version_loses_to_the_one_that_committed_first(
        self,
        store: Store,
    ) -> None:
        """A writer holding a stale version loses to the one that committed first."""
        with committed(store) as uow:
            uow.orders.add(an_order("O-1"))
        with store.unit_of_work() as uow:
            first_read = uow.orders.get("O-1")
        with committed(store) as uow:
            uow.orders.update(
                attrs.evolve(first_read, status=OrderStatus.ALLOCATED, version=1),
                expected_version=0,
            )
        with store.unit_of_work() as uow, pytest.raises(ConcurrencyConflict):
            uow.orders.update(
                attrs.evolve(first_read, status=OrderStatus.CANCELLED, version=1),
                expected_version=first_read.version,
            )
        with store.unit_of_work() as uow:
            assert uow.orders.get("O-1").status is OrderStatus.ALLOCATED

    def test_updating_an_unknown_order_raises_not_found(self, uow: UnitOfWork) -> None:
        """Updating an unknown order raises not found."""
        with pytest.raises(NotFound):
            uow.orders.update(an_order("O-9"), expected_version=0)
        assert uow.orders.list() == ()

    def test_orders_are_listed_by_id_optionally_in_one_status(self, uow: UnitOfWork) -> None:
        """Orders are listed by id optionally in one status."""
        uow.orders.add(an_order("O-3", status=OrderStatus.ALLOCATED))
        uow.orders.add(an_order("O-1"))
        uow.orders.add(an_order("O-2", status=OrderStatus.ALLOCATED))
        assert [o.order_id for o in uow.orders.list()] == ["O-1", "O-2", "O-3"]
        allocated = uow.orders.list(status=OrderStatus.ALLOCATED)
        assert [o.order_id for o in allocated] == ["O-2", "O-3"]
        assert uow.orders.list(status=OrderStatus.SHIPPED) == ()

    def test_an_order_update_cannot_change_its_channel_reference(self, uow: UnitOfWork) -> None:
        """An order update cannot change its channel reference."""
        order = an_order("O-1")
        uow.orders.add(order)
        moved = attrs.evolve(order, external_ref="OTHER", version=1)
        with pytest.raises(InvalidInput) as error:
            uow.orders.update(moved, expected_version=0)
        assert error.value.path == "external_ref"
        assert uow.orders.get("O-1") == order
        assert uow.orders.find_by_reference(str(order.channel), "OTHER") is None

    def test_a_shipment_update_cannot_move_it_to_another_order(self, uow: UnitOfWork) -> None:
        """A shipment update cannot move it to another order."""
        shipment = a_shipment("S-1")
        uow.shipments.add(shipment)
        with pytest.raises(InvalidInput) as error:
            uow.shipments.update(attrs.evolve(shipment, order_id="O-OTHER"))
        assert error.value.path == "order_id"
        assert uow.shipments.for_order("O-OTHER") == ()


class ShipmentRepositoryContract(StoreContract):
    """The :class:`~omskit.ports.ShipmentRepository` port."""

    def test_an_added_shipment_can_be_got_and_updated(self, uow: UnitOfWork) -> None:
        """An added shipment can be got and updated."""
        uow.shipments.add(a_shipment("S-1"))
        assert uow.shipments.get("S-1") == a_shipment("S-1")
        uow.shipments.update(a_shipment("S-1", status=ShipmentStatus.PICKING))
        assert uow.shipments.get("S-1").status is ShipmentStatus.PICKING
        assert uow.shipments.for_order("O-1") == (a_shipment("S-1", status=ShipmentStatus.PICKING),)

    def test_a_reused_shipment_id_raises_already_exists(self, uow: UnitOfWork) -> None:
        """A reused shipment id raises already exists."""
        uow.shipments.add(a_shipment("S-1"))
        with pytest.raises(AlreadyExists):
            uow.shipments.add(a_shipment("S-1", order_id="O-2"))
        assert uow.shipments.get("S-1").order_id == "O-1"
        assert uow.shipments.for_order("O-2") == ()

    def test_an_unknown_shipment_can_be_neither_got_nor_updated(self, uow: UnitOfWork) -> None:
        """An unknown shipment can be neither got nor updated."""
        with pytest.raises(NotFound) as caught:
            uow.shipments.get("S-9")
        assert (caught.value.kind, caught.value.key) == ("shipment", "S-9")
        with pytest.raises(NotFound):
            uow.shipments.update(a_shipment("S-9"))
        assert uow.shipments.for_order("O-1") == ()

    def test_shipments_of_an_order_are_listed_by_id(self, uow: UnitOfWork) -> None:
        """Shipments of an order are listed by id."""
        for sid, order_id in [("S-3", "O-1"), ("S-1", "O-1"), ("S-2", "O-2")]:
            uow.shipments.add(a_shipment(sid, order_id=order_id))
        assert [s.shipment_id for s in uow.shipments.for_order("O-1")] == ["S-1", "S-3"]
        assert [s.shipment_id for s in uow.shipments.for_order("O-2")] == ["S-2"]


class ReturnRepositoryContract(StoreContract):
    """The :class:`~omskit.ports.ReturnRepository` port."""

    def test_an_added_return_can_be_got_and_updated(self, uow: UnitOfWork) -> None:
        """An added return can be got and updated."""
        uow.returns.add(a_return("RT-1"))
        assert uow.returns.get("RT-1") == a_return("RT-1")
        uow.returns.update(a_return("RT-1", status=ReturnStatus.RECEIVED))
        assert uow.returns.get("RT-1").status is ReturnStatus.RECEIVED
        assert uow.returns.for_order("O-1") == (a_return("RT-1", status=ReturnStatus.RECEIVED),)

    def test_a_reused_return_id_raises_already_exists(self, uow: UnitOfWork) -> None:
        """A reused return id raises already exists."""
        uow.returns.add(a_return("RT-1"))
        with pytest.raises(AlreadyExists):
            uow.returns.add(a_return("RT-1", order_id="O-2"))
        assert uow.returns.for_order("O-2") == ()

    def test_an_unknown_return_can_be_neither_got_nor_updated(self, uow: UnitOfWork) -> None:
        """An unknown return can be neither got nor updated."""
        with pytest.raises(NotFound) as caught:
            uow.returns.get("RT-9")
        assert (caught.value.kind, caught.value.key) == ("return", "RT-9")
        with pytest.raises(NotFound):
            uow.returns.update(a_return("RT-9"))
        assert uow.returns.for_order("O-1") == ()

    def test_returns_of_an_order_are_listed_by_id(self, uow: UnitOfWork) -> None:
        """Returns of an order are listed by id."""
        for rid, order_id in [("RT-2", "O-1"), ("RT-3", "O-2"), ("RT-1", "O-1")]:
            uow.returns.add(a_return(rid, order_id=order_id))
        assert [r.return_id for r in uow.returns.for_order("O-1")] == ["RT-1", "RT-2"]


class QuoteRepositoryContract(StoreContract):
    """The :class:`~omskit.ports.QuoteRepository` port: unique references, optimistic versions."""

    def test_an_added_quote_can_be_got_and_found_by_reference(self, uow: UnitOfWork) -> None:
        """An added quote can be got and found by reference."""
        uow.quotes.add(a_quote("Q-1"))
        assert uow.quotes.get("Q-1") == a_quote("Q-1")
        assert uow.quotes.find_by_reference("web", "R-1") == a_quote("Q-1")
        assert uow.quotes.find_by_reference("store", "R-1") is None

    def test_an_unknown_quote_is_not_found(self, uow: UnitOfWork) -> None:
        """An unknown quote is not found."""
        with pytest.raises(NotFound) as caught:
            uow.quotes.get("Q-9")
        assert (caught.value.kind, caught.value.key) == ("quote", "Q-9")
        with pytest.raises(NotFound):
            uow.quotes.update(a_quote("Q-9", version=1), expected_version=0)
        assert uow.quotes.list() == ()

    def test_adding_a_quote_with_a_taken_id_or_reference_raises_already_exists(
        self,
        uow: UnitOfWork,
    ) -> None:
        """Adding a quote with a taken id or reference raises already exists."""
        uow.quotes.add(a_quote("Q-1"))
        with pytest.raises(AlreadyExists) as caught:
            uow.quotes.add(a_quote("Q-1", external_ref="R-2"))
        assert caught.value.kind == "quote"
        with pytest.raises(AlreadyExists) as caught:
            uow.quotes.add(a_quote("Q-2", customer_id="C-2"))
        assert (caught.value.kind, caught.value.key) == ("quote reference", "web/R-1")
        assert uow.quotes.list() == (a_quote("Q-1"),)
        assert uow.quotes.list(customer_id="C-2") == ()
        assert uow.quotes.find_by_reference("web", "R-2") is None

    def test_the_same_quote_reference_in_another_channel_is_another_quote(
        self,
        uow: UnitOfWork,
    ) -> None:
        """The same quote reference in another channel is another quote."""
        uow.quotes.add(a_quote("Q-1"))
        uow.quotes.add(a_quote("Q-2", channel=Channel.STORE))
        assert uow.quotes.find_by_reference("store", "R-1") == a_quote("Q-2", channel=Channel.STORE)

    def test_updating_a_quote_at_the_expected_version_replaces_it(self, uow: UnitOfWork) -> None:
        """Updating a quote at the expected version replaces it."""
        uow.quotes.add(a_quote("Q-1"))
        accepted = a_quote("Q-1", status=QuoteStatus.ACCEPTED, version=1)
        uow.quotes.update(accepted, expected_version=0)
        assert uow.quotes.get("Q-1") == accepted
        assert uow.quotes.find_by_reference("web", "R-1") == accepted
        assert uow.quotes.list(status=QuoteStatus.OPEN) == ()
        assert uow.quotes.list(status=QuoteStatus.ACCEPTED) == (accepted,)

    def test_updating_a_quote_at_another_version_raises_concurrency_conflict_and_keeps_it(
        self,
        uow: UnitOfWork,
    ) -> None:
        """Updating a quote at another version raises concurrency conflict and keeps it."""
        uow.quotes.add(a_quote("Q-1", version=3))
        with pytest.raises(ConcurrencyConflict) as caught:
            uow.quotes.update(
                a_quote("Q-1", status=QuoteStatus.DECLINED, version=3), expected_version=2
            )
        assert (caught.value.kind, caught.value.key) == ("quote", "Q-1")
        assert uow.quotes.get("Q-1") == a_quote("Q-1", version=3)

    def test_a_writer_holding_a_stale_quote_loses_to_the_one_that_committed_first(
        self,
        store: Store,
    ) -> None:
        """A writer holding a stale quote loses to the one that committed first."""
        with committed(store) as uow:
            uow.quotes.add(a_quote("Q-1"))
        with store.unit_of_work() as uow:
            stale = uow.quotes.get("Q-1")
        with committed(store) as uow:
            uow.quotes.update(
                a_quote("Q-1", status=QuoteStatus.ACCEPTED, version=1), expected_version=0
            )
        with store.unit_of_work() as uow, pytest.raises(ConcurrencyConflict):
            uow.quotes.update(
                a_quote("Q-1", status=QuoteStatus.WITHDRAWN, version=1),
                expected_version=stale.version,
            )
        with store.unit_of_work() as uow:
            assert uow.quotes.get("Q-1").status is QuoteStatus.ACCEPTED

    def test_a_quote_update_cannot_change_its_request(self, uow: UnitOfWork) -> None:
        """A quote update cannot change its request."""
        uow.quotes.add(a_quote("Q-1"))
        for changed in (
            a_quote("Q-1", external_ref="R-2", version=1),
            a_quote("Q-1", customer_id="C-2", version=1),
            a_quote("Q-1", sku="SKU-2", version=1),
        ):
            with pytest.raises(InvalidInput) as error:
                uow.quotes.update(changed, expected_version=0)
            assert error.value.path == "request"
        assert uow.quotes.get("Q-1") == a_quote("Q-1")
        assert uow.quotes.find_by_reference("web", "R-2") is None
        assert uow.quotes.list(customer_id="C-2") == ()

    def test_quotes_are_listed_by_id_optionally_by_status_and_customer(
        self, uow: UnitOfWork
    ) -> None:
        """Quotes are listed by id optionally by status and customer."""
        uow.quotes.add(a_quote("Q-3", external_ref="R-3", status=QuoteStatus.DECLINED))
        uow.quotes.add(a_quote("Q-1"))
        uow.quotes.add(a_quote("Q-2", external_ref="R-2", customer_id="C-2"))
        uow.quotes.add(a_quote("Q-4", external_ref="R-4", customer_id=None))
        assert [q.quote_id for q in uow.quotes.list()] == ["Q-1", "Q-2", "Q-3", "Q-4"]
        assert [q.quote_id for q in uow.quotes.list(status=QuoteStatus.OPEN)] == [
            "Q-1",
            "Q-2",
            "Q-4",
        ]
        assert [q.quote_id for q in uow.quotes.list(customer_id="C-1")] == ["Q-1", "Q-3"]
        assert [
            q.quote_id for q in uow.quotes.list(status=QuoteStatus.DECLINED, customer_id="C-1")
        ] == ["Q-3"]
        assert uow.quotes.list(customer_id="C-9") == ()


class CancellationLogContract(StoreContract):
    """The :class:`~omskit.ports.CancellationLog` port: oldest first."""

    def test_cancellation_records_are_listed_oldest_first(self, uow: UnitOfWork) -> None:
        """Cancellation records are listed oldest first."""
        for record_id in ("X-2", "X-3", "X-1"):
            uow.cancellations.add(a_cancellation(record_id))
        assert [r.record_id for r in uow.cancellations.list()] == ["X-2", "X-3", "X-1"]
