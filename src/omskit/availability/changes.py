"""The vocabulary of availability changes: change sets, deltas and the reference recomputation.

A :class:`ChangeSet` records what one unit of work changed that availability
depends on; the :class:`~omskit.availability.index.AvailabilityIndex` applies
it and answers with :class:`AvailabilityDelta` values.
:func:`recompute_availability` is the from-scratch definition the index must
match, and :class:`IndexMismatch` reports where it does not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

import attrs

from omskit.availability.atp import Availability, compute_availability
from omskit.availability.safety import SafetyStockPolicy
from omskit.model import (
    Channel,
    LineStatus,
    Location,
    Order,
    OrderStatus,
    Product,
    Reservation,
    StockPosition,
)

__all__ = [
    "AvailabilityDelta",
    "ChangeSet",
    "IndexMismatch",
    "IndexUpdate",
    "OrderTally",
    "recompute_availability",
    "waiting_units",
    "workload_lines",
]

_NOT_WAITING = frozenset({OrderStatus.CANCELLED, OrderStatus.RETURNED, OrderStatus.REFUSED})


@attrs.frozen
class AvailabilityDelta:
    """The sellable total of ``sku`` for ``channel`` moved from ``previous`` to ``current``."""

    sku: str
    channel: Channel
    previous: int
    current: int


@attrs.frozen
class IndexMismatch:
    """One figure where the index and a full recomputation disagree.

    ``channel`` is ``None`` for the backordered demand of a SKU (see
    :meth:`~omskit.availability.index.AvailabilityIndex.waiting`) and for the
    open order lines of a location, whose id then stands in ``sku`` (see
    :meth:`~omskit.availability.index.AvailabilityIndex.workload`); ``detail``
    says which.
    """

    sku: str
    channel: Channel | None
    indexed: int
    recomputed: int
    detail: str


def waiting_units(order: Order) -> dict[str, int]:
    """Units per SKU that ``order`` still waits for (backordered), by SKU.

    A cancelled or returned order waits for nothing; nor does a cancelled
    line. These units are a claim on future supply (A6).
    """
    if order.status in _NOT_WAITING:
        return {}
    waiting: dict[str, int] = {}
    for line in order.lines:
        if line.status is not LineStatus.CANCELLED and line.unallocated_quantity:
            waiting[line.sku] = waiting.get(line.sku, 0) + line.unallocated_quantity
    return waiting


_OPEN_LINES = frozenset(
    {
        LineStatus.ALLOCATED,
        LineStatus.PARTIALLY_ALLOCATED,
        LineStatus.RELEASED,
        LineStatus.PARTIALLY_SHIPPED,
    }
)


def workload_lines(order: Order) -> dict[str, int]:
    """Open lines of ``order`` per location that holds an allocation for them.

    A line counts at every location it is allocated to until it ships or is
    cancelled; a cancelled or returned order counts nowhere. Load balancing
    (B2) weighs these against each location's daily capacity.
    """
    if order.status in _NOT_WAITING:
        return {}
    counts: dict[str, int] = {}
    for line in order.lines:
        if line.status in _OPEN_LINES:
            for location_id in {a.location_id for a in line.allocations}:
                counts[location_id] = counts.get(location_id, 0) + 1
    return counts


class OrderTally:
    """Counts per key (a SKU, a location), summed over orders, replaced order by order."""

    def __init__(self) -> None:
        self.by_order: dict[str, dict[str, int]] = {}
        self.totals: dict[str, int] = {}

    def set(self, order_id: str, counts: Mapping[str, int]) -> dict[str, int]:
        """Replace one order's counts; return the counts it had."""
        previous = self.by_order.pop(order_id, {})
        for key, count in previous.items():
            left = self.totals[key] - count
            if left:
                self.totals[key] = left
            else:
                del self.totals[key]
        if counts:
            self.by_order[order_id] = dict(counts)
            for key, count in counts.items():
                self.totals[key] = self.totals.get(key, 0) + count
        return previous

    def restore(self, order_id: str, counts: Mapping[str, int]) -> None:
        """Put one order's counts back (an undo step)."""
        self.set(order_id, counts)


