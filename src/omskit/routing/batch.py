"""Batch routing: plan a batch of orders together, not one at a time.

:func:`route` decides one order against the stock it sees. Orders routed in
turn cannot see the orders after them: an early order takes the last units
of a distribution centre that it could as well have had from a store, and a
later three-line order that needed those units splits into two parcels.
When a shop holds several orders before releasing them (a morning wave, the
backorders a delivery releases, pre-orders on their release date, a
what-if :func:`~omskit.routing.replay.replay`), :func:`route_batch` plans
them together:

1. **In turn.** Every order is routed in the given order, each against the
   stock the earlier ones leave: exactly what routing them one by one does.
2. **Swaps.** An order whose plan is worse than the plan it would get from
   the untouched stock (more unfilled units, more shipments or a higher
   cost) names the orders holding the units it is short of: the
   *blockers* (at most :data:`MAX_BLOCKERS`, those holding the most of
   those units). The batch releases the order and one blocker (then the
   order and all its blockers), routes the order first and the blockers after it,
   and keeps the change only when the orders involved together fill more
   units, or as many with fewer shipments, or as many of both for less
   (the shipping cost plus the profile's scarcity charge: what each order's
   own planner minimises). Rounds repeat until one changes nothing or
   ``max_rounds`` have run.
3. **Settling.** Each order is routed once more against the stock every
   other order leaves, until a pass changes no allocation. So every
   decision in the plan is the one :func:`route` makes for that order
   against what the rest of the batch leaves, and its explanation (the
   sellable units per candidate included) says so. Settling that has not
   ended after ``max_rounds`` passes is reported (``settled`` is false);
   the plan is feasible either way.

The batch never allocates more than the stock holds, and its total is never
worse than routing in turn by the measure above: a swap is kept only when it
improves it, and settling takes each order's own best plan with the others
fixed (should a profile's own measure ever disagree and settling end worse
than routing in turn, the plan routed in turn is returned). Everything is
deterministic: the same orders, stock and profile give
the same plan (no clocks, no randomness; ties go to the earlier order).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from omskit.errors import InvalidInput
from omskit.geo import GeoPoint
from omskit.model import Location, Order, Product
from omskit.money import Money
from omskit.routing.decision import RoutingDecision
from omskit.routing.engine import _check_batch_inputs, _check_pickups, _stock_locations, route
from omskit.routing.profile import RoutingProfile

__all__ = ["MAX_BLOCKERS", "BatchPlan", "route_batch"]

MAX_BLOCKERS = 12
"""The most blockers one order swaps with in a round (bounds the work per order)."""

_Position = tuple[str, str]
"""(SKU, location id)."""
_Key = tuple[int, int, int]
"""(unfulfilled units, shipments, cost in minor units plus the scarcity charge)."""


@attrs.frozen
class BatchPlan:
    """The decisions of a batch planned together, in the order of the batch's orders."""

    decisions: tuple[RoutingDecision, ...]
    swaps: int
    """How many swaps the batch kept (0: routing in turn was already as good)."""
    rounds: int
    """Swap rounds run (the last one changed nothing unless it hit ``max_rounds``)."""
    settled: bool
    """Whether every decision is :func:`route`'s against what the rest of the batch leaves."""
    in_turn: tuple[int, int, int]
    """Routing in turn, for comparison: unfulfilled units, shipments, cost plus scarcity charge.

    The cost and charge are in minor units; the batch lowers these, in that order.
    """

    @property
    def unfulfilled_units(self) -> int:
        """Units of the batch no location fills."""
        return sum(line.unfulfilled for d in self.decisions for line in d.lines)

    @property
    def shipments(self) -> int:
        """Parcels over the batch (distinct shipping locations per order, summed)."""
        return sum(d.shipment_count for d in self.decisions)

    @property
    def cost(self) -> Money | None:
        """The batch's shipping cost (``None`` when no decision has one).

        A decision has none when a custom cost model prices no shipment.
        """
        costs = [d.cost for d in self.decisions if d.cost is not None]
        return sum(costs[1:], costs[0]) if costs else None


def _key(decision: RoutingDecision) -> _Key:
    cents = 0 if decision.cost is None else decision.cost.to_minor()
    if decision.scarcity_charge is not None:
        cents += decision.scarcity_charge.to_minor()
    unfilled = sum(line.unfulfilled for line in decision.lines)
    return (unfilled, decision.shipment_count, cents)


