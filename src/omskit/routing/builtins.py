"""The built-in routing strategies (B2, B3, B5, B6).

Plain strategies are functions; configurable ones are frozen attrs classes
made by a factory of the same name, with a readable repr:

==================  =========================================================
``nearest``         great-circle distance to the delivery point, in km
``load_balancing``  open order lines relative to the location's daily capacity
``specialisation``  excludes locations without the capabilities the product
                    needs (fragile, hazardous, heavy); configurable
``co2``             estimated grams CO2e of the shipment: road km x tonnes x
                    the emission factor of the location's transport mode
``cost``            the shipping cost of the line alone, in minor units
``priority``        the position of the location in an explicit ranking
``min_stock``       excludes a location that would keep fewer than N units
                    (B3: "nearest, unless it has fewer than 5")
==================  =========================================================

Each configurable strategy writes itself back as a profile's rule table
(``to_rule()``), so a profile built in code becomes a document that reads
back equal::

    >>> min_stock(5).to_rule()
    {'use': 'min_stock', 'units': 5}

Lower scores are better. The emission factors are illustrative defaults in
grams CO2e per tonne-kilometre (a diesel parcel van 500, an electric van
150, a cargo bike 10, a truck 100, rail 25); use your carriers' figures.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, cast

import attrs

from omskit.errors import DefinitionError, InvalidInput
from omskit.model import Capability, Product
from omskit.routing.cost import ROAD_FACTOR, CostModel, DistanceCostModel, _factor, minor_units
from omskit.routing.strategy import Candidates, CandidateView, Excluded, LineContext, Score

__all__ = [
    "DEFAULT_EMISSION_FACTORS",
    "MAX_FACTOR",
    "Co2",
    "Cost",
    "MinStock",
    "Priority",
    "Specialisation",
    "co2",
    "cost",
    "load_balancing",
    "min_stock",
    "nearest",
    "priority",
    "specialisation",
]

DEFAULT_EMISSION_FACTORS: Mapping[str, Decimal] = MappingProxyType(
    {
        "van": Decimal(500),
        "electric_van": Decimal(150),
        "cargo_bike": Decimal(10),
        "truck": Decimal(100),
        "rail": Decimal(25),
    }
)
"""Illustrative grams CO2e per tonne-kilometre by transport mode."""


def nearest(line: LineContext, candidates: Sequence[CandidateView]) -> list[Score]:
    """Great-circle kilometres to the delivery point (0 without one)."""
    return [0.0 if km is None else km for km in Candidates.of(candidates).distance_km]


Column = tuple[list[float | Excluded], bool, bool]
"""A score column already checked, whether it excludes anyone, whether it scores all alike."""

_FLOAT = {float}


def _nearest_column(line: LineContext, candidates: Candidates) -> Column | None:
    """:func:`nearest`, checked here: finite floats (``None``: let the general check judge)."""
    column = nearest(line, candidates)
    if set(map(type, column)) <= _FLOAT and math.isfinite(sum(column)):  # type: ignore[arg-type]
        return cast("list[float | Excluded]", column), False, False
    return None


def load_balancing(line: LineContext, candidates: Sequence[CandidateView]) -> list[Score]:
    """Open order lines relative to daily capacity (1.0 is a full day).

    A location without a capacity (``None``: no limit) counts its open lines
    against a day of 1 000 lines, so it is neither free nor full; one whose
    capacity is 0 takes no order lines and is excluded.
    """
    workload = line.workload
    scores: list[Score] = []
    for loc in Candidates.of(candidates).locations:
        capacity = loc.daily_capacity
        if capacity == 0:
            scores.append(_NO_CAPACITY)
        else:
            scores.append(workload.get(loc.location_id, 0) / (capacity or 1000))
    return scores


_NO_CAPACITY = Excluded("a daily capacity of 0 order lines")


def _capabilities(value: object, field: str) -> frozenset[Capability]:
    """Capabilities from members or their values (as a profile document writes them)."""
    if isinstance(value, Capability):
        return frozenset({value})
    if isinstance(value, str | Mapping) or not isinstance(value, Iterable):
        raise InvalidInput("must be a list of capabilities", path=field, value=value)
    checked = []
    for index, item in enumerate(value):
        try:
            checked.append(Capability(item))
        except ValueError:
            known = ", ".join(c.value for c in Capability)
            raise InvalidInput(
                f"is not a capability (known: {known})", path=f"{field}[{index}]", value=item
            ) from None
    return frozenset(checked)


def _fragile(value: object) -> frozenset[Capability]:
    return _capabilities(value, "fragile")


def _hazardous(value: object) -> frozenset[Capability]:
    return _capabilities(value, "hazardous")


def _heavy(value: object) -> frozenset[Capability]:
    return _capabilities(value, "heavy")


def _optional_grams(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInput("must be a positive number of grams", path="heavy_grams", value=value)
    return value


def _exclude_unlisted(value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput("must be true or false", path="exclude_unlisted", value=value)
    return value


def _values(capabilities: frozenset[Capability]) -> list[str]:
    return sorted(c.value for c in capabilities)


@attrs.frozen
class Specialisation:
    """Excludes locations that lack a capability the product needs.

    ``fragile`` and ``hazardous`` name the capabilities a fragile or a
    hazardous product needs; a product of at least ``heavy_grams`` per unit
    needs ``heavy``. Everything else scores 0.
    """

    fragile: frozenset[Capability] = attrs.field(
        default=frozenset({Capability.HANDLES_FRAGILE}), converter=_fragile
    )
    hazardous: frozenset[Capability] = attrs.field(
        default=frozenset({Capability.HANDLES_HAZARDOUS}), converter=_hazardous
    )
    heavy_grams: int | None = attrs.field(default=None, converter=_optional_grams)
    heavy: frozenset[Capability] = attrs.field(default=frozenset(), converter=_heavy)

    def to_rule(self) -> dict[str, Any]:
        """The rule table that makes this strategy: ``specialisation``, or configured."""
        if self == Specialisation():
            return {"use": "specialisation"}
        table: dict[str, Any] = {
            "use": "specialisation_with",
            "fragile": _values(self.fragile),
            "hazardous": _values(self.hazardous),
        }
        if self.heavy_grams is not None:
            table["heavy_grams"] = self.heavy_grams
        if self.heavy:
            table["heavy"] = _values(self.heavy)
        return table

    def needs(self, line: LineContext) -> frozenset[Capability]:
        """The capabilities a location needs for this line's product."""
        return self.needs_for(line.product)

    def needs_for(self, product: Product) -> frozenset[Capability]:
        """The capabilities a location needs to ship ``product``."""
        needed: set[Capability] = set()
        if product.fragile:
            needed |= self.fragile
        if product.hazardous:
            needed |= self.hazardous
        if self.heavy_grams is not None and product.weight_grams >= self.heavy_grams:
            needed |= self.heavy
        return frozenset(needed)

    def _column(self, line: LineContext, candidates: Candidates) -> Column | None:
        """All zeros when the product needs nothing (``None``: score it in full)."""
        if self.needs(line):
            return None
        return [0.0] * len(candidates.locations), False, True

    def __call__(self, line: LineContext, candidates: Sequence[CandidateView]) -> list[Score]:
        """0 for a location with every needed capability, else Excluded naming what it lacks."""
        needed = self.needs(line)
        if not needed:
            return [0.0] * len(candidates)
        scores: list[Score] = []
        for location in Candidates.of(candidates).locations:
            missing = needed - location.capabilities
            if missing:
                names = ", ".join(sorted(m.value for m in missing))
                scores.append(Excluded(f"lacks {names} for {line.sku}"))
            else:
                scores.append(0.0)
        return scores


