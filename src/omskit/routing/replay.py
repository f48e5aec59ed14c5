"""What-if replay: run past orders against a stock snapshot through several profiles.

:func:`replay` routes a list of orders, in order, with each profile in turn,
each starting from the same stock snapshot and consuming what it allocates
(so a profile that drains the nearest stores pays for it on later orders).
The :class:`ReplayReport` compares the profiles on shipments per order,
split rate, distance, shipping cost, CO2 and unfulfilled units, and renders
a table for a person::

    profile            orders  shipments/order  split rate  distance km  cost  CO2 kg  unfulfilled
    default@1          ...

Distance is the great-circle distance from each shipping location to the
delivery point, summed over shipments; CO2 uses
:class:`~omskit.routing.builtins.Co2` with its defaults unless another is
given; cost is what each profile's own cost model estimates.

``replay(..., batch=True)`` plans each profile's orders together with
:func:`~omskit.routing.batch.route_batch` instead (what a wave of held
orders planned at once would have shipped), so the table can compare
routing in turn with planning the batch under the same rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import attrs

from omskit.errors import InvalidInput
from omskit.geo import GeoPoint
from omskit.model import DeliveryMethod, Location, Order, Product
from omskit.money import Money
from omskit.routing.batch import _planned
from omskit.routing.builtins import Co2
from omskit.routing.decision import RoutingDecision
from omskit.routing.engine import _check_batch_inputs, _check_pickups, _stock_locations
from omskit.routing.profile import RoutingProfile

__all__ = ["BATCH_ROUNDS", "ProfileOutcome", "ReplayReport", "delivery_point", "replay"]

BATCH_ROUNDS = 4
"""``max_rounds`` of a batch replay (``replay(..., batch=True)``)."""


@attrs.frozen
class ProfileOutcome:
    """How one profile did over the replayed orders."""

    profile: str
    orders: int
    shipments: int
    split_orders: int
    """Orders shipped from more than one location."""
    distance_km: float
    cost: Money | None
    co2_grams: float
    unfulfilled_units: int
    ordered_units: int
    decisions: tuple[RoutingDecision, ...] = attrs.field(repr=False, eq=False)

    @property
    def shipments_per_order(self) -> float:
        """Mean shipments per order (0 without orders)."""
        return self.shipments / self.orders if self.orders else 0.0

    @property
    def split_rate(self) -> float:
        """Share of orders shipped from more than one location."""
        return self.split_orders / self.orders if self.orders else 0.0

    @property
    def fill_rate(self) -> float:
        """Share of ordered units that found a location."""
        if not self.ordered_units:
            return 1.0
        return 1 - self.unfulfilled_units / self.ordered_units


@attrs.frozen
class ReplayReport:
    """The outcome per profile, in the order the profiles were given."""

    outcomes: tuple[ProfileOutcome, ...]

    def outcome(self, label: str) -> ProfileOutcome:
        """The outcome of the profile ``name@version`` (or plain ``name``).

        A full label is looked for first; a plain name is the whole label
        before its last ``@`` (a name may hold ``@`` itself: ``a@2@1`` is
        profile ``a@2``, version 1), the first profile of that name given.
        """
        for outcome in self.outcomes:
            if outcome.profile == label:
                return outcome
        for outcome in self.outcomes:
            if outcome.profile.rpartition("@")[0] == label:
                return outcome
        raise InvalidInput(f"no profile {label!r} was replayed", path="label", value=label)

    def table(self) -> str:
        """A fixed-width comparison table (columns as wide as their longest entry)."""
        costs = ["-" if o.cost is None else str(o.cost) for o in self.outcomes]
        name = max([20, *(len(o.profile) for o in self.outcomes)])
        money = max([12, *map(len, costs)])
        header = (
            f"{'profile':<{name}} {'orders':>6} {'shipments/order':>15} {'split rate':>10} "
            f"{'distance km':>11} {'cost':>{money}} {'CO2 kg':>8} {'unfulfilled':>11}"
        )
        rows = [header, "-" * len(header)]
        for o, cost in zip(self.outcomes, costs, strict=True):
            rows.append(
                f"{o.profile:<{name}} {o.orders:>6} {o.shipments_per_order:>15.2f} "
                f"{o.split_rate:>10.1%} {o.distance_km:>11.1f} {cost:>{money}} "
                f"{o.co2_grams / 1000:>8.2f} {o.unfulfilled_units:>11}"
            )
        return "\n".join(rows)


def delivery_point(order: Order, locations: Mapping[str, Location]) -> GeoPoint | None:
    """Where ``order`` goes: the pickup location for click & collect, else the address point."""
    if order.delivery.method is DeliveryMethod.COLLECT:
        pickup = locations.get(order.delivery.pickup_location_id or "")
        return None if pickup is None else pickup.point
    address = order.delivery.address
    return None if address is None else address.point


def replay(
    orders: Sequence[Order],
    *,
    stock: Mapping[str, Sequence[tuple[Location, int]]],
    products: Mapping[str, Product],
    profiles: Sequence[RoutingProfile],
    co2: Co2 | None = None,
    batch: bool = False,
    locations: Iterable[Location] = (),
) -> ReplayReport:
    """Route ``orders`` in turn with each of ``profiles`` from the same ``stock`` snapshot.

    ``stock`` maps each SKU to (location, sellable units); what a profile
    allocates is taken off its own copy before the next order.
    ``locations`` adds locations that hold none of the stock, such as a
    click & collect store with empty shelves: a pickup location must be
    known (from ``stock`` or ``locations``) so that the order is measured
    from it and, if it does not receive transfers, is handed over only
    what it holds itself, as :func:`~omskit.routing.engine.route` would do
    with it. Raises :class:`~omskit.errors.InvalidInput` without profiles,
    for two profiles with the same ``name@version``, for something other
    than a :class:`~omskit.model.Location` in ``locations``, or for a click &
    collect order whose pickup location is unknown.

    With ``batch=True`` each profile plans the orders together
    (:func:`~omskit.routing.batch.route_batch`, ``max_rounds`` =
    :data:`BATCH_ROUNDS`) instead of in turn: what a wave planned at once
    would have done with the same rules.
    """
    stock = _check_batch_inputs(orders, stock, products)
    if isinstance(profiles, RoutingProfile | str) or not isinstance(profiles, Sequence):
        raise InvalidInput("must be a list of routing profiles", path="profiles")
    if not profiles:
        raise InvalidInput("name at least one profile to compare", path="profiles")
    for index, profile in enumerate(profiles):
        if not isinstance(profile, RoutingProfile):
            raise InvalidInput(
                f"must be a RoutingProfile, not {type(profile).__name__}",
                path=f"profiles[{index}]",
            )
    if co2 is not None and not isinstance(co2, Co2):
        raise InvalidInput(f"must be a Co2 strategy, not {type(co2).__name__}", path="co2")
    extra: object = locations
    if isinstance(extra, str) or not isinstance(extra, Iterable):
        raise InvalidInput("must be a list of locations", path="locations")
    labels = [p.label for p in profiles]
    if len(set(labels)) != len(labels):
        raise InvalidInput("names a profile twice", path="profiles", value=labels)
    co2 = co2 if co2 is not None else Co2()
    known = _stock_locations(stock)
    for index, location in enumerate(locations):
        if not isinstance(location, Location):
            raise InvalidInput(
                f"must be a Location, not {type(location).__name__}", path=f"locations[{index}]"
            )
        known.setdefault(location.location_id, location)
    _check_pickups(orders, known)
    outcomes = [
        _replay_one(orders, stock, products, profile, known, co2, batch) for profile in profiles
    ]
    return ReplayReport(tuple(outcomes))


def _replay_one(
    orders: Sequence[Order],
    stock: Mapping[str, Sequence[tuple[Location, int]]],
    products: Mapping[str, Product],
    profile: RoutingProfile,
    locations: Mapping[str, Location],
    co2: Co2,
    batch: bool,
) -> ProfileOutcome:
    origins = [delivery_point(order, locations) for order in orders]
    # (Checked once by replay(), not again per profile.)
    plan = _planned(
        orders, profile, stock, products, origins, BATCH_ROUNDS if batch else 0, locations
    )
    split = ordered = 0
    distance = grams = 0.0
    for decision, origin in zip(plan.decisions, origins, strict=True):
        weights: dict[str, int] = {}
        for line in decision.lines:
            ordered += line.quantity
            for allocation in line.allocations:
                weights[allocation.location_id] = (
                    weights.get(allocation.location_id, 0)
                    + products[line.sku].weight_grams * allocation.quantity
                )
        split += len(weights) > 1
        for location_id, weight in weights.items():
            km = None if origin is None else origin.distance_km(locations[location_id].point)
            distance += km or 0.0
            grams += co2.shipment_grams(location_id, km, weight)
    return ProfileOutcome(
        profile.label,
        len(orders),
        plan.shipments,
        split,
        distance,
        plan.cost,
        grams,
        plan.unfulfilled_units,
        ordered,
        plan.decisions,
    )
