"""Every built-in routing strategy keeps the strategy contract of the test kit."""

from __future__ import annotations

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
from omskit.routing import RoutingProfile, RoutingStrategy, builtins, default_profile
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


def test_the_contract_catches_a_strategy_that_depends_on_candidate_order() -> None:
    case = two_location_case()
    check = PositionBiased.test_it_is_deterministic_whatever_the_order_of_the_candidates
    with pytest.raises(AssertionError):
        check.hypothesis.inner_test(PositionBiased(), case, reversing_seed(case))  # type: ignore[attr-defined]
    check.hypothesis.inner_test(TestNearest(), case, reversing_seed(case))  # type: ignore[attr-defined]


def test_the_contract_catches_a_strategy_that_answers_short() -> None:
    check = ShortAnswers.test_it_scores_every_candidate_with_a_number_or_excluded
    with pytest.raises(DefinitionError):
        check.hypothesis.inner_test(ShortAnswers(), two_location_case())  # type: ignore[attr-defined]


def test_a_contract_without_a_strategy_says_what_to_implement() -> None:
    with pytest.raises(NotImplementedError, match="make_strategy"):
        RoutingStrategyContract().make_profile()
