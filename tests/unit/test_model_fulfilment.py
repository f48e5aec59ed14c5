"""Shipments, carriers, tracking events and boxes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest

from omskit.errors import InvalidInput
from omskit.model import (
    BoxSize,
    Carrier,
    Dimensions,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
    TrackingEvent,
    TrackingStatus,
    TransportMode,
)

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def assert_names(error: InvalidInput, path: str) -> None:
    """The error names the offending field and reads as a phrase."""
    assert error.path == path
    assert str(error) == f"{path}: {error.reason}"
    assert " " in error.reason


def shipment(**changes: Any) -> Shipment:
    kwargs: dict[str, Any] = {
        "shipment_id": "S-1",
        "order_id": "O-1",
        "location_id": "WH-1",
        "lines": (
            ShipmentLine("1", "SKU-1", 2),
            ShipmentLine("2", "SKU-2", 1),
            ShipmentLine("1", "SKU-1", 3),
        ),
        "created_at": NOW,
    }
    kwargs.update(changes)
    return Shipment(**kwargs)


def carrier(**changes: Any) -> Carrier:
    kwargs: dict[str, Any] = {"code": "postnl", "name": "PostNL", "countries": {"NL", "BE"}}
    kwargs.update(changes)
    return Carrier(**kwargs)


def tracking(**changes: Any) -> TrackingEvent:
    kwargs: dict[str, Any] = {
        "shipment_id": "S-1",
        "carrier": "postnl",
        "status": TrackingStatus.IN_TRANSIT,
        "at": NOW,
    }
    kwargs.update(changes)
    return TrackingEvent(**kwargs)


# --- ShipmentLine and Shipment ----------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"), [("line_id", ""), ("sku", "a b"), ("quantity", 0), ("quantity", True)]
)
def test_shipment_line_refuses_bad_values_naming_the_field(field: str, value: object) -> None:
    kwargs: dict[str, Any] = {"line_id": "1", "sku": "SKU-1", "quantity": 1, field: value}
    with pytest.raises(InvalidInput) as caught:
        ShipmentLine(**kwargs)
    assert_names(caught.value, field)


def test_a_new_shipment_is_released_without_carrier_or_dates() -> None:
    parcel = shipment(lines=[ShipmentLine("1", "SKU-1", 1)])
    assert isinstance(parcel.lines, tuple)
    assert parcel.status is ShipmentStatus.RELEASED
    assert (parcel.carrier, parcel.tracking_number) == (None, None)
    assert (parcel.shipped_at, parcel.delivered_at) == (None, None)


def test_quantity_of_adds_up_every_line_of_an_order_line() -> None:
    parcel = shipment()
    assert parcel.quantity_of("1") == 5
    assert parcel.quantity_of("2") == 1
    assert parcel.quantity_of("3") == 0


def test_a_shipment_without_lines_is_refused() -> None:
    with pytest.raises(InvalidInput, match="at least one line") as caught:
        shipment(lines=())
    assert_names(caught.value, "lines")


def test_a_shipped_shipment_keeps_its_carrier_tracking_and_dates() -> None:
    parcel = shipment(
        status=ShipmentStatus.DELIVERED,
        carrier="postnl",
        tracking_number="3SABCD1234567",
        shipped_at=NOW,
        delivered_at=NOW + timedelta(days=1),
    )
    assert parcel.status is ShipmentStatus.DELIVERED
    assert parcel.tracking_number == "3SABCD1234567"
    assert parcel.delivered_at == NOW + timedelta(days=1)


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("shipment_id", "", "shipment_id"),
        ("order_id", None, "order_id"),
        ("location_id", "wh 1", "location_id"),
        ("lines", [("1", "SKU-1", 1)], "lines[0]"),
        ("created_at", datetime(2024, 5, 1), "created_at"),
        ("status", "released", "status"),
        ("carrier", "post nl", "carrier"),
        ("tracking_number", "", "tracking_number"),
        ("shipped_at", datetime(2024, 5, 1), "shipped_at"),
        ("delivered_at", "tomorrow", "delivered_at"),
    ],
)
def test_shipment_refuses_bad_values_naming_the_field(field: str, value: object, path: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        shipment(**{field: value})
    assert_names(caught.value, path)


def test_shipment_is_frozen() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        shipment().status = ShipmentStatus.SHIPPED  # type: ignore[misc]


# --- Carrier ----------------------------------------------------------------------------


def test_a_carrier_freezes_its_countries_and_travels_by_road_by_default() -> None:
    postnl = carrier(countries=["NL", "BE", "NL"])
    assert postnl.countries == frozenset({"NL", "BE"})
    assert postnl.modes == frozenset({TransportMode.ROAD})


def test_a_carrier_may_use_several_transport_modes() -> None:
    bikes = carrier(modes=[TransportMode.CARGO_BIKE, TransportMode.ELECTRIC_VAN])
    assert bikes.modes == frozenset({TransportMode.CARGO_BIKE, TransportMode.ELECTRIC_VAN})


def test_a_carrier_without_countries_is_refused() -> None:
    with pytest.raises(InvalidInput, match="non-empty set of ISO country codes") as caught:
        carrier(countries=set())
    assert_names(caught.value, "countries")


def test_a_carrier_with_unknown_countries_names_them() -> None:
    with pytest.raises(InvalidInput) as caught:
        carrier(countries={"NL", "nl", "XX"})
    assert_names(caught.value, "countries")
    assert caught.value.value == ["XX", "nl"]


@pytest.mark.parametrize("countries", [None, 31])
def test_a_carrier_with_non_iterable_countries_is_refused_naming_the_field(
    countries: object,
) -> None:
    with pytest.raises(InvalidInput) as caught:
        carrier(countries=countries)
    assert_names(caught.value, "countries")


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("code", "", "code"),
        ("name", "  ", "name"),
        ("modes", ["road"], "modes[0]"),
        ("modes", "road", "modes"),
    ],
)
def test_carrier_refuses_bad_values_naming_the_field(field: str, value: object, path: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        carrier(**{field: value})
    assert_names(caught.value, path)


# --- TrackingEvent ----------------------------------------------------------------------


def test_a_tracking_event_may_carry_an_expected_delivery_and_detail() -> None:
    event = tracking(
        status=TrackingStatus.DELAYED,
        expected_delivery=NOW + timedelta(days=2),
        detail="strike at the hub",
    )
    assert event.status is TrackingStatus.DELAYED
    assert event.expected_delivery == NOW + timedelta(days=2)
    assert event.detail == "strike at the hub"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("shipment_id", ""),
        ("carrier", "post nl"),
        ("status", "delayed"),
        ("at", datetime(2024, 5, 1, 12)),
        ("at", None),
        ("expected_delivery", datetime(2024, 5, 3)),
        ("detail", ""),
    ],
)
def test_tracking_event_refuses_bad_values_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        tracking(**{field: value})
    assert_names(caught.value, field)


# --- BoxSize ----------------------------------------------------------------------------


def test_a_box_size_keeps_its_inner_size_and_weight_limit() -> None:
    box = BoxSize("M", Dimensions(300, 200, 150), 10_000)
    assert box.inner.volume_cm3 == 9000.0
    assert box.max_weight_grams == 10_000


@pytest.mark.parametrize(
    ("field", "value"),
    [("code", ""), ("inner", (300, 200, 150)), ("max_weight_grams", 0), ("max_weight_grams", -1)],
)
def test_box_size_refuses_bad_values_naming_the_field(field: str, value: object) -> None:
    kwargs: dict[str, Any] = {
        "code": "M",
        "inner": Dimensions(300, 200, 150),
        "max_weight_grams": 10_000,
        field: value,
    }
    with pytest.raises(InvalidInput) as caught:
        BoxSize(**kwargs)
    assert_names(caught.value, field)
