"""Split planning (B4): which locations ship how many units of each line.

The planner receives, per line, the eligible locations ranked best first
(by a :class:`~omskit.routing.profile.RoutingProfile`) and the sellable
stock per (SKU, location), and chooses a *plan*: allocations per line, the
units left unfulfilled, the locations that ship. Plans are compared on:

1. the fewest unfulfilled units (never an exception: what no location can
   supply becomes a backorder);
2. the fewest shipments (distinct locations), at most ``max_shipments``;
3. with ``Objective.PREFERENCE``: the preference, the sum over allocated
   units of their location's position in the line's ranking (0 is best),
   then the shipping cost; with ``Objective.COST`` the other way round;
4. the sorted location ids, so the result is deterministic.

A profile's scarcity charge (``charges``, see :mod:`omskit.routing.scarcity`)
counts with the shipping cost in 3: it never costs a unit of fill or a
shipment, and :attr:`Plan.cost_minor` stays the shipping cost alone.

Within a set of locations each line takes units from its best-ranked
locations first, so a line is split over two locations only when the set
needs it. Lines of one SKU share its stock, in line order.

The search
----------
Sets of 1, 2, ... locations are examined in turn, the first size that
reaches the best possible fill wins. Only sets whose locations together
hold the units each SKU needs are filled and compared: a set of one is
drawn from the locations that hold everything; in a larger set the last
location is drawn from a bitmask of the locations that hold what the
others leave missing (an AND of a few integers); which positions can be
completed that way is kept per set of missing units, so the many prefixes
of a set of three or more that leave the same units missing share it.
Missing units that no two locations hold together are recognised from
the few locations holding the SKU held at the fewest, none of which has a
partner, instead of from every location. When the lines of each SKU may
all take from the same locations (the usual case), every location of a
larger set must also hold some of what the ones before it leave missing:
at that size no smaller set reached the fill, so none of its locations
can be idle.

With ``Objective.COST`` locations are taken cheapest empty shipment first,
and a set costs at least the sum of its empty shipments (as long as the
cost model never gets cheaper when a parcel gets heavier): the search
stops as soon as that bound exceeds the best plan found, usually after a
handful of sets (the first set that reaches the fill sets the bound; for
four or more locations a greedy plan found first sets it, as such searches
run deep before the first set is found). Sets cut off this way count as
costing their bound when ``decided_by`` names what beat the runner-up. With
``Objective.PREFERENCE`` every promising set of a size is tried.

When no set within the shipment limit reaches the best possible fill, the
best plan fills as much as any such set can. With one line per SKU a set's
unfilled units follow from the units its locations hold, without filling
it, so a branch-and-bound over the sets (bounded by what the best location
still to come could add) first finds the fewest unfilled units any set
leaves; only the sets that leave that few are filled and priced. With a
SKU on two lines every set is filled.

The search is exact while it takes at most ``search_limit`` steps (default
20 000; a step is one set filled or one partial set extended). Beyond it
the planner falls back to a greedy cover: it adds, one at a time, the
location that covers most of the units still missing (ties: better ranked,
then id), and reports ``exact = False``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from itertools import combinations, repeat
from math import comb

import attrs

from omskit.errors import InvalidInput
from omskit.model import Allocation
from omskit.routing.profile import Objective

__all__ = ["DEFAULT_SEARCH_LIMIT", "NOTHING_TO_SHIP", "Plan", "PlanLine", "plan_order"]

DEFAULT_SEARCH_LIMIT = 20_000
"""How many steps the exact search may take (a set filled or a partial set extended)
before the greedy fallback plans instead (see the module docstring)."""

_CRITERIA = {
    Objective.PREFERENCE: ("unfulfilled", "shipments", "preference", "cost", "ids"),
    Objective.COST: ("unfulfilled", "shipments", "cost", "preference", "ids"),
}
_WORDS = {
    "unfulfilled": "the most units filled",
    "shipments": "the fewest shipments",
    "preference": "the best-ranked locations",
    "cost": "the lowest shipping cost",
    "ids": "location ids (every other criterion tied)",
}
NOTHING_TO_SHIP = "nothing to ship: no line has a location to fill it"
"""``decided_by`` of a plan that allocates nothing."""
_CHARGED_COST = "the lowest shipping cost with the scarcity charge"
"""What ``cost`` means when a scarcity charge counts (see :mod:`omskit.routing.scarcity`)."""


@attrs.frozen
class PlanLine:
    """One line to plan: what it needs and where it may come from, best first."""

    line_id: str
    sku: str
    quantity: int
    unit_weight_grams: int
    ranked: tuple[str, ...]
    """Eligible location ids, best first."""


@attrs.frozen
class Plan:
    """The chosen allocations of an order, and why this plan won."""

    allocations: tuple[tuple[Allocation, ...], ...]
    """Per line, in line order."""
    unfulfilled: tuple[int, ...]
    locations: tuple[str, ...]
    """The locations that ship something, sorted."""
    cost_minor: int
    """The shipping cost of the plan in minor units of the cost model's currency."""
    preference: int
    exact: bool
    """Whether the exact search found it (else the greedy fallback did)."""
    examined: int
    """How many location sets were filled and compared."""
    decided_by: str
    """The criterion that set this plan apart from the runner-up, in words."""
    charge_minor: int = 0
    """The scarcity charge that counted with the cost (not part of ``cost_minor``)."""

    @property
    def shipments(self) -> int:
        """How many locations ship something."""
        return len(self.locations)


