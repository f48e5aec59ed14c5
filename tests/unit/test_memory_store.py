"""The in-memory store: every repository, the transactional unit of work and thread safety."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

import attrs
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from omskit.adapters.memory import MemoryStore, MemoryUnitOfWork
from omskit.errors import AlreadyExists, ConcurrencyConflict, InvalidInput, NotFound, OmsError
from omskit.events import DomainEvent, OrderPlaced
from omskit.geo import GeoPoint
from omskit.model import (
    CancellationRecord,
    Channel,
    Customer,
    Delivery,
    DocumentKind,
    Invoice,
    InvoiceLine,
    Location,
    LocationKind,
    MovementReason,
    Order,
    OrderLine,
    OrderLineRequest,
    OrderRequest,
    OrderStatus,
    Product,
    Quote,
    QuoteStatus,
    Reservation,
    Return,
    ReturnLine,
    ReturnStatus,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
    StockMovement,
    StockPosition,
    Task,
    TaskSeverity,
)
from omskit.money import Money
from omskit.ports import Store, UnitOfWork

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class Boom(Exception):
    """An unexpected failure in the middle of a unit of work."""


# --- builders --------------------------------------------------------------------------


def a_location(location_id: str, name: str = "Main warehouse") -> Location:
    return Location(location_id, name, LocationKind.WAREHOUSE, GeoPoint(52.09, 5.12), "NL")


def a_product(sku: str, name: str = "Widget") -> Product:
    return Product(sku, name)


def a_customer(customer_id: str, name: str = "Ada Lovelace") -> Customer:
    return Customer(customer_id, name)


def a_position(sku: str, location_id: str, on_hand: int = 0, reserved: int = 0) -> StockPosition:
    return StockPosition(sku, location_id, on_hand=on_hand, reserved=reserved)


def a_reservation(
    reservation_id: str,
    *,
    sku: str = "SKU-1",
    location_id: str = "L1",
    quantity: int = 1,
    order_id: str | None = "O-1",
) -> Reservation:
    return Reservation(reservation_id, sku, location_id, quantity, T0, order_id=order_id)


def a_movement(
    movement_id: str, *, sku: str = "SKU-1", location_id: str = "L1", quantity: int = 1
) -> StockMovement:
    reason = MovementReason.RECEIPT if quantity > 0 else MovementReason.ADJUSTMENT
    return StockMovement(movement_id, sku, location_id, quantity, reason, T0)


def an_order(
    order_id: str,
    *,
    external_ref: str | None = None,
    channel: Channel = Channel.WEB,
    status: OrderStatus = OrderStatus.CREATED,
    version: int = 0,
) -> Order:
    return Order(
        order_id=order_id,
        channel=channel,
        external_ref=external_ref or f"REF-{order_id}",
        currency="EUR",
        lines=(OrderLine("1", "SKU-1", 1, Money("10.00", "EUR")),),
        delivery=Delivery.collect_at("L1"),
        placed_at=T0,
        status=status,
        version=version,
    )


def a_shipment(
    shipment_id: str, *, order_id: str = "O-1", status: ShipmentStatus = ShipmentStatus.RELEASED
) -> Shipment:
    return Shipment(
        shipment_id, order_id, "L1", (ShipmentLine("1", "SKU-1", 1),), T0, status=status
    )


def an_invoice(number: str, *, order_id: str = "O-1") -> Invoice:
    line = InvoiceLine(
        "Widget",
        1,
        Money("10.00", "EUR"),
        Decimal("0.21"),
        Money("10.00", "EUR"),
        Money("2.10", "EUR"),
        sku="SKU-1",
        order_line_id="1",
    )
    return Invoice(number, DocumentKind.INVOICE, order_id, "EUR", (line,), T0)


def a_return(
    return_id: str, *, order_id: str = "O-1", status: ReturnStatus = ReturnStatus.REQUESTED
) -> Return:
    return Return(return_id, order_id, "L1", (ReturnLine("1", "SKU-1", 1),), T0, status=status)


def a_quote(
    quote_id: str,
    *,
    external_ref: str = "R-1",
    channel: Channel = Channel.WEB,
    customer_id: str | None = "C-1",
    status: QuoteStatus = QuoteStatus.OPEN,
    version: int = 0,
    sku: str = "SKU-1",
) -> Quote:
    """A quote closed as ``status`` (an accepted one became O-1) at a moment that fits."""
    request = OrderRequest(
        channel,
        external_ref,
        "EUR",
        (OrderLineRequest(sku, 1, Money("10.00", "EUR")),),
        Delivery.collect_at("L1"),
        customer_id=customer_id,
    )
    valid_until = T0 + timedelta(days=7)
    closed_at = {QuoteStatus.OPEN: None, QuoteStatus.EXPIRED: valid_until}.get(
        status, T0 + timedelta(hours=1)
    )
    return Quote(
        quote_id,
        request,
        T0,
        valid_until,
        status=status,
        order_id="O-1" if status is QuoteStatus.ACCEPTED else None,
        version=version,
        closed_at=closed_at,
    )


def a_cancellation(record_id: str, *, order_id: str = "O-1") -> CancellationRecord:
    return CancellationRecord(record_id, order_id, "changed_mind", "created", True, "customer", T0)


def an_event(event_id: str, *, order_id: str = "O-1") -> DomainEvent:
    return OrderPlaced(
        event_id=event_id,
        occurred_at=T0,
        order_id=order_id,
        channel="web",
        external_ref=f"REF-{order_id}",
    )


# --- fixtures and helpers ----------------------------------------------------------------


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def uow(store: MemoryStore) -> Iterator[MemoryUnitOfWork]:
    with store.unit_of_work() as opened:
        yield opened


@contextmanager
def committed(store: MemoryStore) -> Iterator[MemoryUnitOfWork]:
    """A unit of work that commits when its block ends normally."""
    with store.unit_of_work() as opened:
        yield opened
        opened.commit()


@attrs.frozen
class Universe:
    """The keys a dump looks at (repositories without ``list()`` are read through these)."""

    skus: tuple[str, ...]
    location_ids: tuple[str, ...]
    order_ids: tuple[str, ...]
    customer_ids: tuple[str, ...]
    references: tuple[tuple[Channel, str], ...]
    series: tuple[str, ...]

    @property
    def stock_keys(self) -> tuple[tuple[str, str], ...]:
        return tuple((sku, loc) for sku in self.skus for loc in self.location_ids)


SKUS = ("SKU-1", "SKU-2")
LOCATION_IDS = ("L1", "L2", "L3")
ORDER_IDS = ("O-1", "O-2", "O-3")
CUSTOMER_IDS = ("C-1", "C-2")
CHANNELS = (Channel.WEB, Channel.STORE)
REFS = ("R-1", "R-2", "REF-O-1", "REF-O-2", "REF-O-3")
SERIES = ("INV", "CN")

UNIVERSE = Universe(
    skus=SKUS,
    location_ids=LOCATION_IDS,
    order_ids=ORDER_IDS,
    customer_ids=CUSTOMER_IDS,
    references=tuple((channel, ref) for channel in CHANNELS for ref in REFS),
    series=SERIES,
)

Dump = dict[str, object]
V = TypeVar("V")


def by_key(mapping: Mapping[Any, V]) -> tuple[V, ...]:
    """The values of ``mapping`` ordered by key."""
    return tuple(mapping[k] for k in sorted(mapping))


def dump(store: MemoryStore, universe: Universe = UNIVERSE) -> Dump:
    """Everything a unit of work can read about the universe, gathered in one uncommitted look.

    Invoice counters are read by taking the next number and subtracting one; the
    unit of work is never committed, so taking the number leaves no trace.
    """
    with store.unit_of_work() as uow:
        return {
            "locations": uow.locations.list(),
            "products": uow.products.list(),
            "customers": {c: uow.customers.find(c) for c in universe.customer_ids},
            "stock": uow.stock.list(),
            "stock by sku": {sku: uow.stock.for_sku(sku) for sku in universe.skus},
            "reservations": uow.reservations.list(),
            "reservations by order": {o: uow.reservations.for_order(o) for o in universe.order_ids},
            "ledger": {key: uow.ledger.for_key(*key) for key in universe.stock_keys},
            "balances": {key: uow.ledger.balance(*key) for key in universe.stock_keys},
            "orders": uow.orders.list(),
            "orders by status": {s: uow.orders.list(status=s) for s in OrderStatus},
            "orders by reference": {
                ref: uow.orders.find_by_reference(*ref) for ref in universe.references
            },
            "shipments by order": {o: uow.shipments.for_order(o) for o in universe.order_ids},
            "invoices by order": {o: uow.invoices.for_order(o) for o in universe.order_ids},
            "invoice counters": {s: uow.invoices.next_number(s) - 1 for s in universe.series},
            "returns by order": {o: uow.returns.for_order(o) for o in universe.order_ids},
            "quotes": uow.quotes.list(),
            "quotes by status": {s: uow.quotes.list(status=s) for s in QuoteStatus},
            "quotes by customer": {
                c: uow.quotes.list(customer_id=c) for c in universe.customer_ids
            },
            "quotes by reference": {
                ref: uow.quotes.find_by_reference(*ref) for ref in universe.references
            },
            "cancellations": uow.cancellations.list(),
            "tasks": uow.tasks.list(),
            "undelivered tasks": uow.tasks.undelivered(),
            "outbox pending": uow.outbox.pending(limit=1_000_000),
        }


def seed(store: MemoryStore) -> None:
    """Put something in every repository and commit it."""
    with committed(store) as uow:
        uow.locations.add(a_location("L1"))
        uow.locations.add(a_location("L2", "Store"))
        uow.products.add(a_product("SKU-1"))
        uow.customers.add(a_customer("C-1"))
        uow.stock.save(a_position("SKU-1", "L1", on_hand=10, reserved=2))
        uow.reservations.add(a_reservation("RES-1", order_id="O-1"))
        uow.reservations.add(a_reservation("RES-2", order_id="O-1"))
        uow.ledger.append(a_movement("M-1", quantity=10))
        uow.orders.add(an_order("O-1"))
        uow.shipments.add(a_shipment("S-1"))
        uow.invoices.add(an_invoice("INV-1"))
        assert uow.invoices.next_number("INV") == 1
        uow.returns.add(a_return("RT-1"))
        uow.quotes.add(a_quote("Q-1"))
        uow.cancellations.add(a_cancellation("X-1"))
        uow.tasks.add(a_task("T-1"))
        uow.tasks.add(a_task("T-2", subject="O-2"))
        uow.tasks.mark_delivered(["T-1"])
        uow.outbox.append([an_event("E-1"), an_event("E-2")])
        uow.outbox.mark_published(["E-1"])


def write_to_every_repository(uow: MemoryUnitOfWork) -> None:
    """Inserts, replacements, removals and updates in every repository of a seeded store."""
    uow.locations.add(a_location("L1", "Renamed warehouse"))
    uow.locations.add(a_location("L3"))
    uow.products.add(a_product("SKU-1", "Renamed widget"))
    uow.products.add(a_product("SKU-2"))
    uow.customers.add(a_customer("C-1", "Grace Hopper"))
    uow.customers.add(a_customer("C-2"))
    uow.stock.save(a_position("SKU-1", "L1", on_hand=7))
    uow.stock.save(a_position("SKU-2", "L2", on_hand=3))
    uow.reservations.remove("RES-1")
    uow.reservations.add(a_reservation("RES-3", order_id="O-2"))
    uow.ledger.append(a_movement("M-2", quantity=-3))
    uow.ledger.append(a_movement("M-3", sku="SKU-2", location_id="L2", quantity=3))
    uow.orders.update(an_order("O-1", status=OrderStatus.ALLOCATED, version=1), expected_version=0)
    uow.orders.add(an_order("O-2", channel=Channel.STORE))
    uow.shipments.update(a_shipment("S-1", status=ShipmentStatus.PICKING))
    uow.shipments.add(a_shipment("S-2", order_id="O-2"))
    uow.invoices.add(an_invoice("INV-2", order_id="O-2"))
    assert uow.invoices.next_number("INV") == 2
    assert uow.invoices.next_number("CN") == 1
    uow.returns.update(a_return("RT-1", status=ReturnStatus.RECEIVED))
    uow.returns.add(a_return("RT-2", order_id="O-2"))
    uow.quotes.update(a_quote("Q-1", status=QuoteStatus.DECLINED, version=1), expected_version=0)
    uow.quotes.add(a_quote("Q-2", external_ref="R-2", customer_id="C-2"))
    uow.cancellations.add(a_cancellation("X-2", order_id="O-2"))
    uow.tasks.add(a_task("T-3", subject="O-3"))
    uow.tasks.mark_delivered(["T-2"])
    uow.outbox.append([an_event("E-3")])
    uow.outbox.mark_published(["E-2"])


# --- locations, products, customers ------------------------------------------------------


def test_an_added_location_can_be_got_and_found(uow: MemoryUnitOfWork) -> None:
    uow.locations.add(a_location("L1"))
    assert uow.locations.get("L1") == a_location("L1")
    assert uow.locations.find("L1") == a_location("L1")


def test_getting_an_unknown_location_raises_not_found_naming_it(uow: MemoryUnitOfWork) -> None:
    with pytest.raises(NotFound) as caught:
        uow.locations.get("L9")
    assert (caught.value.kind, caught.value.key) == ("location", "L9")
    assert uow.locations.find("L9") is None


def test_adding_a_location_again_replaces_it(uow: MemoryUnitOfWork) -> None:
    uow.locations.add(a_location("L1", "Old name"))
    uow.locations.add(a_location("L1", "New name"))
    assert uow.locations.get("L1").name == "New name"
    assert len(uow.locations.list()) == 1


def test_locations_are_listed_by_id(uow: MemoryUnitOfWork) -> None:
    for location_id in ("L3", "L1", "L2"):
        uow.locations.add(a_location(location_id))
    assert [loc.location_id for loc in uow.locations.list()] == ["L1", "L2", "L3"]


def test_an_added_product_can_be_got_and_found_by_sku(uow: MemoryUnitOfWork) -> None:
    uow.products.add(a_product("SKU-1"))
    assert uow.products.get("SKU-1") == a_product("SKU-1")
    assert uow.products.find("SKU-1") == a_product("SKU-1")
    assert uow.products.find("SKU-9") is None


def test_getting_an_unknown_product_raises_not_found(uow: MemoryUnitOfWork) -> None:
    with pytest.raises(NotFound) as caught:
        uow.products.get("SKU-9")
    assert (caught.value.kind, caught.value.key) == ("product", "SKU-9")


def test_adding_a_product_again_replaces_it(uow: MemoryUnitOfWork) -> None:
    uow.products.add(a_product("SKU-1", "Old"))
    uow.products.add(a_product("SKU-1", "New"))
    assert uow.products.list() == (a_product("SKU-1", "New"),)


def test_products_are_listed_by_sku(uow: MemoryUnitOfWork) -> None:
    for sku in ("SKU-B", "SKU-C", "SKU-A"):
        uow.products.add(a_product(sku))
    assert [p.sku for p in uow.products.list()] == ["SKU-A", "SKU-B", "SKU-C"]


def test_an_added_customer_can_be_got_found_and_replaced(uow: MemoryUnitOfWork) -> None:
    uow.customers.add(a_customer("C-1", "Ada"))
    assert uow.customers.get("C-1") == a_customer("C-1", "Ada")
    uow.customers.add(a_customer("C-1", "Grace"))
    assert uow.customers.find("C-1") == a_customer("C-1", "Grace")


def test_an_unknown_customer_is_not_found(uow: MemoryUnitOfWork) -> None:
    assert uow.customers.find("C-9") is None
    with pytest.raises(NotFound) as caught:
        uow.customers.get("C-9")
    assert (caught.value.kind, caught.value.key) == ("customer", "C-9")


# --- stock -------------------------------------------------------------------------------


def test_an_unknown_stock_position_is_all_zero(uow: MemoryUnitOfWork) -> None:
    assert uow.stock.get("SKU-1", "L1") == StockPosition("SKU-1", "L1", 0, 0, 0)


def test_reading_an_unknown_stock_position_stores_nothing(uow: MemoryUnitOfWork) -> None:
    uow.stock.get("SKU-1", "L1")
    assert uow.stock.list() == ()
    assert uow.stock.for_sku("SKU-1") == ()


def test_a_saved_stock_position_is_returned_and_replaced_by_the_next_save(
    uow: MemoryUnitOfWork,
) -> None:
    uow.stock.save(a_position("SKU-1", "L1", on_hand=5))
    assert uow.stock.get("SKU-1", "L1").on_hand == 5
    uow.stock.save(a_position("SKU-1", "L1", on_hand=8, reserved=1))
    assert uow.stock.get("SKU-1", "L1") == a_position("SKU-1", "L1", on_hand=8, reserved=1)
    assert len(uow.stock.list()) == 1


def test_stock_for_a_sku_lists_only_that_sku_by_location_id(uow: MemoryUnitOfWork) -> None:
    for sku, loc in [("SKU-1", "L3"), ("SKU-2", "L1"), ("SKU-1", "L1"), ("SKU-1", "L2")]:
        uow.stock.save(a_position(sku, loc, on_hand=1))
    assert [p.location_id for p in uow.stock.for_sku("SKU-1")] == ["L1", "L2", "L3"]
    assert [p.key for p in uow.stock.for_sku("SKU-2")] == [a_position("SKU-2", "L1").key]
    assert uow.stock.for_sku("SKU-9") == ()


def test_every_stock_position_is_listed_by_sku_then_location(uow: MemoryUnitOfWork) -> None:
    for sku, loc in [("SKU-2", "L1"), ("SKU-1", "L2"), ("SKU-1", "L1")]:
        uow.stock.save(a_position(sku, loc))
    assert [(p.sku, p.location_id) for p in uow.stock.list()] == [
        ("SKU-1", "L1"),
        ("SKU-1", "L2"),
        ("SKU-2", "L1"),
    ]


# --- reservations ------------------------------------------------------------------------


def test_an_added_reservation_can_be_got(uow: MemoryUnitOfWork) -> None:
    uow.reservations.add(a_reservation("RES-1"))
    assert uow.reservations.get("RES-1") == a_reservation("RES-1")


def test_a_reused_reservation_id_raises_already_exists_and_keeps_the_first(
    uow: MemoryUnitOfWork,
) -> None:
    uow.reservations.add(a_reservation("RES-1", quantity=1))
    with pytest.raises(AlreadyExists) as caught:
        uow.reservations.add(a_reservation("RES-1", quantity=5, order_id="O-2"))
    assert (caught.value.kind, caught.value.key) == ("reservation", "RES-1")
    assert uow.reservations.get("RES-1").quantity == 1
    assert uow.reservations.for_order("O-2") == ()


def test_getting_an_unknown_reservation_raises_not_found(uow: MemoryUnitOfWork) -> None:
    with pytest.raises(NotFound) as caught:
        uow.reservations.get("RES-9")
    assert (caught.value.kind, caught.value.key) == ("reservation", "RES-9")


def test_a_removed_reservation_is_gone_everywhere(uow: MemoryUnitOfWork) -> None:
    uow.reservations.add(a_reservation("RES-1"))
    uow.reservations.add(a_reservation("RES-2"))
    uow.reservations.remove("RES-1")
    with pytest.raises(NotFound):
        uow.reservations.get("RES-1")
    assert [r.reservation_id for r in uow.reservations.list()] == ["RES-2"]
    assert [r.reservation_id for r in uow.reservations.for_order("O-1")] == ["RES-2"]


def test_removing_an_unknown_reservation_raises_not_found(uow: MemoryUnitOfWork) -> None:
    uow.reservations.add(a_reservation("RES-1"))
    with pytest.raises(NotFound):
        uow.reservations.remove("RES-9")
    assert len(uow.reservations.list()) == 1


def test_reservations_of_an_order_are_listed_by_id_without_other_orders_or_cart_holds(
    uow: MemoryUnitOfWork,
) -> None:
    uow.reservations.add(a_reservation("RES-3", order_id="O-1"))
    uow.reservations.add(a_reservation("RES-1", order_id="O-1"))
    uow.reservations.add(a_reservation("RES-2", order_id="O-2"))
    uow.reservations.add(a_reservation("CART-1", order_id=None))
    assert [r.reservation_id for r in uow.reservations.for_order("O-1")] == ["RES-1", "RES-3"]
    assert uow.reservations.for_order("O-9") == ()


def a_hold(rid: str, cart_id: str, minutes: int, sku: str = "SKU-1") -> Reservation:
    return Reservation(
        rid, sku, "DC", 1, T0, expires_at=T0 + timedelta(minutes=minutes), cart_id=cart_id
    )


def test_holds_of_a_cart_are_listed_by_id_and_leave_with_their_removal(
    uow: MemoryUnitOfWork,
) -> None:
    uow.reservations.add(a_hold("H-2", "CART-1", 5))
    uow.reservations.add(a_hold("H-1", "CART-1", 5))
    uow.reservations.add(a_hold("H-3", "CART-2", 5))
    assert [r.reservation_id for r in uow.reservations.for_cart("CART-1")] == ["H-1", "H-2"]
    uow.reservations.remove("H-1")
    assert [r.reservation_id for r in uow.reservations.for_cart("CART-1")] == ["H-2"]
    assert uow.reservations.for_cart("CART-9") == ()


def test_expired_holds_are_those_whose_expiry_has_come(uow: MemoryUnitOfWork) -> None:
    uow.reservations.add(a_hold("H-1", "C", 5))
    uow.reservations.add(a_hold("H-2", "C", 10, sku="SKU-2"))
    uow.reservations.add(a_hold("H-3", "C", 15))
    uow.reservations.add(a_reservation("RES-1", order_id="O-1"))
    at_ten = T0 + timedelta(minutes=10)
    assert [r.reservation_id for r in uow.reservations.expired(at_ten)] == ["H-1", "H-2"]
    assert [r.reservation_id for r in uow.reservations.expired(at_ten, sku="SKU-1")] == ["H-1"]
    assert uow.reservations.expired(T0) == ()
    uow.reservations.remove("H-1")
    assert [r.reservation_id for r in uow.reservations.expired(at_ten)] == ["H-2"]


def test_a_rolled_back_hold_is_not_listed_anywhere(store: MemoryStore) -> None:
    with store.unit_of_work() as uow:
        uow.reservations.add(a_hold("H-1", "CART-1", 5))
    with store.unit_of_work() as uow:
        assert uow.reservations.for_cart("CART-1") == ()
        assert uow.reservations.expired(T0 + timedelta(days=1)) == ()


def test_every_reservation_including_cart_holds_is_listed_by_id(uow: MemoryUnitOfWork) -> None:
    for rid, order_id in [("RES-2", "O-1"), ("CART-1", None), ("RES-1", "O-2")]:
        uow.reservations.add(a_reservation(rid, order_id=order_id))
    assert [r.reservation_id for r in uow.reservations.list()] == ["CART-1", "RES-1", "RES-2"]


# --- ledger ------------------------------------------------------------------------------


def test_ledger_movements_of_a_key_come_back_oldest_first_not_by_id(
    uow: MemoryUnitOfWork,
) -> None:
    for movement_id in ("M-3", "M-1", "M-2"):
        uow.ledger.append(a_movement(movement_id))
    assert [m.movement_id for m in uow.ledger.for_key("SKU-1", "L1")] == ["M-3", "M-1", "M-2"]


def test_ledger_movements_are_kept_apart_per_sku_and_location(uow: MemoryUnitOfWork) -> None:
    uow.ledger.append(a_movement("M-1", sku="SKU-1", location_id="L1"))
    uow.ledger.append(a_movement("M-2", sku="SKU-1", location_id="L2"))
    uow.ledger.append(a_movement("M-3", sku="SKU-2", location_id="L1"))
    assert [m.movement_id for m in uow.ledger.for_key("SKU-1", "L2")] == ["M-2"]
    assert [m.movement_id for m in uow.ledger.for_key("SKU-2", "L1")] == ["M-3"]
    assert uow.ledger.for_key("SKU-2", "L2") == ()


def test_a_reused_movement_id_raises_already_exists_and_appends_nothing(
    uow: MemoryUnitOfWork,
) -> None:
    uow.ledger.append(a_movement("M-1", quantity=4))
    with pytest.raises(AlreadyExists) as caught:
        uow.ledger.append(a_movement("M-1", quantity=9, location_id="L2"))
    assert (caught.value.kind, caught.value.key) == ("stock movement", "M-1")
    assert uow.ledger.balance("SKU-1", "L1") == 4
    assert uow.ledger.for_key("SKU-1", "L2") == ()


def test_the_ledger_balance_is_the_signed_sum_of_the_movements(uow: MemoryUnitOfWork) -> None:
    for movement_id, quantity in [("M-1", 10), ("M-2", -3), ("M-3", 5), ("M-4", -12)]:
        uow.ledger.append(a_movement(movement_id, quantity=quantity))
    uow.ledger.append(a_movement("M-5", location_id="L2", quantity=100))
    assert uow.ledger.balance("SKU-1", "L1") == 0
    assert uow.ledger.balance("SKU-1", "L2") == 100


def test_a_movement_can_be_got_by_id(uow: MemoryUnitOfWork) -> None:
    uow.ledger.append(a_movement("M-1", quantity=4))
    uow.ledger.append(a_movement("M-2", quantity=-1))
    assert uow.ledger.get("M-2") == a_movement("M-2", quantity=-1)
    with pytest.raises(NotFound) as caught:
        uow.ledger.get("M-9")
    assert (caught.value.kind, caught.value.key) == ("stock movement", "M-9")


def test_the_balance_of_a_key_without_movements_is_zero(uow: MemoryUnitOfWork) -> None:
    assert uow.ledger.balance("SKU-1", "L1") == 0


# --- orders ------------------------------------------------------------------------------


def test_an_added_order_can_be_got_found_and_found_by_reference(uow: MemoryUnitOfWork) -> None:
    order = an_order("O-1", external_ref="ext-42", channel=Channel.MARKETPLACE)
    uow.orders.add(order)
    assert uow.orders.get("O-1") == order
    assert uow.orders.find("O-1") == order
    assert uow.orders.find_by_reference(Channel.MARKETPLACE, "ext-42") == order
    assert uow.orders.find_by_reference("marketplace", "ext-42") == order


def test_an_unknown_order_is_not_found(uow: MemoryUnitOfWork) -> None:
    uow.orders.add(an_order("O-1", external_ref="ext-1"))
    with pytest.raises(NotFound) as caught:
        uow.orders.get("O-9")
    assert (caught.value.kind, caught.value.key) == ("order", "O-9")
    assert uow.orders.find("O-9") is None
    assert uow.orders.find_by_reference(Channel.WEB, "ext-9") is None
    assert uow.orders.find_by_reference(Channel.STORE, "ext-1") is None


def test_adding_an_order_with_a_taken_id_raises_already_exists(uow: MemoryUnitOfWork) -> None:
    uow.orders.add(an_order("O-1", external_ref="ext-1"))
    with pytest.raises(AlreadyExists) as caught:
        uow.orders.add(an_order("O-1", external_ref="ext-2"))
    assert caught.value.kind == "order"
    assert uow.orders.find_by_reference(Channel.WEB, "ext-2") is None
    assert uow.orders.get("O-1").external_ref == "ext-1"


def test_adding_an_order_with_a_taken_channel_reference_raises_already_exists(
    uow: MemoryUnitOfWork,
) -> None:
    uow.orders.add(an_order("O-1", external_ref="ext-1"))
    with pytest.raises(AlreadyExists) as caught:
        uow.orders.add(an_order("O-2", external_ref="ext-1"))
    assert caught.value.kind == "order reference"
    assert uow.orders.find("O-2") is None


def test_the_same_reference_in_another_channel_is_a_different_order(
    uow: MemoryUnitOfWork,
) -> None:
    uow.orders.add(an_order("O-1", external_ref="ext-1", channel=Channel.WEB))
    uow.orders.add(an_order("O-2", external_ref="ext-1", channel=Channel.STORE))
    assert uow.orders.find_by_reference(Channel.WEB, "ext-1") == uow.orders.get("O-1")
    assert uow.orders.find_by_reference(Channel.STORE, "ext-1") == uow.orders.get("O-2")


def test_updating_an_order_at_the_expected_version_replaces_it(uow: MemoryUnitOfWork) -> None:
    uow.orders.add(an_order("O-1"))
    changed = an_order("O-1", status=OrderStatus.ALLOCATED, version=1)
    uow.orders.update(changed, expected_version=0)
    assert uow.orders.get("O-1") == changed
    assert uow.orders.find_by_reference(Channel.WEB, "REF-O-1") == changed


@pytest.mark.parametrize("expected_version", [1, 2, -1])
def test_updating_an_order_at_another_version_raises_concurrency_conflict_and_keeps_it(
    uow: MemoryUnitOfWork, expected_version: int
) -> None:
    uow.orders.add(an_order("O-1"))
    with pytest.raises(ConcurrencyConflict) as caught:
        uow.orders.update(
            an_order("O-1", status=OrderStatus.CANCELLED, version=expected_version + 1),
            expected_version=expected_version,
        )
    assert (caught.value.kind, caught.value.key) == ("order", "O-1")
    assert uow.orders.get("O-1") == an_order("O-1")


def test_a_writer_holding_a_stale_version_loses_to_the_one_that_committed_first(
    store: MemoryStore,
) -> None:
    with committed(store) as uow:
        uow.orders.add(an_order("O-1"))
    with store.unit_of_work() as uow:
        first_read = uow.orders.get("O-1")
    with committed(store) as uow:
        uow.orders.update(
            attrs.evolve(first_read, status=OrderStatus.ALLOCATED, version=1), expected_version=0
        )
    with store.unit_of_work() as uow, pytest.raises(ConcurrencyConflict):
        uow.orders.update(
            attrs.evolve(first_read, status=OrderStatus.CANCELLED, version=1),
            expected_version=first_read.version,
        )
    with store.unit_of_work() as uow:
        assert uow.orders.get("O-1").status is OrderStatus.ALLOCATED


def test_updating_an_unknown_order_raises_not_found(uow: MemoryUnitOfWork) -> None:
    with pytest.raises(NotFound):
        uow.orders.update(an_order("O-9"), expected_version=0)
    assert uow.orders.list() == ()


def test_orders_are_listed_by_id_optionally_in_one_status(uow: MemoryUnitOfWork) -> None:
    uow.orders.add(an_order("O-3", status=OrderStatus.ALLOCATED))
    uow.orders.add(an_order("O-1"))
    uow.orders.add(an_order("O-2", status=OrderStatus.ALLOCATED))
    assert [o.order_id for o in uow.orders.list()] == ["O-1", "O-2", "O-3"]
    allocated = uow.orders.list(status=OrderStatus.ALLOCATED)
    assert [o.order_id for o in allocated] == ["O-2", "O-3"]
    assert uow.orders.list(status=OrderStatus.SHIPPED) == ()


# --- shipments, invoices, returns --------------------------------------------------------


def test_an_added_shipment_can_be_got_and_updated(uow: MemoryUnitOfWork) -> None:
    uow.shipments.add(a_shipment("S-1"))
    assert uow.shipments.get("S-1") == a_shipment("S-1")
    uow.shipments.update(a_shipment("S-1", status=ShipmentStatus.PICKING))
    assert uow.shipments.get("S-1").status is ShipmentStatus.PICKING
    assert uow.shipments.for_order("O-1") == (a_shipment("S-1", status=ShipmentStatus.PICKING),)


def test_a_reused_shipment_id_raises_already_exists(uow: MemoryUnitOfWork) -> None:
    uow.shipments.add(a_shipment("S-1"))
    with pytest.raises(AlreadyExists):
        uow.shipments.add(a_shipment("S-1", order_id="O-2"))
    assert uow.shipments.get("S-1").order_id == "O-1"
    assert uow.shipments.for_order("O-2") == ()


def test_an_unknown_shipment_can_be_neither_got_nor_updated(uow: MemoryUnitOfWork) -> None:
    with pytest.raises(NotFound) as caught:
        uow.shipments.get("S-9")
    assert (caught.value.kind, caught.value.key) == ("shipment", "S-9")
    with pytest.raises(NotFound):
        uow.shipments.update(a_shipment("S-9"))
    assert uow.shipments.for_order("O-1") == ()


def test_shipments_of_an_order_are_listed_by_id(uow: MemoryUnitOfWork) -> None:
    for sid, order_id in [("S-3", "O-1"), ("S-1", "O-1"), ("S-2", "O-2")]:
        uow.shipments.add(a_shipment(sid, order_id=order_id))
    assert [s.shipment_id for s in uow.shipments.for_order("O-1")] == ["S-1", "S-3"]
    assert [s.shipment_id for s in uow.shipments.for_order("O-2")] == ["S-2"]


def test_an_added_invoice_can_be_got_and_a_reused_number_raises_already_exists(
    uow: MemoryUnitOfWork,
) -> None:
    uow.invoices.add(an_invoice("INV-1"))
    assert uow.invoices.get("INV-1") == an_invoice("INV-1")
    with pytest.raises(AlreadyExists) as caught:
        uow.invoices.add(an_invoice("INV-1", order_id="O-2"))
    assert (caught.value.kind, caught.value.key) == ("invoice", "INV-1")
    assert uow.invoices.for_order("O-2") == ()


def test_an_unknown_invoice_is_not_found(uow: MemoryUnitOfWork) -> None:
    with pytest.raises(NotFound) as caught:
        uow.invoices.get("INV-9")
    assert (caught.value.kind, caught.value.key) == ("invoice", "INV-9")


def test_invoices_of_an_order_are_listed_in_the_order_they_were_issued(
    uow: MemoryUnitOfWork,
) -> None:
    for number, order_id in [("INV-3", "O-1"), ("INV-1", "O-1"), ("INV-2", "O-2")]:
        uow.invoices.add(an_invoice(number, order_id=order_id))
    assert [i.number for i in uow.invoices.for_order("O-1")] == ["INV-3", "INV-1"]
    assert uow.invoices.for_order("O-9") == ()


def test_invoice_numbers_count_up_from_one_per_series(uow: MemoryUnitOfWork) -> None:
    taken = [uow.invoices.next_number(s) for s in ("INV", "INV", "CN", "INV", "CN")]
    assert taken == [1, 2, 1, 3, 2]


def test_invoice_numbers_taken_in_a_rolled_back_unit_of_work_are_taken_again(
    store: MemoryStore,
) -> None:
    with committed(store) as uow:
        assert uow.invoices.next_number("INV") == 1
    with store.unit_of_work() as uow:
        assert uow.invoices.next_number("INV") == 2
        assert uow.invoices.next_number("INV") == 3
    with committed(store) as uow:
        assert uow.invoices.next_number("INV") == 2
    with store.unit_of_work() as uow:
        assert uow.invoices.next_number("INV") == 3


def test_an_added_return_can_be_got_and_updated(uow: MemoryUnitOfWork) -> None:
    uow.returns.add(a_return("RT-1"))
    assert uow.returns.get("RT-1") == a_return("RT-1")
    uow.returns.update(a_return("RT-1", status=ReturnStatus.RECEIVED))
    assert uow.returns.get("RT-1").status is ReturnStatus.RECEIVED
    assert uow.returns.for_order("O-1") == (a_return("RT-1", status=ReturnStatus.RECEIVED),)


def test_a_reused_return_id_raises_already_exists(uow: MemoryUnitOfWork) -> None:
    uow.returns.add(a_return("RT-1"))
    with pytest.raises(AlreadyExists):
        uow.returns.add(a_return("RT-1", order_id="O-2"))
    assert uow.returns.for_order("O-2") == ()


def test_an_unknown_return_can_be_neither_got_nor_updated(uow: MemoryUnitOfWork) -> None:
    with pytest.raises(NotFound) as caught:
        uow.returns.get("RT-9")
    assert (caught.value.kind, caught.value.key) == ("return", "RT-9")
    with pytest.raises(NotFound):
        uow.returns.update(a_return("RT-9"))
    assert uow.returns.for_order("O-1") == ()


def test_returns_of_an_order_are_listed_by_id(uow: MemoryUnitOfWork) -> None:
    for rid, order_id in [("RT-2", "O-1"), ("RT-3", "O-2"), ("RT-1", "O-1")]:
        uow.returns.add(a_return(rid, order_id=order_id))
    assert [r.return_id for r in uow.returns.for_order("O-1")] == ["RT-1", "RT-2"]


# --- quotes ------------------------------------------------------------------------------


def test_an_added_quote_can_be_got_and_found_by_reference(uow: MemoryUnitOfWork) -> None:
    uow.quotes.add(a_quote("Q-1"))
    assert uow.quotes.get("Q-1") == a_quote("Q-1")
    assert uow.quotes.find_by_reference("web", "R-1") == a_quote("Q-1")
    assert uow.quotes.find_by_reference("store", "R-1") is None


def test_an_unknown_quote_is_not_found(uow: MemoryUnitOfWork) -> None:
    with pytest.raises(NotFound) as caught:
        uow.quotes.get("Q-9")
    assert (caught.value.kind, caught.value.key) == ("quote", "Q-9")
    with pytest.raises(NotFound):
        uow.quotes.update(a_quote("Q-9", version=1), expected_version=0)
    assert uow.quotes.list() == ()


def test_adding_a_quote_with_a_taken_id_or_reference_raises_already_exists(
    uow: MemoryUnitOfWork,
) -> None:
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
    uow: MemoryUnitOfWork,
) -> None:
    uow.quotes.add(a_quote("Q-1"))
    uow.quotes.add(a_quote("Q-2", channel=Channel.STORE))
    assert uow.quotes.find_by_reference("store", "R-1") == a_quote("Q-2", channel=Channel.STORE)


def test_updating_a_quote_at_the_expected_version_replaces_it(uow: MemoryUnitOfWork) -> None:
    uow.quotes.add(a_quote("Q-1"))
    accepted = a_quote("Q-1", status=QuoteStatus.ACCEPTED, version=1)
    uow.quotes.update(accepted, expected_version=0)
    assert uow.quotes.get("Q-1") == accepted
    assert uow.quotes.find_by_reference("web", "R-1") == accepted
    assert uow.quotes.list(status=QuoteStatus.OPEN) == ()
    assert uow.quotes.list(status=QuoteStatus.ACCEPTED) == (accepted,)


def test_updating_a_quote_at_another_version_raises_concurrency_conflict_and_keeps_it(
    uow: MemoryUnitOfWork,
) -> None:
    uow.quotes.add(a_quote("Q-1", version=3))
    with pytest.raises(ConcurrencyConflict) as caught:
        uow.quotes.update(
            a_quote("Q-1", status=QuoteStatus.DECLINED, version=3), expected_version=2
        )
    assert (caught.value.kind, caught.value.key) == ("quote", "Q-1")
    assert uow.quotes.get("Q-1") == a_quote("Q-1", version=3)


def test_a_writer_holding_a_stale_quote_loses_to_the_one_that_committed_first(
    store: MemoryStore,
) -> None:
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


def test_a_quote_update_cannot_change_its_request(uow: MemoryUnitOfWork) -> None:
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


def test_quotes_are_listed_by_id_optionally_by_status_and_customer(uow: MemoryUnitOfWork) -> None:
    uow.quotes.add(a_quote("Q-3", external_ref="R-3", status=QuoteStatus.DECLINED))
    uow.quotes.add(a_quote("Q-1"))
    uow.quotes.add(a_quote("Q-2", external_ref="R-2", customer_id="C-2"))
    uow.quotes.add(a_quote("Q-4", external_ref="R-4", customer_id=None))
    assert [q.quote_id for q in uow.quotes.list()] == ["Q-1", "Q-2", "Q-3", "Q-4"]
    assert [q.quote_id for q in uow.quotes.list(status=QuoteStatus.OPEN)] == ["Q-1", "Q-2", "Q-4"]
    assert [q.quote_id for q in uow.quotes.list(customer_id="C-1")] == ["Q-1", "Q-3"]
    assert [
        q.quote_id for q in uow.quotes.list(status=QuoteStatus.DECLINED, customer_id="C-1")
    ] == ["Q-3"]
    assert uow.quotes.list(customer_id="C-9") == ()


# --- cancellation log and outbox ---------------------------------------------------------


def test_cancellation_records_are_listed_oldest_first(uow: MemoryUnitOfWork) -> None:
    for record_id in ("X-2", "X-3", "X-1"):
        uow.cancellations.add(a_cancellation(record_id))
    assert [r.record_id for r in uow.cancellations.list()] == ["X-2", "X-3", "X-1"]


def a_task(task_id: str, *, rule: str = "late_line", subject: str = "O-1") -> Task:
    return Task(task_id, rule, subject, "Look at it", TaskSeverity.RED, T0)


def test_tasks_are_found_by_rule_and_subject_and_delivered_once(uow: MemoryUnitOfWork) -> None:
    uow.tasks.add(a_task("T-2"))
    uow.tasks.add(a_task("T-1", subject="O-1/2"))
    assert uow.tasks.find("late_line", "O-1") == a_task("T-2")
    assert uow.tasks.find("late_line", "O-9") is None
    assert uow.tasks.find("other", "O-1") is None
    assert [t.task_id for t in uow.tasks.list()] == ["T-1", "T-2"]
    assert [t.task_id for t in uow.tasks.undelivered()] == ["T-1", "T-2"]
    uow.tasks.mark_delivered(["T-2"])
    assert [t.task_id for t in uow.tasks.undelivered()] == ["T-1"]


def test_a_rule_raises_one_task_per_subject_and_ids_are_unique(uow: MemoryUnitOfWork) -> None:
    uow.tasks.add(a_task("T-1"))
    with pytest.raises(AlreadyExists, match="late_line for O-1"):
        uow.tasks.add(a_task("T-2"))
    with pytest.raises(AlreadyExists, match="T-1"):
        uow.tasks.add(a_task("T-1", subject="O-2"))
    with pytest.raises(NotFound):
        uow.tasks.mark_delivered(["T-1", "T-9"])
    assert [t.task_id for t in uow.tasks.undelivered()] == ["T-1"]


def test_outbox_events_are_pending_oldest_first_until_published(uow: MemoryUnitOfWork) -> None:
    uow.outbox.append([an_event("E-3"), an_event("E-1")])
    uow.outbox.append([an_event("E-2")])
    assert [e.event_id for e in uow.outbox.pending()] == ["E-3", "E-1", "E-2"]
    uow.outbox.mark_published(["E-1"])
    assert [e.event_id for e in uow.outbox.pending()] == ["E-3", "E-2"]
    uow.outbox.mark_published(["E-3", "E-2"])
    assert uow.outbox.pending() == ()


def test_outbox_pending_returns_at_most_limit_events_oldest_first(
    uow: MemoryUnitOfWork,
) -> None:
    uow.outbox.append([an_event(f"E-{i}") for i in range(1, 8)])
    uow.outbox.mark_published(["E-2"])
    assert [e.event_id for e in uow.outbox.pending(limit=3)] == ["E-1", "E-3", "E-4"]
    assert len(uow.outbox.pending()) == 6


def test_outbox_pending_defaults_to_one_hundred_events(uow: MemoryUnitOfWork) -> None:
    uow.outbox.append([an_event(f"E-{i}") for i in range(150)])
    pending = uow.outbox.pending()
    assert len(pending) == 100
    assert pending[-1].event_id == "E-99"


def test_appending_a_reused_event_id_raises_already_exists(uow: MemoryUnitOfWork) -> None:
    uow.outbox.append([an_event("E-1")])
    uow.outbox.mark_published(["E-1"])
    with pytest.raises(AlreadyExists) as caught:
        uow.outbox.append([an_event("E-1", order_id="O-2")])
    assert (caught.value.kind, caught.value.key) == ("event", "E-1")
    assert uow.outbox.pending() == ()


def test_an_outbox_batch_with_a_reused_event_id_adds_none_of_its_events(
    uow: MemoryUnitOfWork,
) -> None:
    uow.outbox.append([an_event("E-1")])
    with pytest.raises(AlreadyExists):
        uow.outbox.append([an_event("E-2"), an_event("E-1")])
    assert [e.event_id for e in uow.outbox.pending()] == ["E-1"]


def test_an_outbox_batch_repeating_an_event_id_adds_none_of_its_events(
    uow: MemoryUnitOfWork,
) -> None:
    with pytest.raises(AlreadyExists):
        uow.outbox.append([an_event("E-1"), an_event("E-1")])
    assert uow.outbox.pending() == ()


def test_marking_an_unknown_event_published_raises_not_found(uow: MemoryUnitOfWork) -> None:
    with pytest.raises(NotFound) as caught:
        uow.outbox.mark_published(["E-9"])
    assert (caught.value.kind, caught.value.key) == ("event", "E-9")


def test_marking_a_batch_with_an_unknown_event_published_marks_none_of_it(
    uow: MemoryUnitOfWork,
) -> None:
    uow.outbox.append([an_event("E-1"), an_event("E-2")])
    with pytest.raises(NotFound):
        uow.outbox.mark_published(["E-1", "E-9"])
    assert [e.event_id for e in uow.outbox.pending()] == ["E-1", "E-2"]


def test_lists_already_handed_out_do_not_change_with_later_writes(
    uow: MemoryUnitOfWork,
) -> None:
    uow.locations.add(a_location("L1"))
    uow.ledger.append(a_movement("M-1"))
    uow.outbox.append([an_event("E-1")])
    uow.cancellations.add(a_cancellation("X-1"))
    locations = uow.locations.list()
    movements = uow.ledger.for_key("SKU-1", "L1")
    pending = uow.outbox.pending()
    records = uow.cancellations.list()
    uow.locations.add(a_location("L2"))
    uow.ledger.append(a_movement("M-2"))
    uow.outbox.append([an_event("E-2")])
    uow.cancellations.add(a_cancellation("X-2"))
    assert (len(locations), len(movements), len(pending), len(records)) == (1, 1, 1, 1)


# --- transactions ------------------------------------------------------------------------


def test_the_dump_sees_every_repository_of_a_seeded_store(store: MemoryStore) -> None:
    empty = dump(store)
    seed(store)
    seeded = dump(store)
    assert [key for key in seeded if seeded[key] == empty[key]] == []


def test_the_dump_itself_changes_nothing(store: MemoryStore) -> None:
    seed(store)
    assert dump(store) == dump(store)


def test_committed_changes_stay(store: MemoryStore) -> None:
    seed(store)
    before = dump(store)
    with committed(store) as uow:
        write_to_every_repository(uow)
    after = dump(store)
    changed = {key for key in after if after[key] != before[key]}
    assert changed == set(after), f"unchanged: {set(after) - changed}"
    with store.unit_of_work() as uow:
        assert uow.locations.get("L1").name == "Renamed warehouse"
        assert uow.orders.get("O-1").status is OrderStatus.ALLOCATED
        assert uow.invoices.next_number("INV") == 3


def _leave_without_commit(uow: MemoryUnitOfWork) -> None:
    write_to_every_repository(uow)


def _roll_back_explicitly(uow: MemoryUnitOfWork) -> None:
    write_to_every_repository(uow)
    uow.rollback()


def _commit_then_roll_back_later_writes(uow: MemoryUnitOfWork) -> None:
    uow.commit()
    write_to_every_repository(uow)


@pytest.mark.parametrize(
    "block",
    [_leave_without_commit, _roll_back_explicitly, _commit_then_roll_back_later_writes],
    ids=["leave without commit", "explicit rollback", "writes after the last commit"],
)
def test_changes_not_committed_are_all_rolled_back(
    store: MemoryStore, block: Callable[[MemoryUnitOfWork], None]
) -> None:
    seed(store)
    before = dump(store)
    with store.unit_of_work() as uow:
        block(uow)
    assert dump(store) == before


def test_writes_are_visible_inside_their_own_unit_of_work_before_commit(
    store: MemoryStore,
) -> None:
    seed(store)
    with store.unit_of_work() as uow:
        write_to_every_repository(uow)
        assert uow.locations.get("L3") == a_location("L3")
        assert uow.ledger.balance("SKU-1", "L1") == 7
        assert uow.reservations.for_order("O-2") == (a_reservation("RES-3", order_id="O-2"),)
        assert uow.orders.get("O-1").version == 1
        assert [e.event_id for e in uow.outbox.pending()] == ["E-3"]


def _fail_half_way(store: MemoryStore) -> None:
    with store.unit_of_work() as uow:
        write_to_every_repository(uow)
        assert uow.outbox.pending() == (an_event("E-3"),)
        raise Boom


def test_an_exception_half_way_leaves_the_store_exactly_as_before(store: MemoryStore) -> None:
    seed(store)
    before = dump(store)
    with pytest.raises(Boom):
        _fail_half_way(store)
    assert dump(store) == before


def test_an_expected_error_caught_inside_the_block_does_not_undo_earlier_writes(
    store: MemoryStore,
) -> None:
    with committed(store) as uow:
        uow.locations.add(a_location("L1"))
        uow.orders.add(an_order("O-1"))
        with pytest.raises(AlreadyExists):
            uow.orders.add(an_order("O-1", status=OrderStatus.CANCELLED))
    with store.unit_of_work() as uow:
        assert uow.locations.find("L1") is not None
        assert uow.orders.find("O-1") == an_order("O-1")


# --- misuse ------------------------------------------------------------------------------

REPOSITORY_CALLS: list[tuple[str, Callable[[MemoryUnitOfWork], object]]] = [
    ("locations.get", lambda u: u.locations.get("L1")),
    ("locations.find", lambda u: u.locations.find("L1")),
    ("locations.add", lambda u: u.locations.add(a_location("L2"))),
    ("locations.list", lambda u: u.locations.list()),
    ("products.get", lambda u: u.products.get("SKU-1")),
    ("products.find", lambda u: u.products.find("SKU-1")),
    ("products.add", lambda u: u.products.add(a_product("SKU-2"))),
    ("products.list", lambda u: u.products.list()),
    ("customers.get", lambda u: u.customers.get("C-1")),
    ("customers.find", lambda u: u.customers.find("C-1")),
    ("customers.add", lambda u: u.customers.add(a_customer("C-2"))),
    ("stock.get", lambda u: u.stock.get("SKU-1", "L1")),
    ("stock.save", lambda u: u.stock.save(a_position("SKU-2", "L2"))),
    ("stock.for_sku", lambda u: u.stock.for_sku("SKU-1")),
    ("stock.list", lambda u: u.stock.list()),
    ("reservations.add", lambda u: u.reservations.add(a_reservation("RES-9"))),
    ("reservations.get", lambda u: u.reservations.get("RES-1")),
    ("reservations.remove", lambda u: u.reservations.remove("RES-2")),
    ("reservations.for_order", lambda u: u.reservations.for_order("O-1")),
    ("reservations.list", lambda u: u.reservations.list()),
    ("ledger.append", lambda u: u.ledger.append(a_movement("M-9"))),
    ("ledger.for_key", lambda u: u.ledger.for_key("SKU-1", "L1")),
    ("ledger.balance", lambda u: u.ledger.balance("SKU-1", "L1")),
    ("orders.get", lambda u: u.orders.get("O-1")),
    ("orders.find", lambda u: u.orders.find("O-1")),
    ("orders.find_by_reference", lambda u: u.orders.find_by_reference("web", "REF-O-1")),
    ("orders.add", lambda u: u.orders.add(an_order("O-9"))),
    (
        "orders.update",
        lambda u: u.orders.update(an_order("O-1", version=1), expected_version=0),
    ),
    ("orders.list", lambda u: u.orders.list()),
    ("shipments.add", lambda u: u.shipments.add(a_shipment("S-9"))),
    ("shipments.get", lambda u: u.shipments.get("S-1")),
    ("shipments.update", lambda u: u.shipments.update(a_shipment("S-1"))),
    ("shipments.for_order", lambda u: u.shipments.for_order("O-1")),
    ("invoices.add", lambda u: u.invoices.add(an_invoice("INV-9"))),
    ("invoices.get", lambda u: u.invoices.get("INV-1")),
    ("invoices.for_order", lambda u: u.invoices.for_order("O-1")),
    ("invoices.next_number", lambda u: u.invoices.next_number("INV")),
    ("returns.add", lambda u: u.returns.add(a_return("RT-9"))),
    ("returns.get", lambda u: u.returns.get("RT-1")),
    ("returns.update", lambda u: u.returns.update(a_return("RT-1"))),
    ("returns.for_order", lambda u: u.returns.for_order("O-1")),
    ("quotes.add", lambda u: u.quotes.add(a_quote("Q-9", external_ref="R-9"))),
    ("quotes.get", lambda u: u.quotes.get("Q-1")),
    ("quotes.find_by_reference", lambda u: u.quotes.find_by_reference("web", "R-1")),
    (
        "quotes.update",
        lambda u: u.quotes.update(a_quote("Q-1", version=1), expected_version=0),
    ),
    ("quotes.list", lambda u: u.quotes.list()),
    ("cancellations.add", lambda u: u.cancellations.add(a_cancellation("X-9"))),
    ("cancellations.list", lambda u: u.cancellations.list()),
    ("tasks.add", lambda u: u.tasks.add(a_task("T-9", subject="O-9"))),
    ("tasks.find", lambda u: u.tasks.find("late_line", "O-1")),
    ("tasks.list", lambda u: u.tasks.list()),
    ("tasks.undelivered", lambda u: u.tasks.undelivered()),
    ("tasks.mark_delivered", lambda u: u.tasks.mark_delivered(["T-1"])),
    ("outbox.append", lambda u: u.outbox.append([an_event("E-9")])),
    ("outbox.pending", lambda u: u.outbox.pending()),
    ("outbox.mark_published", lambda u: u.outbox.mark_published(["E-2"])),
]


@pytest.mark.parametrize(
    "call", [call for _, call in REPOSITORY_CALLS], ids=[name for name, _ in REPOSITORY_CALLS]
)
def test_a_repository_used_outside_a_with_block_raises_oms_error(
    store: MemoryStore, call: Callable[[MemoryUnitOfWork], object]
) -> None:
    seed(store)  # so that the call would succeed inside a block
    with store.unit_of_work() as inside:
        call(inside)
    before = dump(store)
    uow = store.unit_of_work()
    with pytest.raises(OmsError) as caught:
        call(uow)
    assert type(caught.value) is OmsError, "the guard, not a lookup, must refuse the call"
    assert "with" in str(caught.value)
    assert dump(store) == before


def test_a_repository_used_after_its_block_ended_raises_oms_error(store: MemoryStore) -> None:
    with committed(store) as uow:
        uow.locations.add(a_location("L1"))
    with pytest.raises(OmsError) as caught:
        uow.locations.get("L1")
    assert type(caught.value) is OmsError
    with pytest.raises(OmsError):
        uow.locations.add(a_location("L2"))
    assert dump(store)["locations"] == (a_location("L1"),)


def test_commit_outside_a_with_block_raises_oms_error(store: MemoryStore) -> None:
    with pytest.raises(OmsError):
        store.unit_of_work().commit()


def test_re_entering_an_open_unit_of_work_raises_oms_error_and_keeps_it_usable(
    store: MemoryStore,
) -> None:
    with store.unit_of_work() as uow:
        uow.locations.add(a_location("L1"))
        with pytest.raises(OmsError) as caught:
            uow.__enter__()
        assert type(caught.value) is OmsError
        uow.locations.add(a_location("L2"))
        uow.commit()
    with store.unit_of_work() as uow:
        assert [loc.location_id for loc in uow.locations.list()] == ["L1", "L2"]
    _assert_another_thread_can_open_a_unit_of_work(store)


def test_a_unit_of_work_can_be_used_for_a_second_block_after_the_first_ended(
    store: MemoryStore,
) -> None:
    uow = store.unit_of_work()
    with uow:
        uow.locations.add(a_location("L1"))
        uow.commit()
    with uow:
        uow.locations.add(a_location("L2"))
    with uow:
        assert [loc.location_id for loc in uow.locations.list()] == ["L1"]


def test_opening_a_second_unit_of_work_in_the_same_thread_raises_oms_error(
    store: MemoryStore,
) -> None:
    with store.unit_of_work() as outer:
        outer.ledger.append(a_movement("M-1"))
        with pytest.raises(OmsError):
            store.unit_of_work().__enter__()
    with store.unit_of_work() as uow:
        assert uow.ledger.for_key("SKU-1", "L1") == ()


# --- threads -----------------------------------------------------------------------------


def _assert_another_thread_can_open_a_unit_of_work(store: MemoryStore) -> None:
    seen: list[int] = []

    def open_one() -> None:
        with store.unit_of_work() as uow:
            seen.append(len(uow.locations.list()))

    thread = threading.Thread(target=open_one)
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive(), "the store lock was not released"
    assert len(seen) == 1


def test_the_lock_is_released_after_a_block_that_raised(store: MemoryStore) -> None:
    seed(store)
    with pytest.raises(Boom):
        _fail_half_way(store)
    _assert_another_thread_can_open_a_unit_of_work(store)


@pytest.mark.parametrize("commit", [False, True], ids=["rolled back", "committed"])
def test_another_thread_only_ever_sees_committed_changes(store: MemoryStore, commit: bool) -> None:
    seen: list[Location | None] = []
    written = threading.Event()

    def reader() -> None:
        written.wait(timeout=10)
        with store.unit_of_work() as uow:
            seen.append(uow.locations.find("L1"))

    thread = threading.Thread(target=reader)
    thread.start()
    with store.unit_of_work() as uow:
        uow.locations.add(a_location("L1"))
        written.set()
        time.sleep(0.05)  # give the reader every chance to look too early
        if commit:
            uow.commit()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert seen == [a_location("L1") if commit else None]


def test_concurrent_read_modify_write_increments_lose_no_update(store: MemoryStore) -> None:
    with committed(store) as uow:
        uow.stock.save(a_position("SKU-1", "L1"))
    failures: list[BaseException] = []

    def increment_200_times() -> None:
        try:
            for _ in range(200):
                with store.unit_of_work() as uow:
                    position = uow.stock.get("SKU-1", "L1")
                    time.sleep(0)  # invite a thread switch between the read and the write
                    uow.stock.save(attrs.evolve(position, on_hand=position.on_hand + 1))
                    uow.commit()
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=increment_200_times) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        sys.setswitchinterval(interval)
    assert failures == []
    assert not any(thread.is_alive() for thread in threads)
    with store.unit_of_work() as uow:
        assert uow.stock.get("SKU-1", "L1").on_hand == 1600


# --- the ports, statically ---------------------------------------------------------------


def _open_through_the_ports(store: Store, unit_of_work: UnitOfWork) -> tuple[UnitOfWork, ...]:
    """mypy checks that the memory classes satisfy the Protocols when they are passed here."""
    return (store.unit_of_work(), unit_of_work)


def test_memory_store_and_unit_of_work_satisfy_the_store_and_unit_of_work_ports(
    store: MemoryStore,
) -> None:
    opened = _open_through_the_ports(store, MemoryUnitOfWork(store))
    with opened[0] as uow:
        uow.locations.add(a_location("L1"))
        uow.commit()
    with opened[1] as uow:
        assert uow.locations.get("L1") == a_location("L1")


# --- stateful: the store against a plain model -------------------------------------------


@attrs.define
class Model:
    """What the store should hold, in plain containers."""

    locations: dict[str, Location] = attrs.Factory(dict)
    products: dict[str, Product] = attrs.Factory(dict)
    customers: dict[str, Customer] = attrs.Factory(dict)
    stock: dict[tuple[str, str], StockPosition] = attrs.Factory(dict)
    reservations: dict[str, Reservation] = attrs.Factory(dict)
    movements: list[StockMovement] = attrs.Factory(list)
    orders: dict[str, Order] = attrs.Factory(dict)
    shipments: dict[str, Shipment] = attrs.Factory(dict)
    invoices: dict[str, Invoice] = attrs.Factory(dict)
    counters: dict[str, int] = attrs.Factory(dict)
    returns: dict[str, Return] = attrs.Factory(dict)
    cancellations: list[CancellationRecord] = attrs.Factory(list)
    outbox: list[DomainEvent] = attrs.Factory(list)
    published: set[str] = attrs.Factory(set)
    tasks: dict[str, Task] = attrs.Factory(dict)
    delivered: set[str] = attrs.Factory(set)
    quotes: dict[str, Quote] = attrs.Factory(dict)

    def copy(self) -> Model:
        return Model(
            dict(self.locations),
            dict(self.products),
            dict(self.customers),
            dict(self.stock),
            dict(self.reservations),
            list(self.movements),
            dict(self.orders),
            dict(self.shipments),
            dict(self.invoices),
            dict(self.counters),
            dict(self.returns),
            list(self.cancellations),
            list(self.outbox),
            set(self.published),
            dict(self.tasks),
            set(self.delivered),
            dict(self.quotes),
        )

    def dump(self, universe: Universe = UNIVERSE) -> Dump:
        """The model's answer to :func:`dump`, derived from the Protocol docstrings."""

        def movements_of(key: tuple[str, str]) -> tuple[StockMovement, ...]:
            return tuple(m for m in self.movements if (m.sku, m.location_id) == key)

        def order_with_reference(channel: Channel, ref: str) -> Order | None:
            found = [
                o for o in self.orders.values() if (o.channel, o.external_ref) == (channel, ref)
            ]
            return found[0] if found else None

        orders = by_key(self.orders)
        quotes = by_key(self.quotes)

        def quote_with_reference(channel: Channel, ref: str) -> Quote | None:
            found = [
                q for q in quotes if (q.request.channel, q.request.external_ref) == (channel, ref)
            ]
            return found[0] if found else None

        return {
            "locations": by_key(self.locations),
            "products": by_key(self.products),
            "customers": {c: self.customers.get(c) for c in universe.customer_ids},
            "stock": by_key(self.stock),
            "stock by sku": {
                sku: tuple(p for p in by_key(self.stock) if p.sku == sku) for sku in universe.skus
            },
            "reservations": by_key(self.reservations),
            "reservations by order": {
                o: tuple(r for r in by_key(self.reservations) if r.order_id == o)
                for o in universe.order_ids
            },
            "ledger": {key: movements_of(key) for key in universe.stock_keys},
            "balances": {
                key: sum(m.quantity for m in movements_of(key)) for key in universe.stock_keys
            },
            "orders": orders,
            "orders by status": {s: tuple(o for o in orders if o.status is s) for s in OrderStatus},
            "orders by reference": {ref: order_with_reference(*ref) for ref in universe.references},
            "shipments by order": {
                o: tuple(s for s in by_key(self.shipments) if s.order_id == o)
                for o in universe.order_ids
            },
            "invoices by order": {
                o: tuple(i for i in self.invoices.values() if i.order_id == o)  # issue order
                for o in universe.order_ids
            },
            "invoice counters": {s: self.counters.get(s, 0) for s in universe.series},
            "returns by order": {
                o: tuple(r for r in by_key(self.returns) if r.order_id == o)
                for o in universe.order_ids
            },
            "quotes": quotes,
            "quotes by status": {s: tuple(q for q in quotes if q.status is s) for s in QuoteStatus},
            "quotes by customer": {
                c: tuple(q for q in quotes if q.customer_id == c) for c in universe.customer_ids
            },
            "quotes by reference": {ref: quote_with_reference(*ref) for ref in universe.references},
            "cancellations": tuple(self.cancellations),
            "tasks": by_key(self.tasks),
            "undelivered tasks": tuple(
                t for t in by_key(self.tasks) if t.task_id not in self.delivered
            ),
            "outbox pending": tuple(e for e in self.outbox if e.event_id not in self.published),
        }


