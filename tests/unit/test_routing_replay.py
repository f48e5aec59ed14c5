"""What-if replay: past orders against a stock snapshot, through several profiles."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs
import pytest

from omskit.errors import InvalidInput
from omskit.geo import GeoPoint
from omskit.model import (
    Address,
    Capability,
    Channel,
    Delivery,
    Location,
    LocationKind,
    Order,
    OrderLine,
    Product,
)
from omskit.money import Money
from omskit.routing import RoutingProfile, builtins, default_profile, route
from omskit.routing.batch import route_batch
from omskit.routing.cost import DistanceCostModel
from omskit.routing.replay import delivery_point, replay

CAPS = {Capability.SHIP, Capability.CLICK_AND_COLLECT}
AMS = Location("AMS", "Amsterdam", LocationKind.STORE, GeoPoint(52.37, 4.89), "NL", CAPS)
UTR = Location("UTR", "Utrecht", LocationKind.STORE, GeoPoint(52.09, 5.12), "NL", CAPS)
DC = Location("DC", "DC", LocationKind.DISTRIBUTION_CENTRE, GeoPoint(51.56, 5.09), "NL")
PRODUCTS = {"BEANS": Product("BEANS", "Beans", weight_grams=1000)}
HOME = Address("Damrak 1", "1012 LG", "Amsterdam", "NL", point=GeoPoint(52.375, 4.89))


def order(n: int, quantity: int, delivery: Delivery | None = None) -> Order:
    return Order(
        f"O-{n}",
        Channel.WEB,
        f"W-{n}",
        "EUR",
        [OrderLine("1", "BEANS", quantity, Money("1", "EUR"))],
        delivery or Delivery.ship_to(HOME),
        datetime(2026, 12, 1, tzinfo=UTC),
    )


STOCK = {"BEANS": [(AMS, 6), (UTR, 6), (DC, 50)]}
ORDERS = [order(n, 2) for n in range(1, 6)]


def test_each_profile_starts_from_the_same_snapshot_and_uses_it_up() -> None:
    store_friendly = RoutingProfile.of(
        "store-friendly", [("min_stock", builtins.min_stock(5)), "nearest"]
    )
    report = replay(
        ORDERS, stock=STOCK, products=PRODUCTS, profiles=[default_profile(), store_friendly]
    )
    default, friendly = report.outcomes
    # Default: Amsterdam ships three orders (6 units), then Utrecht takes over.
    first_locations = [d.lines[0].allocations[0].location_id for d in default.decisions]
    assert first_locations == ["AMS", "AMS", "AMS", "UTR", "UTR"]
    # Store-friendly keeps five in every store: Amsterdam has 6, so it never qualifies (6-2 < 5).
    assert {d.lines[0].allocations[0].location_id for d in friendly.decisions} == {"DC"}
    assert (default.orders, default.shipments, default.split_orders) == (5, 5, 0)
    assert default.unfulfilled_units == 0
    assert default.fill_rate == 1.0
    assert friendly.distance_km > default.distance_km
    assert friendly.co2_grams > default.co2_grams
    assert friendly.cost is not None
    assert default.cost is not None
    assert friendly.cost.amount > default.cost.amount
    assert report.outcome("store-friendly") is friendly
    assert report.outcome("default@1") is default


def test_unfulfilled_units_and_splits_are_counted() -> None:
    report = replay(
        [order(1, 10), order(2, 5)],
        stock={"BEANS": [(AMS, 6), (UTR, 6)]},
        products=PRODUCTS,
        profiles=[default_profile()],
    )
    (outcome,) = report.outcomes
    assert outcome.split_orders == 1
    assert outcome.unfulfilled_units == 3
    assert outcome.ordered_units == 15
    assert outcome.split_rate == 0.5
    assert outcome.shipments_per_order == 1.5


def test_the_table_compares_the_profiles_line_by_line() -> None:
    report = replay(ORDERS, stock=STOCK, products=PRODUCTS, profiles=[default_profile()])
    table = report.table().splitlines()
    assert table[0].split()[:3] == ["profile", "orders", "shipments/order"]
    assert table[2].startswith("default@1")
    assert "EUR" in table[2]


def test_the_table_prints_each_currency_to_its_minor_unit_and_fits_long_names() -> None:
    dinar = DistanceCostModel(
        fixed=Money("1.500", "KWD"), per_km=Money("0.005", "KWD"), per_kg=Money("0", "KWD")
    )
    long_name = RoutingProfile.of("a-profile-with-a-long-name", ["nearest"], cost_model=dinar)
    report = replay(ORDERS, stock=STOCK, products=PRODUCTS, profiles=[long_name])
    (outcome,) = report.outcomes
    assert outcome.cost is not None
    header, rule, row = report.table().splitlines()
    assert str(outcome.cost) in row
    assert outcome.cost.amount.as_tuple().exponent == -3
    assert row.startswith("a-profile-with-a-long-name@1 ")
    assert len(header) == len(rule) == len(row)
    assert header.index("orders") == row.index(f"{outcome.orders:>6}")


def test_a_click_and_collect_order_is_measured_from_its_pickup_store() -> None:
    collect = order(1, 1, Delivery.collect_at("UTR"))
    assert delivery_point(collect, {"UTR": UTR}) == UTR.point
    assert delivery_point(collect, {}) is None
    report = replay([collect], stock=STOCK, products=PRODUCTS, profiles=[default_profile()])
    assert report.outcomes[0].decisions[0].lines[0].allocations[0].location_id == "UTR"
    assert report.outcomes[0].distance_km == 0.0


def test_a_pickup_store_without_transfers_hands_over_only_its_own_stock() -> None:
    # Amsterdam cannot receive transfers: the 2 units beyond its 6 are not sent from elsewhere.
    collect = order(1, 8, Delivery.collect_at("AMS"))
    for batch in (False, True):
        report = replay(
            [collect], stock=STOCK, products=PRODUCTS, profiles=[default_profile()], batch=batch
        )
        line = report.outcomes[0].decisions[0].lines[0]
        assert [(a.location_id, a.quantity) for a in line.allocations] == [("AMS", 6)]
        assert line.unfulfilled == 2
    hub = Location(
        "AMS",
        "Amsterdam",
        LocationKind.STORE,
        GeoPoint(52.37, 4.89),
        "NL",
        CAPS | {Capability.RECEIVE_TRANSFERS},
    )
    stock = {"BEANS": [(hub, 6), (UTR, 6), (DC, 50)]}
    report = replay([collect], stock=stock, products=PRODUCTS, profiles=[default_profile()])
    assert report.outcomes[0].decisions[0].lines[0].unfulfilled == 0


def test_a_pickup_store_without_stock_is_named_in_the_locations() -> None:
    empty = Location("EMP", "Empty", LocationKind.STORE, GeoPoint(52.0, 4.3), "NL", CAPS)
    collect = order(1, 1, Delivery.collect_at("EMP"))
    with pytest.raises(InvalidInput) as error:
        replay([collect], stock=STOCK, products=PRODUCTS, profiles=[default_profile()])
    assert error.value.path == "orders[0].delivery.pickup_location_id"
    for batch in (False, True):
        report = replay(
            [collect],
            stock=STOCK,
            products=PRODUCTS,
            profiles=[default_profile()],
            batch=batch,
            locations=[empty],
        )
        (outcome,) = report.outcomes
        # The store takes no transfers: nothing is sent to it, as route() decides with it.
        assert (outcome.shipments, outcome.unfulfilled_units) == (0, 1)
        expected = route(
            collect,
            profile=default_profile(),
            origin=empty.point,
            stock=STOCK,
            products=PRODUCTS,
            pickup=empty,
        )
        assert outcome.decisions[0].lines == expected.lines
    hub = attrs.evolve(empty, capabilities=CAPS | {Capability.RECEIVE_TRANSFERS})
    report = replay(
        [collect], stock=STOCK, products=PRODUCTS, profiles=[default_profile()], locations=[hub]
    )
    (outcome,) = report.outcomes
    # Measured from the pickup store: Utrecht (57.0 km) is nearer than Amsterdam (57.5 km).
    assert outcome.decisions[0].lines[0].allocations[0].location_id == "UTR"
    assert outcome.distance_km == pytest.approx(UTR.point.distance_km(hub.point))
    with pytest.raises(InvalidInput) as error:
        replay(
            ORDERS,
            stock=STOCK,
            products=PRODUCTS,
            profiles=[default_profile()],
            locations=["EMP"],  # type: ignore[list-item]
        )
    assert error.value.path == "locations[0]"


def test_bad_comparisons_are_refused() -> None:
    with pytest.raises(InvalidInput):
        replay(ORDERS, stock=STOCK, products=PRODUCTS, profiles=[])
    with pytest.raises(InvalidInput):
        replay(ORDERS, stock=STOCK, products=PRODUCTS, profiles=[default_profile()] * 2)
    report = replay(ORDERS, stock=STOCK, products=PRODUCTS, profiles=[default_profile()])
    with pytest.raises(InvalidInput):
        report.outcome("nope")


def test_an_outcome_is_found_by_a_profile_name_that_holds_an_at_sign() -> None:
    at_two = RoutingProfile.of("a@2", ["nearest"])  # label "a@2@1"
    plain_a = RoutingProfile.of("a", ["nearest"], version=2)  # label "a@2"
    report = replay(ORDERS, stock=STOCK, products=PRODUCTS, profiles=[at_two])
    (alone,) = report.outcomes
    assert report.outcome("a@2") is alone
    assert report.outcome("a@2@1") is alone
    with pytest.raises(InvalidInput):
        report.outcome("a")
    both = replay(ORDERS, stock=STOCK, products=PRODUCTS, profiles=[at_two, plain_a])
    first, second = both.outcomes
    # A full label wins over a name that reads the same; a name is the whole part before "@version".
    assert both.outcome("a@2") is second
    assert both.outcome("a@2@1") is first
    assert both.outcome("a") is second


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"orders": None}, "orders"),
        ({"orders": ORDERS[0]}, "orders"),
        ({"orders": [None]}, "orders[0]"),
        ({"profiles": None}, "profiles"),
        ({"profiles": default_profile()}, "profiles"),
        ({"profiles": ["default"]}, "profiles[0]"),
        ({"co2": "x"}, "co2"),
        ({"locations": None}, "locations"),
        ({"stock": None}, "stock"),
        ({"stock": {"BEANS": [("AMS", 6)]}}, "stock.BEANS[0][0]"),
        ({"stock": {"BEANS": [(AMS, 6, 1)]}}, "stock.BEANS[0]"),
        ({"products": None}, "products"),
    ],
)
def test_bad_replay_arguments_are_typed_errors_naming_them(
    changes: dict[str, Any], path: str
) -> None:
    arguments: dict[str, Any] = {
        "orders": ORDERS,
        "stock": STOCK,
        "products": PRODUCTS,
        "profiles": [default_profile()],
    }
    with pytest.raises(InvalidInput) as error:
        replay(**{**arguments, **changes})
    assert error.value.path == path


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"orders": None}, "orders"),
        ({"origins": None}, "origins"),
        ({"stock": {"BEANS": [("AMS", 6)]}}, "stock.BEANS[0][0]"),
        ({"stock": {"BEANS": [(AMS, 6), (AMS, 1)]}}, "stock.BEANS[1]"),
        ({"locations": {"AMS": "x"}}, "locations"),
    ],
)
def test_bad_batch_arguments_are_typed_errors_naming_them(
    changes: dict[str, Any], path: str
) -> None:
    arguments: dict[str, Any] = {
        "orders": ORDERS,
        "profile": default_profile(),
        "stock": STOCK,
        "products": PRODUCTS,
        "origins": [HOME.point] * len(ORDERS),
    }
    with pytest.raises(InvalidInput) as error:
        route_batch(**{**arguments, **changes})
    assert error.value.path == path


def test_stock_rows_given_as_one_shot_iterables_are_read_once_and_routed() -> None:
    def rows() -> dict[str, Any]:
        return {"BEANS": iter([(AMS, 6), (UTR, 6), (DC, 50)])}

    expected = replay(ORDERS, stock=STOCK, products=PRODUCTS, profiles=[default_profile()])
    again = replay(ORDERS, stock=rows(), products=PRODUCTS, profiles=[default_profile()])
    assert again.outcomes[0].decisions == expected.outcomes[0].decisions
    together = route_batch(
        ORDERS,
        profile=default_profile(),
        stock=rows(),
        products=PRODUCTS,
        origins=[HOME.point] * len(ORDERS),
    )
    assert [d.fully_allocated for d in together.decisions] == [True] * len(ORDERS)