_Key = tuple[int, int, int, int, tuple[str, ...]]
_Taken = tuple[tuple[tuple[str, int], ...], ...]
"""Per line, (location id, units) pairs."""
_Rates = Mapping[str, Mapping[str, float]]
"""Per SKU: location id -> scarcity charge per unit taken there, in minor units."""


class _Units(dict[str, int]):
    """One SKU's units per location that nobody changes, with memoised threshold sets.

    The engine shares one of these between every order that routes the same
    stock list (see :mod:`omskit.routing.engine`), so the locations holding
    at least ``k`` units are found once per stock list, not once per order.
    Read-only by convention: the planner never writes to ``held``.
    """

    __slots__ = ("_at_least",)

    def __init__(self, pairs: Iterable[tuple[str, int]]) -> None:
        super().__init__(pairs)
        self._at_least: dict[int, frozenset[str]] = {}

    def at_least(self, units: int) -> frozenset[str]:
        """The locations holding at least ``units``."""
        found = self._at_least.get(units)
        if found is None:
            found = self._at_least[units] = frozenset(
                [loc for loc, held in self.items() if held >= units]
            )
        return found


def _at_least(units: Mapping[str, int], need: int) -> Set[str]:
    """The locations in ``units`` holding at least ``need`` (memoised for :class:`_Units`)."""
    if type(units) is _Units:
        return units.at_least(need)
    return {loc for loc, held in units.items() if held >= need}


