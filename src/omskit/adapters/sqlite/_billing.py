"""Invoices, payments, staff tasks and the transactional outbox in SQLite."""

from __future__ import annotations

from collections.abc import Sequence

from omskit.adapters._rules import same_owner
from omskit.adapters._sql import Repo
from omskit.errors import AlreadyExists
from omskit.events import DomainEvent
from omskit.model import (
    Invoice,
    Payment,
    Task,
)
from omskit.money import Money

__all__ = [
    "SqliteInvoiceRepository",
    "SqliteOutbox",
    "SqlitePaymentRepository",
    "SqliteTaskRepository",
]


class SqliteInvoiceRepository(Repo):
    """Invoices and credit notes in SQLite, with a counter row per number series."""

    def add(self, invoice: Invoice) -> None:
        """Store an issued document; raises AlreadyExists."""
        if self._s.exists("invoices", "number", invoice.number):
            raise AlreadyExists(kind="invoice", key=invoice.number)
        self._s.execute(
            "INSERT INTO invoices (number, order_id, data) VALUES (?, ?, ?)",
            (invoice.number, invoice.order_id, self._s.dumps(invoice)),
        )
        if invoice.distance_sale is not None and invoice.supply_date is not None:
            year = invoice.supply_date.year
            total = self.distance_sales(year) + invoice.distance_sale * invoice.sign
            self._s.execute(
                "INSERT INTO distance_sales (year, total) VALUES (?, ?)"
                " ON CONFLICT (year) DO UPDATE SET total = excluded.total",
                (year, self._s.dumps(total)),
            )

    def get(self, number: str) -> Invoice:
        """Return the document; raises NotFound."""
        return self._get("invoices", "number", number, Invoice, "invoice")

    def for_order(self, order_id: str) -> Sequence[Invoice]:
        """Documents of an order in the order they were issued."""
        rows = self._s.rows(
            "SELECT data FROM invoices WHERE order_id = ? ORDER BY seq", (order_id,)
        )
        return self._s.load_all(rows, Invoice)

    def next_number(self, series: str) -> int:
        """Take the next number of a series; the row stays locked (and rolls back) with the work."""
        row = self._s.one(
            "INSERT INTO invoice_series (series, last_number) VALUES (?, 1)"
            " ON CONFLICT (series) DO UPDATE SET last_number = invoice_series.last_number + 1"
            " RETURNING last_number",
            (series,),
        )
        return int(row[0])

    def unsettled(self) -> Sequence[Invoice]:
        """Documents not settled yet, in the order they were issued."""
        rows = self._s.rows("SELECT data FROM invoices WHERE settled = 0 ORDER BY seq")
        return self._s.load_all(rows, Invoice)

    def mark_settled(self, numbers: Sequence[str]) -> None:
        """Mark documents settled, all or none; unknown numbers raise NotFound."""
        self._s.mark("invoices", "number", "settled", numbers, "invoice")

    def distance_sales(self, year: int) -> Money:
        """The year's distance sales in EUR, credit notes subtracted."""
        row = self._s.one("SELECT total FROM distance_sales WHERE year = ?", (year,))
        return Money.zero("EUR") if row is None else self._s.load(row[0], Money)


class SqlitePaymentRepository(Repo):
    """Payments in SQLite."""

    def add(self, payment: Payment) -> None:
        """Store a new payment; raises AlreadyExists."""
        if self._s.exists("payments", "payment_id", payment.payment_id):
            raise AlreadyExists(kind="payment", key=payment.payment_id)
        self._s.execute(
            "INSERT INTO payments (payment_id, order_id, data) VALUES (?, ?, ?)",
            (payment.payment_id, payment.order_id, self._s.dumps(payment)),
        )

    def update(self, payment: Payment) -> None:
        """Replace a stored payment; raises NotFound."""
        stored = self._get("payments", "payment_id", payment.payment_id, Payment, "payment")
        same_owner(stored.order_id, payment.order_id)
        self._s.execute(
            "UPDATE payments SET data = ? WHERE payment_id = ?",
            (self._s.dumps(payment), payment.payment_id),
        )

    def for_order(self, order_id: str) -> Sequence[Payment]:
        """Payments of an order in the order they were added."""
        rows = self._s.rows(
            "SELECT data FROM payments WHERE order_id = ? ORDER BY seq", (order_id,)
        )
        return self._s.load_all(rows, Payment)


class SqliteTaskRepository(Repo):
    """Staff tasks in SQLite, unique per (rule, subject)."""

    def add(self, task: Task) -> None:
        """Store a new task; AlreadyExists on a reused id or (rule, subject)."""
        if self._s.exists("tasks", "task_id", task.task_id):
            raise AlreadyExists(kind="task", key=task.task_id)
        if self.find(task.rule, task.subject) is not None:
            raise AlreadyExists(kind="task", key=f"{task.rule} for {task.subject}")
        self._s.execute(
            "INSERT INTO tasks (task_id, rule, subject, data) VALUES (?, ?, ?, ?)",
            (task.task_id, task.rule, task.subject, self._s.dumps(task)),
        )

    def find(self, rule: str, subject: str) -> Task | None:
        """The task ``rule`` raised for ``subject``, if any."""
        row = self._s.one("SELECT data FROM tasks WHERE rule = ? AND subject = ?", (rule, subject))
        return None if row is None else self._s.load(row[0], Task)

    def list(self) -> Sequence[Task]:
        """Every task, by id."""
        return self._s.load_all(self._s.rows("SELECT data FROM tasks ORDER BY task_id"), Task)

    def undelivered(self) -> Sequence[Task]:
        """Tasks not yet handed to the staff notifier, by id."""
        rows = self._s.rows("SELECT data FROM tasks WHERE delivered = 0 ORDER BY task_id")
        return self._s.load_all(rows, Task)

    def mark_delivered(self, task_ids: Sequence[str]) -> None:
        """Mark tasks delivered; unknown ids raise NotFound."""
        self._s.mark("tasks", "task_id", "delivered", task_ids, "task")


class SqliteOutbox(Repo):
    """The transactional outbox: events committed (or rolled back) with the change."""

    def append(self, events: Sequence[DomainEvent]) -> None:
        """Add events; raises AlreadyExists on a reused event id (and adds none of them)."""
        stored = self._s.existing("outbox", "event_id", [event.event_id for event in events])
        seen: set[str] = set()
        for event in events:
            if event.event_id in seen or event.event_id in stored:
                raise AlreadyExists(kind="event", key=event.event_id)
            seen.add(event.event_id)
        rows = [(e.event_id, e.event_type, self._s.dumps(e)) for e in events]
        self._s.executemany(
            "INSERT INTO outbox (event_id, event_type, data) VALUES (?, ?, ?)", rows
        )

    def pending(self, *, limit: int = 100) -> Sequence[DomainEvent]:
        """Unpublished events, oldest first; claimed, so a concurrent relay skips them."""
        rows = self._s.rows(
            "SELECT data FROM outbox WHERE published = 0 ORDER BY seq LIMIT ?" + self._s.claim_rows,
            (max(0, limit),),
        )
        return self._s.load_all(rows, DomainEvent)

    def mark_published(self, event_ids: Sequence[str]) -> None:
        """Mark events delivered; unknown ids raise NotFound (and mark none of them)."""
        self._s.mark("outbox", "event_id", "published", event_ids, "event")
