"""The express path of routing: orders one location (or two) can fill, without ranking everyone.

Most orders ship from one location. For a ranked profile with no scarcity
charge and the default :class:`~omskit.routing.cost.DistanceCostModel`, the
plan the split planner would choose for such an order follows from stock
and distance, and from the scores of a few locations only:

* **Built-in rules only** (``nearest`` with any of the filters
  ``min_stock`` and ``specialisation``): each filter keeps a set of
  locations per line (``min_stock(n)``: those holding at least
  ``quantity + n``; ``specialisation``: those with the capabilities the
  product needs), shared by every order that routes against the same stock
  tuple. A line's best fill is its quantity, capped by what its kept
  locations hold together; the locations that alone give every line its
  best fill are an intersection of the memoised "at least k units" sets.
  Every line ranks them by distance, then id, so the nearer one has the
  better ranks everywhere: the planner's preference orders them as
  ``(distance, id)`` does. Nothing is scored.
* **Other strategies** (each scoring every candidate on its own, see
  :func:`~omskit.routing.strategy.pointwise`): only the candidates that
  could matter are scored, each once (see :func:`_fitting`). The line
  with the fewest candidates is scored in full; each other line scores
  only the locations that hold every line in full and that the lines
  before it kept. A line that keeps none of them is scored in full, and
  when what it keeps falls short of its quantity the search starts again
  with that line's best fill. When every line taking units ranks the
  locations that fit in the same order, that order is their preference
  order. When that does not decide (no location fits, the lines rank
  differently), every candidate is ranked; if each line's ranking
  is by distance, then id (as ``nearest`` alone ranks), the rules act as
  filters: the candidates each line keeps are a location set, as with the
  built-in rules, and the order is decided as they are (two locations
  included). The lines scored in full go to the general engine, which
  takes them as they are instead of scoring again.
* **Two locations** (built-in rules, the cost objective, a shipping cost
  that does not depend on weight): when no location fills the order, the
  cheapest pair that does has a location holding some of the line held at
  the fewest locations; each of those is completed from the intersection
  of the "at least k units" sets of what it leaves missing, nearest first.

:func:`express` walks those locations exactly as the planner's search does
(cheapest empty shipment first with the cost objective, stopping at the
same bound) and returns the same decision, ``decided_by`` included. The
explanation (every candidate's note) and each line's deciding rule are left
to a function: on the first read of a line, the general engine ranks that
line's every candidate (or finishes the ranking made here) and writes its
notes for the plan decided, as it would have; nothing is planned again. Whatever
it cannot decide exactly as the planner would (a tie it cannot resolve, a
SKU on two lines, a line left short in the paired mode, three or
more locations, no delivery point) makes it return ``None``: the general
engine decides.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from itertools import islice, repeat
from math import asin, dist
from operator import lt
from typing import Any, TypeVar

from omskit.geo import _DIAMETER_KM, GeoPoint, _haversines, _trig, _Vector
from omskit.model import Allocation, Location, Order, Product
from omskit.money import Money
from omskit.routing._eligible import _Eligible
from omskit.routing._memo import IdentityMemo
from omskit.routing.builtins import MinStock, Specialisation, nearest
from omskit.routing.cost import DistanceCostModel
from omskit.routing.decision import ALL_EXCLUDED, NO_STOCK, LineDecision, Notes, RoutingDecision
from omskit.routing.profile import (
    Combine,
    LineRanking,
    Objective,
    RoutingProfile,
    _Scored,
)
from omskit.routing.strategy import Candidates, LineContext, pointwise

__all__ = ["express"]

_V = TypeVar("_V")

_FEWEST = "the fewest shipments"
_CHEAPEST = "the lowest shipping cost"
_BEST_RANKED = "the best-ranked locations"
_IDS = "location ids (every other criterion tied)"


class _Shape:
    """What :func:`express` needs of a profile it can serve.

    ``filters`` are the built-in filters it applies as location sets, when
    the only other rule is ``nearest``; ``scored`` says that some rule is
    another strategy, so candidates are scored by the profile instead.
    """

    __slots__ = ("by_cost", "filters", "model", "scored")

    def __init__(
        self,
        by_cost: bool,
        filters: tuple[MinStock | Specialisation, ...],
        model: DistanceCostModel,
        scored: bool,
    ) -> None:
        self.by_cost = by_cost
        self.filters = filters
        self.model = model
        self.scored = scored


_SHAPES: IdentityMemo[RoutingProfile, _Shape | None] = IdentityMemo(1024)


def _shape(profile: RoutingProfile) -> _Shape | None:
    """``profile``'s shape if :func:`express` can serve it (memoised per profile object)."""
    return _SHAPES.get(profile, _analyse)