class _Search:
    def __init__(
        self,
        lines: Sequence[PlanLine],
        held: Mapping[str, Mapping[str, int]],
        shipment_cost: Callable[[str, int], int],
        objective: Objective,
        rates: _Rates | None = None,
        empty_shipments: Callable[[Sequence[str]], list[int]] | None = None,
    ) -> None:
        self.lines = lines
        self.empty_shipments = empty_shipments
        """``shipment_cost(loc, 0)`` for many locations in one call (optional, the same costs)."""
        self.held = held
        """Per SKU: location -> units (positive), where some line of the SKU may take them."""
        self.shipment_cost = shipment_cost
        self.order = _CRITERIA[objective]
        self.rank = [dict(zip(line.ranked, range(len(line.ranked)), strict=True)) for line in lines]
        self.costs: dict[tuple[str, int], int] = {}
        self.examined = 0
        self.best: tuple[_Key, _Taken, tuple[int, ...]] | None = None
        self.runner_up: _Key | None = None
        self.rates = rates or None
        """Scarcity charges per unit (``None``: no charge)."""
        self.charge = 0
        """The scarcity charge of the best plan so far."""

    def restart(self) -> None:
        """Forget the plans considered so far (the memo of costs stays)."""
        self.examined = 0
        self.best = None
        self.runner_up = None

    def fill(self, allowed: Sequence[str] | None) -> tuple[_Taken, tuple[int, ...]]:
        """Each line takes from its best-ranked ``allowed`` locations first (all when ``None``).

        Allocations are (location id, units) pairs here; :func:`plan_order`
        makes :class:`~omskit.model.Allocation` values of the winner only.
        """
        left: dict[tuple[str, str], int] = {}
        allocations = []
        unfulfilled = []
        held = self.held
        for line, rank in zip(self.lines, self.rank, strict=True):
            need = line.quantity
            sku = line.sku
            units = held[sku]
            taken = []
            if allowed is None:
                order: Sequence[str] = line.ranked
            else:
                order = sorted([loc for loc in allowed if loc in rank], key=rank.__getitem__)
            for loc in order:
                key = (sku, loc)
                available = left.get(key)
                if available is None:
                    available = units.get(loc, 0)
                if available <= 0:
                    continue
                take = available if available < need else need
                left[key] = available - take
                taken.append((loc, take))
                need -= take
                if need == 0:
                    break
            allocations.append(tuple(taken))
            unfulfilled.append(need)
        return tuple(allocations), tuple(unfulfilled)

    def empty_costs(self, locations: Sequence[str]) -> list[int]:
        """The cost of an empty shipment from each of ``locations`` (memoised, as in cost_of)."""
        costs = self.costs
        if self.empty_shipments is None:
            return [self.cost_of(loc, 0) for loc in locations]
        found = self.empty_shipments(locations)
        costs.update(zip(zip(locations, repeat(0)), found, strict=True))
        return found

    def cost_of(self, location_id: str, grams: int) -> int:
        key = (location_id, grams)
        found = self.costs.get(key)
        if found is None:
            found = self.costs[key] = self.shipment_cost(location_id, grams)
        return found

    def consider(self, allowed: Sequence[str] | None) -> int:
        """Fill with ``allowed`` locations (all when ``None``), keep it if best; return unfilled."""
        self.examined += 1
        allocations, unfulfilled = self.fill(allowed)
        weights: dict[str, int] = {}
        preference = 0
        for line, rank, taken in zip(self.lines, self.rank, allocations, strict=True):
            grams = line.unit_weight_grams
            for loc, units in taken:
                weights[loc] = weights.get(loc, 0) + units * grams
                preference += rank[loc] * units
        used = tuple(sorted(weights))
        cost = sum(self.cost_of(loc, grams) for loc, grams in weights.items())
        charge = self._charge(allocations) if self.rates is not None else 0
        cost += charge
        values = {
            "unfulfilled": sum(unfulfilled),
            "shipments": len(used),
            "preference": preference,
            "cost": cost,
        }
        key: _Key = (
            values[self.order[0]],
            values[self.order[1]],
            values[self.order[2]],
            values[self.order[3]],
            used,
        )
        self._keep(key, allocations, unfulfilled, charge)
        return values["unfulfilled"]

    def _keep(
        self, key: _Key, allocations: _Taken, unfulfilled: tuple[int, ...], charge: int
    ) -> None:
        """Keep the plan if it is the best so far; else remember it if it is the runner-up."""
        if self.best is None or key < self.best[0]:
            if self.best is not None and self.best[0] != key:
                self.runner_up = self.best[0]
            self.best = (key, allocations, unfulfilled)
            self.charge = charge
        elif key != self.best[0] and (self.runner_up is None or key < self.runner_up):
            self.runner_up = key

    def offer(
        self,
        loc: str,
        taking: Sequence[tuple[int, int, Mapping[str, int], int]],
        grams: int,
        preference: int,
        unfulfilled: tuple[int, ...],
    ) -> None:
        """:meth:`consider` for the set of ``loc`` alone, its fill already known.

        ``taking`` is (line number, units, ranks, unit weight) for each line
        that takes units; the others take none.
        """
        self.examined += 1
        allocations: list[tuple[tuple[str, int], ...]] = [()] * len(self.lines)
        for index, units, _, _ in taking:
            allocations[index] = ((loc, units),)
        taken: _Taken = tuple(allocations)
        charge = self._charge(taken) if self.rates is not None else 0
        values = {
            "unfulfilled": sum(unfulfilled),
            "shipments": 1,
            "preference": preference,
            "cost": self.cost_of(loc, grams) + charge,
        }
        order = self.order
        key: _Key = (values[order[0]], 1, values[order[2]], values[order[3]], (loc,))
        self._keep(key, taken, unfulfilled, charge)

    def _charge(self, allocations: _Taken) -> int:
        """The scarcity charge of ``allocations`` in minor units (rounded once, half even)."""
        rates = self.rates
        assert rates is not None
        total = 0.0
        for line, taken in zip(self.lines, allocations, strict=True):
            at = rates.get(line.sku)
            if at:
                for loc, units in taken:
                    total += at.get(loc, 0.0) * units
        return round(total)

    def cut_off(self, key: _Key) -> None:
        """Sets the search skipped are no better than ``key``: it may stand for the runner-up."""
        if self.runner_up is None or key < self.runner_up:
            self.runner_up = key

    def decided_by(self, pool_size: int) -> str:
        if self.best is None or self.runner_up is None:
            used = len(self.best[0][4]) if self.best is not None else 0
            if not used:
                return NOTHING_TO_SHIP
            # Larger location sets were never needed: fewer shipments beat them.
            return _WORDS["shipments"] if pool_size > used else "the only plan"
        for index, name in enumerate(self.order):
            if self.best[0][index] != self.runner_up[index]:
                return _CHARGED_COST if name == "cost" and self.rates else _WORDS[name]
        return _WORDS["ids"]  # pragma: no cover - keys differ somewhere