@attrs.frozen
class Expect:
    """What an operation should do: raise ``error``, or return ``result``."""

    error: type[OmsError] | None = None
    result: object = None


class Op:
    """One repository call, applied to the store and (as the expectation) to the model."""

    def on_model(self, model: Model) -> Expect:
        raise NotImplementedError

    def on_store(self, uow: MemoryUnitOfWork) -> object:
        raise NotImplementedError


@attrs.frozen
class AddLocation(Op):
    location_id: str
    name: str

    def on_model(self, model: Model) -> Expect:
        model.locations[self.location_id] = a_location(self.location_id, self.name)
        return Expect()

    def on_store(self, uow: MemoryUnitOfWork) -> object:
        uow.locations.add(a_location(self.location_id, self.name))
        return None


@attrs.frozen
class GetLocation(Op):
    location_id: str

    def on_model(self, model: Model) -> Expect:
        found = model.locations.get(self.location_id)
        return Expect(NotFound) if found is None else Expect(result=found)

    def on_store(self, uow: MemoryUnitOfWork) -> object:
        return uow.locations.get(self.location_id)


@attrs.frozen
class AddProduct(Op):
    sku: str
    name: str

    def on_model(self, model: Model) -> Expect:
        model.products[self.sku] = a_product(self.sku, self.name)
        return Expect()

    def on_store(self, uow: MemoryUnitOfWork) -> object:
        uow.products.add(a_product(self.sku, self.name))
        return None


