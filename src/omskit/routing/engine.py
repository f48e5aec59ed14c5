"""The routing engine: hard constraints, the profile's ranking, the split planner, explanations.

:func:`route` is the pure entry point. For each line it

1. drops candidates that break a hard constraint
   (:func:`~omskit.availability.eligibility.exclusion`: the channel, the
   ship capability, fragile and hazardous handling) or hold no sellable
   stock;
2. ranks the others with the profile's rules
   (:meth:`~omskit.routing.profile.RoutingProfile.rank`), one call per rule;

then the planner (:func:`~omskit.routing.planner.plan_order`) chooses the
quantities for the whole order, and the result is a
:class:`~omskit.routing.decision.RoutingDecision` that says, for every
candidate of every line, its score per rule, whether and why it was
excluded, what it was given, and which rule and which criterion decided.
Same input, same decision: every tie breaks on location ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import cast

from omskit.availability.eligibility import handling_key
from omskit.errors import InvalidInput
from omskit.geo import GeoPoint, _haversine, _haversines, _trig
from omskit.model import Allocation, Capability, Location, Order, Product
from omskit.money import Money
from omskit.routing._eligible import _Eligible, _eligible, _pairs
from omskit.routing._express import express
from omskit.routing.cost import CostModel, DistanceCostModel, minor_units
from omskit.routing.decision import (
    ALL_EXCLUDED,
    NO_STOCK,
    CandidateNote,
    LineDecision,
    RoutingDecision,
)
from omskit.routing.planner import (
    DEFAULT_SEARCH_LIMIT,
    Plan,
    PlanLine,
    _check,
    _plan,
)
from omskit.routing.profile import LineRanking, RoutingProfile, _Scored
from omskit.routing.scarcity import Scarcity
from omskit.routing.strategy import Candidates, Excluded, LineContext

__all__ = ["general_engine_only", "route"]


class _OrderCache:
    """Per-order memo of distances, and the order's part of every hard-constraint verdict."""

    def __init__(self, order: Order, origin: GeoPoint | None, pickup: Location | None) -> None:
        self.channel = order.channel
        self.origin = None if origin is None else _trig(origin.lat, origin.lon)
        # Click & collect from another location needs a pickup store that takes transfers.
        self.no_transfers = pickup is not None and not pickup.can(Capability.RECEIVE_TRANSFERS)
        self.pickup_id = order.delivery.pickup_location_id
        self.distances: dict[str, float | None] = {}

    def distance(self, location: Location) -> float | None:
        key = location.location_id
        found = self.distances.get(key, _MISSING)
        if found is _MISSING:
            point = location.point
            found = self.distances[key] = (
                None
                if self.origin is None
                else _haversine(self.origin, _trig(point.lat, point.lon))
            )
        return cast("float | None", found)

    def judge(self, product: Product, stock: Sequence[tuple[Location, int]]) -> _Eligible:
        """``stock`` judged against the hard constraints for a line of ``product`` of this order."""
        key = (self.channel, handling_key(product), self.pickup_id, self.no_transfers)
        return _eligible(stock, key, product)

    def split(
        self, product: Product, stock: Sequence[tuple[Location, int]], judged: _Eligible | None
    ) -> tuple[Candidates, _Eligible]:
        """The eligible candidates with stock, and the judged stock list (``hard``: the others).

        ``judged`` is the stock list already judged for this order's line, if it was.
        """
        eligible = judged if judged is not None else self.judge(product, stock)
        ids = eligible.ids
        distances: Sequence[float | None] = (
            [None] * len(ids) if self.origin is None else _haversines(self.origin, eligible.vectors)
        )
        self.distances.update(zip(ids, distances, strict=True))
        return Candidates(eligible.locations, eligible.units, distances, ids), eligible


_MISSING = object()


def _pickup_in(stock: Mapping[str, Sequence[tuple[Location, int]]], pickup_id: str) -> Location:
    """The location ``pickup_id`` as ``stock`` names it; InvalidInput when it names none."""
    for pairs in stock.values():
        for row in pairs:
            location = row[0] if isinstance(row, Sequence) and row else None
            if isinstance(location, Location) and location.location_id == pickup_id:
                return location
    raise InvalidInput(
        f"is needed for an order collected at {pickup_id!r}, which the stock names nowhere "
        "(whether it receives transfers decides what may ship there)",
        path="pickup",
    )


