"""The routing engine on the brief's scenarios (B1-B6) and its explanations."""

from __future__ import annotations

import contextlib
import math
import pickle
import threading
from collections import UserList
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from omskit.errors import DefinitionError, InvalidInput
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
from omskit.routing import _express, builtins, engine
from omskit.routing import strategy as strategy_module
from omskit.routing._eligible import _eligible
from omskit.routing.cost import DistanceCostModel, minor_units
from omskit.routing.decision import RoutingDecision
from omskit.routing.engine import route
from omskit.routing.planner import DEFAULT_SEARCH_LIMIT, PlanLine, plan_order
from omskit.routing.profile import Objective, RoutingProfile, Rule, default_profile
from omskit.routing.scarcity import Scarcity
from omskit.routing.strategy import CandidateView, Excluded, LineContext

NOW = datetime(2026, 12, 1, tzinfo=UTC)
AMSTERDAM = GeoPoint(52.3702, 4.8952)
HOME = Address("Damrak 1", "1012 LG", "Amsterdam", "NL", point=GeoPoint(52.375, 4.89))
SHIP = {Capability.SHIP, Capability.CLICK_AND_COLLECT}

STORE_AMS = Location("AMS", "Store Amsterdam", LocationKind.STORE, AMSTERDAM, "NL", SHIP)
STORE_UTR = Location("UTR", "Store Utrecht", LocationKind.STORE, GeoPoint(52.09, 5.12), "NL", SHIP)
STORE_RTM = Location(
    "RTM", "Store Rotterdam", LocationKind.STORE, GeoPoint(51.92, 4.48), "NL", SHIP
)
DC = Location(
    "DC",
    "DC Tilburg",
    LocationKind.DISTRIBUTION_CENTRE,
    GeoPoint(51.56, 5.09),
    "NL",
    {Capability.SHIP, Capability.HANDLES_FRAGILE},
    daily_capacity=100,
)
PRODUCTS = {
    "BEANS": Product("BEANS", "Beans", weight_grams=1000),
    "CUPS": Product("CUPS", "Cups", weight_grams=900, fragile=True),
    "KETTLE": Product("KETTLE", "Kettle", weight_grams=1200),
}


def order(*lines: tuple[str, int], order_id: str = "O-1") -> Order:
    return Order(
        order_id,
        Channel.WEB,
        "W-1",
        "EUR",
        tuple(
            OrderLine(f"L{n}", sku, qty, Money("1.00", "EUR"))
            for n, (sku, qty) in enumerate(lines, 1)
        ),
        Delivery.ship_to(HOME),
        NOW,
    )


def stock(**by_sku: dict[Location, int]) -> dict[str, list[tuple[Location, int]]]:
    return {sku: list(entries.items()) for sku, entries in by_sku.items()}


def routed_home(placed: Order, profile: RoutingProfile, **by_sku: dict[Location, int]) -> Any:
    """``placed`` routed with ``profile`` to HOME, on the stock ``by_sku``."""
    return route(
        placed, profile=profile, origin=HOME.point, stock=stock(**by_sku), products=PRODUCTS
    )


def where(decision_line: object) -> list[tuple[str, int]]:
    return [(a.location_id, a.quantity) for a in decision_line.allocations]  # type: ignore[attr-defined]


def test_nearest_wins() -> None:
    profile = RoutingProfile.of("n", ["nearest"])
    decision = route(
        order(("BEANS", 2)),
        profile=profile,
        origin=HOME.point,
        stock=stock(BEANS={DC: 50, STORE_UTR: 10, STORE_AMS: 10}),
        products=PRODUCTS,
    )
    assert where(decision.lines[0]) == [("AMS", 2)]
    assert decision.lines[0].deciding_rule == "nearest"
    assert decision.profile == "n@1"


def test_the_nearest_store_is_skipped_below_five_units() -> None:
    profile = RoutingProfile.of("store-friendly", [("min_stock", builtins.min_stock(5)), "nearest"])
    decision = route(
        order(("BEANS", 2)),
        profile=profile,
        origin=HOME.point,
        stock=stock(BEANS={STORE_AMS: 6, STORE_UTR: 20, DC: 50}),
        products=PRODUCTS,
    )
    line = decision.lines[0]
    assert where(line) == [("UTR", 2)]
    ams = next(n for n in line.candidates if n.location_id == "AMS")
    assert ams.excluded
    assert ams.excluded_by == "min_stock"
    assert "would keep 4 units, fewer than 5" in ams.reason


def test_min_stock_counts_every_line_of_the_sku() -> None:
    # Two lines of 3 BEANS would leave AMS (8 units) with 2, as one line of 6 would.
    profile = RoutingProfile.of("store-friendly", [("min_stock", builtins.min_stock(5)), "nearest"])
    for lines in ([("BEANS", 3), ("BEANS", 3)], [("BEANS", 6)]):
        decision = routed_home(order(*lines), profile, BEANS={STORE_AMS: 8, DC: 100})
        assert [where(line) for line in decision.lines] == [
            [("DC", quantity)] for _, quantity in lines
        ]
        for line in decision.lines:
            ams = next(n for n in line.candidates if n.location_id == "AMS")
            assert ams.excluded_by == "min_stock"
            assert "would keep 2 units, fewer than 5" in ams.reason


def test_a_line_context_knows_what_the_order_asks_of_its_sku() -> None:
    placed = order(("BEANS", 3), ("KETTLE", 1), ("BEANS", 2))
    contexts = [LineContext(placed, line, PRODUCTS[line.sku], HOME.point) for line in placed.lines]
    assert [(c.quantity, c.sku_quantity) for c in contexts] == [(3, 5), (1, 1), (2, 5)]


def test_load_balancing_excludes_a_location_without_daily_capacity() -> None:
    closed = attrs.evolve(STORE_AMS, daily_capacity=0)
    free = attrs.evolve(STORE_UTR, daily_capacity=None)
    busy = attrs.evolve(DC, daily_capacity=100)
    profile = RoutingProfile.of("lb", ["load_balancing", "nearest"])
    decision = route(
        order(("BEANS", 1)),
        profile=profile,
        origin=HOME.point,
        stock=stock(BEANS={closed: 5, free: 5, busy: 5}),
        products=PRODUCTS,
        workload={"AMS": 0, "UTR": 50, "DC": 10},
    )
    line = decision.lines[0]
    assert where(line) == [("UTR", 1)]  # 50 / 1 000 beats 10 / 100; AMS takes nothing
    notes = {note.location_id: note for note in line.candidates}
    assert notes["AMS"].excluded_by == "load_balancing"
    assert "daily capacity of 0" in notes["AMS"].reason
    assert dict(notes["DC"].scores)["load_balancing"] == pytest.approx(0.1)


def test_a_location_another_line_of_the_sku_used_up_says_so() -> None:
    decision = routed_home(
        order(("BEANS", 3), ("BEANS", 3)), default_profile(), BEANS={STORE_AMS: 3, DC: 3}
    )
    assert [where(line) for line in decision.lines] == [[("AMS", 3)], [("DC", 3)]]
    ams = next(n for n in decision.lines[1].candidates if n.location_id == "AMS")
    assert ams.reason == (
        "skipped: the order's other lines of this SKU take 3 of its 3 units, line needs 3"
    )


def test_fragile_goods_go_to_the_specialised_warehouse() -> None:
    decision = route(
        order(("CUPS", 1)),
        profile=default_profile(),
        origin=HOME.point,
        stock=stock(CUPS={STORE_AMS: 5, DC: 5}),
        products=PRODUCTS,
    )
    line = decision.lines[0]
    assert where(line) == [("DC", 1)]
    ams = next(n for n in line.candidates if n.location_id == "AMS")
    assert (ams.excluded_by, ams.reason) == ("eligibility", "excluded: cannot handle fragile goods")


def test_a_configured_specialisation_excludes_heavy_goods_from_stores() -> None:
    heavy = builtins.specialisation(heavy_grams=1100, heavy=["receive_transfers"])
    profile = RoutingProfile.of("heavy", [("specialisation", heavy), "nearest"])
    decision = route(
        order(("KETTLE", 1)),
        profile=profile,
        origin=HOME.point,
        stock=stock(KETTLE={STORE_AMS: 5, DC: 5}),
        products=PRODUCTS,
    )
    assert decision.lines[0].unfulfilled == 1
    reasons = {n.location_id: n.reason for n in decision.lines[0].candidates}
    assert reasons["AMS"] == "excluded by specialisation: lacks receive_transfers for KETTLE"


def test_load_balancing_spreads_a_peak() -> None:
    profile = RoutingProfile.of("peak", ["load_balancing", "nearest"])
    busy = {"AMS": 80, "UTR": 10, "DC": 60}
    cheap_ams = Location(
        "AMS", "Store Amsterdam", LocationKind.STORE, AMSTERDAM, "NL", SHIP, daily_capacity=100
    )
    utr = Location(
        "UTR", "Store Utrecht", LocationKind.STORE, STORE_UTR.point, "NL", SHIP, daily_capacity=40
    )
    decision = route(
        order(("BEANS", 1)),
        profile=profile,
        origin=HOME.point,
        stock=stock(BEANS={cheap_ams: 10, utr: 10, DC: 10}),
        products=PRODUCTS,
        workload=busy,
    )
    # Utrecht: 10/40 = 0.25; Tilburg 60/100 = 0.6; Amsterdam 80/100 = 0.8.
    assert where(decision.lines[0]) == [("UTR", 1)]
    scores = {n.location_id: dict(n.scores)["load_balancing"] for n in decision.lines[0].candidates}
    assert scores == {"UTR": 0.25, "DC": 0.6, "AMS": 0.8}


def test_co2_prefers_the_lower_emission_option() -> None:
    bike = builtins.co2(modes={"RTM": "cargo_bike"})
    profile = RoutingProfile.of("green", [("co2", bike), "nearest"])
    decision = routed_home(order(("BEANS", 1)), profile, BEANS={STORE_RTM: 10, STORE_UTR: 10})
    # Rotterdam is farther, but its cargo bikes emit far less than Utrecht's vans.
    assert where(decision.lines[0]) == [("RTM", 1)]
    assert decision.lines[0].deciding_rule == "co2"