@attrs.frozen
class AddCustomer(Op):
    customer_id: str
    name: str

    def on_model(self, model: Model) -> Expect:
        model.customers[self.customer_id] = a_customer(self.customer_id, self.name)
        return Expect()

    def on_store(self, uow: MemoryUnitOfWork) -> object:
        uow.customers.add(a_customer(self.customer_id, self.name))
        return None


@attrs.frozen
class SaveStock(Op):
    sku: str
    location_id: str
    on_hand: int

    def on_model(self, model: Model) -> Expect:
        model.stock[(self.sku, self.location_id)] = a_position(
            self.sku, self.location_id, self.on_hand
        )
        return Expect()

    def on_store(self, uow: MemoryUnitOfWork) -> object:
        uow.stock.save(a_position(self.sku, self.location_id, self.on_hand))
        return None


@attrs.frozen
class GetStock(Op):
    sku: str
    location_id: str

    def on_model(self, model: Model) -> Expect:
        key = (self.sku, self.location_id)
        return Expect(result=model.stock.get(key, a_position(*key)))

    def on_store(self, uow: MemoryUnitOfWork) -> object:
        return uow.stock.get(self.sku, self.location_id)


@attrs.frozen
class AddReservation(Op):
    reservation_id: str
    sku: str
    location_id: str
    quantity: int
    order_id: str | None

    def _reservation(self) -> Reservation:
        return a_reservation(
            self.reservation_id,
            sku=self.sku,
            location_id=self.location_id,
            quantity=self.quantity,
            order_id=self.order_id,
        )

    def on_model(self, model: Model) -> Expect:
        if self.reservation_id in model.reservations:
            return Expect(AlreadyExists)
        model.reservations[self.reservation_id] = self._reservation()
        return Expect()

    def on_store(self, uow: MemoryUnitOfWork) -> object:
        uow.reservations.add(self._reservation())
        return None


