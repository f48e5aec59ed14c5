"""Ports: the Protocols omskit talks to, one per integration (brief K1).

Repositories and the :class:`UnitOfWork` hold state; gateways reach the
systems around the OMS (warehouse, carriers, suppliers, payment, notification,
accounting, tax rates, storefront, clock, events). Each port is small and
documents the omskit errors it may raise. :mod:`omskit.adapters.memory` has a
reference implementation of every one of them.

Repositories store and return immutable snapshots; they never hand out an
object that a later write could change behind the caller's back.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

import attrs

from omskit.events import AvailabilityChanged, DomainEvent
from omskit.model import (
    Address,
    CancellationRecord,
    Customer,
    Invoice,
    Location,
    NotificationChannel,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    Product,
    PurchaseOrder,
    Quote,
    QuoteStatus,
    Reservation,
    Return,
    Shipment,
    StockMovement,
    StockPosition,
    Task,
    TaxCategory,
    TrackingEvent,
)
from omskit.money import Money

__all__ = [
    "AccountingGateway",
    "CancellationLog",
    "CarrierGateway",
    "CarrierQuote",
    "Clock",
    "CustomerNotifier",
    "CustomerRepository",
    "EventPublisher",
    "IdGenerator",
    "InvoiceRepository",
    "LocationRepository",
    "Outbox",
    "OrderRepository",
    "PaymentGateway",
    "PaymentRepository",
    "ProductRepository",
    "QuoteRepository",
    "ReservationRepository",
    "ReturnRepository",
    "ShipmentRepository",
    "StaffNotifier",
    "StockLedger",
    "StockRepository",
    "StockScopedStore",
    "Store",
    "StorefrontFeed",
    "SupplierGateway",
    "TaskRepository",
    "TaxRateProvider",
    "UnitOfWork",
    "WarehouseGateway",
]


# --------------------------------------------------------------------------- repositories


class LocationRepository(Protocol):
    """Stock-holding locations by id."""

    def get(self, location_id: str) -> Location:
        """Return the location; raises :class:`~omskit.errors.NotFound`."""
        ...

    def find(self, location_id: str) -> Location | None:
        """Return the location or ``None``."""
        ...

    def add(self, location: Location) -> None:
        """Insert or replace the location."""
        ...

    def list(self) -> Sequence[Location]:
        """Every location, ordered by id."""
        ...


class ProductRepository(Protocol):
    """Products by SKU."""

    def get(self, sku: str) -> Product:
        """Return the product; raises :class:`~omskit.errors.NotFound`."""
        ...

    def find(self, sku: str) -> Product | None:
        """Return the product or ``None``."""
        ...

    def add(self, product: Product) -> None:
        """Insert or replace the product."""
        ...

    def list(self) -> Sequence[Product]:
        """Every product, ordered by SKU."""
        ...


class CustomerRepository(Protocol):
    """Customers by id."""

    def get(self, customer_id: str) -> Customer:
        """Return the customer; raises :class:`~omskit.errors.NotFound`."""
        ...

    def find(self, customer_id: str) -> Customer | None:
        """Return the customer or ``None``."""
        ...

    def add(self, customer: Customer) -> None:
        """Insert or replace the customer."""
        ...


class StockRepository(Protocol):
    """Stock positions per (SKU, location)."""

    def get(self, sku: str, location_id: str) -> StockPosition:
        """Return the position; an unknown pair is an all-zero position."""
        ...

    def save(self, position: StockPosition) -> None:
        """Insert or replace the position."""
        ...

    def for_sku(self, sku: str) -> Sequence[StockPosition]:
        """Every stored position of ``sku``, ordered by location id."""
        ...

    def list(self) -> Sequence[StockPosition]:
        """Every stored position, ordered by (sku, location id)."""
        ...


class ReservationRepository(Protocol):
    """Individual reservations and cart holds."""

    def add(self, reservation: Reservation) -> None:
        """Store a new reservation; raises :class:`~omskit.errors.AlreadyExists` on a reused id."""
        ...

    def get(self, reservation_id: str) -> Reservation:
        """Return the reservation; raises :class:`~omskit.errors.NotFound`."""
        ...

    def remove(self, reservation_id: str) -> None:
        """Delete the reservation; raises :class:`~omskit.errors.NotFound`."""
        ...

    def for_order(self, order_id: str) -> Sequence[Reservation]:
        """Reservations of an order, ordered by id."""
        ...

    def for_cart(self, cart_id: str) -> Sequence[Reservation]:
        """Holds of a cart, ordered by id."""
        ...

    def expired(self, now: datetime, *, sku: str | None = None) -> Sequence[Reservation]:
        """Holds whose ``expires_at`` is at or before ``now`` (of ``sku`` only, if given), by id."""
        ...

    def list(self) -> Sequence[Reservation]:
        """Every reservation, ordered by id."""
        ...


class StockLedger(Protocol):
    """The append-only ledger of stock movements."""

    def append(self, movement: StockMovement) -> None:
        """Append a movement; raises :class:`~omskit.errors.AlreadyExists` on a reused id."""
        ...

    def get(self, movement_id: str) -> StockMovement:
        """One movement; raises :class:`~omskit.errors.NotFound`."""
        ...

    def for_key(self, sku: str, location_id: str) -> Sequence[StockMovement]:
        """Movements of one SKU at one location, oldest first."""
        ...

    def balance(self, sku: str, location_id: str) -> int:
        """Sum of the movements of one SKU at one location."""
        ...


class OrderRepository(Protocol):
    """Order aggregates, with optimistic versioning."""

    def get(self, order_id: str) -> Order:
        """Return the order; raises :class:`~omskit.errors.NotFound`."""
        ...

    def find(self, order_id: str) -> Order | None:
        """Return the order or ``None``."""
        ...

    def find_by_reference(self, channel: str, external_ref: str) -> Order | None:
        """Return the order a channel placed under ``external_ref``, or ``None``."""
        ...

    def add(self, order: Order) -> None:
        """Store a new order.

        Raises :class:`~omskit.errors.AlreadyExists` if the id or the
        (channel, external_ref) pair is taken.
        """
        ...

    def update(self, order: Order, *, expected_version: int) -> None:
        """Replace the stored order, whose version must be ``expected_version``.

        Raises :class:`~omskit.errors.ConcurrencyConflict` when another writer
        got there first, :class:`~omskit.errors.NotFound` for an unknown id.
        """
        ...

    def list(self, *, status: OrderStatus | None = None) -> Sequence[Order]:
        """Orders (optionally only those in ``status``), ordered by id."""
        ...


class ShipmentRepository(Protocol):
    """Shipments by id."""

    def add(self, shipment: Shipment) -> None:
        """Store a new shipment; raises :class:`~omskit.errors.AlreadyExists`."""
        ...

    def get(self, shipment_id: str) -> Shipment:
        """Return the shipment; raises :class:`~omskit.errors.NotFound`."""
        ...

    def update(self, shipment: Shipment) -> None:
        """Replace a stored shipment; raises :class:`~omskit.errors.NotFound`."""
        ...

    def for_order(self, order_id: str) -> Sequence[Shipment]:
        """Shipments of an order, ordered by id."""
        ...


class InvoiceRepository(Protocol):
    """Issued invoices and credit notes (immutable once stored)."""

    def add(self, invoice: Invoice) -> None:
        """Store an issued document; raises :class:`~omskit.errors.AlreadyExists`."""
        ...

    def get(self, number: str) -> Invoice:
        """Return the document; raises :class:`~omskit.errors.NotFound`."""
        ...

    def for_order(self, order_id: str) -> Sequence[Invoice]:
        """Documents of an order, in the order they were issued."""
        ...

    def next_number(self, series: str) -> int:
        """Take the next number of ``series`` (1, 2, ...), gapless within committed work.

        The number is taken inside the unit of work: a rollback gives it back,
        and two units of work never commit the same number (the store
        serialises them or locks the series' counter until commit).
        """
        ...

    def unsettled(self) -> Sequence[Invoice]:
        """Documents not yet settled (payment captured or refunded, posted), oldest first."""
        ...

    def mark_settled(self, numbers: Sequence[str]) -> None:
        """Record that the documents ``numbers`` are settled, all or none.

        Raises :class:`~omskit.errors.NotFound` for a number never issued.
        """
        ...

    def distance_sales(self, year: int) -> Money:
        """The ``distance_sale`` amounts of the documents supplied in ``year``, in EUR.

        Invoices add, credit notes subtract: the seller's EU distance sales of
        the year as far as omskit issued them (the OSS threshold, F3).
        """
        ...


class PaymentRepository(Protocol):
    """The payments of orders (authorised, captured, refunded) as omskit knows them (F5)."""

    def add(self, payment: Payment) -> None:
        """Store a new payment; raises :class:`~omskit.errors.AlreadyExists`."""
        ...

    def update(self, payment: Payment) -> None:
        """Replace a stored payment; raises :class:`~omskit.errors.NotFound`."""
        ...

    def for_order(self, order_id: str) -> Sequence[Payment]:
        """Payments of an order, in the order they were added."""
        ...


class ReturnRepository(Protocol):
    """Returns by id."""

    def add(self, return_: Return) -> None:
        """Store a new return; raises :class:`~omskit.errors.AlreadyExists`."""
        ...

    def get(self, return_id: str) -> Return:
        """Return the return; raises :class:`~omskit.errors.NotFound`."""
        ...

    def update(self, return_: Return) -> None:
        """Replace a stored return; raises :class:`~omskit.errors.NotFound`."""
        ...

    def for_order(self, order_id: str) -> Sequence[Return]:
        """Returns of an order, ordered by id."""
        ...


class QuoteRepository(Protocol):
    """Quotes (F4), with optimistic versioning.

    A quote's ``request`` never changes once stored, so its
    ``(channel, external_ref)`` and its customer are fixed.
    """

    def add(self, quote: Quote) -> None:
        """Store a new quote.

        Raises :class:`~omskit.errors.AlreadyExists` if the id or the request's
        (channel, external_ref) pair is taken by another quote.
        """
        ...

    def get(self, quote_id: str) -> Quote:
        """Return the quote; raises :class:`~omskit.errors.NotFound`."""
        ...

    def find_by_reference(self, channel: str, external_ref: str) -> Quote | None:
        """Return the quote whose request has ``(channel, external_ref)``, or ``None``."""
        ...

    def update(self, quote: Quote, *, expected_version: int) -> None:
        """Replace the stored quote, whose version must be ``expected_version``.

        Raises :class:`~omskit.errors.ConcurrencyConflict` when another writer
        got there first, :class:`~omskit.errors.NotFound` for an unknown id and
        :class:`~omskit.errors.InvalidInput` when the request differs from the
        stored one.
        """
        ...

    def list(
        self, *, status: QuoteStatus | None = None, customer_id: str | None = None
    ) -> Sequence[Quote]:
        """Quotes (optionally only those in ``status``, of ``customer_id``), ordered by id."""
        ...


class CancellationLog(Protocol):
    """Every cancel attempt, kept for analysis (D3)."""

    def add(self, record: CancellationRecord) -> None:
        """Append a record."""
        ...

    def list(self) -> Sequence[CancellationRecord]:
        """Every record, oldest first."""
        ...


class TaskRepository(Protocol):
    """Staff tasks raised by trigger rules, at most one per (rule, subject) (C5)."""

    def add(self, task: Task) -> None:
        """Store a new task; AlreadyExists if its id or its (rule, subject) is taken."""
        ...

    def find(self, rule: str, subject: str) -> Task | None:
        """The task ``rule`` raised for ``subject``, if any."""
        ...

    def list(self) -> Sequence[Task]:
        """Every task, by id."""
        ...

    def undelivered(self) -> Sequence[Task]:
        """Tasks not yet handed to the staff notifier, by id."""
        ...

    def mark_delivered(self, task_ids: Sequence[str]) -> None:
        """Mark tasks as handed to the staff notifier; unknown ids raise NotFound."""
        ...


class Outbox(Protocol):
    """Domain events written in the same transaction as the change they describe."""

    def append(self, events: Sequence[DomainEvent]) -> None:
        """Add events to the outbox."""
        ...

    def pending(self, *, limit: int = 100) -> Sequence[DomainEvent]:
        """Events not yet published, oldest first."""
        ...

    def mark_published(self, event_ids: Sequence[str]) -> None:
        """Mark events as delivered to the publisher."""
        ...


class UnitOfWork(Protocol):
    """One atomic unit of work over every repository.

    Use it as a context manager: leaving the block without :meth:`commit`
    (or with an exception) rolls everything back, so a failing call leaves
    every repository exactly as it was.
    """

    @property
    def locations(self) -> LocationRepository:
        """The locations of this unit of work."""
        ...

    @property
    def products(self) -> ProductRepository:
        """The products of this unit of work."""
        ...

    @property
    def customers(self) -> CustomerRepository:
        """The customers of this unit of work."""
        ...

    @property
    def stock(self) -> StockRepository:
        """The stock of this unit of work."""
        ...

    @property
    def reservations(self) -> ReservationRepository:
        """The reservations of this unit of work."""
        ...

    @property
    def ledger(self) -> StockLedger:
        """The ledger of this unit of work."""
        ...

    @property
    def orders(self) -> OrderRepository:
        """The orders of this unit of work."""
        ...

    @property
    def shipments(self) -> ShipmentRepository:
        """The shipments of this unit of work."""
        ...

    @property
    def invoices(self) -> InvoiceRepository:
        """The invoices of this unit of work."""
        ...

    @property
    def payments(self) -> PaymentRepository:
        """The payments of this unit of work."""
        ...

    @property
    def returns(self) -> ReturnRepository:
        """The returns of this unit of work."""
        ...

    @property
    def quotes(self) -> QuoteRepository:
        """The quotes of this unit of work."""
        ...

    @property
    def cancellations(self) -> CancellationLog:
        """The cancellations of this unit of work."""
        ...

    @property
    def tasks(self) -> TaskRepository:
        """The staff tasks of this unit of work."""
        ...

    @property
    def outbox(self) -> Outbox:
        """The outbox of this unit of work."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None:
        """Make every change of this unit of work durable and visible."""
        ...

    def rollback(self) -> None:
        """Discard every change of this unit of work."""
        ...


class Store(Protocol):
    """Where omskit keeps its state; opens units of work."""

    def unit_of_work(self) -> UnitOfWork:
        """Open a new unit of work (use it in a ``with`` block)."""
        ...


@runtime_checkable
class StockScopedStore(Store, Protocol):
    """A store that can run units of work on different SKUs side by side (optional).

    :class:`~omskit.Oms` opens a unit of work with :meth:`stock_unit_of_work`
    for a call whose writes are confined to the stock of a few SKUs and to
    rows of its own (placing an order, holding stock): the SKUs' positions,
    holds and ledger, plus the new order, its reservations, payments and
    events. The store must keep such a unit of work from running at the same
    time as another that touches any of those SKUs, and from running at the
    same time as an ordinary :meth:`~Store.unit_of_work`, which may touch
    anything; two units of work on disjoint SKUs may run in parallel. With
    no SKUs at all it is a unit of work that touches no stock: ``Oms`` opens
    one for its read-only calls and for the event relay. A store that
    serialises every unit of work anyway (the memory and SQLite stores)
    simply does not implement this.
    """

    def stock_unit_of_work(self, skus: Collection[str]) -> UnitOfWork:
        """Open a unit of work whose stock reads and writes are confined to ``skus``."""
        ...


# --------------------------------------------------------------------------- gateways


@attrs.frozen
class CarrierQuote:
    """A carrier's offer for one shipment: price and promised transit time."""

    carrier: str
    service: str
    price: Money
    transit_days: int


@runtime_checkable
class WarehouseGateway(Protocol):
    """The warehouse management system (WMS) or store fulfilment app.

    May raise :class:`~omskit.errors.GatewayError` when the system is down.
    """

    def release(self, shipment: Shipment, order: Order) -> None:
        """Hand a shipment to the warehouse for picking.

        Must be idempotent on ``shipment.shipment_id``: the service retries a
        failed release with the same shipments, so a repeat is a no-op.
        """
        ...

    def cancel(self, shipment_id: str) -> bool:
        """Ask the warehouse to stop a shipment. ``False``: too late, picking has started."""
        ...

    def redirect(self, shipment_id: str, address: Address) -> bool:
        """Ask the warehouse to send a shipment to ``address``. ``False``: too late (labelled)."""
        ...


@runtime_checkable
class CarrierGateway(Protocol):
    """A parcel carrier (G1-G4). May raise :class:`~omskit.errors.GatewayError`."""

    def quote(
        self, shipment: Shipment, *, origin_country: str, destination_country: str
    ) -> Sequence[CarrierQuote]:
        """Offers for a shipment, cheapest first."""
        ...

    def book(self, shipment: Shipment, *, service: str) -> str:
        """Book the shipment; returns the tracking number."""
        ...

    def track(self, tracking_number: str) -> Sequence[TrackingEvent]:
        """Status updates for a parcel, oldest first."""
        ...


@runtime_checkable
class SupplierGateway(Protocol):
    """The ERP or supplier portal with purchase orders (A6, E1-E3, H4)."""

    def open_purchase_orders(self, *, sku: str | None = None) -> Sequence[PurchaseOrder]:
        """Open purchase orders and in-transit supply, optionally for one SKU."""
        ...

    def place_purchase_order(self, purchase_order: PurchaseOrder) -> str:
        """Send a new purchase order; returns the supplier's reference."""
        ...


@runtime_checkable
class PaymentGateway(Protocol):
    """A payment service provider, independent of brand (F5).

    Raises :class:`~omskit.errors.GatewayError` when the provider declines or fails.
    """

    def authorise(self, order_id: str, amount: Money, *, method: PaymentMethod) -> Payment:
        """Reserve ``amount`` on the customer's payment method."""
        ...

    def capture(self, payment_id: str, amount: Money, *, reference: str) -> Payment:
        """Collect (part of) an authorised amount.

        ``reference`` (the invoice number) is the idempotency key: a capture
        repeated with the same reference must not collect twice and returns
        the payment as it stands.
        """
        ...

    def refund(self, payment_id: str, amount: Money, *, reference: str) -> Payment:
        """Pay (part of) a captured amount back; ``reference`` (the credit note) as for capture."""
        ...

    def void(self, payment_id: str) -> Payment:
        """Release an authorisation that will not be captured."""
        ...


@runtime_checkable
class CustomerNotifier(Protocol):
    """E-mail, SMS or push messages to customers (C6, E1-E3)."""

    def notify(
        self,
        customer_id: str,
        *,
        template: str,
        channels: frozenset[NotificationChannel],
        data: Mapping[str, str],
    ) -> None:
        """Send the message ``template`` filled with ``data`` over ``channels``."""
        ...


@runtime_checkable
class StaffNotifier(Protocol):
    """Tasks and alerts for shop and customer-service staff (C5, G3)."""

    def raise_task(self, task: Task) -> None:
        """Put a task in front of staff."""
        ...


@runtime_checkable
class AccountingGateway(Protocol):
    """Accounting or ERP bookkeeping (F2, F6)."""

    def post_invoice(self, invoice: Invoice) -> None:
        """Book an issued invoice or credit note.

        omskit posts at least once: a repeated number must be a no-op.
        """
        ...

    def post_payment(self, payment: Payment) -> None:
        """Book a payment, capture or refund."""
        ...


@runtime_checkable
class TaxRateProvider(Protocol):
    """VAT rates by country, category and date (F3)."""

    def rate(self, country: str, category: TaxCategory, *, on: date) -> Decimal:
        """The rate as a fraction (``0.21``); raises :class:`~omskit.errors.NotFound`."""
        ...


@runtime_checkable
class StorefrontFeed(Protocol):
    """The web shop's availability display (A3, A4)."""

    def publish(self, changes: Sequence[AvailabilityChanged]) -> None:
        """Push changed sellable quantities to the storefront."""
        ...


@runtime_checkable
class Clock(Protocol):
    """The source of the current time; pure code never reads the clock itself."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


@runtime_checkable
class EventPublisher(Protocol):
    """Where committed domain events go (a message bus, webhooks, a log)."""

    def publish(self, event: DomainEvent) -> None:
        """Deliver one event. Delivery is at least once: consumers de-duplicate on ``event_id``."""
        ...


@runtime_checkable
class IdGenerator(Protocol):
    """Makes identifiers for new entities and events."""

    def new_id(self, prefix: str) -> str:
        """A new unique identifier that starts with ``prefix``."""
        ...
