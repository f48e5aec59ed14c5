"""Batch routing: a batch of orders planned together (``route_batch``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omskit.errors import InvalidInput
from omskit.geo import GeoPoint
from omskit.model import (
    Address,
    Capability,
    Channel,
    Delivery,
    Location,
    LocationKind,
    Order,
    OrderLine,
    Product,
)
from omskit.money import Money
from omskit.routing import RoutingDecision, RoutingProfile, default_profile, route
from omskit.routing import batch as batch_module
from omskit.routing.batch import BatchPlan, route_batch
from omskit.routing.replay import replay
from omskit.testing.routing import stock_networks

Stock = Mapping[str, Sequence[tuple[Location, int]]]

SHIP = {Capability.SHIP}
DC = Location("DC", "Centre", LocationKind.DISTRIBUTION_CENTRE, GeoPoint(52.09, 5.12), "NL", SHIP)
AMS = Location("AMS", "Amsterdam", LocationKind.STORE, GeoPoint(52.37, 4.89), "NL", SHIP)
PRODUCTS = {
    "MUG": Product("MUG", "Mug", weight_grams=400),
    "TEA": Product("TEA", "Tea", weight_grams=200),
}
UTRECHT = GeoPoint(52.10, 5.13)
EINDHOVEN = GeoPoint(51.44, 5.47)
PLACED = datetime(2026, 12, 1, 9, tzinfo=UTC)


def order(n: int, lines: Sequence[tuple[str, int]], point: GeoPoint | None) -> Order:
    return Order(
        f"O-{n}",
        Channel.WEB,
        f"W-{n}",
        "EUR",
        [OrderLine(str(i), sku, q, Money("1", "EUR")) for i, (sku, q) in enumerate(lines, 1)],
        Delivery.ship_to(Address("Street 1", "1000 AA", "Town", "NL", point=point)),
        PLACED,
    )


# The first order (next to the centre) would take the centre's last mug; the second
# (far from both) needs a mug and tea, and only the centre has both.
ORDERS = [order(1, [("MUG", 1)], UTRECHT), order(2, [("MUG", 1), ("TEA", 1)], EINDHOVEN)]
ORIGINS = [UTRECHT, EINDHOVEN]
STOCK: Stock = {"MUG": [(DC, 1), (AMS, 3)], "TEA": [(DC, 4)]}


def places(decision: RoutingDecision) -> list[tuple[str, str, int]]:
    return [
        (line.sku, a.location_id, a.quantity) for line in decision.lines for a in line.allocations
    ]


def left_by_others(
    stock: Stock, plan: BatchPlan, index: int
) -> dict[str, list[tuple[Location, int]]]:
    """The stock the batch leaves for order ``index``: everything the others took is gone."""
    taken: dict[tuple[str, str], int] = {}
    for other, decision in enumerate(plan.decisions):
        if other != index:
            for sku, location_id, units in places(decision):
                taken[(sku, location_id)] = taken.get((sku, location_id), 0) + units
    return {
        sku: [(loc, units - taken.get((sku, loc.location_id), 0)) for loc, units in pairs]
        for sku, pairs in stock.items()
    }


def plan(orders: Sequence[Order] = ORDERS, **kwargs: object) -> BatchPlan:
    arguments: dict[str, object] = {
        "profile": default_profile(),
        "stock": STOCK,
        "products": PRODUCTS,
        "origins": ORIGINS,
    }
    arguments.update(kwargs)
    return route_batch(orders, **arguments)  # type: ignore[arg-type]


def test_routing_in_turn_splits_the_later_order() -> None:
    in_turn = plan(max_rounds=0)
    assert places(in_turn.decisions[0]) == [("MUG", "DC", 1)]
    assert sorted(places(in_turn.decisions[1])) == [("MUG", "AMS", 1), ("TEA", "DC", 1)]
    assert (in_turn.swaps, in_turn.rounds, in_turn.settled) == (0, 0, False)
    assert in_turn.shipments == 3
    # The same as routing the orders one by one, each against what the earlier left.
    first = route(
        ORDERS[0], profile=default_profile(), origin=UTRECHT, stock=STOCK, products=PRODUCTS
    )
    assert first == in_turn.decisions[0]


def test_the_batch_keeps_the_units_a_later_order_needs_to_ship_in_one_parcel() -> None:
    in_turn = plan(max_rounds=0)
    together = plan()
    assert places(together.decisions[0]) == [("MUG", "AMS", 1)]
    assert sorted(places(together.decisions[1])) == [("MUG", "DC", 1), ("TEA", "DC", 1)]
    assert together.shipments == 2
    assert together.swaps == 1
    assert together.settled
    assert together.in_turn == (0, 3, in_turn.cost.to_minor())  # type: ignore[union-attr]
    assert together.cost is not None
    assert in_turn.cost is not None
    assert together.cost < in_turn.cost
    # The first order now pays a little more; the batch pays less.
    assert together.decisions[0].cost > in_turn.decisions[0].cost  # type: ignore[operator]


def test_every_decision_is_the_router_s_against_what_the_others_leave() -> None:
    together = plan()
    for index, decision in enumerate(together.decisions):
        alone = route(
            ORDERS[index],
            profile=default_profile(),
            origin=ORIGINS[index],
            stock=left_by_others(STOCK, together, index),
            products=PRODUCTS,
        )
        assert alone == decision
        assert alone.explain() == decision.explain()
    # The explanation shows the centre's mug as the first order's to take no more.
    notes = {n.location_id: n for n in together.decisions[0].lines[0].candidates}
    assert notes["DC"].sellable == 0
    assert notes["AMS"].sellable == 3


def test_the_batch_is_deterministic() -> None:
    assert plan() == plan()


def test_a_batch_without_conflicts_is_routing_in_turn() -> None:
    stock: Stock = {"MUG": [(DC, 5), (AMS, 3)], "TEA": [(DC, 4)]}
    in_turn = plan(stock=stock, max_rounds=0)
    together = plan(stock=stock)
    assert [places(d) for d in together.decisions] == [places(d) for d in in_turn.decisions]
    assert (together.swaps, together.rounds, together.settled) == (0, 1, True)


def test_unfillable_lines_stay_unfulfilled() -> None:
    orders = [order(1, [("MUG", 3)], UTRECHT), order(2, [("MUG", 4)], EINDHOVEN)]
    together = plan(orders)
    assert together.unfulfilled_units == 3
    assert sum(units for d in together.decisions for _, _, units in places(d)) == 4
    assert together.cost is not None


def test_a_batch_that_ships_nothing_costs_nothing() -> None:
    together = plan(stock={})
    assert together.cost is not None
    assert together.cost.to_minor() == 0
    assert together.in_turn == (3, 0, 0)
    assert together.unfulfilled_units == 3
    assert together.shipments == 0


def test_a_preference_profile_plans_the_batch_too() -> None:
    nearest = RoutingProfile.of("nearest", ["nearest"])
    in_turn = plan(profile=nearest, max_rounds=0)
    together = plan(profile=nearest)
    assert (in_turn.shipments, together.shipments) == (3, 2)
    assert together.settled


@pytest.mark.parametrize(
    ("arguments", "path"),
    [
        ({"origins": [UTRECHT]}, "origins"),
        ({"max_rounds": -1}, "max_rounds"),
        ({"max_rounds": True}, "max_rounds"),
        ({"max_rounds": 2.0}, "max_rounds"),
        ({"profile": "default"}, "profile"),
        ({"stock": {"MUG": [(DC, 1), (DC, 2)]}}, "stock.MUG[1]"),
        ({"products": {"MUG": PRODUCTS["MUG"]}}, "orders[1].lines[1].sku"),
    ],
)
def test_bad_input_is_refused(arguments: dict[str, object], path: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        plan(ORDERS, **arguments)
    assert caught.value.path == path


def test_an_order_that_is_not_an_order_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        plan([ORDERS[0], "O-2"])  # type: ignore[list-item]
    assert caught.value.path == "orders[1]"


def test_the_blockers_an_order_swaps_with_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch_module, "MAX_BLOCKERS", 0)
    capped = plan()
    assert capped.swaps == 0
    assert [places(d) for d in capped.decisions] == [
        places(d) for d in plan(max_rounds=0).decisions
    ]


def test_a_batch_replay_compares_with_routing_in_turn() -> None:
    profile = default_profile()
    in_turn = replay(ORDERS, stock=STOCK, products=PRODUCTS, profiles=[profile]).outcomes[0]
    together = replay(
        ORDERS, stock=STOCK, products=PRODUCTS, profiles=[profile], batch=True
    ).outcomes[0]
    assert (in_turn.shipments, in_turn.split_orders) == (3, 1)
    assert (together.shipments, together.split_orders) == (2, 0)
    assert together.cost is not None
    assert in_turn.cost is not None
    assert together.cost < in_turn.cost
    assert together.decisions == plan().decisions


def _key(plan: BatchPlan) -> tuple[int, int, int]:
    cost = 0 if plan.cost is None else plan.cost.to_minor()
    return (plan.unfulfilled_units, plan.shipments, cost)


@st.composite
def batches(
    draw: st.DrawFn,
) -> tuple[list[Order], list[GeoPoint | None], Stock, dict[str, Product]]:
    _, products, drawn = draw(stock_networks(max_locations=6, max_skus=4))
    # A few units per location, so that the orders compete for them.
    stock = {sku: [(loc, units % 5) for loc, units in pairs] for sku, pairs in drawn.items()}
    skus = sorted(products)
    orders = []
    origins: list[GeoPoint | None] = []
    for n in range(draw(st.integers(1, 8))):
        point = GeoPoint(
            draw(st.integers(50_800, 53_500)) / 1000, draw(st.integers(3_400, 7_200)) / 1000
        )
        lines = draw(
            st.lists(st.tuples(st.sampled_from(skus), st.integers(1, 4)), min_size=1, max_size=3)
        )
        orders.append(order(n, lines, point))
        origins.append(point)
    return orders, origins, stock, products


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches())
def test_a_batch_never_oversells_and_is_never_worse_than_in_turn(
    batch: tuple[list[Order], list[GeoPoint | None], Stock, dict[str, Product]],
) -> None:
    orders, origins, stock, products = batch
    profile = default_profile()
    kwargs = {"profile": profile, "stock": stock, "products": products, "origins": origins}
    together = route_batch(orders, **kwargs)  # type: ignore[arg-type]
    in_turn = route_batch(orders, max_rounds=0, **kwargs)  # type: ignore[arg-type]
    assert _key(in_turn) == in_turn.in_turn == together.in_turn
    assert _key(together) <= _key(in_turn)
    if together.swaps:  # each kept swap improved the batch, and settling kept the gain
        assert _key(together) < _key(in_turn)
    held = {(sku, loc.location_id): units for sku, pairs in stock.items() for loc, units in pairs}
    used: dict[tuple[str, str], int] = {}
    for o, decision in zip(orders, together.decisions, strict=True):
        assert decision.order_id == o.order_id
        for line, ordered in zip(decision.lines, o.lines, strict=True):
            assert sum(a.quantity for a in line.allocations) + line.unfulfilled == ordered.quantity
        for sku, location_id, units in places(decision):
            used[(sku, location_id)] = used.get((sku, location_id), 0) + units
    assert all(units <= held[position] for position, units in used.items())
    assert route_batch(orders, **kwargs) == together  # type: ignore[arg-type]
    if together.settled:
        for index, decision in enumerate(together.decisions):
            alone = route(
                orders[index],
                profile=profile,
                origin=origins[index],
                stock=left_by_others(stock, together, index),
                products=products,
            )
            assert places(alone) == places(decision)


def test_a_click_and_collect_order_needs_a_known_pickup_location() -> None:
    store = Location("UTR", "Utrecht", LocationKind.STORE, UTRECHT, "NL", SHIP)
    collect = Order(
        "O-C",
        Channel.WEB,
        "W-C",
        "EUR",
        (OrderLine("L1", "MUG", 1, Money("1.00", "EUR")),),
        Delivery.collect_at("UTR"),
        PLACED,
    )
    with pytest.raises(InvalidInput) as error:
        route_batch(
            [ORDERS[0], collect],
            profile=default_profile(),
            stock=STOCK,
            products=PRODUCTS,
            origins=[UTRECHT, UTRECHT],
        )
    assert error.value.path == "orders[1].delivery.pickup_location_id"
    # Given the store (it takes no transfers), the order is handed over nothing.
    batch = route_batch(
        [ORDERS[0], collect],
        profile=default_profile(),
        stock=STOCK,
        products=PRODUCTS,
        origins=[UTRECHT, UTRECHT],
        locations={"UTR": store, "DC": DC, "AMS": AMS},
    )
    assert batch.decisions[1].lines[0].allocations == ()
    assert batch.decisions[1].lines[0].unfulfilled == 1