def _analyse(profile: RoutingProfile) -> _Shape | None:
    model = profile.cost_model
    if (
        profile.combine is not Combine.RANKED
        or profile.scarcity is not None
        or type(model) is not DistanceCostModel
        or not all(pointwise(rule.strategy) for rule in profile.rules)
    ):
        return None
    filters: list[MinStock | Specialisation] = []
    distance = 0
    scored = False
    for rule in profile.rules:
        strategy = rule.strategy
        if strategy is nearest:
            distance += 1
        elif type(strategy) is MinStock or type(strategy) is Specialisation:
            filters.append(strategy)
        else:
            scored = True
    by_cost = profile.objective is Objective.COST
    return _Shape(by_cost, tuple(filters), model, scored or distance != 1)


class _Later:
    """Each line's notes and deciding rule, made on first use (see :data:`Explain`)."""

    __slots__ = ("_explain", "_lines")

    def __init__(self, explain: Callable[[int], tuple[Notes, str | None]]) -> None:
        self._explain = explain
        self._lines: dict[int, tuple[Notes, str | None]] = {}

    def _line(self, index: int) -> tuple[Notes, str | None]:
        found = self._lines.get(index)
        if found is None:
            found = self._lines[index] = self._explain(index)
        return found

    def notes(self, index: int) -> Notes:
        return self._line(index)[0]

    def rule(self, index: int) -> str | None:
        return self._line(index)[1]


Explain = Callable[[int, Product, tuple[Allocation, ...], str], tuple[Notes, str | None]]
"""A line's notes and deciding rule as the general engine makes them, from the line's ranking.

Given the line's index, its product, its allocations and the plan's
``decided_by``: the notes depend on the plan only through those (its stock
is judged already), so the plan is not made again.
"""


def express(
    order: Order,
    profile: RoutingProfile,
    origin: GeoPoint | None,
    stock: Mapping[str, Sequence[tuple[Location, int]]],
    products: Mapping[str, Product],
    workload: Mapping[str, int],
    judge: Callable[[Product, Sequence[tuple[Location, int]]], _Eligible],
    search_limit: int,
    explain: Explain,
    judged: dict[str, _Eligible],
    ranked: dict[int, LineRanking | _Scored],
) -> RoutingDecision | None:
    """The decision for an order one location fills, as the general engine makes it; else ``None``.

    ``judge`` judges a SKU's stock list against the order's hard constraints;
    each line's, judged, is left in ``judged`` by SKU (for the general
    engine, which then need not judge it again). A line whose every
    candidate it scored with the profile has that ranking (or those scores,
    not ranked yet) left in ``ranked`` by line index (the general engine
    takes them as they are instead of scoring again).
    ``explain`` makes a line's notes and deciding rule when they are first
    read.
    """
    shape = _shape(profile)
    if shape is None or origin is None:
        return None
    lines = order.lines
    taken_products: dict[str, Product] = {}
    for line in lines:
        sku = line.sku
        product = products.get(sku)
        if type(product) is not Product or product.sku != sku or sku in judged:
            return None  # a missing or odd product (the general engine says so) or a shared SKU
        taken_products[sku] = product
        judged[sku] = judge(product, stock.get(sku, ()))
    lists = [judged[line.sku] for line in lines]
    here = _trig(origin.lat, origin.lon)
    kepts: list[_KeptUnits] | None
    pool_has_two = False
    """Whether some two locations may ship part of the order (when the scored path decided)."""
    if shape.scored:
        contexts = [
            LineContext(order, line, taken_products[line.sku], origin, workload) for line in lines
        ]
        verdicts = _Verdicts(profile, here, lists, contexts)
        fitted = _fitting(verdicts)
        if fitted is None:
            kepts = _ranked_by_distance(profile, here, lists, contexts, ranked, verdicts.full)
            if kepts is None:
                return None
            found = _filtered(order, kepts, here, lists, taken_products)
        else:
            found, pool_has_two = fitted
            kepts = None
            # The lines scored in full go to the general engine, for an explanation read later.
            ranked.update((index, scored) for index, (scored, _) in verdicts.full.items())
    else:
        kepts = _filter_sets(order, lists, taken_products, shape.filters)
        found = _filtered(order, kepts, here, lists, taken_products)
    if found is None:
        if kepts is None or not shape.by_cost or profile.max_shipments < 2:
            return None
        paired = _pair(order, shape, here, lists, kepts, search_limit)
        if paired is None:
            return None
        fills, paid, why = paired
        return _decision(order, profile, shape, fills, paid, why, explain, taken_products, lists)
    needs, walk, position, grams = found
    if len(walk) > search_limit:
        return None
    minor_km = shape.model._minor_km
    if shape.by_cost:
        # (A cost model without a weight term prices the filled shipment as the empty one.)
        weighed = grams if shape.model._rates[2] else 0
        chosen, cost, runner_up = _cheapest(walk, position, minor_km, weighed)
    else:
        chosen, cost, runner_up = _preferred(walk, position, minor_km, grams)
    if runner_up is not None:
        decided_by = runner_up
    elif pool_has_two if kepts is None else _pool_has_two(lists, kepts):
        decided_by = _FEWEST
    else:
        decided_by = "the only plan"

    taken: _Fills = [((chosen, need),) if need else () for need in needs]
    return _decision(order, profile, shape, taken, cost, decided_by, explain, taken_products, lists)