def _total(keys: Sequence[_Key]) -> _Key:
    return (sum(k[0] for k in keys), sum(k[1] for k in keys), sum(k[2] for k in keys))


def _taken(decision: RoutingDecision) -> dict[_Position, int]:
    taken: dict[_Position, int] = {}
    for line in decision.lines:
        for allocation in line.allocations:
            position = (line.sku, allocation.location_id)
            taken[position] = taken.get(position, 0) + allocation.quantity
    return taken


class _Batch:
    """The batch's state: each order's decision and the units left per position."""

    def __init__(
        self,
        orders: Sequence[Order],
        profile: RoutingProfile,
        stock: Mapping[str, Sequence[tuple[Location, int]]],
        products: Mapping[str, Product],
        origins: Sequence[GeoPoint | None],
        pickups: Sequence[Location | None],
    ) -> None:
        self.orders = orders
        self.pickups = pickups
        self.profile = profile
        self.stock = stock
        self.products = products
        self.origins = origins
        self.left: dict[_Position, int] = {
            (sku, loc.location_id): units for sku, pairs in stock.items() for loc, units in pairs
        }
        self.skus = [sorted({line.sku for line in order.lines}) for order in orders]
        self.decisions: list[RoutingDecision] = []
        self.keys: list[_Key] = []
        self.taken: list[dict[_Position, int]] = []
        self.holders: dict[_Position, set[int]] = {}

    def route(self, index: int, *, untouched: bool = False) -> RoutingDecision:
        """Route order ``index`` against what is left (or the untouched stock)."""
        snapshot: dict[str, Sequence[tuple[Location, int]]] = {}
        for sku in self.skus[index]:
            pairs = self.stock.get(sku)
            if pairs is None:
                continue
            if untouched:
                snapshot[sku] = pairs
            else:
                left = self.left
                snapshot[sku] = [(loc, left[(sku, loc.location_id)]) for loc, _ in pairs]
        return route(
            self.orders[index],
            profile=self.profile,
            origin=self.origins[index],
            stock=snapshot,
            products=self.products,
            pickup=self.pickups[index],
        )

    def place(self, index: int, decision: RoutingDecision) -> None:
        """Make ``decision`` order ``index``'s and take its units."""
        taken = _taken(decision)
        for position, units in taken.items():
            self.left[position] -= units
            self.holders.setdefault(position, set()).add(index)
        if index == len(self.decisions):
            self.decisions.append(decision)
            self.keys.append(_key(decision))
            self.taken.append(taken)
        else:
            self.decisions[index] = decision
            self.keys[index] = _key(decision)
            self.taken[index] = taken

    def release(self, index: int) -> None:
        """Give order ``index``'s units back (its decision stays until placed again)."""
        for position, units in self.taken[index].items():
            self.left[position] += units
            self.holders[position].discard(index)

    def blockers(self, index: int, wanted: Mapping[_Position, int]) -> list[int]:
        """The other orders holding units of a position ``index`` wants more of than is left.

        Those holding the most of such units first (then the earlier order),
        at most :data:`MAX_BLOCKERS` of them.
        """
        own = self.taken[index]
        held: dict[int, int] = {}
        for position, units in wanted.items():
            if self.left.get(position, 0) + own.get(position, 0) < units:
                for other in self.holders.get(position, ()):
                    if other != index:
                        held[other] = held.get(other, 0) + self.taken[other][position]
        ranked = sorted(held, key=lambda other: (-held[other], other))
        return sorted(ranked[:MAX_BLOCKERS])

    def swap(self, index: int, group: Sequence[int]) -> bool:
        """Re-route ``index`` first, then ``group``; keep it only if the total improves."""
        involved = [index, *group]
        before = [(self.decisions[i], self.keys[i]) for i in involved]
        for i in involved:
            self.release(i)
        for i in involved:
            self.place(i, self.route(i))
        if _total([self.keys[i] for i in involved]) < _total([key for _, key in before]):
            return True
        for i in involved:
            self.release(i)
        for i, (decision, _) in zip(involved, before, strict=True):
            self.place(i, decision)
        return False

    def settle(self) -> bool:
        """One pass re-routing each order against what the others leave; whether none moved."""
        still = True
        for index in range(len(self.orders)):
            before = self.taken[index]
            self.release(index)
            self.place(index, self.route(index))
            still = still and self.taken[index] == before
        return still


