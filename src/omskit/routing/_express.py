"""The express path of routing: one location for the whole order, without ranking every candidate.

Most orders ship from one location. For a profile whose rules are the
built-in ``nearest`` and any of the built-in filters ``min_stock`` and
``specialisation`` (ranked, no scarcity charge, the default
:class:`~omskit.routing.cost.DistanceCostModel`), the plan the split
planner would choose for such an order follows from stock and distance
alone:

* each filter keeps a set of locations per line (``min_stock(n)``: those
  holding at least ``quantity + n``; ``specialisation``: those with the
  capabilities the product needs), shared by every order that routes
  against the same stock tuple;
* the best fill of a line is its quantity, capped by the units its kept
  locations hold together; the locations that alone give every line its
  best fill are an intersection of the memoised "at least k units" sets;
* every candidate ranks by distance, then id, so among those locations
  the one with the better ranks on every line is the nearer one: the
  planner's preference orders them as ``(distance, id)`` does, and only
  their distances are needed, not the whole ranking of every line.

:func:`express` then walks those locations exactly as the planner's search
of single locations does (cheapest empty shipment first with the cost
objective, stopping at the same bound) and returns the same decision,
``decided_by`` included. The explanation (every candidate's note) and each
line's deciding rule are left to a function: on the first read the general
engine routes the order again from the same inputs and they are taken from
its decision. When the order needs more than one location, shares a SKU
between lines, has no delivery point, or the profile is any other,
:func:`express` returns ``None`` and the general engine decides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from math import asin, dist

from omskit.availability.eligibility import handling_key
from omskit.geo import _DIAMETER_KM, GeoPoint, _trig
from omskit.model import Allocation, Capability, Location, Order, Product
from omskit.money import Money
from omskit.routing._eligible import _eligible
from omskit.routing.builtins import MinStock, Specialisation, nearest
from omskit.routing.cost import DistanceCostModel
from omskit.routing.decision import LineDecision, Notes, RoutingDecision
from omskit.routing.profile import Combine, Objective, RoutingProfile

__all__ = ["express"]

_FEWEST = "the fewest shipments"
_CHEAPEST = "the lowest shipping cost"
_BEST_RANKED = "the best-ranked locations"
_NOTHING = "no eligible location has sellable stock"


class _Shape:
    """What :func:`express` needs of a profile it can serve."""

    __slots__ = ("by_cost", "filters", "model")

    def __init__(
        self,
        by_cost: bool,
        filters: tuple[MinStock | Specialisation, ...],
        model: DistanceCostModel,
    ) -> None:
        self.by_cost = by_cost
        self.filters = filters
        self.model = model


_SHAPES: dict[int, tuple[RoutingProfile, _Shape | None]] = {}
_SHAPES_LIMIT = 1024


def _shape(profile: RoutingProfile) -> _Shape | None:
    """``profile``'s shape if :func:`express` can serve it (memoised per profile object)."""
    found = _SHAPES.get(id(profile))
    if found is not None and found[0] is profile:
        return found[1]
    shape = _analyse(profile)
    if len(_SHAPES) >= _SHAPES_LIMIT:
        _SHAPES.clear()
    _SHAPES[id(profile)] = (profile, shape)
    return shape


def _analyse(profile: RoutingProfile) -> _Shape | None:
    model = profile.cost_model
    if (
        profile.combine is not Combine.RANKED
        or profile.scarcity is not None
        or type(model) is not DistanceCostModel
    ):
        return None
    filters: list[MinStock | Specialisation] = []
    distance = 0
    for rule in profile.rules:
        strategy = rule.strategy
        if strategy is nearest:
            distance += 1
        elif type(strategy) is MinStock or type(strategy) is Specialisation:
            filters.append(strategy)
        else:
            return None
    if distance != 1:
        return None
    return _Shape(profile.objective is Objective.COST, tuple(filters), model)