_Fills = list[tuple[tuple[str, int], ...]]
"""Per line the (location id, units) it takes, in fill order."""


def _decision(
    order: Order,
    profile: RoutingProfile,
    shape: _Shape,
    taken: _Fills,
    cost: int,
    decided_by: str,
    explain: Explain,
    products: Mapping[str, Product],
    judged: Sequence[_Eligible],
) -> RoutingDecision:
    """The decision for the plan ``taken`` at ``cost``; its explanation is left to ``explain``.

    (A line that takes nothing here either has no candidate or keeps none: the
    express path leaves no line short for the shipment limit.)
    """
    lines = order.lines
    taken_by_line: list[tuple[Allocation, ...]] = []

    def explained(index: int) -> tuple[Notes, str | None]:
        return explain(index, products[lines[index].sku], taken_by_line[index], decided_by)

    later = _Later(explained)
    decisions = []
    allocations: tuple[Allocation, ...]
    for index, (line, pairs) in enumerate(zip(lines, taken, strict=True)):
        quantity = line.quantity
        if len(pairs) == 1:
            ((loc, units),) = pairs
            why, allocations, left = decided_by, (_allocation(loc, units),), quantity - units
        elif not pairs:
            why = ALL_EXCLUDED if judged[index].ids else NO_STOCK
            allocations, left = (), quantity
        else:
            why = f"split over {len(pairs)} locations; {decided_by}"
            allocations = tuple([_allocation(loc, units) for loc, units in pairs])
            left = quantity - sum([units for _, units in pairs])
        taken_by_line.append(allocations)
        decisions.append(
            LineDecision(
                line.line_id,
                line.sku,
                quantity,
                allocations,
                left,
                partial(later.notes, index),
                why,
                partial(later.rule, index),
            )
        )
    return RoutingDecision(
        order.order_id,
        profile.name,
        tuple(decisions),
        profile=profile.label,
        cost=_money(cost, shape.model.currency),
        decided_by=decided_by,
    )


_ALLOCATIONS: dict[tuple[str, int], Allocation] = {}
_MONEY: dict[tuple[int, str], Money] = {}
_VALUES_LIMIT = 65_536


def _allocation(location_id: str, units: int) -> Allocation:
    """``Allocation(location_id, units)``, the same immutable value for the same pair.

    Decisions share them: most orders take a few units from the same
    locations. Bounded: cleared at ``_VALUES_LIMIT`` entries.
    """
    found = _ALLOCATIONS.get((location_id, units))
    if found is None:
        found = _keep(_ALLOCATIONS, (location_id, units), Allocation(location_id, units))
    return found


def _money(minor: int, currency: str) -> Money:
    """``Money.from_minor(minor, currency)``, shared as :func:`_allocation` shares its values."""
    found = _MONEY.get((minor, currency))
    if found is None:
        found = _keep(_MONEY, (minor, currency), Money.from_minor(minor, currency))
    return found


def _keep(table: dict[Any, Any], key: object, value: _V) -> _V:
    """Put ``value`` in ``table`` under ``key``, clearing the table first when it is full."""
    if len(table) >= _VALUES_LIMIT:
        table.clear()
    table[key] = value
    return value


