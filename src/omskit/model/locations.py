"""Stock-holding locations: warehouses, stores, partners, drop-ship suppliers."""

from __future__ import annotations

from enum import StrEnum

import attrs

from omskit.geo import GeoPoint
from omskit.model._checks import (
    country,
    identifier,
    instance_of,
    items_of,
    optional_non_negative_int,
    text,
    to_frozenset,
)
from omskit.model.channels import Channel

__all__ = ["Capability", "Location", "LocationKind"]


class LocationKind(StrEnum):
    """What sort of place holds the stock (A1)."""

    WAREHOUSE = "warehouse"
    DISTRIBUTION_CENTRE = "distribution_centre"
    STORE = "store"
    SHOWROOM = "showroom"
    PARTNER = "partner"
    """An external partner or 3PL that holds stock for us."""
    DROP_SHIP_SUPPLIER = "drop_ship_supplier"


class Capability(StrEnum):
    """What a location can do for an order (B2, B5)."""

    SHIP = "ship"
    """Ship parcels to a customer address (ship-from-store for a store)."""
    CLICK_AND_COLLECT = "click_and_collect"
    """Hand orders to customers who collect them at the location."""
    RECEIVE_TRANSFERS = "receive_transfers"
    """Receive stock from another location (ship-to-store)."""
    HANDLES_FRAGILE = "handles_fragile"
    HANDLES_HAZARDOUS = "handles_hazardous"
    ACCEPTS_RETURNS = "accepts_returns"


@attrs.frozen
class Location:
    """A place that holds stock and fulfils orders.

    ``daily_capacity`` is the number of order lines it can handle per day
    (``None``: no limit); ``channels`` are the sales channels whose orders it
    may fulfil.
    """

    location_id: str = attrs.field(validator=identifier)
    name: str = attrs.field(validator=text)
    kind: LocationKind = attrs.field(validator=instance_of(LocationKind))
    point: GeoPoint = attrs.field(validator=instance_of(GeoPoint))
    country: str = attrs.field(validator=country)
    capabilities: frozenset[Capability] = attrs.field(
        default=frozenset({Capability.SHIP}),
        converter=to_frozenset,
        validator=items_of(Capability),
    )
    channels: frozenset[Channel] = attrs.field(
        default=frozenset(Channel), converter=to_frozenset, validator=items_of(Channel)
    )
    daily_capacity: int | None = attrs.field(default=None, validator=optional_non_negative_int)

    def can(self, capability: Capability) -> bool:
        """Whether the location has ``capability``."""
        return capability in self.capabilities

    def serves(self, channel: Channel) -> bool:
        """Whether the location may fulfil orders from ``channel``."""
        return channel in self.channels