def _check(lines: Sequence[PlanLine], max_shipments: int, search_limit: int) -> None:
    for index, line in enumerate(lines):
        if not isinstance(line, PlanLine):
            raise InvalidInput("must be a PlanLine", path=f"lines[{index}]")
    for name, value in (("max_shipments", max_shipments), ("search_limit", search_limit)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidInput("must be a positive integer", path=name, value=value)


def plan_order(
    lines: Sequence[PlanLine],
    stock: Mapping[tuple[str, str], int],
    *,
    shipment_cost: Callable[[str, int], int],
    max_shipments: int = 3,
    objective: Objective = Objective.PREFERENCE,
    search_limit: int = DEFAULT_SEARCH_LIMIT,
    charges: _Rates | None = None,
) -> Plan:
    """Choose where every line ships from (see the module docstring).

    ``stock`` maps (SKU, location id) to sellable units (none where it is 0
    or less); ``shipment_cost`` gives the cost in minor units of one
    shipment of a number of grams from a location. ``charges`` (per SKU:
    location id -> minor units per unit taken, none negative) is a scarcity
    charge counted with the cost (see :mod:`omskit.routing.scarcity`).
    """
    _check(lines, max_shipments, search_limit)
    held: dict[str, dict[str, int]] = {}
    for line in lines:
        sku = line.sku
        found = {loc: units for loc in line.ranked if (units := stock.get((sku, loc), 0)) > 0}
        held.setdefault(sku, {}).update(found)
    return _plan(lines, held, shipment_cost, max_shipments, objective, search_limit, charges)


def _plan(
    lines: Sequence[PlanLine],
    held: Mapping[str, Mapping[str, int]],
    shipment_cost: Callable[[str, int], int],
    max_shipments: int,
    objective: Objective,
    search_limit: int,
    charges: _Rates | None = None,
    monotone: Mapping[str, float] | None = None,
    empty_shipments: Callable[[Sequence[str]], list[int]] | None = None,
) -> Plan:
    """:func:`plan_order` on checked input, with the stock as ``held`` by :class:`_Search`.

    ``monotone`` (optional) gives every location a number that the cost of
    an empty shipment from it never decreases with (the distance, for a
    :class:`~omskit.routing.cost.DistanceCostModel`): single locations are
    then priced nearest first and only until the search stops, instead of
    all of them before sorting. ``empty_shipments`` (optional) prices empty
    shipments from many locations in one call, as ``shipment_cost(loc, 0)``
    would. The plan is the same either way.
    """
    search = _Search(lines, held, shipment_cost, objective, charges, empty_shipments)
    # Every location at once gives the best possible fill.
    target = search.consider(None)
    fullest = search.best
    assert fullest is not None
    # Units of each SKU the best possible fill takes: a set holding less cannot match it.
    needs: dict[str, int] = {}
    for line, taken in zip(lines, fullest[1], strict=True):
        needs[line.sku] = needs.get(line.sku, 0) + sum(units for _, units in taken)
    needs = {sku: units for sku, units in needs.items() if units}
    search.restart()
    sets = _Sets(search, needs, objective is Objective.COST, search_limit, monotone)
    pool = sets.pool
    sizes = range(1, min(max_shipments, len(pool)) + 1)
    reached = False
    if (
        sets.uniform
        and sizes
        and _fewest_locations(sets) > sizes[-1]
        and sum(comb(len(pool), size) for size in sizes) > search_limit
    ):
        # No allowed set holds what some SKU needs, and too many sets to try them all: the
        # search would only end in the greedy cover below, whatever it examined first.
        sets.exact = False
    for size in sizes if sets.exact else ():
        reached = sets.examine(size, target)
        if reached or not sets.exact:
            break
    exact = sets.exact
    if exact and not reached:
        # Too few shipments allowed to fill everything: the best partial plan, any set.
        if sum(comb(len(pool), size) for size in sizes) > search_limit:
            exact = False
        else:
            _best_partial(search, pool, sizes[-1] if sizes else 0)
    if not exact:
        _greedy(search, pool, target, max_shipments)
    if search.best is None:  # nothing to add anywhere: ship nothing
        search.consider(())
    assert search.best is not None
    key, allocations, unfulfilled = search.best
    used = key[4]
    first_is_cost = search.order[2] == "cost"
    cost, preference = (key[2], key[3]) if first_is_cost else (key[3], key[2])
    return Plan(
        tuple(tuple(Allocation(loc, units) for loc, units in line) for line in allocations),
        unfulfilled,
        used,
        cost - search.charge,
        preference,
        exact,
        search.examined,
        search.decided_by(len(pool)),
        search.charge,
    )


def _best_partial(search: _Search, pool: Sequence[str], most: int) -> None:
    """Consider the sets of 1 to ``most`` pool locations that fill as much as any set can.

    The same best plan and decisive criterion as considering every set. When
    each SKU has one line, a set's unfilled units are known without filling
    it (per line, the need less the units its allowed locations in the set
    hold), and a set that leaves more unfilled than the fewest any set
    leaves can be neither the best plan nor a runner-up that differs from
    it in anything but the unfilled units. So a branch-and-bound finds that
    fewest first; only the sets that reach it are filled and priced, and
    :meth:`_Search.cut_off` stands for the others. With a SKU on two lines
    (units shared between lines) every set is considered.
    """
    lines = search.lines
    if not _Sets.quick_partial or len({line.sku for line in lines}) != len(lines):
        for size in range(1, most + 1):
            for subset in combinations(pool, size):
                search.consider(subset)
        return
    held = search.held
    # Per location, the units each line may take there (capped at the line's need);
    # the locations that cover most come first, so that good sets are found early.
    covers = {
        loc: tuple(
            min(line.quantity, held[line.sku].get(loc, 0)) if loc in rank else 0
            for line, rank in zip(lines, search.rank, strict=True)
        )
        for loc in pool
    }
    order = sorted(pool, key=lambda loc: -sum(covers[loc]))
    table = [covers[loc] for loc in order]
    count = len(order)
    # suffix[j]: per line, the most one location from position j on covers.
    suffix = [(0,) * len(lines)] * (count + 1)
    for j in range(count - 1, -1, -1):
        suffix[j] = tuple(map(max, table[j], suffix[j + 1]))
    fewest = sum(line.quantity for line in lines)
    found: list[list[int]] = []
    skipped = False

    def walk(start: int, chosen: list[int], missing: tuple[int, ...], collect: bool) -> None:
        nonlocal fewest, skipped
        more = most - len(chosen) - 1  # locations a set through position j may still add
        for j in range(start, count):
            left = tuple(m - c if c < m else 0 for m, c in zip(missing, table[j], strict=True))
            unfilled = sum(left)
            if not collect:
                fewest = min(fewest, unfilled)
            elif unfilled == fewest:
                found.append([*chosen, j])
            else:
                skipped = True
            if more <= 0 or j + 1 == count:
                continue
            bound = sum(
                m - more * b if more * b < m else 0
                for m, b in zip(left, suffix[j + 1], strict=True)
            )
            if bound > fewest or (bound == fewest and not collect):
                skipped = skipped or collect
                continue
            chosen.append(j)
            walk(j + 1, chosen, left, collect)
            chosen.pop()

    start = tuple(line.quantity for line in lines)
    walk(0, [], start, False)
    walk(0, [], start, True)
    for positions in found:
        search.consider([order[j] for j in positions])
    if skipped:
        # Every set not considered leaves at least one unit more unfilled (unfilled first).
        search.cut_off((fewest + 1, 0, 0, 0, ()))


def _fewest_locations(sets: _Sets) -> int:
    """A lower bound on the locations a set needs to hold what each SKU needs.

    Per SKU, its largest holdings (capped at the need) are added up until
    they reach the need; the bound is the largest such count (``len + 1``
    of the pool when a SKU's units do not reach its need at all).
    """
    fewest = 0
    for sku, need in zip(sets.skus, sets.needs, strict=True):
        count = 0
        for units in sorted(sets.held[sku].values(), reverse=True):
            if need <= 0:
                break
            need -= units
            count += 1
        fewest = max(fewest, count if need <= 0 else len(sets.pool) + 1)
    return fewest


class _Sets:
    """The exact search over location sets of one size (see the module docstring).

    Locations get positions: cheapest empty shipment first with the cost
    objective, by id otherwise. ``_at_least[s][k]`` is a bitmask of the
    positions holding at least ``k`` eligible units of SKU number ``s``, so
    the last location of a set is drawn only from those that cover what the
    others leave missing: an AND of a few integers per prefix.
    """

    quick_pairs = True
    """Whether the last two positions take :meth:`_extend_pairs` (the tests compare both)."""
    quick_singles = True
    """Whether sets of one skip filling when each SKU has one line (the tests compare both)."""
    quick_partial = True
    """Whether a fill no set reaches is searched by bounds (the tests compare both)."""
    pair_certificates = True
    """Whether a residual no pair holds is known without a scan (the tests compare both)."""
    greedy_from = 4
    """The smallest set size whose search starts from a greedy plan's cost (the tests vary it)."""

    def __init__(
        self,
        search: _Search,
        needs: Mapping[str, int],
        by_cost: bool,
        limit: int,
        monotone: Mapping[str, float] | None = None,
    ) -> None:
        self.search = search
        self.monotone = monotone
        self.by_cost = by_cost
        self.limit = limit
        self.steps = 0
        self.exact = True
        self.reached = False
        self.target = 0
        self.held = search.held
        pool: set[str] = set()
        for held in self.held.values():
            pool.update(held)
        self.pool = sorted(pool)
        first: dict[str, dict[str, int]] = {}
        self.uniform = True
        for line, rank in zip(search.lines, search.rank, strict=True):
            seen = first.setdefault(line.sku, rank)
            if seen is not rank and seen.keys() != rank.keys():
                self.uniform = False
        """Whether all lines of each SKU may take from the same locations."""
        self.skus = [sku for sku in needs if sku in self.held]
        self.needs = tuple(needs[sku] for sku in self.skus)
        self.order: list[str] = []
        self.base: list[int] = []
        self.pair_base: list[int] = []
        """``base[p] + base[p + 1]``: the cheapest two locations from position ``p`` on."""
        self.have: list[tuple[int, ...]] = []
        self.at_least: list[list[int]] = []
        self.completing: dict[tuple[int, ...], _Completing] = {}
        """Per residual: which positions two more locations can complete it from."""

    def _prepare(self) -> None:
        """Positions, empty-shipment costs and the stock bitmasks (for sets of two or more)."""
        if self.order or not self.pool:
            return
        search, pool = self.search, self.pool
        if self.by_cost:
            priced = sorted(zip(search.empty_costs(pool), pool, strict=True))
            self.order = [loc for _, loc in priced]
            self.base = [cost for cost, _ in priced]
        else:
            self.order = list(pool)
            self.base = [0] * len(pool)
        self.pair_base = [a + b for a, b in zip(self.base, self.base[1:], strict=False)]
        # have[p][s]: eligible units of SKU s at position p, capped at what the order needs;
        # at_least[s][k]: the positions holding at least k of SKU s (a suffix OR of buckets).
        columns = []
        self.at_least = []
        position_of = {loc: position for position, loc in enumerate(self.order)}
        count = len(self.order)
        for sku, need in zip(self.skus, self.needs, strict=True):
            column = [0] * count
            buckets = [0] * (need + 1)
            for loc, held in self.held[sku].items():  # the pool is every held location
                if held > 0:
                    position = position_of[loc]
                    units = column[position] = held if held < need else need
                    buckets[units] |= 1 << position
            masks = [0] * (need + 1)
            mask = 0
            for units in range(need, 0, -1):
                mask |= buckets[units]
                masks[units] = mask
            columns.append(column)
            self.at_least.append(masks)
        self.have = list(zip(*columns, strict=True)) if columns else [() for _ in self.order]

    def _singles(self) -> None:
        """Sets of one: the locations that hold every unit the order needs, cheapest first."""
        search = self.search
        fits: Set[str] | None = None
        for sku, need in zip(self.skus, self.needs, strict=True):
            where = _at_least(self.held[sku], need)
            fits = where if fits is None else fits & where
        ordered: Iterable[tuple[int, str]]
        if not self.by_cost:
            ordered = ((0, loc) for loc in sorted(fits or ()))
        elif self.monotone is not None:
            walk = sorted(fits or (), key=self.monotone.__getitem__)
            ordered = _cheapest_first(walk, search.cost_of)
        else:
            costs = {loc: search.cost_of(loc, 0) for loc in fits or ()}
            ordered = sorted([(cost, loc) for loc, cost in costs.items()])
        skus = [line.sku for line in search.lines]
        if not self.quick_singles or len(set(skus)) < len(skus):
            for cost, loc in ordered:
                if not self._step() or (self.by_cost and self._bound_exceeded(cost, 1)):
                    return
                if search.consider((loc,)) == self.target:
                    self.reached = True
            return
        # One line per SKU: every location here gives each line its best fill, so a
        # set's units, weight and preference follow without filling it.
        needs = dict(zip(self.skus, self.needs, strict=True))
        taking = [
            (index, needs[line.sku], rank, line.unit_weight_grams)
            for index, (line, rank) in enumerate(zip(search.lines, search.rank, strict=True))
            if line.sku in needs
        ]
        grams = sum(need * weight for _, need, _, weight in taking)
        unfulfilled = tuple(line.quantity - needs.get(line.sku, 0) for line in search.lines)
        for cost, loc in ordered:
            if not self._step() or (self.by_cost and self._bound_exceeded(cost, 1)):
                return
            preference = sum(rank[loc] * need for _, need, rank, _ in taking)
            search.offer(loc, taking, grams, preference, unfulfilled)
            self.reached = True

    def _worth_adding(self, residual: Sequence[int]) -> int:
        """The positions worth adding to a set that leaves ``residual`` missing, as a bitmask.

        When the lines of each SKU may all take from the same locations, a
        set reaches the best fill exactly when it holds the units each SKU
        needs; so at this size (no smaller set reached it) every location of
        such a set must hold some of what the others leave missing: only
        those are tried. Otherwise every position is.
        """
        if not self.uniform:
            return (1 << len(self.order)) - 1
        mask = 0
        for s, missing in enumerate(residual):
            if missing:
                mask |= self.at_least[s][1]
        return mask

    def _next_positions(self, residual: Sequence[int], after: int, more: int) -> Iterator[int]:
        """Positions after ``after`` worth adding when ``more`` locations are still to come."""
        last = len(self.order) - more
        if last > after:
            mask = self._worth_adding(residual) >> (after + 1) << (after + 1)
            yield from _bits(mask & (1 << (last + 1)) - 1)

    def _completions(self, residual: Sequence[int], after: int) -> int:
        """Positions after ``after`` that alone hold every unit still ``residual``."""
        mask = ~((1 << (after + 1)) - 1)
        for s, missing in enumerate(residual):
            if missing:
                mask &= self.at_least[s][missing]
        return mask & ((1 << len(self.order)) - 1)

    def _step(self) -> bool:
        self.steps += 1
        if self.steps > self.limit:
            self.exact = False
        return self.exact

    def _bound_exceeded(self, bound: int, size: int) -> bool:
        best = self.search.best
        if not (self.by_cost and self.reached and best is not None and bound > best[0][2]):
            return False
        # The sets cut off cost at least ``bound``: the cheapest of them may be the runner-up.
        self.search.cut_off((self.target, size, bound, 0, ()))
        return True

    def examine(self, size: int, target: int) -> bool:
        """Consider every promising set of ``size``; whether one reached the ``target`` fill."""
        self.reached = False
        self.target = target
        if size == 1:
            self._singles()
        else:
            self._prepare()
            if self.by_cost and size >= self.greedy_from:
                # A greedy plan first: its cost bounds the search from the start. (For
                # three locations the search finds a bound sooner than the cover costs.)
                _greedy(self.search, self.pool, target, size)
                best = self.search.best
                self.reached = best is not None and best[0][0] == target
            self._extend([], self.needs, 0, size)
        return self.reached

    def _extend(self, chosen: list[int], residual: Sequence[int], bound: int, size: int) -> None:
        """Sets of ``size`` that start with ``chosen`` (two or more positions still to add)."""
        after = chosen[-1] if chosen else -1
        base = self.base
        more = size - len(chosen)
        if more == 2 and self.quick_pairs:
            self._extend_pairs(chosen, residual, bound, size)
            return
        for position in self._next_positions(residual, after, more):
            if not self._step():
                return
            # The cheapest completion uses the next positions (they are sorted by cost).
            if self._bound_exceeded(bound + sum(base[position : position + more]), size):
                return
            held = self.have[position]
            left = [r - h if r > h else 0 for r, h in zip(residual, held, strict=True)]
            if more > 2:
                self._extend([*chosen, position], left, bound + base[position], size)
            else:  # the last location: straight to the sets this prefix completes
                mask = self._completions(left, position)
                if mask:
                    self._complete([*chosen, position], mask, bound + base[position], size)
            if not self.exact:
                return

    def _extend_pairs(
        self, chosen: list[int], residual: Sequence[int], bound: int, size: int
    ) -> None:
        """:meth:`_extend` with two positions to add: the next one, then its completions.

        The same steps, sets, cut-offs and runner-ups as the general loop:
        this is the innermost loop of every search for two or more locations.
        Which positions have a completion after them depends only on the
        units still missing (:class:`_Completing`, kept per residual, so the
        many prefixes of a larger set that leave the same units missing
        share it, and scanned only as far as a search has needed): only
        those positions are visited; the positions between them are counted
        as steps in one go, and the first that the cost bound cuts off is
        found by bisection, since ``pair_base`` never falls.
        """
        key = tuple(residual)
        known = self.completing.get(key)
        if known is None:
            known = self.completing[key] = _Completing(self, key)
        last = len(self.order) - 2
        base, limit = self.base, self.limit
        done = chosen[-1] if chosen else -1
        """The positions up to here are walked (as steps, or as sets tried)."""
        ceiling = self._ceiling(bound)
        stop = last + 1 if ceiling is None else bisect_right(self.pair_base, ceiling)
        while (index := known.next_after(done, stop)) is not None:
            position = known.positions[index]
            steps = self.steps + _count(known.candidates, done, position)
            if steps > limit:
                self.steps, self.exact = limit + 1, False
                return
            self.steps = steps
            self._complete([*chosen, position], known.masks[index], bound + base[position], size)
            if not self.exact:
                return
            done = position
            ceiling = self._ceiling(bound)
            if ceiling is not None:
                stop = min(stop, bisect_right(self.pair_base, ceiling))
        # No completion before ``stop``: the rest is steps, up to the cut if there is one.
        beyond = known.candidates >> max(stop, done + 1) << max(stop, done + 1)
        cut = (beyond & -beyond).bit_length() - 1 if beyond else None
        walked = _count(known.candidates, done, last if cut is None else cut)
        if self.steps + walked > limit:
            self.steps, self.exact = limit + 1, False
            return
        self.steps += walked
        if cut is not None:
            self._bound_exceeded(bound + self.pair_base[cut], size)

    def _ceiling(self, bound: int) -> int | None:
        """What the rest of a set may cost after ``bound`` before the cost bound cuts it off.

        ``None`` while the bound does not apply (preference objective, or no
        set reached the fill yet), as :meth:`_bound_exceeded` decides.
        """
        best = self.search.best
        if not (self.by_cost and self.reached and best is not None):
            return None
        return best[0][2] - bound

    def _complete(self, chosen: list[int], mask: int, bound: int, size: int) -> None:
        """Consider ``chosen`` with each completing position in ``mask``, cheapest first."""
        base, order = self.base, self.order
        prefix = [order[p] for p in chosen]
        while mask and self._step():
            last = (mask & -mask).bit_length() - 1
            mask ^= 1 << last
            if self._bound_exceeded(bound + base[last], size):
                return
            if self.search.consider((*prefix, order[last])) == self.target:
                self.reached = True


def _count(mask: int, after: int, upto: int) -> int:
    """How many set bits ``mask`` has at positions ``after < p <= upto``."""
    if upto <= after:
        return 0
    return (mask >> (after + 1) & ((1 << (upto - after)) - 1)).bit_count()


class _Completing:
    """For one residual: the positions two more locations can complete it from.

    ``candidates`` are the positions worth adding for it
    (:meth:`_Sets._worth_adding`) before the last; ``positions`` those of them, in
    order, after which some position holds what they leave missing, with
    that bitmask in ``masks``. Scanned lazily: only as far as a search has
    asked (:meth:`next_after`).
    """

    __slots__ = ("candidates", "masks", "positions", "scanned", "sets", "wanted")

    def __init__(self, sets: _Sets, residual: tuple[int, ...]) -> None:
        self.sets = sets
        self.wanted = [
            (s, missing, sets.at_least[s]) for s, missing in enumerate(residual) if missing
        ]
        self.candidates = sets._worth_adding(residual) & (1 << len(sets.order)) - 1 >> 1
        self.positions: list[int] = []
        self.masks: list[int] = []
        self.scanned = -1
        """The positions up to here are scanned."""

    def next_after(self, done: int, stop: int) -> int | None:
        """The index in :attr:`positions` of the first one after ``done`` and before ``stop``.

        ``None`` when there is none. Scans the candidates no further than
        that position (or than ``stop``).
        """
        index = bisect_right(self.positions, done)
        if index < len(self.positions):
            return index if self.positions[index] < stop else None
        upto = min(stop - 1, len(self.sets.order) - 2)
        if upto <= self.scanned:
            return None
        if self.scanned < 0 and self.sets.pair_certificates and self._no_pair():
            self.scanned = len(self.sets.order) - 2  # nothing to find: as good as scanned
            return None
        have = self.sets.have
        everything = (1 << len(self.sets.order)) - 1
        todo = self.candidates >> (self.scanned + 1) << (self.scanned + 1)
        wanted = self.wanted
        for position in _bits(todo & (1 << (upto + 1)) - 1):
            mask = _partners(wanted, have[position], everything & ~((1 << (position + 1)) - 1))
            if mask:
                self.positions.append(position)
                self.masks.append(mask)
                if position > done:
                    self.scanned = position
                    return len(self.positions) - 1
        self.scanned = upto
        return None

    def _no_pair(self) -> bool:
        """Whether no two positions together hold the residual (so the scan would find none).

        Every such pair has a position holding some of the missing SKU held
        at the fewest positions: when none of those has a partner, there is
        no pair. ``False`` as soon as one has (a pair may exist: the scan says).
        """
        wanted = self.wanted
        if not wanted:
            return False
        holders = min((masks[1] for _, _, masks in wanted), key=int.bit_count)
        have = self.sets.have
        everything = (1 << len(self.sets.order)) - 1
        for position in _bits(holders):
            if _partners(wanted, have[position], everything ^ (1 << position)):
                return False
        return True


def _partners(
    wanted: Sequence[tuple[int, int, Sequence[int]]], held: Sequence[int], mask: int
) -> int:
    """The positions in ``mask`` that hold what a position holding ``held`` leaves ``wanted``.

    ``wanted`` is (SKU number, units missing, that SKU's at-least masks) per
    missing SKU.
    """
    for s, missing, masks in wanted:
        if missing > held[s]:
            mask &= masks[missing - held[s]]
            if not mask:
                break
    return mask


def _bits(mask: int) -> Iterator[int]:
    """The positions of the set bits of ``mask``, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def _cheapest_first(
    walk: Iterable[str], cost_of: Callable[[str, int], int]
) -> Iterator[tuple[int, str]]:
    """(empty-shipment cost, location) by cost then id, pricing as few locations as it can.

    ``walk`` gives the locations in an order the cost never decreases along
    (nearest first, for a cost that grows with distance); each run of equal
    costs is put in id order. A location is priced only when the walk
    reaches it, and the caller stops the walk as soon as the costs exceed
    what it looks for.
    """
    run: list[str] = []
    run_cost = 0
    for loc in walk:
        cost = cost_of(loc, 0)
        if run and cost != run_cost:
            run.sort()
            for done in run:
                yield run_cost, done
            run = []
        run.append(loc)
        run_cost = cost
    run.sort()
    for done in run:
        yield run_cost, done


def _greedy(search: _Search, pool: Sequence[str], target: int, max_shipments: int) -> None:
    """Add the location covering most missing units, up to ``max_shipments``; keep each step.

    Ties go to the better mean rank over the lines still missing units, then
    the id. Only locations some such line may take from are weighed (the
    others gain nothing), line by line.
    """
    chosen: list[str] = []
    lines = search.lines
    in_pool = set(pool)
    while len(chosen) < max_shipments:
        _, unfulfilled = search.fill(chosen)
        if sum(unfulfilled) == target and chosen:
            break
        gains: dict[str, int] = {}
        ranks: dict[str, tuple[int, int]] = {}
        for index, line in enumerate(lines):
            missing = unfulfilled[index]
            if not missing:
                continue
            held = search.held[line.sku]
            for loc, position in search.rank[index].items():
                units = held.get(loc, 0)
                gains[loc] = gains.get(loc, 0) + (units if units < missing else missing)
                total, count = ranks.get(loc, (0, 0))
                ranks[loc] = (total + position, count + 1)
        best: tuple[int, float, str] | None = None
        for loc, gain in gains.items():
            if gain == 0 or loc in chosen or loc not in in_pool:
                continue
            total, count = ranks[loc]
            candidate = (-gain, total / count, loc)
            if best is None or candidate < best:
                best = candidate
        if best is None:
            break
        chosen.append(best[2])
        search.consider(tuple(chosen))
