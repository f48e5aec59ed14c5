"""Points on the earth and the great-circle distance between them."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from itertools import repeat
from operator import mul, truediv
from typing import Any, Final

import attrs

from omskit.errors import InvalidInput

__all__ = ["EARTH_RADIUS_KM", "GeoPoint", "distances_km", "haversine_km"]

EARTH_RADIUS_KM: Final = 6371.0088
"""Mean earth radius (IUGG) used for great-circle distances."""


def _coordinate(limit: float, name: str) -> Callable[[Any, Any, Any], None]:
    def check(_instance: object, _attribute: object, value: float) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInput("must be a number", path=name, value=value)
        if not -limit <= value <= limit:
            raise InvalidInput(f"must be between -{limit:g} and {limit:g}", path=name, value=value)

    return check


def _to_float(value: Any) -> Any:
    # Accept ints (and numeric strings from JSON-ish sources) as coordinates.
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


@attrs.frozen
class GeoPoint:
    """A WGS 84 latitude/longitude in decimal degrees.

    Coordinates are floats: they are measurements, not money.
    """

    lat: float = attrs.field(converter=_to_float, validator=_coordinate(90.0, "lat"))
    lon: float = attrs.field(converter=_to_float, validator=_coordinate(180.0, "lon"))

    def distance_km(self, other: GeoPoint) -> float:
        """Great-circle distance to ``other`` in kilometres."""
        return haversine_km(self.lat, self.lon, other.lat, other.lon)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two points given in degrees.

    Computed from the straight chord between the points' unit vectors
    (``2 R asin(chord / 2)``, the same great circle as the haversine
    formula, and as well conditioned for short distances); the vectors of
    points already seen are memoised, as routing measures the same
    locations over and over.
    """
    return _haversine(_trig(lat1, lon1), _trig(lat2, lon2))


_Vector = tuple[float, float, float]
_TRIG: dict[tuple[float, float], _Vector] = {}
_TRIG_LIMIT = 65_536
_DIAMETER_KM: Final = 2 * EARTH_RADIUS_KM


def _trig(lat: float, lon: float) -> _Vector:
    """The point's unit vector, memoised (cleared at ``_TRIG_LIMIT`` points: bounded)."""
    key = (lat, lon)
    found = _TRIG.get(key)
    if found is None:
        if len(_TRIG) >= _TRIG_LIMIT:
            _TRIG.clear()
        phi, lam = math.radians(lat), math.radians(lon)
        found = _TRIG[key] = (
            math.cos(phi) * math.cos(lam),
            math.cos(phi) * math.sin(lam),
            math.sin(phi),
        )
    return found


def _haversine(a: _Vector, b: _Vector) -> float:
    return _DIAMETER_KM * math.asin(min(1.0, math.dist(a, b) / 2))


def _haversines(a: _Vector, points: Iterable[_Vector]) -> list[float]:
    """:func:`_haversine` from ``a`` to each of ``points`` (unit vectors), the same floats.

    The half chords come first; only when rounding pushed one above 1 (near
    antipodes) does each need the clamp.
    """
    halves = list(map(truediv, map(math.dist, repeat(a), points), repeat(2)))
    if max(halves, default=0.0) > 1.0:
        halves = list(map(min, repeat(1.0), halves))
    return list(map(mul, repeat(_DIAMETER_KM), map(math.asin, halves)))


def distances_km(origin: GeoPoint, points: Iterable[GeoPoint]) -> list[float]:
    """Great-circle kilometres from ``origin`` to each of ``points`` (as :func:`haversine_km`)."""
    return _haversines(_trig(origin.lat, origin.lon), [_trig(p.lat, p.lon) for p in points])