def _pair(
    order: Order,
    shape: _Shape,
    here: _Vector,
    judged: Sequence[_Eligible],
    kepts: Sequence[_KeptUnits],
    search_limit: int,
) -> tuple[_Fills, int, str] | None:
    """The cheapest two locations that fill every line, as the planner's search finds them.

    For the cost objective with a cost per shipment that does not depend on
    its weight, when no location fills the order alone but every line can
    be filled. One location of every such pair holds some of the line held
    at the fewest locations; each of those holders is completed by the
    cheapest location holding what it leaves missing (an intersection of
    the memoised "at least k units" sets), holders nearest (so cheapest)
    first, until the next one could not be completed as cheaply as the best
    pair (pairs of the same cost are told apart by their preference, as the
    planner does). When only one
    pair fills the order, whether the planner's search cuts anything off
    decides ``decided_by``: see :func:`_lone_pair`. ``None`` whenever the
    planner's answer could turn on something this does not follow: a search
    that could stop at its step limit.
    """
    model = shape.model
    if model._rates[2] != 0:
        return None  # the weight counts: the cost of a pair depends on how the lines split
    lines = order.lines
    columns = []
    pool: set[str] = set()
    vectors: dict[str, _Vector] = {}
    for line, eligible, (kept, total) in zip(lines, judged, kepts, strict=True):
        units = eligible.held()
        if total < line.quantity:
            return None  # a line left short: the best fill is another question
        held = eligible.units if kept is None else list(map(units.__getitem__, kept))
        if max(held, default=0) < line.quantity and sum(heapq.nlargest(2, held)) < line.quantity:
            return None  # no two locations hold the line
        columns.append((units, kept, line.quantity))
        pool.update(units if kept is None else kept)
        vectors.update(eligible.vector_of())
    size = len(pool)
    if size * (size + 1) // 2 + size > search_limit:
        return None

    def completions_of(first: str) -> frozenset[str] | None:
        """The locations holding what ``first`` leaves missing (``None``: nothing is)."""
        found: frozenset[str] | None = None
        for units, kept, quantity in columns:
            held = units.get(first, 0) if kept is None or first in kept else 0
            if held >= quantity:
                continue
            where = units.at_least(quantity - held)
            if kept is not None:
                where = where & kept
            found = where if found is None else found & where
        return found

    # A pair that fills every line holds some of each line, so one of its locations holds
    # some of the line held at the fewest locations: every pair is such a holder with a
    # location holding what it leaves missing. No pair: three locations or more.
    holders = min((units.keys() if kept is None else kept for units, kept, _ in columns), key=len)
    partners: list[tuple[float, str, frozenset[str]]] = []
    near: set[str] = set()
    """Every location of some pair."""
    for first in holders:
        completions = completions_of(first)
        if completions is None:
            return None  # one location fills it all (the planner's sets of one would have)
        others = completions - {first} if first in completions else completions
        if others:
            partners.append((dist(here, vectors[first]), first, others))
            near.add(first)
            near.update(others)
    if not partners:
        return None
    chords = dict(zip(near, map(dist, repeat(here), map(vectors.__getitem__, near)), strict=True))
    minor_km = model._minor_km
    costs: dict[str, int] = {}

    def cost_of(loc: str) -> int:
        found = costs.get(loc)
        if found is None:
            found = costs[loc] = minor_km(_km(chords[loc]), 0)
        return found

    # Whether two pairs fill the order (a runner-up exists).
    two = len(partners) > 1 or len(partners[0][2]) > 1
    if two and all(len(others) == 1 for _, _, others in partners):
        two = len({(min(first, loc), max(first, loc)) for _, first, (loc,) in partners}) > 1
    # The cheapest pair: each holder with its nearest partner (then the lowest id; costs never
    # fall with distance), holders nearest first, until even the nearest location of all
    # could not complete the next one as cheaply as the best pair.
    partners.sort()
    cheapest = minor_km(_km(min(chords.values())), 0)
    best: int | None = None
    """The lowest cost of a pair so far."""
    tied: set[tuple[str, str]] = set()
    """The pairs of that cost."""
    for _, first, others in partners:
        cost = cost_of(first)
        if best is not None and cost + cheapest > best:
            break
        by_chord = list(zip(map(chords.__getitem__, others), others, strict=True))
        nearest = min(by_chord)
        total = cost + cost_of(nearest[1])
        if best is None or total < best:
            best, tied = total, set()
        if total == best:
            # Every partner as cheap as the nearest.
            ranked = sorted(by_chord) if len(by_chord) > 1 else [nearest]
            for _, loc in ranked:
                if cost + cost_of(loc) != total:
                    break
                tied.add((min(first, loc), max(first, loc)))
    if best is None:
        return None
    if not two:
        (pair,) = tied
        # (The planner's cut-off turns on the whole pool's distances.)
        chords.update(
            zip(pool, map(dist, repeat(here), map(vectors.__getitem__, pool)), strict=True)
        )
        why = _lone_pair(best, chords, cost_of)
        return _filled(pair, columns, chords), best, why
    if len(tied) == 1:
        (pair,) = tied
        return _filled(pair, columns, chords), best, _CHEAPEST
    # Pairs of the same cost: the preference decides, then the ids (as the planner's key).
    ranks = _ranks(judged, columns, here)
    plans = sorted(
        (_preference(taken, ranks), pair, taken)
        for pair in tied
        for taken in [_filled(pair, columns, chords)]
    )
    decided_by = _BEST_RANKED if plans[0][0] != plans[1][0] else _IDS
    return plans[0][2], best, decided_by