class _Later:
    """The general engine's decision for the same inputs, made on first use."""

    __slots__ = ("_decision", "_make")

    def __init__(self, make: Callable[[], RoutingDecision]) -> None:
        self._make = make
        self._decision: RoutingDecision | None = None

    def _line(self, index: int) -> LineDecision:
        if self._decision is None:
            self._decision = self._make()
        return self._decision.lines[index]

    def notes(self, index: int) -> Notes:
        return self._line(index).candidates

    def rule(self, index: int) -> str | None:
        return self._line(index).deciding_rule


General = Callable[
    [Mapping[str, Sequence[tuple[Location, int]]], Mapping[str, Product]], RoutingDecision
]
"""Routes the order with the general engine, given the order's stock and products."""


def express(
    order: Order,
    profile: RoutingProfile,
    origin: GeoPoint | None,
    stock: Mapping[str, Sequence[tuple[Location, int]]],
    products: Mapping[str, Product],
    pickup: Location | None,
    search_limit: int,
    general: General,
) -> RoutingDecision | None:
    """The decision for an order one location fills, as the general engine makes it; else ``None``.

    ``general`` routes the order with the general engine from the stock and
    products given to it: the explanation is taken from it when first read.
    """
    shape = _shape(profile)
    if shape is None or origin is None:
        return None
    lines = order.lines
    channel = order.channel
    pickup_id = order.delivery.pickup_location_id
    no_transfers = pickup is not None and not pickup.can(Capability.RECEIVE_TRANSFERS)
    taken_stock: dict[str, Sequence[tuple[Location, int]]] = {}
    taken_products: dict[str, Product] = {}
    needs: list[int] = []
    fits: frozenset[str] | None = None
    vector_of = None
    grams = 0
    filters = shape.filters
    for line in lines:
        sku = line.sku
        product = products.get(sku)
        if product is None or sku in taken_stock:
            return None  # an unknown product (the general engine says so) or a shared SKU
        entries = stock.get(sku, ())
        if type(entries) is not tuple:
            entries = tuple(entries)
        taken_stock[sku] = entries
        taken_products[sku] = product
        eligible = _eligible(
            entries, (channel, handling_key(product), pickup_id, no_transfers), product
        )
        units = eligible.held()
        quantity = line.quantity
        kept: frozenset[str] | None = None
        for rule in filters:
            if isinstance(rule, MinStock):
                passed = units.at_least(quantity + rule.units)
            else:
                needed = rule.needs_for(product)
                if not needed:
                    continue
                passed = eligible.capable(needed)
            kept = passed if kept is None else kept & passed
        total = eligible.total if kept is None else sum(map(units.__getitem__, kept))
        need = quantity if quantity < total else total
        needs.append(need)
        if need:
            where = units.at_least(need)
            if kept is not None:
                where = where & kept
            fits = where if fits is None else fits & where
            if not fits:
                return None
            grams += need * product.weight_grams
            if vector_of is None:
                vector_of = eligible.vector_of()
    if fits is None or vector_of is None or len(fits) > search_limit:
        return None

    here = _trig(origin.lat, origin.lon)
    walk = sorted([(dist(here, vector_of[loc]), loc) for loc in fits])
    minor_km = shape.model._minor_km
    if shape.by_cost:
        chosen, cost, runner_up = _cheapest(walk, minor_km, grams)
    else:
        chosen, cost, runner_up = _nearest(walk, minor_km, grams)
    if runner_up is not None:
        decided_by = runner_up
    elif _pool_size(order, taken_stock, taken_products, no_transfers, filters) > 1:
        decided_by = _FEWEST
    else:
        decided_by = "the only plan"

    later = _Later(partial(general, taken_stock, taken_products))
    decisions = []
    for index, (line, need) in enumerate(zip(lines, needs, strict=True)):
        decisions.append(
            LineDecision(
                line.line_id,
                line.sku,
                line.quantity,
                (Allocation(chosen, need),) if need else (),
                line.quantity - need,
                partial(later.notes, index),
                decided_by if need else _NOTHING,
                partial(later.rule, index),
            )
        )
    return RoutingDecision(
        order.order_id,
        profile.name,
        tuple(decisions),
        profile=profile.label,
        cost=Money.from_minor(cost, shape.model.currency),
        decided_by=decided_by,
    )