@attrs.frozen
class RemoveReservation(Op):
    reservation_id: str

    def on_model(self, model: Model) -> Expect:
        if model.reservations.pop(self.reservation_id, None) is None:
            return Expect(NotFound)
        return Expect()

    def on_store(self, uow: MemoryUnitOfWork) -> object:
        uow.reservations.remove(self.reservation_id)
        return None


@attrs.frozen
class AppendMovement(Op):
    movement_id: str
    sku: str
    location_id: str
    quantity: int

    def _movement(self) -> StockMovement:
        return a_movement(
            self.movement_id, sku=self.sku, location_id=self.location_id, quantity=self.quantity
        )

    def on_model(self, model: Model) -> Expect:
        if any(m.movement_id == self.movement_id for m in model.movements):
            return Expect(AlreadyExists)
        model.movements.append(self._movement())
        return Expect()

    def on_store(self, uow: MemoryUnitOfWork) -> object:
        uow.ledger.append(self._movement())
        return None


@attrs.frozen
class Balance(Op):
    sku: str
    location_id: str

    def on_model(self, model: Model) -> Expect:
        key = (self.sku, self.location_id)
        return Expect(
            result=sum(m.quantity for m in model.movements if (m.sku, m.location_id) == key)
        )

    def on_store(self, uow: MemoryUnitOfWork) -> object:
        return uow.ledger.balance(self.sku, self.location_id)


