"""Invoices, credit notes and payments."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest

from omskit.errors import InvalidInput
from omskit.model import (
    CreditReason,
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoiceLineKind,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from omskit.money import Money

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def assert_names(error: InvalidInput, path: str) -> None:
    """The error names the offending field and reads as a phrase."""
    assert error.path == path
    assert str(error) == f"{path}: {error.reason}"
    assert " " in error.reason


def invoice_line(**changes: Any) -> InvoiceLine:
    kwargs: dict[str, Any] = {
        "description": "Blue mug",
        "quantity": 2,
        "unit_price": eur("10.00"),
        "vat_rate": "0.21",
        "net": eur("20.00"),
        "vat": eur("4.20"),
        "sku": "MUG-1",
        "order_line_id": "1",
    }
    kwargs.update(changes)
    return InvoiceLine(**kwargs)


BOOK = invoice_line(
    description="Cook book",
    quantity=1,
    unit_price=eur("5.00"),
    vat_rate=Decimal("0.09"),
    net=eur("5.00"),
    vat=eur("0.45"),
    sku="BOOK-1",
    order_line_id="2",
)


def invoice(**changes: Any) -> Invoice:
    kwargs: dict[str, Any] = {
        "number": "INV-2024-0001",
        "kind": DocumentKind.INVOICE,
        "order_id": "O-1",
        "currency": "EUR",
        "lines": (invoice_line(), BOOK),
        "issued_at": NOW,
    }
    kwargs.update(changes)
    return Invoice(**kwargs)


def payment(**changes: Any) -> Payment:
    kwargs: dict[str, Any] = {
        "payment_id": "P-1",
        "order_id": "O-1",
        "method": PaymentMethod.IDEAL,
        "amount": eur("29.65"),
        "status": PaymentStatus.CAPTURED,
    }
    kwargs.update(changes)
    return Payment(**kwargs)


# --- InvoiceLine ------------------------------------------------------------------------


def test_invoice_line_gross_is_net_plus_vat() -> None:
    assert invoice_line().gross == eur("24.20")


@pytest.mark.parametrize(
    ("rate", "expected"),
    [("0.21", Decimal("0.21")), (0, Decimal(0)), (Decimal("0.09"), Decimal("0.09"))],
)
def test_vat_rate_becomes_an_exact_decimal_fraction(rate: object, expected: Decimal) -> None:
    line = invoice_line(vat_rate=rate)
    assert isinstance(line.vat_rate, Decimal)
    assert line.vat_rate == expected


@pytest.mark.parametrize("rate", [1, "1.00", "21", "-0.01"])
def test_vat_rate_must_be_a_fraction_from_zero_up_to_one(rate: object) -> None:
    with pytest.raises(InvalidInput, match=r"0\.21 for 21%") as caught:
        invoice_line(vat_rate=rate)
    assert_names(caught.value, "vat_rate")


@pytest.mark.parametrize("rate", [0.21, True, "twenty", None])
def test_vat_rate_refuses_floats_bools_and_non_numbers(rate: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        invoice_line(vat_rate=rate)
    assert_names(caught.value, "vat_rate")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("description", ""),
        ("quantity", 0),
        ("unit_price", "10.00"),
        ("net", Decimal("20.00")),
        ("vat", None),
        ("sku", "blue mug"),
        ("order_line_id", ""),
    ],
)
def test_invoice_line_refuses_bad_values_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        invoice_line(**{field: value})
    assert_names(caught.value, field)


# --- Invoice ----------------------------------------------------------------------------


def test_invoice_totals_add_up_the_lines() -> None:
    issued = invoice()
    assert issued.net_total == eur("25.00")
    assert issued.vat_total == eur("4.65")
    assert issued.gross_total == eur("29.65")
    assert issued.gross_total == sum((line.gross for line in issued.lines), eur("0"))


def test_invoice_totals_stay_in_the_invoice_currency() -> None:
    line = invoice_line(
        unit_price=Money("1000", "JPY"), net=Money("2000", "JPY"), vat=Money("200", "JPY")
    )
    issued = invoice(currency="JPY", lines=[line])
    assert issued.gross_total == Money("2200", "JPY")
    assert isinstance(issued.lines, tuple)


def test_a_b2b_invoice_may_carry_a_customer_due_date_and_legal_note() -> None:
    issued = invoice(customer_id="C-9", due_on=date(2024, 5, 31), legal_note="VAT reverse-charged")
    assert issued.due_on == date(2024, 5, 31)
    assert issued.legal_note == "VAT reverse-charged"


def test_a_credit_note_names_the_invoice_it_corrects() -> None:
    credit = invoice(
        number="CN-2024-0001",
        kind=DocumentKind.CREDIT_NOTE,
        corrects="INV-2024-0001",
        reason=CreditReason.RETURNED,
    )
    assert (credit.corrects, credit.reason, credit.sign) == ("INV-2024-0001", "returned", -1)
    assert invoice().sign == 1


def test_a_credit_note_without_the_invoice_it_corrects_is_refused() -> None:
    with pytest.raises(InvalidInput, match="must name the invoice it corrects") as caught:
        invoice(kind=DocumentKind.CREDIT_NOTE, reason=CreditReason.CANCELLED)
    assert_names(caught.value, "corrects")


def test_a_credit_note_without_a_reason_is_refused_and_an_invoice_with_one_too() -> None:
    with pytest.raises(InvalidInput, match="must give its reason") as caught:
        invoice(kind=DocumentKind.CREDIT_NOTE, corrects="INV-1")
    assert_names(caught.value, "reason")
    with pytest.raises(InvalidInput, match="an invoice must not"):
        invoice(reason=CreditReason.CANCELLED)


@pytest.mark.parametrize("amount", [Money("1.00", "USD"), Money("-1.00", "EUR")])
def test_a_distance_sale_is_a_non_negative_eur_amount(amount: Money) -> None:
    with pytest.raises(InvalidInput, match="non-negative EUR amount") as caught:
        invoice(distance_sale=amount, supply_date=date(2024, 5, 1))
    assert_names(caught.value, "distance_sale")


def test_a_discount_line_is_not_positive_and_other_lines_are_not_negative() -> None:
    discount = attrs.evolve(
        BOOK, kind=InvoiceLineKind.DISCOUNT, net=Money("-1.00", "EUR"), vat=Money("-0.09", "EUR")
    )
    assert discount.gross == Money("-1.09", "EUR")
    with pytest.raises(InvalidInput, match="discount line's net and VAT are not positive"):
        attrs.evolve(discount, net=Money("1.00", "EUR"))
    with pytest.raises(InvalidInput, match="goods line's net and VAT are not negative"):
        attrs.evolve(BOOK, vat=Money("-0.01", "EUR"))


def test_an_invoice_that_claims_to_correct_another_is_refused() -> None:
    with pytest.raises(InvalidInput, match="an invoice must not") as caught:
        invoice(corrects="INV-2023-0999")
    assert_names(caught.value, "corrects")


@pytest.mark.parametrize("name", ["unit_price", "net", "vat"])
def test_an_invoice_refuses_line_amounts_in_another_currency_naming_them(name: str) -> None:
    changes: dict[str, Any] = {name: Money("1.00", "USD")}
    foreign = attrs.evolve(BOOK, **changes)
    with pytest.raises(InvalidInput, match="differs from the invoice currency EUR") as caught:
        invoice(lines=(invoice_line(), foreign))
    assert_names(caught.value, f"lines[1].{name}.currency")


def test_an_invoice_without_lines_is_refused() -> None:
    with pytest.raises(InvalidInput, match="at least one line") as caught:
        invoice(lines=())
    assert_names(caught.value, "lines")


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("number", "", "number"),
        ("kind", "invoice", "kind"),
        ("order_id", "o 1", "order_id"),
        ("lines", ["Blue mug"], "lines[0]"),
        ("issued_at", datetime(2024, 5, 1), "issued_at"),
        ("customer_id", "", "customer_id"),
        ("due_on", "2024-05-31", "due_on"),
        ("corrects", "", "corrects"),
        ("legal_note", " ", "legal_note"),
    ],
)
def test_invoice_refuses_bad_values_naming_the_field(field: str, value: object, path: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        invoice(**{field: value})
    assert_names(caught.value, path)


def test_an_invoice_in_an_unknown_currency_is_refused_naming_the_currency() -> None:
    with pytest.raises(InvalidInput) as caught:
        invoice(currency="EURO")
    assert_names(caught.value, "currency")


def test_an_invoice_due_date_must_be_a_date_not_a_datetime() -> None:
    with pytest.raises(InvalidInput) as caught:
        invoice(due_on=datetime(2024, 5, 31, tzinfo=UTC))
    assert_names(caught.value, "due_on")


def test_invoice_is_frozen() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        invoice().number = "INV-2"  # type: ignore[misc]


# --- Payment ----------------------------------------------------------------------------


def test_a_payment_keeps_its_method_amount_and_status() -> None:
    paid = payment(provider_ref="tr_WDqYK6vllg")
    assert (paid.method, paid.amount, paid.status) == (
        PaymentMethod.IDEAL,
        eur("29.65"),
        PaymentStatus.CAPTURED,
    )
    assert paid.provider_ref == "tr_WDqYK6vllg"


@pytest.mark.parametrize("amount", [eur("0"), eur("-0.01"), eur("-29.65")])
def test_a_payment_amount_must_be_positive(amount: Money) -> None:
    with pytest.raises(InvalidInput, match="must be positive") as caught:
        payment(amount=amount)
    assert_names(caught.value, "amount")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("payment_id", ""),
        ("order_id", None),
        ("method", "ideal"),
        ("status", "captured"),
        ("provider_ref", ""),
    ],
)
def test_payment_refuses_bad_values_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        payment(**{field: value})
    assert_names(caught.value, field)


@pytest.mark.parametrize("amount", ["29.65", Decimal("29.65"), None])
def test_a_payment_amount_that_is_not_money_is_refused_naming_the_field(amount: object) -> None:
    with pytest.raises(InvalidInput, match="must be Money") as caught:
        payment(amount=amount)
    assert_names(caught.value, "amount")