def _km(chord: float) -> float:
    """The great-circle km of a chord between unit vectors (the engine's very floats)."""
    return _DIAMETER_KM * asin(min(1.0, chord / 2))


def _cheapest(
    walk: Sequence[tuple[float, str]], minor_km: Callable[[float | None, int], int], grams: int
) -> tuple[str, int, str | None]:
    """The planner's single-location search with the cost objective: (winner, cost, decided_by).

    Locations come cheapest empty shipment first, ties by id (a run of
    equal costs is sorted by id); each is filled and compared on (cost,
    preference), and the walk stops at the first whose empty shipment
    costs more than the best plan, which then stands for the runner-up
    (cost only). ``decided_by`` is ``None`` when no plan came second.
    """
    best: tuple[int, float, str] | None = None
    second: tuple[int, int, float, str] | None = None
    for empty, loc, km in _by_cost(walk, minor_km):
        if best is not None and empty > best[0]:
            cut = (empty, 0, 0.0, "")  # the sets cut off: their cost, and nothing else known
            if second is None or cut < second:
                second = cut
            break
        key = (minor_km(km, grams) if grams else empty, km, loc)
        if best is None or key < best:
            if best is not None:
                second = (best[0], 1, best[1], best[2])
            best = key
        elif second is None or (key[0], 1, km, loc) < second:
            second = (key[0], 1, km, loc)
    assert best is not None
    if second is None:
        return best[2], best[0], None
    return best[2], best[0], _CHEAPEST if second[0] != best[0] else _BEST_RANKED


def _by_cost(
    walk: Sequence[tuple[float, str]], minor_km: Callable[[float | None, int], int]
) -> Iterator[tuple[int, str, float]]:
    """(empty-shipment cost, id, km) nearest first, each run of equal costs in id order."""
    run: list[tuple[str, float]] = []
    run_cost = 0
    for chord, loc in walk:
        km = _km(chord)
        cost = minor_km(km, 0)
        if run and cost != run_cost:
            run.sort()
            for done, done_km in run:
                yield run_cost, done, done_km
            run = []
        run.append((loc, km))
        run_cost = cost
    run.sort()
    for done, done_km in run:
        yield run_cost, done, done_km


def _nearest(
    walk: Sequence[tuple[float, str]], minor_km: Callable[[float | None, int], int], grams: int
) -> tuple[str, int, str | None]:
    """The planner's single-location search with the preference objective.

    Every location is filled; the nearest (then the lowest id) has the best
    ranks on every line and wins on preference; any other is the runner-up.
    """
    first_km = _km(walk[0][0])
    best = (first_km, walk[0][1])
    for chord, loc in walk[1:]:
        km = _km(chord)
        if km > first_km:
            break
        best = min(best, (km, loc))
    runner_up = _BEST_RANKED if len(walk) > 1 else None
    return best[1], minor_km(best[0], grams), runner_up


def _pool_size(
    order: Order,
    stock: Mapping[str, Sequence[tuple[Location, int]]],
    products: Mapping[str, Product],
    no_transfers: bool,
    filters: Sequence[MinStock | Specialisation],
) -> int:
    """How many locations some line may take from (the planner's pool)."""
    pool: set[str] = set()
    channel, pickup_id = order.channel, order.delivery.pickup_location_id
    for line in order.lines:
        product = products[line.sku]
        key = (channel, handling_key(product), pickup_id, no_transfers)
        eligible = _eligible(stock[line.sku], key, product)
        kept: frozenset[str] | set[str] = frozenset(eligible.ids)
        units = eligible.held()
        for rule in filters:
            if isinstance(rule, MinStock):
                kept = kept & units.at_least(line.quantity + rule.units)
            elif needed := rule.needs_for(product):
                kept = kept & eligible.capable(needed)
        pool.update(kept)
    return len(pool)
