"""Every built-in routing strategy keeps the strategy contract of the test kit."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from omskit.errors import DefinitionError
from omskit.geo import GeoPoint
from omskit.model import (
    Address,
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
from omskit.testing.routing import RoutingCase, RoutingStrategyContract


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
            positions = positions[: rng.randint(0, len(positions))]
        if positions and positions != list(range(len(positions))):
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
        check.hypothesis.inner_test(PositionBiased(), case, moving_seed(2, part=True))  # type: ignore[attr-defined]
    check.hypothesis.inner_test(TestNearest(), case, moving_seed(2, part=True))  # type: ignore[attr-defined]
    # Declared not pointwise: still checked for the order, with every candidate.
    declared = PositionBiasedDeclared.test_it_scores_each_candidate_on_its_own
    with pytest.raises(AssertionError, match="scores a candidate differently"):
        declared.hypothesis.inner_test(PositionBiasedDeclared(), case, moving_seed(2, part=False))  # type: ignore[attr-defined]
    relative = RelativeDistance.test_it_scores_each_candidate_on_its_own
    relative.hypothesis.inner_test(RelativeDistance(), case, moving_seed(2, part=False))  # type: ignore[attr-defined]


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
        check.hypothesis.inner_test(ShortAnswers(), two_location_case())  # type: ignore[attr-defined]


def test_a_contract_without_a_strategy_says_what_to_implement() -> None:
    with pytest.raises(NotImplementedError, match="make_strategy"):
        RoutingStrategyContract().make_profile()