def test_co2_counts_road_km_with_its_road_factor() -> None:
    # 100 great-circle km, 2 kg: road km x tonnes x the van's 500 g per tonne-km.
    assert builtins.co2().shipment_grams("AMS", 100.0, 2000) == pytest.approx(130.0)
    winding = builtins.co2(road_factor="1.6")
    assert winding.shipment_grams("AMS", 100.0, 2000) == pytest.approx(160.0)
    assert winding.to_rule() == {"use": "co2", "road_factor": "1.6"}
    with pytest.raises(InvalidInput) as error:
        builtins.co2(road_factor="0.8")
    assert error.value.path == "road_factor"


def test_a_split_when_no_location_has_it_all() -> None:
    decision = route(
        order(("BEANS", 12)),
        profile=default_profile(),
        origin=HOME.point,
        stock=stock(BEANS={STORE_AMS: 5, STORE_UTR: 4, DC: 8}),
        products=PRODUCTS,
    )
    line = decision.lines[0]
    assert line.unfulfilled == 0
    assert sum(q for _, q in where(line)) == 12
    assert len(line.allocations) == 2
    assert decision.shipment_count == 2
    assert line.decided_by.startswith("split over 2 locations")


def test_one_location_for_the_whole_order_beats_nearer_splits() -> None:
    decision = route(
        order(("BEANS", 2), ("KETTLE", 1)),
        profile=default_profile(),
        origin=HOME.point,
        stock=stock(BEANS={STORE_AMS: 5, DC: 5}, KETTLE={STORE_UTR: 5, DC: 5}),
        products=PRODUCTS,
    )
    assert [where(line) for line in decision.lines] == [[("DC", 2)], [("DC", 1)]]
    assert decision.shipment_count == 1
    assert decision.decided_by == "the fewest shipments"


def test_max_splits_caps_the_shipments_and_leaves_the_rest_unfulfilled() -> None:
    profile = RoutingProfile.of("one-box", ["nearest"], max_splits=0)
    decision = route(
        order(("BEANS", 2), ("KETTLE", 1)),
        profile=profile,
        origin=HOME.point,
        stock=stock(BEANS={STORE_AMS: 5}, KETTLE={STORE_UTR: 5}),
        products=PRODUCTS,
    )
    assert decision.shipment_count == 1
    assert sum(line.unfulfilled for line in decision.lines) == 1


def test_a_line_that_cannot_be_filled_is_unfulfilled_not_an_error() -> None:
    decision = route(
        order(("KETTLE", 3)),
        profile=default_profile(),
        origin=HOME.point,
        stock=stock(KETTLE={STORE_AMS: 0}),
        products=PRODUCTS,
    )
    line = decision.lines[0]
    assert (line.allocations, line.unfulfilled) == ((), 3)
    assert line.decided_by == "no eligible location has sellable stock"
    assert line.candidates[0].reason == "excluded: no sellable stock"


def test_lines_of_one_sku_share_its_stock() -> None:
    decision = route(
        order(("BEANS", 3), ("BEANS", 3)),
        profile=RoutingProfile.of("n", ["nearest"]),
        origin=HOME.point,
        stock=stock(BEANS={STORE_AMS: 4, DC: 10}),
        products=PRODUCTS,
    )
    taken_at_ams = sum(
        a.quantity for line in decision.lines for a in line.allocations if a.location_id == "AMS"
    )
    assert taken_at_ams <= 4
    assert all(line.unfulfilled == 0 for line in decision.lines)


def test_the_decision_is_deterministic_and_explains_itself() -> None:
    args = {
        "profile": default_profile(),
        "origin": HOME.point,
        "stock": stock(BEANS={STORE_AMS: 1, STORE_UTR: 6, STORE_RTM: 6, DC: 40}),
        "products": PRODUCTS,
    }
    first = route(order(("BEANS", 2)), **args)  # type: ignore[arg-type]
    assert route(order(("BEANS", 2)), **args) == first  # type: ignore[arg-type]
    text = first.explain()
    assert "routed by default@1" in text
    assert "skipped: only 1 sellable, line needs 2" in text
    assert "nearest=" in text
    assert first.cost is not None
    assert first.cost.currency == "EUR"
    assert first.cost.amount > Money("4.50", "EUR").amount


def test_the_text_says_per_line_why_and_which_rule_ranked_it_first() -> None:
    b3 = RoutingProfile.of("b3", [("min_stock", builtins.min_stock(2)), "nearest"])
    decision = route(
        order(("BEANS", 2), ("KETTLE", 1)),
        profile=b3,
        origin=HOME.point,
        stock=stock(BEANS={STORE_AMS: 9, STORE_UTR: 9}, KETTLE={}),
        products=PRODUCTS,
    )
    lines = decision.explain().splitlines()
    assert decision.lines[0].deciding_rule == "nearest"
    assert lines[2] == "  line L1 BEANS x2: 2 from AMS (best ranked by nearest)"
    assert lines[5] == (
        "  line L2 KETTLE x1: nothing allocated; 1 unfulfilled "
        "(no eligible location has sellable stock)"
    )


def test_a_decision_that_ships_nothing_says_so() -> None:
    decision = routed_home(order(("BEANS", 2)), default_profile(), BEANS={STORE_AMS: 0})
    assert decision.shipment_count == 0
    assert decision.decided_by == "nothing to ship: no line has a location to fill it"
    assert decision.explain().splitlines()[1] == (
        "  0 shipment(s), cost EUR 0.00; nothing to ship: no line has a location to fill it"
    )


def test_a_weighted_profile_trades_distance_against_load() -> None:
    profile = RoutingProfile.from_dict(
        {
            "name": "balanced",
            "combine": "weighted",
            "rule": [
                {"use": "nearest", "weight": "1"},
                {"use": "load_balancing", "weight": "3"},
            ],
        }
    )
    decision = route(
        order(("BEANS", 1)),
        profile=profile,
        origin=HOME.point,
        stock=stock(BEANS={STORE_AMS: 10, DC: 10}),
        products=PRODUCTS,
        workload={"AMS": 900, "DC": 0},
    )
    assert where(decision.lines[0]) == [("DC", 1)]
    assert decision.lines[0].deciding_rule == "weighted score"


def test_a_weighted_profile_normalises_over_the_candidates_no_rule_excludes() -> None:
    # C is excluded by min_stock whatever it holds; its distance and load must not move
    # the balance between A and B (before, C holding 2 units stretched the scales).
    near = Location("A", "Near", LocationKind.STORE, GeoPoint(52.09, 5.0), "NL", SHIP)
    next_ = Location("B", "Next", LocationKind.STORE, GeoPoint(52.18, 5.0), "NL", SHIP)
    far = Location("C", "Far", LocationKind.STORE, GeoPoint(53.0, 5.0), "NL", SHIP)
    profile = RoutingProfile.from_dict(
        {
            "name": "w",
            "combine": "weighted",
            "rule": [
                {"use": "min_stock", "units": 3},
                {"use": "nearest", "weight": "1.1"},
                {"use": "load_balancing", "weight": "1"},
            ],
        }
    )
    chosen = []
    for held in (0, 2):
        decision = route(
            order(("BEANS", 1)),
            profile=profile,
            origin=GeoPoint(52.0, 5.0),
            stock=stock(BEANS={near: 10, next_: 10, far: held}),
            products=PRODUCTS,
            workload={"A": 500, "C": 500},
        )
        chosen.append(where(decision.lines[0]))
        notes = {note.location_id: note for note in decision.lines[0].candidates}
        assert notes["C"].excluded
    # Over A and B alone: A scores 1.1 x 0 (nearest) + 1 x 1 (busiest) = 1, B 1.1 x 1 + 0.
    assert chosen == [[("A", 1)], [("A", 1)]]


def test_a_plain_function_is_a_strategy() -> None:
    def dc_first(line: LineContext, candidates: Sequence[CandidateView]) -> list[float]:
        return [
            0.0 if c.location.kind is LocationKind.DISTRIBUTION_CENTRE else 1.0 for c in candidates
        ]

    decision = route(
        order(("BEANS", 1)),
        profile=RoutingProfile.of("dc", [dc_first, "nearest"]),
        origin=HOME.point,
        stock=stock(BEANS={STORE_AMS: 10, DC: 10}),
        products=PRODUCTS,
    )
    assert where(decision.lines[0]) == [("DC", 1)]
    assert decision.lines[0].deciding_rule == "dc_first"


def test_a_strategy_that_answers_nonsense_is_a_definition_error() -> None:
    def short(line: LineContext, candidates: Sequence[CandidateView]) -> list[float]:
        return [0.0]

    def words(line: LineContext, candidates: Sequence[CandidateView]) -> list[object]:
        return ["near" for _ in candidates]

    for bad in (short, words):
        with pytest.raises(DefinitionError, match=bad.__name__):
            route(
                order(("BEANS", 1)),
                profile=RoutingProfile.of("bad", [bad]),  # type: ignore[list-item]
                origin=HOME.point,
                stock=stock(BEANS={STORE_AMS: 10, DC: 10}),
                products=PRODUCTS,
            )


@pytest.mark.parametrize(
    ("placed", "path"),
    [(order(("NOPE", 1)), "lines[0].sku"), ({"lines": []}, "order")],
    ids=["a line without a product", "not an order"],
)
def test_an_order_route_cannot_read_is_refused(placed: Any, path: str) -> None:
    with pytest.raises(InvalidInput) as error:
        route(placed, profile=default_profile(), origin=None, stock={}, products=PRODUCTS)
    assert error.value.path == path


def test_the_cost_objective_picks_the_cheaper_pair() -> None:
    prefer_far = builtins.priority(["RTM", "UTR", "AMS"])
    by_rank = RoutingProfile.of("rank", [("priority", prefer_far)])
    by_cost = RoutingProfile.of("cost", [("priority", prefer_far)], objective=Objective.COST)
    args = {
        "origin": HOME.point,
        "stock": stock(BEANS={STORE_AMS: 3, STORE_RTM: 3, STORE_UTR: 3}),
        "products": PRODUCTS,
    }
    ranked = route(order(("BEANS", 5)), profile=by_rank, **args)  # type: ignore[arg-type]
    cheap = route(order(("BEANS", 5)), profile=by_cost, **args)  # type: ignore[arg-type]
    assert {a.location_id for a in ranked.lines[0].allocations} == {"RTM", "UTR"}
    assert {a.location_id for a in cheap.lines[0].allocations} == {"AMS", "UTR"}
    assert cheap.cost is not None
    assert ranked.cost is not None
    assert cheap.cost.amount < ranked.cost.amount


