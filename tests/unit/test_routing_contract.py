"""Every built-in routing strategy keeps the strategy contract of the test kit."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omskit.errors import DefinitionError
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
from omskit.routing import RoutingProfile, RoutingStrategy, builtins, default_profile, route
from omskit.routing.builtins import nearest
from omskit.routing.strategy import CandidateView, LineContext, Score, pointwise
from omskit.testing.routing import RoutingCase, RoutingStrategyContract, routing_cases


class TestNearest(RoutingStrategyContract):
    def make_strategy(self) -> RoutingStrategy:
        return builtins.nearest


class TestLoadBalancing(RoutingStrategyContract):
    def make_strategy(self) -> RoutingStrategy:
        return builtins.load_balancing


class TestSpecialisation(RoutingStrategyContract):
    def make_strategy(self) -> RoutingStrategy:
        return builtins.specialisation(heavy_grams=2000, heavy=["receive_transfers"])


class TestCo2(RoutingStrategyContract):
    def make_strategy(self) -> RoutingStrategy:
        return builtins.co2(modes={"LOC-0": "cargo_bike", "LOC-1": "rail"})


class TestCost(RoutingStrategyContract):
    def make_strategy(self) -> RoutingStrategy:
        return builtins.cost()


class TestPriority(RoutingStrategyContract):
    def make_strategy(self) -> RoutingStrategy:
        return builtins.priority(["LOC-3", "LOC-1"], exclude_unlisted=False)


class TestMinStock(RoutingStrategyContract):
    max_splits = 0

    def make_strategy(self) -> RoutingStrategy:
        return builtins.min_stock(5)


class TestTheDefaultProfile(RoutingStrategyContract):
    def make_profile(self) -> RoutingProfile:
        return default_profile()


class TestAWeightedProfile(RoutingStrategyContract):
    def make_profile(self) -> RoutingProfile:
        return RoutingProfile.from_dict(
            {
                "name": "weighted",
                "combine": "weighted",
                "max_splits": 1,
                "rule": [
                    {"use": "min_stock", "units": 1},
                    {"use": "nearest", "weight": "2"},
                    {"use": "load_balancing", "weight": "1"},
                    {"use": "co2", "weight": "0.5"},
                ],
            }
        )


class PositionBiased(RoutingStrategyContract):
    """A broken strategy: it prefers whatever candidate comes first."""

    def make_strategy(self) -> RoutingStrategy:
        return lambda line, candidates: [float(i) for i, _ in enumerate(candidates)]


class ShortAnswers(RoutingStrategyContract):
    """A broken strategy: one score too few."""

    def make_strategy(self) -> RoutingStrategy:
        return lambda line, candidates: [0.0 for _ in candidates][1:]


class Given:
    """Stands for Hypothesis's ``data`` when a property is run on one chosen case."""

    def __init__(self, case: RoutingCase) -> None:
        self.case = case

    def draw(self, strategy: object, label: object = None) -> RoutingCase:
        return self.case


def two_location_case() -> RoutingCase:
    here, there = (
        Location(f"LOC-{n}", "Store", LocationKind.STORE, GeoPoint(52.0, 5.0 + n), "NL")
        for n in range(2)
    )
    product = Product("SKU-0", "Item")
    order = Order(
        "O-1",
        Channel.WEB,
        "R-1",
        "EUR",
        [OrderLine("1", "SKU-0", 1, Money("1", "EUR"))],
        Delivery.ship_to(Address("Street 1", "1000 AA", "Town", "NL", point=GeoPoint(52, 5))),
        datetime(2026, 1, 5, tzinfo=UTC),
    )
    return RoutingCase(
        order,
        GeoPoint(52, 5),
        (here, there),
        {"SKU-0": product},
        {"SKU-0": ((here, 5), (there, 5))},
        {},
    )


def reversing_seed(case: RoutingCase) -> int:
    return next(
        seed for seed in range(100) if case.shuffled(seed).stock["SKU-0"] != case.stock["SKU-0"]
    )


def moving_seed(candidates: int, *, part: bool) -> int:
    """A seed for which the pointwise check moves some candidate (as the check draws it)."""
    for seed in range(100):
        rng = random.Random(seed)
        positions = list(range(candidates))
        rng.shuffle(positions)
        if part:
            positions = positions[: rng.randint(1, len(positions))]
        if positions != list(range(len(positions))):
            return seed
    raise AssertionError("no seed moves a candidate")  # pragma: no cover


