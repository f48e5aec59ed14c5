"""The in-memory store: every repository and a transactional unit of work.

A :class:`MemoryStore` keeps plain dictionaries. A unit of work holds the
store's lock from ``__enter__`` to ``__exit__`` (one writer at a time, so
threads never see each other's uncommitted changes) and records an undo entry
for every write; rollback replays them backwards, so a call that fails half
way leaves every repository exactly as it was. Entities are immutable
snapshots, so handing them out never exposes later writes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping, MutableMapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Generic, Self, TypeVar, overload

from omskit.adapters._rules import check_version, same_owner, same_reference, same_request
from omskit.errors import AlreadyExists, NotFound, OmsError
from omskit.events import DomainEvent
from omskit.model import (
    CancellationRecord,
    Customer,
    Invoice,
    Location,
    Order,
    OrderStatus,
    Payment,
    Product,
    Quote,
    QuoteStatus,
    Reservation,
    Return,
    Shipment,
    StockMovement,
    StockPosition,
    Task,
)
from omskit.money import Money

__all__ = ["MemoryStore", "MemoryUnitOfWork"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
_MISSING: Any = object()


class _Journal:
    """Undo entries for one unit of work."""

    def __init__(self) -> None:
        self._undo: list[Callable[[], None]] = []
        self.active = False

    def check(self) -> None:
        if not self.active:
            raise OmsError("use the unit of work inside a 'with' block before reading or writing")

    def put(self, mapping: MutableMapping[K, V], key: K, value: V) -> None:
        self.check()
        old = mapping.get(key, _MISSING)
        mapping[key] = value
        if old is _MISSING:

            def undo() -> None:
                del mapping[key]

            self._undo.append(undo)
        else:
            self._undo.append(lambda: mapping.__setitem__(key, old))

    def delete(self, mapping: MutableMapping[K, V], key: K) -> None:
        self.check()
        old = mapping.pop(key)
        self._undo.append(lambda: mapping.__setitem__(key, old))

    def append(self, items: list[V], value: V) -> None:
        self.check()
        items.append(value)

        def undo() -> None:
            items.pop()

        self._undo.append(undo)

    def add_to_set(self, members: set[str], member: str) -> None:
        self.check()
        if member not in members:
            members.add(member)
            self._undo.append(lambda: members.discard(member))

    def discard_from_set(self, members: set[str], member: str) -> None:
        self.check()
        if member in members:
            members.discard(member)
            self._undo.append(lambda: members.add(member))

    def add_to(self, index: dict[K, set[str]], key: K, member: str) -> None:
        members = index.get(key)
        if members is None:
            self.put(index, key, {member})
        else:
            self.add_to_set(members, member)

    def discard_from(self, index: dict[K, set[str]], key: K, member: str) -> None:
        members = index.get(key)
        if members is not None:
            self.discard_from_set(members, member)

    def rollback(self) -> None:
        while self._undo:
            self._undo.pop()()

    def forget(self) -> None:
        self._undo.clear()


class _Tables:
    """All state of a memory store."""

    def __init__(self) -> None:
        self.locations: dict[str, Location] = {}
        self.products: dict[str, Product] = {}
        self.customers: dict[str, Customer] = {}
        self.stock: dict[tuple[str, str], StockPosition] = {}
        self.stock_by_sku: dict[str, set[str]] = {}
        self.reservations: dict[str, Reservation] = {}
        self.reservations_by_order: dict[str, set[str]] = {}
        self.reservations_by_cart: dict[str, set[str]] = {}
        self.holds_by_sku: dict[str, set[str]] = {}
        self.movements: list[StockMovement] = []
        self.movement_ids: dict[str, int] = {}
        self.movements_by_key: dict[tuple[str, str], set[str]] = {}
        self.orders: dict[str, Order] = {}
        self.order_refs: dict[tuple[str, str], str] = {}
        self.shipments: dict[str, Shipment] = {}
        self.shipments_by_order: dict[str, set[str]] = {}
        self.invoices: dict[str, Invoice] = {}
        self.invoices_by_order: dict[str, set[str]] = {}
        self.invoice_counters: dict[str, int] = {}
        self.unsettled_invoices: set[str] = set()
        self.invoice_seq: dict[str, int] = {}  # number -> position of issue
        self.distance_sales: dict[int, Money] = {}
        self.payments: dict[str, Payment] = {}
        self.payments_by_order: dict[str, list[str]] = {}
        self.returns: dict[str, Return] = {}
        self.returns_by_order: dict[str, set[str]] = {}
        self.quotes: dict[str, Quote] = {}
        self.quote_refs: dict[tuple[str, str], str] = {}
        self.quotes_by_customer: dict[str, set[str]] = {}
        self.cancellations: list[CancellationRecord] = []
        self.tasks: dict[str, Task] = {}
        self.task_keys: dict[str, str] = {}  # "rule\x00subject" -> task id
        self.undelivered_tasks: set[str] = set()
        self.outbox: dict[str, DomainEvent] = {}
        self.event_seq: dict[str, int] = {}  # event id -> position in the outbox
        self.unpublished: set[str] = set()


class _Repo:
    def __init__(self, tables: _Tables, journal: _Journal) -> None:
        self._t = tables
        self._j = journal

    def _read(self) -> _Tables:
        self._j.check()
        return self._t


def _get(mapping: dict[str, V], key: str, kind: str) -> V:
    try:
        return mapping[key]
    except KeyError:
        raise NotFound(kind=kind, key=key) from None


def _sorted(mapping: dict[str, V], keys: set[str] | None = None) -> Sequence[V]:
    chosen = sorted(mapping) if keys is None else sorted(keys)
    return tuple(mapping[k] for k in chosen)


class MemoryLocationRepository(_Repo):
    """Locations in memory."""

    def get(self, location_id: str) -> Location:
        """Return the location; raises NotFound."""
        return _get(self._read().locations, location_id, "location")

    def find(self, location_id: str) -> Location | None:
        """Return the location or None."""
        return self._read().locations.get(location_id)

    def add(self, location: Location) -> None:
        """Insert or replace the location."""
        self._j.put(self._t.locations, location.location_id, location)

    def list(self) -> Sequence[Location]:
        """Every location by id."""
        return _sorted(self._read().locations)


class MemoryProductRepository(_Repo):
    """Products in memory."""

    def get(self, sku: str) -> Product:
        """Return the product; raises NotFound."""
        return _get(self._read().products, sku, "product")

    def find(self, sku: str) -> Product | None:
        """Return the product or None."""
        return self._read().products.get(sku)

    def add(self, product: Product) -> None:
        """Insert or replace the product."""
        self._j.put(self._t.products, product.sku, product)

    def list(self) -> Sequence[Product]:
        """Every product by SKU."""
        return _sorted(self._read().products)


class MemoryCustomerRepository(_Repo):
    """Customers in memory."""

    def get(self, customer_id: str) -> Customer:
        """Return the customer; raises NotFound."""
        return _get(self._read().customers, customer_id, "customer")

    def find(self, customer_id: str) -> Customer | None:
        """Return the customer or None."""
        return self._read().customers.get(customer_id)

    def add(self, customer: Customer) -> None:
        """Insert or replace the customer."""
        self._j.put(self._t.customers, customer.customer_id, customer)


class MemoryStockRepository(_Repo):
    """Stock positions in memory."""

    def get(self, sku: str, location_id: str) -> StockPosition:
        """Return the position (all zero when none is stored)."""
        found = self._read().stock.get((sku, location_id))
        return found if found is not None else StockPosition(sku, location_id)

    def save(self, position: StockPosition) -> None:
        """Insert or replace the position."""
        self._j.put(self._t.stock, (position.sku, position.location_id), position)
        self._j.add_to(self._t.stock_by_sku, position.sku, position.location_id)

    def for_sku(self, sku: str) -> Sequence[StockPosition]:
        """Stored positions of one SKU by location id."""
        tables = self._read()
        return tuple(tables.stock[(sku, loc)] for loc in sorted(tables.stock_by_sku.get(sku, ())))

    def list(self) -> Sequence[StockPosition]:
        """Every stored position by (sku, location id)."""
        tables = self._read()
        return tuple(tables.stock[key] for key in sorted(tables.stock))


class MemoryReservationRepository(_Repo):
    """Reservations in memory."""

    def add(self, reservation: Reservation) -> None:
        """Store a new reservation; raises AlreadyExists."""
        if reservation.reservation_id in self._read().reservations:
            raise AlreadyExists(kind="reservation", key=reservation.reservation_id)
        self._j.put(self._t.reservations, reservation.reservation_id, reservation)
        rid = reservation.reservation_id
        if reservation.order_id is not None:
            self._j.add_to(self._t.reservations_by_order, reservation.order_id, rid)
        if reservation.cart_id is not None:
            self._j.add_to(self._t.reservations_by_cart, reservation.cart_id, rid)
        if reservation.expires_at is not None:
            self._j.add_to(self._t.holds_by_sku, reservation.sku, rid)

    def get(self, reservation_id: str) -> Reservation:
        """Return the reservation; raises NotFound."""
        return _get(self._read().reservations, reservation_id, "reservation")

    def remove(self, reservation_id: str) -> None:
        """Delete the reservation; raises NotFound."""
        reservation = self.get(reservation_id)
        self._j.delete(self._t.reservations, reservation_id)
        if reservation.order_id is not None:
            self._j.discard_from(
                self._t.reservations_by_order, reservation.order_id, reservation_id
            )
        if reservation.cart_id is not None:
            self._j.discard_from(self._t.reservations_by_cart, reservation.cart_id, reservation_id)
        if reservation.expires_at is not None:
            self._j.discard_from(self._t.holds_by_sku, reservation.sku, reservation_id)

    def for_order(self, order_id: str) -> Sequence[Reservation]:
        """Reservations of an order by id."""
        tables = self._read()
        return _sorted(tables.reservations, tables.reservations_by_order.get(order_id, set()))

    def for_cart(self, cart_id: str) -> Sequence[Reservation]:
        """Holds of a cart by id."""
        tables = self._read()
        return _sorted(tables.reservations, tables.reservations_by_cart.get(cart_id, set()))

    def expired(self, now: datetime, *, sku: str | None = None) -> Sequence[Reservation]:
        """Holds that stopped counting at or before ``now`` (of one SKU, if given), by id."""
        tables = self._read()
        skus = [sku] if sku is not None else sorted(tables.holds_by_sku)
        found = [
            tables.reservations[rid]
            for s in skus
            for rid in tables.holds_by_sku.get(s, ())
            if not tables.reservations[rid].is_active(now)
        ]
        return tuple(sorted(found, key=lambda r: r.reservation_id))

    def list(self) -> Sequence[Reservation]:
        """Every reservation by id."""
        return _sorted(self._read().reservations)


class MemoryStockLedger(_Repo):
    """The stock ledger in memory."""

    def append(self, movement: StockMovement) -> None:
        """Append a movement; raises AlreadyExists on a reused id."""
        if movement.movement_id in self._read().movement_ids:
            raise AlreadyExists(kind="stock movement", key=movement.movement_id)
        self._j.put(self._t.movement_ids, movement.movement_id, len(self._t.movements))
        self._j.append(self._t.movements, movement)
        self._j.add_to(
            self._t.movements_by_key, (movement.sku, movement.location_id), movement.movement_id
        )

    def get(self, movement_id: str) -> StockMovement:
        """Return one movement; raises NotFound."""
        tables = self._read()
        position = tables.movement_ids.get(movement_id)
        if position is None:
            raise NotFound(kind="stock movement", key=movement_id)
        return tables.movements[position]

    def for_key(self, sku: str, location_id: str) -> Sequence[StockMovement]:
        """Movements of one SKU at one location, oldest first."""
        tables = self._read()
        positions = sorted(
            tables.movement_ids[m] for m in tables.movements_by_key.get((sku, location_id), ())
        )
        return tuple(tables.movements[p] for p in positions)

    def balance(self, sku: str, location_id: str) -> int:
        """Sum of the movements of one SKU at one location."""
        return sum(m.quantity for m in self.for_key(sku, location_id))


class MemoryOrderRepository(_Repo):
    """Orders in memory, with optimistic versions."""

    def get(self, order_id: str) -> Order:
        """Return the order; raises NotFound."""
        return _get(self._read().orders, order_id, "order")

    def find(self, order_id: str) -> Order | None:
        """Return the order or None."""
        return self._read().orders.get(order_id)

    def find_by_reference(self, channel: str, external_ref: str) -> Order | None:
        """Return the order placed under (channel, external_ref), or None."""
        tables = self._read()
        order_id = tables.order_refs.get((str(channel), external_ref))
        return None if order_id is None else tables.orders[order_id]

    def add(self, order: Order) -> None:
        """Store a new order; raises AlreadyExists for a taken id or reference."""
        tables = self._read()
        ref = (str(order.channel), order.external_ref)
        if order.order_id in tables.orders:
            raise AlreadyExists(kind="order", key=order.order_id)
        if ref in tables.order_refs:
            raise AlreadyExists(kind="order reference", key="/".join(ref))
        self._j.put(tables.orders, order.order_id, order)
        self._j.put(tables.order_refs, ref, order.order_id)

    def update(self, order: Order, *, expected_version: int) -> None:
        """Replace the stored order; raises ConcurrencyConflict on a version mismatch."""
        stored = self.get(order.order_id)
        same_reference((str(stored.channel), stored.external_ref), order)
        check_version(stored.version, expected_version, "order", order.order_id)
        self._j.put(self._t.orders, order.order_id, order)

    def list(self, *, status: OrderStatus | None = None) -> Sequence[Order]:
        """Orders, optionally in one status, by id."""
        orders = _sorted(self._read().orders)
        return orders if status is None else tuple(o for o in orders if o.status is status)


class MemoryShipmentRepository(_Repo):
    """Shipments in memory."""

    def add(self, shipment: Shipment) -> None:
        """Store a new shipment; raises AlreadyExists."""
        if shipment.shipment_id in self._read().shipments:
            raise AlreadyExists(kind="shipment", key=shipment.shipment_id)
        self._j.put(self._t.shipments, shipment.shipment_id, shipment)
        self._j.add_to(self._t.shipments_by_order, shipment.order_id, shipment.shipment_id)

    def get(self, shipment_id: str) -> Shipment:
        """Return the shipment; raises NotFound."""
        return _get(self._read().shipments, shipment_id, "shipment")

    def update(self, shipment: Shipment) -> None:
        """Replace a stored shipment; raises NotFound."""
        same_owner(self.get(shipment.shipment_id).order_id, shipment.order_id)
        self._j.put(self._t.shipments, shipment.shipment_id, shipment)

    def for_order(self, order_id: str) -> Sequence[Shipment]:
        """Shipments of an order by id."""
        tables = self._read()
        return _sorted(tables.shipments, tables.shipments_by_order.get(order_id, set()))


class MemoryInvoiceRepository(_Repo):
    """Invoices and credit notes in memory."""

    def add(self, invoice: Invoice) -> None:
        """Store an issued document; raises AlreadyExists."""
        if invoice.number in self._read().invoices:
            raise AlreadyExists(kind="invoice", key=invoice.number)
        tables = self._t
        self._j.put(tables.invoices, invoice.number, invoice)
        self._j.add_to(tables.invoices_by_order, invoice.order_id, invoice.number)
        self._j.put(tables.invoice_seq, invoice.number, len(tables.invoice_seq))
        self._j.add_to_set(tables.unsettled_invoices, invoice.number)
        if invoice.distance_sale is not None and invoice.supply_date is not None:
            year = invoice.supply_date.year
            total = tables.distance_sales.get(year, Money.zero("EUR"))
            change = invoice.distance_sale * invoice.sign
            self._j.put(tables.distance_sales, year, total + change)

    def get(self, number: str) -> Invoice:
        """Return the document; raises NotFound."""
        return _get(self._read().invoices, number, "invoice")

    def for_order(self, order_id: str) -> Sequence[Invoice]:
        """Documents of an order in the order they were issued."""
        tables = self._read()
        numbers = sorted(
            tables.invoices_by_order.get(order_id, set()), key=tables.invoice_seq.__getitem__
        )
        return tuple(tables.invoices[number] for number in numbers)

    def next_number(self, series: str) -> int:
        """Take the next number of a series; rolled back with the unit of work."""
        number = self._read().invoice_counters.get(series, 0) + 1
        self._j.put(self._t.invoice_counters, series, number)
        return number

    def unsettled(self) -> Sequence[Invoice]:
        """Documents not settled yet, in the order they were issued."""
        tables = self._read()
        numbers = sorted(tables.unsettled_invoices, key=tables.invoice_seq.__getitem__)
        return tuple(tables.invoices[number] for number in numbers)

    def mark_settled(self, numbers: Sequence[str]) -> None:
        """Mark documents settled, all or none; unknown numbers raise NotFound."""
        tables = self._read()
        _mark_done(self._j, tables.invoices, tables.unsettled_invoices, numbers, "invoice")

    def distance_sales(self, year: int) -> Money:
        """The year's distance sales in EUR, credit notes subtracted."""
        return self._read().distance_sales.get(year, Money.zero("EUR"))


