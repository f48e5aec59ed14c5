"""The scarcity charge: reserved stock costs extra, from a demand forecast, explained."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from test_routing_engine import HOME, order

from omskit.errors import InvalidInput
from omskit.geo import GeoPoint
from omskit.model import Capability, Location, LocationKind, Product
from omskit.money import Money
from omskit.routing.decision import RoutingDecision
from omskit.routing.engine import route
from omskit.routing.planner import PlanLine, plan_order
from omskit.routing.profile import Objective, RoutingProfile, default_profile
from omskit.routing.scarcity import Scarcity

SHIP = {Capability.SHIP}
# The DC is 9 km from the customer, the store 13 km: the DC ships 8 cents cheaper.
DC = Location("DC", "DC", LocationKind.DISTRIBUTION_CENTRE, GeoPoint(52.46, 4.89), "NL", SHIP)
STORE = Location("ST", "Store", LocationKind.STORE, GeoPoint(52.262, 4.89), "NL", SHIP)
PRODUCTS = {
    "BEANS": Product("BEANS", "Beans", weight_grams=1000),
    "CUPS": Product("CUPS", "Cups", weight_grams=900),
}


def charged(price: str = "0.60", **options: Any) -> RoutingProfile:
    return attrs.evolve(default_profile(), scarcity=Scarcity(Money(price, "EUR"), **options))


def routed(
    profile: RoutingProfile, *lines: tuple[str, int], dc: int = 5, store: int = 5
) -> RoutingDecision:
    stock = {sku: [(DC, dc), (STORE, store)] for sku in PRODUCTS}
    return route(order(*lines), profile=profile, origin=HOME.point, stock=stock, products=PRODUCTS)


def test_without_a_charge_the_cheaper_dc_ships() -> None:
    decision = routed(default_profile(), ("BEANS", 1))
    assert decision.lines[0].allocations[0].location_id == "DC"
    assert decision.scarcity_charge is None


def test_the_charge_sends_an_order_a_store_can_serve_to_the_store() -> None:
    decision = routed(charged(), ("BEANS", 1))
    line = decision.lines[0]
    assert [a.location_id for a in line.allocations] == ["ST"]
    assert decision.scarcity_charge == Money("0.00", "EUR")
    assert decision.decided_by == "the lowest shipping cost with the scarcity charge"
    # The reported cost is the shipping cost alone.
    assert decision.cost == default_profile().cost_model.shipment_cost(
        location=STORE, origin=HOME.point, weight_grams=1000
    )


def test_a_plentiful_sku_by_its_forecast_is_not_charged() -> None:
    # Half a unit expected against 10 sellable: index 0.05, 3 cents, less than the 8 saved.
    decision = routed(charged(demand={"BEANS": 0.5}), ("BEANS", 1))
    assert decision.lines[0].allocations[0].location_id == "DC"
    assert decision.scarcity_charge == Money("0.03", "EUR")
    # A scarce one by its forecast is: 8 expected against 10 sellable, 48 cents.
    decision = routed(charged(demand={"BEANS": 8}), ("BEANS", 1))
    assert decision.lines[0].allocations[0].location_id == "ST"


def test_the_charge_never_costs_a_shipment_and_is_explained() -> None:
    # Only the DC holds both SKUs' units: one shipment beats two, charge or not.
    decision = routed(charged(), ("BEANS", 2), ("CUPS", 1), store=1)
    assert decision.shipment_count == 1
    assert decision.scarcity_charge == Money("1.80", "EUR")
    assert decision.decided_by == "the fewest shipments"
    note = decision.lines[0].candidates[0]
    assert note.location_id == "DC"
    assert note.reason == "chosen for 2 unit(s) (scarcity charge EUR 1.20)"
    assert "scarcity charge EUR 1.80" in decision.explain()


def test_reserved_location_ids_and_kinds() -> None:
    # Reserving the store (and no kind) makes the DC the unreserved choice again.
    decision = routed(charged(kinds=[], locations=["ST"]), ("BEANS", 1))
    assert decision.lines[0].allocations[0].location_id == "DC"
    assert decision.scarcity_charge == Money("0.00", "EUR")
    scarcity = Scarcity(Money("1", "EUR"), kinds=["store"])
    assert scarcity.reserved(STORE)
    assert not scarcity.reserved(DC)


def test_the_index() -> None:
    scarcity = Scarcity(Money("1", "EUR"), demand={"A": 5}, unforecast_index="0.25")
    assert scarcity.index("A", 10) == 0.5
    assert scarcity.index("A", 2) == 1.0
    assert scarcity.index("A", 0) == 1.0
    assert scarcity.index("B", 10) == 0.25
    assert scarcity.with_demand({"B": 1}).index("B", 4) == 0.25
    assert scarcity.price_minor == 100.0


def test_plan_order_counts_charges_apart_from_the_cost() -> None:
    lines = [PlanLine("L1", "A", 1, 100, ("X", "Y"))]
    stock = {("A", "X"): 1, ("A", "Y"): 1}
    costs = {"X": 500, "Y": 520}
    # A charge above the 20 cents X saves sends the line to Y; below, it stays at X.
    for rate, chosen, cost, charge in ((30.4, "Y", 520, 0), (10.4, "X", 500, 10)):
        plan = plan_order(
            lines,
            stock,
            shipment_cost=lambda loc, _: costs[loc],
            objective=Objective.COST,
            charges={"A": {"X": rate}},
        )
        assert plan.locations == (chosen,)
        assert plan.cost_minor == cost
        assert plan.charge_minor == charge


def test_documents_round_trip() -> None:
    text = """
