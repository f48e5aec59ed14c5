"""Checking an availability index against a from-scratch recomputation.

:func:`verify_index` recomputes every figure the index answers with
:func:`~omskit.availability.changes.recompute_availability` and the order
tallies, and lists where they differ. It reads only the index's public
answers, so it also checks the query path.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from omskit.availability.atp import Availability
from omskit.availability.changes import (
    IndexMismatch,
    recompute_availability,
    waiting_units,
    workload_lines,
)
from omskit.errors import NotFound
from omskit.model import Channel, Location, Order, Product, Reservation, StockPosition

if TYPE_CHECKING:
    from omskit.availability.index import AvailabilityIndex

__all__ = ["verify_index"]


def _tallies(orders: Iterable[Order]) -> tuple[dict[str, int], dict[str, int]]:
    waiting: dict[str, int] = {}
    workload: dict[str, int] = {}
    for order in orders:
        for sku, units in waiting_units(order).items():
            waiting[sku] = waiting.get(sku, 0) + units
        for location_id, lines in workload_lines(order).items():
            workload[location_id] = workload.get(location_id, 0) + lines
    return waiting, workload


def verify_index(
    index: AvailabilityIndex,
    *,
    locations: Iterable[Location],
    products: Iterable[Product],
    positions: Iterable[StockPosition],
    holds: Iterable[Reservation] = (),
    orders: Iterable[Order] = (),
    now: datetime,
) -> tuple[IndexMismatch, ...]:
    """Every figure where ``index`` and a recomputation over the given state differ."""
    location_map = {loc.location_id: loc for loc in locations}
    product_map = {p.sku: p for p in products}
    by_sku: dict[str, list[StockPosition]] = {}
    for p in positions:
        by_sku.setdefault(p.sku, []).append(p)
    hold_list = [r for r in holds if r.expires_at is not None]
    waiting, workload = _tallies(orders)
    mismatches = []
    for sku in sorted(set(product_map) | set(by_sku) | set(index.skus())):
        for channel in Channel:
            expected = recompute_availability(
                sku,
                channel,
                by_sku.get(sku, ()),
                location_map,
                policy=index.policy,
                product=product_map.get(sku),
                holds=hold_list,
                now=now,
            )
            try:
                indexed = index.availability(sku, channel, now=now)
                indexed_total = index.total(sku, channel, now=now)
            except NotFound:
                indexed, indexed_total = Availability(sku, channel, -1, ()), -1
            if indexed != expected or indexed_total != expected.total:
                mismatches.append(
                    IndexMismatch(
                        sku,
                        channel,
                        indexed_total,
                        expected.total,
                        f"indexed {indexed!r}, recomputed {expected!r}",
                    )
                )
        if index.waiting(sku) != waiting.get(sku, 0):
            mismatches.append(
                IndexMismatch(
                    sku, None, index.waiting(sku), waiting.get(sku, 0), "backordered units"
                )
            )
    indexed_workload = index.workload()
    for location_id in sorted(set(workload) | set(indexed_workload)):
        have, want = indexed_workload.get(location_id, 0), workload.get(location_id, 0)
        if have != want:
            mismatches.append(
                IndexMismatch(location_id, None, have, want, "open order lines at the location")
            )
    return tuple(mismatches)
