"""The strategy registry and routing profiles as data."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from importlib.metadata import EntryPoint
from typing import Any

import attrs
import pytest

from omskit.errors import DefinitionError, InvalidInput, NotFound, UnknownName
from omskit.money import Money
from omskit.routing import builtins
from omskit.routing import registry as registry_module
from omskit.routing.cost import DistanceCostModel
from omskit.routing.profile import Combine, Objective, RoutingProfile, Rule
from omskit.routing.registry import StrategyRegistry, builtin_registry, strategy_factory
from omskit.routing.strategy import CandidateView, LineContext, RoutingStrategy


def closest(line: LineContext, candidates: Sequence[CandidateView]) -> list[float]:
    return [c.distance_km or 0.0 for c in candidates]


def test_register_works_as_a_decorator_and_lookup_returns_the_strategy() -> None:
    registry = StrategyRegistry()

    @registry.register("mine")
    def mine(line: LineContext, candidates: Sequence[CandidateView]) -> list[float]:
        return [0.0 for _ in candidates]

    assert registry.lookup("mine") is mine
    assert registry.create("mine") is mine
    assert "mine" in registry
    assert list(registry) == ["mine"]
    assert len(registry) == 1


def test_a_duplicate_name_is_refused() -> None:
    registry = StrategyRegistry()
    registry.register("closest", closest)
    with pytest.raises(DefinitionError, match="already registered"):
        registry.register("closest", closest)


@pytest.mark.parametrize("name", ["", "Nearest", "near-est", "1st", None])
def test_a_bad_name_is_refused(name: Any) -> None:
    with pytest.raises(DefinitionError):
        StrategyRegistry().register(name, closest)


def test_a_strategy_with_the_wrong_shape_is_refused_when_registered() -> None:
    def one_argument(line: LineContext) -> list[float]:
        return []

    registry = StrategyRegistry()
    with pytest.raises(DefinitionError, match="must accept"):
        registry.register("bad", one_argument)
    with pytest.raises(DefinitionError, match="not callable"):
        registry.register("worse", 42)  # type: ignore[call-overload]
    with pytest.raises(DefinitionError, match="not callable"):
        registry.register("worst", 42, factory=True)  # type: ignore[call-overload]
    assert len(registry) == 0


def test_an_unknown_name_is_a_typed_error_listing_the_known_names() -> None:
    registry = builtin_registry()
    with pytest.raises(UnknownName) as error:
        registry.lookup("nearst")
    assert isinstance(error.value, NotFound)
    assert "nearest" in error.value.known
    assert "known: co2, cost, cost_with" in str(error.value)


def test_factories_build_configured_strategies_with_readable_reprs() -> None:
    registry = builtin_registry()
    assert registry.is_factory("min_stock")
    assert not registry.is_factory("nearest")
    assert repr(registry.create("min_stock", units=5)) == "MinStock(units=5)"
    assert registry.create("priority", ranking=["DC", "AMS"]) == builtins.priority(["DC", "AMS"])
    with pytest.raises(InvalidInput, match=r"not a parameter .* \(known: units\)") as error:
        registry.create("min_stock", unit=5)
    assert error.value.path == "unit"
    with pytest.raises(InvalidInput, match="is required") as error:
        registry.create("min_stock")
    assert error.value.path == "units"

    def takes_anything(**options: Any) -> RoutingStrategy:
        raise TypeError(f"cannot use {sorted(options)}")

    def radius(*, km: object = 10.0) -> RoutingStrategy:
        return builtins.priority([]) if float(km) > 0 else builtins.priority(["DC"])  # type: ignore[arg-type]

    registry.register("loose", takes_anything, factory=True)
    registry.register("radius", radius, factory=True)
    # A factory judges its own parameters' values; a TypeError or ValueError is bad input.
    with pytest.raises(InvalidInput, match=r"'loose' refused its parameters: cannot use \['x'\]"):
        registry.create("loose", x=1)
    with pytest.raises(InvalidInput, match=r"'radius' refused its parameters: could not convert"):
        registry.create("radius", km="ten")
    with pytest.raises(InvalidInput) as error:
        RoutingProfile.from_dict(
            {"name": "p", "rule": [{"use": "radius", "km": "ten"}]}, registry=registry
        )
    assert error.value.path == "rule[0]"
    with pytest.raises(InvalidInput) as error:
        registry.create("nearest", units=5)
    assert error.value.path == "units"


def test_a_marked_factory_registers_as_a_factory() -> None:
    @strategy_factory
    def within(*, km: float) -> Any:
        def strategy(line: LineContext, candidates: Sequence[CandidateView]) -> list[float]:
            return [0.0 for _ in candidates]

        return strategy

    registry = StrategyRegistry()
    registry.register("within", within)
    assert registry.is_factory("within")
    assert callable(registry.create("within", km=10.0))


def test_entry_points_load_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    point = EntryPoint(
        name="closest_third_party",
        value="tests.unit.test_routing_registry:closest",
        group=registry_module.ENTRY_POINT_GROUP,
    )
    monkeypatch.setattr(
        registry_module, "entry_points", lambda group: [point] if group == point.group else []
    )
    monkeypatch.setattr(EntryPoint, "load", lambda self: closest)
    registry = builtin_registry()
    assert "closest_third_party" not in registry
    assert registry.load_entry_points() == ("closest_third_party",)
    assert registry.lookup("closest_third_party") is closest


def test_an_entry_point_that_fails_to_import_is_a_definition_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    point = EntryPoint(name="broken", value="nowhere:thing", group="g")
    monkeypatch.setattr(registry_module, "entry_points", lambda group: [point])
    with pytest.raises(DefinitionError, match="broken"):
        StrategyRegistry().load_entry_points("g")


def farthest(line: LineContext, candidates: Sequence[CandidateView]) -> list[float]:
    return [-(c.distance_km or 0.0) for c in candidates]


def fake_entry_points(monkeypatch: pytest.MonkeyPatch, points: dict[str, str]) -> None:
    """Entry points ``name -> value`` in the strategy group; an unknown value fails to import."""
    loadable: dict[str, Any] = {"pkg:closest": closest, "pkg:farthest": farthest, "pkg:answer": 42}
    group = registry_module.ENTRY_POINT_GROUP
    declared = [EntryPoint(name=name, value=value, group=group) for name, value in points.items()]

    def load(self: EntryPoint) -> Any:
        if self.value not in loadable:
            raise ImportError(f"No module named {self.value.split(':')[0]!r}")
        return loadable[self.value]

    monkeypatch.setattr(registry_module, "entry_points", lambda group: list(declared))
    monkeypatch.setattr(EntryPoint, "load", load)


@pytest.mark.parametrize(
    ("points", "failing"),
    [
        # "nearest" is a built-in: the clash comes after "aaa_first" in name order.
        (
            {"aaa_first": "pkg:closest", "nearest": "pkg:farthest", "zzz_last": "pkg:farthest"},
            "nearest",
        ),
        ({"bbb": "pkg:closest", "ccc": "nosuchmodule:thing", "ddd": "pkg:farthest"}, "ccc"),
        ({"eee": "pkg:closest", "fff": "pkg:answer"}, "fff"),
    ],
    ids=["name clash", "import error", "not a strategy"],
)
def test_a_failing_entry_point_registers_none_of_them(
    monkeypatch: pytest.MonkeyPatch, points: dict[str, str], failing: str
) -> None:
    fake_entry_points(monkeypatch, points)
    registry = builtin_registry()
    before = {name: registry.lookup(name) for name in registry}
    for _attempt in range(2):  # a second try fails the same way, not on the first ones
        with pytest.raises(DefinitionError, match=repr(failing)):
            registry.load_entry_points()
        assert {name: registry.lookup(name) for name in registry} == before
    # Once the failing one is gone, the others load.
    fake_entry_points(monkeypatch, {k: v for k, v in points.items() if k != failing})
    assert registry.load_entry_points() == tuple(sorted(set(points) - {failing}))
    assert registry.lookup(sorted(points)[0]) is closest


def test_two_entry_points_of_one_name_register_neither(monkeypatch: pytest.MonkeyPatch) -> None:
    group = registry_module.ENTRY_POINT_GROUP
    twins = [
        EntryPoint(name="twin", value="pkg:closest", group=group),
        EntryPoint(name="twin", value="pkg:farthest", group=group),
        EntryPoint(name="alone", value="pkg:closest", group=group),
    ]
    monkeypatch.setattr(registry_module, "entry_points", lambda group: list(twins))
    monkeypatch.setattr(
        EntryPoint, "load", lambda self: closest if self.value == "pkg:closest" else farthest
    )
    registry = StrategyRegistry()
    with pytest.raises(DefinitionError, match="'twin'"):
        registry.load_entry_points()
    assert registry.names() == ()


def test_a_copy_is_independent() -> None:
    original = builtin_registry()
    clone = original.copy()
    clone.register("closest", closest)
    assert "closest" not in original
    assert repr(original).startswith("StrategyRegistry(co2, cost")


# --------------------------------------------------------------------------- profiles

DOCUMENT = """
name = "store-friendly"
version = 3
max_splits = 1
objective = "cost"