class MemoryPaymentRepository(_Repo):
    """Payments in memory."""

    def add(self, payment: Payment) -> None:
        """Store a new payment; raises AlreadyExists."""
        tables = self._read()
        if payment.payment_id in tables.payments:
            raise AlreadyExists(kind="payment", key=payment.payment_id)
        self._j.put(tables.payments, payment.payment_id, payment)
        ids = tables.payments_by_order.get(payment.order_id)
        if ids is None:
            self._j.put(tables.payments_by_order, payment.order_id, [payment.payment_id])
        else:
            self._j.append(ids, payment.payment_id)

    def update(self, payment: Payment) -> None:
        """Replace a stored payment; raises NotFound."""
        tables = self._read()
        same_owner(_get(tables.payments, payment.payment_id, "payment").order_id, payment.order_id)
        self._j.put(tables.payments, payment.payment_id, payment)

    def for_order(self, order_id: str) -> Sequence[Payment]:
        """Payments of an order in the order they were added."""
        tables = self._read()
        return tuple(tables.payments[i] for i in tables.payments_by_order.get(order_id, []))


class MemoryReturnRepository(_Repo):
    """Returns in memory."""

    def add(self, return_: Return) -> None:
        """Store a new return; raises AlreadyExists."""
        if return_.return_id in self._read().returns:
            raise AlreadyExists(kind="return", key=return_.return_id)
        self._j.put(self._t.returns, return_.return_id, return_)
        self._j.add_to(self._t.returns_by_order, return_.order_id, return_.return_id)

    def get(self, return_id: str) -> Return:
        """Return the return; raises NotFound."""
        return _get(self._read().returns, return_id, "return")

    def update(self, return_: Return) -> None:
        """Replace a stored return; raises NotFound."""
        same_owner(self.get(return_.return_id).order_id, return_.order_id)
        self._j.put(self._t.returns, return_.return_id, return_)

    def for_order(self, order_id: str) -> Sequence[Return]:
        """Returns of an order by id."""
        tables = self._read()
        return _sorted(tables.returns, tables.returns_by_order.get(order_id, set()))