def test_excluded_is_a_reasoned_verdict() -> None:
    with pytest.raises(InvalidInput):
        Excluded(" ")
    with pytest.raises(InvalidInput):
        Excluded(3)  # type: ignore[arg-type]


def test_excluded_gives_one_value_per_reason_and_stays_immutable() -> None:
    first = Excluded("too far")
    assert Excluded("too far") is first
    assert Excluded("too close") is not first
    assert Excluded("too close") != first
    assert pickle.loads(pickle.dumps(first)) == first
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        first.reason = "changed"
    assert first.reason == "too far"

    class Soft(Excluded):
        __slots__ = ()

    soft = Soft("too far")
    assert type(soft) is Soft
    assert soft is not first
    assert soft != first
    assert type(Excluded("too far")) is Excluded  # a subclass never takes the shared value


def test_a_subclass_of_excluded_excludes_the_candidate() -> None:
    class Closed(Excluded):
        __slots__ = ()

    def closed_amsterdam(line: LineContext, candidates: Sequence[CandidateView]) -> list[Any]:
        return [
            Closed("closed today") if c.location_id == "AMS" else c.distance_km or 0.0
            for c in candidates
        ]

    profile = RoutingProfile.of("closed", [closed_amsterdam])
    decision = routed_home(order(("BEANS", 2)), profile, BEANS={STORE_AMS: 5, DC: 5})
    assert where(decision.lines[0]) == [("DC", 2)]
    note = next(n for n in decision.lines[0].candidates if n.location_id == "AMS")
    assert note.excluded_by == "closed_amsterdam"
    assert "closed today" in (note.reason or "")


