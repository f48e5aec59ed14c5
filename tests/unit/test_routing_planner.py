"""The split planner: exact on small orders, bounded beyond, deterministic."""

from __future__ import annotations

from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omskit.errors import InvalidInput
from omskit.routing.planner import PlanLine, plan_order
from omskit.routing.profile import Objective

LOCATIONS = [f"L{n}" for n in range(6)]
COSTS = {loc: 400 + 50 * n for n, loc in enumerate(LOCATIONS)}


def cost(location_id: str, grams: int) -> int:
    return COSTS[location_id]


@st.composite
def problems(draw: st.DrawFn) -> tuple[list[PlanLine], dict[tuple[str, str], int]]:
    skus = ["A", "B", "C"]
    lines = []
    for n in range(draw(st.integers(1, 4))):
        ranked = draw(st.permutations(LOCATIONS))
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


def brute_force_best(
    lines: list[PlanLine], stock: dict[tuple[str, str], int], limit: int
) -> tuple[int, int]:
    """The fewest unfulfilled units, then the fewest shipments, over every location set."""
    best: tuple[int, int] | None = None
    for size in range(limit + 1):
        for subset in combinations(LOCATIONS, size):
            left = dict(stock)
            unfilled = 0
            used: set[str] = set()
            for line in lines:
                need = line.quantity
                for loc in line.ranked:
                    if loc in subset and need:
                        take = min(need, left.get((line.sku, loc), 0))
                        if take:
                            left[(line.sku, loc)] -= take
                            need -= take
                            used.add(loc)
                unfilled += need
            key = (unfilled, len(used))
            best = key if best is None or key < best else best
    assert best is not None
    return best


@settings(max_examples=150, deadline=None)
@given(problem=problems(), max_shipments=st.integers(1, 3), objective=st.sampled_from(Objective))
def test_the_plan_fills_most_with_fewest_shipments_as_a_brute_force_would(
    problem: tuple[list[PlanLine], dict[tuple[str, str], int]],
    max_shipments: int,
    objective: Objective,
) -> None:
    lines, stock = problem
    plan = plan_order(
        lines, stock, shipment_cost=cost, max_shipments=max_shipments, objective=objective
    )
    assert plan.exact
    assert (sum(plan.unfulfilled), plan.shipments) == brute_force_best(lines, stock, max_shipments)
    taken: dict[tuple[str, str], int] = {}
    for line, allocations, unfulfilled in zip(
        lines, plan.allocations, plan.unfulfilled, strict=True
    ):
        assert sum(a.quantity for a in allocations) + unfulfilled == line.quantity
        for allocation in allocations:
            key = (line.sku, allocation.location_id)
            taken[key] = taken.get(key, 0) + allocation.quantity
    assert all(units <= stock[key] for key, units in taken.items())
    assert plan.cost_minor == sum(COSTS[loc] for loc in plan.locations)
    assert (
        plan_order(
            lines, stock, shipment_cost=cost, max_shipments=max_shipments, objective=objective
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