class MemoryQuoteRepository(_Repo):
    """Quotes in memory, with optimistic versions."""

    def add(self, quote: Quote) -> None:
        """Store a new quote; raises AlreadyExists for a taken id or reference."""
        tables = self._read()
        ref = (str(quote.request.channel), quote.request.external_ref)
        if quote.quote_id in tables.quotes:
            raise AlreadyExists(kind="quote", key=quote.quote_id)
        if ref in tables.quote_refs:
            raise AlreadyExists(kind="quote reference", key="/".join(ref))
        self._j.put(tables.quotes, quote.quote_id, quote)
        self._j.put(tables.quote_refs, ref, quote.quote_id)
        if quote.customer_id is not None:
            self._j.add_to(tables.quotes_by_customer, quote.customer_id, quote.quote_id)

    def get(self, quote_id: str) -> Quote:
        """Return the quote; raises NotFound."""
        return _get(self._read().quotes, quote_id, "quote")

    def find_by_reference(self, channel: str, external_ref: str) -> Quote | None:
        """Return the quote of (channel, external_ref), or None."""
        tables = self._read()
        quote_id = tables.quote_refs.get((str(channel), external_ref))
        return None if quote_id is None else tables.quotes[quote_id]

    def update(self, quote: Quote, *, expected_version: int) -> None:
        """Replace the stored quote; raises ConcurrencyConflict on a version mismatch."""
        stored = self.get(quote.quote_id)
        same_request(stored, quote)
        check_version(stored.version, expected_version, "quote", quote.quote_id)
        self._j.put(self._t.quotes, quote.quote_id, quote)

    def list(
        self, *, status: QuoteStatus | None = None, customer_id: str | None = None
    ) -> Sequence[Quote]:
        """Quotes, optionally in one status and of one customer, by id."""
        tables = self._read()
        keys = None if customer_id is None else tables.quotes_by_customer.get(customer_id, set())
        quotes = _sorted(tables.quotes, keys)
        return quotes if status is None else tuple(q for q in quotes if q.status is status)