def _relative(line: LineContext, candidates: Sequence[CandidateView]) -> list[Score]:
    """Distance beyond the nearest candidate: it depends on the others, and says so."""
    nearest = min((c.distance_km or 0.0 for c in candidates), default=0.0)
    return [(c.distance_km or 0.0) - nearest for c in candidates]


_relative.pointwise = False  # type: ignore[attr-defined]


class RelativeDistance(RoutingStrategyContract):
    """A strategy that compares candidates with each other, and declares it."""

    def make_strategy(self) -> RoutingStrategy:
        return _relative


class PositionBiasedDeclared(RoutingStrategyContract):
    """Declaring ``pointwise = False`` does not excuse depending on the order."""

    def make_strategy(self) -> RoutingStrategy:
        def biased(line: LineContext, candidates: Sequence[CandidateView]) -> list[Score]:
            return [float(i) for i, _ in enumerate(candidates)]

        biased.pointwise = False  # type: ignore[attr-defined]
        return biased


def test_the_contract_catches_a_strategy_that_depends_on_candidate_order() -> None:
    case = two_location_case()
    check = PositionBiased.test_it_scores_each_candidate_on_its_own
    with pytest.raises(AssertionError, match="scores a candidate differently"):
        check.hypothesis.inner_test(PositionBiased(), Given(case), moving_seed(2, part=True))  # type: ignore[attr-defined]
    check.hypothesis.inner_test(TestNearest(), Given(case), moving_seed(2, part=True))  # type: ignore[attr-defined]
    # Declared not pointwise: still checked for the order, with every candidate.
    declared = PositionBiasedDeclared.test_it_scores_each_candidate_on_its_own
    with pytest.raises(AssertionError, match="in another order"):
        declared.hypothesis.inner_test(  # type: ignore[attr-defined]
            PositionBiasedDeclared(), Given(case), moving_seed(2, part=False)
        )
    relative = RelativeDistance.test_it_scores_each_candidate_on_its_own
    relative.hypothesis.inner_test(RelativeDistance(), Given(case), moving_seed(2, part=False))  # type: ignore[attr-defined]


def test_a_strategy_that_says_it_is_not_pointwise_is_scored_with_every_candidate() -> None:
    profile = RoutingProfile.of("relative", [("relative", _relative), "nearest"])
    assert not pointwise(_relative)
    assert pointwise(nearest)
    case = two_location_case()
    decided = route(
        case.order, profile=profile, origin=case.origin, stock=case.stock, products=case.products
    )
    # Both candidates were scored together: the nearer one scores 0, the other its extra km.
    scores = {n.location_id: dict(n.scores)["relative"] for n in decided.lines[0].candidates}
    assert scores["LOC-0"] == 0.0
    assert (scores["LOC-1"] or 0.0) > 50


def test_the_contract_catches_a_strategy_that_answers_short() -> None:
    check = ShortAnswers.test_it_scores_every_candidate_with_a_number_or_excluded
    with pytest.raises(DefinitionError):
        check.hypothesis.inner_test(ShortAnswers(), Given(two_location_case()))  # type: ignore[attr-defined]


def test_a_contract_without_a_strategy_says_what_to_implement() -> None:
    with pytest.raises(NotImplementedError, match="make_strategy"):
        RoutingStrategyContract().make_profile()


def _eligible_only(line: LineContext, candidates: Sequence[CandidateView]) -> list[Score]:
    """A correct strategy that relies on seeing eligible candidates only."""
    for c in candidates:
        assert c.location.serves(line.order.channel), f"{c.location_id} does not serve the channel"
        if c.location_id != line.order.delivery.pickup_location_id:  # (it hands over, not ships)
            assert c.location.can(Capability.SHIP), f"{c.location_id} cannot ship"
        if line.product.fragile:
            assert c.location.can(Capability.HANDLES_FRAGILE), f"{c.location_id}: fragile"
        assert c.sellable > 0
    return [c.distance_km or 0.0 for c in candidates]


class TestAStrategyThatTrustsItsCandidatesAreEligible(RoutingStrategyContract):
    """The suite gives a strategy the candidates the engine gives it: eligible, with stock."""

    def make_strategy(self) -> RoutingStrategy:
        return _eligible_only