def specialisation(
    *,
    fragile: Iterable[Capability | str] = (Capability.HANDLES_FRAGILE,),
    hazardous: Iterable[Capability | str] = (Capability.HANDLES_HAZARDOUS,),
    heavy_grams: int | None = None,
    heavy: Iterable[Capability | str] = (),
) -> Specialisation:
    """A :class:`Specialisation` strategy (see there for the parameters)."""
    return Specialisation(fragile, hazardous, heavy_grams, heavy)


MAX_FACTOR = Decimal(10) ** 6
"""The largest emission factor ``co2`` takes, in grams CO2e per tonne-km (air freight is ~1 000)."""


def _factors(value: Mapping[str, Any]) -> Mapping[str, Decimal]:
    if not isinstance(value, Mapping) or not value:
        raise InvalidInput(
            "must be a non-empty table of mode -> grams per tonne-km", path="factors", value=value
        )
    checked: dict[str, Decimal] = {}
    for mode, factor in value.items():
        path = f"factors.{mode}"
        if not isinstance(mode, str) or not mode:
            raise InvalidInput("must name a transport mode", path="factors", value=mode)
        if isinstance(factor, bool) or not isinstance(factor, Decimal | int | str):
            raise InvalidInput("must be a decimal (a string such as '500')", path=path)
        try:
            amount = Decimal(factor)
        except InvalidOperation:
            raise InvalidInput("must be a decimal (a string such as '500')", path=path) from None
        if not amount.is_finite() or amount < 0 or amount > MAX_FACTOR:
            raise InvalidInput(
                f"must be a non-negative decimal of at most {MAX_FACTOR}", path=path, value=factor
            )
        checked[mode] = amount
    return MappingProxyType(checked)