class MemoryCancellationLog(_Repo):
    """Cancellation records in memory."""

    def add(self, record: CancellationRecord) -> None:
        """Append a record."""
        self._j.append(self._t.cancellations, record)

    def list(self) -> Sequence[CancellationRecord]:
        """Every record, oldest first."""
        return tuple(self._read().cancellations)


def _mark_done(
    journal: _Journal, known: Mapping[str, object], pending: set[str], ids: Sequence[str], kind: str
) -> None:
    """Take ``ids`` out of ``pending``, all or none: an id not in ``known`` raises NotFound."""
    unknown = [key for key in ids if key not in known]
    if unknown:
        raise NotFound(kind=kind, key=unknown[0])
    for key in ids:
        journal.discard_from_set(pending, key)


class MemoryTaskRepository(_Repo):
    """Staff tasks in memory, one per (rule, subject)."""

    def add(self, task: Task) -> None:
        """Store a new task; AlreadyExists on a reused id or (rule, subject)."""
        tables = self._read()
        key = f"{task.rule}\x00{task.subject}"
        if task.task_id in tables.tasks:
            raise AlreadyExists(kind="task", key=task.task_id)
        if key in tables.task_keys:
            raise AlreadyExists(kind="task", key=f"{task.rule} for {task.subject}")
        self._j.put(tables.tasks, task.task_id, task)
        self._j.put(tables.task_keys, key, task.task_id)
        self._j.add_to_set(tables.undelivered_tasks, task.task_id)

    def find(self, rule: str, subject: str) -> Task | None:
        """The task ``rule`` raised for ``subject``, if any."""
        tables = self._read()
        task_id = tables.task_keys.get(f"{rule}\x00{subject}")
        return None if task_id is None else tables.tasks[task_id]

    def list(self) -> Sequence[Task]:
        """Every task, by id."""
        return _sorted(self._read().tasks)

    def undelivered(self) -> Sequence[Task]:
        """Tasks not yet handed to the staff notifier, by id."""
        tables = self._read()
        return _sorted(tables.tasks, tables.undelivered_tasks)

    def mark_delivered(self, task_ids: Sequence[str]) -> None:
        """Mark tasks delivered; unknown ids raise NotFound."""
        tables = self._read()
        _mark_done(self._j, tables.tasks, tables.undelivered_tasks, task_ids, "task")


