"""The split planner: exact on small orders, bounded beyond, deterministic."""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations

import attrs
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from omskit.errors import InvalidInput
from omskit.routing import planner
from omskit.routing.planner import (
    DEFAULT_SEARCH_LIMIT,
    Plan,
    PlanLine,
    _at_least,
    _cheapest_first,
    _plan,
    _Sets,
    _Units,
    plan_order,
)
from omskit.routing.profile import Objective

LOCATIONS = [f"L{n}" for n in range(6)]
COSTS = {loc: 400 + 50 * n for n, loc in enumerate(LOCATIONS)}
CHARGES = {"A": {"L1": 37.5, "L4": 12.25}, "C": {"L1": 80.0}}
"""Scarcity charges per unit, for the tests that compare shortcuts with and without one."""


def cost(location_id: str, grams: int) -> int:
    return COSTS[location_id]


@st.composite
def problems(draw: st.DrawFn) -> tuple[list[PlanLine], dict[tuple[str, str], int]]:
    skus = ["A", "B", "C"]
    lines = []
    for n in range(draw(st.integers(1, 4))):
        # Sometimes a line may take from only some locations (as a rule would exclude others).
        ranked = draw(st.permutations(LOCATIONS))[: draw(st.sampled_from([6, 6, 5, 3, 1]))]
        lines.append(
            PlanLine(
                str(n), draw(st.sampled_from(skus)), draw(st.integers(1, 8)), 100, tuple(ranked)
            )
        )
    stock = {
        (sku, loc): draw(st.integers(0, 8))
        for sku in skus
        for loc in LOCATIONS
        if draw(st.booleans())
    }
    return lines, stock


def weighty_cost(location_id: str, grams: int) -> int:
    """A cost that grows with the parcel: the empty shipment is a lower bound."""
    return COSTS[location_id] + grams // 150


def with_and_without(
    switch: tuple[object, str, object],
    lines: list[PlanLine],
    stock: dict[tuple[str, str], int],
    **options: object,
) -> tuple[Plan, Plan]:
    """``plan_order`` as it is, then with ``setattr(*switch)`` (a shortcut turned off)."""

    def plan() -> Plan:
        return plan_order(lines, stock, shipment_cost=weighty_cost, **options)  # type: ignore[arg-type]

    quick = plan()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(*switch)
        general = plan()
    return quick, general


def assert_same_plan_fewer_sets(quick: Plan, other: Plan) -> None:
    """The same plan and reasons (``decided_by`` included); ``quick`` examined no more sets."""
    assert attrs.evolve(quick, examined=0) == attrs.evolve(other, examined=0)
    assert quick.examined <= other.examined


def brute_force_best(
    lines: list[PlanLine],
    stock: dict[tuple[str, str], int],
    limit: int,
    objective: Objective = Objective.COST,
    shipment_cost: Callable[[str, int], int] = cost,
) -> tuple[int, int, int, int, tuple[str, ...]]:
    """The best plan's key over every location set of at most ``limit`` locations.

    (unfulfilled, shipments, then cost and preference in the objective's
    order, then the sorted location ids): what the planner must find.
    """
    best: tuple[int, int, int, int, tuple[str, ...]] | None = None
    for size in range(limit + 1):
        for subset in combinations(LOCATIONS, size):
            left = dict(stock)
            unfilled = 0
            grams: dict[str, int] = {}
            preference = 0
            for line in lines:
                need = line.quantity
                for position, loc in enumerate(line.ranked):
                    if loc in subset and need:
                        take = min(need, left.get((line.sku, loc), 0))
                        if take:
                            left[(line.sku, loc)] -= take
                            need -= take
                            grams[loc] = grams.get(loc, 0) + take * line.unit_weight_grams
                            preference += position * take
                unfilled += need
            spent = sum(shipment_cost(loc, weight) for loc, weight in grams.items())
            middle = (spent, preference) if objective is Objective.COST else (preference, spent)
            key = (unfilled, len(grams), *middle, tuple(sorted(grams)))
            best = key if best is None or key < best else best
    assert best is not None
    return best