[[rule]]
use = "min_stock"
units = 5

[[rule]]
use = "specialisation"

[[rule]]
use = "nearest"

[cost]
currency = "EUR"
fixed = "3.95"
per_km = "0.03"
"""


def test_a_profile_reads_from_toml_and_writes_back() -> None:
    profile = RoutingProfile.from_toml(DOCUMENT)
    assert profile.label == "store-friendly@3"
    assert [rule.name for rule in profile.rules] == ["min_stock", "specialisation", "nearest"]
    assert profile.rules[0].strategy == builtins.min_stock(5)
    assert (profile.max_shipments, profile.objective) == (2, Objective.COST)
    assert profile.cost_model == DistanceCostModel(Money("3.95", "EUR"), Money("0.03", "EUR"))
    again = RoutingProfile.from_dict(profile.to_dict())
    assert again == profile
    assert RoutingProfile.from_json(profile.to_json()) == profile


def test_plain_rule_names_and_weights_read_from_json() -> None:
    profile = RoutingProfile.from_json(
        '{"name": "w", "combine": "weighted", "rule": ["min_stock_free", '
        '{"use": "nearest", "weight": "0.7"}]}',
        registry=_with_free_filter(),
    )
    assert profile.combine is Combine.WEIGHTED
    assert profile.rules[1].weight == Decimal("0.7")


def _with_free_filter() -> StrategyRegistry:
    registry = builtin_registry()
    registry.register("min_stock_free", builtins.min_stock(0))
    return registry


@pytest.mark.parametrize(
    ("document", "path"),
    [
        ({"rule": [{"use": "nearest"}]}, "name"),
        ({"name": "p", "rule": []}, "rule"),
        ({"name": "p", "rule": "nearest"}, "rule"),
        ({"name": "p", "rule": [{"use": "nearst"}]}, "rule[0].use"),
        ({"name": "p", "rule": [{"units": 5}]}, "rule[0].use"),
        ({"name": "p", "rule": [7]}, "rule[0]"),
        ({"name": "p", "rule": [{"use": "min_stock", "units": -1}]}, "rule[0].units"),
        ({"name": "p", "rule": [{"use": "nearest"}], "max_splits": 99}, "max_splits"),
        ({"name": "p", "rule": [{"use": "nearest"}], "version": 0}, "version"),
        ({"name": "p", "rule": [{"use": "nearest"}], "combine": "average"}, "combine"),
        ({"name": "p", "rule": [{"use": "nearest"}], "objective": "speed"}, "objective"),
        ({"name": "p", "rule": [{"use": "nearest"}], "colour": "red"}, "colour"),
        ({"name": "p", "rule": [{"use": "nearest", "weight": "1"}]}, "rule[0].weight"),
        ({"name": "p", "rule": [{"use": "nearest"}], "cost": {"fixed": "x"}}, "cost.fixed"),
        ({"name": "p", "rule": [{"use": "nearest"}], "cost": {"tip": "1"}}, "cost.tip"),
        ({"name": "p", "rule": [{"use": "nearest"}], "cost": 5}, "cost"),
        ({"name": "p", "rule": [{"use": "nearest"}, {"use": "nearest"}]}, "rule"),
        (
            {"name": "p", "rule": [{"use": "specialisation_with", "fragile": ["glue"]}]},
            "rule[0].fragile[0]",
        ),
        ({"name": "p", "rule": [{"use": "specialisation_with", "heavy": "x"}]}, "rule[0].heavy"),
        (
            {"name": "p", "rule": [{"use": "specialisation_with", "heavy_grams": 0}]},
            "rule[0].heavy_grams",
        ),
        ({"name": "p", "rule": [{"use": "co2", "modes": {"DC": "horse"}}]}, "rule[0].modes.DC"),
        ({"name": "p", "rule": [{"use": "co2", "modes": ["DC"]}]}, "rule[0].modes"),
        ({"name": "p", "rule": [{"use": "co2", "default_mode": "horse"}]}, "rule[0].default_mode"),
        ({"name": "p", "rule": [{"use": "co2", "factors": {"van": "abc"}}]}, "rule[0].factors.van"),
        ({"name": "p", "rule": [{"use": "co2", "factors": []}]}, "rule[0].factors"),
        (
            {"name": "p", "rule": [{"use": "co2", "min_weight_grams": -1}]},
            "rule[0].min_weight_grams",
        ),
        ({"name": "p", "rule": [{"use": "co2", "road_factor": "0.9"}]}, "rule[0].road_factor"),
        ({"name": "p", "rule": [{"use": "priority", "ranking": "DC-1"}]}, "rule[0].ranking"),
        ({"name": "p", "rule": [{"use": "priority", "ranking": 7}]}, "rule[0].ranking"),
        ({"name": "p", "rule": [{"use": "priority", "ranking": {"A": 1}}]}, "rule[0].ranking"),
        (
            {"name": "p", "rule": [{"use": "specialisation_with", "fragile": {"ship": 1}}]},
            "rule[0].fragile",
        ),
        (
            {"name": "p", "rule": ["nearest"], "scarcity": {"price": "1", "kinds": None}},
            "scarcity.kinds",
        ),
        (
            {"name": "p", "rule": ["nearest"], "scarcity": {"price": "1", "locations": 3}},
            "scarcity.locations",
        ),
        (
            {"name": "p", "rule": ["nearest"], "scarcity": {"price": "1", "locations": [[]]}},
            "scarcity.locations[0]",
        ),
        (
            {"name": "p", "rule": ["nearest"], "scarcity": {"price": "1", "demand": {"A": "sNaN"}}},
            "scarcity.demand.A",
        ),
        (
            {
                "name": "p",
                "rule": ["nearest"],
                "scarcity": {"price": "1", "unforecast_index": "sNaN"},
            },
            "scarcity.unforecast_index",
        ),
        (
            {
                "name": "p",
                "rule": [{"use": "priority", "ranking": ["A"], "exclude_unlisted": "no"}],
            },
            "rule[0].exclude_unlisted",
        ),
        ({"name": "p", "rule": [{"use": "min_stock"}]}, "rule[0].units"),
        ({"name": "p", "rule": [{"use": "min_stock", "units": 1, "unit": 2}]}, "rule[0].unit"),
        ({"name": "p", "rule": [{"use": "cost_with", "model": "x"}]}, "rule[0].model"),
        (
            {"name": "p", "rule": [{"use": "cost_with", "model": {"fixed": "x"}}]},
            "rule[0].model.fixed",
        ),
        ({"name": "p", "rule": [{"use": "nearest", "name": 5}]}, "rule[0].name"),
        ({"name": "p", "rule": [{"use": "nearest", "name": "Near by"}]}, "rule[0].name"),
        (
            {"name": "p", "combine": "weighted", "rule": [{"use": "nearest", "weight": "abc"}]},
            "rule[0].weight",
        ),
        ({"name": "p", "rule": ["nearest"], "cost": {"road_factor": "abc"}}, "cost.road_factor"),
        ({"name": "p", "rule": ["nearest"], "cost": {"road_factor": "1e400"}}, "cost.road_factor"),
        ({"name": "p", "rule": [{"use": "co2", "road_factor": "11"}]}, "rule[0].road_factor"),
        (
            {"name": "p", "combine": "weighted", "rule": [{"use": "nearest", "weight": "1e309"}]},
            "rule[0].weight",
        ),
        ({"name": "p", "rule": ["nearest"], "scarcity": {"price": "abc"}}, "scarcity.price"),
    ],
)
def test_a_bad_profile_document_names_the_field(document: dict[str, Any], path: str) -> None:
    with pytest.raises(InvalidInput) as error:
        RoutingProfile.from_dict(document)
    assert error.value.path == path


def test_a_weighted_profile_needs_a_weight_and_documents_must_be_tables() -> None:
    with pytest.raises(InvalidInput, match="at least one rule with a weight"):
        RoutingProfile.from_dict({"name": "p", "combine": "weighted", "rule": ["nearest"]})
    with pytest.raises(InvalidInput):
        RoutingProfile.from_dict(["nearest"])
    with pytest.raises(InvalidInput, match="TOML"):
        RoutingProfile.from_toml("name = ")
    with pytest.raises(InvalidInput, match="JSON"):
        RoutingProfile.from_json("{")


def test_a_profile_with_code_only_parts_refuses_to_become_a_document() -> None:
    profile = RoutingProfile.of("custom", [closest])
    assert profile.rules == (Rule("closest", closest),)
    with pytest.raises(DefinitionError, match="function closest"):
        profile.to_dict()
    registry = builtin_registry()
    registry.register("closest_store", closest)
    data = profile.to_dict(registry)
    assert data["rule"] == [{"use": "closest_store", "name": "closest"}]
    assert RoutingProfile.from_dict(data, registry=registry) == profile
    assert RoutingProfile.from_json(profile.to_json(registry), registry=registry) == profile

    class FlatRate:
        def shipment_cost(self, *, location: Any, origin: Any, weight_grams: int) -> Money:
            return Money("3.00", "EUR")

    odd = RoutingProfile.of("odd", ["nearest"], cost_model=FlatRate())
    with pytest.raises(DefinitionError):
        odd.to_dict()
    configured = RoutingProfile.of(
        "cheap", ["nearest"], cost_model=DistanceCostModel(fixed=Money("1.00", "EUR"))
    )
    again = RoutingProfile.from_dict(configured.to_dict())
    assert again.cost_model == configured.cost_model


def _code_built_profiles() -> list[RoutingProfile]:
    table = DistanceCostModel(fixed=Money("2.50", "EUR"), per_km=Money("0.05", "EUR"))
    return [
        RoutingProfile.of("b3", [("min_stock", builtins.min_stock(5)), "nearest"], max_splits=1),
        RoutingProfile.of(
            "green",
            [
                (
                    "co2",
                    builtins.co2(
                        factors={"van": "120", "bike": "0"},
                        modes={"STORE-1": "bike"},
                        min_weight_grams=250,
                        road_factor="1.4",
                    ),
                ),
                "nearest",
            ],
        ),
        RoutingProfile.of(
            "ranked", [("priority", builtins.priority(["DC-1", "STORE-2"], exclude_unlisted=True))]
        ),
        RoutingProfile.of(
            "careful",
            [
                (
                    "specialisation_with",
                    builtins.specialisation(
                        fragile=["handles_fragile"],
                        hazardous=[],
                        heavy_grams=20_000,
                        heavy=["ship"],
                    ),
                ),
                ("specialisation", builtins.specialisation()),
                "nearest",
            ],
        ),
        RoutingProfile.of("cheap", [("cheap", builtins.cost(model=table)), "nearest"]),
        RoutingProfile.of(
            "blend",
            [
                Rule("nearest", builtins.nearest, weight="0.7"),
                Rule("cost", builtins.cost(), weight="0.3"),
            ],
            combine=Combine.WEIGHTED,
            cost_model=table,
        ),
    ]


@pytest.mark.parametrize("profile", _code_built_profiles(), ids=lambda p: p.name)
def test_a_profile_built_in_code_reads_back_as_the_same_profile(profile: RoutingProfile) -> None:
    again = RoutingProfile.from_dict(profile.to_dict())
    assert again == profile
    assert [rule.strategy for rule in again.rules] == [rule.strategy for rule in profile.rules]
    assert RoutingProfile.from_json(profile.to_json()) == profile
    assert again.to_dict() == profile.to_dict()
    assert hash(again) == hash(profile)


def test_a_rule_made_twice_by_one_factory_keeps_its_own_name() -> None:
    profile = RoutingProfile.of(
        "two-filters",
        [("lenient", builtins.min_stock(1)), ("strict", builtins.min_stock(5)), "nearest"],
    )
    rules = profile.to_dict()["rule"]
    assert rules[:2] == [
        {"use": "min_stock", "units": 1, "name": "lenient"},
        {"use": "min_stock", "units": 5, "name": "strict"},
    ]
    again = RoutingProfile.from_dict(profile.to_dict())
    assert [rule.name for rule in again.rules] == ["lenient", "strict", "nearest"]
    assert again.rules[1].strategy == builtins.min_stock(5)


def test_profiles_that_differ_only_in_settings_are_not_equal() -> None:
    def b3(units: int) -> RoutingProfile:
        return RoutingProfile.of("b3", [("min_stock", builtins.min_stock(units)), "nearest"])

    assert b3(5) == b3(5)
    assert b3(5) != b3(3)
    plain = RoutingProfile.of("p", ["nearest"])
    dearer = RoutingProfile.of(
        "p", ["nearest"], cost_model=DistanceCostModel(fixed=Money("9.00", "EUR"))
    )
    assert plain != dearer
    assert RoutingProfile.from_dict(dearer.to_dict()) != plain


def test_a_strategy_that_cannot_describe_itself_refuses_to_become_a_document() -> None:
    class Within:
        def __init__(self, km: float) -> None:
            self.km = km

        def __call__(self, line: LineContext, candidates: Sequence[CandidateView]) -> list[float]:
            return [0.0 for _ in candidates]

    profile = RoutingProfile.of("near", [("within", Within(30.0)), "nearest"])
    with pytest.raises(DefinitionError, match="to_rule"):
        profile.to_dict()

    class Broken(Within):
        def to_rule(self) -> dict[str, Any]:
            return {"km": self.km}

    with pytest.raises(DefinitionError, match="'use' name"):
        RoutingProfile.of("near", [("within", Broken(30.0))]).to_dict()

    class Described(Within):
        def to_rule(self) -> dict[str, Any]:
            return {"use": "within", "km": self.km}

    data = RoutingProfile.of("near", [("within", Described(30.0))]).to_dict()
    assert data["rule"] == [{"use": "within", "km": 30.0}]


def test_a_cost_rule_over_a_model_a_document_cannot_describe_refuses() -> None:
    class FlatRate:
        def shipment_cost(self, *, location: Any, origin: Any, weight_grams: int) -> Money:
            return Money("3.00", "EUR")

    profile = RoutingProfile.of("flat", [("cost", builtins.cost(model=FlatRate()))])
    with pytest.raises(DefinitionError, match="FlatRate"):
        profile.to_dict()


def test_a_json_document_nested_too_deeply_is_a_typed_error() -> None:
    with pytest.raises(InvalidInput, match="nested too deeply"):
        RoutingProfile.from_json("[" * 100_000 + "]" * 100_000)


@pytest.mark.parametrize("text", [None, 7, ["name"]])
def test_profile_text_that_is_not_text_is_a_typed_error(text: Any) -> None:
    with pytest.raises(InvalidInput, match="must be JSON text"):
        RoutingProfile.from_json(text)
    with pytest.raises(InvalidInput, match="must be TOML text"):
        RoutingProfile.from_toml(text)


def test_a_built_in_function_under_another_name_is_written_by_its_registry_name() -> None:
    profile = RoutingProfile.of("p", [("near", builtins.nearest)])
    assert profile.to_dict()["rule"] == [{"use": "nearest", "name": "near"}]
    assert RoutingProfile.from_dict(profile.to_dict()) == profile


def test_a_function_that_only_shares_a_built_in_name_is_not_written_as_the_built_in() -> None:
    def nearest(line: LineContext, candidates: Sequence[CandidateView]) -> list[float]:
        return [-(c.distance_km or 0.0) for c in candidates]

    with pytest.raises(DefinitionError, match=r"function .*nearest"):
        RoutingProfile.of("farthest", [nearest]).to_dict()


NOT_A_REGISTRY: Any = {"nearest": builtins.nearest}


@pytest.mark.parametrize(
    "call",
    [
        lambda: RoutingProfile.of("p", ["nearest"], registry=NOT_A_REGISTRY),
        lambda: RoutingProfile.from_dict(
            {"name": "p", "rule": ["nearest"]}, registry=NOT_A_REGISTRY
        ),
        lambda: RoutingProfile.of("p", ["nearest"]).to_dict(registry=NOT_A_REGISTRY),
    ],
    ids=["of", "from_dict", "to_dict"],
)
def test_a_registry_that_is_not_a_registry_is_refused(call: Any) -> None:
    with pytest.raises(InvalidInput) as error:
        call()
    assert error.value.path == "registry"


@pytest.mark.parametrize("name", [[], {}, None, 3])
def test_a_name_that_is_not_a_string_is_unknown_not_a_type_error(name: Any) -> None:
    registry = builtin_registry()
    assert name not in registry
    with pytest.raises(NotFound):
        registry.lookup(name)
    with pytest.raises(NotFound):
        registry.create(name)


def test_a_class_registered_as_a_strategy_asks_for_an_instance_or_a_factory() -> None:
    class PreferDcs:
        def __init__(self, line: object = None, candidates: object = None) -> None:
            self.line = line

    with pytest.raises(DefinitionError, match="factory=True"):
        StrategyRegistry().register("prefer_dcs", PreferDcs)


def test_profile_of_refuses_bad_items_and_options_with_typed_errors() -> None:
    cases: list[tuple[Any, dict[str, Any], str]] = [
        (None, {}, "rule"),
        ("nearest", {}, "rule"),
        ([("nearest",)], {}, "rule[0]"),
        ([("a", builtins.nearest, 1)], {}, "rule[0]"),
        ([7], {}, "rule[0]"),
        ([lambda line, candidates: [0.0] * len(candidates)], {}, "rule[0]"),
        (["nearest"], {"combine": "zz"}, "combine"),
        (["nearest"], {"objective": None}, "objective"),
        (["nearest"], {"cost_model": None}, "cost_model"),
        (["nearest"], {"cost_model": "x"}, "cost_model"),
    ]
    for rules, options, path in cases:
        with pytest.raises(InvalidInput) as error:
            RoutingProfile.of("p", rules, **options)
        assert error.value.path == path, (rules, options)


def test_a_bare_strategy_object_is_named_after_its_rule() -> None:
    profile = RoutingProfile.of("p", [builtins.min_stock(3), builtins.nearest])
    assert [rule.name for rule in profile.rules] == ["min_stock", "nearest"]


def test_a_huge_integer_score_is_a_definition_error_naming_the_strategy() -> None:
    from omskit.routing.strategy import check_scores

    with pytest.raises(DefinitionError, match=r"'huge' returned 1000.*finite number"):
        check_scores([10**400], 1, name="huge")


def test_a_profile_with_a_scarcity_charge_hashes() -> None:
    document = {"name": "p", "rule": ["nearest"], "scarcity": {"price": "1", "demand": {"A": 3}}}
    profile = RoutingProfile.from_dict(document)
    assert hash(profile) == hash(RoutingProfile.from_dict(profile.to_dict()))
    assert {profile: 1}[RoutingProfile.from_dict(document)] == 1


@pytest.mark.parametrize("profile", _code_built_profiles(), ids=lambda p: p.name)
def test_a_profile_written_as_toml_reads_back_as_the_same_profile(profile: RoutingProfile) -> None:
    text = profile.to_toml()
    assert RoutingProfile.from_toml(text) == profile
    assert "[[rule]]" in text


def test_toml_keeps_odd_strings_and_every_table() -> None:
    odd = ['DC "north"', "Zoë\\store", "tab\there", "bell\x07", "\U0001f4e6 depot"]
    document = {
        "name": "odd",
        "version": 4,
        "objective": "cost",
        "rule": [
            {"use": "priority", "ranking": odd, "exclude_unlisted": True},
            {"use": "co2", "modes": {'DC "north"': "truck"}, "min_weight_grams": 250},
            "nearest",
        ],
        "cost": {"currency": "EUR", "fixed": "3.95", "road_factor": "1.2"},
        "scarcity": {"price": "0.60", "kinds": ["store"], "demand": {"SKU 1": 14, "B": "2.5"}},
    }
    profile = RoutingProfile.from_dict(document)
    again = RoutingProfile.from_toml(profile.to_toml())
    assert again == profile
    assert again.rules[0].strategy == builtins.priority(odd, exclude_unlisted=True)
    assert again.scarcity == profile.scarcity
    assert again.to_dict() == profile.to_dict()


def _within(*, km: float) -> RoutingStrategy:
    def within(line: LineContext, candidates: Sequence[CandidateView]) -> list[float]:
        return [0.0 if (c.distance_km or 0.0) <= km else 1.0 for c in candidates]

    return within


def test_a_factory_product_read_twice_gives_equal_profiles() -> None:
    registry = builtin_registry()
    registry.register("within", _within, factory=True)
    document = 'name = "p"\n[[rule]]\nuse = "within"\nkm = 3.0\n'
    first = RoutingProfile.from_toml(document, registry=registry)
    again = RoutingProfile.from_toml(document, registry=registry)
    assert first.rules[0].strategy is not again.rules[0].strategy
    assert first == again
    assert hash(first) == hash(again)
    other = RoutingProfile.from_toml(document.replace("3.0", "4.0"), registry=registry)
    assert other != first
    assert RoutingProfile.from_toml(first.to_toml(), registry=registry) == first


def test_a_rule_whose_strategy_is_replaced_does_not_write_the_old_parameters() -> None:
    profile = RoutingProfile.from_dict(
        {"name": "p", "rule": [{"use": "min_stock", "units": 5}, "nearest"]}
    )
    stricter = attrs.evolve(
        profile,
        rules=(attrs.evolve(profile.rules[0], strategy=builtins.min_stock(9)), profile.rules[1]),
    )
    assert stricter != profile
    assert stricter.to_dict()["rule"][0] == {"use": "min_stock", "units": 9}
    assert RoutingProfile.from_dict(stricter.to_dict()) == stricter
    registry = builtin_registry()
    registry.register("within", _within, factory=True)
    near = RoutingProfile.from_dict(
        {"name": "p", "rule": [{"use": "within", "km": 3.0}]}, registry=registry
    )
    swapped = attrs.evolve(near, rules=(attrs.evolve(near.rules[0], strategy=_within(km=9.0)),))
    with pytest.raises(DefinitionError):
        swapped.to_dict(registry)


def test_toml_writes_the_dates_and_special_floats_it_reads() -> None:
    def until(**options: Any) -> RoutingStrategy:
        return builtins.nearest

    registry = builtin_registry()
    registry.register("until", until, factory=True)
    document = (
        'name = "p"\n[[rule]]\nuse = "until"\nday = 2026-01-05\n'
        "at = 2026-01-05T09:30:00+01:00\nopens = 08:00:00\nlimit = inf\nfloor = -inf\nodd = nan\n"
    )
    profile = RoutingProfile.from_toml(document, registry=registry)
    text = profile.to_toml(registry)
    again = RoutingProfile.from_toml(text, registry=registry)
    params = dict(again.rules[0].params)
    assert params["day"] == date(2026, 1, 5)
    assert params["at"] == datetime(2026, 1, 5, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    assert params["opens"] == time(8, 0)
    assert params["limit"] == math.inf
    assert params["floor"] == -math.inf
    assert math.isnan(params["odd"])
    assert "day = 2026-01-05" in text
    assert "limit = inf" in text