def _needs_a_candidate(line: LineContext, candidates: Sequence[CandidateView]) -> list[Score]:
    """A correct strategy that relies on the promise of at least one candidate."""
    if not candidates:
        raise AssertionError("called with no candidates: the engine never does that")
    return [c.distance_km or 0.0 for c in candidates]


class TestAStrategyThatTrustsItHasACandidate(RoutingStrategyContract):
    """The suite never calls a strategy with no candidates, as the engine never does."""

    def make_strategy(self) -> RoutingStrategy:
        return _needs_a_candidate


def test_the_pointwise_check_never_asks_about_no_candidates() -> None:
    # Every seed the check may draw, on a line with one and with two candidates.
    two = two_location_case()
    one = attrs.evolve(two, stock={"SKU-0": two.stock["SKU-0"][:1]})
    check = TestAStrategyThatTrustsItHasACandidate.test_it_scores_each_candidate_on_its_own
    for case in (one, two):
        for seed in range(200):
            check.hypothesis.inner_test(  # type: ignore[attr-defined]
                TestAStrategyThatTrustsItHasACandidate(), Given(case), seed
            )


class TestAStrategyCheckedOnADenseNetwork(RoutingStrategyContract):
    def make_strategy(self) -> RoutingStrategy:
        return builtins.nearest

    def cases(self) -> st.SearchStrategy[RoutingCase]:
        return routing_cases(within_km=15)


@settings(max_examples=60, deadline=None)
@given(case=routing_cases(within_km=15, max_locations=6))
def test_a_dense_network_lies_within_its_square(case: RoutingCase) -> None:
    points = [loc.point for loc in case.locations]
    if case.origin is not None:
        points.append(case.origin)
    # Any two points of a 15 km square are at most its diagonal apart.
    assert all(a.distance_km(b) <= 15 * 2**0.5 + 0.5 for a in points for b in points)


def _any_store_near(line: LineContext, candidates: Sequence[CandidateView]) -> list[Score]:
    """Broken: stores first only when some candidate store is within 10 km (not pointwise)."""
    near = any(
        c.location.kind is LocationKind.STORE and (c.distance_km or 0.0) <= 10 for c in candidates
    )
    return [
        (0.0 if near and c.location.kind is LocationKind.STORE else 1.0) + (c.distance_km or 0.0)
        for c in candidates
    ]


class AnyStoreNear(RoutingStrategyContract):
    def make_strategy(self) -> RoutingStrategy:
        return _any_store_near


def test_the_contract_catches_a_score_that_depends_on_the_other_candidates() -> None:
    near, far = (
        Location(f"LOC-{n}", "Store", LocationKind.STORE, GeoPoint(52.0 + n, 5.0), "NL")
        for n in range(2)
    )
    case = attrs.evolve(
        two_location_case(),
        locations=(near, far),
        stock={"SKU-0": ((near, 5), (far, 5))},
    )
    check = AnyStoreNear.test_it_scores_each_candidate_on_its_own
    with pytest.raises(AssertionError, match=r"scores LOC-1 .* alone but .* pointwise = False"):
        check.hypothesis.inner_test(AnyStoreNear(), Given(case), 0)  # type: ignore[attr-defined]


def test_the_contract_names_the_rule_after_the_strategy() -> None:
    assert [rule.name for rule in TestNearest().make_profile().rules] == ["nearest"]
    assert [rule.name for rule in PositionBiased().make_profile().rules] == ["under_test"]


def test_a_failing_determinism_check_says_what_a_strategy_must_not_do() -> None:
    draws = iter(range(10**6))

    class Wobbly(RoutingStrategyContract):
        def make_strategy(self) -> RoutingStrategy:
            def wobbly(line: LineContext, candidates: Sequence[CandidateView]) -> list[Score]:
                flip = next(draws) % 2
                return [float(flip * n) for n, _ in enumerate(candidates)]

            return wobbly

    check = Wobbly.test_it_is_deterministic_whatever_the_order_of_the_candidates
    with pytest.raises(AssertionError, match="must be deterministic"):
        check.hypothesis.inner_test(Wobbly(), Given(two_location_case()), 0)  # type: ignore[attr-defined]
