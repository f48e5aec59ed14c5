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

from collections.abc import Mapping, Sequence

from omskit.availability.eligibility import exclusion, handling_key
from omskit.errors import InvalidInput
from omskit.geo import GeoPoint
from omskit.model import Capability, Location, Order, Product
from omskit.money import Money
from omskit.routing.cost import CostModel, DistanceCostModel, minor_units
from omskit.routing.decision import CandidateNote, LineDecision, RoutingDecision
from omskit.routing.planner import DEFAULT_SEARCH_LIMIT, Plan, PlanLine, plan_order
from omskit.routing.profile import LineRanking, RoutingProfile
from omskit.routing.strategy import CandidateView, Excluded, LineContext

__all__ = ["route"]


class _OrderCache:
    """Per-order memos: a location's distance and its hard-constraint verdict per product kind."""

    def __init__(self, order: Order, origin: GeoPoint | None, pickup: Location | None) -> None:
        self.order = order
        self.origin = origin
        # Click & collect from another location needs a pickup store that takes transfers.
        self.no_transfers = pickup is not None and not pickup.can(Capability.RECEIVE_TRANSFERS)
        self.pickup_id = order.delivery.pickup_location_id
        self.distances: dict[str, float | None] = {}
        self.verdicts: dict[tuple[str, tuple[bool, bool]], str | None] = {}

    def distance(self, location: Location) -> float | None:
        key = location.location_id
        if key not in self.distances:
            origin = self.origin
            self.distances[key] = None if origin is None else origin.distance_km(location.point)
        return self.distances[key]

    def exclusion(self, location: Location, product: Product) -> str | None:
        key = (location.location_id, handling_key(product))
        if key not in self.verdicts:
            verdict = exclusion(
                location,
                channel=self.order.channel,
                product=product,
                pickup_location_id=self.pickup_id,
            )
            if verdict is None and self.no_transfers and location.location_id != self.pickup_id:
                verdict = f"the pickup location {self.pickup_id} does not receive transfers"
            self.verdicts[key] = verdict
        return self.verdicts[key]


def _hard_notes(
    cache: _OrderCache, product: Product, stock: Sequence[tuple[Location, int]]
) -> tuple[list[CandidateView], list[CandidateNote]]:
    views: list[CandidateView] = []
    notes: list[CandidateNote] = []
    for location, sellable in stock:
        distance = cache.distance(location)
        reason = cache.exclusion(location, product)
        if reason is None and sellable <= 0:
            reason = "no sellable stock"
        if reason is not None:
            notes.append(
                CandidateNote(
                    location.location_id,
                    distance,
                    max(sellable, 0),
                    0,
                    True,
                    "excluded: " + reason,
                    excluded_by="eligibility",
                )
            )
        else:
            views.append(CandidateView(location, sellable, distance))
    return views, notes


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
    can receive transfers (``Capability.RECEIVE_TRANSFERS``).
    Lines no location can fill are left unfulfilled, never an exception.
    """
    if not isinstance(profile, RoutingProfile):
        raise InvalidInput("must be a RoutingProfile", path="profile")
    workload = dict(workload or {})
    rankings: list[LineRanking] = []
    hard: list[list[CandidateNote]] = []
    plan_lines: list[PlanLine] = []
    sellable: dict[tuple[str, str], int] = {}
    locations: dict[str, Location] = {}
    if pickup is not None and pickup.location_id != order.delivery.pickup_location_id:
        raise InvalidInput(
            f"is {pickup.location_id!r}, but the order is collected at "
            f"{order.delivery.pickup_location_id!r}",
            path="pickup",
        )
    cache = _OrderCache(order, origin, pickup)
    for index, line in enumerate(order.lines):
        product = products.get(line.sku)
        if product is None:
            raise InvalidInput(f"has no product {line.sku!r}", path=f"lines[{index}].sku")
        entries = stock.get(line.sku, ())
        for location, units in entries:
            sellable[(line.sku, location.location_id)] = max(units, 0)
            locations[location.location_id] = location
        views, notes = _hard_notes(cache, product, entries)
        context = LineContext(order, line, product, origin, workload)
        ranking = profile.rank(context, views)
        rankings.append(ranking)
        hard.append(notes)
        plan_lines.append(
            PlanLine(
                line.line_id,
                line.sku,
                line.quantity,
                product.weight_grams,
                tuple(c.location_id for c in ranking.ranked),
            )
        )
    model = profile.cost_model

    def shipment_cost(location_id: str, grams: int) -> int:
        return minor_units(
            model, location=locations[location_id], origin=origin, weight_grams=grams
        )

    plan = plan_order(
        plan_lines,
        sellable,
        shipment_cost=shipment_cost,
        max_shipments=profile.max_shipments,
        objective=profile.objective,
        search_limit=search_limit,
    )
    # The reported cost in exact money, shipment by shipment, as the cost model prices it.
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
    decisions = tuple(
        _line_decision(order, index, rankings[index], hard[index], plan)
        for index in range(len(order.lines))
    )
    return RoutingDecision(
        order.order_id,
        profile.name,
        decisions,
        profile=profile.label,
        cost=sum(costs[1:], costs[0]) if costs else _nothing_shipped(model),
        decided_by=plan.decided_by,
        exact=plan.exact,
    )


def _nothing_shipped(model: CostModel) -> Money | None:
    """A plan without shipments costs nothing, in the model's currency when it names one."""
    return Money.zero(model.currency) if isinstance(model, DistanceCostModel) else None