def _lone_pair(
    cost: int,
    chords: Mapping[str, float],
    cost_of: Callable[[str], int],
) -> str:
    """``decided_by`` when one pair alone (at ``cost``) fills the order.

    The planner's pairs search gives each pool location a position, cheapest
    empty shipment first (ties by id), and tries every position but the
    last as the first of a pair. Once the pair is found, it stops at the
    first position whose own empty shipment and the next one cost more than
    the pair: those pairs are cut off, and one of them stands for the
    runner-up, on cost. The sum never falls as the position grows, and it
    is largest for the two dearest locations; if they are the pair itself,
    no position is left after its first. So the cut comes exactly when the
    two dearest locations cost more than the pair. Otherwise nothing came
    second, and the fewest shipments decided (or it was the only plan, with
    a pool of two). ``chords`` are the pool's, by location: the cost never
    falls as they grow.
    """
    if sum(map(cost_of, heapq.nlargest(2, chords, key=chords.__getitem__))) > cost:
        return _CHEAPEST
    return _FEWEST if len(chords) > 2 else "the only plan"


def _filled(
    pair: tuple[str, str],
    columns: Sequence[tuple[Mapping[str, int], frozenset[str] | None, int]],
    chords: Mapping[str, float],
) -> _Fills:
    """What each line takes from ``pair``, its better-ranked location first.

    That is the nearer, then the lower id: the lines rank by distance.
    """
    near, far = sorted(pair, key=lambda loc: (_km(chords[loc]), loc))
    taken = []
    for units, kept, quantity in columns:
        fill = []
        for loc in (near, far):
            held = units.get(loc, 0) if kept is None or loc in kept else 0
            if held and quantity:
                take = held if held < quantity else quantity
                fill.append((loc, take))
                quantity -= take
        taken.append(tuple(fill))
    return taken


def _ranks(
    judged: Sequence[_Eligible],
    columns: Sequence[tuple[Mapping[str, int], frozenset[str] | None, int]],
    here: _Vector,
) -> list[dict[str, int]]:
    """Each line's ranking positions: its kept candidates by distance, then id."""
    found = []
    for eligible, (_, kept, _) in zip(judged, columns, strict=True):
        ordered = sorted(
            (_km(dist(here, vector)), loc)
            for loc, vector in zip(eligible.ids, eligible.vectors, strict=True)
            if kept is None or loc in kept
        )
        found.append({loc: position for position, (_, loc) in enumerate(ordered)})
    return found


def _preference(
    taken: Sequence[tuple[tuple[str, int], ...]], ranks: Sequence[Mapping[str, int]]
) -> int:
    """The planner's preference of a plan: each unit's location's place in its line's ranking."""
    return sum(
        rank[loc] * units for fill, rank in zip(taken, ranks, strict=True) for loc, units in fill
    )


_Found = tuple[list[int], list[tuple[float, str]], Mapping[str, int] | None, int]
"""Per line the units its best fill takes; the locations that fit, as (chord, id) nearest
first; their place in the lines' preference order (``None``: by distance, then id); the
grams one location ships."""


def _filtered(
    order: Order,
    kepts: Sequence[_KeptUnits],
    here: _Vector,
    judged: Sequence[_Eligible],
    products: Mapping[str, Product],
) -> _Found | None:
    """The locations that fit, with what each line may take from (``kepts``) as location sets."""
    needs: list[int] = []
    fits: frozenset[str] | None = None
    vector_of = None
    grams = 0
    for line, eligible, (kept, total) in zip(order.lines, judged, kepts, strict=True):
        product = products[line.sku]
        units = eligible.held()
        quantity = line.quantity
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
    if fits is None or vector_of is None:
        return None
    walk = sorted([(dist(here, vector_of[loc]), loc) for loc in fits])
    # Every line ranks by distance then id, so the nearer location has the better ranks.
    return needs, walk, None, grams


_KeptUnits = tuple[frozenset[str] | None, int]
"""The candidates a line may take from (``None``: every one), and the units they hold."""


def _score_all(
    profile: RoutingProfile, here: _Vector, eligible: _Eligible, context: LineContext
) -> tuple[_Scored, list[float]]:
    """Every candidate of a line scored with the profile, and their distances (km)."""
    km = _haversines(here, eligible.vectors)
    candidates = Candidates(eligible.locations, eligible.units, km, eligible.ids)
    return profile._score(context, candidates), km