class MemoryOutbox(_Repo):
    """The transactional outbox in memory."""

    def append(self, events: Sequence[DomainEvent]) -> None:
        """Add events; raises AlreadyExists on a reused event id."""
        tables = self._read()
        seen: set[str] = set()
        for event in events:
            if event.event_id in tables.outbox or event.event_id in seen:
                raise AlreadyExists(kind="event", key=event.event_id)
            seen.add(event.event_id)
        for event in events:
            self._j.put(tables.event_seq, event.event_id, len(tables.event_seq))
            self._j.put(tables.outbox, event.event_id, event)
            self._j.add_to_set(tables.unpublished, event.event_id)

    def pending(self, *, limit: int = 100) -> Sequence[DomainEvent]:
        """Unpublished events, oldest first."""
        tables = self._read()
        # Unpublished events are few (the relay runs after every commit), so
        # sorting them by outbox position is cheap and survives rollbacks.
        ids = sorted(tables.unpublished, key=tables.event_seq.__getitem__)[: max(0, limit)]
        return tuple(tables.outbox[event_id] for event_id in ids)

    def mark_published(self, event_ids: Sequence[str]) -> None:
        """Mark events delivered; unknown ids raise NotFound."""
        tables = self._read()
        _mark_done(self._j, tables.outbox, tables.unpublished, event_ids, "event")


