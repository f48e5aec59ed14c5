"""Stock: keys, positions, reservations, the ledger and purchase orders."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from omskit.errors import InvalidInput
from omskit.model import (
    MovementReason,
    PurchaseOrder,
    PurchaseOrderLine,
    Reservation,
    StockKey,
    StockMovement,
    StockPosition,
    SupplyKind,
)

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def assert_names(error: InvalidInput, path: str) -> None:
    """The error names the offending field and reads as a phrase."""
    assert error.path == path
    assert str(error) == f"{path}: {error.reason}"
    assert " " in error.reason


def position(**changes: Any) -> StockPosition:
    kwargs: dict[str, Any] = {
        "sku": "SKU-1",
        "location_id": "WH-1",
        "on_hand": 10,
        "reserved": 3,
        "allocated": 2,
    }
    kwargs.update(changes)
    return StockPosition(**kwargs)


def reservation(**changes: Any) -> Reservation:
    kwargs: dict[str, Any] = {
        "reservation_id": "R-1",
        "sku": "SKU-1",
        "location_id": "WH-1",
        "quantity": 2,
        "created_at": NOW,
    }
    kwargs.update(changes)
    return Reservation(**kwargs)


def movement(**changes: Any) -> StockMovement:
    kwargs: dict[str, Any] = {
        "movement_id": "M-1",
        "sku": "SKU-1",
        "location_id": "STORE-1",
        "quantity": -1,
        "reason": MovementReason.POS_SALE,
        "at": NOW,
    }
    kwargs.update(changes)
    return StockMovement(**kwargs)


def purchase_order(**changes: Any) -> PurchaseOrder:
    kwargs: dict[str, Any] = {
        "po_id": "PO-1",
        "supplier_id": "ACME",
        "location_id": "WH-1",
        "expected_on": date(2024, 6, 1),
        "lines": (PurchaseOrderLine("SKU-1", 10, received=4), PurchaseOrderLine("SKU-2", 5)),
    }
    kwargs.update(changes)
    return PurchaseOrder(**kwargs)


# --- StockKey ---------------------------------------------------------------------------


def test_stock_key_reads_as_sku_at_location() -> None:
    assert str(StockKey("SKU-1", "WH-1")) == "SKU-1@WH-1"


def test_stock_keys_sort_by_sku_then_location() -> None:
    keys = [StockKey("B", "WH-1"), StockKey("A", "WH-2"), StockKey("A", "WH-1")]
    assert sorted(keys) == [StockKey("A", "WH-1"), StockKey("A", "WH-2"), StockKey("B", "WH-1")]


@pytest.mark.parametrize(("field", "value"), [("sku", ""), ("location_id", "wh 1")])
def test_stock_key_refuses_bad_identifiers_naming_the_field(field: str, value: str) -> None:
    kwargs: dict[str, Any] = {"sku": "SKU-1", "location_id": "WH-1", field: value}
    with pytest.raises(InvalidInput) as caught:
        StockKey(**kwargs)
    assert_names(caught.value, field)


# --- StockPosition ----------------------------------------------------------------------


def test_a_position_defaults_to_nothing_held() -> None:
    empty = StockPosition("SKU-1", "WH-1")
    assert (empty.on_hand, empty.reserved, empty.allocated, empty.free) == (0, 0, 0, 0)


def test_free_is_on_hand_less_reserved_and_allocated() -> None:
    assert position(on_hand=10, reserved=3, allocated=2).free == 5


def test_a_position_may_be_fully_committed() -> None:
    assert position(on_hand=5, reserved=3, allocated=2).free == 0


def test_reserved_plus_allocated_above_on_hand_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        position(on_hand=4, reserved=3, allocated=2)
    assert_names(caught.value, "reserved")
    assert "reserved (3) + allocated (2) exceed on hand (4) for SKU-1@WH-1" in str(caught.value)


def test_the_key_of_a_position_is_its_sku_and_location() -> None:
    assert position().key == StockKey("SKU-1", "WH-1")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sku", "SKU 1"),
        ("location_id", ""),
        ("on_hand", -1),
        ("on_hand", True),
        ("on_hand", 1.0),
        ("reserved", -1),
        ("reserved", "3"),
        ("allocated", -2),
        ("allocated", None),
    ],
)
def test_position_refuses_bad_values_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        position(**{field: value})
    assert_names(caught.value, field)


@given(
    on_hand=st.integers(0, 1000),
    reserved=st.integers(0, 1000),
    allocated=st.integers(0, 1000),
)
def test_a_position_exists_exactly_when_commitments_fit_on_hand(
    on_hand: int, reserved: int, allocated: int
) -> None:
    if reserved + allocated > on_hand:
        with pytest.raises(InvalidInput):
            position(on_hand=on_hand, reserved=reserved, allocated=allocated)
    else:
        made = position(on_hand=on_hand, reserved=reserved, allocated=allocated)
        assert made.free >= 0
        assert made.free + made.reserved + made.allocated == made.on_hand


def test_position_is_frozen() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        position().on_hand = 99  # type: ignore[misc]


# --- Reservation ------------------------------------------------------------------------


def test_a_reservation_without_expiry_is_always_active() -> None:
    held = reservation(order_id="O-1", line_id="1")
    assert held.is_active(NOW)
    assert held.is_active(NOW + timedelta(days=3650))


def test_a_cart_hold_is_active_before_its_expiry() -> None:
    hold = reservation(expires_at=NOW + timedelta(minutes=15))
    assert hold.is_active(NOW)
    assert hold.is_active(NOW + timedelta(minutes=15) - timedelta(microseconds=1))


def test_a_cart_hold_has_expired_exactly_at_its_expiry() -> None:
    hold = reservation(expires_at=NOW + timedelta(minutes=15))
    assert not hold.is_active(NOW + timedelta(minutes=15))


def test_a_cart_hold_stays_expired_after_its_expiry() -> None:
    hold = reservation(expires_at=NOW + timedelta(minutes=15))
    assert not hold.is_active(NOW + timedelta(minutes=16))


def test_expiry_compares_instants_across_time_zones() -> None:
    cest = timezone(timedelta(hours=2))
    hold = reservation(expires_at=datetime(2024, 5, 1, 16, 15, tzinfo=cest))  # 14:15 UTC
    assert hold.is_active(datetime(2024, 5, 1, 14, 14, tzinfo=UTC))
    assert not hold.is_active(datetime(2024, 5, 1, 14, 15, tzinfo=UTC))


@given(offset=st.integers(-(10**6), 10**6))
def test_a_cart_hold_is_active_exactly_before_its_expiry(offset: int) -> None:
    expires_at = NOW + timedelta(minutes=30)
    hold = reservation(expires_at=expires_at)
    now = expires_at + timedelta(seconds=offset)
    assert hold.is_active(now) == (offset < 0)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("reservation_id", ""),
        ("sku", None),
        ("location_id", "wh 1"),
        ("quantity", 0),
        ("quantity", -2),
        ("created_at", datetime(2024, 5, 1, 12, 0)),
        ("created_at", "2024-05-01T12:00:00Z"),
        ("order_id", ""),
        ("line_id", "line 1"),
        ("expires_at", datetime(2024, 5, 1, 12, 15)),
    ],
)
def test_reservation_refuses_bad_values_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        reservation(**{field: value})
    assert_names(caught.value, field)


# --- StockMovement ----------------------------------------------------------------------


def test_a_movement_records_a_signed_change() -> None:
    assert movement(quantity=-1).quantity == -1
    assert movement(quantity=25, reason=MovementReason.RECEIPT, reference="PO-1").quantity == 25


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("movement_id", ""),
        ("quantity", 0),
        ("quantity", True),
        ("quantity", 1.0),
        ("quantity", "1"),
        ("reason", "pos_sale"),
        ("at", datetime(2024, 5, 1)),
        ("reference", "   "),
        ("reference", "x" * 501),
    ],
)
def test_movement_refuses_bad_values_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        movement(**{field: value})
    assert_names(caught.value, field)


def test_a_movement_of_zero_units_is_refused_as_such() -> None:
    with pytest.raises(InvalidInput, match="must not be zero"):
        movement(quantity=0)


# --- Purchase orders --------------------------------------------------------------------


def test_purchase_order_line_outstanding_is_ordered_less_received() -> None:
    assert PurchaseOrderLine("SKU-1", 10, received=4).outstanding == 6
    assert PurchaseOrderLine("SKU-1", 10).outstanding == 10
    assert PurchaseOrderLine("SKU-1", 10, received=10).outstanding == 0


def test_purchase_order_line_refuses_receiving_more_than_ordered() -> None:
    with pytest.raises(InvalidInput, match="cannot exceed the ordered quantity") as caught:
        PurchaseOrderLine("SKU-1", 10, received=11)
    assert_names(caught.value, "received")


@pytest.mark.parametrize(
    ("field", "value"), [("sku", ""), ("quantity", 0), ("received", -1), ("received", True)]
)
def test_purchase_order_line_refuses_bad_values_naming_the_field(field: str, value: object) -> None:
    kwargs: dict[str, Any] = {"sku": "SKU-1", "quantity": 10, field: value}
    with pytest.raises(InvalidInput) as caught:
        PurchaseOrderLine(**kwargs)
    assert_names(caught.value, field)


def test_purchase_order_outstanding_per_sku() -> None:
    po = purchase_order()
    assert po.outstanding("SKU-1") == 6
    assert po.outstanding("SKU-2") == 5
    assert po.outstanding("SKU-UNKNOWN") == 0


def test_purchase_order_defaults_to_a_purchase_order_and_freezes_its_lines() -> None:
    po = purchase_order(lines=[PurchaseOrderLine("SKU-1", 1)])
    assert po.kind is SupplyKind.PURCHASE_ORDER
    assert isinstance(po.lines, tuple)
    assert purchase_order(kind=SupplyKind.IN_TRANSIT).kind is SupplyKind.IN_TRANSIT


def test_purchase_order_refuses_a_repeated_sku() -> None:
    lines = (PurchaseOrderLine("SKU-1", 10), PurchaseOrderLine("SKU-1", 5))
    with pytest.raises(InvalidInput, match="must not repeat a SKU") as caught:
        purchase_order(lines=lines)
    assert_names(caught.value, "lines")


def test_purchase_order_refuses_no_lines() -> None:
    with pytest.raises(InvalidInput, match="at least one line") as caught:
        purchase_order(lines=())
    assert_names(caught.value, "lines")


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("po_id", "", "po_id"),
        ("supplier_id", "acme corp", "supplier_id"),
        ("location_id", None, "location_id"),
        ("expected_on", datetime(2024, 6, 1, tzinfo=UTC), "expected_on"),
        ("expected_on", "2024-06-01", "expected_on"),
        ("lines", ("SKU-1",), "lines[0]"),
        ("kind", "purchase_order", "kind"),
    ],
)
def test_purchase_order_refuses_bad_values_naming_the_field(
    field: str, value: object, path: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        purchase_order(**{field: value})
    assert_names(caught.value, path)


def test_a_moved_position_applies_signed_changes_and_keeps_its_key() -> None:
    position = StockPosition("SKU-1", "L1", on_hand=10, reserved=3, allocated=2)
    moved = position.moved(on_hand=-2, reserved=-3, allocated=3)
    assert (moved.sku, moved.location_id) == ("SKU-1", "L1")
    assert (moved.on_hand, moved.reserved, moved.allocated) == (8, 0, 5)
    assert position.on_hand == 10


def test_a_move_that_would_oversell_is_refused() -> None:
    position = StockPosition("SKU-1", "L1", on_hand=5, reserved=4)
    with pytest.raises(InvalidInput):
        position.moved(reserved=2)
    with pytest.raises(InvalidInput) as error:
        position.moved(on_hand=-6)
    assert error.value.path == "on_hand"
