"""VAT (F3): the EU rate table, the place of supply and the VAT on invoice lines."""

from __future__ import annotations

from omskit.tax.amounts import (
    Rounding,
    TaxableLine,
    VatBreakdown,
    VatLine,
    VatSubtotal,
    compute_vat,
    split_vat,
)
from omskit.tax.rates import EuVatRates
from omskit.tax.supply import (
    EXPORT_MENTION,
    OSS_THRESHOLD,
    REVERSE_CHARGE_MENTION,
    Sale,
    VatScheme,
    VatSettings,
    VatTreatment,
    place_of_supply,
)

__all__ = [
    "EXPORT_MENTION",
    "OSS_THRESHOLD",
    "REVERSE_CHARGE_MENTION",
    "EuVatRates",
    "Rounding",
    "Sale",
    "TaxableLine",
    "VatBreakdown",
    "VatLine",
    "VatScheme",
    "VatSettings",
    "VatSubtotal",
    "VatTreatment",
    "compute_vat",
    "place_of_supply",
    "split_vat",
]