@settings(max_examples=200, deadline=None)
@given(
    problem=problems(),
    max_shipments=st.integers(1, 3),
    objective=st.sampled_from(Objective),
    weighty=st.booleans(),
)
def test_the_plan_is_the_best_plan_a_brute_force_finds(
    problem: tuple[list[PlanLine], dict[tuple[str, str], int]],
    max_shipments: int,
    objective: Objective,
    weighty: bool,
) -> None:
    lines, stock = problem
    priced = weighty_cost if weighty else cost
    plan = plan_order(
        lines, stock, shipment_cost=priced, max_shipments=max_shipments, objective=objective
    )
    assert plan.exact
    middle = (
        (plan.cost_minor, plan.preference)
        if objective is Objective.COST
        else (plan.preference, plan.cost_minor)
    )
    assert (sum(plan.unfulfilled), plan.shipments, *middle, plan.locations) == brute_force_best(
        lines, stock, max_shipments, objective, priced
    )
    taken: dict[tuple[str, str], int] = {}
    grams: dict[str, int] = {}
    for line, allocations, unfulfilled in zip(
        lines, plan.allocations, plan.unfulfilled, strict=True
    ):
        assert sum(a.quantity for a in allocations) + unfulfilled == line.quantity
        for allocation in allocations:
            key = (line.sku, allocation.location_id)
            taken[key] = taken.get(key, 0) + allocation.quantity
            grams[allocation.location_id] = (
                grams.get(allocation.location_id, 0) + allocation.quantity * line.unit_weight_grams
            )
    assert all(units <= stock[key] for key, units in taken.items())
    assert plan.cost_minor == sum(priced(loc, weight) for loc, weight in grams.items())
    assert (
        plan_order(
            lines, stock, shipment_cost=priced, max_shipments=max_shipments, objective=objective
        )
        == plan
    )


def test_cost_picks_the_cheaper_set_and_preference_the_better_ranked() -> None:
    lines = [PlanLine("1", "A", 2, 0, ("L5", "L0"))]
    stock = {("A", "L5"): 2, ("A", "L0"): 2}
    preferred = plan_order(lines, stock, shipment_cost=cost, objective=Objective.PREFERENCE)
    cheapest = plan_order(lines, stock, shipment_cost=cost, objective=Objective.COST)
    assert preferred.locations == ("L5",)
    assert cheapest.locations == ("L0",)
    assert (preferred.decided_by, cheapest.decided_by) == (
        "the best-ranked locations",
        "the lowest shipping cost",
    )


def test_beyond_the_search_limit_a_greedy_cover_is_used() -> None:
    many = [f"S{n:03d}" for n in range(300)]
    lines = [PlanLine("1", "A", 10, 0, tuple(many)), PlanLine("2", "B", 1, 0, tuple(many))]
    stock = {("A", loc): 4 for loc in many} | {("B", "S299"): 1}
    plan = plan_order(
        lines, stock, shipment_cost=lambda loc, grams: 500, max_shipments=4, search_limit=1000
    )
    assert not plan.exact
    assert sum(plan.unfulfilled) == 0
    assert plan.shipments <= 4
    assert "S299" in plan.locations


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(InvalidInput):
        plan_order([], {}, shipment_cost=cost, max_shipments=0)
    with pytest.raises(InvalidInput):
        plan_order(["line"], {}, shipment_cost=cost)  # type: ignore[list-item]


# --- shared stock tables and nearest-first pricing: the same plans as the plain path ------


@given(
    units=st.dictionaries(st.sampled_from(LOCATIONS), st.integers(-2, 9)), need=st.integers(1, 9)
)
def test_a_shared_table_finds_the_locations_holding_enough_as_a_scan_does(
    units: dict[str, int], need: int
) -> None:
    shared = _Units(units.items())
    expected = {loc for loc, held in units.items() if held >= need}
    assert shared.at_least(need) == expected
    assert shared.at_least(need) is shared.at_least(need)  # memoised
    assert _at_least(dict(units), need) == expected
    assert dict(shared) == units


