"""VAT amounts of invoice lines, rounded per line or per invoice, that always add up (F3).

Every line's net is its quantity times its unit price, rounded half-up to the
currency's minor unit. Per line, each line's VAT is its net times its rate,
rounded. Per invoice, the VAT of each rate is computed once on the sum of its
nets and rounded, then shared over the lines of that rate by largest
remainder (:func:`split_vat`), so the lines still add up to the totals.
Either way net + VAT = gross, for every line, every rate and the invoice.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum

import attrs

from omskit.errors import InvalidInput
from omskit.model._checks import identifier, instance_of, positive_int
from omskit.model.billing import LineTotals
from omskit.model.catalog import TaxCategory
from omskit.money import Money, sum_money
from omskit.ports import TaxRateProvider
from omskit.tax.supply import VatTreatment

__all__ = [
    "Rounding",
    "TaxableLine",
    "VatBreakdown",
    "VatLine",
    "VatSubtotal",
    "compute_vat",
    "split_vat",
]


class Rounding(StrEnum):
    """Where VAT is rounded to the minor unit."""

    PER_LINE = "per_line"
    PER_INVOICE = "per_invoice"


@attrs.frozen
class TaxableLine:
    """A line to tax: an id of the caller's, a quantity, a net unit price and a tax category."""

    line_id: str = attrs.field(validator=identifier)
    quantity: int = attrs.field(validator=positive_int)
    unit_price: Money = attrs.field(validator=instance_of(Money))
    category: TaxCategory = attrs.field(
        default=TaxCategory.STANDARD, validator=instance_of(TaxCategory)
    )

    @unit_price.validator
    def _not_negative(self, attribute: attrs.Attribute[object], value: Money) -> None:
        if value.is_negative():
            raise InvalidInput(
                "must not be negative (discounts are lines of their own)",
                path=attribute.name,
                value=str(value.amount),
            )


class _Gross:
    net: Money
    vat: Money

    @property
    def gross(self) -> Money:
        """Net plus VAT."""
        return self.net + self.vat


@attrs.frozen
class VatLine(_Gross):
    """A taxed line: its rate, net and VAT in the currency's minor unit."""

    line_id: str
    category: TaxCategory
    rate: Decimal
    net: Money
    vat: Money


@attrs.frozen
class VatSubtotal(_Gross):
    """The lines of one rate added up, as an invoice shows them."""

    rate: Decimal
    net: Money
    vat: Money


@attrs.frozen
class VatBreakdown(LineTotals):
    """The VAT of a set of lines under one :class:`~omskit.tax.supply.VatTreatment`."""

    treatment: VatTreatment
    rounding: Rounding
    currency: str
    lines: tuple[VatLine, ...]
    subtotals: tuple[VatSubtotal, ...]
    """One per rate, highest rate first; their VAT adds up to ``vat_total``."""


def _checked_currency(lines: Sequence[TaxableLine]) -> str:
    if not lines:
        raise InvalidInput("must have at least one line", path="lines")
    currency = lines[0].unit_price.currency
    for index, line in enumerate(lines):
        if not isinstance(line, TaxableLine):
            raise InvalidInput("must be a TaxableLine", path=f"lines[{index}]", value=line)
        if line.unit_price.currency != currency:
            raise InvalidInput(
                f"differs from the first line's currency {currency}",
                path=f"lines[{index}].unit_price.currency",
                value=line.unit_price.currency,
            )
    return currency


def _factor(rate: Decimal, included: bool) -> Decimal:
    """The share of a base that is VAT: the rate on a net base, rate / (1 + rate) on a gross one."""
    return rate / (1 + rate) if included else rate


def split_vat(
    bases: Sequence[Money],
    rates: Sequence[Decimal],
    rounding: Rounding = Rounding.PER_LINE,
    *,
    included: bool = False,
) -> tuple[Money, ...]:
    """The VAT in each of ``bases`` (one rate each), in the currency's minor unit.

    A base is a net amount, or a gross one when ``included`` (prices that
    include VAT: the VAT is ``base * rate / (1 + rate)`` and the net the
    rest). Bases may be negative (discount lines). Per line, each VAT is
    rounded half-up on its own. Per invoice, the VAT of each rate is rounded
    once on the sum of its bases, then shared over its lines by largest
    remainder (each line gets its exact VAT rounded down or up by one minor
    unit), so the lines add up to the rate's total.
    """
    if len(bases) != len(rates):
        raise InvalidInput("needs one rate per base", path="rates")
    if not bases:
        return ()
    currency = bases[0].currency
    exact = [base.amount * _factor(rate, included) for base, rate in zip(bases, rates, strict=True)]
    minor = [value.scaleb(bases[0].exponent) for value in exact]
    if rounding is Rounding.PER_LINE:
        return tuple(
            Money.from_minor(int(value.to_integral_value(ROUND_HALF_UP)), currency)
            for value in minor
        )
    shares = [int(value.to_integral_value(ROUND_FLOOR)) for value in minor]
    for rate in dict.fromkeys(rates):
        members = [i for i, r in enumerate(rates) if r == rate]
        total = int(sum((minor[i] for i in members), Decimal(0)).to_integral_value(ROUND_HALF_UP))
        leftover = total - sum(shares[i] for i in members)
        by_remainder = sorted(members, key=lambda i: (-(minor[i] - shares[i]), i))
        for i in by_remainder[:leftover]:
            shares[i] += 1
    return tuple(Money.from_minor(share, currency) for share in shares)


def compute_vat(
    lines: Sequence[TaxableLine],
    *,
    treatment: VatTreatment,
    rates: TaxRateProvider,
    rounding: Rounding = Rounding.PER_LINE,
    included: bool = False,
) -> VatBreakdown:
    """Tax ``lines`` under ``treatment`` with rates from ``rates``, rounding as asked.

    With ``included``, unit prices include VAT (consumer prices): the VAT is
    taken out of each line's amount and the net is what remains (see
    :func:`split_vat`).

    Raises :class:`~omskit.errors.InvalidInput` for no lines or lines in
    several currencies, and whatever ``rates`` raises for a rate it lacks
    (:class:`~omskit.errors.NotFound`).
    """
    currency = _checked_currency(lines)
    rated = [(line, treatment.rate(line.category, rates)) for line in lines]
    bases = [(line.unit_price * line.quantity).rounded(ROUND_HALF_UP) for line in lines]
    vats = split_vat(bases, [rate for _, rate in rated], rounding, included=included)
    taxed = tuple(
        VatLine(line.line_id, line.category, rate, base - vat if included else base, vat)
        for (line, rate), base, vat in zip(rated, bases, vats, strict=True)
    )
    subtotals = tuple(
        VatSubtotal(
            rate,
            sum_money([t.net for t in taxed if t.rate == rate], currency),
            sum_money([t.vat for t in taxed if t.rate == rate], currency),
        )
        for rate in sorted({t.rate for t in taxed}, reverse=True)
    )
    return VatBreakdown(treatment, rounding, currency, taxed, subtotals)
