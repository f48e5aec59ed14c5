"""Shipping cost (B6): what one shipment from a location to the delivery point costs.

A cost model is a small Protocol, so a shop can plug in its carrier's price
list. The default, :class:`DistanceCostModel`, is a fixed amount per
shipment plus a rate per road kilometre and per kilogram; road distance is
the great-circle distance times a detour factor. Costs are :class:`Money`,
computed exactly and rounded to the currency's minor unit (half up)::

    >>> from omskit.geo import GeoPoint
    >>> from omskit.model import Location, LocationKind
    >>> model = DistanceCostModel()
    >>> dc = Location("DC", "DC", LocationKind.DISTRIBUTION_CENTRE, GeoPoint(51.56, 5.09), "NL")
    >>> str(model.shipment_cost(location=dc, origin=GeoPoint(52.37, 4.89), weight_grams=2000))
    'EUR 6.87'
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Protocol, runtime_checkable

import attrs

from omskit.errors import InvalidInput
from omskit.geo import GeoPoint
from omskit.model import Location
from omskit.money import Money

__all__ = [
    "MAX_ROAD_FACTOR",
    "ROAD_FACTOR",
    "CostModel",
    "DistanceCostModel",
    "minor_units",
    "road_km",
]

ROAD_FACTOR = Decimal("1.3")
"""Default ratio of road distance to great-circle distance (a common rule of thumb)."""


def road_km(origin: GeoPoint | None, location: Location, factor: Decimal = ROAD_FACTOR) -> Decimal:
    """Estimated road kilometres from ``location`` to ``origin`` (0 without an origin)."""
    if origin is None:
        return Decimal(0)
    return Decimal(repr(origin.distance_km(location.point))) * factor


@runtime_checkable
class CostModel(Protocol):
    """Estimates what shipping from a location costs.

    Must be deterministic and must not raise for a valid location; the
    currency of every answer must be the same.
    """

    def shipment_cost(
        self, *, location: Location, origin: GeoPoint | None, weight_grams: int
    ) -> Money:
        """The cost of one shipment of ``weight_grams`` from ``location`` to ``origin``."""
        ...


def _money(value: object) -> Money:
    if isinstance(value, Money):
        return value
    raise InvalidInput(f"must be Money, not {type(value).__name__}", value=value)


def _factor(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise InvalidInput("must be a decimal (a string such as '1.3')", value=value)
    try:
        factor = Decimal(value)
    except InvalidOperation:
        raise InvalidInput("must be a decimal (a string such as '1.3')", value=value) from None
    if not factor.is_finite() or not 1 <= factor <= MAX_ROAD_FACTOR:
        raise InvalidInput(f"must be a decimal from 1 to {MAX_ROAD_FACTOR}", value=value)
    return factor


MAX_ROAD_FACTOR = Decimal(10)
"""The largest road factor: road km are at most ten times the great-circle km."""


@attrs.frozen
class DistanceCostModel:
    """``fixed + per_km * road km + per_kg * kg`` per shipment, rounded half up.

    Defaults: EUR 4.50 per shipment and EUR 0.02 per road kilometre, nothing
    per kilogram, road distance 1.3 times the great-circle distance. All
    amounts must share one currency and be non-negative.
    """

    fixed: Money = attrs.field(default=Money("4.50", "EUR"), converter=_money)
    per_km: Money = attrs.field(default=Money("0.02", "EUR"), converter=_money)
    per_kg: Money = attrs.field(default=Money("0", "EUR"), converter=_money)
    road_factor: Decimal = attrs.field(default=ROAD_FACTOR, converter=_factor)
    _rates: tuple[float, float, float] = attrs.field(init=False, eq=False, repr=False)
    """Minor units per shipment, per great-circle km and per gram, as floats (the fast path)."""

    def __attrs_post_init__(self) -> None:
        for name in ("fixed", "per_km", "per_kg"):
            amount: Money = getattr(self, name)
            if amount.currency != self.fixed.currency:
                raise InvalidInput(
                    f"is in {amount.currency}, but fixed is in {self.fixed.currency}", path=name
                )
            if amount.is_negative():
                raise InvalidInput("must not be negative", path=name)
        scale = self.fixed.exponent
        object.__setattr__(
            self,
            "_rates",
            (
                float(self.fixed.amount.scaleb(scale)),
                float(self.per_km.amount.scaleb(scale) * self.road_factor),
                float(self.per_kg.amount.scaleb(scale) / 1000),
            ),
        )

    @property
    def currency(self) -> str:
        """The currency of every cost this model returns."""
        return self.fixed.currency

    @classmethod
    def from_dict(cls, table: object) -> DistanceCostModel:
        """A model from a profile's ``[cost]`` table (what :meth:`to_dict` writes).

        Keys: ``currency`` (default EUR), ``fixed``, ``per_km``, ``per_kg``
        (decimal strings in that currency; the defaults where absent, except
        that costs in another currency than EUR need their own ``fixed`` and
        ``per_km``) and ``road_factor``. Raises :class:`~omskit.errors.InvalidInput` naming
        the field (``fixed``), or an unknown key.
        """
        if not isinstance(table, Mapping):
            raise InvalidInput(f"must be a table, not {type(table).__name__}", value=table)
        for key in table:
            if key not in _COST_FIELDS:
                raise InvalidInput(
                    f"is not a cost field (known: {', '.join(sorted(_COST_FIELDS))})",
                    path=str(key),
                )
        currency = table.get("currency", "EUR")
        values: dict[str, Any] = {}
        for key in ("fixed", "per_km", "per_kg"):
            default = getattr(_DEFAULT, key)
            if key not in table and default.amount and currency != default.currency:
                raise InvalidInput(
                    f"is needed for costs in {currency}: the default, {default}, is in "
                    f"{default.currency}",
                    path=key,
                )
            amount = table.get(key, default.amount)
            try:
                values[key] = Money(amount, currency)
            except InvalidInput as error:
                field = "currency" if error.path == "currency" else key
                raise InvalidInput(error.reason, path=field, value=error.value) from None
        if "road_factor" in table:
            try:
                values["road_factor"] = _factor(table["road_factor"])
            except InvalidInput as error:
                raise error.at("road_factor") from None
        return cls(**values)

    def to_dict(self) -> dict[str, str]:
        """The model as a profile's ``[cost]`` table."""
        return {
            "currency": self.currency,
            "fixed": str(self.fixed.amount),
            "per_km": str(self.per_km.amount),
            "per_kg": str(self.per_kg.amount),
            "road_factor": str(self.road_factor),
        }

    def shipment_cost(
        self, *, location: Location, origin: GeoPoint | None, weight_grams: int
    ) -> Money:
        """The cost of one shipment of ``weight_grams`` from ``location`` to ``origin``."""
        if isinstance(weight_grams, bool) or not isinstance(weight_grams, int) or weight_grams < 0:
            raise InvalidInput(
                "must be a non-negative integer", path="weight_grams", value=weight_grams
            )
        if not isinstance(location, Location):
            raise InvalidInput(
                f"must be a Location, not {type(location).__name__}", path="location"
            )
        if origin is not None and not isinstance(origin, GeoPoint):
            raise InvalidInput(
                f"must be a GeoPoint or None, not {type(origin).__name__}", path="origin"
            )
        return Money.from_minor(self._minor(location, origin, weight_grams), self.currency)

    def _minor(self, location: Location, origin: GeoPoint | None, weight_grams: int) -> int:
        km = None if origin is None else origin.distance_km(location.point)
        return self._minor_km(km, weight_grams)

    def _minor_km(self, km: float | None, weight_grams: int) -> int:
        """The cost in minor units over ``km`` great-circle kilometres (``None``: no origin).

        Floats first: below a billion minor units their error is far below a
        millionth of a minor unit, so unless the amount lies that close to a
        half (where rounding could go either way) the float answer is the
        exact one; near a half the amount is recomputed in exact decimals.
        """
        fixed, per_km, per_gram = self._rates
        value = fixed + per_km * (km or 0.0) + per_gram * weight_grams
        whole = math.floor(value)
        if value < 1e9 and abs(value - whole - 0.5) > 1e-6:
            return whole + (value - whole > 0.5)
        return self._exact_minor(km, weight_grams)

    def _minor_kms(self, kms: Iterable[float | None], weight_grams: int) -> list[int]:
        """:meth:`_minor_km` for each of ``kms``, the same answers, in one loop."""
        fixed, per_km, per_gram = self._rates
        extra = per_gram * weight_grams
        floor = math.floor
        costs = []
        for km in kms:
            value = fixed + per_km * (km or 0.0) + extra
            whole = floor(value)
            if value < 1e9 and abs(value - whole - 0.5) > 1e-6:
                costs.append(whole + (value - whole > 0.5))
            else:
                costs.append(self._exact_minor(km, weight_grams))
        return costs

    def _exact_minor(self, km_float: float | None, weight_grams: int) -> int:
        km = Decimal(0) if km_float is None else Decimal(repr(km_float)) * self.road_factor
        amount = (
            self.fixed.amount
            + self.per_km.amount * km
            + self.per_kg.amount * Decimal(weight_grams) / 1000
        )
        return int(amount.scaleb(self.fixed.exponent).to_integral_value(rounding=ROUND_HALF_UP))


_COST_FIELDS = frozenset({"currency", "fixed", "per_km", "per_kg", "road_factor"})
_DEFAULT = DistanceCostModel()


def minor_units(
    model: CostModel, *, location: Location, origin: GeoPoint | None, weight_grams: int
) -> int:
    """``model.shipment_cost(...)`` in minor units of its currency.

    Exact for every model; for :class:`DistanceCostModel` it skips building
    :class:`~omskit.money.Money` values (the planner asks this many times).
    """
    if isinstance(model, DistanceCostModel):
        return model._minor(location, origin, weight_grams)
    return model.shipment_cost(
        location=location, origin=origin, weight_grams=weight_grams
    ).to_minor()