@given(
    km=st.dictionaries(st.sampled_from(LOCATIONS), st.sampled_from([0.0, 1.0, 1.2, 7.5, 40.0])),
    per_km=st.integers(0, 3),
)
def test_nearest_first_pricing_yields_the_cheapest_first_order(
    km: dict[str, float], per_km: int
) -> None:
    def priced(loc: str, grams: int) -> int:
        return 450 + int(km[loc]) * per_km  # rounds: equal costs at different distances

    walked = list(_cheapest_first(sorted(km, key=km.__getitem__), priced))
    assert walked == sorted((priced(loc, 0), loc) for loc in km)


@settings(max_examples=200, deadline=None)
@given(
    problem=problems(),
    max_shipments=st.integers(1, 3),
    objective=st.sampled_from(Objective),
    shared=st.booleans(),
    data=st.data(),
)
def test_a_monotone_hint_and_shared_tables_change_no_plan(
    problem: tuple[list[PlanLine], dict[tuple[str, str], int]],
    max_shipments: int,
    objective: Objective,
    shared: bool,
    data: st.DataObject,
) -> None:
    lines, stock = problem
    km = {loc: data.draw(st.sampled_from([0.0, 3.0, 3.5, 9.0])) for loc in LOCATIONS}

    def priced(loc: str, grams: int) -> int:
        return 400 + int(km[loc]) * 20 + grams // 150

    held: dict[str, dict[str, int]] = {}
    for line in lines:
        found = {loc: units for loc in line.ranked if (units := stock.get((line.sku, loc), 0)) > 0}
        held.setdefault(line.sku, {}).update(found)
    tables = {sku: _Units(units.items()) for sku, units in held.items()} if shared else held
    plain = _plan(lines, held, priced, max_shipments, objective, DEFAULT_SEARCH_LIMIT)
    hinted = _plan(lines, tables, priced, max_shipments, objective, DEFAULT_SEARCH_LIMIT, None, km)
    assert hinted == plain  # every field, the sets examined included
    assert plain == plan_order(
        lines, stock, shipment_cost=priced, max_shipments=max_shipments, objective=objective
    )


@settings(max_examples=200, deadline=None)
@given(
    problem=problems(),
    max_shipments=st.integers(2, 4),
    objective=st.sampled_from(Objective),
    search_limit=st.sampled_from([1, 3, 8, 20, 60, DEFAULT_SEARCH_LIMIT]),
)
def test_the_written_out_pair_loop_takes_the_steps_of_the_general_one(
    problem: tuple[list[PlanLine], dict[tuple[str, str], int]],
    max_shipments: int,
    objective: Objective,
    search_limit: int,
) -> None:
    # Small limits stop the search part-way: the fallback then depends on every step taken.
    lines, stock = problem
    quick, general = with_and_without(
        (_Sets, "quick_pairs", False),
        lines,
        stock,
        max_shipments=max_shipments,
        objective=objective,
        search_limit=search_limit,
    )
    assert quick == general


WIDE = [f"W{n}" for n in range(10)]


