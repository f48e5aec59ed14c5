"""Safety stock: rules, precedence, rounding, composition and configuration documents (A2)."""

from __future__ import annotations

import doctest
import json
import pickle
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import omskit.availability.safety as safety_module
from omskit.availability.safety import (
    RULE_KEYS,
    SafetyLevel,
    SafetyRule,
    SafetyStockPolicy,
    sellable_after_safety,
)
from omskit.errors import DefinitionError, InvalidInput
from omskit.geo import GeoPoint
from omskit.model import Channel, Location, LocationKind, StockPosition
from omskit.testing.strategies import identifiers

AMSTERDAM = GeoPoint(52.3676, 4.9041)
GRINDER = "GRINDER-C40"


def location(location_id: str = "STORE-AMS", kind: LocationKind = LocationKind.STORE) -> Location:
    return Location(
        location_id=location_id,
        name=f"{kind.value} {location_id}",
        kind=kind,
        point=AMSTERDAM,
        country="NL",
    )


STORE = location()
OTHER_STORE = location("STORE-UT")
DC = location("DC-UT", LocationKind.DISTRIBUTION_CENTRE)


def assert_names(error: InvalidInput, path: str) -> None:
    """The error names the offending field and reads as a phrase."""
    assert error.path == path
    assert str(error) == (f"{path}: {error.reason}" if path else error.reason)
    assert " " in error.reason


# --------------------------------------------------------------------------- the brief's example


BRIEF_POLICY = SafetyStockPolicy([SafetyRule(location_kind=LocationKind.STORE, percent=12)])


def test_a_store_keeps_twelve_percent_for_walk_in_customers_and_the_web_sells_the_rest() -> None:
    position = StockPosition(sku=GRINDER, location_id=STORE.location_id, on_hand=50)
    held = BRIEF_POLICY.held_back(sku=GRINDER, location=STORE, channel=Channel.WEB, on_hand=50)
    assert held == 6
    assert BRIEF_POLICY.sellable(position, location=STORE, channel=Channel.WEB) == 44


def test_a_distribution_centre_is_unaffected_by_a_store_rule() -> None:
    position = StockPosition(sku=GRINDER, location_id=DC.location_id, on_hand=50)
    assert BRIEF_POLICY.held_back(sku=GRINDER, location=DC, channel=Channel.WEB, on_hand=50) == 0
    assert BRIEF_POLICY.rule_for(sku=GRINDER, location=DC, channel=Channel.WEB) is None
    assert BRIEF_POLICY.sellable(position, location=DC, channel=Channel.WEB) == 50


def test_twelve_percent_of_seven_units_holds_back_one_so_nothing_is_over_promised() -> None:
    assert BRIEF_POLICY.held_back(sku=GRINDER, location=STORE, channel=Channel.WEB, on_hand=7) == 1


def test_an_empty_policy_holds_nothing_back() -> None:
    policy = SafetyStockPolicy()
    assert policy.rules == ()
    assert policy.held_back(sku=GRINDER, location=STORE, channel=Channel.WEB, on_hand=9) == 0


# --------------------------------------------------------------------------- precedence


QUERY_CHANNEL = Channel.WEB


def rule_at(precedence: int, units: int) -> SafetyRule:
    """A rule matching (GRINDER, STORE, WEB) in the given precedence row of the table."""
    level, names_channel = divmod(precedence, 2)
    scopes: dict[SafetyLevel, dict[str, Any]] = {
        SafetyLevel.DEFAULT: {},
        SafetyLevel.LOCATION_KIND: {"location_kind": STORE.kind},
        SafetyLevel.LOCATION: {"location_id": STORE.location_id},
        SafetyLevel.SKU: {"sku": GRINDER},
        SafetyLevel.SKU_LOCATION_KIND: {"sku": GRINDER, "location_kind": STORE.kind},
        SafetyLevel.SKU_LOCATION: {"sku": GRINDER, "location_id": STORE.location_id},
    }
    scope = scopes[SafetyLevel(level)]
    if names_channel:
        scope["channel"] = QUERY_CHANNEL
    return SafetyRule(units=units, **scope)