def _modes(value: Mapping[str, str]) -> Mapping[str, str]:
    if not isinstance(value, Mapping):
        raise InvalidInput(
            "must be a table of location id -> transport mode", path="modes", value=value
        )
    for location_id, mode in value.items():
        if not isinstance(location_id, str) or not isinstance(mode, str):
            raise InvalidInput(
                "must map location ids to transport mode names",
                path=f"modes.{location_id}",
                value=mode,
            )
    return MappingProxyType(dict(value))


def _road_factor(value: object) -> Decimal:
    try:
        return _factor(value)
    except InvalidInput as error:
        raise error.at("road_factor") from None


def _min_weight(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(
            "must be a non-negative number of grams", path="min_weight_grams", value=value
        )
    return value


@attrs.frozen
class Co2:
    """Estimated grams CO2e of shipping the line from each location.

    ``road km x max(weight, min_weight_grams) in tonnes x factor`` where the
    factor (grams per tonne-km) belongs to the location's transport mode
    (``modes`` by location id, else ``default_mode``) and road km are the
    great-circle km times ``road_factor`` (the default cost model's 1.3; give
    your cost model's when it has another).
    """

    factors: Mapping[str, Decimal] = attrs.field(
        default=DEFAULT_EMISSION_FACTORS, converter=_factors
    )
    modes: Mapping[str, str] = attrs.field(factory=dict, converter=_modes)
    default_mode: str = "van"
    min_weight_grams: int = attrs.field(default=500, converter=_min_weight)
    road_factor: Decimal = attrs.field(default=ROAD_FACTOR, converter=_road_factor)
    _road: float = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_road", float(self.road_factor))
        known = ", ".join(sorted(self.factors))
        if not isinstance(self.default_mode, str) or self.default_mode not in self.factors:
            raise InvalidInput(
                f"has no emission factor (known: {known})",
                path="default_mode",
                value=self.default_mode,
            )
        for location_id, mode in self.modes.items():
            if mode not in self.factors:
                raise InvalidInput(
                    f"has no emission factor (known: {known})",
                    path=f"modes.{location_id}",
                    value=mode,
                )

    def to_rule(self) -> dict[str, Any]:
        """The rule table that makes this strategy (the ``co2`` factory, non-defaults only)."""
        table: dict[str, Any] = {"use": "co2"}
        if self.factors != DEFAULT_EMISSION_FACTORS:
            table["factors"] = {mode: str(factor) for mode, factor in self.factors.items()}
        if self.modes:
            table["modes"] = dict(self.modes)
        if self.default_mode != "van":
            table["default_mode"] = self.default_mode
        if self.min_weight_grams != 500:
            table["min_weight_grams"] = self.min_weight_grams
        if self.road_factor != ROAD_FACTOR:
            table["road_factor"] = str(self.road_factor)
        return table

    def grams(self, line: LineContext, candidate: CandidateView) -> float:
        """Estimated grams CO2e of shipping ``line`` from ``candidate``."""
        return self.shipment_grams(candidate.location_id, candidate.distance_km, line.weight_grams)

    def shipment_grams(
        self, location_id: str, distance_km: float | None, weight_grams: int
    ) -> float:
        """Estimated grams CO2e of one shipment of ``weight_grams`` over ``distance_km``."""
        if distance_km is None:
            return 0.0
        tonnes = max(weight_grams, self.min_weight_grams) / 1_000_000
        factor = self.factors[self.modes.get(location_id, self.default_mode)]
        return distance_km * self._road * tonnes * float(factor)

    def __call__(self, line: LineContext, candidates: Sequence[CandidateView]) -> list[Score]:
        """Grams CO2e per candidate (see :meth:`grams`)."""
        c = Candidates.of(candidates)
        weight = line.weight_grams
        return [
            self.shipment_grams(loc, km, weight)
            for loc, km in zip(c.location_ids, c.distance_km, strict=True)
        ]


def co2(
    *,
    factors: Mapping[str, Any] = DEFAULT_EMISSION_FACTORS,
    modes: Mapping[str, str] | None = None,
    default_mode: str = "van",
    min_weight_grams: int = 500,
    road_factor: Decimal | int | str = ROAD_FACTOR,
) -> Co2:
    """A :class:`Co2` strategy (see there for the parameters)."""
    return Co2(
        factors, modes if modes is not None else {}, default_mode, min_weight_grams, road_factor
    )


def _cost_model(value: object) -> CostModel:
    """A cost model, or a ``[cost]`` table read as a :class:`DistanceCostModel`."""
    if isinstance(value, Mapping):
        try:
            return DistanceCostModel.from_dict(value)
        except InvalidInput as error:
            raise error.at("model") from None
    if not isinstance(value, CostModel):
        raise InvalidInput(
            f"must be a cost model or a cost table, not {type(value).__name__}",
            path="model",
            value=value,
        )
    return value


@attrs.frozen
class Cost:
    """The cost of shipping the line alone from each location, in minor units."""

    model: CostModel = attrs.field(factory=DistanceCostModel, converter=_cost_model)

    def to_rule(self) -> dict[str, Any]:
        """The rule table that makes this strategy: ``cost``, or ``cost_with`` and its model.

        Raises :class:`~omskit.errors.DefinitionError` for a model that is
        not a :class:`~omskit.routing.cost.DistanceCostModel` (a document
        cannot describe it).
        """
        if self.model == DistanceCostModel():
            return {"use": "cost"}
        if not isinstance(self.model, DistanceCostModel):
            raise DefinitionError(
                f"a cost rule over {type(self.model).__name__} is not document data"
            )
        return {"use": "cost_with", "model": self.model.to_dict()}

    def __call__(self, line: LineContext, candidates: Sequence[CandidateView]) -> list[Score]:
        """The cost of one shipment of the whole line from each candidate, in minor units."""
        weight = line.weight_grams
        return [
            minor_units(self.model, location=loc, origin=line.origin, weight_grams=weight)
            for loc in Candidates.of(candidates).locations
        ]


def cost(*, model: CostModel | Mapping[str, Any] | None = None) -> Cost:
    """A :class:`Cost` strategy over ``model`` (default :class:`DistanceCostModel`).

    ``model`` may also be a ``[cost]`` table, as a profile document gives
    it (see :meth:`~omskit.routing.cost.DistanceCostModel.from_dict`).
    """
    return Cost(model if model is not None else DistanceCostModel())


def _ranking(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        raise InvalidInput(
            "must be a list of location ids, not one string", path="ranking", value=value
        )
    if isinstance(value, Mapping) or not isinstance(value, Iterable):
        raise InvalidInput("must be a list of location ids", path="ranking", value=value)
    ranking = tuple(value)
    if not ranking or not all(isinstance(v, str) and v for v in ranking):
        raise InvalidInput("must be a non-empty list of location ids", path="ranking", value=value)
    if len(set(ranking)) != len(ranking):
        raise InvalidInput("must not repeat a location id", path="ranking", value=value)
    return ranking


@attrs.frozen
class Priority:
    """The position of each location in ``ranking`` (0 is first).

    Unlisted locations come after every listed one, or are excluded when
    ``exclude_unlisted`` is set.
    """

    ranking: tuple[str, ...] = attrs.field(converter=_ranking)
    exclude_unlisted: bool = attrs.field(default=False, converter=_exclude_unlisted)
    _position: Mapping[str, int] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(
            self, "_position", {loc: index for index, loc in enumerate(self.ranking)}
        )

    def to_rule(self) -> dict[str, Any]:
        """The rule table that makes this strategy (the ``priority`` factory)."""
        table: dict[str, Any] = {"use": "priority", "ranking": list(self.ranking)}
        if self.exclude_unlisted:
            table["exclude_unlisted"] = True
        return table

    def __call__(self, line: LineContext, candidates: Sequence[CandidateView]) -> list[Score]:
        """Each candidate's position in the ranking."""
        last = len(self.ranking)
        scores: list[Score] = []
        for location_id in Candidates.of(candidates).location_ids:
            position = self._position.get(location_id)
            if position is None and self.exclude_unlisted:
                scores.append(Excluded("not in the priority list"))
            else:
                scores.append(float(last if position is None else position))
        return scores


def priority(ranking: Iterable[str], *, exclude_unlisted: bool = False) -> Priority:
    """A :class:`Priority` strategy over ``ranking`` (location ids, best first)."""
    return Priority(ranking, exclude_unlisted)


def _units(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput("must be a non-negative integer", path="units", value=value)
    return value


@attrs.frozen
class MinStock:
    """Excludes a location that would keep fewer than ``units`` of the SKU after the order.

    The brief's hybrid rule (B3) is ``[min_stock(5), nearest]``: the nearest
    location, unless taking the line leaves it with fewer than 5 units, so
    store stock for walk-in customers is not drained. What the location
    would keep counts every line of the order with the SKU
    (:attr:`~omskit.routing.strategy.LineContext.sku_quantity`): two lines
    of 3 may not leave a location with 8 units holding 2.
    """

    units: int = attrs.field(converter=_units)

    def to_rule(self) -> dict[str, Any]:
        """The rule table that makes this strategy (the ``min_stock`` factory)."""
        return {"use": "min_stock", "units": self.units}

    def __call__(self, line: LineContext, candidates: Sequence[CandidateView]) -> list[Score]:
        """0 where enough would be left after the order's lines of the SKU, else Excluded."""
        scores: list[Score] = []
        quantity = line.sku_quantity
        for sellable in Candidates.of(candidates).sellable:
            left = sellable - quantity
            if left < self.units:
                kept = max(left, 0)
                scores.append(Excluded(f"would keep {kept} units, fewer than {self.units}"))
            else:
                scores.append(0.0)
        return scores


def min_stock(units: int) -> MinStock:
    """A :class:`MinStock` filter: skip a location that would keep fewer than ``units``."""
    return MinStock(units)


def fast_column(strategy: object) -> Callable[[LineContext, Candidates], Column | None] | None:
    """A quicker way to the checked column of a built-in ``strategy``, if it has one.

    The answer is what :func:`~omskit.routing.strategy.checked_scores` makes
    of the strategy's scores (``None`` from the function: use that path);
    the profile also skips what it need not look at again. ``None`` for any
    other strategy, a subclass included.
    """
    if strategy is nearest:
        return _nearest_column
    if type(strategy) is Specialisation:
        return strategy._column
    return None
