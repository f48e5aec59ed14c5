"""Contract suites of the catalogue and stock ports.

Locations, products, customers, stock positions, reservations and the ledger.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from omskit.errors import AlreadyExists, NotFound
from omskit.model import (
    StockPosition,
)
from omskit.ports import Store, UnitOfWork
from omskit.testing.contracts._base import StoreContract
from omskit.testing.contracts._builders import (
    T0,
    a_customer,
    a_hold,
    a_location,
    a_movement,
    a_position,
    a_product,
    a_reservation,
)

__all__ = [
    "CustomerRepositoryContract",
    "LocationRepositoryContract",
    "ProductRepositoryContract",
    "ReservationRepositoryContract",
    "StockLedgerContract",
    "StockRepositoryContract",
]


class LocationRepositoryContract(StoreContract):
    """The :class:`~omskit.ports.LocationRepository` port: get, find, replace, list by id."""

    def test_an_added_location_can_be_got_and_found(self, uow: UnitOfWork) -> None:
        """An added location can be got and found."""
        uow.locations.add(a_location("L1"))
        assert uow.locations.get("L1") == a_location("L1")
        assert uow.locations.find("L1") == a_location("L1")

    def test_getting_an_unknown_location_raises_not_found_naming_it(self, uow: UnitOfWork) -> None:
        """Getting an unknown location raises not found naming it."""
        with pytest.raises(NotFound) as caught:
            uow.locations.get("L9")
        assert (caught.value.kind, caught.value.key) == ("location", "L9")
        assert uow.locations.find("L9") is None

    def test_adding_a_location_again_replaces_it(self, uow: UnitOfWork) -> None:
        """Adding a location again replaces it."""
        uow.locations.add(a_location("L1", "Old name"))
        uow.locations.add(a_location("L1", "New name"))
        assert uow.locations.get("L1").name == "New name"
        assert len(uow.locations.list()) == 1

    def test_locations_are_listed_by_id(self, uow: UnitOfWork) -> None:
        """Locations are listed by id."""
        for location_id in ("L3", "L1", "L2"):
            uow.locations.add(a_location(location_id))
        assert [loc.location_id for loc in uow.locations.list()] == ["L1", "L2", "L3"]


class ProductRepositoryContract(StoreContract):
    """The :class:`~omskit.ports.ProductRepository` port: get, find, replace, list by SKU."""

    def test_an_added_product_can_be_got_and_found_by_sku(self, uow: UnitOfWork) -> None:
        """An added product can be got and found by sku."""
        uow.products.add(a_product("SKU-1"))
        assert uow.products.get("SKU-1") == a_product("SKU-1")
        assert uow.products.find("SKU-1") == a_product("SKU-1")
        assert uow.products.find("SKU-9") is None

    def test_getting_an_unknown_product_raises_not_found(self, uow: UnitOfWork) -> None:
        """Getting an unknown product raises not found."""
        with pytest.raises(NotFound) as caught:
            uow.products.get("SKU-9")
        assert (caught.value.kind, caught.value.key) == ("product", "SKU-9")

    def test_adding_a_product_again_replaces_it(self, uow: UnitOfWork) -> None:
        """Adding a product again replaces it."""
        uow.products.add(a_product("SKU-1", "Old"))
        uow.products.add(a_product("SKU-1", "New"))
        assert uow.products.list() == (a_product("SKU-1", "New"),)

    def test_products_are_listed_by_sku(self, uow: UnitOfWork) -> None:
        """Products are listed by sku."""
        for sku in ("SKU-B", "SKU-C", "SKU-A"):
            uow.products.add(a_product(sku))
        assert [p.sku for p in uow.products.list()] == ["SKU-A", "SKU-B", "SKU-C"]


class CustomerRepositoryContract(StoreContract):
    """The :class:`~omskit.ports.CustomerRepository` port: get, find, replace."""

    def test_an_added_customer_can_be_got_found_and_replaced(self, uow: UnitOfWork) -> None:
        """An added customer can be got found and replaced."""
        uow.customers.add(a_customer("C-1", "Ada"))
        assert uow.customers.get("C-1") == a_customer("C-1", "Ada")
        uow.customers.add(a_customer("C-1", "Grace"))
        assert uow.customers.find("C-1") == a_customer("C-1", "Grace")

    def test_an_unknown_customer_is_not_found(self, uow: UnitOfWork) -> None:
        """An unknown customer is not found."""
        assert uow.customers.find("C-9") is None
        with pytest.raises(NotFound) as caught:
            uow.customers.get("C-9")
        assert (caught.value.kind, caught.value.key) == ("customer", "C-9")


class StockRepositoryContract(StoreContract):
    """The :class:`~omskit.ports.StockRepository` port: zero for unknown pairs, ordered lists."""

    def test_an_unknown_stock_position_is_all_zero(self, uow: UnitOfWork) -> None:
        """An unknown stock position is all zero."""
        assert uow.stock.get("SKU-1", "L1") == StockPosition("SKU-1", "L1", 0, 0, 0)

    def test_reading_an_unknown_stock_position_stores_nothing(self, uow: UnitOfWork) -> None:
        """Reading an unknown stock position stores nothing."""
        uow.stock.get("SKU-1", "L1")
        assert uow.stock.list() == ()
        assert uow.stock.for_sku("SKU-1") == ()

    def test_a_saved_stock_position_is_returned_and_replaced_by_the_next_save(
        self,
        uow: UnitOfWork,
    ) -> None:
        """A saved stock position is returned and replaced by the next save."""
        uow.stock.save(a_position("SKU-1", "L1", on_hand=5))
        assert uow.stock.get("SKU-1", "L1").on_hand == 5
        uow.stock.save(a_position("SKU-1", "L1", on_hand=8, reserved=1))
        assert uow.stock.get("SKU-1", "L1") == a_position("SKU-1", "L1", on_hand=8, reserved=1)
        assert len(uow.stock.list()) == 1

    def test_stock_for_a_sku_lists_only_that_sku_by_location_id(self, uow: UnitOfWork) -> None:
        """Stock for a sku lists only that sku by location id."""
        for sku, loc in [("SKU-1", "L3"), ("SKU-2", "L1"), ("SKU-1", "L1"), ("SKU-1", "L2")]:
            uow.stock.save(a_position(sku, loc, on_hand=1))
        assert [p.location_id for p in uow.stock.for_sku("SKU-1")] == ["L1", "L2", "L3"]
        assert [p.key for p in uow.stock.for_sku("SKU-2")] == [a_position("SKU-2", "L1").key]
        assert uow.stock.for_sku("SKU-9") == ()

    def test_every_stock_position_is_listed_by_sku_then_location(self, uow: UnitOfWork) -> None:
        """Every stock position is listed by sku then location."""
        for sku, loc in [("SKU-2", "L1"), ("SKU-1", "L2"), ("SKU-1", "L1")]:
            uow.stock.save(a_position(sku, loc))
        assert [(p.sku, p.location_id) for p in uow.stock.list()] == [
            ("SKU-1", "L1"),
            ("SKU-1", "L2"),
            ("SKU-2", "L1"),
        ]


class ReservationRepositoryContract(StoreContract):
    """The :class:`~omskit.ports.ReservationRepository` port: reservations and cart holds."""

    def test_an_added_reservation_can_be_got(self, uow: UnitOfWork) -> None:
        """An added reservation can be got."""
        uow.reservations.add(a_reservation("RES-1"))
        assert uow.reservations.get("RES-1") == a_reservation("RES-1")

    def test_a_reused_reservation_id_raises_already_exists_and_keeps_the_first(
        self,
        uow: UnitOfWork,
    ) -> None:
        """A reused reservation id raises already exists and keeps the first."""
        uow.reservations.add(a_reservation("RES-1", quantity=1))
        with pytest.raises(AlreadyExists) as caught:
            uow.reservations.add(a_reservation("RES-1", quantity=5, order_id="O-2"))
        assert (caught.value.kind, caught.value.key) == ("reservation", "RES-1")
        assert uow.reservations.get("RES-1").quantity == 1
        assert uow.reservations.for_order("O-2") == ()

    def test_getting_an_unknown_reservation_raises_not_found(self, uow: UnitOfWork) -> None:
        """Getting an unknown reservation raises not found."""
        with pytest.raises(NotFound) as caught:
            uow.reservations.get("RES-9")
        assert (caught.value.kind, caught.value.key) == ("reservation", "RES-9")

    def test_a_removed_reservation_is_gone_everywhere(self, uow: UnitOfWork) -> None:
        """A removed reservation is gone everywhere."""
        uow.reservations.add(a_reservation("RES-1"))
        uow.reservations.add(a_reservation("RES-2"))
        uow.reservations.remove("RES-1")
        with pytest.raises(NotFound):
            uow.reservations.get("RES-1")
        assert [r.reservation_id for r in uow.reservations.list()] == ["RES-2"]
        assert [r.reservation_id for r in uow.reservations.for_order("O-1")] == ["RES-2"]

    def test_removing_an_unknown_reservation_raises_not_found(self, uow: UnitOfWork) -> None:
        """Removing an unknown reservation raises not found."""
        uow.reservations.add(a_reservation("RES-1"))
        with pytest.raises(NotFound):
            uow.reservations.remove("RES-9")
        assert len(uow.reservations.list()) == 1

    def test_reservations_of_an_order_are_listed_by_id_without_other_orders_or_cart_holds(
        self,
        uow: UnitOfWork,
    ) -> None:
        """Reservations of an order are listed by id without other orders or cart holds."""
        uow.reservations.add(a_reservation("RES-3", order_id="O-1"))
        uow.reservations.add(a_reservation("RES-1", order_id="O-1"))
        uow.reservations.add(a_reservation("RES-2", order_id="O-2"))
        uow.reservations.add(a_reservation("CART-1", order_id=None))
        assert [r.reservation_id for r in uow.reservations.for_order("O-1")] == ["RES-1", "RES-3"]
        assert uow.reservations.for_order("O-9") == ()

    def test_holds_of_a_cart_are_listed_by_id_and_leave_with_their_removal(
        self,
        uow: UnitOfWork,
    ) -> None:
        """Holds of a cart are listed by id and leave with their removal."""
        uow.reservations.add(a_hold("H-2", "CART-1", 5))
        uow.reservations.add(a_hold("H-1", "CART-1", 5))
        uow.reservations.add(a_hold("H-3", "CART-2", 5))
        assert [r.reservation_id for r in uow.reservations.for_cart("CART-1")] == ["H-1", "H-2"]
        uow.reservations.remove("H-1")
        assert [r.reservation_id for r in uow.reservations.for_cart("CART-1")] == ["H-2"]
        assert uow.reservations.for_cart("CART-9") == ()

    def test_expired_holds_are_those_whose_expiry_has_come(self, uow: UnitOfWork) -> None:
        """Expired holds are those whose expiry has come."""
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

    def test_a_rolled_back_hold_is_not_listed_anywhere(self, store: Store) -> None:
        """A rolled back hold is not listed anywhere."""
        with store.unit_of_work() as uow:
            uow.reservations.add(a_hold("H-1", "CART-1", 5))
        with store.unit_of_work() as uow:
            assert uow.reservations.for_cart("CART-1") == ()
            assert uow.reservations.expired(T0 + timedelta(days=1)) == ()

    def test_every_reservation_including_cart_holds_is_listed_by_id(self, uow: UnitOfWork) -> None:
        """Every reservation including cart holds is listed by id."""
        for rid, order_id in [("RES-2", "O-1"), ("CART-1", None), ("RES-1", "O-2")]:
            uow.reservations.add(a_reservation(rid, order_id=order_id))
        assert [r.reservation_id for r in uow.reservations.list()] == ["CART-1", "RES-1", "RES-2"]


class StockLedgerContract(StoreContract):
    """The :class:`~omskit.ports.StockLedger` port: append-only, oldest first, balances."""

    def test_ledger_movements_of_a_key_come_back_oldest_first_not_by_id(
        self,
        uow: UnitOfWork,
    ) -> None:
        """Ledger movements of a key come back oldest first not by id."""
        for movement_id in ("M-3", "M-1", "M-2"):
            uow.ledger.append(a_movement(movement_id))
        assert [m.movement_id for m in uow.ledger.for_key("SKU-1", "L1")] == ["M-3", "M-1", "M-2"]

    def test_ledger_movements_are_kept_apart_per_sku_and_location(self, uow: UnitOfWork) -> None:
        """Ledger movements are kept apart per sku and location."""
        uow.ledger.append(a_movement("M-1", sku="SKU-1", location_id="L1"))
        uow.ledger.append(a_movement("M-2", sku="SKU-1", location_id="L2"))
        uow.ledger.append(a_movement("M-3", sku="SKU-2", location_id="L1"))
        assert [m.movement_id for m in uow.ledger.for_key("SKU-1", "L2")] == ["M-2"]
        assert [m.movement_id for m in uow.ledger.for_key("SKU-2", "L1")] == ["M-3"]
        assert uow.ledger.for_key("SKU-2", "L2") == ()

    def test_a_reused_movement_id_raises_already_exists_and_appends_nothing(
        self,
        uow: UnitOfWork,
    ) -> None:
        """A reused movement id raises already exists and appends nothing."""
        uow.ledger.append(a_movement("M-1", quantity=4))
        with pytest.raises(AlreadyExists) as caught:
            uow.ledger.append(a_movement("M-1", quantity=9, location_id="L2"))
        assert (caught.value.kind, caught.value.key) == ("stock movement", "M-1")
        assert uow.ledger.balance("SKU-1", "L1") == 4
        assert uow.ledger.for_key("SKU-1", "L2") == ()

    def test_the_ledger_balance_is_the_signed_sum_of_the_movements(self, uow: UnitOfWork) -> None:
        """The ledger balance is the signed sum of the movements."""
        for movement_id, quantity in [("M-1", 10), ("M-2", -3), ("M-3", 5), ("M-4", -12)]:
            uow.ledger.append(a_movement(movement_id, quantity=quantity))
        uow.ledger.append(a_movement("M-5", location_id="L2", quantity=100))
        assert uow.ledger.balance("SKU-1", "L1") == 0
        assert uow.ledger.balance("SKU-1", "L2") == 100

    def test_a_movement_can_be_got_by_id(self, uow: UnitOfWork) -> None:
        """A movement can be got by id."""
        uow.ledger.append(a_movement("M-1", quantity=4))
        uow.ledger.append(a_movement("M-2", quantity=-1))
        assert uow.ledger.get("M-2") == a_movement("M-2", quantity=-1)
        with pytest.raises(NotFound) as caught:
            uow.ledger.get("M-9")
        assert (caught.value.kind, caught.value.key) == ("stock movement", "M-9")

    def test_the_balance_of_a_key_without_movements_is_zero(self, uow: UnitOfWork) -> None:
        """The balance of a key without movements is zero."""
        assert uow.ledger.balance("SKU-1", "L1") == 0
