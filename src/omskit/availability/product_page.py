"""The product-page answer (A4): whether, where and how an item can be had.

A pure function over an :class:`~omskit.availability.atp.Availability`, the
locations and the open supply: total sellable, each location's status (in
stock, low stock below a threshold, out), the nearest click & collect
locations that have it, the delivery options that apply, and whether only
future supply remains.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum

import attrs

from omskit.availability.atp import Availability
from omskit.availability.supply import FutureSupply
from omskit.errors import InvalidInput
from omskit.geo import GeoPoint
from omskit.model import Capability, Location

__all__ = [
    "DeliveryOption",
    "LocationStatus",
    "ProductPage",
    "StockStatus",
    "product_page",
]


class StockStatus(StrEnum):
    """How a location's stock of an item looks to a shopper."""

    IN_STOCK = "in_stock"
    LOW_STOCK = "low_stock"
    OUT_OF_STOCK = "out_of_stock"


class DeliveryOption(StrEnum):
    """Ways the shopper can get the item now."""

    SHIP = "ship"
    CLICK_AND_COLLECT = "click_and_collect"


@attrs.frozen
class LocationStatus:
    """One location on the product page. ``distance_km`` is ``None`` without a shopper point."""

    location_id: str
    name: str
    sellable: int
    status: StockStatus
    distance_km: float | None
    click_and_collect: bool


@attrs.frozen
class ProductPage:
    """Everything a product page shows about availability."""

    sku: str
    channel: str
    total: int
    status: StockStatus
    locations: tuple[LocationStatus, ...]
    """Every location that may sell the item, nearest first (by id without a point)."""
    collect_at: tuple[LocationStatus, ...]
    """Click & collect locations that have it, nearest first."""
    options: frozenset[DeliveryOption]
    future_supply: int
    """Units of open purchase orders and in-transit stock that may still be promised.

    Each kind counts for its configured share, net of the units already
    promised to backordered lines (see :mod:`omskit.availability.supply`).
    """
    next_expected_on: date | None
    """When the earliest open supply is expected, if any."""

    @property
    def only_future_supply(self) -> bool:
        """Nothing sellable now, but supply is on its way (pre-order or backorder)."""
        return self.total == 0 and self.future_supply > 0


def _status(sellable: int, low_below: int) -> StockStatus:
    if sellable <= 0:
        return StockStatus.OUT_OF_STOCK
    return StockStatus.LOW_STOCK if sellable < low_below else StockStatus.IN_STOCK


def product_page(
    availability: Availability,
    locations: Mapping[str, Location],
    *,
    near: GeoPoint | None = None,
    low_stock_below: int = 5,
    future: FutureSupply | None = None,
    collect_limit: int = 3,
) -> ProductPage:
    """Build the product-page answer for one SKU and channel.

    ``low_stock_below``: a location (and the total) with fewer sellable units
    than this shows as low stock. ``collect_limit``: how many click & collect
    locations to list. ``future``: the SKU's future supply (see
    :func:`~omskit.availability.supply.future_supply`), for pre-orders.
    """
    if isinstance(low_stock_below, bool) or not isinstance(low_stock_below, int):
        raise InvalidInput("must be an integer", path="low_stock_below", value=low_stock_below)
    if low_stock_below < 1:
        raise InvalidInput("must be at least 1", path="low_stock_below", value=low_stock_below)
    if isinstance(collect_limit, bool) or not isinstance(collect_limit, int) or collect_limit < 0:
        raise InvalidInput("must be a non-negative integer", path="collect_limit")
    entries: list[LocationStatus] = []
    for entry in availability.by_location:
        location = locations[entry.location_id]
        distance = None if near is None else near.distance_km(location.point)
        entries.append(
            LocationStatus(
                entry.location_id,
                location.name,
                entry.sellable,
                _status(entry.sellable, low_stock_below),
                distance,
                location.can(Capability.CLICK_AND_COLLECT),
            )
        )
    entries.sort(key=lambda e: (e.distance_km if e.distance_km is not None else 0.0, e.location_id))
    collect = tuple(e for e in entries if e.click_and_collect and e.sellable > 0)[:collect_limit]
    options: set[DeliveryOption] = set()
    if any(e.sellable > 0 and locations[e.location_id].can(Capability.SHIP) for e in entries):
        options.add(DeliveryOption.SHIP)
    if collect:
        options.add(DeliveryOption.CLICK_AND_COLLECT)
    if future is not None and future.sku != availability.sku:
        raise InvalidInput(
            f"is the supply of {future.sku!r}, not of {availability.sku!r}", path="future"
        )
    return ProductPage(
        sku=availability.sku,
        channel=availability.channel.value,
        total=availability.total,
        status=_status(availability.total, low_stock_below),
        locations=tuple(entries),
        collect_at=collect,
        options=frozenset(options),
        future_supply=future.available if future is not None else 0,
        next_expected_on=future.next_expected_on if future is not None else None,
    )
