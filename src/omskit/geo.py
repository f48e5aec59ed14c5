"""Points on the earth and the great-circle distance between them."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Final

import attrs

from omskit.errors import InvalidInput

__all__ = ["EARTH_RADIUS_KM", "GeoPoint", "haversine_km"]

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
    """Great-circle distance in kilometres between two points given in degrees."""
    phi1 = math.radians(lat1)
    phi2 = math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))