def test_excluded_reasons_past_the_shared_limit_are_made_afresh(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(strategy_module, "_INTERNED", {})
    monkeypatch.setattr(strategy_module, "_INTERNED_LIMIT", 2)
    kept = [Excluded(f"reason {n}") for n in range(2)]
    assert all(Excluded(f"reason {n}") is kept[n] for n in range(2))
    late = Excluded("reason 9")
    assert Excluded("reason 9") == late
    assert Excluded("reason 9") is not late
    assert len(strategy_module._INTERNED) == 2


def test_click_and_collect_takes_transfers_only_into_a_store_that_receives_them() -> None:
    collect = attrs.evolve(order(("BEANS", 3)), delivery=Delivery.collect_at("UTR"))
    args = {
        "profile": default_profile(),
        "origin": STORE_UTR.point,
        "stock": stock(BEANS={STORE_UTR: 1, DC: 10}),
        "products": PRODUCTS,
    }
    closed = route(collect, pickup=STORE_UTR, **args)  # type: ignore[arg-type]
    assert where(closed.lines[0]) == [("UTR", 1)]
    assert closed.lines[0].unfulfilled == 2
    dc_note = next(n for n in closed.lines[0].candidates if n.location_id == "DC")
    assert dc_note.reason == "excluded: the pickup location UTR does not receive transfers"
    receiving = attrs.evolve(STORE_UTR, capabilities=SHIP | {Capability.RECEIVE_TRANSFERS})
    open_store = route(collect, pickup=receiving, **args)  # type: ignore[arg-type]
    assert open_store.lines[0].unfulfilled == 0
    assert {a.location_id for a in open_store.lines[0].allocations} == {"DC"}
    with pytest.raises(InvalidInput):
        route(collect, pickup=STORE_AMS, **args)  # type: ignore[arg-type]


def test_a_click_and_collect_order_without_pickup_uses_the_store_the_stock_names() -> None:
    collect = attrs.evolve(order(("BEANS", 3)), delivery=Delivery.collect_at("UTR"))
    args = {"profile": default_profile(), "origin": STORE_UTR.point, "products": PRODUCTS}
    # UTR (no RECEIVE_TRANSFERS) is in the stock: only its own unit is handed over.
    decision = route(collect, stock=stock(BEANS={STORE_UTR: 1, DC: 10}), **args)  # type: ignore[arg-type]
    assert decision == route(
        collect,
        stock=stock(BEANS={STORE_UTR: 1, DC: 10}),
        pickup=STORE_UTR,
        **args,  # type: ignore[arg-type]
    )
    assert where(decision.lines[0]) == [("UTR", 1)]
    # A pickup store the stock does not name cannot be judged: the caller must give it.
    with pytest.raises(InvalidInput) as error:
        route(collect, stock=stock(BEANS={DC: 10}), **args)  # type: ignore[arg-type]
    assert error.value.path == "pickup"
    assert "'UTR'" in str(error.value)


def test_any_real_number_is_a_score() -> None:
    from decimal import Decimal
    from fractions import Fraction

    from omskit.routing.strategy import check_scores

    assert check_scores([Decimal("1.5"), Fraction(1, 4), 2, Excluded("x")], 4, name="s") == [
        1.5,
        0.25,
        2.0,
        Excluded("x"),
    ]
    for bad in (Decimal("NaN"), Decimal("sNaN"), Decimal("1e400"), True, "1"):
        with pytest.raises(DefinitionError):
            check_scores([bad], 1, name="s")

    def by_decimal_distance(line: LineContext, candidates: Sequence[CandidateView]) -> list[Any]:
        return [Decimal(str(c.distance_km)) for c in candidates]

    decision = routed_home(
        order(("BEANS", 1)),
        RoutingProfile.of("d", [by_decimal_distance]),
        BEANS={STORE_AMS: 5, DC: 5},
    )
    assert where(decision.lines[0]) == [("AMS", 1)]


# --- memoised stock lists: the same decisions as fresh ones --------------------------------

NETWORK_POINTS = [
    GeoPoint(52.37, 4.89),
    GeoPoint(52.09, 5.12),
    GeoPoint(51.92, 4.48),
    GeoPoint(51.56, 5.09),
    GeoPoint(51.44, 5.47),
    GeoPoint(53.22, 6.57),
]


Network = tuple[dict[str, list[tuple[Location, int]]], dict[str, Product], list[Order]]
"""Stock per SKU, the products, orders to route."""


@st.composite
def networks(
    draw: st.DrawFn,
) -> Network:
    """Locations with random capabilities and channels, stock of four SKUs, a few orders."""
    capabilities = st.frozensets(
        st.sampled_from([Capability.SHIP, Capability.HANDLES_FRAGILE, Capability.RECEIVE_TRANSFERS])
    )
    locations = [
        Location(
            f"L{n}",
            f"Location {n}",
            LocationKind.STORE,
            draw(st.sampled_from(NETWORK_POINTS)),
            "NL",
            draw(capabilities),
            draw(st.frozensets(st.sampled_from([Channel.WEB, Channel.MARKETPLACE]), min_size=1)),
        )
        for n in range(draw(st.integers(1, 6)))
    ]
    products = {
        sku: Product(
            sku, sku, weight_grams=draw(st.integers(100, 3000)), fragile=draw(st.booleans())
        )
        for sku in ("A", "B", "C", "D")
    }
    held = {
        sku: [(loc, draw(st.integers(-1, 6))) for loc in locations if draw(st.booleans())]
        for sku in products
    }
    orders = []
    for n in range(draw(st.integers(1, 4))):
        lines = draw(
            st.lists(
                st.tuples(st.sampled_from(list(products)), st.integers(1, 8)),
                min_size=1,
                max_size=4,
            )
        )
        point = draw(st.sampled_from([*NETWORK_POINTS, None]))
        orders.append(
            Order(
                f"O-{n}",
                draw(st.sampled_from([Channel.WEB, Channel.MARKETPLACE])),
                f"W-{n}",
                "EUR",
                tuple(
                    OrderLine(f"L{i}", sku, qty, Money("1.00", "EUR"))
                    for i, (sku, qty) in enumerate(lines, 1)
                ),
                Delivery.ship_to(attrs.evolve(HOME, point=point)),
                NOW,
            )
        )
    return held, products, orders


@settings(max_examples=150, deadline=None)
@given(network=networks(), objective=st.sampled_from(Objective))
def test_routing_a_stock_tuple_twice_decides_as_a_fresh_list_does(
    network: Network,
    objective: Objective,
) -> None:
    # Tuples (as the availability index hands them out) are judged once and memoised.
    held, products, orders = network
    profile = RoutingProfile.of("p", ["specialisation", "nearest"], objective=objective)
    kept = {sku: tuple(entries) for sku, entries in held.items()}
    for _ in range(2):
        for placed in orders:
            origin = None if placed.delivery.address is None else placed.delivery.address.point
            fresh = route(
                placed,
                profile=profile,
                origin=origin,
                stock={sku: list(entries) for sku, entries in held.items()},
                products=products,
            )
            memoised = route(placed, profile=profile, origin=origin, stock=kept, products=products)
            assert memoised == fresh
            assert memoised.explain() == fresh.explain()


def test_a_new_stock_tuple_is_judged_afresh() -> None:
    placed = order(("BEANS", 2))
    before = route(
        placed,
        profile=default_profile(),
        origin=HOME.point,
        stock={"BEANS": ((STORE_AMS, 5), (DC, 5))},
        products=PRODUCTS,
    )
    after = route(
        placed,
        profile=default_profile(),
        origin=HOME.point,
        stock={"BEANS": ((STORE_AMS, 0), (DC, 5))},
        products=PRODUCTS,
    )
    assert where(before.lines[0]) == [("AMS", 2)]
    assert where(after.lines[0]) == [("DC", 2)]


def test_a_stock_list_changed_in_place_is_judged_afresh() -> None:
    # Lists are memoised too, but only while they hold the pairs that were judged.
    placed = order(("BEANS", 2))
    beans = [(STORE_AMS, 5), (DC, 5)]

    def routed() -> list[tuple[str, int]]:
        decision = route(
            placed,
            profile=default_profile(),
            origin=HOME.point,
            stock={"BEANS": beans},
            products=PRODUCTS,
        )
        return where(decision.lines[0])

    assert routed() == [("AMS", 2)]
    beans[0] = (STORE_AMS, 0)
    assert routed() == [("DC", 2)]
    beans.append((STORE_UTR, 9))
    assert routed() == [("UTR", 2)]
    beans.clear()
    assert routed() == []


def test_an_unchanged_stock_list_is_judged_once() -> None:
    key = (Channel.WEB, (False, False), None, False)
    beans = [(STORE_AMS, 5), (DC, 5)]
    first = _eligible(beans, key, PRODUCTS["BEANS"])
    assert _eligible(beans, key, PRODUCTS["BEANS"]) is first
    # The pairs judged are the list's own: a later look compares them by identity, not value.
    assert first.snapshot is not None
    assert all(kept is given for kept, given in zip(first.snapshot, beans, strict=True))
    assert _eligible(list(beans), key, PRODUCTS["BEANS"]).ids == first.ids
    beans[1] = (DC, 6)
    changed = _eligible(beans, key, PRODUCTS["BEANS"])
    assert changed is not first
    assert changed.units == (5, 6)
    # A pair that is itself a list, changed in place, is judged afresh.
    pairs = [[STORE_AMS, 5]]
    assert _eligible(pairs, key, PRODUCTS["BEANS"]).units == (5,)  # type: ignore[arg-type]
    pairs[0][1] = 7
    assert _eligible(pairs, key, PRODUCTS["BEANS"]).units == (7,)  # type: ignore[arg-type]
    # Another kind of sequence is compared by its pairs.
    held = UserList([(STORE_AMS, 5), (DC, 5)])
    kept = _eligible(held, key, PRODUCTS["BEANS"])
    assert _eligible(held, key, PRODUCTS["BEANS"]) is kept
    held[0] = (STORE_AMS, 1)
    assert _eligible(held, key, PRODUCTS["BEANS"]).units == (1, 5)


@settings(max_examples=150, deadline=None)
@given(network=networks(), objective=st.sampled_from(Objective))
def test_the_engine_plans_as_plan_order_does_on_its_rankings(
    network: Network,
    objective: Objective,
) -> None:
    # min_stock ranks lines of one SKU differently: the planner sees the union of their stock.
    held, products, orders = network
    profile = RoutingProfile.of(
        "p", [("min_stock", builtins.min_stock(2)), "nearest"], objective=objective
    )
    model = profile.cost_model
    by_id = {loc.location_id: loc for entries in held.values() for loc, _ in entries}
    for placed in orders:
        origin = None if placed.delivery.address is None else placed.delivery.address.point
        decision = route(placed, profile=profile, origin=origin, stock=held, products=products)
        lines = []
        stock: dict[tuple[str, str], int] = {}
        for line, decided in zip(placed.lines, decision.lines, strict=True):
            ranked = sorted(
                (n for n in decided.candidates if n.rank is not None), key=lambda n: n.rank or 0
            )
            for note in decided.candidates:
                if not note.excluded or note.excluded_by != "eligibility":
                    stock[(line.sku, note.location_id)] = note.sellable
            lines.append(
                PlanLine(
                    line.line_id,
                    line.sku,
                    line.quantity,
                    products[line.sku].weight_grams,
                    tuple(n.location_id for n in ranked),
                )
            )

        def shipment_cost(loc: str, grams: int, origin: GeoPoint | None = origin) -> int:
            return minor_units(model, location=by_id[loc], origin=origin, weight_grams=grams)

        plan = plan_order(
            lines,
            stock,
            shipment_cost=shipment_cost,
            max_shipments=profile.max_shipments,
            objective=objective,
        )
        assert plan.allocations == tuple(d.allocations for d in decision.lines)
        assert plan.unfulfilled == tuple(d.unfulfilled for d in decision.lines)
        assert plan.decided_by == decision.decided_by
        assert plan.exact == decision.exact


# ---------------------------------------------------------------------- the express path

EXPRESS_POINTS = [
    GeoPoint(52.37, 4.89),
    GeoPoint(52.3701, 4.8901),  # a few metres off: equal shipping costs, different distances
    GeoPoint(52.09, 5.12),
    GeoPoint(51.92, 4.48),
    GeoPoint(51.44, 5.47),
]


def _stock_then_distance(line: LineContext, candidates: Sequence[CandidateView]) -> list[Any]:
    """A strategy of a shop's own: excludes thin stock, else prefers more stock, then nearer."""
    return [
        Excluded("thin") if c.sellable < line.quantity + 1 else -c.sellable + (c.distance_km or 0)
        for c in candidates
    ]


def _drawn_stores(
    draw: st.DrawFn,
    sizes: tuple[int, int],
    point: Callable[[], GeoPoint],
    capabilities: Callable[[], frozenset[Capability] | set[Capability]],
) -> list[Location]:
    """Stores L0, L1, ... (as many as drawn from ``sizes``), each at a point with capabilities."""
    return [
        Location(f"L{n}", f"Location {n}", LocationKind.STORE, point(), "NL", capabilities())
        for n in range(draw(st.integers(*sizes)))
    ]


@st.composite
def express_networks(draw: st.DrawFn) -> tuple[Network, RoutingProfile]:
    """Networks with ties in distance and cost, and the profiles the express path serves."""
    capabilities = st.frozensets(
        st.sampled_from([Capability.SHIP, Capability.HANDLES_FRAGILE, Capability.RECEIVE_TRANSFERS])
    )
    locations = _drawn_stores(
        draw,
        (2, 9),
        lambda: draw(st.sampled_from(EXPRESS_POINTS)),
        lambda: draw(capabilities) | {Capability.SHIP},
    )
    products = {
        sku: Product(
            sku,
            sku,
            weight_grams=draw(st.integers(100, 3000)),
            fragile=draw(st.booleans()),
            hazardous=draw(st.booleans()),
        )
        for sku in ("A", "B", "C", "D")
    }
    held = {
        sku: [(loc, draw(st.integers(-1, 12))) for loc in locations if draw(st.integers(0, 3))]
        for sku in products
    }
    orders = []
    for n in range(draw(st.integers(1, 3))):
        skus = draw(st.lists(st.sampled_from(list(products)), min_size=1, max_size=3))
        point = draw(st.sampled_from([*EXPRESS_POINTS, GeoPoint(53.2, 6.56), None]))
        orders.append(
            Order(
                f"O-{n}",
                Channel.WEB,
                f"W-{n}",
                "EUR",
                tuple(
                    OrderLine(f"L{i}", sku, draw(st.integers(1, 4)), Money("1.00", "EUR"))
                    for i, sku in enumerate(skus, 1)
                ),
                Delivery.ship_to(attrs.evolve(HOME, point=point)),
                NOW,
            )
        )
    filters = draw(
        st.lists(
            st.sampled_from(
                [
                    ("min_stock", builtins.min_stock(draw(st.integers(0, 4)))),
                    ("specialisation", builtins.specialisation()),
                    ("heavy", builtins.specialisation(heavy_grams=1500, heavy=["handles_fragile"])),
                ]
            ),
            max_size=2,
            unique_by=lambda rule: rule[0],
        )
    )
    rules: list[Any] = list(filters)
    extra = draw(st.sampled_from([None, "load_balancing", "co2", "priority", "own"]))
    if extra == "priority":
        rules.append(("priority", builtins.priority([f"L{n}" for n in (3, 1, 4, 0)])))
    elif extra == "own":
        rules.append(("own", _stock_then_distance))
    elif extra is not None:
        rules.append(extra)
    if extra is None or draw(st.booleans()):
        rules.insert(draw(st.integers(0, len(rules))), "nearest")
    model = draw(
        st.sampled_from(
            [
                DistanceCostModel(),
                DistanceCostModel(per_kg=Money("0.35", "EUR")),
                DistanceCostModel(fixed=Money("0", "EUR"), per_km=Money("0.01", "EUR")),
            ]
        )
    )
    profile = RoutingProfile.of(
        "p",
        rules,
        objective=draw(st.sampled_from(Objective)),
        max_splits=draw(st.integers(0, 2)),
        cost_model=model,
    )
    return (held, products, orders), profile


def _route_both(
    placed: Order,
    profile: RoutingProfile,
    held: Mapping[str, Sequence[tuple[Location, int]]],
    products: Mapping[str, Product],
    search_limit: int = DEFAULT_SEARCH_LIMIT,
    workload: Mapping[str, int] | None = None,
) -> tuple[RoutingDecision, RoutingDecision, bool]:
    """The decision with and without the express path, and whether it took the express path."""
    origin = None if placed.delivery.address is None else placed.delivery.address.point
    general = engine._route
    calls: list[int] = []

    def counted(*args: Any) -> RoutingDecision:
        calls.append(1)
        return general(*args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine, "_route", counted)
        fast = route(
            placed,
            profile=profile,
            origin=origin,
            stock=held,
            products=products,
            search_limit=search_limit,
            workload=workload,
        )
    took_express = not calls
    with engine.general_engine_only():
        plain = route(
            placed,
            profile=profile,
            origin=origin,
            stock=held,
            products=products,
            search_limit=search_limit,
            workload=workload,
        )
    return fast, plain, took_express


@settings(max_examples=300, deadline=None)
@given(world=express_networks(), search_limit=st.sampled_from([1, 2, DEFAULT_SEARCH_LIMIT]))
def test_the_express_path_decides_as_the_general_engine(
    world: tuple[Network, RoutingProfile], search_limit: int
) -> None:
    (held, products, orders), profile = world
    for placed in orders:
        fast, plain, took_express = _route_both(placed, profile, held, products, search_limit)
        shape = _express._shape(profile)
        event(f"express: {took_express}, scored: {shape is not None and shape.scored}")
        # Allocations, cost, decided_by, then the explanation (notes, deciding rules).
        assert [line.allocations for line in fast.lines] == [
            line.allocations for line in plain.lines
        ]
        assert (fast.cost, fast.decided_by, fast.exact) == (
            plain.cost,
            plain.decided_by,
            plain.exact,
        )
        assert [line.decided_by for line in fast.lines] == [line.decided_by for line in plain.lines]
        assert fast == plain
        assert fast.explain() == plain.explain()
        assert [line.deciding_rule for line in fast.lines] == [
            line.deciding_rule for line in plain.lines
        ]


class _Thin:
    """A user filter: excludes a location that would keep fewer than ``units``, else distance."""

    def __init__(self, units: int) -> None:
        self.units = units

    def __call__(self, line: LineContext, candidates: Sequence[CandidateView]) -> list[Any]:
        return [
            Excluded("thin") if c.sellable - line.quantity < self.units else c.distance_km or 0.0
            for c in candidates
        ]


class _Banned:
    """A user filter that excludes some locations for some SKUs; the rest score alike."""

    def __init__(self, banned: frozenset[tuple[str, str]]) -> None:
        self.banned = banned

    def __call__(self, line: LineContext, candidates: Sequence[CandidateView]) -> list[Any]:
        return [
            Excluded("banned") if (line.sku, c.location_id) in self.banned else 0.0
            for c in candidates
        ]


def _most_stock_then_distance(line: LineContext, candidates: Sequence[CandidateView]) -> list[Any]:
    return [-c.sellable + (c.distance_km or 0.0) / 1000 for c in candidates]


@st.composite
def scored_worlds(draw: st.DrawFn) -> tuple[Network, RoutingProfile]:
    """Stock that user rules thin out line by line, and profiles of one or two such rules."""
    locations = _drawn_stores(
        draw, (2, 7), lambda: draw(st.sampled_from(EXPRESS_POINTS)), lambda: {Capability.SHIP}
    )
    products = {sku: Product(sku, sku, weight_grams=500) for sku in ("A", "B", "C")}
    held = {
        sku: [(loc, draw(st.integers(1, 9))) for loc in locations if draw(st.integers(0, 4))]
        for sku in products
    }
    skus = draw(st.lists(st.sampled_from(list(products)), min_size=1, max_size=3, unique=True))
    placed = order(*[(sku, draw(st.integers(1, 4))) for sku in skus])
    pairs = [(sku, loc.location_id) for sku in products for loc in locations]
    makers: dict[str, Callable[[], Any]] = {
        "thin": lambda: _Thin(draw(st.integers(0, 6))),
        "banned": lambda: _Banned(frozenset(draw(st.lists(st.sampled_from(pairs))))),
        "most_stock": lambda: _most_stock_then_distance,
        "nearest": lambda: builtins.nearest,
    }
    names = draw(st.lists(st.sampled_from(list(makers)), min_size=1, max_size=2, unique=True))
    if names == ["nearest"]:
        names.insert(0, "thin")  # (nearest alone is no user rule)
    rules: list[Any] = [(name, makers[name]()) for name in names]
    profile = RoutingProfile.of(
        "p",
        rules,
        objective=draw(st.sampled_from(Objective)),
        max_splits=draw(st.integers(0, 2)),
    )
    return (held, products, [placed]), profile


@settings(max_examples=400, deadline=None)
@given(world=scored_worlds())
def test_user_rules_thinning_the_fitting_locations_decide_as_the_general_engine(
    world: tuple[Network, RoutingProfile],
) -> None:
    (held, products, (placed,)), profile = world
    fast, plain, took_express = _route_both(placed, profile, held, products)
    event(f"express: {took_express}, shipments: {plain.shipment_count}")
    event(f"unfulfilled lines: {sum(1 for line in plain.lines if line.unfulfilled)}")
    assert fast == plain
    assert (fast.cost, fast.decided_by) == (plain.cost, plain.decided_by)
    assert [line.decided_by for line in fast.lines] == [line.decided_by for line in plain.lines]
    assert fast.explain() == plain.explain()


def test_the_express_path_serves_one_location_orders_and_explains_them_later() -> None:
    placed = order(("BEANS", 2), ("KETTLE", 1))
    held = {"BEANS": ((STORE_AMS, 5), (DC, 5)), "KETTLE": ((STORE_AMS, 3), (DC, 9))}
    fast, plain, took_express = _route_both(placed, default_profile(), held, PRODUCTS)
    assert took_express
    assert [where(line) for line in fast.lines] == [[("AMS", 2)], [("AMS", 1)]]
    assert fast.decided_by == plain.decided_by == "the lowest shipping cost"
    assert fast.lines[0]._notes is not fast.lines[0].candidates  # made on first read
    assert fast.explain() == plain.explain()


class _OwnMinStock(builtins.MinStock):
    """A subclass may score differently: it is not the built-in."""


@pytest.mark.parametrize(
    "profile",
    [
        RoutingProfile.from_dict(
            {"name": "p", "combine": "weighted", "rule": [{"use": "nearest", "weight": "1"}]}
        ),
        RoutingProfile.of("p", ["nearest"], scarcity=Scarcity(Money("0.50", "EUR"))),
    ],
    ids=["weighted", "scarcity"],
)
def test_other_profiles_take_the_general_engine(profile: RoutingProfile) -> None:
    placed = order(("BEANS", 2))
    fast, plain, took_express = _route_both(placed, profile, {"BEANS": ((STORE_AMS, 5),)}, PRODUCTS)
    assert not took_express
    assert where(fast.lines[0]) == where(plain.lines[0]) == [("AMS", 2)]


_SCORED_PROFILES = {
    # No nearest: ties go by id, and RTM sorts before the nearer UTR.
    "no-nearest": [("min_stock", builtins.min_stock(1)), "specialisation"],
    # A MinStock subclass is scored, not read as the built-in's location sets.
    "a-subclass": [("own", _OwnMinStock(1)), "nearest"],
}


@st.composite
def _walks(draw: st.DrawFn) -> list[tuple[float, str]]:
    """Fitting locations as (chord, id) nearest first, often two chords with the same km.

    A tied pair is a chord and the next float above it that rounds to the
    same km (about one neighbour in seven does; a run of 64 floats without
    one draws a lone chord). The ids are shuffled, so the farther of the
    two has the lower id about half the time.
    """
    walk: list[tuple[float, str]] = []
    ids = iter(draw(st.permutations([f"L{number:02}" for number in range(40)])))
    for chord in draw(st.lists(st.floats(1e-4, 0.2), min_size=1, max_size=12)):
        if draw(st.booleans()):
            # The first chord from here whose next float up rounds to the same km, if near.
            above = math.nextafter(chord, 1.0)
            for _ in range(64):
                if _express._km(above) == _express._km(chord):
                    walk.append((above, next(ids)))
                    break
                chord, above = above, math.nextafter(above, 1.0)
        walk.append((chord, next(ids)))
    return sorted(walk)


@given(walk=_walks(), ranked=st.booleans(), grams=st.integers(0, 30_000), data=st.data())
def test_the_single_location_search_by_preference_picks_what_every_location_filled_would(
    walk: list[tuple[float, str]], ranked: bool, grams: int, data: st.DataObject
) -> None:
    # The reference: every location filled, the best ranks win, then the km, then the id.
    ids = [loc for _, loc in walk]
    position = (
        {loc: at for at, loc in enumerate(data.draw(st.permutations(ids)))} if ranked else None
    )
    minor_km = DistanceCostModel(per_kg=Money("0.35", "EUR"))._minor_km
    best = min(
        ((km, loc) if position is None else position[loc], km, loc)
        for km, loc in [(_express._km(chord), loc) for chord, loc in walk]
    )
    tied = len({_express._km(chord) for chord, _ in walk}) < len({chord for chord, _ in walk})
    event(f"ranked: {ranked}, km tied between chords: {tied}")
    chosen, cost, runner_up = _express._preferred(walk, position, minor_km, grams)
    assert chosen == best[2]
    assert cost == minor_km(best[1], grams)
    assert runner_up == (None if len(walk) == 1 else "the best-ranked locations")


@pytest.mark.parametrize("rules", list(_SCORED_PROFILES.values()), ids=list(_SCORED_PROFILES))
def test_a_lone_fitting_location_takes_the_express_path_whatever_the_ranking(
    rules: list[Any],
) -> None:
    # Only UTR holds the kettle, so only UTR fits: the ranking of the rest cannot matter.
    placed = order(("BEANS", 2), ("KETTLE", 1))
    held = {"BEANS": ((STORE_UTR, 5), (STORE_RTM, 5)), "KETTLE": ((STORE_UTR, 3),)}
    for objective in Objective:
        profile = RoutingProfile.of("p", rules, objective=objective)
        fast, plain, took_express = _route_both(placed, profile, held, PRODUCTS)
        assert took_express
        assert fast == plain
        assert fast.explain() == plain.explain()
        assert [where(line) for line in fast.lines] == [[("UTR", 2)], [("UTR", 1)]]
        assert fast.decided_by == "the fewest shipments"  # RTM could have shipped the beans


@pytest.mark.parametrize(
    ("rules", "express"),
    [(_SCORED_PROFILES["no-nearest"], False), (_SCORED_PROFILES["a-subclass"], True)],
    ids=list(_SCORED_PROFILES),
)
def test_scored_profiles_take_the_express_pairs_when_the_lines_rank_by_distance(
    rules: list[Any], express: bool
) -> None:
    # No location holds both lines: every candidate of BEANS is ranked, for the pairs.
    placed = order(("BEANS", 2), ("KETTLE", 1))
    held = {"BEANS": ((STORE_UTR, 5), (STORE_RTM, 5)), "KETTLE": ((STORE_AMS, 3),)}
    profile = RoutingProfile.of("p", rules, objective=Objective.COST)
    fast, plain, took_express = _route_both(placed, profile, held, PRODUCTS)
    assert took_express is express
    assert fast == plain
    assert fast.shipment_count == 2


@pytest.mark.parametrize(
    "lines",
    [(("BEANS", 2), ("BEANS", 1)), (("BEANS", 2), ("CUPS", 9), ("KETTLE", 1))],
    ids=["a-shared-sku", "three-locations"],
)
def test_orders_the_express_path_cannot_serve_take_the_general_engine(
    lines: tuple[tuple[str, int], ...],
) -> None:
    held = {
        "BEANS": ((STORE_AMS, 5), (DC, 1)),
        "CUPS": ((DC, 9),),
        "KETTLE": ((STORE_UTR, 1),),
    }
    fast, plain, took_express = _route_both(order(*lines), default_profile(), held, PRODUCTS)
    assert not took_express
    assert fast == plain


def test_another_rule_takes_the_express_pairs_only_while_the_lines_rank_by_distance() -> None:
    # No location holds both lines: every candidate of BEANS is ranked, for the pairs.
    placed = order(("BEANS", 2), ("KETTLE", 1))
    held = {"BEANS": ((STORE_AMS, 5), (STORE_UTR, 5)), "KETTLE": ((STORE_RTM, 3),)}
    profile = RoutingProfile.of("p", ["load_balancing", "nearest"], objective=Objective.COST)
    # No open work anywhere: load balancing ties, so nearest orders the candidates.
    fast, plain, took_express = _route_both(placed, profile, held, PRODUCTS)
    assert took_express
    assert fast == plain
    assert [where(line) for line in fast.lines] == [[("AMS", 2)], [("RTM", 1)]]
    # Amsterdam busy: Utrecht ranks first for BEANS, against distance: the general engine.
    busy = {"AMS": 40}
    fast, plain, took_express = _route_both(placed, profile, held, PRODUCTS, workload=busy)
    assert not took_express
    assert fast == plain
    assert fast.lines[0].candidates[0].location_id == "UTR"


def test_another_rule_that_ranks_against_distance_still_leaves_a_lone_fit_express() -> None:
    # Only UTR holds the kettle, so only UTR fits, however the rules rank Amsterdam.
    placed = order(("BEANS", 2), ("KETTLE", 1))
    held = {"BEANS": ((STORE_AMS, 5), (STORE_UTR, 5)), "KETTLE": ((STORE_UTR, 3),)}
    profile = RoutingProfile.of("p", ["load_balancing", "nearest"])
    fast, plain, took_express = _route_both(placed, profile, held, PRODUCTS, workload={"AMS": 40})
    assert took_express
    assert fast == plain
    assert [where(line) for line in fast.lines] == [[("UTR", 2)], [("UTR", 1)]]


def _nearest_unless_thin(line: LineContext, candidates: Sequence[CandidateView]) -> list[Any]:
    """The docs' "nearest unless fewer than 5 units" as a user strategy."""
    return [
        Excluded("fewer than 5 left") if c.sellable - line.line.quantity < 5 else c.distance_km
        for c in candidates
    ]


def test_a_user_filter_that_leaves_one_location_takes_the_express_path() -> None:
    # Every location holds both lines, but the user rule keeps AMS and RTM for BEANS and
    # UTR and RTM for the KETTLE: RTM alone ships the order.
    placed = order(("BEANS", 2), ("KETTLE", 1))
    held = {
        "BEANS": ((STORE_AMS, 9), (STORE_UTR, 3), (STORE_RTM, 8)),
        "KETTLE": ((STORE_AMS, 3), (STORE_UTR, 8), (STORE_RTM, 7)),
    }
    calls: list[tuple[str, int]] = []

    def counted(line: LineContext, candidates: Sequence[CandidateView]) -> list[Any]:
        calls.append((line.sku, len(candidates)))
        return _nearest_unless_thin(line, candidates)

    for objective in Objective:
        profile = RoutingProfile.of("p", [("thin", counted)], objective=objective)
        fast, plain, took_express = _route_both(placed, profile, held, PRODUCTS)
        assert took_express
        assert [where(line) for line in fast.lines] == [[("RTM", 2)], [("RTM", 1)]]
        calls.clear()
        decision = route(placed, profile=profile, origin=HOME.point, stock=held, products=PRODUCTS)
        # BEANS in full (the first of the lines with the fewest candidates), then the KETTLE
        # at only the two fitting locations BEANS kept.
        assert calls == [("BEANS", 3), ("KETTLE", 2)]
        assert decision == plain
        assert decision.decided_by == "the fewest shipments"
        # The explanation scores in full only the line the routing did not: the KETTLE.
        assert decision.explain() == plain.explain()
        assert calls == [("BEANS", 3), ("KETTLE", 2), ("KETTLE", 3)]


def test_a_line_that_keeps_no_fitting_location_is_scored_in_full_once() -> None:
    # Every location holds both lines, but the user rule keeps only AMS for BEANS (RTM would
    # keep 4) and not AMS for the KETTLE: no location fits, every candidate of each line counts.
    placed = order(("BEANS", 2), ("KETTLE", 1))
    held = {
        "BEANS": ((STORE_AMS, 9), (STORE_UTR, 3), (STORE_RTM, 6)),
        "KETTLE": ((STORE_AMS, 3), (STORE_UTR, 8), (STORE_RTM, 7)),
    }
    calls: list[tuple[str, int]] = []

    def counted(line: LineContext, candidates: Sequence[CandidateView]) -> list[Any]:
        calls.append((line.sku, len(candidates)))
        return _nearest_unless_thin(line, candidates)

    for objective in Objective:
        profile = RoutingProfile.of("p", [("thin", counted)], objective=objective)
        calls.clear()
        decision = route(placed, profile=profile, origin=HOME.point, stock=held, products=PRODUCTS)
        # BEANS in full, the KETTLE at AMS (which BEANS kept), then the KETTLE in full: it
        # keeps units elsewhere, so no location fits; those scores serve what follows.
        assert calls == [("BEANS", 3), ("KETTLE", 1), ("KETTLE", 3)]
        explained = decision.explain()
        assert len(calls) == 3
        with engine.general_engine_only():
            plain = route(placed, profile=profile, origin=HOME.point, stock=held, products=PRODUCTS)
        assert decision == plain
        assert explained == plain.explain()


def _thin_pair() -> tuple[Order, dict[str, tuple[tuple[Location, int], ...]], RoutingProfile]:
    """An order the user filter leaves to two locations: AMS for BEANS, UTR for the KETTLE.

    BEANS keeps only AMS (12 - 7 >= 5); the KETTLE keeps UTR and DC: AMS + UTR is cheapest.
    """
    placed = order(("BEANS", 7), ("KETTLE", 1))
    held: dict[str, tuple[tuple[Location, int], ...]] = {
        "BEANS": ((STORE_AMS, 12), (STORE_UTR, 2), (STORE_RTM, 3)),
        "KETTLE": ((STORE_AMS, 5), (STORE_UTR, 6), (DC, 9)),
    }
    profile = RoutingProfile.of("p", [("thin", _nearest_unless_thin)], objective=Objective.COST)
    return placed, held, profile


def test_a_user_filter_takes_the_express_pairs() -> None:
    placed, held, profile = _thin_pair()
    fast, plain, took_express = _route_both(placed, profile, held, PRODUCTS)
    assert took_express
    assert fast == plain
    assert [where(line) for line in fast.lines] == [[("AMS", 7)], [("UTR", 1)]]
    assert fast.decided_by == "the lowest shipping cost"


def test_user_scores_that_show_the_distance_order_are_ranked_only_when_explained() -> None:
    placed, held, profile = _thin_pair()
    scored: list[int] = []
    finished: list[int] = []
    score, finish = RoutingProfile._score, RoutingProfile._finish

    def counted_score(self: RoutingProfile, *args: Any) -> Any:
        scored.append(1)
        return score(self, *args)

    def counted_finish(self: RoutingProfile, *args: Any) -> Any:
        finished.append(1)
        return finish(self, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(RoutingProfile, "_score", counted_score)
        patch.setattr(RoutingProfile, "_finish", counted_finish)
        decision = route(placed, profile=profile, origin=HOME.point, stock=held, products=PRODUCTS)
        # Both lines scored in full (no location fits the order alone), neither ranked.
        assert [where(line) for line in decision.lines] == [[("AMS", 7)], [("UTR", 1)]]
        lines_scored = len(scored)
        assert finished == []
        explained = decision.explain()
        # Reading the explanation ranks the scores kept, without scoring again.
        assert len(scored) == lines_scored
        assert len(finished) == len(placed.lines)
    plain = route(placed, profile=profile, origin=HOME.point, stock=held, products=PRODUCTS)
    assert decision == plain
    assert explained == plain.explain()


def _most_stock_first(line: LineContext, candidates: Sequence[CandidateView]) -> list[Any]:
    return [-float(c.sellable) for c in candidates]


def test_lines_that_rank_the_fitting_locations_differently_take_the_general_engine() -> None:
    # AMS ranks first for BEANS, UTR for KETTLE: only the sum of ranks x units can decide.
    placed = order(("BEANS", 2), ("KETTLE", 1))
    held = {
        "BEANS": ((STORE_AMS, 9), (STORE_UTR, 5), (STORE_RTM, 4)),
        "KETTLE": ((STORE_AMS, 4), (STORE_UTR, 8), (STORE_RTM, 6)),
    }
    profile = RoutingProfile.of("p", [("most_stock", _most_stock_first)])
    fast, plain, took_express = _route_both(placed, profile, held, PRODUCTS)
    assert not took_express
    assert fast == plain
    # BEANS: AMS 0, UTR 1, RTM 2; KETTLE: UTR 0, RTM 1, AMS 2. AMS: 0*2 + 2*1 = 2 wins.
    assert [where(line) for line in fast.lines] == [[("AMS", 2)], [("AMS", 1)]]
    same = RoutingProfile.of("q", [("most_stock", _most_stock_first)])
    consistent = {"BEANS": held["BEANS"], "KETTLE": ((STORE_AMS, 9), (STORE_UTR, 8))}
    fast, plain, took_express = _route_both(placed, same, consistent, PRODUCTS)
    assert took_express
    assert fast == plain


def _pair_point(draw: st.DrawFn) -> GeoPoint:
    return GeoPoint(52 + draw(st.integers(0, 900)) / 1000, 4.5 + draw(st.integers(0, 900)) / 1000)


def _cost_profile(
    draw: st.DrawFn,
    name: str,
    rule_lists: list[list[Any]],
    fewest_splits: int,
    other: DistanceCostModel,
) -> RoutingProfile:
    """A cost-objective profile: one of ``rule_lists``, up to 2 splits, a cost model drawn."""
    return RoutingProfile.of(
        name,
        draw(st.sampled_from(rule_lists)),
        objective=Objective.COST,
        max_splits=draw(st.integers(fewest_splits, 2)),
        cost_model=draw(st.sampled_from([DistanceCostModel(), other])),
    )


@st.composite
def pair_worlds(draw: st.DrawFn) -> tuple[Network, RoutingProfile]:
    """Orders that often need two locations, for the cost objective the express pairs serve."""
    locations = _drawn_stores(
        draw,
        (2, 8),
        lambda: _pair_point(draw),
        lambda: (
            {Capability.SHIP} | ({Capability.HANDLES_FRAGILE} if draw(st.booleans()) else set())
        ),
    )
    products = {
        sku: Product(sku, sku, weight_grams=500, fragile=draw(st.booleans()))
        for sku in ("A", "B", "C")
    }
    held = {
        sku: [(loc, draw(st.integers(0, 5))) for loc in locations if draw(st.integers(0, 3))]
        for sku in products
    }
    skus = draw(st.lists(st.sampled_from(list(products)), min_size=1, max_size=3, unique=True))
    wanted: list[tuple[str, int]] = [(sku, draw(st.integers(1, 4))) for sku in skus]
    placed = order(*wanted)
    placed = attrs.evolve(
        placed,
        delivery=Delivery.ship_to(attrs.evolve(HOME, point=_pair_point(draw))),
    )
    profile = _cost_profile(
        draw,
        "pairs",
        [
            ["specialisation", "nearest"],
            [("min_stock", builtins.min_stock(1)), "specialisation", "nearest"],
            ["nearest"],
            [("own", _nearest_unless_thin)],
            [("own", _nearest_unless_thin), "specialisation"],
        ],
        0,
        DistanceCostModel(fixed=Money("1", "EUR"), per_km=Money("0.5", "EUR")),
    )
    return (held, products, [placed]), profile


def _nearest_unless_one_left(line: LineContext, candidates: Sequence[CandidateView]) -> list[Any]:
    """A user filter that keeps most candidates: none holding a single unit."""
    return [Excluded("one left") if c.sellable == 1 else c.distance_km for c in candidates]


@st.composite
def split_worlds(draw: st.DrawFn) -> tuple[Network, RoutingProfile]:
    """Orders no single location fills (each holds part of them), with ties in distance."""
    points = [_pair_point(draw) for _ in range(draw(st.integers(1, 4)))]
    locations = _drawn_stores(
        draw,
        (3, 12),
        lambda: draw(st.sampled_from(points)) if draw(st.booleans()) else _pair_point(draw),
        lambda: {Capability.SHIP},
    )
    skus = ["A", "B", "C"][: draw(st.integers(2, 3))]
    products = {sku: Product(sku, sku, weight_grams=500) for sku in skus}
    held: dict[str, list[tuple[Location, int]]] = {sku: [] for sku in skus}
    for loc in locations:
        for sku in draw(st.lists(st.sampled_from(skus), min_size=1, max_size=2, unique=True)):
            held[sku].append((loc, draw(st.integers(1, 4))))
    placed = attrs.evolve(
        order(*[(sku, draw(st.integers(1, 3))) for sku in skus]),
        delivery=Delivery.ship_to(attrs.evolve(HOME, point=draw(st.sampled_from(points)))),
    )
    profile = _cost_profile(
        draw,
        "split",
        [
            ["nearest"],
            [("min_stock", builtins.min_stock(1)), "nearest"],
            [("own", _nearest_unless_one_left)],
            [("own", _stock_then_distance)],
        ],
        1,
        DistanceCostModel(fixed=Money("0", "EUR"), per_km=Money("0.01", "EUR")),
    )
    return (held, products, [placed]), profile


def _express_as_general(world: tuple[Network, RoutingProfile], search_limit: int) -> None:
    """The order of ``world`` routes on the express path as in the general engine, explained."""
    (held, products, orders), profile = world
    fast, plain, took_express = _route_both(orders[0], profile, held, products, search_limit)
    event(f"express: {took_express}, shipments: {plain.shipment_count}")
    assert [line.allocations for line in fast.lines] == [line.allocations for line in plain.lines]
    assert (fast.cost, fast.decided_by, fast.exact) == (plain.cost, plain.decided_by, plain.exact)
    assert [line.decided_by for line in fast.lines] == [line.decided_by for line in plain.lines]
    assert fast == plain
    assert fast.explain() == plain.explain()


@settings(max_examples=400, deadline=None)
@given(world=pair_worlds(), search_limit=st.sampled_from([3, 10, DEFAULT_SEARCH_LIMIT]))
def test_the_express_pairs_decide_as_the_general_engine(
    world: tuple[Network, RoutingProfile], search_limit: int
) -> None:
    _express_as_general(world, search_limit)


@settings(max_examples=400, deadline=None)
@given(world=split_worlds())
def test_the_express_pairs_decide_as_the_general_engine_when_no_location_fills(
    world: tuple[Network, RoutingProfile],
) -> None:
    _express_as_general(world, DEFAULT_SEARCH_LIMIT)


def test_an_order_no_pair_fills_goes_to_the_general_engine_at_once() -> None:
    # Three SKUs, each at one store: no two locations hold the order.
    placed = order(("BEANS", 1), ("KETTLE", 1), ("MUG", 1))
    held = {"BEANS": ((STORE_AMS, 2),), "KETTLE": ((STORE_UTR, 1),), "MUG": ((STORE_RTM, 4),)}
    products = PRODUCTS | {"MUG": Product("MUG", "Mug", weight_grams=300)}
    walked: list[str] = []
    chord = math.dist

    def measured(a: Any, b: Any) -> float:
        walked.append("chord")
        return chord(a, b)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_express, "dist", measured)
        fast, plain, took_express = _route_both(placed, default_profile(), held, products)
    assert not took_express
    assert fast == plain
    assert sorted(where(line)[0][0] for line in fast.lines) == ["AMS", "RTM", "UTR"]
    assert walked == []  # the pair search measured no distance: it stopped before the walk


def test_two_locations_fill_what_neither_holds_alone_on_the_express_path() -> None:
    placed = order(("BEANS", 3), ("KETTLE", 1))
    held = {
        "BEANS": ((STORE_AMS, 2), (STORE_UTR, 1), (STORE_RTM, 3)),
        "KETTLE": ((STORE_UTR, 1), (DC, 1)),
    }
    fast, plain, took_express = _route_both(placed, default_profile(), held, PRODUCTS)
    assert took_express
    assert fast == plain
    # AMS + UTR is the cheapest pair that holds 3 BEANS and the KETTLE; AMS is nearer.
    assert [where(line) for line in fast.lines] == [[("AMS", 2), ("UTR", 1)], [("UTR", 1)]]
    assert fast.decided_by == "the lowest shipping cost"
    assert fast.lines[0].decided_by == "split over 2 locations; the lowest shipping cost"


@pytest.mark.parametrize(
    ("held", "pair", "decided_by"),
    [
        # Two locations in all: nothing else to compare.
        (
            {"BEANS": ((STORE_AMS, 2),), "KETTLE": ((STORE_UTR, 1),)},
            ["AMS", "UTR"],
            "the only plan",
        ),
        # RTM cannot help, and it and UTR cost more than the pair: the planner cuts them off.
        (
            {"BEANS": ((STORE_AMS, 2), (STORE_RTM, 1)), "KETTLE": ((STORE_UTR, 1),)},
            ["AMS", "UTR"],
            "the lowest shipping cost",
        ),
        # The pair is the two dearest locations: the search ends before any cut.
        (
            {"BEANS": ((STORE_AMS, 1), (STORE_UTR, 2)), "KETTLE": ((STORE_RTM, 1),)},
            ["RTM", "UTR"],
            "the fewest shipments",
        ),
    ],
    ids=["a-pool-of-two", "cut-off", "nothing-cut-off"],
)
def test_the_only_pair_that_fills_the_order_takes_the_express_path(
    held: dict[str, tuple[tuple[Location, int], ...]], pair: list[str], decided_by: str
) -> None:
    placed = order(("BEANS", 2), ("KETTLE", 1))
    fast, plain, took_express = _route_both(placed, default_profile(), held, PRODUCTS)
    assert took_express
    assert fast == plain
    assert sorted({a.location_id for line in fast.lines for a in line.allocations}) == pair
    assert fast.decided_by == plain.decided_by == decided_by


def test_two_pairs_of_one_cost_are_told_apart_by_preference_on_the_express_path() -> None:
    # Two stores on one spot: Amsterdam with either costs the same; the ranking decides.
    twin_a, twin_b = (
        Location(f"UTR-{n}", "Store Utrecht", LocationKind.STORE, GeoPoint(52.09, 5.12), "NL", SHIP)
        for n in "AB"
    )
    placed = order(("BEANS", 3), ("KETTLE", 1))
    held = {
        "BEANS": ((STORE_AMS, 2), (twin_a, 1), (twin_b, 1)),
        "KETTLE": ((twin_a, 1), (twin_b, 1)),
    }
    fast, plain, took_express = _route_both(placed, default_profile(), held, PRODUCTS)
    assert took_express
    assert fast == plain
    assert [where(line) for line in fast.lines] == [[("AMS", 2), ("UTR-A", 1)], [("UTR-A", 1)]]
    assert fast.decided_by == "the best-ranked locations"


@given(
    km=st.lists(st.sampled_from([0.0, 1.5, 2.0, 7.25]), min_size=1, max_size=8),
    data=st.data(),
)
def test_the_distance_order_check_agrees_with_sorting(km: list[float], data: st.DataObject) -> None:
    ids = [f"L{n}" for n in range(len(km))]
    positions = data.draw(st.permutations(range(len(km))))
    kept = positions[: data.draw(st.integers(0, len(km)))]
    expected = list(kept) == sorted(kept, key=lambda at: (km[at], ids[at]))
    assert _express._by_distance_then_id(kept, km, ids) is expected


# --- bad arguments: a typed error naming the argument, never a stray TypeError -------------


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"stock": None}, "stock"),
        ({"stock": [("BEANS", 3)]}, "stock"),
        ({"stock": {"BEANS": 7}}, "stock.BEANS"),
        ({"stock": {"BEANS": [7]}}, "stock.BEANS[0]"),
        ({"stock": {"BEANS": [(STORE_AMS, 3, 1)]}}, "stock.BEANS[0]"),
        ({"stock": {"BEANS": [(STORE_AMS, 3), ("DC", 3)]}}, "stock.BEANS[1][0]"),
        ({"stock": {"BEANS": [(STORE_AMS, 3.5)]}}, "stock.BEANS[0][1]"),
        ({"stock": {"BEANS": ((STORE_AMS, True),)}}, "stock.BEANS[0][1]"),
        ({"stock": {"BEANS": [(STORE_AMS, "3")]}}, "stock.BEANS[0][1]"),
        ({"stock": {"BEANS": [(STORE_AMS, 1), (DC, 4), (STORE_AMS, 2)]}}, "stock.BEANS[2]"),
        ({"workload": ["AMS"]}, "workload"),
        ({"workload": {"AMS": "busy"}}, "workload.AMS"),
        ({"workload": {"AMS": 3, "DC": -1}}, "workload.DC"),
        ({"origin": (52.0, 4.9)}, "origin"),
        ({"products": None}, "products"),
        ({"products": {"BEANS": "beans"}}, "products.BEANS"),
        ({"products": {"BEANS": PRODUCTS["CUPS"]}}, "products.BEANS"),
        ({"pickup": "AMS"}, "pickup"),
    ],
)
@pytest.mark.parametrize("express", [True, False])
def test_a_bad_argument_is_a_typed_error_naming_it(
    changes: dict[str, Any], path: str, express: bool
) -> None:
    arguments: dict[str, Any] = {
        "profile": RoutingProfile.of("balanced", ["load_balancing", "nearest"]),
        "origin": HOME.point,
        "stock": stock(BEANS={STORE_AMS: 3, DC: 5}),
        "products": PRODUCTS,
        "workload": {"AMS": 4},
    }
    mode = contextlib.nullcontext() if express else engine.general_engine_only()
    with mode, pytest.raises(InvalidInput) as error:
        route(order(("BEANS", 2)), **{**arguments, **changes})
    assert error.value.path == path