name = "keep-dc-stock"
objective = "cost"

[[rule]]
use = "nearest"

[scarcity]
price = "0.60"
locations = ["ST-HUB"]
unforecast_index = "0.5"

[scarcity.demand]
"SKU-1" = 12.5
"SKU-2" = 3
"""
    profile = RoutingProfile.from_toml(text)
    assert profile.scarcity == Scarcity(
        Money("0.60", "EUR"),
        locations=["ST-HUB"],
        demand={"SKU-1": 12.5, "SKU-2": 3},
        unforecast_index=0.5,
    )
    assert RoutingProfile.from_dict(profile.to_dict()) == profile
    assert RoutingProfile.from_json(profile.to_json()).scarcity == profile.scarcity


@pytest.mark.parametrize(
    ("table", "path"),
    [
        ({}, "scarcity.price"),
        ({"price": "-1"}, "scarcity.price"),
        ({"price": "1", "kinds": ["castle"]}, "scarcity.kinds"),
        ({"price": "1", "kinds": "store"}, "scarcity.kinds"),
        ({"price": "1", "locations": "ST"}, "scarcity.locations"),
        ({"price": "1", "demand": {"A": -1}}, "scarcity.demand.A"),
        ({"price": "1", "demand": []}, "scarcity.demand"),
        ({"price": "1", "unforecast_index": 2}, "scarcity.unforecast_index"),
        ({"price": "1", "unforecast_index": "x"}, "scarcity.unforecast_index"),
        ({"price": "1", "reserve": 1}, "scarcity.reserve"),
        ("cheap", "scarcity"),
    ],
)
def test_bad_tables_name_the_field(table: object, path: str) -> None:
    data = {"name": "p", "rule": [{"use": "nearest"}], "scarcity": table}
    with pytest.raises(InvalidInput) as caught:
        RoutingProfile.from_dict(data)
    assert caught.value.path == path


def test_the_price_is_in_the_cost_currency() -> None:
    with pytest.raises(InvalidInput) as caught:
        attrs.evolve(default_profile(), scarcity=Scarcity(Money("1", "USD")))
    assert caught.value.path == "scarcity.price"
    with pytest.raises(InvalidInput):
        attrs.evolve(default_profile(), scarcity="cheap")  # type: ignore[arg-type]