ROW_NAMES = {rule_at(p, 0).precedence: rule_at(p, 0).describe() for p in range(12)}


def test_the_precedence_rows_are_the_documented_table() -> None:
    assert [rule_at(p, 0).precedence for p in range(12)] == list(range(12))
    assert ROW_NAMES[0] == "the default scope"
    assert ROW_NAMES[3] == "location_kind=store, channel=web"
    assert ROW_NAMES[4] == "location_id=STORE-AMS"
    assert ROW_NAMES[11] == "location_id=STORE-AMS, sku=GRINDER-C40, channel=web"
    assert rule_at(9, 0).level is SafetyLevel.SKU_LOCATION_KIND


@pytest.mark.parametrize(
    "higher", range(1, 12), ids=[f"{ROW_NAMES[p]} beats {ROW_NAMES[p - 1]}" for p in range(1, 12)]
)
def test_each_precedence_row_beats_the_row_below(higher: int) -> None:
    winner, loser = rule_at(higher, units=higher + 1), rule_at(higher - 1, units=99)
    for rules in ([winner, loser], [loser, winner]):
        policy = SafetyStockPolicy(rules)
        assert policy.rule_for(sku=GRINDER, location=STORE, channel=QUERY_CHANNEL) == winner
        assert policy.held_back(
            sku=GRINDER, location=STORE, channel=QUERY_CHANNEL, on_hand=100
        ) == (higher + 1)


def test_with_every_row_present_removing_the_winner_hands_the_decision_to_the_next_row() -> None:
    rules = [rule_at(p, units=p) for p in range(12)]
    for top in range(11, -1, -1):
        policy = SafetyStockPolicy(rules[: top + 1])
        decided = policy.rule_for(sku=GRINDER, location=STORE, channel=QUERY_CHANNEL)
        assert decided is not None
        assert decided.precedence == top


def test_a_location_rule_without_a_channel_beats_a_location_kind_rule_for_that_channel() -> None:
    policy = SafetyStockPolicy(
        [
            SafetyRule(location_kind=LocationKind.STORE, channel=Channel.WEB, units=5),
            SafetyRule(location_id="STORE-AMS", units=2),
        ]
    )
    assert policy.held_back(sku=GRINDER, location=STORE, channel=Channel.WEB, on_hand=50) == 2
    assert policy.held_back(sku=GRINDER, location=OTHER_STORE, channel=Channel.WEB, on_hand=50) == 5


def test_a_channel_rule_refines_its_level_for_that_channel_only() -> None:
    policy = SafetyStockPolicy(
        [
            SafetyRule(location_kind=LocationKind.STORE, percent=12),
            SafetyRule(location_kind=LocationKind.STORE, channel=Channel.MARKETPLACE, percent=20),
            SafetyRule(location_kind=LocationKind.STORE, channel=Channel.STORE, units=0),
        ]
    )

    def held(channel: Channel) -> int:
        return policy.held_back(sku=GRINDER, location=STORE, channel=channel, on_hand=50)

    assert held(Channel.WEB) == 6
    assert held(Channel.PHONE) == 6
    assert held(Channel.MARKETPLACE) == 10
    assert held(Channel.STORE) == 0


def test_a_default_channel_rule_applies_everywhere_for_that_channel() -> None:
    policy = SafetyStockPolicy([SafetyRule(channel=Channel.MARKETPLACE, units=1)])
    for where in (STORE, DC):
        assert (
            policy.held_back(sku=GRINDER, location=where, channel=Channel.MARKETPLACE, on_hand=10)
            == 1
        )
        assert policy.held_back(sku=GRINDER, location=where, channel=Channel.WEB, on_hand=10) == 0


