"""Contract suites of the invoice, payment, task and outbox ports."""

from __future__ import annotations

from datetime import date

import attrs
import pytest

from omskit.errors import AlreadyExists, InvalidInput, NotFound
from omskit.model import (
    PaymentStatus,
)
from omskit.money import Money
from omskit.ports import Store, UnitOfWork
from omskit.testing.contracts._base import StoreContract
from omskit.testing.contracts._builders import (
    a_distance_sale,
    a_payment,
    a_task,
    an_event,
    an_invoice,
)
from omskit.testing.contracts._dump import (
    committed,
)

__all__ = [
    "InvoiceRepositoryContract",
    "OutboxContract",
    "PaymentRepositoryContract",
    "TaskRepositoryContract",
]


class InvoiceRepositoryContract(StoreContract):
    """The :class:`~omskit.ports.InvoiceRepository` port: numbering, settlement, distance sales."""

    def test_an_added_invoice_can_be_got_and_a_reused_number_raises_already_exists(
        self,
        uow: UnitOfWork,
    ) -> None:
        """An added invoice can be got and a reused number raises already exists."""
        uow.invoices.add(an_invoice("INV-1"))
        assert uow.invoices.get("INV-1") == an_invoice("INV-1")
        with pytest.raises(AlreadyExists) as caught:
            uow.invoices.add(an_invoice("INV-1", order_id="O-2"))
        assert (caught.value.kind, caught.value.key) == ("invoice", "INV-1")
        assert uow.invoices.for_order("O-2") == ()

    def test_an_unknown_invoice_is_not_found(self, uow: UnitOfWork) -> None:
        """An unknown invoice is not found."""
        with pytest.raises(NotFound) as caught:
            uow.invoices.get("INV-9")
        assert (caught.value.kind, caught.value.key) == ("invoice", "INV-9")

    def test_invoices_of_an_order_are_listed_in_the_order_they_were_issued(
        self,
        uow: UnitOfWork,
    ) -> None:
        """Invoices of an order are listed in the order they were issued."""
        for number, order_id in [("INV-3", "O-1"), ("INV-1", "O-1"), ("INV-2", "O-2")]:
            uow.invoices.add(an_invoice(number, order_id=order_id))
        assert [i.number for i in uow.invoices.for_order("O-1")] == ["INV-3", "INV-1"]
        assert uow.invoices.for_order("O-9") == ()

    def test_invoice_numbers_count_up_from_one_per_series(self, uow: UnitOfWork) -> None:
        """Invoice numbers count up from one per series."""
        taken = [uow.invoices.next_number(s) for s in ("INV", "INV", "CN", "INV", "CN")]
        assert taken == [1, 2, 1, 3, 2]

    def test_invoice_numbers_taken_in_a_rolled_back_unit_of_work_are_taken_again(
        self,
        store: Store,
    ) -> None:
        """Invoice numbers taken in a rolled back unit of work are taken again."""
        with committed(store) as uow:
            assert uow.invoices.next_number("INV") == 1
        with store.unit_of_work() as uow:
            assert uow.invoices.next_number("INV") == 2
            assert uow.invoices.next_number("INV") == 3
        with committed(store) as uow:
            assert uow.invoices.next_number("INV") == 2
        with store.unit_of_work() as uow:
            assert uow.invoices.next_number("INV") == 3

    def test_issued_documents_are_unsettled_in_issue_order_until_marked_settled(
        self, uow: UnitOfWork
    ) -> None:
        """Issued documents are unsettled, oldest first, until they are marked settled."""
        for number in ("INV-3", "INV-1", "INV-2"):
            uow.invoices.add(an_invoice(number))
        assert [i.number for i in uow.invoices.unsettled()] == ["INV-3", "INV-1", "INV-2"]
        uow.invoices.mark_settled(["INV-1"])
        assert [i.number for i in uow.invoices.unsettled()] == ["INV-3", "INV-2"]
        uow.invoices.mark_settled(["INV-1", "INV-3"])
        assert [i.number for i in uow.invoices.unsettled()] == ["INV-2"]
        uow.invoices.mark_settled(["INV-1"])  # settled already: nothing changes
        assert [i.number for i in uow.invoices.unsettled()] == ["INV-2"]

    def test_marking_a_batch_with_an_unknown_number_settled_marks_none_of_it(
        self, uow: UnitOfWork
    ) -> None:
        """A batch naming a number never issued raises NotFound and settles nothing."""
        uow.invoices.add(an_invoice("INV-1"))
        with pytest.raises(NotFound) as caught:
            uow.invoices.mark_settled(["INV-1", "INV-9"])
        assert (caught.value.kind, caught.value.key) == ("invoice", "INV-9")
        assert [i.number for i in uow.invoices.unsettled()] == ["INV-1"]

    def test_distance_sales_add_invoices_and_subtract_credit_notes_per_supply_year(
        self, uow: UnitOfWork
    ) -> None:
        """Distance sales add invoices, subtract credit notes, per year of supply, in EUR."""
        assert uow.invoices.distance_sales(2026) == Money.zero("EUR")
        uow.invoices.add(a_distance_sale("INV-1", "120.00", supplied=date(2026, 3, 1)))
        uow.invoices.add(a_distance_sale("INV-2", "30.50", supplied=date(2026, 12, 31)))
        uow.invoices.add(a_distance_sale("INV-3", "99.00", supplied=date(2027, 1, 1)))
        uow.invoices.add(a_distance_sale("CN-1", "20.00", supplied=date(2026, 5, 1), credit=True))
        uow.invoices.add(an_invoice("INV-4"))  # not a distance sale
        assert uow.invoices.distance_sales(2026) == Money("130.50", "EUR")
        assert uow.invoices.distance_sales(2027) == Money("99.00", "EUR")
        assert uow.invoices.distance_sales(2025) == Money.zero("EUR")

    def test_distance_sales_of_a_rolled_back_document_do_not_count(self, store: Store) -> None:
        """A document added in a unit of work that is rolled back adds no distance sales."""
        with committed(store) as uow:
            uow.invoices.add(a_distance_sale("INV-1", "10.00", supplied=date(2026, 1, 1)))
        with store.unit_of_work() as uow:
            uow.invoices.add(a_distance_sale("INV-2", "5.00", supplied=date(2026, 1, 2)))
        with store.unit_of_work() as uow:
            assert uow.invoices.distance_sales(2026) == Money("10.00", "EUR")
            assert [i.number for i in uow.invoices.unsettled()] == ["INV-1"]