def route(
    order: Order,
    *,
    profile: RoutingProfile,
    origin: GeoPoint | None,
    stock: Mapping[str, Sequence[tuple[Location, int]]],
    products: Mapping[str, Product],
    workload: Mapping[str, int] | None = None,
    pickup: Location | None = None,
    search_limit: int = DEFAULT_SEARCH_LIMIT,
) -> RoutingDecision:
    """Route every line of ``order`` with ``profile``.

    ``stock`` maps each SKU to the locations holding it with their sellable
    units for the order's channel; ``origin`` is the delivery point (the
    pickup store for click & collect; ``None`` ranks without distances);
    ``workload`` is the open order lines per location (for load balancing).
    ``pickup`` is the pickup location of a click & collect order (B5): it
    hands over its own stock, and other locations ship to it only when it
    can receive transfers (``Capability.RECEIVE_TRANSFERS``); by default the
    location of that id in ``stock``, and an :class:`~omskit.errors.InvalidInput`
    (``pickup``) when the stock names none (the router could not tell
    whether it takes transfers).
    Lines no location can fill are left unfulfilled, never an exception.

    Raises :class:`~omskit.errors.InvalidInput` naming the argument for
    input of the wrong kind: a stock row that is not a (``Location``,
    whole units) pair or names its location a second time
    (``stock.SKU[1]``), a line whose SKU has no product, a negative or
    fractional workload (``workload.STORE-1``), an origin that is not a
    :class:`~omskit.geo.GeoPoint`.
    """
    if not isinstance(profile, RoutingProfile):
        raise InvalidInput("must be a RoutingProfile", path="profile")
    if not (
        type(order) is Order
        and type(stock) is dict
        and type(products) is dict
        and (origin is None or type(origin) is GeoPoint)
    ):
        _check_inputs(order, origin, stock, products)  # (the usual kinds pass without a call)
    if pickup is not None and not isinstance(pickup, Location):
        raise InvalidInput(
            f"must be the pickup Location or None, not {type(pickup).__name__}", path="pickup"
        )
    if pickup is not None and pickup.location_id != order.delivery.pickup_location_id:
        raise InvalidInput(
            f"is {pickup.location_id!r}, but the order is collected at "
            f"{order.delivery.pickup_location_id!r}",
            path="pickup",
        )
    pickup_id = order.delivery.pickup_location_id
    if pickup is None and pickup_id is not None:
        pickup = _pickup_in(stock, pickup_id)
    workload = {} if workload is None else _workload(workload)
    cache = _OrderCache(order, origin, pickup)
    judged: dict[str, _Eligible] = {}
    ranked: dict[int, LineRanking | _Scored] = {}
    if type(search_limit) is int and search_limit >= 1 and _EXPRESS.get():

        def explain(
            index: int, product: Product, allocations: tuple[Allocation, ...], decided_by: str
        ) -> tuple[tuple[CandidateNote, ...], str | None]:
            # The line's stock is judged already: the stock mapping is no longer read.
            line = order.lines[index]
            candidates, eligible = cache.split(product, (), judged[line.sku])
            context = LineContext(order, line, product, origin, workload)
            ranking = _ranking(profile, context, candidates, ranked.get(index))
            notes = _notes(
                line.quantity,
                ranking,
                eligible.hard,
                allocations,
                decided_by,
                cache,
                # (The express path leaves no line short with a ranked candidate unused.)
                lambda _location_id: _limit_reason(profile.max_shipments),
            )
            return notes, ranking.deciding_rule()

        decided = express(
            order,
            profile,
            origin,
            stock,
            products,
            workload,
            cache.judge,
            search_limit,
            explain,
            judged,
            ranked,
        )
        if decided is not None:
            return decided
    return _route(
        order, profile, origin, stock, products, workload, cache, search_limit, judged, ranked
    )


_EXPRESS: ContextVar[bool] = ContextVar("omskit_routing_express", default=True)
"""Whether :func:`route` tries the express path first, in this thread or task."""