@attrs.frozen
class AddOrder(Op):
    order_id: str
    channel: Channel
    external_ref: str

    def _order(self) -> Order:
        return an_order(self.order_id, external_ref=self.external_ref, channel=self.channel)

    def on_model(self, model: Model) -> Expect:
        taken = {(o.channel, o.external_ref) for o in model.orders.values()}
        if self.order_id in model.orders or (self.channel, self.external_ref) in taken:
            return Expect(AlreadyExists)
        model.orders[self.order_id] = self._order()
        return Expect()

    def on_store(self, uow: MemoryUnitOfWork) -> object:
        uow.orders.add(self._order())
        return None


@attrs.frozen
class UpdateOrder(Op):
    """Move an order to ``status``; ``stale`` offers a version other than the stored one."""

    order_id: str
    status: OrderStatus
    stale: bool

    def on_model(self, model: Model) -> Expect:
        current = model.orders.get(self.order_id)
        if current is None:
            return Expect(NotFound)
        if self.stale:
            return Expect(ConcurrencyConflict)
        model.orders[self.order_id] = attrs.evolve(
            current, status=self.status, version=current.version + 1
        )
        return Expect()

    def on_store(self, uow: MemoryUnitOfWork) -> object:
        current = uow.orders.find(self.order_id) or an_order(self.order_id)
        expected = current.version + (1 if self.stale else 0)
        changed = attrs.evolve(current, status=self.status, version=expected + 1)
        uow.orders.update(changed, expected_version=expected)
        return None