def test_a_location_without_sellable_stock_stays_a_candidate_note() -> None:
    decision = route(
        order(("BEANS", 2)),
        profile=default_profile(),
        origin=HOME.point,
        stock=stock(BEANS={STORE_AMS: -1, DC: 5}),
        products=PRODUCTS,
    )
    assert where(decision.lines[0]) == [("DC", 2)]
    notes = {note.location_id: note.reason for note in decision.lines[0].candidates}
    assert notes["AMS"] == "excluded: no sellable stock"


def test_the_general_engine_only_block_leaves_other_threads_on_the_express_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tried: list[str] = []
    real = _express.express

    def spy(placed: Order, *args: Any) -> RoutingDecision | None:
        tried.append(placed.order_id)
        return real(placed, *args)

    monkeypatch.setattr(engine, "express", spy)

    def routed(order_id: str) -> RoutingDecision:
        return route(
            order(("BEANS", 1), order_id=order_id),
            profile=default_profile(),
            origin=HOME.point,
            stock=stock(BEANS={STORE_AMS: 3}),
            products=PRODUCTS,
        )

    with engine.general_engine_only():
        inside = routed("O-IN")
        worker = threading.Thread(target=routed, args=("O-THREAD",))
        worker.start()
        worker.join()
    after = routed("O-AFTER")
    assert tried == ["O-THREAD", "O-AFTER"]
    assert where(inside.lines[0]) == where(after.lines[0]) == [("AMS", 1)]