@st.composite
def scattered_problems(
    draw: st.DrawFn,
) -> tuple[list[PlanLine], dict[tuple[str, str], int], Callable[[str, int], int]]:
    """Orders that often need three or more of ten locations, with ties in cost."""
    skus = ["A", "B", "C", "D"]
    lines = [
        PlanLine(str(n), sku, draw(st.integers(2, 5)), 100, tuple(draw(st.permutations(WIDE))))
        for n, sku in enumerate(skus[: draw(st.integers(2, 4))])
    ]
    stock = {
        (sku, loc): draw(st.integers(1, 2))
        for sku in skus
        for loc in WIDE
        if draw(st.integers(0, 9)) < 5
    }
    # Costs in steps of two locations (ties), plus a weight term or not.
    per_gram = draw(st.sampled_from([0, 1]))

    def priced(location_id: str, grams: int) -> int:
        return 400 + 50 * (int(location_id[1:]) // 2) + per_gram * grams // 150

    return lines, stock, priced


@pytest.mark.parametrize("shortcut", ["quick_pairs", "pair_certificates"])
@settings(max_examples=300, deadline=None)
@given(
    problem=scattered_problems(),
    max_shipments=st.integers(3, 4),
    objective=st.sampled_from(Objective),
    search_limit=st.sampled_from([1, 5, 20, 60, 200, DEFAULT_SEARCH_LIMIT]),
)
def test_pairs_known_per_residual_take_the_steps_of_the_general_loop(
    shortcut: str,
    problem: tuple[list[PlanLine], dict[tuple[str, str], int], Callable[[str, int], int]],
    max_shipments: int,
    objective: Objective,
    search_limit: int,
) -> None:
    # Sets of three or more: the steps counted in one go, the cut found by bisection and
    # the completions kept per residual must stop the search where the general loop does;
    # a residual known to have no pair (``pair_certificates``) must stop it where a scan
    # of its candidates does.
    lines, stock, priced = problem
    examine = _Sets.examine

    def plan(quick: bool) -> tuple[Plan, list[tuple[object, ...]]]:
        # After each size: the steps, whether it stayed exact, the best and the runner-up.
        trace: list[tuple[object, ...]] = []

        def traced(sets: _Sets, size: int, target: int) -> bool:
            reached = examine(sets, size, target)
            search = sets.search
            best = None if search.best is None else search.best[0]
            trace.append((size, reached, sets.steps, sets.exact, best, search.runner_up))
            return reached

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_Sets, "examine", traced)
            patch.setattr(_Sets, shortcut, quick)
            found = plan_order(
                lines,
                stock,
                shipment_cost=priced,
                max_shipments=max_shipments,
                objective=objective,
                search_limit=search_limit,
            )
        return found, trace

    known, walked = plan(True), plan(False)
    assert known == walked  # every field of the plan, and the search's state size by size
    event(f"shipments: {known[0].shipments}, exact: {known[0].exact}")


@settings(max_examples=300, deadline=None)
@given(
    problem=problems(),
    max_shipments=st.integers(1, 3),
    objective=st.sampled_from(Objective),
    search_limit=st.sampled_from([1, 2, 5, DEFAULT_SEARCH_LIMIT]),
    charged=st.booleans(),
)
def test_single_locations_priced_without_filling_them_plan_as_filling_does(
    problem: tuple[list[PlanLine], dict[tuple[str, str], int]],
    max_shipments: int,
    objective: Objective,
    search_limit: int,
    charged: bool,
) -> None:
    lines, stock = problem
    charges = CHARGES if charged else None
    quick, general = with_and_without(
        (_Sets, "quick_singles", False),
        lines,
        stock,
        max_shipments=max_shipments,
        objective=objective,
        search_limit=search_limit,
        charges=charges,
    )
    assert quick == general  # every field, the sets examined and the charge included


@settings(max_examples=300, deadline=None)
@given(
    problem=problems(),
    max_shipments=st.integers(1, 3),
    objective=st.sampled_from(Objective),
    search_limit=st.sampled_from([1, 3, 8, 20, DEFAULT_SEARCH_LIMIT]),
)
def test_an_unreachable_fill_goes_straight_to_the_greedy_cover_with_the_same_plan(
    problem: tuple[list[PlanLine], dict[tuple[str, str], int]],
    max_shipments: int,
    objective: Objective,
    search_limit: int,
) -> None:
    lines, stock = problem
    quick, searched = with_and_without(
        (planner, "_fewest_locations", lambda sets: 0),  # never skip the search
        lines,
        stock,
        max_shipments=max_shipments,
        objective=objective,
        search_limit=search_limit,
    )
    assert_same_plan_fewer_sets(quick, searched)
    event(f"shortcut: {quick.examined < searched.examined}")


