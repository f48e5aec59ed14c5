"""Available-to-promise from stock positions (A1).

Pure functions: positions and locations in, an :class:`Availability` out.
The sellable quantity of a location is ``max(0, on_hand - reserved -
allocated - safety stock)``, the safety stock coming from a
:class:`~omskit.availability.safety.SafetyStockPolicy`; the total for a
channel sums only the locations that serve it, so a unit is never counted
twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from omskit.availability.eligibility import can_sell
from omskit.availability.safety import SafetyStockPolicy, sellable_after_safety
from omskit.model import Channel, Location, Product, StockPosition

__all__ = ["Availability", "LocationAvailability", "compute_availability", "sellable"]


def sellable(position: StockPosition) -> int:
    """Units of a position that can still be promised (never negative)."""
    return max(0, position.on_hand - position.reserved - position.allocated)


@attrs.frozen
class LocationAvailability:
    """Sellable units of one SKU at one location."""

    location_id: str
    on_hand: int
    sellable: int
    held_back: int = 0
    """Units kept back from the channel by safety stock."""


@attrs.frozen
class Availability:
    """Sellable units of one SKU for one channel, in total and per location."""

    sku: str
    channel: Channel
    total: int
    by_location: tuple[LocationAvailability, ...]

    def at(self, location_id: str) -> int:
        """Sellable units at ``location_id`` (0 if it holds none)."""
        for entry in self.by_location:
            if entry.location_id == location_id:
                return entry.sellable
        return 0


def compute_availability(
    sku: str,
    channel: Channel,
    positions: Iterable[StockPosition],
    locations: Mapping[str, Location],
    policy: SafetyStockPolicy | None = None,
    product: Product | None = None,
) -> Availability:
    """Availability of ``sku`` for ``channel`` over the locations that serve it.

    ``policy`` holds back safety stock (none when omitted). Only locations
    that may sell ``product`` for ``channel`` count (see
    :func:`~omskit.availability.eligibility.can_sell`), so availability never
    shows stock routing would refuse. Positions of other SKUs or of unknown
    locations are ignored; entries are ordered by location id.
    """
    entries = []
    for p in positions:
        location = locations.get(p.location_id)
        if p.sku != sku or location is None:
            continue
        if not can_sell(location, channel=channel, product=product):
            continue
        held = (
            0
            if policy is None
            else policy.held_back(sku=sku, location=location, channel=channel, on_hand=p.on_hand)
        )
        free = sellable_after_safety(
            on_hand=p.on_hand, reserved=p.reserved, allocated=p.allocated, held_back=held
        )
        entries.append(LocationAvailability(p.location_id, p.on_hand, free, held))
    entries.sort(key=lambda e: e.location_id)
    return Availability(sku, channel, sum(e.sellable for e in entries), tuple(entries))