# --- lines without candidates, lines the limit or the rules leave short ------------------


def test_a_strategy_is_never_called_for_a_line_without_candidates() -> None:
    seen: list[int] = []

    def relative(line: LineContext, candidates: Sequence[CandidateView]) -> list[float]:
        seen.append(len(candidates))
        nearest = min(c.distance_km or 0.0 for c in candidates)  # fails on none
        return [(c.distance_km or 0.0) - nearest for c in candidates]

    relative.pointwise = False  # type: ignore[attr-defined]
    for profile in (
        RoutingProfile.of("r", [relative]),
        RoutingProfile.of(
            "w",
            [Rule("relative", relative, weight="1"), Rule("nearest", builtins.nearest, weight="2")],
            combine="weighted",
        ),
    ):
        for beans in ({}, {"BEANS": [(STORE_AMS, 0)]}):
            decision = route(
                order(("BEANS", 2), ("KETTLE", 1)),
                profile=profile,
                origin=HOME.point,
                stock={**beans, "KETTLE": [(DC, 3)]},
                products=PRODUCTS,
            )
            assert [line.unfulfilled for line in decision.lines] == [2, 0]
            assert decision.lines[0].decided_by == "no eligible location has sellable stock"
            assert "line L1 BEANS x2: nothing allocated" in decision.explain()
    assert seen
    assert 0 not in seen


