"""Invoices, credit notes and payments (F1-F6)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

import attrs

from omskit.errors import InvalidInput
from omskit.model._checks import (
    aware_datetime,
    country,
    currency_code,
    identifier,
    instance_of,
    items_of,
    optional,
    optional_calendar_date,
    optional_identifier,
    optional_instance_of,
    optional_text,
    positive_int,
    text,
    to_tuple,
)
from omskit.money import Money, sum_money, to_decimal

__all__ = [
    "CreditReason",
    "LineTotals",
    "DocumentKind",
    "Invoice",
    "InvoiceLine",
    "InvoiceLineKind",
    "Payment",
    "PaymentMethod",
    "PaymentSplit",
    "PaymentStatus",
]


class DocumentKind(StrEnum):
    """An invoice or the credit note that corrects one."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class CreditReason(StrEnum):
    """Why a credit note corrects an invoice (F6)."""

    CANCELLED = "cancelled"
    """Invoiced units were cancelled before they shipped."""
    REFUSED = "refused"
    """The customer refused the parcel, or it came back undelivered."""
    RETURNED = "returned"
    """The customer sent the goods back."""
    PRICE_ADJUSTMENT = "price_adjustment"
    """The price was lowered after invoicing (a goodwill gesture, a pricing error)."""


class InvoiceLineKind(StrEnum):
    """What an invoice line charges for."""

    GOODS = "goods"
    """Units of an order line at its unit price."""
    DISCOUNT = "discount"
    """The discount on an order line, as a line of its own (F5): its net is not positive."""
    ADJUSTMENT = "adjustment"
    """A price adjustment on a credit note: an amount, not units."""


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
    kind: InvoiceLineKind = attrs.field(
        default=InvoiceLineKind.GOODS, validator=instance_of(InvoiceLineKind)
    )

    def __attrs_post_init__(self) -> None:
        if self.kind is InvoiceLineKind.DISCOUNT:
            if self.net.amount > 0 or self.vat.amount > 0:
                raise InvalidInput("a discount line's net and VAT are not positive", path="net")
        elif self.net.is_negative() or self.vat.is_negative():
            raise InvalidInput(
                f"a {self.kind.value} line's net and VAT are not negative", path="net"
            )

    @property
    def gross(self) -> Money:
        """Net plus VAT."""
        return self.net + self.vat


class _Priced(Protocol):
    @property
    def net(self) -> Money: ...

    @property
    def vat(self) -> Money: ...


class _Document(Protocol):
    @property
    def currency(self) -> str: ...

    @property
    def lines(self) -> Sequence[_Priced]: ...


class LineTotals:
    """Totals of a document whose ``lines`` carry a ``net`` and a ``vat`` in ``currency``."""

    __slots__ = ()

    @property
    def net_total(self: _Document) -> Money:
        """Sum of the line nets."""
        return sum_money([line.net for line in self.lines], self.currency)

    @property
    def vat_total(self: _Document) -> Money:
        """Sum of the line VAT amounts."""
        return sum_money([line.vat for line in self.lines], self.currency)

    @property
    def gross_total(self: _Document) -> Money:
        """Net plus VAT: what the customer pays (or gets back, for a credit note)."""
        return sum_money([line.net for line in self.lines], self.currency) + sum_money(
            [line.vat for line in self.lines], self.currency
        )