def test_rules_for_other_skus_locations_kinds_or_channels_do_not_match() -> None:
    policy = SafetyStockPolicy(
        [
            SafetyRule(sku="KETTLE-1", units=3),
            SafetyRule(location_id="STORE-UT", units=3),
            SafetyRule(location_kind=LocationKind.WAREHOUSE, units=3),
            SafetyRule(channel=Channel.PHONE, units=3),
            SafetyRule(sku=GRINDER, location_kind=LocationKind.SHOWROOM, units=3),
        ]
    )
    assert policy.rule_for(sku=GRINDER, location=STORE, channel=Channel.WEB) is None
    assert policy.held_back(sku=GRINDER, location=STORE, channel=Channel.WEB, on_hand=9) == 0


SKUS = ("SKU-A", "SKU-B")
LOCATIONS = (STORE, OTHER_STORE, DC, location("WH-1", LocationKind.WAREHOUSE))


SKU_CHOICES = st.sampled_from(SKUS)
LOCATION_ID_CHOICES = st.sampled_from([loc.location_id for loc in LOCATIONS])


@st.composite
def safety_rules(
    draw: st.DrawFn,
    skus: st.SearchStrategy[str] = SKU_CHOICES,
    location_ids: st.SearchStrategy[str] = LOCATION_ID_CHOICES,
) -> SafetyRule:
    """Valid rules built through the real constructor, with every kind of scope and amount."""
    where = draw(st.sampled_from(["any", "kind", "id"]))
    amount: dict[str, Any] = draw(
        st.one_of(
            st.builds(lambda u: {"units": u}, st.integers(0, 1000)),
            st.builds(
                lambda p: {"percent": p},
                st.one_of(
                    st.integers(0, 100),
                    st.decimals(min_value=0, max_value=100, places=2),
                    st.decimals(min_value=0, max_value=100, places=6).map(str),
                ),
            ),
        )
    )
    return SafetyRule(
        sku=draw(st.none() | skus),
        location_kind=draw(st.sampled_from(LocationKind)) if where == "kind" else None,
        location_id=draw(location_ids) if where == "id" else None,
        channel=draw(st.none() | st.sampled_from(Channel)),
        **amount,
    )


def policies(
    rules: st.SearchStrategy[SafetyRule] | None = None,
) -> st.SearchStrategy[SafetyStockPolicy]:
    return st.lists(
        safety_rules() if rules is None else rules, unique_by=lambda r: r.scope, max_size=20
    ).map(SafetyStockPolicy)


@given(policies(), st.integers(0, 10_000))
def test_the_deciding_rule_is_the_highest_precedence_rule_that_matches(
    policy: SafetyStockPolicy, on_hand: int
) -> None:
    for sku in (*SKUS, "SKU-NONE"):
        for where in LOCATIONS:
            for channel in Channel:
                query: dict[str, Any] = {"sku": sku, "location": where, "channel": channel}
                matching = [rule for rule in policy.rules if rule.matches(**query)]
                decided = policy.rule_for(**query)
                held = policy.held_back(**query, on_hand=on_hand)
                if not matching:
                    assert decided is None
                    assert held == 0
                    continue
                best = max(matching, key=lambda rule: rule.precedence)
                assert [r.precedence for r in matching].count(best.precedence) == 1  # no ties
                assert decided == best
                assert held == best.held_back(on_hand)


def test_lookups_stay_correct_with_thousands_of_rules() -> None:
    # One SKU+location rule and one SKU rule per SKU: a linear scan per query would
    # make this test take minutes; the indexed look-up keeps it well under a second.
    skus = [f"SKU-{n:05}" for n in range(5_000)]
    rules = [
        SafetyRule(sku=sku, location_id="STORE-AMS", units=n % 7) for n, sku in enumerate(skus)
    ]
    rules += [SafetyRule(sku=sku, percent=n % 101) for n, sku in enumerate(skus)]
    rules.append(SafetyRule(location_kind=LocationKind.STORE, units=1))
    policy = SafetyStockPolicy(rules)
    for n, sku in enumerate(skus):
        assert policy.held_back(sku=sku, location=STORE, channel=Channel.WEB, on_hand=100) == n % 7
        assert policy.held_back(
            sku=sku, location=OTHER_STORE, channel=Channel.WEB, on_hand=100
        ) == (n % 101)
    assert policy.held_back(sku="SKU-X", location=OTHER_STORE, channel=Channel.WEB, on_hand=9) == 1