@pytest.mark.parametrize("express", [True, False])
def test_a_line_left_short_says_why(express: bool) -> None:
    mode = contextlib.nullcontext() if express else engine.general_engine_only()
    one_parcel = RoutingProfile.of("n0", ["nearest"], max_splits=0)
    with mode:
        limited = routed_home(
            order(("BEANS", 2), ("KETTLE", 1)),
            one_parcel,
            BEANS={STORE_AMS: 5},
            KETTLE={STORE_UTR: 5},
        )
        excluded = routed_home(
            order(("BEANS", 2), ("KETTLE", 1)),
            RoutingProfile.of("m", [("min_stock", builtins.min_stock(5)), "nearest"]),
            BEANS={STORE_AMS: 3},
            KETTLE={STORE_AMS: 9},
        )
        shared = routed_home(
            order(("BEANS", 3), ("BEANS", 2)), default_profile(), BEANS={STORE_AMS: 3}
        )
    kettle = limited.lines[1]
    assert kettle.decided_by == "the order may ship in at most 1 shipment(s)"
    assert [note.reason for note in kettle.candidates] == [
        "not used: the order may ship in at most 1 shipment(s)"
    ]
    assert (
        excluded.lines[0].decided_by == "every eligible location with stock is excluded by a rule"
    )
    assert where(excluded.lines[1]) == [("AMS", 1)]
    assert shared.lines[1].decided_by == "the order's other lines of this SKU take its units"
    assert shared.lines[1].candidates[0].reason == (
        "not used: the order's other lines of this SKU take its units"
    )