@attrs.frozen
class Invoice(LineTotals):
    """An issued invoice or credit note. Immutable once issued (F4, F6).

    A credit note names the invoice it corrects in ``corrects`` and why in
    ``reason``; its amounts are positive, what it takes back (use
    :attr:`sign` to add documents up). ``series`` is the numbering series
    the ``number`` belongs to (numbers are gapless per series).
    ``shipment_id`` names the shipment an invoice at shipment or delivery
    covers. ``vat_country``, ``vat_scheme`` (a
    :class:`~omskit.tax.VatScheme` value) and ``supply_date`` record the
    VAT decision; ``distance_sale`` is the EUR amount the document adds to
    the seller's EU distance sales of the supply year (OSS threshold).
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
    series: str | None = attrs.field(default=None, validator=optional_identifier)
    shipment_id: str | None = attrs.field(default=None, validator=optional_identifier)
    reason: CreditReason | None = attrs.field(
        default=None, validator=optional_instance_of(CreditReason)
    )
    supply_date: date | None = attrs.field(default=None, validator=optional_calendar_date)
    vat_country: str | None = attrs.field(default=None, validator=optional(country))
    vat_scheme: str | None = attrs.field(default=None, validator=optional_identifier)
    buyer_vat_id: str | None = attrs.field(default=None, validator=optional_text)
    distance_sale: Money | None = attrs.field(default=None, validator=optional_instance_of(Money))

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
        if (self.kind is DocumentKind.CREDIT_NOTE) != (self.reason is not None):
            raise InvalidInput(
                "a credit note must give its reason, an invoice must not", path="reason"
            )
        if self.distance_sale is not None and (
            self.distance_sale.currency != "EUR" or self.distance_sale.is_negative()
        ):
            raise InvalidInput("must be a non-negative EUR amount", path="distance_sale")

    @property
    def sign(self) -> int:
        """``1`` for an invoice, ``-1`` for a credit note: what the document adds to the order."""
        return -1 if self.kind is DocumentKind.CREDIT_NOTE else 1


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


@attrs.frozen
class PaymentSplit:
    """How much of an order one payment method pays (F5); ``None``: whatever is left.

    An order request lists its splits (a gift card for part, a card for the
    rest); omskit authorises each at placement with the
    :class:`~omskit.ports.PaymentGateway` of ``Oms(payments=...)``.
    """

    method: PaymentMethod = attrs.field(validator=instance_of(PaymentMethod))
    amount: Money | None = attrs.field(default=None, validator=optional_instance_of(Money))

    @amount.validator
    def _positive(self, attribute: attrs.Attribute[Any], value: Money | None) -> None:
        if value is not None and (value.amount <= 0 or not value.is_rounded()):
            raise InvalidInput(
                "must be positive, in whole minor units", path=attribute.name, value=str(value)
            )


class PaymentStatus(StrEnum):
    """Life of a payment at the provider."""

    AUTHORISED = "authorised"
    CAPTURED = "captured"
    REFUNDED = "refunded"
    VOIDED = "voided"
    FAILED = "failed"


def _nothing_yet(payment: Payment) -> Money:
    """Zero in the payment's currency (EUR while the amount is not Money: it is refused next)."""
    amount = payment.amount
    return Money.zero(amount.currency if isinstance(amount, Money) else "EUR")


@attrs.frozen
class Payment:
    """One payment towards an order; an order may have several (F5).

    ``amount`` is what was authorised; ``captured`` and ``refunded`` what
    was taken and given back so far (zero when not given).
    """

    payment_id: str = attrs.field(validator=identifier)
    order_id: str = attrs.field(validator=identifier)
    method: PaymentMethod = attrs.field(validator=instance_of(PaymentMethod))
    amount: Money = attrs.field(validator=instance_of(Money))
    status: PaymentStatus = attrs.field(validator=instance_of(PaymentStatus))
    provider_ref: str | None = attrs.field(default=None, validator=optional_text)
    captured: Money = attrs.field(
        default=attrs.Factory(_nothing_yet, takes_self=True), validator=instance_of(Money)
    )
    refunded: Money = attrs.field(
        default=attrs.Factory(_nothing_yet, takes_self=True), validator=instance_of(Money)
    )

    @amount.validator
    def _positive(self, attribute: attrs.Attribute[Any], value: Money) -> None:
        if value.amount <= 0:
            raise InvalidInput("must be positive", path=attribute.name, value=str(value.amount))

    def __attrs_post_init__(self) -> None:
        for name in ("captured", "refunded"):
            value: Money = getattr(self, name)
            if value.currency != self.amount.currency:
                raise InvalidInput(f"must be in {self.amount.currency}", path=f"{name}.currency")
            if value.is_negative():
                raise InvalidInput("must not be negative", path=name, value=str(value.amount))
        if self.captured > self.amount:
            raise InvalidInput("cannot exceed the authorised amount", path="captured")
        if self.refunded > self.captured:
            raise InvalidInput("cannot exceed the captured amount", path="refunded")

    @property
    def capturable(self) -> Money:
        """What is authorised and not captured yet (zero unless authorised or captured)."""
        if self.status not in (PaymentStatus.AUTHORISED, PaymentStatus.CAPTURED):
            return Money.zero(self.amount.currency)
        return self.amount - self.captured

    @property
    def refundable(self) -> Money:
        """What is captured and not refunded yet."""
        return self.captured - self.refunded