# --------------------------------------------------------------------------- rounding


@given(
    st.integers(0, 10**9),
    st.integers(0, 12).flatmap(
        lambda places: st.decimals(min_value=0, max_value=100, places=places)
    ),
)
def test_a_percentage_rounds_up_by_less_than_one_unit_and_never_exceeds_on_hand(
    on_hand: int, percent: Decimal
) -> None:
    held = SafetyRule(percent=percent).held_back(on_hand)
    exact = Fraction(on_hand) * Fraction(percent) / 100
    assert held >= exact
    assert held - exact < 1
    assert 0 <= held <= on_hand


@given(st.integers(0, 1000), st.integers(0, 1000))
def test_a_units_rule_holds_back_at_most_what_is_on_hand(units: int, on_hand: int) -> None:
    assert SafetyRule(units=units).held_back(on_hand) == min(units, on_hand)


@pytest.mark.parametrize(
    ("percent", "on_hand", "held"),
    [("0", 50, 0), ("100", 50, 50), ("12", 0, 0), ("12.5", 8, 1), ("12.5", 9, 2), ("0.001", 1, 1)],
)
def test_percentages_round_exactly_at_the_edges(percent: str, on_hand: int, held: int) -> None:
    assert SafetyRule(percent=percent).held_back(on_hand) == held


