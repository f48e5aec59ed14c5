"""Available-to-promise from stock positions (A1).

Pure functions: positions and locations in, an :class:`Availability` out.
The sellable quantity of a location is ``max(0, on_hand - reserved -
allocated)``; the total for a channel sums only the locations that serve it,
so a unit is never counted twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from omskit.model import Channel, Location, StockPosition

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
) -> Availability:
    """Availability of ``sku`` for ``channel`` over the locations that serve it.

    Positions of other SKUs or of unknown locations are ignored; entries are
    ordered by location id.
    """
    entries = [
        LocationAvailability(p.location_id, p.on_hand, sellable(p))
        for p in positions
        if p.sku == sku and p.location_id in locations and locations[p.location_id].serves(channel)
    ]
    entries.sort(key=lambda e: e.location_id)
    return Availability(sku, channel, sum(e.sellable for e in entries), tuple(entries))
