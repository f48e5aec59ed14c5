"""Place of supply: domestic, OSS, below the threshold, reverse charge, export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from omskit.errors import InvalidInput
from omskit.model.catalog import TaxCategory
from omskit.model.parties import CustomerType
from omskit.money import Money
from omskit.tax import (
    EXPORT_MENTION,
    REVERSE_CHARGE_MENTION,
    EuVatRates,
    Sale,
    VatScheme,
    VatSettings,
    place_of_supply,
)

RATES = EuVatRates()
DUTCH = VatSettings(seller_country="NL")
DAY = date(2025, 3, 1)


def consumer_in(country: str, sales: str = "0") -> Sale:
    return Sale(destination=country, supply_date=DAY, eu_distance_sales=Money(sales, "EUR"))


def test_a_dutch_seller_charges_german_vat_to_a_german_consumer_above_the_threshold() -> None:
    treatment = place_of_supply(DUTCH, consumer_in("DE", "10000.01"))
    assert (treatment.country, treatment.scheme) == ("DE", VatScheme.OSS)
    assert treatment.rate(TaxCategory.STANDARD, RATES) == Decimal("0.19")
    assert treatment.mention is None


def test_a_dutch_seller_charges_dutch_vat_below_the_threshold() -> None:
    treatment = place_of_supply(DUTCH, consumer_in("DE", "10000"))
    assert (treatment.country, treatment.scheme) == ("NL", VatScheme.BELOW_THRESHOLD)
    assert treatment.rate(TaxCategory.STANDARD, RATES) == Decimal("0.21")


def test_a_seller_who_opted_in_charges_german_vat_below_the_threshold() -> None:
    opted_in = VatSettings(seller_country="NL", oss_opted_in=True)
    treatment = place_of_supply(opted_in, consumer_in("DE"))
    assert (treatment.country, treatment.scheme) == ("DE", VatScheme.OSS)
    assert "opted in" in treatment.reason


def test_exceeding_the_threshold_last_year_means_destination_vat_from_the_first_sale() -> None:
    sale = Sale(destination="DE", supply_date=DAY, exceeded_last_year=True)
    assert place_of_supply(DUTCH, sale).scheme is VatScheme.OSS


def test_the_threshold_is_a_setting() -> None:
    low = VatSettings(seller_country="NL", oss_threshold=Money("500", "EUR"))
    assert place_of_supply(low, consumer_in("DE", "600")).scheme is VatScheme.OSS


def test_a_domestic_sale_uses_the_sellers_rate_whatever_the_buyer() -> None:
    business = Sale(
        destination="NL", supply_date=DAY, customer_type=CustomerType.B2B, vat_id="NL123456789B01"
    )
    for sale in (consumer_in("NL", "50000"), business):
        treatment = place_of_supply(DUTCH, sale)
        assert (treatment.country, treatment.scheme) == ("NL", VatScheme.DOMESTIC)
        assert treatment.rate(TaxCategory.REDUCED, RATES) == Decimal("0.09")


def test_a_belgian_business_with_a_vat_id_gets_reverse_charge() -> None:
    sale = Sale(
        destination="BE", supply_date=DAY, customer_type=CustomerType.B2B, vat_id="BE0123456789"
    )
    treatment = place_of_supply(DUTCH, sale)
    assert treatment.scheme is VatScheme.REVERSE_CHARGE
    assert treatment.rate(TaxCategory.STANDARD, RATES) == 0
    assert treatment.mention == REVERSE_CHARGE_MENTION
    assert "Article 138" in REVERSE_CHARGE_MENTION


def test_a_greek_vat_id_uses_the_el_prefix() -> None:
    sale = Sale(
        destination="GR", supply_date=DAY, customer_type=CustomerType.B2B, vat_id="EL123456789"
    )
    assert place_of_supply(DUTCH, sale).scheme is VatScheme.REVERSE_CHARGE


def test_a_business_without_a_vat_id_is_taxed_like_a_consumer() -> None:
    sale = Sale(destination="BE", supply_date=DAY, customer_type=CustomerType.B2B)
    assert place_of_supply(DUTCH, sale).scheme is VatScheme.BELOW_THRESHOLD


def test_a_vat_id_of_the_sellers_own_country_gives_no_reverse_charge() -> None:
    sale = Sale(
        destination="BE", supply_date=DAY, customer_type=CustomerType.B2B, vat_id="NL123456789B01"
    )
    assert place_of_supply(DUTCH, sale).scheme is VatScheme.BELOW_THRESHOLD


@pytest.mark.parametrize("country", ["US", "CH"])
@pytest.mark.parametrize("customer_type", list(CustomerType))
def test_an_export_outside_the_eu_is_zero_rated_with_the_export_mention(
    country: str, customer_type: CustomerType
) -> None:
    sale = Sale(destination=country, supply_date=DAY, customer_type=customer_type)
    treatment = place_of_supply(DUTCH, sale)
    assert (treatment.country, treatment.scheme) == ("NL", VatScheme.EXPORT)
    assert treatment.rate(TaxCategory.STANDARD, RATES) == 0
    assert treatment.mention == EXPORT_MENTION


def test_the_rate_follows_the_supply_date() -> None:
    finnish = VatSettings(seller_country="FI")
    before = Sale(destination="FI", supply_date=date(2024, 8, 31))
    after = Sale(destination="FI", supply_date=date(2024, 9, 1))
    assert place_of_supply(finnish, before).rate(TaxCategory.STANDARD, RATES) == Decimal("0.24")
    assert place_of_supply(finnish, after).rate(TaxCategory.STANDARD, RATES) == Decimal("0.255")


@pytest.mark.parametrize(
    ("make", "path"),
    [
        (lambda: VatSettings(seller_country="US"), "seller_country"),
        (lambda: VatSettings(seller_country="XX"), "seller_country"),
        (lambda: Sale(destination="XX", supply_date=DAY), "destination"),
        (lambda: Sale(destination="de", supply_date=DAY), "destination"),
        (lambda: Sale(destination="DE", supply_date=DAY, vat_id="not a vat id"), "vat_id"),
        (lambda: Sale(destination="DE", supply_date=DAY, vat_id="GR123456789"), "vat_id"),
        (
            lambda: Sale(destination="DE", supply_date=DAY, eu_distance_sales=Money("1", "USD")),
            "eu_distance_sales.currency",
        ),
        (
            lambda: Sale(destination="DE", supply_date=DAY, eu_distance_sales=Money("-1", "EUR")),
            "eu_distance_sales",
        ),
    ],
)
def test_bad_input_is_a_typed_error_naming_the_field(make: Callable[[], object], path: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        make()
    assert caught.value.path == path