@contextmanager
def general_engine_only() -> Iterator[None]:
    """Within the block, :func:`route` decides by the general engine alone (this context only).

    The express path must decide exactly as the general engine does; the
    routing contract suite and the tests compare the two. Other threads and
    tasks are not affected.
    """
    token = _EXPRESS.set(False)
    try:
        yield
    finally:
        _EXPRESS.reset(token)


def _check_inputs(order: object, origin: object, stock: object, products: object) -> None:
    """Raise :class:`InvalidInput` naming the first argument of :func:`route` of the wrong kind.

    (The stock rows are checked where each list is judged, once per list.)
    """
    if not isinstance(order, Order):
        raise InvalidInput(f"must be an Order, not {type(order).__name__}", path="order")
    if origin is not None and not isinstance(origin, GeoPoint):
        raise InvalidInput(
            f"must be a GeoPoint or None, not {type(origin).__name__}", path="origin"
        )
    _check_mappings(stock, products)


def _check_mappings(stock: object, products: object) -> None:
    """Raise :class:`InvalidInput` unless ``stock`` and ``products`` are mappings."""
    if not isinstance(stock, Mapping):
        raise InvalidInput(
            "must map each SKU to its (location, sellable units) pairs", path="stock"
        )
    if not isinstance(products, Mapping):
        raise InvalidInput("must map each SKU to its Product", path="products")


def _stock_locations(stock: Mapping[str, Sequence[tuple[Location, int]]]) -> dict[str, Location]:
    """Every location checked ``stock`` names, by id."""
    return {loc.location_id: loc for pairs in stock.values() for loc, _ in pairs}


def _check_pickups(orders: Sequence[Order], known: Mapping[str, Location]) -> None:
    """For the calls that route many orders: every click & collect pickup is in ``known``."""
    for index, order in enumerate(orders):
        pickup_id = order.delivery.pickup_location_id
        if pickup_id is not None and pickup_id not in known:
            raise InvalidInput(
                "is a location neither the stock nor the locations name",
                path=f"orders[{index}].delivery.pickup_location_id",
                value=pickup_id,
            )


def _check_batch_inputs(
    orders: object, stock: object, products: object
) -> dict[str, tuple[tuple[Location, int], ...]]:
    """For the calls that route many orders: ``orders`` a list of orders, the stock checked.

    Every stock row is checked up front (``route`` checks a list when it
    first judges it), and every line's SKU must have a product, so that
    nothing is routed before bad input is found. Returns the stock as
    checked tuples (so a one-shot iterable is read once).
    """
    if isinstance(orders, str | bytes | Order | Mapping) or not isinstance(orders, Sequence):
        raise InvalidInput(f"must be a list of orders, not {type(orders).__name__}", path="orders")
    for index, order in enumerate(orders):
        if not isinstance(order, Order):
            raise InvalidInput(
                f"must be an Order, not {type(order).__name__}", path=f"orders[{index}]"
            )
    _check_mappings(stock, products)
    for index, order in enumerate(orders):
        for number, line in enumerate(order.lines):
            if line.sku not in products:  # type: ignore[operator]
                raise InvalidInput(
                    f"has no product {line.sku!r}", path=f"orders[{index}].lines[{number}].sku"
                )
    return {
        cast("str", sku): _pairs(rows, str(sku))
        for sku, rows in cast("Mapping[object, object]", stock).items()
    }


def _workload(workload: object) -> dict[str, int]:
    """``workload`` (not ``None``) as a new dict of open order lines per location id, checked."""
    if type(workload) is not dict and not isinstance(workload, Mapping):
        raise InvalidInput("must map location ids to open order lines", path="workload")
    copied = dict(workload)
    if copied and (set(map(type, copied.values())) != {int} or min(copied.values()) < 0):
        for location_id, lines in copied.items():
            if type(lines) is not int or lines < 0:
                raise InvalidInput(
                    "must be a non-negative whole number of open order lines",
                    path=f"workload.{location_id}",
                    value=lines,
                )
    return copied


