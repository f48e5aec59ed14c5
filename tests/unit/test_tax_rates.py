"""The default EU VAT rate table and its provider."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from importlib import resources

import pytest

from omskit.countries import EU_MEMBER_STATES
from omskit.errors import InvalidInput, NotFound
from omskit.model.catalog import TaxCategory
from omskit.ports import TaxRateProvider
from omskit.tax import EuVatRates

RATES = EuVatRates()


def test_every_member_state_has_a_standard_and_a_reduced_rate_from_the_table_start() -> None:
    assert RATES.countries == EU_MEMBER_STATES
    for country in EU_MEMBER_STATES:
        for category in (TaxCategory.STANDARD, TaxCategory.REDUCED):
            rate = RATES.rate(country, category, on=date(2023, 1, 1))
            assert Decimal(0) < rate < Decimal(1), (country, category)


def test_the_reduced_rate_is_never_above_the_standard_rate() -> None:
    for country in EU_MEMBER_STATES:
        for day in (date(2023, 1, 1), date(2024, 9, 1), date(2026, 1, 1)):
            standard = RATES.rate(country, TaxCategory.STANDARD, on=day)
            assert RATES.rate(country, TaxCategory.REDUCED, on=day) <= standard


def test_the_data_file_names_its_sources() -> None:
    data = json.loads(resources.files("omskit.tax").joinpath("eu_vat_rates.json").read_text())
    assert any("VAT rates applied in the Member States" in s for s in data["sources"])
    assert any("TEDB" in s for s in data["sources"])
    assert RATES.sources == tuple(data["sources"])


def test_finland_charges_25_5_percent_on_supplies_from_1_september_2024() -> None:
    assert RATES.rate("FI", TaxCategory.STANDARD, on=date(2024, 8, 31)) == Decimal("0.24")
    assert RATES.rate("FI", TaxCategory.STANDARD, on=date(2024, 9, 1)) == Decimal("0.255")


@pytest.mark.parametrize(
    ("country", "category", "before", "after", "day"),
    [
        ("EE", TaxCategory.STANDARD, "0.20", "0.22", date(2024, 1, 1)),
        ("EE", TaxCategory.STANDARD, "0.22", "0.24", date(2025, 7, 1)),
        ("SK", TaxCategory.STANDARD, "0.20", "0.23", date(2025, 1, 1)),
        ("SK", TaxCategory.REDUCED, "0.10", "0.05", date(2025, 1, 1)),
        ("RO", TaxCategory.STANDARD, "0.19", "0.21", date(2025, 8, 1)),
        ("RO", TaxCategory.REDUCED, "0.09", "0.11", date(2025, 8, 1)),
        ("CZ", TaxCategory.REDUCED, "0.15", "0.12", date(2024, 1, 1)),
        ("LU", TaxCategory.STANDARD, "0.16", "0.17", date(2024, 1, 1)),
        ("FI", TaxCategory.REDUCED, "0.14", "0.135", date(2026, 1, 1)),
        ("LT", TaxCategory.REDUCED, "0.09", "0.12", date(2026, 1, 1)),
    ],
)
def test_a_rate_change_applies_from_its_date(
    country: str, category: TaxCategory, before: str, after: str, day: date
) -> None:
    previous = date.fromordinal(day.toordinal() - 1)
    assert RATES.rate(country, category, on=previous) == Decimal(before)
    assert RATES.rate(country, category, on=day) == Decimal(after)


def test_the_zero_category_is_zero_everywhere() -> None:
    for country in EU_MEMBER_STATES:
        assert RATES.rate(country, TaxCategory.ZERO, on=date(2025, 1, 1)) == 0


@pytest.mark.parametrize("category", list(TaxCategory))
def test_an_unknown_country_or_a_date_before_the_table_is_not_found(
    category: TaxCategory,
) -> None:
    with pytest.raises(NotFound):
        RATES.rate("US", category, on=date(2025, 1, 1))
    with pytest.raises(NotFound):
        RATES.rate("NL", category, on=date(2022, 12, 31))


def test_the_provider_satisfies_the_port_and_takes_a_table_of_your_own() -> None:
    rates = EuVatRates(
        {
            "countries": {
                "NL": {"standard": [["2020-01-01", "21"]], "reduced": [["2020-01-01", "9"]]}
            }
        }
    )
    assert isinstance(rates, TaxRateProvider)
    assert rates.rate("NL", TaxCategory.REDUCED, on=date(2020, 1, 1)) == Decimal("0.09")
    assert rates.history("NL", TaxCategory.STANDARD) == ((date(2020, 1, 1), Decimal("0.21")),)


@pytest.mark.parametrize(
    "rows",
    [
        [],
        [["2020-13-01", "21"]],
        [["2020-01-01", "x"]],
        [["2021-01-01", "21"], ["2020-01-01", "20"]],
    ],
)
def test_a_malformed_table_is_invalid_input(rows: list[list[str]]) -> None:
    with pytest.raises(InvalidInput):
        EuVatRates({"countries": {"NL": {"standard": rows, "reduced": [["2020-01-01", "9"]]}}})
