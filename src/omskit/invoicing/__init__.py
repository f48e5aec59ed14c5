"""Invoicing (F1-F6): when an order is invoiced, and what its documents say.

Invoice-trigger policies are in :mod:`omskit.invoicing.policy`, the
settings ``Oms(invoicing=...)`` takes in :mod:`omskit.invoicing.settings`
and the pure rules for which documents an order needs and what their lines
cost in :mod:`omskit.invoicing.documents`; VAT is in ``omskit.tax``
(:mod:`omskit.tax.supply`, :mod:`omskit.tax.amounts`).
"""

from omskit.invoicing.documents import DraftDocument, InvoicePreview, documents_due
from omskit.invoicing.policy import (
    DefaultInvoicePolicy,
    InvoiceDecision,
    InvoiceMoment,
    InvoicePolicy,
)
from omskit.invoicing.settings import InvoicingSettings

__all__ = [
    "DefaultInvoicePolicy",
    "DraftDocument",
    "InvoiceDecision",
    "InvoiceMoment",
    "InvoicePreview",
    "InvoicePolicy",
    "InvoicingSettings",
    "documents_due",
]