def test_a_ranked_candidate_a_short_line_leaves_unused_is_not_called_not_needed() -> None:
    decision = routed_home(
        order(("BEANS", 10)),
        RoutingProfile.of("n0", ["nearest"], max_splits=0),
        BEANS={STORE_AMS: 6, STORE_UTR: 5},
    )
    notes = {note.location_id: note.reason for note in decision.lines[0].candidates}
    assert decision.lines[0].unfulfilled == 4
    assert notes["UTR"] == "not used: the order may ship in at most 1 shipment(s)"


def test_weighted_scores_near_the_float_limits_rank_the_same_in_any_row_order() -> None:
    def extreme(line: LineContext, candidates: Sequence[CandidateView]) -> list[float]:
        return [-1e308 if c.location.location_id == "UTR" else 1e308 for c in candidates]

    profile = RoutingProfile.of("w", [Rule("extreme", extreme, weight="1")], combine="weighted")
    rows = [(STORE_AMS, 5), (STORE_UTR, 5), (STORE_RTM, 5), (DC, 5)]
    winners = set()
    for shift in range(len(rows)):
        decision = route(
            order(("BEANS", 1)),
            profile=profile,
            origin=HOME.point,
            stock={"BEANS": rows[shift:] + rows[:shift]},
            products=PRODUCTS,
        )
        winners.add(where(decision.lines[0])[0][0])
    assert winners == {"UTR"}


def test_a_plan_that_ships_nothing_costs_zero_in_the_cost_models_currency() -> None:
    class FlatRate:
        currency = "EUR"

        def shipment_cost(self, *, location: Location, origin: Any, weight_grams: int) -> Money:
            return Money("3.00", "EUR")

    class NoCurrency:
        def shipment_cost(self, *, location: Location, origin: Any, weight_grams: int) -> Money:
            return Money("3.00", "EUR")

    for model, expected in ((FlatRate(), Money("0", "EUR")), (NoCurrency(), None)):
        profile = RoutingProfile.of("flat", ["nearest"], cost_model=model)
        nothing = route(
            order(("BEANS", 2)),
            profile=profile,
            origin=HOME.point,
            stock={},
            products=PRODUCTS,
        )
        assert nothing.cost == expected
        shipped = routed_home(order(("BEANS", 2)), profile, BEANS={STORE_AMS: 5})
        assert shipped.cost == Money("3.00", "EUR")


def test_a_short_line_whose_units_the_one_shipment_took_blames_the_shared_units() -> None:
    for max_splits in (0, 2):
        decision = routed_home(
            order(("BEANS", 5), ("BEANS", 3)),
            RoutingProfile.of("p", ["nearest"], max_splits=max_splits),
            BEANS={STORE_AMS: 5},
        )
        second = decision.lines[1]
        assert second.decided_by == "the order's other lines of this SKU take its units"
        assert [n.reason for n in second.candidates] == [
            "not used: the order's other lines of this SKU take its units"
        ]


def test_the_best_ranked_rule_is_named_only_when_the_best_ranked_location_ships() -> None:
    decision = routed_home(
        order(("BEANS", 1), ("KETTLE", 1)),
        RoutingProfile.of("p", ["nearest"], max_splits=0),
        BEANS={STORE_AMS: 5, STORE_UTR: 5},
        KETTLE={STORE_UTR: 5},
    )
    assert where(decision.lines[0]) == [("UTR", 1)]
    assert decision.lines[0].deciding_rule == "nearest"
    assert "  line L1 BEANS x1: 1 from UTR\n" in decision.explain() + "\n"
    near = routed_home(
        order(("BEANS", 1)), RoutingProfile.of("p", ["nearest"]), BEANS={STORE_AMS: 5, STORE_UTR: 5}
    )
    assert "line L1 BEANS x1: 1 from AMS (best ranked by nearest)" in near.explain()