@attrs.frozen
class GetOrder(Op):
    order_id: str

    def on_model(self, model: Model) -> Expect:
        found = model.orders.get(self.order_id)
        return Expect(NotFound) if found is None else Expect(result=found)

    def on_store(self, uow: MemoryUnitOfWork) -> object:
        return uow.orders.get(self.order_id)


@attrs.frozen
class AddShipment(Op):
    shipment_id: str
    order_id: str

    def on_model(self, model: Model) -> Expect:
        if self.shipment_id in model.shipments:
            return Expect(AlreadyExists)
        model.shipments[self.shipment_id] = a_shipment(self.shipment_id, order_id=self.order_id)
        return Expect()

    def on_store(self, uow: MemoryUnitOfWork) -> object:
        uow.shipments.add(a_shipment(self.shipment_id, order_id=self.order_id))
        return None


@attrs.frozen
class UpdateShipment(Op):
    shipment_id: str
    status: ShipmentStatus

    def on_model(self, model: Model) -> Expect:
        current = model.shipments.get(self.shipment_id)
        if current is None:
            return Expect(NotFound)
        model.shipments[self.shipment_id] = attrs.evolve(current, status=self.status)
        return Expect()

    def on_store(self, uow: MemoryUnitOfWork) -> object:
        try:
            current = uow.shipments.get(self.shipment_id)
        except NotFound:
            current = a_shipment(self.shipment_id)
        uow.shipments.update(attrs.evolve(current, status=self.status))
        return None


