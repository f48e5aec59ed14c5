"""Ranking the candidates of one line with a profile's rules."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

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
from omskit.routing.profile import RoutingProfile
from omskit.routing.strategy import Candidates, CandidateView, Excluded, LineContext, Score

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


def given_scores(column: Sequence[Score]) -> object:
    def strategy(line: LineContext, candidates: Sequence[CandidateView]) -> list[Score]:
        return list(column)

    return strategy


@given(
    ids=st.lists(st.sampled_from("ABCDEFGH"), min_size=1, max_size=8, unique=True),
    data=st.data(),
    rules=st.integers(1, 3),
)
def test_candidates_rank_by_scores_in_rule_order_then_location_id(
    ids: list[str], data: st.DataObject, rules: int
) -> None:
    columns = [
        data.draw(st.lists(scores, min_size=len(ids), max_size=len(ids))) for _ in range(rules)
    ]
    locations = [Location(i, i, LocationKind.STORE, GeoPoint(52.0, 5.0), "NL") for i in ids]
    candidates = Candidates(locations, [1] * len(ids), [0.0] * len(ids))
    profile = RoutingProfile.of(
        "p",
        [(f"r{n}", given_scores(column)) for n, column in enumerate(columns)],  # type: ignore[misc]
    )
    ranking = profile.rank(CONTEXT, candidates)
    kept = [p for p in range(len(ids)) if not any(isinstance(c[p], Excluded) for c in columns)]
    expected = sorted(kept, key=lambda p: (*[float(c[p]) for c in columns], ids[p]))  # type: ignore[arg-type]
    assert list(ranking.order) == expected
