"""The incremental availability index (A1, A3, A5): answers without rescanning locations.

:class:`AvailabilityIndex` keeps, for every SKU, its stock positions in
compact arrays and the sellable total per channel. A change (a stock
position, a cart hold, a location or product definition, an order's
backordered units) updates only what it touches and reports every
``(sku, channel)`` whose sellable total moved as an
:class:`AvailabilityDelta`; a query for a total is a dictionary look-up.

The figures are exactly those of
:func:`~omskit.availability.atp.compute_availability` over the same
positions, with one refinement: a cart hold (a
:class:`~omskit.model.Reservation` with ``expires_at``) counts in its
position's ``reserved`` only until its expiry instant. Queries take ``now``
and add expired holds back, so an expired hold stops counting at its expiry
instant, not when a clean-up job removes it. :meth:`AvailabilityIndex.verify`
checks the index against a full recomputation by that definition
(:func:`recompute_availability`).

The index is pure: no I/O, no clock, no locks. The caller feeds it
:class:`ChangeSet` values (the :class:`~omskit.Oms` service records one per
unit of work) and serialises access; :meth:`AvailabilityIndex.apply` returns
an :class:`IndexUpdate` whose :meth:`~IndexUpdate.undo` restores the index if
the unit of work fails to commit.

Memory: per stock position, four machine integers in ``array`` buffers
(location number, on hand, reserved, allocated); per SKU, one small row
object and a total per channel. ``benchmarks/run.py availability`` reports
the measured bytes per position.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial

import attrs

from omskit.availability.atp import Availability, LocationAvailability
from omskit.availability.audit import verify_index
from omskit.availability.changes import (
    AvailabilityDelta,
    ChangeSet,
    IndexMismatch,
    IndexUpdate,
    OrderTally,
    recompute_availability,
    waiting_units,
    workload_lines,
)
from omskit.availability.eligibility import can_sell, handling_key
from omskit.availability.safety import SafetyRule, SafetyStockPolicy
from omskit.errors import InvalidInput, NotFound
from omskit.model import Channel, Location, Order, Product, Reservation, StockPosition

__all__ = [
    "CHANNELS",
    "AvailabilityDelta",
    "AvailabilityIndex",
    "ChangeSet",
    "IndexMismatch",
    "IndexUpdate",
    "recompute_availability",
    "waiting_units",
    "workload_lines",
]
# The change-set vocabulary lives in omskit.availability.changes; it is re-exported
# here so the index and what it consumes can be imported from one place.

CHANNELS: tuple[Channel, ...] = tuple(Channel)
"""The channels the index keeps a total for, in the order of its total arrays."""
_CHANNEL_NO = {channel: number for number, channel in enumerate(CHANNELS)}
_NO_RULES: tuple[SafetyRule | None, ...] = (None,) * len(CHANNELS)
_UNSET = object()
_ZEROS: tuple[int, ...] = (0,) * len(CHANNELS)


class _Row:
    """The stock of one SKU: parallel arrays by ascending location number."""

    __slots__ = ("allocated", "holds", "locs", "on_hand", "reserved", "totals")

    def __init__(self) -> None:
        self.locs = array("i")
        self.on_hand = array("q")
        self.reserved = array("q")
        self.allocated = array("q")
        self.totals = [0] * len(CHANNELS)
        self.holds: list[tuple[datetime, str]] = []
        """Cart holds on this SKU as (expires_at, reservation_id), soonest first."""

    def slot(self, number: int) -> int:
        """The index of location ``number`` in the arrays, or -1."""
        slot = bisect_left(self.locs, number)
        if slot < len(self.locs) and self.locs[slot] == number:
            return slot
        return -1


@attrs.frozen
class _Hold:
    sku: str
    location_id: str
    quantity: int
    expires_at: datetime


class AvailabilityIndex:
    """Sellable stock per SKU and channel, kept up to date change by change.

    Build it with :meth:`build` (or empty, then :meth:`apply`), feed it every
    committed change with :meth:`apply`, ask it with :meth:`total`,
    :meth:`availability`, :meth:`sellable_at` and :meth:`waiting`. ``now`` is
    always an argument: the index never reads a clock. It is not thread-safe;
    the caller serialises access (the :class:`~omskit.Oms` service does).
    """

    def __init__(self, policy: SafetyStockPolicy | None = None) -> None:
        if policy is not None and not isinstance(policy, SafetyStockPolicy):
            raise InvalidInput("must be a SafetyStockPolicy", path="policy")
        self._policy = policy if policy is not None else SafetyStockPolicy()
        self._has_rules = bool(self._policy.rules)
        self._loc_no: dict[str, int] = {}
        self._locs: list[Location | None] = []
        self._loc_ids: list[str] = []
        self._products: dict[str, Product] = {}
        self._rows: dict[str, _Row] = {}
        self._holds: dict[str, _Hold] = {}
        self._skus_with_holds: set[str] = set()
        self._waiting = OrderTally()
        """Backordered units per SKU, by order."""
        self._workload = OrderTally()
        """Open order lines per location, by order."""
        self._eligible: dict[tuple[int, tuple[bool, bool]], tuple[bool, ...]] = {}
        self._general_rules: dict[int, tuple[SafetyRule | None, ...]] = {}
        self._stock_lists: dict[tuple[str, int], tuple[tuple[Location, int], ...]] = {}
        """Memo of :meth:`stock_for_routing` per (SKU, channel number); see :meth:`apply`."""

    # ------------------------------------------------------------------ building

    @classmethod
    def build(
        cls,
        *,
        locations: Iterable[Location],
        products: Iterable[Product],
        positions: Iterable[StockPosition],
        holds: Iterable[Reservation] = (),
        orders: Iterable[Order] = (),
        policy: SafetyStockPolicy | None = None,
    ) -> AvailabilityIndex:
        """Build an index from a full snapshot of the state (a rebuild).

        ``holds`` may contain every reservation: those without ``expires_at``
        are ignored. ``orders`` supply the backordered demand.
        """
        index = cls(policy)
        for location in locations:
            index._number(location.location_id, location)
        for product in products:
            index._products[product.sku] = product
        grouped: dict[str, dict[int, tuple[int, int, int, int]]] = {}
        for p in positions:  # the last position of a key wins, as in a ChangeSet
            number = index._number(p.location_id)
            grouped.setdefault(p.sku, {})[number] = (number, p.on_hand, p.reserved, p.allocated)
        for sku, by_number in grouped.items():
            entries = sorted(by_number.values())
            row = _Row()
            row.locs = array("i", [e[0] for e in entries])
            row.on_hand = array("q", [e[1] for e in entries])
            row.reserved = array("q", [e[2] for e in entries])
            row.allocated = array("q", [e[3] for e in entries])
            index._rows[sku] = row
            index._recompute_totals(sku, row)
        for reservation in holds:
            if reservation.expires_at is not None:
                index._add_hold(reservation)
        for order in orders:
            index._set_order(order)
        return index

    def _number(self, location_id: str, location: Location | None = None) -> int:
        number = self._loc_no.get(location_id)
        if number is None:
            number = len(self._locs)
            self._loc_no[location_id] = number
            self._locs.append(location)
            self._loc_ids.append(location_id)
        elif location is not None:
            self._locs[number] = location
        return number

    # ------------------------------------------------------------------ the arithmetic

    def _eligibility(self, number: int, product: Product | None) -> tuple[bool, ...]:
        key = (number, handling_key(product))
        cached = self._eligible.get(key)
        if cached is None:
            location = self._locs[number]
            cached = tuple(
                location is not None and can_sell(location, channel=channel, product=product)
                for channel in CHANNELS
            )
            self._eligible[key] = cached
        return cached

    def _rules(self, sku: str, number: int) -> tuple[SafetyRule | None, ...]:
        """The deciding safety rule per channel for ``sku`` at location ``number``.

        Cached per location for every SKU that no rule names, which is the
        common case: then the rule depends on the location and channel only.
        """
        location = self._locs[number]
        if location is None or not self._has_rules:
            return _NO_RULES
        if self._policy.names_sku(sku):
            return tuple(
                self._policy.rule_for(sku=sku, location=location, channel=channel)
                for channel in CHANNELS
            )
        rules = self._general_rules.get(number)
        if rules is None:
            rules = tuple(
                self._policy.rule_for(sku=sku, location=location, channel=channel)
                for channel in CHANNELS
            )
            self._general_rules[number] = rules
        return rules

    def _rule(self, sku: str, number: int, channel_no: int) -> SafetyRule | None:
        return self._rules(sku, number)[channel_no]

    @staticmethod
    def _free(rule: SafetyRule | None, on_hand: int, reserved: int, allocated: int) -> int:
        free = on_hand - reserved - allocated
        if free <= 0:
            return 0
        if rule is None:
            return free
        held = rule.held_back(on_hand)
        return free - held if free > held else 0

    def _recompute_totals(self, sku: str, row: _Row) -> None:
        product = self._products.get(sku)
        totals = [0] * len(CHANNELS)
        for slot, number in enumerate(row.locs):
            eligible = self._eligibility(number, product)
            on_hand, reserved, allocated = (
                row.on_hand[slot],
                row.reserved[slot],
                row.allocated[slot],
            )
            for channel_no, ok in enumerate(eligible):
                if ok:
                    rule = self._rule(sku, number, channel_no)
                    totals[channel_no] += self._free(rule, on_hand, reserved, allocated)
        row.totals = totals

    # ------------------------------------------------------------------ applying changes

    def apply(self, changes: ChangeSet) -> IndexUpdate:
        """Apply one unit of work's changes; return the deltas and a way to undo them.

        Master data first (locations, products), then positions, holds and
        orders, so each figure is computed once with the new definitions.
        """
        if not isinstance(changes, ChangeSet):
            raise InvalidInput("must be a ChangeSet", path="changes")
        before: dict[str, list[int]] = {}
        # Whatever the change set touches drops out of the routing memo (all of it
        # when a location changes, and again if the update is undone).
        undo: list[Callable[[], None]] = [self._stock_lists.clear]
        if changes.locations:
            self._stock_lists.clear()
        else:
            touched = {sku for sku, _ in changes.positions} | set(changes.products)
            touched.update(r.sku for r in changes.holds_added.values())
            touched.update(self._holds[r].sku for r in changes.holds_removed if r in self._holds)
            if touched:
                for key in [key for key in self._stock_lists if key[0] in touched]:
                    del self._stock_lists[key]
        for location in changes.locations.values():
            self._put_location(location, before, undo)
        for product in changes.products.values():
            self._put_product(product, before, undo)
        for position in changes.positions.values():
            self._put_position(position, before, undo)
        for reservation_id in sorted(changes.holds_removed):
            self._remove_hold_undoably(reservation_id, undo)
        for reservation in changes.holds_added.values():
            self._add_hold(reservation)
            undo.append(partial(self._drop_hold, reservation.reservation_id))
        for order in changes.orders.values():
            waiting = self._waiting.set(order.order_id, waiting_units(order))
            workload = self._workload.set(order.order_id, workload_lines(order))
            undo.append(partial(self._waiting.restore, order.order_id, waiting))
            undo.append(partial(self._workload.restore, order.order_id, workload))
        deltas = []
        for sku in sorted(before):
            row = self._rows.get(sku)
            currents = row.totals if row is not None else _ZEROS
            for channel_no, previous_total in enumerate(before[sku]):
                current = currents[channel_no]
                if current != previous_total:
                    deltas.append(
                        AvailabilityDelta(sku, CHANNELS[channel_no], previous_total, current)
                    )
        return IndexUpdate(tuple(deltas), undo_steps=tuple(undo))

    def _remember(self, sku: str, row: _Row | None, before: dict[str, list[int]]) -> None:
        if sku not in before:
            before[sku] = list(row.totals) if row is not None else list(_ZEROS)

    def _put_location(
        self, location: Location, before: dict[str, list[int]], undo: list[Callable[[], None]]
    ) -> None:
        existing = self._loc_no.get(location.location_id)
        old = self._locs[existing] if existing is not None else None
        number = self._number(location.location_id)
        touched = [(sku, row) for sku, row in self._rows.items() if row.slot(number) >= 0]
        for sku, row in touched:
            self._remember(sku, row, before)
        self._locs[number] = location
        self._forget_location_caches(number)
        for sku, row in touched:
            self._recompute_totals(sku, row)

        def restore() -> None:
            self._locs[number] = old
            self._forget_location_caches(number)
            for sku, row in touched:
                self._recompute_totals(sku, row)

        undo.append(restore)

    def _forget_location_caches(self, number: int) -> None:
        for handling in [k for k in self._eligible if k[0] == number]:
            del self._eligible[handling]
        self._general_rules.pop(number, None)

    def _put_product(
        self, product: Product, before: dict[str, list[int]], undo: list[Callable[[], None]]
    ) -> None:
        old = self._products.get(product.sku)
        row = self._rows.get(product.sku)
        self._remember(product.sku, row, before)
        self._products[product.sku] = product
        if row is not None:
            self._recompute_totals(product.sku, row)

        def restore() -> None:
            if old is None:
                del self._products[product.sku]
            else:
                self._products[product.sku] = old
            if row is not None:
                self._recompute_totals(product.sku, row)

        undo.append(restore)

    def _put_position(
        self,
        position: StockPosition,
        before: dict[str, list[int]],
        undo: list[Callable[[], None]],
    ) -> None:
        sku = position.sku
        row = self._rows.get(sku)
        self._remember(sku, row, before)
        number = self._number(position.location_id)
        if row is None:
            row = self._rows[sku] = _Row()
            undo.append(partial(self._drop_row, sku))
        slot = row.slot(number)
        if slot < 0:
            old = None
            slot = bisect_left(row.locs, number)
            row.locs.insert(slot, number)
            row.on_hand.insert(slot, 0)
            row.reserved.insert(slot, 0)
            row.allocated.insert(slot, 0)
        else:
            old = (row.on_hand[slot], row.reserved[slot], row.allocated[slot])
        self._set_values(sku, row, slot, position.on_hand, position.reserved, position.allocated)
        undo.append(lambda: self._restore_position(sku, number, old))

    def _restore_position(self, sku: str, number: int, old: tuple[int, int, int] | None) -> None:
        row = self._rows[sku]
        slot = row.slot(number)
        if old is not None:
            self._set_values(sku, row, slot, *old)
            return
        self._set_values(sku, row, slot, 0, 0, 0)
        for values in (row.locs, row.on_hand, row.reserved, row.allocated):
            del values[slot]

    def _set_values(
        self, sku: str, row: _Row, slot: int, on_hand: int, reserved: int, allocated: int
    ) -> None:
        number = row.locs[slot]
        old_on_hand, old_reserved, old_allocated = (
            row.on_hand[slot],
            row.reserved[slot],
            row.allocated[slot],
        )
        eligible = self._eligibility(number, self._products.get(sku))
        rules = self._rules(sku, number)
        totals = row.totals
        # Channels usually share their deciding rule: compute each distinct one once.
        last_rule: object = _UNSET
        change = 0
        for channel_no, ok in enumerate(eligible):
            if ok:
                rule = rules[channel_no]
                if rule is not last_rule:
                    free = self._free
                    change = free(rule, on_hand, reserved, allocated) - free(
                        rule, old_on_hand, old_reserved, old_allocated
                    )
                    last_rule = rule
                totals[channel_no] += change
        row.on_hand[slot], row.reserved[slot], row.allocated[slot] = on_hand, reserved, allocated

    # ------------------------------------------------------------------ holds and orders

    def _add_hold(self, reservation: Reservation) -> None:
        expires_at = reservation.expires_at
        if expires_at is None:  # pragma: no cover - callers pass holds only
            return
        rid = reservation.reservation_id
        self._holds[rid] = _Hold(
            reservation.sku, reservation.location_id, reservation.quantity, expires_at
        )
        row = self._rows.get(reservation.sku)
        if row is None:
            row = self._rows[reservation.sku] = _Row()
        insort(row.holds, (expires_at, rid))
        self._skus_with_holds.add(reservation.sku)

    def _drop_row(self, sku: str) -> None:
        self._rows.pop(sku, None)

    def _drop_hold(self, reservation_id: str) -> None:
        self._remove_hold(reservation_id)

    def _remove_hold(self, reservation_id: str) -> _Hold | None:
        hold = self._holds.pop(reservation_id, None)
        if hold is None:
            return None
        row = self._rows[hold.sku]
        row.holds.remove((hold.expires_at, reservation_id))
        if not row.holds:
            self._skus_with_holds.discard(hold.sku)
        return hold

    def _remove_hold_undoably(self, reservation_id: str, undo: list[Callable[[], None]]) -> None:
        hold = self._remove_hold(reservation_id)
        if hold is None:
            return

        def restore() -> None:
            self._holds[reservation_id] = hold
            insort(self._rows[hold.sku].holds, (hold.expires_at, reservation_id))
            self._skus_with_holds.add(hold.sku)

        undo.append(restore)

    def _set_order(self, order: Order) -> None:
        self._waiting.set(order.order_id, waiting_units(order))
        self._workload.set(order.order_id, workload_lines(order))

    # ------------------------------------------------------------------ queries

    def _row_for(self, sku: str) -> _Row | None:
        row = self._rows.get(sku)
        if row is None and sku not in self._products:
            raise NotFound(kind="product", key=sku)
        return row

    def _expired(self, row: _Row, now: datetime) -> dict[int, int]:
        """Units of expired holds per location number (holds with ``expires_at <= now``)."""
        end = bisect_right(row.holds, (now, "\U0010ffff"))
        expired: dict[int, int] = {}
        for _, rid in row.holds[:end]:
            hold = self._holds[rid]
            number = self._loc_no[hold.location_id]
            expired[number] = expired.get(number, 0) + hold.quantity
        return expired

    def total(self, sku: str, channel: Channel, *, now: datetime) -> int:
        """Sellable units of ``sku`` for ``channel`` at ``now``; NotFound for a SKU never seen."""
        row = self._row_for(sku)
        if row is None:
            return 0
        channel_no = _CHANNEL_NO[channel]
        total = row.totals[channel_no]
        if row.holds and row.holds[0][0] <= now:
            product = self._products.get(sku)
            for number, units in self._expired(row, now).items():
                slot = row.slot(number)
                if slot < 0 or not self._eligibility(number, product)[channel_no]:
                    continue
                rule = self._rule(sku, number, channel_no)
                on_hand, reserved, allocated = (
                    row.on_hand[slot],
                    row.reserved[slot],
                    row.allocated[slot],
                )
                total += self._free(rule, on_hand, reserved - units, allocated) - self._free(
                    rule, on_hand, reserved, allocated
                )
        return total

    def availability(self, sku: str, channel: Channel, *, now: datetime) -> Availability:
        """Sellable units of ``sku`` for ``channel`` at ``now``, in total and per location.

        Equal to :func:`recompute_availability` over the same state.
        """
        row = self._row_for(sku)
        if row is None:
            return Availability(sku, channel, 0, ())
        channel_no = _CHANNEL_NO[channel]
        product = self._products.get(sku)
        expired = self._expired(row, now) if row.holds and row.holds[0][0] <= now else {}
        entries = []
        for slot, number in enumerate(row.locs):
            if not self._eligibility(number, product)[channel_no]:
                continue
            rule = self._rule(sku, number, channel_no)
            on_hand = row.on_hand[slot]
            reserved = row.reserved[slot] - expired.get(number, 0)
            held = 0 if rule is None else rule.held_back(on_hand)
            free = self._free(rule, on_hand, reserved, row.allocated[slot])
            entries.append(LocationAvailability(self._loc_ids[number], on_hand, free, held))
        entries.sort(key=lambda e: e.location_id)
        return Availability(sku, channel, sum(e.sellable for e in entries), tuple(entries))

    def sellable_at(self, sku: str, location_id: str, channel: Channel, *, now: datetime) -> int:
        """Sellable units of ``sku`` at one location for ``channel`` at ``now`` (0 if none)."""
        row = self._row_for(sku)
        number = self._loc_no.get(location_id)
        if row is None or number is None:
            return 0
        slot = row.slot(number)
        channel_no = _CHANNEL_NO[channel]
        if slot < 0 or not self._eligibility(number, self._products.get(sku))[channel_no]:
            return 0
        expired = self._expired(row, now).get(number, 0) if row.holds else 0
        return self._free(
            self._rule(sku, number, channel_no),
            row.on_hand[slot],
            row.reserved[slot] - expired,
            row.allocated[slot],
        )

    def stock_for_routing(
        self, sku: str, channel: Channel, *, now: datetime
    ) -> tuple[tuple[Location, int], ...]:
        """Every known location holding ``sku``, with its sellable units for ``channel`` at ``now``.

        Safety stock is applied, eligibility is not (the routing engine judges
        it and explains what it excluded); by location id. This is the
        ``stock`` a :func:`~omskit.routing.engine.route` call wants for the
        SKU. The answer is memoised until a change touches the SKU, unless a
        hold on it has lapsed by ``now`` (then it is computed afresh).
        """
        row = self._row_for(sku)
        if row is None:
            return ()
        channel_no = _CHANNEL_NO[channel]
        lapsed = bool(row.holds) and row.holds[0][0] <= now
        key = (sku, channel_no)
        if not lapsed:
            found = self._stock_lists.get(key)
            if found is not None:
                return found
        expired = self._expired(row, now) if lapsed else {}
        entries = []
        for slot, number in enumerate(row.locs):
            location = self._locs[number]
            if location is None:
                continue
            units = self._free(
                self._rule(sku, number, channel_no),
                row.on_hand[slot],
                row.reserved[slot] - expired.get(number, 0),
                row.allocated[slot],
            )
            entries.append((location, units))
        entries.sort(key=lambda entry: entry[0].location_id)
        result = tuple(entries)
        if not lapsed:
            self._stock_lists[key] = result
        return result

    def product(self, sku: str) -> Product | None:
        """The product definition the index knows for ``sku``, or ``None``."""
        return self._products.get(sku)

    def waiting(self, sku: str) -> int:
        """Backordered units of ``sku`` on live orders: a claim on future supply."""
        return self._waiting.totals.get(sku, 0)

    def workload(self) -> dict[str, int]:
        """Open order lines per location id (locations without any are left out)."""
        return dict(self._workload.totals)

    def expired_holds(self, now: datetime) -> tuple[str, ...]:
        """Reservation ids of holds that expired at or before ``now``, soonest first."""
        found: list[tuple[datetime, str]] = []
        for sku in self._skus_with_holds:
            holds = self._rows[sku].holds
            found.extend(holds[: bisect_right(holds, (now, "\U0010ffff"))])
        return tuple(rid for _, rid in sorted(found))

    def require(self, sku: str) -> None:
        """Raise :class:`~omskit.errors.NotFound` unless the index knows ``sku``."""
        self._row_for(sku)

    def location(self, location_id: str) -> Location | None:
        """The indexed definition of a location, if known."""
        number = self._loc_no.get(location_id)
        return None if number is None else self._locs[number]

    def skus(self) -> tuple[str, ...]:
        """Every SKU the index knows (registered or stocked), sorted."""
        return tuple(sorted(set(self._products) | set(self._rows)))

    def __len__(self) -> int:
        """The number of stock positions held."""
        return sum(len(row.locs) for row in self._rows.values())

    # ------------------------------------------------------------------ checking

    def verify(
        self,
        *,
        locations: Iterable[Location],
        products: Iterable[Product],
        positions: Iterable[StockPosition],
        holds: Iterable[Reservation] = (),
        orders: Iterable[Order] = (),
        now: datetime,
    ) -> tuple[IndexMismatch, ...]:
        """Compare every figure with a from-scratch recomputation over the given state.

        Returns the mismatches (empty when the index is right): every (SKU,
        channel) total and per-location figure, the backordered units per SKU
        and the open order lines per location. The recomputation is
        :func:`recompute_availability`, which shares no code with the
        incremental path (see :func:`~omskit.availability.audit.verify_index`).
        """
        return verify_index(
            self,
            locations=locations,
            products=products,
            positions=positions,
            holds=holds,
            orders=orders,
            now=now,
        )

    @property
    def policy(self) -> SafetyStockPolicy:
        """The safety-stock policy the index applies."""
        return self._policy