@attrs.frozen
class AddInvoice(Op):
    number: str
    order_id: str

    def on_model(self, model: Model) -> Expect:
        if self.number in model.invoices:
            return Expect(AlreadyExists)
        model.invoices[self.number] = an_invoice(self.number, order_id=self.order_id)
        return Expect()

    def on_store(self, uow: MemoryUnitOfWork) -> object:
        uow.invoices.add(an_invoice(self.number, order_id=self.order_id))
        return None


@attrs.frozen
class NextNumber(Op):
    series: str

    def on_model(self, model: Model) -> Expect:
        model.counters[self.series] = model.counters.get(self.series, 0) + 1
        return Expect(result=model.counters[self.series])

    def on_store(self, uow: MemoryUnitOfWork) -> object:
        return uow.invoices.next_number(self.series)


@attrs.frozen
class AddReturn(Op):
    return_id: str
    order_id: str

    def on_model(self, model: Model) -> Expect:
        if self.return_id in model.returns:
            return Expect(AlreadyExists)
        model.returns[self.return_id] = a_return(self.return_id, order_id=self.order_id)
        return Expect()

    def on_store(self, uow: MemoryUnitOfWork) -> object:
        uow.returns.add(a_return(self.return_id, order_id=self.order_id))
        return None


@attrs.frozen
class UpdateReturn(Op):
    return_id: str
    status: ReturnStatus

    def on_model(self, model: Model) -> Expect:
        current = model.returns.get(self.return_id)
        if current is None:
            return Expect(NotFound)
        model.returns[self.return_id] = attrs.evolve(current, status=self.status)
        return Expect()

    def on_store(self, uow: MemoryUnitOfWork) -> object:
        try:
            current = uow.returns.get(self.return_id)
        except NotFound:
            current = a_return(self.return_id)
        uow.returns.update(attrs.evolve(current, status=self.status))
        return None


@attrs.frozen
class AddQuote(Op):
    """Add a quote; a reused id or (channel, reference) is refused."""

    quote_id: str
    channel: Channel
    external_ref: str
    customer_id: str | None

    def _quote(self) -> Quote:
        return a_quote(
            self.quote_id,
            external_ref=self.external_ref,
            channel=self.channel,
            customer_id=self.customer_id,
        )

    def on_model(self, model: Model) -> Expect:
        taken = {(q.request.channel, q.request.external_ref) for q in model.quotes.values()}
        if self.quote_id in model.quotes or (self.channel, self.external_ref) in taken:
            return Expect(AlreadyExists)
        model.quotes[self.quote_id] = self._quote()
        return Expect()

    def on_store(self, uow: MemoryUnitOfWork) -> object:
        uow.quotes.add(self._quote())
        return None


@attrs.frozen
class UpdateQuote(Op):
    """Move a quote to ``status``; ``stale`` offers a version other than the stored one."""

    quote_id: str
    status: QuoteStatus
    stale: bool

    def on_model(self, model: Model) -> Expect:
        current = model.quotes.get(self.quote_id)
        if current is None:
            return Expect(NotFound)
        if self.stale:
            return Expect(ConcurrencyConflict)
        model.quotes[self.quote_id] = self._moved(current, current.version)
        return Expect()

    def _moved(self, quote: Quote, version: int) -> Quote:
        closing = a_quote("Q-0", status=self.status)
        return attrs.evolve(
            quote,
            status=self.status,
            order_id=closing.order_id,
            closed_at=closing.closed_at,
            version=version + 1,
        )

    def on_store(self, uow: MemoryUnitOfWork) -> object:
        try:
            current = uow.quotes.get(self.quote_id)
        except NotFound:
            current = a_quote(self.quote_id)
        expected = current.version + (1 if self.stale else 0)
        uow.quotes.update(self._moved(current, expected), expected_version=expected)
        return None


