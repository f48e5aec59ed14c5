"""A scarcity charge: keep the stock that later orders need to ship in one parcel.

Routing one order at a time cannot see the orders after it. An order that
could ship from a store or from a distribution centre costs about the same
either way, but the centre's units are the ones a later multi-line order
needs to ship in one parcel: a centre holds most of the range, a store a
few units of a few SKUs. When the centre runs out of a SKU, the later order
splits. A :class:`Scarcity` charge makes the planner weigh that: each unit
taken from a *reserved* location (by default every distribution centre)
costs ``price x scarcity index`` on top of the shipping cost, so among plans
with as few shipments an order that a store can serve at a similar cost is
sent there, and the centre keeps its units.

The scarcity index of a SKU is ``min(1, expected demand / sellable units)``:
how much of what is left the forecast expects to sell before the next
replenishment. It comes from something a shop has: ``demand``, the
expected units per SKU over the replenishment horizon (a demand forecast;
regenerate the profile with a new version when the forecast changes). The
sellable units are those of the eligible locations the order sees, so the
index rises as stock runs down. A SKU without a forecast takes
``unforecast_index`` (default 1: treated as scarce; 0 turns the charge off
for it). A plentiful SKU (index near 0) costs almost nothing to take
anywhere.

The charge only decides between plans: it never changes the fill or adds a
shipment (the planner compares the fewest unfulfilled units and the fewest
shipments first), and it is not part of the shipping cost a decision
reports (:attr:`~omskit.routing.decision.RoutingDecision.cost`); the
decision reports it apart (``scarcity_charge``) and the chosen candidates'
notes name it. In a profile document::

    [scarcity]
    price = "0.60"                      # per unit at index 1, in the cost currency
    kinds = ["distribution_centre"]     # reserved location kinds (the default)
    locations = ["ST-HUB"]              # and reserved location ids (optional)
    unforecast_index = "1"

    [scarcity.demand]                   # expected units until replenishment
    "SKU-1" = 12.5
    "SKU-2" = 3
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

import attrs

from omskit.errors import InvalidInput
from omskit.model import Location, LocationKind
from omskit.money import Money

__all__ = ["Scarcity"]


def _price(value: object) -> Money:
    if not isinstance(value, Money):
        raise InvalidInput(f"must be Money, not {type(value).__name__}", path="price", value=value)
    if value.is_negative():
        raise InvalidInput("must not be negative", path="price", value=value)
    return value


def _kinds(value: Iterable[LocationKind | str]) -> frozenset[LocationKind]:
    if isinstance(value, str | Mapping) or not isinstance(value, Iterable):
        raise InvalidInput("must be a list of location kinds", path="kinds", value=value)
    kinds = []
    for item in value:
        try:
            kinds.append(LocationKind(item))
        except ValueError:
            known = ", ".join(k.value for k in LocationKind)
            raise InvalidInput(
                f"is not a location kind (known: {known})", path="kinds", value=item
            ) from None
    return frozenset(kinds)


def _ids(value: Iterable[str]) -> frozenset[str]:
    if isinstance(value, str | Mapping) or not isinstance(value, Iterable):
        raise InvalidInput("must be a list of location ids", path="locations", value=value)
    items = list(value)
    for index, item in enumerate(items):
        if not isinstance(item, str) or not item:
            raise InvalidInput("must be a location id", path=f"locations[{index}]", value=item)
    return frozenset(items)


def _number(value: object, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise InvalidInput("must be a non-negative number", path=path, value=value)
    try:
        number = float(Decimal(str(value)))
    except (InvalidOperation, ValueError):  # (a signalling NaN refuses float())
        raise InvalidInput("must be a non-negative number", path=path, value=value) from None
    if not number >= 0 or number == float("inf"):
        raise InvalidInput("must be a non-negative number", path=path, value=value)
    return number


def _demand(value: Mapping[str, Any]) -> Mapping[str, float]:
    if not isinstance(value, Mapping):
        raise InvalidInput("must be a table of SKU -> expected units", path="demand")
    return MappingProxyType(
        {str(sku): _number(units, f"demand.{sku}") for sku, units in value.items()}
    )


def _index(value: object) -> float:
    number = _number(value, "unforecast_index")
    if number > 1:
        raise InvalidInput("must be from 0 to 1", path="unforecast_index", value=value)
    return number


@attrs.frozen
class Scarcity:
    """A charge per unit taken from a reserved location: ``price x`` the SKU's scarcity index.

    See :mod:`omskit.routing.scarcity`. ``price`` is in the currency of the
    profile's cost model; ``kinds`` and ``locations`` name the reserved
    locations; ``demand`` is the expected units per SKU until the next
    replenishment; ``unforecast_index`` is the index of a SKU without one.
    """

    price: Money = attrs.field(converter=_price)
    kinds: frozenset[LocationKind] = attrs.field(
        default=frozenset({LocationKind.DISTRIBUTION_CENTRE}), converter=_kinds
    )
    locations: frozenset[str] = attrs.field(default=frozenset(), converter=_ids)
    demand: Mapping[str, float] = attrs.field(factory=dict, converter=_demand, hash=False)
    unforecast_index: float = attrs.field(default=1.0, converter=_index)

    def reserved(self, location: Location) -> bool:
        """Whether units taken from ``location`` pay the charge."""
        return location.kind in self.kinds or location.location_id in self.locations

    def index(self, sku: str, sellable: int) -> float:
        """The scarcity index of ``sku`` with ``sellable`` units left: from 0 to 1."""
        expected = self.demand.get(sku)
        if expected is None:
            return self.unforecast_index
        if sellable <= 0:
            return 1.0
        return min(1.0, expected / sellable)

    @property
    def price_minor(self) -> float:
        """The price in minor units of its currency."""
        return float(self.price.amount.scaleb(self.price.exponent))

    def charge_money(self, minor: int) -> Money:
        """``minor`` units of the price's currency as :class:`~omskit.money.Money`."""
        return Money.from_minor(minor, self.price.currency)

    def with_demand(self, demand: Mapping[str, Any]) -> Scarcity:
        """The same charge with another demand forecast."""
        return attrs.evolve(self, demand=demand)

    def to_dict(self) -> dict[str, Any]:
        """The charge as a profile's ``[scarcity]`` table."""
        data: dict[str, Any] = {
            "price": str(self.price.amount),
            "kinds": sorted(k.value for k in self.kinds),
        }
        if self.locations:
            data["locations"] = sorted(self.locations)
        if self.unforecast_index != 1.0:
            data["unforecast_index"] = repr(self.unforecast_index)
        if self.demand:
            data["demand"] = {sku: self.demand[sku] for sku in sorted(self.demand)}
        return data

    @classmethod
    def from_dict(cls, table: object, *, currency: str) -> Scarcity:
        """Read a ``[scarcity]`` table; errors name the field (``scarcity.price``)."""
        if not isinstance(table, Mapping):
            raise InvalidInput("must be a table", path="scarcity")
        known = {"price", "kinds", "locations", "demand", "unforecast_index"}
        for key in table:
            if key not in known:
                raise InvalidInput(
                    f"is not a scarcity field (known: {', '.join(sorted(known))})",
                    path=f"scarcity.{key}",
                )
        if "price" not in table:
            raise InvalidInput("is required", path="scarcity.price")
        try:
            price = Money(table["price"], currency)
        except InvalidInput as error:
            raise InvalidInput(error.reason, path="scarcity.price", value=table["price"]) from None
        try:
            values: dict[str, Any] = {"price": price}
            for key in ("kinds", "locations", "demand", "unforecast_index"):
                if key in table:
                    values[key] = table[key]
            return cls(**values)
        except InvalidInput as error:
            raise error.at("scarcity") from None