class PaymentRepositoryContract(StoreContract):
    """The :class:`~omskit.ports.PaymentRepository` port: in the order they were added."""

    def test_payments_of_an_order_come_back_in_the_order_they_were_added(
        self, uow: UnitOfWork
    ) -> None:
        """Payments of an order come back in the order they were added, not by id."""
        for payment_id, order_id in [("P-2", "O-1"), ("P-3", "O-2"), ("P-1", "O-1")]:
            uow.payments.add(a_payment(payment_id, order_id=order_id))
        assert [p.payment_id for p in uow.payments.for_order("O-1")] == ["P-2", "P-1"]
        assert uow.payments.for_order("O-9") == ()

    def test_a_reused_payment_id_raises_already_exists_and_keeps_the_first(
        self, uow: UnitOfWork
    ) -> None:
        """A reused payment id raises AlreadyExists; the first payment stays."""
        uow.payments.add(a_payment("P-1"))
        with pytest.raises(AlreadyExists) as caught:
            uow.payments.add(a_payment("P-1", order_id="O-2"))
        assert (caught.value.kind, caught.value.key) == ("payment", "P-1")
        assert uow.payments.for_order("O-2") == ()

    def test_an_updated_payment_replaces_the_stored_one_in_its_place(self, uow: UnitOfWork) -> None:
        """An update replaces the payment and keeps its place among the order's payments."""
        uow.payments.add(a_payment("P-1"))
        uow.payments.add(a_payment("P-2"))
        captured = attrs.evolve(
            a_payment("P-1"), status=PaymentStatus.CAPTURED, captured=Money("25.00", "EUR")
        )
        uow.payments.update(captured)
        assert uow.payments.for_order("O-1") == (captured, a_payment("P-2"))

    def test_payments_added_or_updated_in_a_rolled_back_unit_of_work_are_as_before(
        self, store: Store
    ) -> None:
        """A payment added, or one updated, in a unit of work left without commit is as before."""
        with committed(store) as uow:
            uow.payments.add(a_payment("P-1"))
        with store.unit_of_work() as uow:
            uow.payments.add(a_payment("P-2"))
            uow.payments.update(attrs.evolve(a_payment("P-1"), status=PaymentStatus.VOIDED))
        with store.unit_of_work() as uow:
            assert uow.payments.for_order("O-1") == (a_payment("P-1"),)

    def test_an_unknown_payment_cannot_be_updated_nor_moved_to_another_order(
        self, uow: UnitOfWork
    ) -> None:
        """Updating an unknown payment raises NotFound; moving it to another order, InvalidInput."""
        with pytest.raises(NotFound):
            uow.payments.update(a_payment("P-9"))
        uow.payments.add(a_payment("P-1"))
        with pytest.raises(InvalidInput) as error:
            uow.payments.update(a_payment("P-1", order_id="O-2"))
        assert error.value.path == "order_id"
        assert uow.payments.for_order("O-2") == ()