def _route(
    order: Order,
    profile: RoutingProfile,
    origin: GeoPoint | None,
    stock: Mapping[str, Sequence[tuple[Location, int]]],
    products: Mapping[str, Product],
    workload: dict[str, int],
    cache: _OrderCache,
    search_limit: int,
    judged: Mapping[str, _Eligible],
    ranked: Mapping[int, LineRanking | _Scored],
) -> RoutingDecision:
    """:func:`route` by the general engine: every candidate ranked, then the split planner.

    ``cache`` is the order's (fresh: its distances are filled here); ``judged``
    holds the stock lists of SKUs already judged for this order, ``ranked``
    the lines (by index) whose every candidate is ranked already, or scored
    and not ranked yet, on those stock lists.
    """
    rankings: list[LineRanking] = []
    hard: list[tuple[tuple[Location, int, str], ...]] = []
    plan_lines: list[PlanLine] = []
    held: dict[str, Mapping[str, int]] = {}
    locations: dict[str, Location] = {}
    for index, line in enumerate(order.lines):
        product = products.get(line.sku)
        if product is None:
            raise InvalidInput(f"has no product {line.sku!r}", path=f"lines[{index}].sku")
        if not isinstance(product, Product):
            raise InvalidInput(
                f"must be a Product, not {type(product).__name__}", path=f"products.{line.sku}"
            )
        if product.sku != line.sku:
            raise InvalidInput(
                f"is the product {product.sku!r}, listed under {line.sku!r}",
                path=f"products.{line.sku}",
            )
        entries = stock.get(line.sku, ())
        candidates, eligible = cache.split(product, entries, judged.get(line.sku))
        sku = line.sku
        locations.update(zip(candidates.location_ids, candidates.locations, strict=True))
        context = LineContext(order, line, product, origin, workload)
        ranking = _ranking(profile, context, candidates, ranked.get(index))
        rankings.append(ranking)
        hard.append(eligible.hard)
        ranked_ids = ranking.ranked_ids
        if sku not in held and not ranking.exclusions:
            held[sku] = eligible.held()  # every candidate is ranked: the shared table will do
        else:
            units = map(candidates.sellable.__getitem__, ranking.order)
            held[sku] = {**held.get(sku, {}), **dict(zip(ranked_ids, units, strict=True))}
        plan_lines.append(
            PlanLine(line.line_id, sku, line.quantity, product.weight_grams, ranked_ids)
        )
    model = profile.cost_model
    distances = cache.distances
    monotone: Mapping[str, float] | None = None
    empty_shipments = None
    if isinstance(model, DistanceCostModel):
        if cache.origin is not None:
            # An empty shipment costs more the farther it goes: price them nearest first.
            monotone = cast("Mapping[str, float]", distances)
        minor_km, minor_kms = model._minor_km, model._minor_kms

        def shipment_cost(location_id: str, grams: int) -> int:
            return minor_km(distances[location_id], grams)

        def empty_shipments(location_ids: Sequence[str]) -> list[int]:
            return minor_kms(map(distances.__getitem__, location_ids), 0)

    else:

        def shipment_cost(location_id: str, grams: int) -> int:
            return minor_units(
                model, location=locations[location_id], origin=origin, weight_grams=grams
            )

    _check(plan_lines, profile.max_shipments, search_limit)
    scarcity = profile.scarcity
    charges = None if scarcity is None else _charges(scarcity, held, locations)
    plan = _plan(
        plan_lines,
        held,
        shipment_cost,
        profile.max_shipments,
        profile.objective,
        search_limit,
        charges,
        monotone,
        empty_shipments,
    )
    short = _short_reasons(plan, profile.max_shipments)
    decisions = tuple(
        _line_decision(
            order,
            index,
            rankings[index],
            hard[index],
            plan,
            cache,
            scarcity,
            charges,
            short,
        )
        for index in range(len(order.lines))
    )
    return RoutingDecision(
        order.order_id,
        profile.name,
        decisions,
        profile=profile.label,
        cost=_plan_cost(model, plan, order, products, locations, origin),
        decided_by=plan.decided_by,
        exact=plan.exact,
        scarcity_charge=None if scarcity is None else scarcity.charge_money(plan.charge_minor),
    )


def _ranking(
    profile: RoutingProfile,
    context: LineContext,
    candidates: Candidates,
    found: LineRanking | _Scored | None,
) -> LineRanking:
    """The line's ranking: ``found`` (ranked, or scored by the express path), else made."""
    if found is None:
        return profile.rank(context, candidates)
    if isinstance(found, LineRanking):
        return found
    return profile._finish(found)  # scored by the express path, not ranked yet