@attrs.frozen
class GetQuote(Op):
    quote_id: str

    def on_model(self, model: Model) -> Expect:
        found = model.quotes.get(self.quote_id)
        return Expect(NotFound) if found is None else Expect(result=found)

    def on_store(self, uow: MemoryUnitOfWork) -> object:
        return uow.quotes.get(self.quote_id)


@attrs.frozen
class AddCancellation(Op):
    record_id: str
    order_id: str

    def on_model(self, model: Model) -> Expect:
        model.cancellations.append(a_cancellation(self.record_id, order_id=self.order_id))
        return Expect()

    def on_store(self, uow: MemoryUnitOfWork) -> object:
        uow.cancellations.add(a_cancellation(self.record_id, order_id=self.order_id))
        return None


@attrs.frozen
class AddTask(Op):
    """Add a task; a reused id or (rule, subject) is refused."""

    task_id: str
    subject: str

    def on_model(self, model: Model) -> Expect:
        if self.task_id in model.tasks or any(
            t.subject == self.subject for t in model.tasks.values()
        ):
            return Expect(AlreadyExists)
        model.tasks[self.task_id] = a_task(self.task_id, subject=self.subject)
        return Expect()

    def on_store(self, uow: MemoryUnitOfWork) -> object:
        uow.tasks.add(a_task(self.task_id, subject=self.subject))
        return None


@attrs.frozen
class DeliverTasks(Op):
    """Mark tasks delivered; an unknown id refuses the whole batch."""

    task_ids: tuple[str, ...]

    def on_model(self, model: Model) -> Expect:
        if set(self.task_ids) - set(model.tasks):
            return Expect(NotFound)
        model.delivered.update(self.task_ids)
        return Expect()

    def on_store(self, uow: MemoryUnitOfWork) -> object:
        uow.tasks.mark_delivered(list(self.task_ids))
        return None


@attrs.frozen
class AppendEvents(Op):
    """Append a batch; a reused id, in the outbox or in the batch, refuses the whole batch."""

    event_ids: tuple[str, ...]
    order_id: str

    def _events(self) -> list[DomainEvent]:
        return [an_event(event_id, order_id=self.order_id) for event_id in self.event_ids]

    def on_model(self, model: Model) -> Expect:
        stored = {e.event_id for e in model.outbox}
        if stored & set(self.event_ids) or len(set(self.event_ids)) < len(self.event_ids):
            return Expect(AlreadyExists)
        model.outbox.extend(self._events())
        return Expect()

    def on_store(self, uow: MemoryUnitOfWork) -> object:
        uow.outbox.append(self._events())
        return None


@attrs.frozen
class MarkPublished(Op):
    """Mark a batch published; an unknown id refuses the whole batch."""

    event_ids: tuple[str, ...]

    def on_model(self, model: Model) -> Expect:
        if set(self.event_ids) - {e.event_id for e in model.outbox}:
            return Expect(NotFound)
        model.published.update(self.event_ids)
        return Expect()

    def on_store(self, uow: MemoryUnitOfWork) -> object:
        uow.outbox.mark_published(list(self.event_ids))
        return None


@attrs.frozen
class Pending(Op):
    limit: int

    def on_model(self, model: Model) -> Expect:
        pending = [e for e in model.outbox if e.event_id not in model.published]
        return Expect(result=tuple(pending[: self.limit]))

    def on_store(self, uow: MemoryUnitOfWork) -> object:
        return uow.outbox.pending(limit=self.limit)


skus = st.sampled_from(SKUS)
location_ids = st.sampled_from(LOCATION_IDS)
order_ids = st.sampled_from(ORDER_IDS)
names = st.sampled_from(["North", "South"])
event_batches = st.lists(st.sampled_from(["E-1", "E-2", "E-3"]), min_size=1, max_size=3).map(tuple)

operations: st.SearchStrategy[Op] = st.one_of(
    st.builds(AddLocation, location_ids, names),
    st.builds(GetLocation, location_ids),
    st.builds(AddProduct, skus, names),
    st.builds(AddCustomer, st.sampled_from(CUSTOMER_IDS), names),
    st.builds(SaveStock, skus, location_ids, st.integers(0, 5)),
    st.builds(GetStock, skus, location_ids),
    st.builds(
        AddReservation,
        st.sampled_from(["RES-1", "RES-2"]),
        skus,
        location_ids,
        st.integers(1, 3),
        st.none() | order_ids,
    ),
    st.builds(RemoveReservation, st.sampled_from(["RES-1", "RES-2"])),
    st.builds(
        AppendMovement,
        st.sampled_from(["M-1", "M-2", "M-3", "M-4"]),
        skus,
        location_ids,
        st.sampled_from([-3, -1, 1, 2, 5]),
    ),
    st.builds(Balance, skus, location_ids),
    st.builds(AddOrder, order_ids, st.sampled_from(CHANNELS), st.sampled_from(["R-1", "R-2"])),
    st.builds(
        UpdateOrder,
        order_ids,
        st.sampled_from([OrderStatus.ALLOCATED, OrderStatus.CANCELLED]),
        st.booleans(),
    ),
    st.builds(GetOrder, order_ids),
    st.builds(AddShipment, st.sampled_from(["S-1", "S-2"]), order_ids),
    st.builds(
        UpdateShipment,
        st.sampled_from(["S-1", "S-2"]),
        st.sampled_from([ShipmentStatus.PICKING, ShipmentStatus.SHIPPED]),
    ),
    st.builds(AddInvoice, st.sampled_from(["INV-1", "INV-2", "INV-3"]), order_ids),
    st.builds(NextNumber, st.sampled_from(SERIES)),
    st.builds(AddReturn, st.sampled_from(["RT-1", "RT-2"]), order_ids),
    st.builds(
        UpdateReturn,
        st.sampled_from(["RT-1", "RT-2"]),
        st.sampled_from([ReturnStatus.RECEIVED, ReturnStatus.REFUNDED]),
    ),
    st.builds(
        AddQuote,
        st.sampled_from(["Q-1", "Q-2", "Q-3"]),
        st.sampled_from(CHANNELS),
        st.sampled_from(["R-1", "R-2"]),
        st.none() | st.sampled_from(CUSTOMER_IDS),
    ),
    st.builds(
        UpdateQuote,
        st.sampled_from(["Q-1", "Q-2"]),
        st.sampled_from([QuoteStatus.ACCEPTED, QuoteStatus.EXPIRED]),
        st.booleans(),
    ),
    st.builds(GetQuote, st.sampled_from(["Q-1", "Q-2"])),
    st.builds(AddCancellation, st.sampled_from(["X-1", "X-2"]), order_ids),
    st.builds(AddTask, st.sampled_from(["T-1", "T-2"]), order_ids),
    st.builds(
        DeliverTasks, st.lists(st.sampled_from(["T-1", "T-2", "T-3"]), max_size=2).map(tuple)
    ),
    st.builds(AppendEvents, event_batches, order_ids),
    st.builds(MarkPublished, event_batches),
    st.builds(Pending, st.integers(1, 3)),
)


class Ending(Enum):
    """How a generated unit of work ends."""

    COMMIT = "commit at the end"
    LEAVE = "leave the block without commit"
    RAISE = "raise at the cut"
    COMMIT_AT_CUT = "commit at the cut, leave without commit"
    ROLLBACK_AT_CUT = "roll back at the cut, commit at the end"


def apply(op: Op, uow: MemoryUnitOfWork, model: Model) -> None:
    """Run ``op`` on the store and check it did what the model says (raise or return)."""
    expected = op.on_model(model)
    if expected.error is None:
        assert op.on_store(uow) == expected.result, op
    else:
        with pytest.raises(expected.error):
            op.on_store(uow)


def run_unit_of_work(
    store: MemoryStore, model: Model, ops: list[Op], ending: Ending, cut: int
) -> Model:
    """Run ``ops`` in one unit of work ended as ``ending``; return the model of what stays."""
    durable = model
    pending = model.copy()
    with store.unit_of_work() as uow:
        for index in range(len(ops) + 1):
            if index == cut:
                if ending is Ending.RAISE:
                    raise Boom
                if ending is Ending.COMMIT_AT_CUT:
                    uow.commit()
                    durable = pending.copy()
                if ending is Ending.ROLLBACK_AT_CUT:
                    uow.rollback()
                    pending = durable.copy()
            if index < len(ops):
                apply(ops[index], uow, pending)
        if ending in (Ending.COMMIT, Ending.ROLLBACK_AT_CUT):
            uow.commit()
            durable = pending
    return durable


@settings(max_examples=150, stateful_step_count=20, deadline=None)
class StoreAgainstModel(RuleBasedStateMachine):
    """Random units of work on random repositories; the store always equals the model."""

    def __init__(self) -> None:
        super().__init__()
        self.store = MemoryStore()
        self.model = Model()

    @rule(
        ops=st.lists(operations, max_size=8), ending=st.sampled_from(Ending), cut=st.integers(0, 8)
    )
    def unit_of_work(self, ops: list[Op], ending: Ending, cut: int) -> None:
        cut = min(cut, len(ops))
        if ending is Ending.RAISE:
            with pytest.raises(Boom):
                run_unit_of_work(self.store, self.model, ops, ending, cut)
        else:
            self.model = run_unit_of_work(self.store, self.model, ops, ending, cut)

    @invariant()
    def store_equals_model(self) -> None:
        assert dump(self.store) == self.model.dump()


TestTheStoreEqualsAPlainModelAfterEveryUnitOfWork = StoreAgainstModel.TestCase


def test_an_order_update_cannot_change_its_channel_reference(uow: MemoryUnitOfWork) -> None:
    order = an_order("O-1")
    uow.orders.add(order)
    moved = attrs.evolve(order, external_ref="OTHER", version=1)
    with pytest.raises(InvalidInput) as error:
        uow.orders.update(moved, expected_version=0)
    assert error.value.path == "external_ref"
    assert uow.orders.get("O-1") == order
    assert uow.orders.find_by_reference(str(order.channel), "OTHER") is None


def test_a_shipment_update_cannot_move_it_to_another_order(uow: MemoryUnitOfWork) -> None:
    shipment = a_shipment("S-1")
    uow.shipments.add(shipment)
    with pytest.raises(InvalidInput) as error:
        uow.shipments.update(attrs.evolve(shipment, order_id="O-OTHER"))
    assert error.value.path == "order_id"
    assert uow.shipments.for_order("O-OTHER") == ()
