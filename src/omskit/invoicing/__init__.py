"""Invoicing (F1-F6): when an order is invoiced.

Invoice-trigger policies are in :mod:`omskit.invoicing.policy`; VAT is in
``omskit.tax`` (:mod:`omskit.tax.supply`, :mod:`omskit.tax.amounts`).
"""

from omskit.invoicing.policy import (
    DefaultInvoicePolicy,
    InvoiceDecision,
    InvoiceMoment,
    InvoicePolicy,
)

__all__ = ["DefaultInvoicePolicy", "InvoiceDecision", "InvoiceMoment", "InvoicePolicy"]
