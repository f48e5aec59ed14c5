"""VAT amounts: rounding per line or per invoice, totals that add up, typed errors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omskit.errors import InvalidInput, NotFound
from omskit.model.catalog import TaxCategory
from omskit.money import Money
from omskit.tax import (
    EuVatRates,
    Rounding,
    Sale,
    TaxableLine,
    VatSettings,
    compute_vat,
    place_of_supply,
)

RATES = EuVatRates()
DUTCH = place_of_supply(VatSettings(seller_country="NL"), Sale("NL", date(2025, 3, 1)))
EXPORT = place_of_supply(VatSettings(seller_country="NL"), Sale("US", date(2025, 3, 1)))


def line(line_id: str, price: str, quantity: int = 1, category: str = "standard") -> TaxableLine:
    return TaxableLine(line_id, quantity, Money(price, "EUR"), TaxCategory(category))


def test_per_line_rounds_each_line_half_up() -> None:
    lines = [line("a", "0.10"), line("b", "0.10"), line("c", "0.10")]
    result = compute_vat(lines, treatment=DUTCH, rates=RATES)
    assert [v.vat.amount for v in result.lines] == [Decimal("0.02")] * 3  # 0.021 each
    assert result.vat_total == Money("0.06", "EUR")


def test_per_invoice_rounds_once_per_rate_and_shares_it_over_the_lines() -> None:
    lines = [line("a", "0.10"), line("b", "0.10"), line("c", "0.10")]
    result = compute_vat(lines, treatment=DUTCH, rates=RATES, rounding=Rounding.PER_INVOICE)
    assert result.vat_total == Money("0.06", "EUR")  # 0.063
    many = [line(str(i), "0.05") for i in range(10)]  # 0.0105 each, 0.105 in all
    per_line = compute_vat(many, treatment=DUTCH, rates=RATES)
    per_invoice = compute_vat(many, treatment=DUTCH, rates=RATES, rounding=Rounding.PER_INVOICE)
    assert per_line.vat_total == Money("0.10", "EUR")
    assert per_invoice.vat_total == Money("0.11", "EUR")
    assert sum(v.vat.amount for v in per_invoice.lines) == Decimal("0.11")


def test_half_a_cent_rounds_up() -> None:
    result = compute_vat([line("a", "0.50", 5)], treatment=DUTCH, rates=RATES)  # 2.50 * 0.21
    assert result.lines[0].vat == Money("0.53", "EUR")  # 0.525


def test_subtotals_per_rate_highest_first() -> None:
    lines = [line("a", "10"), line("b", "20", category="reduced"), line("c", "5")]
    result = compute_vat(lines, treatment=DUTCH, rates=RATES)
    assert [(s.rate, s.net.amount, s.vat.amount) for s in result.subtotals] == [
        (Decimal("0.21"), Decimal("15"), Decimal("3.15")),
        (Decimal("0.09"), Decimal("20"), Decimal("1.80")),
    ]
    assert result.gross_total == Money("39.95", "EUR")


def test_an_export_is_zero_rated_whatever_the_category() -> None:
    result = compute_vat(
        [line("a", "10"), line("b", "5", category="reduced")], treatment=EXPORT, rates=RATES
    )
    assert result.vat_total.is_zero()
    assert [s.rate for s in result.subtotals] == [Decimal(0)]


def test_zero_priced_lines_are_taxed_at_zero_in_both_modes() -> None:
    for rounding in Rounding:
        result = compute_vat([line("a", "0")], treatment=DUTCH, rates=RATES, rounding=rounding)
        assert result.vat_total.is_zero()


def test_lines_in_two_currencies_are_invalid_input() -> None:
    usd = TaxableLine("b", 1, Money("1", "USD"))
    with pytest.raises(InvalidInput) as caught:
        compute_vat([line("a", "1"), usd], treatment=DUTCH, rates=RATES)
    assert caught.value.path == "lines[1].unit_price.currency"


def test_no_lines_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        compute_vat([], treatment=DUTCH, rates=RATES)


def test_a_negative_price_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as caught:
        line("a", "-0.01")
    assert caught.value.path == "unit_price"


def test_a_supply_date_before_the_table_is_not_found() -> None:
    old = place_of_supply(VatSettings(seller_country="NL"), Sale("NL", date(2020, 1, 1)))
    with pytest.raises(NotFound):
        compute_vat([line("a", "1")], treatment=old, rates=RATES)


PRICES = st.decimals(min_value=0, max_value=10_000, places=4, allow_nan=False, allow_infinity=False)
LINES = st.lists(
    st.builds(
        lambda i, price, qty, cat: TaxableLine(f"l{i}", qty, Money(price, "EUR"), cat),
        st.integers(0, 10**6),
        PRICES,
        st.integers(1, 50),
        st.sampled_from(list(TaxCategory)),
    ),
    min_size=1,
    max_size=12,
)


@given(
    lines=LINES,
    rounding=st.sampled_from(list(Rounding)),
    country=st.sampled_from(["FI", "NL", "LU"]),
)
def test_totals_always_add_up(lines: list[TaxableLine], rounding: Rounding, country: str) -> None:
    treatment = place_of_supply(
        VatSettings(seller_country=country), Sale(country, date(2025, 3, 1))
    )
    result = compute_vat(lines, treatment=treatment, rates=RATES, rounding=rounding)
    assert all(v.net.is_rounded() and v.vat.is_rounded() for v in result.lines)
    assert all(v.gross == v.net + v.vat for v in result.lines)
    assert result.gross_total == result.net_total + result.vat_total
    assert sum(s.net.amount for s in result.subtotals) == result.net_total.amount
    assert sum(s.vat.amount for s in result.subtotals) == result.vat_total.amount
    assert sum(s.gross.amount for s in result.subtotals) == result.gross_total.amount
    for subtotal in result.subtotals:
        exact = subtotal.net.amount * subtotal.rate
        if rounding is Rounding.PER_INVOICE:
            assert abs(subtotal.vat.amount - exact) <= Decimal("0.005")
        else:
            members = [v for v in result.lines if v.rate == subtotal.rate]
            assert abs(subtotal.vat.amount - exact) <= Decimal("0.005") * len(members)