def route_batch(
    orders: Sequence[Order],
    *,
    profile: RoutingProfile,
    stock: Mapping[str, Sequence[tuple[Location, int]]],
    products: Mapping[str, Product],
    origins: Sequence[GeoPoint | None],
    max_rounds: int = 4,
    locations: Mapping[str, Location] | None = None,
) -> BatchPlan:
    """Plan ``orders`` together with ``profile`` against one ``stock`` snapshot.

    ``stock`` maps each SKU to (location, sellable units), as for
    :func:`route`; ``origins`` gives each order's delivery point, in the
    same order (see :func:`~omskit.routing.replay.delivery_point`).
    ``locations`` (by id) gives each click & collect order its pickup
    location, as :func:`route` takes it (so a store that cannot receive
    transfers hands over only its own stock); by default the locations in
    ``stock``.
    ``max_rounds`` bounds both the swap rounds and the settling passes
    (0 returns routing in turn, with ``settled`` false). The decisions come back in the
    order of ``orders``; see the module documentation for the method and
    its guarantees.

    Raises :class:`~omskit.errors.InvalidInput`, before routing anything,
    for something other than an :class:`~omskit.model.Order` in ``orders``,
    a line whose SKU has no product, ``origins`` of another length, a
    ``max_rounds`` that is not a non-negative integer, a stock row that
    is not a (``Location``, whole units) pair or names its location twice,
    or a click & collect order whose pickup location neither ``locations``
    nor the stock names.
    """
    if not isinstance(profile, RoutingProfile):
        raise InvalidInput("must be a RoutingProfile", path="profile")
    if type(max_rounds) is not int or max_rounds < 0:
        raise InvalidInput("must be a non-negative integer", path="max_rounds", value=max_rounds)
    stock = _check_batch_inputs(orders, stock, products)
    given: object = origins
    if isinstance(given, str | bytes) or not isinstance(given, Sequence):
        raise InvalidInput(
            f"must be a list of delivery points, not {type(given).__name__}", path="origins"
        )
    if len(origins) != len(orders):
        raise InvalidInput(
            f"gives {len(origins)} delivery points for {len(orders)} orders", path="origins"
        )
    if locations is None:
        locations = _stock_locations(stock)
    elif not isinstance(locations, Mapping) or not all(
        isinstance(loc, Location) for loc in locations.values()
    ):
        raise InvalidInput("must map location ids to Locations", path="locations")
    _check_pickups(orders, locations)
    return _planned(orders, profile, stock, products, origins, max_rounds, locations)


def _planned(
    orders: Sequence[Order],
    profile: RoutingProfile,
    stock: Mapping[str, Sequence[tuple[Location, int]]],
    products: Mapping[str, Product],
    origins: Sequence[GeoPoint | None],
    max_rounds: int,
    locations: Mapping[str, Location],
) -> BatchPlan:
    """:func:`route_batch` on checked arguments (``replay`` checks its own once)."""
    pickups = [
        None
        if order.delivery.pickup_location_id is None
        else locations.get(order.delivery.pickup_location_id)
        for order in orders
    ]
    batch = _Batch(orders, profile, stock, products, origins, pickups)
    for index in range(len(orders)):
        batch.place(index, batch.route(index))
    in_turn = _total(batch.keys)
    in_turn_decisions = tuple(batch.decisions)
    swaps = rounds = 0
    if max_rounds:
        ideals = [batch.route(index, untouched=True) for index in range(len(orders))]
        wanted = [_taken(ideal) for ideal in ideals]
        ideal_keys = [_key(ideal) for ideal in ideals]
        while rounds < max_rounds:
            rounds += 1
            kept = 0
            for index in range(len(orders)):
                if batch.keys[index] <= ideal_keys[index]:
                    continue
                blockers = batch.blockers(index, wanted[index])
                groups = [[b] for b in blockers]
                if len(blockers) > 1:
                    groups.append(blockers)
                for group in groups:
                    if batch.swap(index, group):
                        kept += 1
                        break
            swaps += kept
            if not kept:
                break
    settled = False
    for _ in range(max_rounds):
        if batch.settle():
            settled = True
            break
    if _total(batch.keys) > in_turn:
        # Settling follows each order's own profile; should that ever cost the batch more
        # than routing in turn, routing in turn is the plan.
        return BatchPlan(in_turn_decisions, 0, rounds, False, in_turn)
    return BatchPlan(tuple(batch.decisions), swaps, rounds, settled, in_turn)