@pytest.mark.parametrize("on_hand", [-1, True, 2.0, "3"])
def test_a_negative_or_non_integer_on_hand_is_refused(on_hand: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        BRIEF_POLICY.held_back(sku=GRINDER, location=DC, channel=Channel.WEB, on_hand=on_hand)
    assert_names(caught.value, "on_hand")


# --------------------------------------------------------------------------- composition


def test_sellable_subtracts_reservations_allocations_and_safety_stock_from_on_hand() -> None:
    assert sellable_after_safety(on_hand=50, reserved=10, allocated=4, held_back=6) == 30
    assert sellable_after_safety(on_hand=50, reserved=40, allocated=4, held_back=6) == 0
    assert sellable_after_safety(on_hand=50, reserved=45, allocated=4, held_back=6) == 0


@given(
    st.integers(0, 500).flatmap(
        lambda on_hand: st.tuples(
            st.just(on_hand),
            st.integers(0, on_hand).flatmap(
                lambda reserved: st.tuples(st.just(reserved), st.integers(0, on_hand - reserved))
            ),
            st.integers(0, 100),
        )
    )
)
def test_sellable_never_promises_the_buffer_or_reserved_stock(
    case: tuple[int, tuple[int, int], int],
) -> None:
    on_hand, (reserved, allocated), percent = case
    position = StockPosition(
        sku=GRINDER,
        location_id=STORE.location_id,
        on_hand=on_hand,
        reserved=reserved,
        allocated=allocated,
    )
    policy = SafetyStockPolicy([SafetyRule(location_kind=LocationKind.STORE, percent=percent)])
    held = policy.held_back(sku=GRINDER, location=STORE, channel=Channel.WEB, on_hand=on_hand)
    sellable = policy.sellable(position, location=STORE, channel=Channel.WEB)
    assert 0 <= sellable <= position.free
    assert sellable <= on_hand - held
    assert sellable == max(0, position.free - held)


def test_sellable_refuses_a_location_that_is_not_the_positions() -> None:
    position = StockPosition(sku=GRINDER, location_id="DC-UT", on_hand=5)
    with pytest.raises(InvalidInput) as caught:
        BRIEF_POLICY.sellable(position, location=STORE, channel=Channel.WEB)
    assert_names(caught.value, "location")


# --------------------------------------------------------------------------- rule validation


@pytest.mark.parametrize(
    ("kwargs", "path", "words"),
    [
        ({"percent": 12, "units": 2}, "", "not both"),
        ({}, "", "not neither"),
        ({"location_kind": LocationKind.STORE, "location_id": "S-1", "units": 1}, "", "kind"),
        ({"percent": 12.5}, "percent", "not exact"),
        ({"percent": -1}, "percent", "between 0 and 100"),
        ({"percent": "100.5"}, "percent", "between 0 and 100"),
        ({"percent": "12%"}, "percent", "decimal number"),
        ({"percent": Decimal("NaN")}, "percent", "finite"),
        ({"percent": "0.0000000000001"}, "percent", "decimal places"),
        ({"percent": True}, "percent", "not bool"),
        ({"units": -1}, "units", "non-negative"),
        ({"units": True}, "units", "non-negative"),
        ({"units": 1, "sku": "bad sku"}, "sku", "letters, digits"),
        ({"units": 1, "location_id": ""}, "location_id", "letters, digits"),
        ({"units": 1, "location_kind": "store"}, "location_kind", "LocationKind"),
        ({"units": 1, "channel": "web"}, "channel", "Channel"),
    ],
)
def test_a_bad_rule_names_the_field(kwargs: dict[str, Any], path: str, words: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        SafetyRule(**kwargs)
    assert_names(caught.value, path)
    assert words in caught.value.reason


def test_a_rule_accepts_a_percentage_as_decimal_int_or_string_and_stores_a_decimal() -> None:
    rules = [SafetyRule(percent=p) for p in (Decimal("12.5"), "12.5", 12)]
    assert [r.percent for r in rules] == [Decimal("12.5"), Decimal("12.5"), Decimal(12)]
    assert all(isinstance(r.percent, Decimal) for r in rules)


def test_rules_are_immutable_hashable_and_survive_pickling() -> None:
    rule = SafetyRule(location_kind=LocationKind.STORE, percent="12")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        rule.units = 3  # type: ignore[misc]
    assert rule == SafetyRule(location_kind=LocationKind.STORE, percent=Decimal("12.0"))
    assert len({rule, SafetyRule(location_kind=LocationKind.STORE, percent=12)}) == 1
    copy = pickle.loads(pickle.dumps(rule))
    assert copy == rule
    assert copy.held_back(7) == 1


def test_a_policy_survives_pickling_with_its_index() -> None:
    copy = pickle.loads(pickle.dumps(BRIEF_POLICY))
    assert copy == BRIEF_POLICY
    assert copy.held_back(sku=GRINDER, location=STORE, channel=Channel.WEB, on_hand=50) == 6


# --------------------------------------------------------------------------- duplicates


def test_two_rules_with_the_same_scope_are_a_definition_error_naming_both() -> None:
    rules = [
        SafetyRule(location_kind=LocationKind.STORE, percent=12),
        SafetyRule(sku=GRINDER, units=1),
        SafetyRule(location_kind=LocationKind.STORE, units=3),
    ]
    with pytest.raises(DefinitionError) as caught:
        SafetyStockPolicy(rules)
    message = str(caught.value)
    assert "rule[0] and rule[2]" in message
    assert "location_kind=store" in message


def test_a_document_with_duplicate_scopes_is_a_definition_error() -> None:
    text = """
    [[rule]]
    channel = "web"
    units = 1
    [[rule]]
    channel = "web"
    percent = "5"
    """
    with pytest.raises(DefinitionError, match=r"rule\[0\] and rule\[1\].*channel=web"):
        SafetyStockPolicy.from_toml(text)


def test_rules_differing_only_in_channel_are_not_duplicates() -> None:
    policy = SafetyStockPolicy(
        [SafetyRule(sku=GRINDER, units=1), SafetyRule(sku=GRINDER, channel=Channel.WEB, units=2)]
    )
    assert len(policy.rules) == 2


# --------------------------------------------------------------------------- documents


ISSUE_TOML = """
[[rule]]
location_kind = "store"
percent = "12"

[[rule]]
location_id = "STORE-AMS"
sku = "GRINDER-C40"
units = 2

[[rule]]
channel = "marketplace"
units = 1
"""


def test_the_documented_toml_example_reads_into_the_rules_it_describes() -> None:
    policy = SafetyStockPolicy.from_toml(ISSUE_TOML)
    assert policy.rules == (
        SafetyRule(location_kind=LocationKind.STORE, percent=Decimal(12)),
        SafetyRule(location_id="STORE-AMS", sku=GRINDER, units=2),
        SafetyRule(channel=Channel.MARKETPLACE, units=1),
    )
    assert policy.held_back(sku=GRINDER, location=STORE, channel=Channel.WEB, on_hand=50) == 2
    assert policy.held_back(sku="MUG", location=STORE, channel=Channel.WEB, on_hand=50) == 6
    assert policy.held_back(sku="MUG", location=DC, channel=Channel.MARKETPLACE, on_hand=50) == 1


def test_the_same_policy_reads_from_json_and_from_a_dict() -> None:
    data = {
        "rule": [
            {"location_kind": "store", "percent": "12"},
            {"location_id": "STORE-AMS", "sku": "GRINDER-C40", "units": 2},
            {"channel": "marketplace", "units": 1},
        ]
    }
    expected = SafetyStockPolicy.from_toml(ISSUE_TOML)
    assert SafetyStockPolicy.from_dict(data) == expected
    assert SafetyStockPolicy.from_json(json.dumps(data)) == expected


def test_a_percentage_may_be_an_integer_in_a_document() -> None:
    policy = SafetyStockPolicy.from_json('{"rule": [{"percent": 12}]}')
    assert policy.rules == (SafetyRule(percent=Decimal(12)),)


def test_an_empty_document_is_a_policy_without_rules() -> None:
    assert SafetyStockPolicy.from_toml("").rules == ()
    assert SafetyStockPolicy.from_dict({"rule": []}).rules == ()


def test_to_dict_writes_only_the_keys_a_rule_names_in_document_order() -> None:
    policy = SafetyStockPolicy.from_toml(ISSUE_TOML)
    assert policy.to_dict() == {
        "rule": [
            {"location_kind": "store", "percent": "12"},
            {"location_id": "STORE-AMS", "sku": "GRINDER-C40", "units": 2},
            {"channel": "marketplace", "units": 1},
        ]
    }
    for rule in policy.to_dict()["rule"]:
        keys = list(rule)
        assert keys == [key for key in RULE_KEYS if key in keys]


def test_a_percentage_with_an_exponent_is_written_as_plain_digits() -> None:
    policy = SafetyStockPolicy([SafetyRule(percent=Decimal("1E+1"))])
    assert policy.to_dict() == {"rule": [{"percent": "10"}]}
    assert SafetyStockPolicy.from_toml(policy.to_toml()) == policy


@pytest.mark.parametrize(
    ("data", "path", "words"),
    [
        ([{"units": 1}], "", "must be a table"),
        ({"rules": []}, "rules", "known: rule"),
        ({"rule": {"units": 1}}, "rule", "list of rule tables"),
        ({"rule": ["store"]}, "rule[0]", "must be a table"),
        ({"rule": [{"units": 1}, {"units": 1, "colour": "red"}]}, "rule[1].colour", "known:"),
        ({"rule": [{"sku": None, "units": 1}]}, "rule[0].sku", "must not be null"),
        ({"rule": [{"location_kind": "shop", "units": 1}]}, "rule[0].location_kind", "'store'"),
        ({"rule": [{"location_kind": 3, "units": 1}]}, "rule[0].location_kind", "one of"),
        ({"rule": [{"channel": "fax", "units": 1}]}, "rule[0].channel", "'marketplace'"),
        ({"rule": [{"percent": "12", "units": 2}]}, "rule[0]", "not both"),
        ({"rule": [{"sku": "X"}]}, "rule[0]", "not neither"),
        ({"rule": [{"location_kind": "store", "location_id": "S", "units": 1}]}, "rule[0]", "kind"),
        (
            {"rule": [{"units": 1}, {"units": 1, "sku": "A"}, {"percent": "150"}]},
            "rule[2].percent",
            "between 0 and 100",
        ),
        ({"rule": [{"percent": 12.5}]}, "rule[0].percent", "not exact"),
        ({"rule": [{"percent": True}]}, "rule[0].percent", "not bool"),
        ({"rule": [{"percent": "twelve"}]}, "rule[0].percent", "decimal number"),
        ({"rule": [{"units": -2}]}, "rule[0].units", "non-negative"),
        ({"rule": [{"units": 2.0}]}, "rule[0].units", "integer, not float"),
        ({"rule": [{"units": "2"}]}, "rule[0].units", "integer, not str"),
        ({"rule": [{"units": False}]}, "rule[0].units", "integer, not bool"),
        ({"rule": [{"sku": "has space", "units": 1}]}, "rule[0].sku", "letters, digits"),
        ({"rule": [{"location_id": 7, "units": 1}]}, "rule[0].location_id", "letters, digits"),
    ],
)
def test_a_bad_document_names_the_offending_field(data: Any, path: str, words: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        SafetyStockPolicy.from_dict(data)
    assert_names(caught.value, path)
    assert words in caught.value.reason


def test_a_float_percentage_in_toml_is_refused_because_floats_are_not_exact() -> None:
    text = '[[rule]]\nlocation_kind = "store"\npercent = 12.5\n'
    with pytest.raises(InvalidInput) as caught:
        SafetyStockPolicy.from_toml(text)
    assert_names(caught.value, "rule[0].percent")
    assert "not exact" in caught.value.reason
    assert "quotes" in caught.value.reason


def test_a_float_percentage_in_json_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        SafetyStockPolicy.from_json('{"rule": [{"units": 1}, {"percent": 0.1}]}')
    assert_names(caught.value, "rule[1].percent")


@pytest.mark.parametrize(
    ("reader", "text", "words"),
    [
        (SafetyStockPolicy.from_json, '{"rule": [', "not valid JSON"),
        (SafetyStockPolicy.from_toml, "[[rule]\nunits = 1", "not valid TOML"),
        (SafetyStockPolicy.from_json, "[]", "must be a table"),
    ],
)
def test_a_document_that_does_not_parse_is_invalid_input(
    reader: Any, text: str, words: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        reader(text)
    assert_names(caught.value, "")
    assert words in caught.value.reason


def test_a_bad_document_raises_invalid_input_that_is_also_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"rule\[0\]\.units"):
        SafetyStockPolicy.from_dict({"rule": [{"units": -1}]})


WIDE_RULES = safety_rules(skus=identifiers(), location_ids=identifiers())


@given(policies(WIDE_RULES))
def test_a_policy_round_trips_through_dict_json_and_toml(policy: SafetyStockPolicy) -> None:
    assert SafetyStockPolicy.from_dict(policy.to_dict()) == policy
    assert SafetyStockPolicy.from_json(policy.to_json()) == policy
    assert SafetyStockPolicy.from_toml(policy.to_toml()) == policy
    assert json.loads(policy.to_json()) == policy.to_dict()


@given(WIDE_RULES)
def test_a_rule_round_trips_through_its_dict(rule: SafetyRule) -> None:
    again = SafetyRule.from_dict(rule.to_dict())
    assert again == rule
    assert again.held_back(997) == rule.held_back(997)


# --------------------------------------------------------------------------- documentation


def test_the_module_examples_run_and_show_what_they_print() -> None:
    result = doctest.testmod(safety_module)
    assert result.attempted >= 5
    assert result.failed == 0
