"""Ranking the candidates of one line with a profile's rules."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from hypothesis import given
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
from omskit.routing import builtins
from omskit.routing.profile import LineRanking, RoutingProfile, Rule
from omskit.routing.strategy import (
    Candidates,
    CandidateView,
    Excluded,
    LineContext,
    Score,
    _checked_flags,
    checked_scores,
)

PRODUCT = Product("SKU", "Thing", weight_grams=100)
LINE = OrderLine("L1", "SKU", 1, Money("1.00", "EUR"))
HOME = Address("Damrak 1", "1012 LG", "Amsterdam", "NL", point=GeoPoint(52.375, 4.89))
ORDER = Order(
    "O-1",
    Channel.WEB,
    "W-1",
    "EUR",
    (LINE,),
    Delivery.ship_to(HOME),
    datetime(2026, 1, 1, tzinfo=UTC),
)
CONTEXT = LineContext(ORDER, LINE, PRODUCT, HOME.point)

# Few distinct values, so ties are common; 0.0 and -0.0 tie too.
scores = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, 2.5]),
    st.integers(0, 3),
    st.just(Excluded("no")),
)


def location_ids(min_size: int = 1) -> st.SearchStrategy[list[str]]:
    """Up to eight distinct one-letter location ids."""
    return st.lists(st.sampled_from("ABCDEFGH"), min_size=min_size, max_size=8, unique=True)


def stores(ids: Sequence[str]) -> list[Location]:
    """A store per id, all in one place (distances are given to the candidates)."""
    return [Location(i, i, LocationKind.STORE, GeoPoint(52.0, 5.0), "NL") for i in ids]


def given_scores(column: Sequence[Score]) -> object:
    def strategy(line: LineContext, candidates: Sequence[CandidateView]) -> list[Score]:
        return list(column)

    return strategy


@given(
    ids=location_ids(),
    data=st.data(),
    rules=st.integers(1, 3),
)
def test_candidates_rank_by_scores_in_rule_order_then_location_id(
    ids: list[str], data: st.DataObject, rules: int
) -> None:
    columns = [
        data.draw(st.lists(scores, min_size=len(ids), max_size=len(ids))) for _ in range(rules)
    ]
    if data.draw(st.booleans()):
        ids.sort()  # the engine's ids are usually in order: exclusions then need no sort
    locations = stores(ids)
    # The engine passes the ids as a tuple (memoised there), a user may pass none.
    given_ids = data.draw(st.sampled_from([None, tuple(ids)]))
    candidates = Candidates(locations, [1] * len(ids), [0.0] * len(ids), given_ids)
    profile = RoutingProfile.of(
        "p",
        [(f"r{n}", given_scores(column)) for n, column in enumerate(columns)],  # type: ignore[misc]
    )
    ranking = profile.rank(CONTEXT, candidates)
    kept = [p for p in range(len(ids)) if not any(isinstance(c[p], Excluded) for c in columns)]
    expected = sorted(kept, key=lambda p: (*[float(c[p]) for c in columns], ids[p]))  # type: ignore[arg-type]
    assert list(ranking.order) == expected
    # Every excluded candidate, by id, with the first rule that excluded it.
    excluded = [
        (p, next(n for n, c in enumerate(columns) if isinstance(c[p], Excluded)))
        for p in sorted(set(range(len(ids))) - set(kept), key=ids.__getitem__)
    ]
    assert list(ranking.exclusions) == excluded
    assert ranking.deciding_rule() == deciding_rule_from_keys(ranking)


@given(
    ids=location_ids(min_size=0),
    data=st.data(),
)
def test_scores_that_show_the_distance_order_rank_the_kept_by_distance_then_id(
    ids: list[str], data: st.DataObject
) -> None:
    # Few distances, so that ties (which the id must break) are common.
    km = [data.draw(st.sampled_from([0.0, 1.0, 2.5, 7.0])) for _ in ids]
    kinds = data.draw(
        st.lists(st.sampled_from(["km", "alike", "other", "nearest"]), min_size=1, max_size=3)
    )
    rules: list[tuple[str, object]] = []
    for n, kind in enumerate(kinds):
        column: list[Score]
        if kind == "km":
            column = list(km)
        elif kind == "alike":
            column = [data.draw(st.sampled_from([0.0, 3.0]))] * len(ids)
        else:
            column = [data.draw(scores) for _ in ids]
        # Any rule may also exclude some candidates (which leaves the others as they are).
        column = [
            Excluded("no") if data.draw(st.integers(0, 4)) == 0 else value for value in column
        ]
        if kind == "nearest":
            rules.append((f"r{n}", builtins.nearest))
        else:
            rules.append((f"r{n}", given_scores(column)))
    locations = stores(ids)
    candidates = Candidates(locations, [1] * len(ids), km)
    profile = RoutingProfile.of("p", rules)  # type: ignore[arg-type]
    scored = profile._score(CONTEXT, candidates)
    ranking = profile._finish(scored)
    assert ranking == profile.rank(CONTEXT, candidates)
    assert list(scored.kept) == sorted(set(range(len(ids))) - {p for p, _ in ranking.exclusions})
    by_distance = list(ranking.order) == sorted(scored.kept, key=lambda p: (km[p], ids[p]))
    if scored.by_distance(km):
        assert by_distance
    # What it says follows from the columns: one is the distance, the rest alike.
    kept_km = [km[p] for p in scored.kept]
    columns = [[column[p] for p in scored.kept] for column in scored.columns]
    distance = [column == kept_km for column in columns]
    alike = [len(set(column)) <= 1 for column in columns]
    expected = any(distance) and all(d or a for d, a in zip(distance, alike, strict=True))
    assert scored.by_distance(km) is expected


def test_a_lone_rule_that_scores_everyone_alike_does_not_show_the_distance_order() -> None:
    # The ids decide then (B before A), whatever the distances.
    locations = stores("BA")
    candidates = Candidates(locations, [1, 1], [1.0, 2.0])
    profile = RoutingProfile.of("p", [("flat", given_scores([0.0, 0.0]))])  # type: ignore[list-item]
    scored = profile._score(CONTEXT, candidates)
    assert not scored.by_distance([1.0, 2.0])
    assert profile._finish(scored).ranked_ids == ("A", "B")
    both = RoutingProfile.of("q", [("flat", given_scores([0.0, 0.0])), "nearest"])  # type: ignore[list-item]
    scored = both._score(CONTEXT, candidates)
    assert scored.by_distance([1.0, 2.0])
    assert both._finish(scored).ranked_ids == ("B", "A")


def deciding_rule_from_keys(ranking: LineRanking) -> str | None:
    """The straightforward reading: the first place where the two best keys differ."""
    if len(ranking.order) < 2:
        return None
    first, second = ranking.key(ranking.order[0]), ranking.key(ranking.order[1])
    for index, (a, b) in enumerate(zip(first, second, strict=True)):
        if a != b:
            return "weighted score" if ranking.weighted else ranking.rule_names[index]
    return "location id"


@given(
    ids=location_ids(),
    data=st.data(),
)
def test_a_weighted_ranking_names_its_deciding_rule_as_its_keys_do(
    ids: list[str], data: st.DataObject
) -> None:
    columns = [data.draw(st.lists(scores, min_size=len(ids), max_size=len(ids))) for _ in range(2)]
    locations = stores(ids)
    candidates = Candidates(locations, [1] * len(ids), [0.0] * len(ids))
    rules = [
        Rule(f"r{n}", given_scores(column), weight="1")  # type: ignore[arg-type]
        for n, column in enumerate(columns)
    ]
    ranking = RoutingProfile("w", tuple(rules), combine="weighted").rank(CONTEXT, candidates)
    assert ranking.deciding_rule() == deciding_rule_from_keys(ranking)


# --- the built-ins' quicker columns: the same ranking as the general path ------------------

distances = st.one_of(
    st.none(),
    st.sampled_from([0.0, 1.0, 2.5]),
    st.floats(0, 500, allow_nan=False),
    st.integers(0, 3),
)


def plain(strategy: object) -> object:
    """``strategy`` behind a plain function, so the profile takes the general path."""

    def wrapped(line: LineContext, candidates: Sequence[CandidateView]) -> object:
        return strategy(line, candidates)  # type: ignore[operator]

    return wrapped


@given(
    ids=location_ids(min_size=0),
    data=st.data(),
    fragile=st.booleans(),
)
def test_the_builtins_quick_columns_rank_as_their_plain_calls_do(
    ids: list[str], data: st.DataObject, fragile: bool
) -> None:
    locations = [
        Location(
            i,
            i,
            LocationKind.STORE,
            GeoPoint(52.0, 5.0),
            "NL",
            data.draw(st.sampled_from([{Capability.SHIP}, {Capability.HANDLES_FRAGILE}])),
        )
        for i in ids
    ]
    km = data.draw(st.lists(distances, min_size=len(ids), max_size=len(ids)))
    candidates = Candidates(locations, [1] * len(ids), km)
    product = Product("SKU", "Thing", weight_grams=100, fragile=fragile)
    context = LineContext(ORDER, LINE, product, HOME.point)
    quick = RoutingProfile.of("p", ["specialisation", "nearest"])
    assert all(rule._column is not None for rule in quick.rules)
    general = RoutingProfile.of(
        "p",
        [(rule.name, plain(rule.strategy)) for rule in quick.rules],  # type: ignore[misc]
    )
    assert all(rule._column is None for rule in general.rules)
    fast, slow = quick.rank(context, candidates), general.rank(context, candidates)
    assert (fast.columns, fast.order, fast.exclusions) == (
        slow.columns,
        slow.order,
        slow.exclusions,
    )
    assert [list(map(type, column)) for column in fast.columns] == [
        list(map(type, column)) for column in slow.columns
    ]
    assert fast.deciding_rule() == slow.deciding_rule()


def test_a_subclass_of_a_builtin_takes_the_general_path() -> None:
    class Picky(builtins.Specialisation):
        def __call__(self, line: LineContext, candidates: Sequence[CandidateView]) -> list[Score]:
            return [Excluded("picky")] * len(candidates)

    assert builtins.fast_column(Picky()) is None
    ranking = RoutingProfile.of("p", [("picky", Picky())]).rank(
        CONTEXT,
        Candidates([Location("A", "A", LocationKind.STORE, GeoPoint(52.0, 5.0), "NL")], [1], [0.0]),
    )
    assert ranking.order == ()


# ---------------------------------------------------------------------- checking scores

_GOOD_SCORES = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False),
    st.integers(-1000, 1000),
    st.sampled_from([Excluded("too far"), Excluded("too thin")]),
)
_BAD_SCORES = st.sampled_from([math.inf, -math.inf, math.nan, True, "near", None])


@given(scores=st.lists(st.one_of(_GOOD_SCORES, _GOOD_SCORES, _BAD_SCORES), max_size=12))
def test_checked_scores_flag_exactly_the_excluded_candidates(scores: list[object]) -> None:
    bad = [
        s
        for s in scores
        if not isinstance(s, Excluded)
        and (isinstance(s, bool) or not isinstance(s, int | float) or not math.isfinite(s))
    ]
    if bad:
        with pytest.raises(DefinitionError, match="'rule'"):
            _checked_flags(scores, len(scores), name="rule")
        with pytest.raises(DefinitionError, match="'rule'"):
            checked_scores(scores, len(scores), name="rule")
        return
    values, flags = _checked_flags(iter(scores), len(scores), name="rule")
    assert values == [s if isinstance(s, Excluded) else float(s) for s in scores]  # type: ignore[arg-type]
    assert all(type(v) is float for v in values if not isinstance(v, Excluded))
    excluded = [isinstance(s, Excluded) for s in scores]
    assert flags == (excluded if any(excluded) else None)
    assert checked_scores(scores, len(scores), name="rule") == (values, any(excluded))
    with pytest.raises(DefinitionError, match="scores for"):
        _checked_flags(scores, len(scores) + 1, name="rule")


def test_a_rule_setting_named_by_something_else_than_a_string_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as error:
        RoutingProfile.from_dict({"name": "p", "rule": [{"use": "min_stock", "units": 1, 5: 1}]})
    assert error.value.path == "rule[0]"
    assert "named by a string" in str(error.value)


def test_an_unknown_option_of_a_profile_built_in_code_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as error:
        RoutingProfile.of("p", ["nearest"], max_split=1)
    assert error.value.path == "max_split"
    assert "max_splits" in str(error.value)  # the known options are listed
    assert RoutingProfile.of("p", ["nearest"], max_splits=1).max_splits == 1


@pytest.mark.parametrize("factor", ["1e400", "1000001", "-1"])
def test_a_co2_factor_out_of_range_is_refused_when_the_profile_is_read(factor: str) -> None:
    document = f'name = "p"\n[[rule]]\nuse = "co2"\nfactors = {{ van = "{factor}" }}\n'
    with pytest.raises(InvalidInput) as error:
        RoutingProfile.from_toml(document)
    assert error.value.path == "rule[0].factors.van"
    assert "at most 1000000" in str(error.value)
    assert builtins.MAX_FACTOR == 10**6