def _ranked_by_distance(
    profile: RoutingProfile,
    here: _Vector,
    judged: Sequence[_Eligible],
    contexts: Sequence[LineContext],
    ranked: dict[int, LineRanking | _Scored],
    full: Mapping[int, tuple[_Scored, list[float]]],
) -> list[_KeptUnits] | None:
    """What each line may take from, when the profile ranks every line's candidates by distance.

    Every candidate of every line is scored with the profile (the scores,
    or the ranking, are left in ``ranked`` for the general engine). When
    each line ranks the candidates it keeps by distance, then id, as
    ``nearest`` alone would, the rules amount to filters: the candidates
    they keep are a location set per line, and the filtered path (or the
    pairs) decides as the planner would. ``None`` as soon as a line ranks
    otherwise. When the scores alone show the order (a rule scores each
    kept candidate its distance, the others score them alike), the ranking
    is not made: only a read of the explanation needs it. ``full`` holds
    the lines scored in full already, by index (see :func:`_score_all`).
    """
    kepts: list[_KeptUnits] = []
    for index, (context, eligible) in enumerate(zip(contexts, judged, strict=True)):
        ids = eligible.ids
        scored, km = full[index] if index in full else _score_all(profile, here, eligible, context)
        positions: Sequence[int]
        if scored.by_distance(km):
            # The scores alone say the ranking is by distance: it is finished only if read.
            ranked[index] = scored
            positions = scored.kept
        else:
            ranking = profile._finish(scored)
            ranked[index] = ranking
            positions = ranking.order
            if not _by_distance_then_id(positions, km, ids):
                return None
        if not scored.first_exclusion:
            kepts.append((None, eligible.total))
            continue
        units = eligible.units
        kepts.append(
            (frozenset(map(ids.__getitem__, positions)), sum(map(units.__getitem__, positions)))
        )
    return kepts


def _by_distance_then_id(positions: Sequence[int], km: Sequence[float], ids: Sequence[str]) -> bool:
    """Whether ``positions`` go by ``km``, then id, as ``nearest`` alone ranks them.

    One walk when every distance differs from the next (the usual case);
    a sort only when two are equal.
    """
    kms = list(map(km.__getitem__, positions))
    if all(map(lt, kms, islice(kms, 1, None))):
        return True
    return list(positions) == sorted(positions, key=lambda at: (km[at], ids[at]))


def _filter_sets(
    order: Order,
    judged: Sequence[_Eligible],
    products: Mapping[str, Product],
    filters: Sequence[MinStock | Specialisation],
) -> list[_KeptUnits]:
    """Per line, what the built-in ``filters`` keep (see :func:`_kept`)."""
    return [
        _kept(eligible, line.quantity, products[line.sku], filters)
        for line, eligible in zip(order.lines, judged, strict=True)
    ]


def _kept(
    eligible: _Eligible,
    quantity: int,
    product: Product,
    filters: Sequence[MinStock | Specialisation],
) -> _KeptUnits:
    """The candidates the built-in ``filters`` keep for a line (``None``: all), and their units."""
    kept: frozenset[str] | None = None
    units = eligible.held()
    for rule in filters:
        if isinstance(rule, MinStock):
            # (The line's quantity is its SKU's: the express path leaves a SKU on two lines
            # to the general engine.)
            passed = units.at_least(quantity + rule.units)
        else:
            needed = rule.needs_for(product)
            if not needed:
                continue
            passed = eligible.capable(needed)
        kept = passed if kept is None else kept & passed
    if kept is None:
        return None, eligible.total
    return kept, sum(map(units.__getitem__, kept))


