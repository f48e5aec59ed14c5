"""Place of supply: which country's VAT applies to a sale, under which scheme (F3).

Pure rules, explained in the result:

- a sale within the seller's country is **domestic**: the seller's rate;
- a cross-border sale to a consumer in another member state is taxed where
  the goods arrive, under the One-Stop-Shop (**OSS**), once the seller's
  EU-wide distance sales of the year exceed the EUR 10 000 threshold (or
  exceeded it last year, or the seller opted in); below it, the seller's
  rate applies (**below threshold**);
- a sale to a business in another member state that quotes a VAT id is an
  exempt intra-Community supply, the buyer accounts for the VAT
  (**reverse charge**, 0 %). Only the VAT id's format is checked
  (:func:`~omskit.model.parties.is_vat_id`); checking that it is registered
  (VIES) is the caller's task;
- goods leaving the EU are an **export**: zero-rated.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

import attrs

from omskit.countries import EU_MEMBER_STATES, is_country_code
from omskit.errors import InvalidInput
from omskit.model._checks import instance_of, text
from omskit.model.catalog import TaxCategory
from omskit.model.parties import CustomerType, _vat_id
from omskit.money import Money
from omskit.ports import TaxRateProvider

__all__ = [
    "EXPORT_MENTION",
    "OSS_THRESHOLD",
    "REVERSE_CHARGE_MENTION",
    "Sale",
    "VatScheme",
    "VatSettings",
    "VatTreatment",
    "place_of_supply",
]

OSS_THRESHOLD: Final = Money("10000", "EUR")
"""EU-wide yearly distance sales below which the seller's own rate applies (Art. 59c)."""

REVERSE_CHARGE_MENTION: Final = (
    "Exempt intra-Community supply of goods (Article 138 Council Directive 2006/112/EC); "
    "reverse charge: VAT to be accounted for by the recipient"
)
"""The default invoice mention for a B2B intra-EU supply of goods (Art. 226(11) and (11a))."""

EXPORT_MENTION: Final = (
    "Export outside the EU: exempt from VAT (Article 146 Council Directive 2006/112/EC)"
)
"""The default invoice mention for an export."""


class VatScheme(StrEnum):
    """Why a sale is taxed where it is."""

    DOMESTIC = "domestic"
    OSS = "oss"
    BELOW_THRESHOLD = "below_threshold"
    REVERSE_CHARGE = "reverse_charge"
    EXPORT = "export"


def _member_state(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value not in EU_MEMBER_STATES:
        raise InvalidInput(
            "must be an EU member state (ISO code)", path=attribute.name, value=value
        )


def _country(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not is_country_code(value):
        raise InvalidInput("must be an ISO 3166-1 alpha-2 code", path=attribute.name, value=value)


def _eur(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Money):
        raise InvalidInput("must be Money", path=attribute.name, value=value)
    if value.currency != "EUR":
        raise InvalidInput("must be in EUR", path=f"{attribute.name}.currency", value=value)
    if value.is_negative():
        raise InvalidInput("must not be negative", path=attribute.name, value=str(value.amount))


@attrs.frozen
class VatSettings:
    """The seller's VAT set-up: where it is established, the OSS threshold and opt-in."""

    seller_country: str = attrs.field(validator=_member_state)
    oss_threshold: Money = attrs.field(default=OSS_THRESHOLD, validator=_eur)
    oss_opted_in: bool = attrs.field(default=False, validator=instance_of(bool))
    """Tax every cross-border consumer sale where it arrives, even below the threshold."""
    reverse_charge_mention: str = attrs.field(default=REVERSE_CHARGE_MENTION, validator=text)
    export_mention: str = attrs.field(default=EXPORT_MENTION, validator=text)


@attrs.frozen
class Sale:
    """What the place of supply depends on: the buyer, where the goods go, and when.

    ``eu_distance_sales`` is the seller's total of cross-border consumer sales
    within the EU in the calendar year, net of VAT, in EUR, including this
    sale; ``exceeded_last_year`` says whether last year's total passed the
    threshold (the destination rules then apply from the first sale).
    """

    destination: str = attrs.field(validator=_country)
    supply_date: date = attrs.field(validator=instance_of(date))
    customer_type: CustomerType = attrs.field(
        default=CustomerType.B2C, validator=instance_of(CustomerType)
    )
    vat_id: str | None = attrs.field(default=None, validator=_vat_id)
    eu_distance_sales: Money = attrs.field(default=Money.zero("EUR"), validator=_eur)
    exceeded_last_year: bool = attrs.field(default=False, validator=instance_of(bool))


@attrs.frozen
class VatTreatment:
    """The place-of-supply decision for a sale, explained.

    ``country`` is the member state whose VAT applies (the seller's for an
    export or a reverse-charged supply, whose rate is 0); ``mention`` is the
    text the invoice must carry, if any.
    """

    country: str
    scheme: VatScheme
    supply_date: date
    reason: str
    mention: str | None = None

    @property
    def zero_rated(self) -> bool:
        """Whether every line of the sale is at 0 % whatever its tax category."""
        return self.scheme in (VatScheme.REVERSE_CHARGE, VatScheme.EXPORT)

    def rate(self, category: TaxCategory, rates: TaxRateProvider) -> Decimal:
        """The rate of a line of ``category`` under this treatment, from ``rates``."""
        if self.zero_rated:
            return Decimal(0)
        return rates.rate(self.country, category, on=self.supply_date)


def _vat_id_state(vat_id: str) -> str:
    prefix = vat_id[:2]
    return "GR" if prefix == "EL" else prefix


def place_of_supply(settings: VatSettings, sale: Sale) -> VatTreatment:
    """Decide which country's VAT applies to ``sale`` and under which :class:`VatScheme`."""
    seller, destination, on = settings.seller_country, sale.destination, sale.supply_date
    if destination not in EU_MEMBER_STATES:
        return VatTreatment(
            seller,
            VatScheme.EXPORT,
            on,
            f"goods leave the EU for {destination}",
            settings.export_mention,
        )
    if destination == seller:
        return VatTreatment(seller, VatScheme.DOMESTIC, on, f"sale within {seller}")
    if (
        sale.customer_type is CustomerType.B2B
        and sale.vat_id is not None
        and _vat_id_state(sale.vat_id) in EU_MEMBER_STATES - {seller}
    ):
        return VatTreatment(
            seller,
            VatScheme.REVERSE_CHARGE,
            on,
            f"business in {destination} with VAT id {sale.vat_id}",
            settings.reverse_charge_mention,
        )
    total, threshold = sale.eu_distance_sales, settings.oss_threshold
    if settings.oss_opted_in:
        why = "the seller opted in to destination taxation"
    elif sale.exceeded_last_year:
        why = f"last year's EU distance sales exceeded {threshold}"
    elif total > threshold:
        why = f"EU distance sales this year ({total}) exceed {threshold}"
    else:
        return VatTreatment(
            seller,
            VatScheme.BELOW_THRESHOLD,
            on,
            f"EU distance sales this year ({total}) do not exceed {threshold}",
        )
    return VatTreatment(destination, VatScheme.OSS, on, f"distance sale to {destination}: {why}")