class TaskRepositoryContract(StoreContract):
    """The :class:`~omskit.ports.TaskRepository` port: one task per rule and subject."""

    def test_tasks_are_found_by_rule_and_subject_and_delivered_once(self, uow: UnitOfWork) -> None:
        """Tasks are found by rule and subject and delivered once."""
        uow.tasks.add(a_task("T-2"))
        uow.tasks.add(a_task("T-1", subject="O-1/2"))
        assert uow.tasks.find("late_line", "O-1") == a_task("T-2")
        assert uow.tasks.find("late_line", "O-9") is None
        assert uow.tasks.find("other", "O-1") is None
        assert [t.task_id for t in uow.tasks.list()] == ["T-1", "T-2"]
        assert [t.task_id for t in uow.tasks.undelivered()] == ["T-1", "T-2"]
        uow.tasks.mark_delivered(["T-2"])
        assert [t.task_id for t in uow.tasks.undelivered()] == ["T-1"]

    def test_a_rule_raises_one_task_per_subject_and_ids_are_unique(self, uow: UnitOfWork) -> None:
        """A rule raises one task per subject and ids are unique."""
        uow.tasks.add(a_task("T-1"))
        with pytest.raises(AlreadyExists, match="late_line for O-1"):
            uow.tasks.add(a_task("T-2"))
        with pytest.raises(AlreadyExists, match="T-1"):
            uow.tasks.add(a_task("T-1", subject="O-2"))
        with pytest.raises(NotFound):
            uow.tasks.mark_delivered(["T-1", "T-9"])
        assert [t.task_id for t in uow.tasks.undelivered()] == ["T-1"]


class OutboxContract(StoreContract):
    """The :class:`~omskit.ports.Outbox` port: pending oldest first, batches all or none."""

    def test_outbox_events_are_pending_oldest_first_until_published(self, uow: UnitOfWork) -> None:
        """Outbox events are pending oldest first until published."""
        uow.outbox.append([an_event("E-3"), an_event("E-1")])
        uow.outbox.append([an_event("E-2")])
        assert [e.event_id for e in uow.outbox.pending()] == ["E-3", "E-1", "E-2"]
        uow.outbox.mark_published(["E-1"])
        assert [e.event_id for e in uow.outbox.pending()] == ["E-3", "E-2"]
        uow.outbox.mark_published(["E-3", "E-2"])
        assert uow.outbox.pending() == ()

    def test_outbox_pending_returns_at_most_limit_events_oldest_first(
        self,
        uow: UnitOfWork,
    ) -> None:
        """Outbox pending returns at most limit events oldest first."""
        uow.outbox.append([an_event(f"E-{i}") for i in range(1, 8)])
        uow.outbox.mark_published(["E-2"])
        assert [e.event_id for e in uow.outbox.pending(limit=3)] == ["E-1", "E-3", "E-4"]
        assert len(uow.outbox.pending()) == 6

    def test_outbox_pending_defaults_to_one_hundred_events(self, uow: UnitOfWork) -> None:
        """Outbox pending defaults to one hundred events."""
        uow.outbox.append([an_event(f"E-{i}") for i in range(150)])
        pending = uow.outbox.pending()
        assert len(pending) == 100
        assert pending[-1].event_id == "E-99"

    def test_appending_a_reused_event_id_raises_already_exists(self, uow: UnitOfWork) -> None:
        """Appending a reused event id raises already exists."""
        uow.outbox.append([an_event("E-1")])
        uow.outbox.mark_published(["E-1"])
        with pytest.raises(AlreadyExists) as caught:
            uow.outbox.append([an_event("E-1", order_id="O-2")])
        assert (caught.value.kind, caught.value.key) == ("event", "E-1")
        assert uow.outbox.pending() == ()

    def test_an_outbox_batch_with_a_reused_event_id_adds_none_of_its_events(
        self,
        uow: UnitOfWork,
    ) -> None:
        """An outbox batch with a reused event id adds none of its events."""
        uow.outbox.append([an_event("E-1")])
        with pytest.raises(AlreadyExists):
            uow.outbox.append([an_event("E-2"), an_event("E-1")])
        assert [e.event_id for e in uow.outbox.pending()] == ["E-1"]

    def test_an_outbox_batch_repeating_an_event_id_adds_none_of_its_events(
        self,
        uow: UnitOfWork,
    ) -> None:
        """An outbox batch repeating an event id adds none of its events."""
        with pytest.raises(AlreadyExists):
            uow.outbox.append([an_event("E-1"), an_event("E-1")])
        assert uow.outbox.pending() == ()

    def test_marking_an_unknown_event_published_raises_not_found(self, uow: UnitOfWork) -> None:
        """Marking an unknown event published raises not found."""
        with pytest.raises(NotFound) as caught:
            uow.outbox.mark_published(["E-9"])
        assert (caught.value.kind, caught.value.key) == ("event", "E-9")

    def test_marking_a_batch_with_an_unknown_event_published_marks_none_of_it(
        self,
        uow: UnitOfWork,
    ) -> None:
        """Marking a batch with an unknown event published marks none of it."""
        uow.outbox.append([an_event("E-1"), an_event("E-2")])
        with pytest.raises(NotFound):
            uow.outbox.mark_published(["E-1", "E-9"])
        assert [e.event_id for e in uow.outbox.pending()] == ["E-1", "E-2"]