def _charges(
    scarcity: Scarcity, held: Mapping[str, Mapping[str, int]], locations: Mapping[str, Location]
) -> dict[str, dict[str, float]]:
    """Per SKU: reserved location id -> the scarcity charge per unit in minor units."""
    price = scarcity.price_minor
    charges: dict[str, dict[str, float]] = {}
    for sku, units in held.items():
        rate = price * scarcity.index(sku, sum(units.values()))
        if rate > 0:
            at = {loc: rate for loc in units if scarcity.reserved(locations[loc])}
            if at:
                charges[sku] = at
    return charges


def _plan_cost(
    model: CostModel,
    plan: Plan,
    order: Order,
    products: Mapping[str, Product],
    locations: Mapping[str, Location],
    origin: GeoPoint | None,
) -> Money | None:
    """The plan's cost in exact money, shipment by shipment, as the cost model prices it."""
    if isinstance(model, DistanceCostModel):
        # The planner priced every shipment with this model, in its minor units.
        return Money.from_minor(plan.cost_minor, model.currency)
    grams: dict[str, int] = {}
    for line, taken in zip(order.lines, plan.allocations, strict=True):
        for allocation in taken:
            grams[allocation.location_id] = (
                grams.get(allocation.location_id, 0)
                + products[line.sku].weight_grams * allocation.quantity
            )
    costs = [
        model.shipment_cost(location=locations[loc], origin=origin, weight_grams=weight)
        for loc, weight in sorted(grams.items())
    ]
    if costs:
        return sum(costs[1:], costs[0])
    # Nothing ships: nothing to pay, in the model's currency when it says which.
    currency = getattr(model, "currency", None)
    return Money.zero(currency) if isinstance(currency, str) else None


def _line_decision(
    order: Order,
    index: int,
    ranking: LineRanking,
    hard: Sequence[tuple[Location, int, str]],
    plan: Plan,
    cache: _OrderCache,
    scarcity: Scarcity | None,
    charges: Mapping[str, Mapping[str, float]] | None,
    short: Callable[[str], str],
) -> LineDecision:
    line = order.lines[index]
    allocations = plan.allocations[index]
    unfulfilled = plan.unfulfilled[index]
    if not allocations:
        decided_by = _unfilled_reason(ranking, short)
    elif len(allocations) > 1:
        decided_by = f"split over {len(allocations)} locations; {plan.decided_by}"
    else:
        decided_by = plan.decided_by

    charged = None
    if scarcity is not None and charges is not None and line.sku in charges:
        charged = (scarcity, charges[line.sku])

    def notes() -> tuple[CandidateNote, ...]:
        return _notes(
            line.quantity,
            ranking,
            hard,
            allocations,
            plan.decided_by,
            cache,
            short,
            charged,
            _taken_by_others(order, index, plan.allocations),
        )

    return LineDecision(
        line.line_id,
        line.sku,
        line.quantity,
        allocations,
        unfulfilled,
        notes,
        decided_by,
        ranking.deciding_rule(),
    )


