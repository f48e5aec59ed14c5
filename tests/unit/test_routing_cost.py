"""The default cost model: exact money, and a float fast path that always agrees with it."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omskit.errors import InvalidInput
from omskit.geo import GeoPoint
from omskit.model import Location, LocationKind
from omskit.money import Money
from omskit.routing.cost import DistanceCostModel, minor_units

DC = Location("DC", "DC", LocationKind.DISTRIBUTION_CENTRE, GeoPoint(51.56, 5.09), "NL")

models = st.builds(
    DistanceCostModel,
    fixed=st.decimals("0", "50", places=2).map(lambda d: Money(d, "EUR")),
    per_km=st.decimals("0", "2", places=3).map(lambda d: Money(d, "EUR")),
    per_kg=st.decimals("0", "3", places=2).map(lambda d: Money(d, "EUR")),
    road_factor=st.decimals("1", "2", places=2),
)


def by_hand(model: DistanceCostModel, km: float | None, grams: int) -> int:
    """The definition: exact decimals of the stated rates, rounded half up."""
    road = Decimal(0) if km is None else Decimal(repr(km)) * model.road_factor
    amount = model.fixed.amount + model.per_km.amount * road + model.per_kg.amount * grams / 1000
    return int((amount * 100).to_integral_value(rounding=ROUND_HALF_UP))


@settings(max_examples=400, deadline=None)
@given(
    model=models,
    km=st.one_of(st.none(), st.floats(0, 20_000, allow_nan=False)),
    grams=st.integers(0, 100_000),
)
def test_the_fast_path_rounds_exactly_as_decimals_do(
    model: DistanceCostModel, km: float | None, grams: int
) -> None:
    assert model._minor_km(km, grams) == by_hand(model, km, grams)


def test_amounts_on_a_half_cent_round_up_exactly() -> None:
    # 4.50 + 0.02 x 1.3 x 12.5 km = 4.825: exactly half a cent, which floats cannot see.
    model = DistanceCostModel()
    assert model._minor_km(12.5, 0) == 483 == by_hand(model, 12.5, 0)
    assert model._minor_km(None, 0) == 450


def test_minor_units_agree_with_the_money_the_model_returns() -> None:
    model = DistanceCostModel(per_kg=Money("0.35", "EUR"))
    origin = GeoPoint(52.37, 4.89)
    for grams in (0, 999, 2500):
        cost = model.shipment_cost(location=DC, origin=origin, weight_grams=grams)
        assert minor_units(model, location=DC, origin=origin, weight_grams=grams) == cost.to_minor()
    assert str(model.shipment_cost(location=DC, origin=origin, weight_grams=2000)) == "EUR 7.57"


def test_a_negative_weight_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        DistanceCostModel().shipment_cost(location=DC, origin=None, weight_grams=-1)
    assert caught.value.path == "weight_grams"


@pytest.mark.parametrize(
    ("location", "origin", "path"),
    [(None, None, "location"), ("DC", None, "location"), (DC, (52.0, 5.0), "origin")],
)
def test_a_location_or_origin_of_the_wrong_kind_is_refused(
    location: object, origin: object, path: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        DistanceCostModel().shipment_cost(
            location=location,  # type: ignore[arg-type]
            origin=origin,  # type: ignore[arg-type]
            weight_grams=100,
        )
    assert caught.value.path == path


@pytest.mark.parametrize("factor", ["0.99", "10.01", "1e400", "NaN", 1.5, True])
def test_a_road_factor_outside_one_to_ten_is_refused(factor: object) -> None:
    with pytest.raises(InvalidInput):
        DistanceCostModel(road_factor=factor)


def test_costs_in_another_currency_need_their_own_amounts() -> None:
    for missing in ("fixed", "per_km"):
        table = {"currency": "JPY", "fixed": "500", "per_km": "3"}
        del table[missing]
        with pytest.raises(InvalidInput) as error:
            DistanceCostModel.from_dict(table)
        assert error.value.path == missing
        assert "in EUR" in str(error.value)
    model = DistanceCostModel.from_dict({"currency": "JPY", "fixed": "500", "per_km": "3"})
    assert (model.currency, model.fixed, model.per_kg) == (
        "JPY",
        Money("500", "JPY"),
        Money("0", "JPY"),
    )
    assert DistanceCostModel.from_dict(model.to_dict()) == model
    assert DistanceCostModel.from_dict({"currency": "EUR"}) == DistanceCostModel()