class _Verdicts:
    """The profile's verdicts on the candidates of each line, scored only as they are asked for.

    Every rule scores each candidate on its own (see
    :func:`~omskit.routing.strategy.pointwise`), so a candidate's scores do
    not depend on which others are scored with it: a line's candidates can
    be scored a few at a time, each once, and ranked later among any of
    them as the line's full ranking ranks them. ``full`` holds the lines
    scored in full (every candidate), with their distances, by line index.
    """

    __slots__ = ("contexts", "full", "here", "judged", "keys", "profile")

    def __init__(
        self,
        profile: RoutingProfile,
        here: _Vector,
        judged: Sequence[_Eligible],
        contexts: Sequence[LineContext],
    ) -> None:
        self.profile = profile
        self.here = here
        self.judged = judged
        self.contexts = contexts
        self.keys: list[dict[str, Any]] = [{} for _ in judged]
        """Per line, each scored candidate's sort key (``None``: excluded): its score with
        one rule, else its scores in rule order."""
        self.full: dict[int, tuple[_Scored, list[float]]] = {}

    def kept(self, index: int, locations: Sequence[str]) -> list[str]:
        """Those of ``locations`` (candidates of line ``index``) that no rule excludes, in order."""
        keys = self.keys[index]
        new = [loc for loc in locations if loc not in keys]
        if new:
            eligible = self.judged[index]
            location_of, units, vector_of = (
                eligible.location_of(),
                eligible.held(),
                eligible.vector_of(),
            )
            km = _haversines(self.here, [vector_of[loc] for loc in new])
            candidates = Candidates(
                [location_of[loc] for loc in new], [units[loc] for loc in new], km, new
            )
            self._keep(keys, new, self.profile._score(self.contexts[index], candidates))
        return [loc for loc in locations if keys[loc] is not None]

    @staticmethod
    def _keep(keys: dict[str, Any], ids: Sequence[str], scored: _Scored) -> None:
        columns = scored.columns
        # One rule: its score is the key itself (every line of a profile has as many).
        keys.update(
            zip(ids, columns[0] if len(columns) == 1 else zip(*columns, strict=True), strict=True)
        )
        for at in scored.first_exclusion:
            keys[ids[at]] = None

    def in_full(self, index: int) -> tuple[_Scored, list[float]]:
        """Line ``index`` with every candidate scored (see :func:`_score_all`), and the km."""
        found = self.full.get(index)
        if found is None:
            eligible = self.judged[index]
            found = _score_all(self.profile, self.here, eligible, self.contexts[index])
            self.full[index] = found
            self._keep(self.keys[index], eligible.ids, found[0])
        return found

    def kept_in_full(self, index: int) -> tuple[frozenset[str], int]:
        """Every candidate of line ``index`` that the rules keep, and the units they hold."""
        scored, _ = self.in_full(index)
        eligible = self.judged[index]
        kept = scored.kept
        return (
            frozenset(map(eligible.ids.__getitem__, kept)),
            sum(map(eligible.units.__getitem__, kept)),
        )

    def ranked(self, index: int, locations: Sequence[str]) -> list[str]:
        """``locations`` (scored and kept on line ``index``) as the line's ranking orders them.

        By their scores in rule order, then id: as the profile ranks (a rule
        that scores every kept candidate alike cannot change that order).
        """
        keys = self.keys[index]
        return sorted(locations, key=lambda loc: (keys[loc], loc))

    def another_kept(self, location: str) -> bool:
        """Whether some line keeps a candidate other than ``location`` (scoring as needed)."""
        for keys in self.keys:
            if any(key is not None and loc != location for loc, key in keys.items()):
                return True
        for index in sorted(range(len(self.judged)), key=lambda at: len(self.judged[at].ids)):
            if index not in self.full:
                kept, _ = self.kept_in_full(index)
                if kept - {location}:
                    return True
        return False


def _fitting(verdicts: _Verdicts) -> tuple[_Found, bool] | None:
    """The locations that alone give every line its best fill, scored by the profile's rules.

    Every rule is pointwise, so only the candidates that could matter are
    scored. A line's best fill is its quantity when the candidates its
    rules keep hold that much together, else all they hold. The first line
    scores the locations holding every line in full; each later line
    scores only those the lines before it kept. When a line keeps none of
    them, it is scored in full: if its kept candidates hold less than its
    quantity, its best fill is what they hold (nothing: the line is left
    unfulfilled; some: only a location holding all of it fits) and the
    search starts again without it; else no location fits. The plan then
    follows from the order in which the lines rank the locations that fit,
    if every line taking units ranks them alike (the location that ranks
    better everywhere has the better preference). Returns the fitting
    locations as :func:`_filtered` does, and whether some two locations
    may ship part of the order (``decided_by`` of a lone fit turns on it);
    ``None`` when something else decides (no location fits, the lines rank
    differently): see :func:`_ranked_by_distance`.
    """
    judged, contexts = verdicts.judged, verdicts.contexts
    needs = [context.quantity for context in contexts]
    short: dict[int, frozenset[str]] = {}
    """Lines whose kept candidates hold less than the quantity: those candidates."""
    # The line with the fewest candidates first, scored in full (it is the cheapest to, and
    # the likeliest to keep too few units).
    lines = sorted(range(len(judged)), key=lambda at: len(judged[at].ids))
    verdicts.in_full(lines[0])
    while True:
        fits: frozenset[str] | None = None
        for index, eligible in enumerate(judged):
            need = needs[index]
            if need:
                where = eligible.held().at_least(need)
                if index in short:
                    where = where & short[index]
                fits = where if fits is None else fits & where
                if not fits:
                    return None
        if fits is None:
            return None  # no line can take a unit: the general engine says so
        alive = sorted(fits)
        for index in lines:
            need = needs[index]
            if not need or index in short:
                continue  # (a short line's fitting locations are known already)
            kept = verdicts.kept(index, alive)
            if kept:
                alive = kept
                continue
            every, total = verdicts.kept_in_full(index)
            if total >= need:
                return None  # the line fills from elsewhere, but nowhere with the others
            needs[index] = total
            if total:
                short[index] = every
            break  # the search starts again with this line's best fill
        else:
            break
    taking = [index for index, need in enumerate(needs) if need]
    common = verdicts.ranked(taking[0], alive)
    for index in taking[1:]:
        if verdicts.ranked(index, alive) != common:
            return None  # the lines rank the fitting locations differently
    pooled = len(common) > 1 or verdicts.another_kept(common[0])
    position = {loc: at for at, loc in enumerate(common)}
    vector_of = judged[taking[0]].vector_of()
    walk = sorted([(dist(verdicts.here, vector_of[loc]), loc) for loc in common])
    grams = sum(
        context.product.weight_grams * need for context, need in zip(contexts, needs, strict=True)
    )
    found: _Found = (needs, walk, position, grams)
    return found, pooled