def _notes(
    quantity: int,
    ranking: LineRanking,
    hard: Sequence[tuple[Location, int, str]],
    allocations: tuple[Allocation, ...],
    plan_decided_by: str,
    cache: _OrderCache,
    short: Callable[[str], str],
    charged: tuple[Scarcity, Mapping[str, float]] | None = None,
    others: Mapping[str, int] | None = None,
) -> tuple[CandidateNote, ...]:
    """Every candidate's note: ranked best first, then rule exclusions, then hard ones by id.

    ``short`` gives the note of a ranked candidate (by id) left unused while
    the line is short (the shipment limit, or the order's other lines of the SKU).
    ``others`` are the units the order's other lines of the SKU take, by location.
    """
    taken = {a.location_id: a.quantity for a in allocations}
    filled = sum(taken.values()) >= quantity
    candidates = ranking.candidates
    ids, units, distances = candidates.location_ids, candidates.sellable, candidates.distance_km
    last_chosen = max((rank for rank, p in enumerate(ranking.order) if ids[p] in taken), default=-1)
    names = ranking.rule_names
    # Every rule's score per position (a ranked candidate has no Excluded among them).
    rows = list(zip(*ranking.columns, strict=True))
    not_chosen = f"not chosen: {plan_decided_by} won"
    notes: list[CandidateNote] = []
    append = notes.append
    for rank, p in enumerate(ranking.order):
        chosen = taken.get(ids[p], 0)
        if chosen:
            reason = f"chosen for {chosen} unit(s)"
            if charged is not None and (rate := charged[1].get(ids[p])):
                reason += f" (scarcity charge {charged[0].charge_money(round(rate * chosen))})"
        elif rank < last_chosen:
            have = units[p]
            if have < quantity:
                reason = f"skipped: only {have} sellable, line needs {quantity}"
            elif others and (used := others.get(ids[p], 0)) and have - used < quantity:
                reason = (
                    f"skipped: the order's other lines of this SKU take {used} of its "
                    f"{have} units, line needs {quantity}"
                )
            else:
                reason = not_chosen
        else:
            reason = _NOT_NEEDED if filled else short(ids[p])
        append(
            CandidateNote(
                ids[p],
                distances[p],
                units[p],
                chosen,
                False,
                reason,
                tuple(zip(names, rows[p], strict=True)),
                None,
                rank,
            )
        )
    for p, rule in ranking.exclusions:
        verdict = cast("Excluded", ranking.columns[rule][p])
        notes.append(
            CandidateNote(
                ids[p],
                distances[p],
                units[p],
                0,
                True,
                f"excluded by {names[rule]}: {verdict.reason}",
                scores=_scores(names, ranking.scores(p)),
                excluded_by=names[rule],
            )
        )
    for location, sellable, reason in sorted(hard, key=lambda h: h[0].location_id):
        notes.append(
            CandidateNote(
                location.location_id,
                cache.distance(location),
                max(sellable, 0),
                0,
                True,
                "excluded: " + reason,
                excluded_by="eligibility",
            )
        )
    return tuple(notes)


def _taken_by_others(
    order: Order, index: int, allocations: Sequence[tuple[Allocation, ...]]
) -> dict[str, int]:
    """The units the order's lines of line ``index``'s SKU other than it take, by location."""
    sku = order.lines[index].sku
    taken: dict[str, int] = {}
    for other, (line, line_allocations) in enumerate(zip(order.lines, allocations, strict=True)):
        if other != index and line.sku == sku:
            for allocation in line_allocations:
                location_id = allocation.location_id
                taken[location_id] = taken.get(location_id, 0) + allocation.quantity
    return taken


_NOT_NEEDED = "not needed: better-ranked locations cover the line"


_SHARED = "not used: the order's other lines of this SKU take its units"


def _limit_reason(max_shipments: int) -> str:
    return f"not used: the order may ship in at most {max_shipments} shipment(s)"


def _short_reasons(plan: Plan, max_shipments: int) -> Callable[[str], str]:
    """The note of a ranked candidate (by id) that a short line leaves unused under ``plan``.

    Its units went to the order's other lines of the SKU (it ships them, or
    nothing limits the shipments), else the shipment limit kept it out.
    """
    shipping = frozenset(plan.locations)
    limit = _limit_reason(max_shipments)
    limited = plan.shipments >= max_shipments

    def short(location_id: str) -> str:
        return _SHARED if location_id in shipping or not limited else limit

    return short


def _unfilled_reason(ranking: LineRanking, short: Callable[[str], str]) -> str:
    """Why a line takes nothing: no candidate, every one excluded, the limit, shared units.

    The limit when it kept out some ranked candidate, else the other lines' use of the units.
    """
    if not ranking.candidates.location_ids:
        return NO_STOCK
    if not ranking.order:
        return ALL_EXCLUDED
    ids = ranking.candidates.location_ids
    reasons = (short(ids[p]) for p in ranking.order)
    return next((r for r in reasons if r != _SHARED), _SHARED).removeprefix("not used: ")


def _scores(
    names: tuple[str, ...], scores: tuple[float | Excluded, ...]
) -> tuple[tuple[str, float | None], ...]:
    return tuple(
        zip(
            names,
            [None if isinstance(score, Excluded) else score for score in scores],
            strict=True,
        )
    )