R = TypeVar("R", bound=_Repo)


class _Repository(Generic[R]):
    """A repository of a :class:`MemoryUnitOfWork`, made when the unit of work first asks for it.

    A call that reads two tables then builds two repositories, not fifteen.
    """

    def __init__(self, kind: type[R]) -> None:
        self._kind = kind
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, uow: None, owner: type) -> Self: ...

    @overload
    def __get__(self, uow: MemoryUnitOfWork, owner: type) -> R: ...

    def __get__(self, uow: MemoryUnitOfWork | None, owner: type) -> R | Self:
        if uow is None:
            return self
        repository = self._kind(uow._store._tables, uow._journal)
        uow.__dict__[self._name] = repository  # the instance attribute answers from now on
        return repository


class MemoryUnitOfWork:
    """A unit of work over a :class:`MemoryStore` (see the module docstring)."""

    locations = _Repository(MemoryLocationRepository)
    products = _Repository(MemoryProductRepository)
    customers = _Repository(MemoryCustomerRepository)
    stock = _Repository(MemoryStockRepository)
    reservations = _Repository(MemoryReservationRepository)
    ledger = _Repository(MemoryStockLedger)
    orders = _Repository(MemoryOrderRepository)
    shipments = _Repository(MemoryShipmentRepository)
    invoices = _Repository(MemoryInvoiceRepository)
    payments = _Repository(MemoryPaymentRepository)
    returns = _Repository(MemoryReturnRepository)
    quotes = _Repository(MemoryQuoteRepository)
    cancellations = _Repository(MemoryCancellationLog)
    tasks = _Repository(MemoryTaskRepository)
    outbox = _Repository(MemoryOutbox)

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._journal = _Journal()

    def __enter__(self) -> Self:
        if self._journal.active:
            raise OmsError("this unit of work is already open; open a new one per call")
        if self._store._owner == threading.get_ident():
            raise OmsError(
                "this thread already has a unit of work open on this store; units of work "
                "do not nest (finish the first one before opening another)"
            )
        self._store._lock.acquire()
        self._store._owner = threading.get_ident()
        self._journal.active = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            self._journal.active = False
            self._store._owner = None
            self._store._lock.release()

    def commit(self) -> None:
        """Keep every change made so far in this unit of work."""
        self._journal.check()
        self._journal.forget()

    def rollback(self) -> None:
        """Undo every change since the last commit."""
        self._journal.rollback()


class MemoryStore:
    """State kept in process memory; the reference :class:`~omskit.ports.Store`.

    Thread-safe: units of work run one at a time. A thread may hold only one
    open unit of work per store (they do not nest).
    """

    def __init__(self) -> None:
        self._tables = _Tables()
        self._lock = threading.Lock()
        self._owner: int | None = None

    def unit_of_work(self) -> MemoryUnitOfWork:
        """Open a new unit of work."""
        return MemoryUnitOfWork(self)
