"""The memory store's billing repositories: settlement, distance sales, payments."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import attrs
import pytest

from omskit.adapters.memory import MemoryStore, MemoryUnitOfWork
from omskit.errors import AlreadyExists, InvalidInput, NotFound
from omskit.model import (
    CreditReason,
    DocumentKind,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from omskit.money import Money

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def document(
    number: str,
    *,
    order_id: str = "O-1",
    kind: DocumentKind = DocumentKind.INVOICE,
    distance_sale: str | None = None,
    supplied: date = date(2026, 3, 1),
) -> Invoice:
    line = InvoiceLine("Kettle", 1, eur("40.00"), Decimal("0.19"), eur("40.00"), eur("7.60"))
    credit = kind is DocumentKind.CREDIT_NOTE
    return Invoice(
        number,
        kind,
        order_id,
        "EUR",
        (line,),
        T0,
        corrects="INV-1" if credit else None,
        reason=CreditReason.RETURNED if credit else None,
        supply_date=supplied,
        distance_sale=None if distance_sale is None else eur(distance_sale),
    )


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def uow(store: MemoryStore) -> Iterator[MemoryUnitOfWork]:
    with store.unit_of_work() as opened:
        yield opened


def test_new_documents_wait_for_settlement_in_the_order_they_were_issued(
    uow: MemoryUnitOfWork,
) -> None:
    for number in ("INV-2", "INV-1", "CN-1"):
        uow.invoices.add(document(number))
    assert [d.number for d in uow.invoices.unsettled()] == ["INV-2", "INV-1", "CN-1"]
    uow.invoices.mark_settled(["INV-1"])
    assert [d.number for d in uow.invoices.unsettled()] == ["INV-2", "CN-1"]
    uow.invoices.mark_settled(["INV-1"])  # settled already: nothing changes
    assert len(uow.invoices.unsettled()) == 2


def test_marking_an_unknown_document_settled_changes_nothing(uow: MemoryUnitOfWork) -> None:
    uow.invoices.add(document("INV-1"))
    with pytest.raises(NotFound):
        uow.invoices.mark_settled(["INV-1", "INV-9"])
    assert [d.number for d in uow.invoices.unsettled()] == ["INV-1"]


def test_distance_sales_add_invoices_and_take_off_credit_notes_per_supply_year(
    uow: MemoryUnitOfWork,
) -> None:
    uow.invoices.add(document("INV-1", distance_sale="40.00"))
    uow.invoices.add(document("INV-2", distance_sale="60.00", supplied=date(2025, 12, 31)))
    uow.invoices.add(document("INV-3"))  # domestic: not a distance sale
    uow.invoices.add(document("CN-1", kind=DocumentKind.CREDIT_NOTE, distance_sale="15.00"))
    assert uow.invoices.distance_sales(2026) == eur("25.00")
    assert uow.invoices.distance_sales(2025) == eur("60.00")
    assert uow.invoices.distance_sales(2024) == eur("0")


def test_settlement_and_distance_sales_roll_back_with_the_unit_of_work(store: MemoryStore) -> None:
    with store.unit_of_work() as uow:
        uow.invoices.add(document("INV-1", distance_sale="40.00"))
        uow.commit()
    with store.unit_of_work() as uow:
        uow.invoices.add(document("INV-2", distance_sale="10.00"))
        uow.invoices.mark_settled(["INV-1"])
    with store.unit_of_work() as uow:
        assert [d.number for d in uow.invoices.unsettled()] == ["INV-1"]
        assert uow.invoices.distance_sales(2026) == eur("40.00")


def a_payment(payment_id: str, *, order_id: str = "O-1") -> Payment:
    return Payment(payment_id, order_id, PaymentMethod.CARD, eur("50.00"), PaymentStatus.AUTHORISED)


def test_payments_are_listed_per_order_in_the_order_they_were_added(
    uow: MemoryUnitOfWork,
) -> None:
    for payment_id, order_id in [("PAY-2", "O-1"), ("PAY-1", "O-1"), ("PAY-3", "O-2")]:
        uow.payments.add(a_payment(payment_id, order_id=order_id))
    assert [p.payment_id for p in uow.payments.for_order("O-1")] == ["PAY-2", "PAY-1"]
    assert uow.payments.for_order("O-9") == ()
    with pytest.raises(AlreadyExists):
        uow.payments.add(a_payment("PAY-1"))


def test_a_payment_is_updated_in_place_but_never_moves_to_another_order(
    uow: MemoryUnitOfWork,
) -> None:
    uow.payments.add(a_payment("PAY-1"))
    captured = attrs.evolve(a_payment("PAY-1"), status=PaymentStatus.CAPTURED, captured=eur("20"))
    uow.payments.update(captured)
    assert uow.payments.for_order("O-1") == (captured,)
    with pytest.raises(InvalidInput):
        uow.payments.update(a_payment("PAY-1", order_id="O-2"))
    with pytest.raises(NotFound):
        uow.payments.update(a_payment("PAY-9"))


def test_payments_roll_back_with_the_unit_of_work(store: MemoryStore) -> None:
    with store.unit_of_work() as uow:
        uow.payments.add(a_payment("PAY-1"))
        uow.commit()
    with store.unit_of_work() as uow:
        uow.payments.add(a_payment("PAY-2"))
        uow.payments.update(attrs.evolve(a_payment("PAY-1"), status=PaymentStatus.VOIDED))
    with store.unit_of_work() as uow:
        assert uow.payments.for_order("O-1") == (a_payment("PAY-1"),)
