"""How a shop invoices: its VAT set-up, rates, policy, rounding and numbering (F1-F4)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import attrs

from omskit.errors import InvalidInput
from omskit.invoicing.policy import DefaultInvoicePolicy, InvoicePolicy
from omskit.model._checks import check_identifier, instance_of
from omskit.money import Money, minor_unit_exponent, to_decimal
from omskit.ports import TaxRateProvider
from omskit.tax.amounts import Rounding
from omskit.tax.rates import EuVatRates
from omskit.tax.supply import VatSettings

__all__ = ["InvoicingSettings"]


def _protocol(kind: type, method: str) -> Any:
    def check(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not callable(getattr(value, method, None)):
            raise InvalidInput(
                f"must be a {kind.__name__} (an object with a {method}() method)",
                path=attribute.name,
                value=value,
            )

    return check


def _series(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    check_identifier(value, attribute.name)


def _width(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 12:
        raise InvalidInput("must be a whole number from 1 to 12", path=attribute.name, value=value)


def _opening(value: Mapping[int, Money]) -> dict[int, Money]:
    if not isinstance(value, Mapping):
        raise InvalidInput("must map years to EUR amounts", path="distance_sales_before")
    table: dict[int, Money] = {}
    for year, amount in value.items():
        path = f"distance_sales_before.{year}"
        if isinstance(year, bool) or not isinstance(year, int) or not 1970 <= year <= 9999:
            raise InvalidInput("must be a year", path=path, value=year)
        if not isinstance(amount, Money) or amount.currency != "EUR" or amount.is_negative():
            raise InvalidInput("must be a non-negative EUR amount", path=path, value=amount)
        table[year] = amount
    return table


def _eur_rates(value: Mapping[str, Decimal | str]) -> dict[str, Decimal]:
    if not isinstance(value, Mapping):
        raise InvalidInput("must map currency codes to EUR per unit", path="eur_rates")
    table: dict[str, Decimal] = {}
    for currency, rate in value.items():
        path = f"eur_rates.{currency}"
        minor_unit_exponent(currency)
        number = to_decimal(rate, path=path)
        if number <= 0:
            raise InvalidInput("must be positive (EUR per unit)", path=path, value=str(rate))
        table[currency] = number
    return table


@attrs.frozen
class InvoicingSettings:
    """What ``Oms(invoicing=...)`` needs to issue invoices and credit notes.

    - ``vat``: the seller's country, OSS threshold and opt-in (F3).
    - ``rates``: the :class:`~omskit.ports.TaxRateProvider` (default: the
      EU table, :class:`~omskit.tax.EuVatRates`).
    - ``policy``: when an order is invoiced (:mod:`omskit.invoicing.policy`).
    - ``rounding``: VAT rounded per line or per invoice.
    - ``prices_include_vat``: whether order unit prices include VAT
      (consumer prices); the VAT is then taken out of them.
    - ``invoice_series`` and ``credit_note_series``: the numbering series;
      numbers read ``INV-000001`` with ``number_width`` digits, gapless per
      series.
    - ``distance_sales_before``: EU distance sales per year made outside
      omskit (EUR, net), added to what omskit issued for the OSS threshold.
    - ``eur_rates``: EUR per unit of other currencies, to count their
      distance sales towards the threshold (an order in a currency without
      one, taxed by the threshold, is refused at placement).
    """

    vat: VatSettings = attrs.field(validator=instance_of(VatSettings))
    rates: TaxRateProvider = attrs.field(
        factory=EuVatRates, validator=_protocol(TaxRateProvider, "rate")
    )
    policy: InvoicePolicy = attrs.field(
        factory=DefaultInvoicePolicy, validator=_protocol(InvoicePolicy, "decide")
    )
    rounding: Rounding = attrs.field(default=Rounding.PER_LINE, validator=instance_of(Rounding))
    prices_include_vat: bool = attrs.field(default=False, validator=instance_of(bool))
    invoice_series: str = attrs.field(default="INV", validator=_series)
    credit_note_series: str = attrs.field(default="CN", validator=_series)
    number_width: int = attrs.field(default=6, validator=_width)
    distance_sales_before: Mapping[int, Money] = attrs.field(factory=dict, converter=_opening)
    eur_rates: Mapping[str, Decimal] = attrs.field(factory=dict, converter=_eur_rates)

    def __attrs_post_init__(self) -> None:
        if self.invoice_series == self.credit_note_series:
            raise InvalidInput("must differ from the invoice series", path="credit_note_series")

    def number(self, series: str, sequence: int) -> str:
        """The document number for the ``sequence``-th document of ``series``."""
        return f"{series}-{sequence:0{self.number_width}d}"

    def can_count(self, currency: str) -> bool:
        """Whether amounts in ``currency`` can be counted towards the OSS threshold."""
        return currency == "EUR" or currency in self.eur_rates

    def in_eur(self, amount: Money) -> Money:
        """``amount`` in EUR at ``eur_rates`` (rounded half-up to the cent).

        Raises :class:`~omskit.errors.InvalidInput` for a currency without a rate.
        """
        if amount.currency == "EUR":
            return amount
        if amount.currency not in self.eur_rates:
            raise InvalidInput(
                f"has no EUR rate to count distance sales in {amount.currency}",
                path=f"eur_rates.{amount.currency}",
            )
        return Money(amount.amount * self.eur_rates[amount.currency], "EUR").rounded(ROUND_HALF_UP)