@settings(max_examples=400, deadline=None)
@given(
    problem=problems(),
    max_shipments=st.integers(1, 3),
    objective=st.sampled_from(Objective),
    charged=st.booleans(),
    lean=st.integers(1, 4),
    distinct=st.booleans(),
)
def test_a_fill_no_set_reaches_is_searched_by_bounds_with_the_same_plan(
    problem: tuple[list[PlanLine], dict[tuple[str, str], int]],
    max_shipments: int,
    objective: Objective,
    charged: bool,
    lean: int,
    distinct: bool,
) -> None:
    drawn_lines, drawn = problem
    # The bounds apply when each SKU has one line; a SKU on two lines takes every set.
    skus = [line.sku for line in drawn_lines]
    lines = [line for n, line in enumerate(drawn_lines) if not distinct or line.sku not in skus[:n]]
    # Less stock, so that no set fills everything more often.
    stock = {position: units // lean for position, units in drawn.items()}
    charges = CHARGES if charged else None
    quick, every = with_and_without(
        (_Sets, "quick_partial", False),
        lines,
        stock,
        max_shipments=max_shipments,
        objective=objective,
        charges=charges,
    )
    assert_same_plan_fewer_sets(quick, every)
    event(f"fewer sets filled: {quick.examined < every.examined}")


def test_a_partial_fill_fills_only_the_sets_that_fill_the_most() -> None:
    # No three locations hold the eight units of A; L0 and L1 hold the most (3 + 3).
    lines = [
        PlanLine("1", "A", 8, 100, tuple(LOCATIONS)),
        PlanLine("2", "B", 1, 100, tuple(LOCATIONS)),
    ]
    stock = {("A", loc): 1 for loc in LOCATIONS[2:]}
    stock.update({("A", "L0"): 3, ("A", "L1"): 3, ("B", "L3"): 1})
    quick, every = with_and_without((_Sets, "quick_partial", False), lines, stock, max_shipments=3)
    assert quick.unfulfilled == every.unfulfilled == (1, 0)
    assert_same_plan_fewer_sets(quick, every)
    assert quick.examined < every.examined


def test_a_sku_spread_too_thin_for_the_split_limit_is_covered_greedily_at_once() -> None:
    # Five locations hold one unit each: three shipments cannot bring five units.
    lines = [PlanLine("1", "A", 5, 100, tuple(LOCATIONS[:5]))]
    stock = {("A", loc): 1 for loc in LOCATIONS[:5]}
    found = plan_order(lines, stock, shipment_cost=cost, max_shipments=3, search_limit=10)
    assert not found.exact
    assert found.unfulfilled == (2,)
    assert len(found.locations) == 3
    assert found.examined == 3  # the greedy cover's three steps, no search first


@settings(max_examples=300, deadline=None)
@given(problem=problems(), max_shipments=st.integers(3, 4), weighty=st.booleans())
def test_where_the_greedy_bound_starts_changes_no_plan(
    problem: tuple[list[PlanLine], dict[tuple[str, str], int]],
    max_shipments: int,
    weighty: bool,
) -> None:
    # Sets of three start from the first set that reaches the fill; with the greedy bound
    # there too (as before) the exact search ends in the same plan.
    lines, stock = problem
    priced = weighty_cost if weighty else cost
    plans = []
    for start in (3, 4):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_Sets, "greedy_from", start)
            plans.append(
                plan_order(lines, stock, shipment_cost=priced, max_shipments=max_shipments)
            )
    with_greedy, without = plans
    assert with_greedy.exact
    assert without.exact
    same = ("allocations", "unfulfilled", "shipments", "cost_minor", "preference", "locations")
    assert [getattr(without, name) for name in same] == [
        getattr(with_greedy, name) for name in same
    ]
    event(f"same reason: {without.decided_by == with_greedy.decided_by}")
