"""GeoPoint validation and great-circle (haversine) distances."""

from __future__ import annotations

import math
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from omskit.errors import InvalidInput
from omskit.geo import EARTH_RADIUS_KM, GeoPoint, distances_km, haversine_km

AMSTERDAM = GeoPoint(52.3676, 4.9041)
UTRECHT = GeoPoint(52.0907, 5.1214)
ROTTERDAM = GeoPoint(51.9244, 4.4777)
LONDON = GeoPoint(51.5074, -0.1278)
PARIS = GeoPoint(48.8566, 2.3522)

latitudes = st.floats(min_value=-90, max_value=90, allow_nan=False)
longitudes = st.floats(min_value=-180, max_value=180, allow_nan=False)
points = st.builds(GeoPoint, latitudes, longitudes)


# --- known distances --------------------------------------------------------------------


def test_amsterdam_to_utrecht_is_about_35_km() -> None:
    assert AMSTERDAM.distance_km(UTRECHT) == pytest.approx(35, abs=1)


def test_amsterdam_to_rotterdam_is_about_57_km() -> None:
    assert AMSTERDAM.distance_km(ROTTERDAM) == pytest.approx(57, abs=1)


def test_london_to_paris_is_about_344_km() -> None:
    assert LONDON.distance_km(PARIS) == pytest.approx(344, abs=2)


def test_a_quarter_meridian_is_a_quarter_of_the_circumference() -> None:
    assert haversine_km(0, 0, 90, 0) == pytest.approx(math.pi / 2 * EARTH_RADIUS_KM)


def test_antipodes_are_half_the_circumference_apart() -> None:
    assert haversine_km(0, 0, 0, 180) == pytest.approx(math.pi * EARTH_RADIUS_KM)
    assert haversine_km(90, 0, -90, 0) == pytest.approx(math.pi * EARTH_RADIUS_KM)


def test_crossing_the_antimeridian_takes_the_short_way() -> None:
    # one degree of longitude on the equator, across the date line
    assert haversine_km(0, 179.5, 0, -179.5) == pytest.approx(
        math.radians(1) * EARTH_RADIUS_KM, rel=1e-9
    )


def test_distance_km_is_haversine_km_of_the_coordinates() -> None:
    assert AMSTERDAM.distance_km(ROTTERDAM) == haversine_km(
        AMSTERDAM.lat, AMSTERDAM.lon, ROTTERDAM.lat, ROTTERDAM.lon
    )


# --- properties -------------------------------------------------------------------------


@given(a=points)
def test_a_point_is_zero_km_from_itself(a: GeoPoint) -> None:
    assert a.distance_km(a) == pytest.approx(0, abs=1e-6)


@given(a=points, b=points)
def test_distance_is_symmetric_non_negative_and_at_most_half_the_circumference(
    a: GeoPoint, b: GeoPoint
) -> None:
    forward = a.distance_km(b)
    assert forward == pytest.approx(b.distance_km(a), abs=1e-3)
    assert 0 <= forward <= math.pi * EARTH_RADIUS_KM + 1e-3


@given(a=points, b=points, c=points)
def test_distance_satisfies_the_triangle_inequality(a: GeoPoint, b: GeoPoint, c: GeoPoint) -> None:
    assert a.distance_km(c) <= a.distance_km(b) + b.distance_km(c) + 1e-3  # a metre of float slack


# --- validation -------------------------------------------------------------------------


@pytest.mark.parametrize(("lat", "lon"), [(90, 180), (-90, -180), (0, 0), (52.5, -0.1)])
def test_geo_point_accepts_coordinates_up_to_the_limits(lat: float, lon: float) -> None:
    point = GeoPoint(lat, lon)
    assert (point.lat, point.lon) == (lat, lon)


def test_geo_point_stores_int_coordinates_as_floats() -> None:
    point = GeoPoint(52, 5)
    assert isinstance(point.lat, float)
    assert isinstance(point.lon, float)
    assert (point.lat, point.lon) == (52.0, 5.0)


def test_geo_point_accepts_numeric_strings_from_json_like_sources() -> None:
    bad_lat: Any = "52.37"
    bad_lon: Any = "-4.9"
    point = GeoPoint(bad_lat, bad_lon)
    assert (point.lat, point.lon) == (52.37, -4.9)


@pytest.mark.parametrize(
    ("lat", "lon", "path"),
    [
        (90.0001, 0.0, "lat"),
        (-91.0, 0.0, "lat"),
        (0.0, 180.5, "lon"),
        (0.0, -181.0, "lon"),
        (math.inf, 0.0, "lat"),
        (0.0, -math.inf, "lon"),
    ],
)
def test_geo_point_refuses_coordinates_out_of_range(lat: float, lon: float, path: str) -> None:
    with pytest.raises(InvalidInput, match="must be between") as caught:
        GeoPoint(lat, lon)
    assert caught.value.path == path


def test_the_range_message_names_the_limits() -> None:
    with pytest.raises(InvalidInput) as caught:
        GeoPoint(95.0, 0.0)
    assert str(caught.value) == "lat: must be between -90 and 90"
    assert caught.value.value == 95.0


@pytest.mark.parametrize(("lat", "lon", "path"), [(math.nan, 0.0, "lat"), (0.0, math.nan, "lon")])
def test_geo_point_refuses_nan(lat: float, lon: float, path: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        GeoPoint(lat, lon)
    assert caught.value.path == path


@pytest.mark.parametrize(
    ("lat", "lon", "path"),
    [
        (True, 0.0, "lat"),
        (0.0, False, "lon"),
        ("north", 0.0, "lat"),
        (0.0, "", "lon"),
        (None, 0.0, "lat"),
        (0.0, [5.0], "lon"),
    ],
)
def test_geo_point_refuses_bools_words_and_other_non_numbers(lat: Any, lon: Any, path: str) -> None:
    with pytest.raises(InvalidInput, match="must be a number") as caught:
        GeoPoint(lat, lon)
    assert caught.value.path == path


def test_a_numeric_string_out_of_range_is_still_refused() -> None:
    lat: Any = "nan"
    with pytest.raises(InvalidInput) as caught:
        GeoPoint(lat, 0.0)
    assert caught.value.path == "lat"


def test_geo_point_is_frozen() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        AMSTERDAM.lat = 0.0  # type: ignore[misc]


@given(a=points, others=st.lists(points, max_size=5))
def test_distances_km_are_the_haversine_km_of_each_point(
    a: GeoPoint, others: list[GeoPoint]
) -> None:
    assert distances_km(a, others) == [a.distance_km(b) for b in others]


def test_distances_km_to_an_antipode_clamp_the_rounded_chord() -> None:
    # Rounding makes this chord a hair longer than the diameter.
    start = GeoPoint(0.4029405180269521, 173.5475895138723)
    antipode = GeoPoint(-start.lat, start.lon - 180)
    assert distances_km(start, [antipode, start]) == [math.pi * EARTH_RADIUS_KM, 0.0]