def _km(chord: float) -> float:
    """The great-circle km of a chord between unit vectors (the engine's very floats)."""
    return _DIAMETER_KM * asin(min(1.0, chord / 2))


def _cheapest(
    walk: Sequence[tuple[float, str]],
    position: Mapping[str, int] | None,
    minor_km: Callable[[float | None, int], int],
    grams: int,
) -> tuple[str, int, str | None]:
    """The planner's single-location search with the cost objective: (winner, cost, decided_by).

    The planner takes locations cheapest empty shipment first, ties by id;
    fills each and compares them on (cost, preference); and stops at the
    first whose empty shipment costs more than the best plan, which then
    stands for the runner-up (cost only). ``decided_by`` is ``None`` when no
    plan came second. ``grams`` is what the filled shipment weighs (0: its
    cost is the empty shipment's).

    The walk here is nearest first, along which the cost never decreases:
    the locations the planner compares are a run of whole groups of equal
    cost from the start, and the winner, the runner-up's cost and whether
    it ties follow from which locations were compared, not from their order.
    So the walk is taken as it is, without putting each group in id order.
    """
    best: tuple[int, Any, str] | None = None
    second: int | None = None
    """The runner-up's cost (it differs from the best's, or the preference decided)."""
    tied = False
    for chord, loc in walk:
        km = _km(chord)
        empty = minor_km(km, 0)
        if best is not None and empty > best[0]:
            # The sets cut off: their cost, and nothing else known.
            if second is None or empty < second:
                second, tied = empty, False
            break
        key = (
            minor_km(km, grams) if grams else empty,
            (km, loc) if position is None else position[loc],
            loc,
        )
        if best is None or key < best:
            if best is not None:
                second, tied = best[0], best[0] == key[0]
            best = key
        elif second is None or key[0] <= second:
            second, tied = key[0], key[0] == best[0]
    assert best is not None
    if second is None:
        return best[2], best[0], None
    return best[2], best[0], _BEST_RANKED if tied else _CHEAPEST


def _preferred(
    walk: Sequence[tuple[float, str]],
    position: Mapping[str, int] | None,
    minor_km: Callable[[float | None, int], int],
    grams: int,
) -> tuple[str, int, str | None]:
    """The planner's single-location search with the preference objective.

    Every location is filled; the one with the best ranks on every line wins
    on preference, and any other is the runner-up. Only the winner's
    distance is needed: by distance, then id, it is the first of the walk
    unless a later one rounds to the same km with a lower id (the km never
    decrease along the walk, so those come right after it).
    """
    if position is None:
        chord, chosen = walk[0]
        km = _km(chord)
        for later, loc in islice(walk, 1, None):
            if _km(later) != km:
                break
            chosen = min(chosen, loc)
    else:
        chord, chosen = min(walk, key=lambda entry: position[entry[1]])
        km = _km(chord)
    runner_up = _BEST_RANKED if len(walk) > 1 else None
    return chosen, minor_km(km, grams), runner_up


def _pool_has_two(judged: Sequence[_Eligible], kepts: Sequence[_KeptUnits]) -> bool:
    """Whether the planner's pool (every location some line may take from) holds two or more.

    It looks no further than the second location it meets.
    """
    first: str | None = None
    for eligible, (kept, _) in zip(judged, kepts, strict=True):
        for loc in eligible.ids if kept is None else kept:
            if first is None:
                first = loc
            elif loc != first:
                return True
    return False
