"""The product-page answer (A4)."""

from __future__ import annotations

from datetime import date

import pytest

from omskit.availability import (
    Availability,
    DeliveryOption,
    LocationAvailability,
    StockStatus,
    SupplyShares,
    future_supply,
    product_page,
)
from omskit.errors import InvalidInput
from omskit.geo import GeoPoint
from omskit.model import (
    Capability,
    Channel,
    Location,
    LocationKind,
    PurchaseOrder,
    PurchaseOrderLine,
)

AMS = Location(
    "AMS",
    "Store Amsterdam",
    LocationKind.STORE,
    GeoPoint(52.37, 4.89),
    "NL",
    {Capability.SHIP, Capability.CLICK_AND_COLLECT},
)
UTR = Location(
    "UTR",
    "Store Utrecht",
    LocationKind.STORE,
    GeoPoint(52.09, 5.12),
    "NL",
    {Capability.CLICK_AND_COLLECT},
)
DC = Location("DC", "DC Tilburg", LocationKind.DISTRIBUTION_CENTRE, GeoPoint(51.56, 5.09), "NL")
LOCATIONS = {loc.location_id: loc for loc in (AMS, UTR, DC)}


def availability(**sellable: int) -> Availability:
    entries = tuple(LocationAvailability(loc, qty, qty) for loc, qty in sorted(sellable.items()))
    return Availability("SKU-1", Channel.WEB, sum(sellable.values()), entries)


def test_each_location_shows_in_stock_low_or_out() -> None:
    page = product_page(availability(AMS=2, UTR=0, DC=40), LOCATIONS, low_stock_below=3)
    statuses = {entry.location_id: entry.status for entry in page.locations}
    assert statuses == {
        "AMS": StockStatus.LOW_STOCK,
        "UTR": StockStatus.OUT_OF_STOCK,
        "DC": StockStatus.IN_STOCK,
    }
    assert page.total == 42
    assert page.status is StockStatus.IN_STOCK


def test_collect_locations_with_stock_are_listed_nearest_first() -> None:
    shopper = GeoPoint(52.10, 5.10)  # Utrecht
    page = product_page(availability(AMS=3, UTR=1, DC=0), LOCATIONS, near=shopper)
    assert [e.location_id for e in page.collect_at] == ["UTR", "AMS"]
    assert [e.location_id for e in page.locations] == ["UTR", "AMS", "DC"]
    assert page.collect_at[0].distance_km is not None
    assert page.collect_at[0].distance_km < 5
    assert page.options == {DeliveryOption.SHIP, DeliveryOption.CLICK_AND_COLLECT}


def test_stock_only_at_a_collect_only_store_offers_no_shipping() -> None:
    page = product_page(availability(UTR=2), LOCATIONS)
    assert page.options == {DeliveryOption.CLICK_AND_COLLECT}


def test_only_future_supply_remains_when_nothing_is_sellable() -> None:
    supply = [
        PurchaseOrder("PO-2", "SUP", "DC", date(2026, 3, 1), [PurchaseOrderLine("SKU-1", 20)]),
        PurchaseOrder("PO-1", "SUP", "DC", date(2026, 2, 1), [PurchaseOrderLine("SKU-1", 5, 5)]),
        PurchaseOrder("PO-3", "SUP", "DC", date(2026, 2, 15), [PurchaseOrderLine("SKU-1", 8, 2)]),
        PurchaseOrder("PO-4", "SUP", "DC", date(2026, 1, 9), [PurchaseOrderLine("OTHER", 9)]),
    ]
    future = future_supply("SKU-1", supply)
    page = product_page(availability(DC=0), LOCATIONS, future=future)
    assert page.status is StockStatus.OUT_OF_STOCK
    assert page.options == frozenset()
    assert page.future_supply == 26
    assert page.next_expected_on == date(2026, 2, 15)
    assert page.only_future_supply
    assert not product_page(availability(DC=1), LOCATIONS, future=future).only_future_supply


def test_the_page_shows_future_supply_net_of_promises_and_shares() -> None:
    supply = [
        PurchaseOrder("PO-2", "SUP", "DC", date(2026, 3, 1), [PurchaseOrderLine("SKU-1", 20)])
    ]
    future = future_supply("SKU-1", supply, shares=SupplyShares(purchase_order="0.5"), promised=4)
    page = product_page(availability(DC=0), LOCATIONS, future=future)
    assert page.future_supply == 6


def test_the_supply_of_another_sku_is_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        product_page(availability(DC=0), LOCATIONS, future=future_supply("OTHER", []))
    assert error.value.path == "future"


@pytest.mark.parametrize("bad", [0, -1, True, "3"])
def test_a_bad_low_stock_threshold_is_refused(bad: object) -> None:
    with pytest.raises(InvalidInput) as error:
        product_page(availability(DC=1), LOCATIONS, low_stock_below=bad)  # type: ignore[arg-type]
    assert error.value.path == "low_stock_below"