@attrs.define
class ChangeSet:
    """What one unit of work changed that availability depends on.

    Record changes as they are written; the last write of a position wins. A
    hold that is added and removed in the same change set cancels out.
    Reservations without ``expires_at`` (order reservations) are not holds and
    need not be recorded: they live in the positions' ``reserved``.
    """

    positions: dict[tuple[str, str], StockPosition] = attrs.field(factory=dict)
    holds_added: dict[str, Reservation] = attrs.field(factory=dict)
    holds_removed: set[str] = attrs.field(factory=set)
    locations: dict[str, Location] = attrs.field(factory=dict)
    products: dict[str, Product] = attrs.field(factory=dict)
    orders: dict[str, Order] = attrs.field(factory=dict)

    def position(self, position: StockPosition) -> None:
        """Record the new state of a stock position."""
        self.positions[(position.sku, position.location_id)] = position

    def hold_added(self, reservation: Reservation) -> None:
        """Record a new reservation; only holds (with ``expires_at``) are kept."""
        if reservation.expires_at is not None:
            self.holds_added[reservation.reservation_id] = reservation

    def hold_removed(self, reservation: Reservation) -> None:
        """Record that a reservation was removed."""
        if reservation.expires_at is None:
            return
        if self.holds_added.pop(reservation.reservation_id, None) is None:
            self.holds_removed.add(reservation.reservation_id)

    def location(self, location: Location) -> None:
        """Record a new or changed location definition."""
        self.locations[location.location_id] = location

    def product(self, product: Product) -> None:
        """Record a new or changed product definition."""
        self.products[product.sku] = product

    def order(self, order: Order) -> None:
        """Record the new state of an order (its backordered units)."""
        self.orders[order.order_id] = order

    def clear(self) -> None:
        """Forget everything recorded (the unit of work rolled back)."""
        for recorded in (
            self.positions,
            self.holds_added,
            self.holds_removed,
            self.locations,
            self.products,
            self.orders,
        ):
            recorded.clear()

    def __bool__(self) -> bool:
        return bool(
            self.positions
            or self.holds_added
            or self.holds_removed
            or self.locations
            or self.products
            or self.orders
        )


@attrs.frozen
class IndexUpdate:
    """What an index update moved, and how to take it back.

    Returned by :meth:`~omskit.availability.index.AvailabilityIndex.apply`.
    """

    deltas: tuple[AvailabilityDelta, ...]
    """Every ``(sku, channel)`` whose sellable total changed, by (sku, channel)."""
    _undo: tuple[Callable[[], None], ...] = attrs.field(alias="undo_steps", repr=False)

    def undo(self) -> None:
        """Restore the index to its state before the update.

        Call it when the unit of work the change set came from did not commit.
        Only valid while no later update was applied.
        """
        for step in reversed(self._undo):
            step()


def recompute_availability(
    sku: str,
    channel: Channel,
    positions: Iterable[StockPosition],
    locations: Mapping[str, Location],
    *,
    policy: SafetyStockPolicy | None = None,
    product: Product | None = None,
    holds: Iterable[Reservation] = (),
    now: datetime,
) -> Availability:
    """Availability at ``now`` from raw positions: the definition the index must match.

    Holds of ``sku`` that expired at or before ``now`` are taken off their
    positions' ``reserved`` (they no longer count), then
    :func:`~omskit.availability.atp.compute_availability` does the rest.
    """
    expired: dict[str, int] = {}
    for hold in holds:
        if hold.sku == sku and not hold.is_active(now):
            expired[hold.location_id] = expired.get(hold.location_id, 0) + hold.quantity
    adjusted = [
        attrs.evolve(p, reserved=p.reserved - expired[p.location_id])
        if p.sku == sku and p.location_id in expired
        else p
        for p in positions
    ]
    return compute_availability(sku, channel, adjusted, locations, policy, product)
