"""Shipments, carriers, tracking, boxes and picking (C3, G1-G6, H1)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs

from omskit.countries import is_country_code
from omskit.errors import InvalidInput
from omskit.model._checks import (
    aware_datetime,
    identifier,
    instance_of,
    items_of,
    optional_aware_datetime,
    optional_identifier,
    optional_text,
    positive_int,
    text,
    to_frozenset,
    to_tuple,
)
from omskit.model.catalog import Dimensions

__all__ = [
    "BoxSize",
    "Carrier",
    "PickingMethod",
    "Shipment",
    "ShipmentLine",
    "ShipmentStatus",
    "TrackingEvent",
    "TrackingStatus",
    "TransportMode",
]


class ShipmentStatus(StrEnum):
    """Where a shipment is in the warehouse and on the road."""

    RELEASED = "released"
    """Sent to the warehouse (WMS); not yet picked."""
    PICKING = "picking"
    """The point of no return (D1)."""
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    REFUSED = "refused"
    """The customer refused the parcel, or it went back to the sender undelivered."""
    CANCELLED = "cancelled"
    RETURNED = "returned"


@attrs.frozen
class ShipmentLine:
    """Units of an order line in a shipment."""

    line_id: str = attrs.field(validator=identifier)
    sku: str = attrs.field(validator=identifier)
    quantity: int = attrs.field(validator=positive_int)


@attrs.frozen
class Shipment:
    """A parcel (or pickup) from one location for one order."""

    shipment_id: str = attrs.field(validator=identifier)
    order_id: str = attrs.field(validator=identifier)
    location_id: str = attrs.field(validator=identifier)
    lines: tuple[ShipmentLine, ...] = attrs.field(
        converter=to_tuple, validator=items_of(ShipmentLine)
    )
    created_at: datetime = attrs.field(validator=aware_datetime)
    status: ShipmentStatus = attrs.field(
        default=ShipmentStatus.RELEASED, validator=instance_of(ShipmentStatus)
    )
    carrier: str | None = attrs.field(default=None, validator=optional_identifier)
    tracking_number: str | None = attrs.field(default=None, validator=optional_text)
    shipped_at: datetime | None = attrs.field(default=None, validator=optional_aware_datetime)
    delivered_at: datetime | None = attrs.field(default=None, validator=optional_aware_datetime)

    def __attrs_post_init__(self) -> None:
        if not self.lines:
            raise InvalidInput("must have at least one line", path="lines")

    def quantity_of(self, line_id: str) -> int:
        """Units of order line ``line_id`` in this shipment."""
        return sum(line.quantity for line in self.lines if line.line_id == line_id)


class TransportMode(StrEnum):
    """How a parcel travels; emission factors are per mode (B2, G1)."""

    ROAD = "road"
    CARGO_BIKE = "cargo_bike"
    ELECTRIC_VAN = "electric_van"
    RAIL = "rail"
    AIR = "air"


@attrs.frozen
class Carrier:
    """A parcel carrier and the countries and modes it serves (G1, G2)."""

    code: str = attrs.field(validator=identifier)
    name: str = attrs.field(validator=text)
    countries: frozenset[str] = attrs.field(converter=to_frozenset)
    modes: frozenset[TransportMode] = attrs.field(
        default=frozenset({TransportMode.ROAD}),
        converter=to_frozenset,
        validator=items_of(TransportMode),
    )

    @countries.validator
    def _check_countries(
        self, _attribute: attrs.Attribute[frozenset[str]], value: frozenset[str]
    ) -> None:
        if not isinstance(value, frozenset):
            raise InvalidInput(
                "must be a collection of ISO country codes", path="countries", value=value
            )
        bad = sorted(str(c) for c in value if not is_country_code(c))
        if bad or not value:
            raise InvalidInput(
                "must be a non-empty set of ISO country codes", path="countries", value=bad
            )


class TrackingStatus(StrEnum):
    """Carrier status vocabulary (G3, G4)."""

    ANNOUNCED = "announced"
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    DELAYED = "delayed"
    FAILED_ATTEMPT = "failed_attempt"
    RETURNED_TO_SENDER = "returned_to_sender"


@attrs.frozen
class TrackingEvent:
    """A carrier status update for a shipment."""

    shipment_id: str = attrs.field(validator=identifier)
    carrier: str = attrs.field(validator=identifier)
    status: TrackingStatus = attrs.field(validator=instance_of(TrackingStatus))
    at: datetime = attrs.field(validator=aware_datetime)
    expected_delivery: datetime | None = attrs.field(
        default=None, validator=optional_aware_datetime
    )
    detail: str | None = attrs.field(default=None, validator=optional_text)


@attrs.frozen
class BoxSize:
    """A standard shipping box (G5): inner size and the weight it may carry."""

    code: str = attrs.field(validator=identifier)
    inner: Dimensions = attrs.field(validator=instance_of(Dimensions))
    max_weight_grams: int = attrs.field(validator=positive_int)


class PickingMethod(StrEnum):
    """How pickers collect the goods (H1)."""

    PER_ORDER = "per_order"
    BATCH = "batch"
    ZONE = "zone"
    WAVE = "wave"
