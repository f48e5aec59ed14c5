"""Invoices, credit notes and payments (F1-F6)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import attrs

from omskit.errors import InvalidInput
from omskit.model._checks import (
    aware_datetime,
    currency_code,
    identifier,
    instance_of,
    items_of,
    optional_calendar_date,
    optional_identifier,
    optional_text,
    positive_int,
    text,
    to_tuple,
)
from omskit.money import Money, to_decimal

__all__ = [
    "DocumentKind",
    "Invoice",
    "InvoiceLine",
    "Payment",
    "PaymentMethod",
    "PaymentStatus",
]


class DocumentKind(StrEnum):
    """An invoice or the credit note that corrects one."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


def _rate(value: object) -> Decimal:
    rate = to_decimal(value, path="vat_rate")
    if not Decimal(0) <= rate < Decimal(1):
        raise InvalidInput("must be a fraction from 0 up to 1 (0.21 for 21%)", path="vat_rate")
    return rate


@attrs.frozen
class InvoiceLine:
    """A priced line of an invoice, net of VAT, with its VAT rate and amount."""

    description: str = attrs.field(validator=text)
    quantity: int = attrs.field(validator=positive_int)
    unit_price: Money = attrs.field(validator=instance_of(Money))
    vat_rate: Decimal = attrs.field(converter=_rate)
    net: Money = attrs.field(validator=instance_of(Money))
    vat: Money = attrs.field(validator=instance_of(Money))
    sku: str | None = attrs.field(default=None, validator=optional_identifier)
    order_line_id: str | None = attrs.field(default=None, validator=optional_identifier)

    @property
    def gross(self) -> Money:
        """Net plus VAT."""
        return self.net + self.vat


@attrs.frozen
class Invoice:
    """An issued invoice or credit note. Immutable once issued (F4, F6).

    A credit note names the invoice it corrects in ``corrects``.
    """

    number: str = attrs.field(validator=identifier)
    kind: DocumentKind = attrs.field(validator=instance_of(DocumentKind))
    order_id: str = attrs.field(validator=identifier)
    currency: str = attrs.field(validator=currency_code)
    lines: tuple[InvoiceLine, ...] = attrs.field(
        converter=to_tuple, validator=items_of(InvoiceLine)
    )
    issued_at: datetime = attrs.field(validator=aware_datetime)
    customer_id: str | None = attrs.field(default=None, validator=optional_identifier)
    due_on: date | None = attrs.field(default=None, validator=optional_calendar_date)
    corrects: str | None = attrs.field(default=None, validator=optional_identifier)
    legal_note: str | None = attrs.field(default=None, validator=optional_text)

    def __attrs_post_init__(self) -> None:
        if not self.lines:
            raise InvalidInput("must have at least one line", path="lines")
        for index, line in enumerate(self.lines):
            for name in ("unit_price", "net", "vat"):
                if getattr(line, name).currency != self.currency:
                    raise InvalidInput(
                        f"differs from the invoice currency {self.currency}",
                        path=f"lines[{index}].{name}.currency",
                    )
        if (self.kind is DocumentKind.CREDIT_NOTE) != (self.corrects is not None):
            raise InvalidInput(
                "a credit note must name the invoice it corrects, an invoice must not",
                path="corrects",
            )

    @property
    def net_total(self) -> Money:
        """Sum of the line nets."""
        return sum((line.net for line in self.lines), Money.zero(self.currency))

    @property
    def vat_total(self) -> Money:
        """Sum of the line VAT amounts."""
        return sum((line.vat for line in self.lines), Money.zero(self.currency))

    @property
    def gross_total(self) -> Money:
        """What the customer pays (or gets back, for a credit note)."""
        return self.net_total + self.vat_total


class PaymentMethod(StrEnum):
    """How a customer pays (F5), independent of the payment provider."""

    CARD = "card"
    IDEAL = "ideal"
    BANK_TRANSFER = "bank_transfer"
    PAYPAL = "paypal"
    GIFT_CARD = "gift_card"
    STORE_CREDIT = "store_credit"
    INVOICE = "invoice"
    """Pay later on a B2B invoice."""
    CASH = "cash"


class PaymentStatus(StrEnum):
    """Life of a payment at the provider."""

    AUTHORISED = "authorised"
    CAPTURED = "captured"
    REFUNDED = "refunded"
    VOIDED = "voided"
    FAILED = "failed"


@attrs.frozen
class Payment:
    """One payment towards an order; an order may have several."""

    payment_id: str = attrs.field(validator=identifier)
    order_id: str = attrs.field(validator=identifier)
    method: PaymentMethod = attrs.field(validator=instance_of(PaymentMethod))
    amount: Money = attrs.field(validator=instance_of(Money))
    status: PaymentStatus = attrs.field(validator=instance_of(PaymentStatus))
    provider_ref: str | None = attrs.field(default=None, validator=optional_text)

    @amount.validator
    def _positive(self, attribute: attrs.Attribute[Any], value: Money) -> None:
        if value.amount <= 0:
            raise InvalidInput("must be positive", path=attribute.name, value=str(value.amount))