def _line_decision(
    order: Order, index: int, ranking: LineRanking, hard: list[CandidateNote], plan: Plan
) -> LineDecision:
    line = order.lines[index]
    allocations = plan.allocations[index]
    taken = {a.location_id: a.quantity for a in allocations}
    last_chosen = max(
        (pos for pos, c in enumerate(ranking.ranked) if c.location_id in taken), default=-1
    )
    notes: list[CandidateNote] = []
    for position, ranked in enumerate(ranking.ranked):
        candidate = ranked.candidate
        units = taken.get(candidate.location_id, 0)
        if units:
            reason = f"chosen for {units} unit(s)"
        elif position < last_chosen and candidate.sellable < line.quantity:
            reason = f"skipped: only {candidate.sellable} sellable, line needs {line.quantity}"
        elif position < last_chosen:
            reason = f"not chosen: {plan.decided_by} won"
        else:
            reason = "not needed: better-ranked locations cover the line"
        notes.append(
            CandidateNote(
                candidate.location_id,
                candidate.distance_km,
                candidate.sellable,
                units,
                False,
                reason,
                scores=_scores(ranking, ranked.scores),
                rank=position,
            )
        )
    for ranked in ranking.excluded:
        candidate = ranked.candidate
        notes.append(
            CandidateNote(
                candidate.location_id,
                candidate.distance_km,
                candidate.sellable,
                0,
                True,
                f"excluded by {ranked.excluded_by}: {ranked.reason}",
                scores=_scores(ranking, ranked.scores),
                excluded_by=ranked.excluded_by,
            )
        )
    notes.extend(sorted(hard, key=lambda n: n.location_id))
    unfulfilled = plan.unfulfilled[index]
    if not allocations:
        decided_by = "no eligible location has sellable stock"
    elif len(allocations) > 1:
        decided_by = f"split over {len(allocations)} locations; {plan.decided_by}"
    else:
        decided_by = plan.decided_by
    return LineDecision(
        line.line_id,
        line.sku,
        line.quantity,
        allocations,
        unfulfilled,
        tuple(notes),
        decided_by,
        ranking.deciding_rule(),
    )


def _scores(
    ranking: LineRanking, scores: tuple[float | Excluded, ...]
) -> tuple[tuple[str, float | None], ...]:
    return tuple(
        zip(
            ranking.rule_names,
            [None if isinstance(score, Excluded) else score for score in scores],
            strict=True,
        )
    )
