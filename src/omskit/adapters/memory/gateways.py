"""Reference in-memory gateways: working implementations that also record calls.

Use them in tests and demos, or as the starting point of a real integration.
Every class satisfies its Protocol in :mod:`omskit.ports`.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

import attrs

from omskit.errors import GatewayError, InvalidInput, NotFound
from omskit.events import AvailabilityChanged, DomainEvent
from omskit.model import (
    Address,
    Invoice,
    NotificationChannel,
    Order,
    Payment,
    PaymentMethod,
    PaymentStatus,
    PurchaseOrder,
    Shipment,
    Task,
    TaxCategory,
    TrackingEvent,
)
from omskit.money import Money
from omskit.ports import CarrierQuote

E = TypeVar("E", bound=DomainEvent)

__all__ = [
    "ManualClock",
    "MemoryCarrier",
    "MemoryPayments",
    "MemorySupplier",
    "MemoryWarehouse",
    "RecordingAccounting",
    "RecordingCustomerNotifier",
    "RecordingPublisher",
    "RecordingStaffNotifier",
    "RecordingStorefront",
    "SentMessage",
    "SequentialIds",
    "SystemClock",
    "TableTaxRates",
    "UuidIds",
]


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        """The current time in UTC."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to: for tests, demos and replays."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        if start.utcoffset() is None:
            raise InvalidInput("must be timezone-aware", path="start", value=start)
        self._now = start

    def now(self) -> datetime:
        """The clock's current time."""
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by ``delta`` (never backwards) and return the new time."""
        if delta < timedelta(0):
            raise InvalidInput("a clock does not run backwards", path="delta", value=delta)
        self._now += delta
        return self._now


class UuidIds:
    """Random identifiers: ``prefix`` then 32 hex digits of a UUID4."""

    def new_id(self, prefix: str) -> str:
        """A new random identifier."""
        return f"{prefix}{uuid.uuid4().hex}"


class SequentialIds:
    """Readable, deterministic identifiers: ``O-000001``, ``O-000002``..., per prefix."""

    def __init__(self) -> None:
        self._counters: dict[str, itertools.count[int]] = {}
        self._lock = threading.Lock()

    def new_id(self, prefix: str) -> str:
        """The next identifier for ``prefix``."""
        with self._lock:
            counter = self._counters.setdefault(prefix, itertools.count(1))
            return f"{prefix}{next(counter):06d}"


class RecordingPublisher:
    """An event publisher that keeps what it was given, in order."""

    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    def publish(self, event: DomainEvent) -> None:
        """Record the event."""
        self.events.append(event)

    def of_type(self, kind: type[E]) -> list[E]:
        """The recorded events of one class."""
        return [e for e in self.events if isinstance(e, kind)]


class MemoryWarehouse:
    """A warehouse (WMS) that accepts releases and refuses cancels once picking began.

    Call :meth:`start_picking` to mimic the WMS moving a shipment to picking
    on its own (the race in which a cancel arrives too late), and
    :meth:`label` for a shipment whose label is printed (too late to
    redirect it).
    """

    def __init__(self) -> None:
        self.released: dict[str, Shipment] = {}
        self.picking: set[str] = set()
        self.cancelled: list[str] = []
        self.labelled: set[str] = set()
        self.addresses: dict[str, Address] = {}
        """Where a redirected shipment goes now, by shipment id."""

    def release(self, shipment: Shipment, order: Order) -> None:
        """Accept a shipment for picking; releasing the same shipment again is a no-op.

        A repeated release of a cancelled shipment revives it; a *different*
        shipment under a known id raises :class:`~omskit.errors.GatewayError`.
        """
        known = self.released.get(shipment.shipment_id)
        if known is not None and known != shipment:
            raise GatewayError(
                f"shipment {shipment.shipment_id!r} was already released with other content",
                gateway="warehouse",
            )
        self.released[shipment.shipment_id] = shipment
        if shipment.shipment_id in self.cancelled:
            self.cancelled.remove(shipment.shipment_id)

    def start_picking(self, shipment_id: str) -> None:
        """Mark a shipment as picked on the warehouse side."""
        if shipment_id not in self.released:
            raise NotFound(kind="released shipment", key=shipment_id)
        if shipment_id in self.cancelled:
            raise GatewayError(f"shipment {shipment_id!r} was cancelled", gateway="warehouse")
        self.picking.add(shipment_id)

    def label(self, shipment_id: str) -> None:
        """Mark a shipment as labelled: from now on it cannot be redirected."""
        if shipment_id not in self.released:
            raise NotFound(kind="released shipment", key=shipment_id)
        self.labelled.add(shipment_id)

    def redirect(self, shipment_id: str, address: Address) -> bool:
        """Send a shipment to another address; ``False`` once it is labelled."""
        if shipment_id not in self.released:
            raise NotFound(kind="released shipment", key=shipment_id)
        if shipment_id in self.labelled:
            return False
        self.addresses[shipment_id] = address
        return True

    def cancel(self, shipment_id: str) -> bool:
        """Stop a shipment; ``False`` once picking has started."""
        if shipment_id not in self.released:
            raise NotFound(kind="released shipment", key=shipment_id)
        if shipment_id in self.picking:
            return False
        if shipment_id not in self.cancelled:
            self.cancelled.append(shipment_id)
        return True


@attrs.frozen
class _Rate:
    carrier: str
    service: str
    base: Money
    transit_days: int
    countries: frozenset[str]


class MemoryCarrier:
    """A carrier with a fixed price list per destination country."""

    def __init__(self, code: str = "postnl") -> None:
        self.code = code
        self._rates: list[_Rate] = []
        self._tracking: dict[str, list[TrackingEvent]] = {}
        self.booked: dict[str, str] = {}
        self._ids = SequentialIds()

    def add_rate(
        self, service: str, price: Money, *, transit_days: int, countries: Iterable[str]
    ) -> None:
        """Offer ``service`` at ``price`` to ``countries``."""
        self._rates.append(_Rate(self.code, service, price, transit_days, frozenset(countries)))

    def quote(
        self, shipment: Shipment, *, origin_country: str, destination_country: str
    ) -> Sequence[CarrierQuote]:
        """Offers for the destination, cheapest first."""
        offers = [
            CarrierQuote(r.carrier, r.service, r.base, r.transit_days)
            for r in self._rates
            if destination_country in r.countries
        ]
        return sorted(offers, key=lambda q: (q.price.amount, q.transit_days, q.service))

    def book(self, shipment: Shipment, *, service: str) -> str:
        """Book a shipment; returns a tracking number."""
        if not any(r.service == service for r in self._rates):
            raise GatewayError(f"unknown service {service!r}", gateway=f"carrier {self.code}")
        tracking = self._ids.new_id(f"{self.code.upper()}-")
        self.booked[tracking] = shipment.shipment_id
        self._tracking[tracking] = []
        return tracking

    def add_tracking_event(self, tracking_number: str, event: TrackingEvent) -> None:
        """Record a status update as the carrier would report it."""
        if tracking_number not in self._tracking:
            raise NotFound(kind="tracking number", key=tracking_number)
        self._tracking[tracking_number].append(event)

    def track(self, tracking_number: str) -> Sequence[TrackingEvent]:
        """Status updates for a parcel, oldest first."""
        if tracking_number not in self._tracking:
            raise NotFound(kind="tracking number", key=tracking_number)
        return tuple(self._tracking[tracking_number])


class MemorySupplier:
    """An ERP with purchase orders kept in memory."""

    def __init__(self, purchase_orders: Iterable[PurchaseOrder] = ()) -> None:
        self.purchase_orders: dict[str, PurchaseOrder] = {}
        for po in purchase_orders:
            self.purchase_orders[po.po_id] = po

    def open_purchase_orders(self, *, sku: str | None = None) -> Sequence[PurchaseOrder]:
        """Purchase orders with outstanding units (of ``sku``, if given), by expected date."""
        found = [
            po
            for po in self.purchase_orders.values()
            if (
                po.outstanding(sku)
                if sku is not None
                else any(line.outstanding for line in po.lines)
            )
        ]
        return sorted(found, key=lambda po: (po.expected_on, po.po_id))

    def place_purchase_order(self, purchase_order: PurchaseOrder) -> str:
        """Store a new purchase order; returns its id."""
        if purchase_order.po_id in self.purchase_orders:
            raise GatewayError(
                f"duplicate purchase order {purchase_order.po_id!r}", gateway="supplier"
            )
        self.purchase_orders[purchase_order.po_id] = purchase_order
        return purchase_order.po_id

    def update(self, purchase_order: PurchaseOrder) -> None:
        """Replace a purchase order (a new expected date, a receipt)."""
        if purchase_order.po_id not in self.purchase_orders:
            raise NotFound(kind="purchase order", key=purchase_order.po_id)
        self.purchase_orders[purchase_order.po_id] = purchase_order


class MemoryPayments:
    """A payment provider that keeps authorisations, captures and refunds in memory.

    ``decline_above`` makes it decline authorisations over an amount, to test
    the unhappy path. Captures and refunds are idempotent on their
    ``reference``: a repeat returns the payment unchanged. ``fail_next``
    makes the next capture or refund raise :class:`~omskit.errors.GatewayError`
    (an outage), for retry tests.
    """

    def __init__(self, *, decline_above: Money | None = None) -> None:
        self.payments: dict[str, Payment] = {}
        self.references: dict[str, str] = {}
        """Capture and refund references seen, to the payment they moved."""
        self.fail_next = 0
        self._decline_above = decline_above
        self._ids = SequentialIds()

    def authorise(self, order_id: str, amount: Money, *, method: PaymentMethod) -> Payment:
        """Authorise ``amount``; declines raise GatewayError."""
        if not isinstance(amount, Money) or amount.amount <= 0:
            raise InvalidInput("must be a positive Money amount", path="amount", value=amount)
        if self._decline_above is not None and amount > self._decline_above:
            raise GatewayError(f"declined: {amount} is over the limit", gateway="payments")
        payment = Payment(
            self._ids.new_id("PAY-"), order_id, method, amount, PaymentStatus.AUTHORISED
        )
        self.payments[payment.payment_id] = payment
        return payment

    def _payment(self, payment_id: str) -> Payment:
        try:
            return self.payments[payment_id]
        except KeyError:
            raise NotFound(kind="payment", key=payment_id) from None

    def _start(self, payment_id: str, amount: Money, reference: str) -> Payment | None:
        """The payment, or ``None`` when ``reference`` was seen (a repeat)."""
        payment = self._payment(payment_id)
        if not isinstance(amount, Money) or amount.currency != payment.amount.currency:
            raise InvalidInput(
                f"must be Money in {payment.amount.currency}", path="amount", value=amount
            )
        if amount.amount <= 0:
            raise InvalidInput("must be positive", path="amount", value=str(amount.amount))
        if not isinstance(reference, str) or not reference:
            raise InvalidInput("must be a non-empty string", path="reference", value=reference)
        if reference in self.references:
            return None
        if self.fail_next:
            self.fail_next -= 1
            raise GatewayError("the payment provider is unavailable", gateway="payments")
        return payment

    def capture(self, payment_id: str, amount: Money, *, reference: str) -> Payment:
        """Capture up to the authorised amount, once per reference."""
        payment = self._start(payment_id, amount, reference)
        if payment is None:
            return self.payments[payment_id]
        if payment.status not in (PaymentStatus.AUTHORISED, PaymentStatus.CAPTURED):
            raise GatewayError(
                f"cannot capture a {payment.status.value} payment", gateway="payments"
            )
        if amount > payment.capturable:
            raise GatewayError("capture exceeds the authorised amount", gateway="payments")
        payment = attrs.evolve(
            payment, status=PaymentStatus.CAPTURED, captured=payment.captured + amount
        )
        self.payments[payment_id] = payment
        self.references[reference] = payment_id
        return payment

    def refund(self, payment_id: str, amount: Money, *, reference: str) -> Payment:
        """Refund up to the captured amount, once per reference; REFUNDED once all is back."""
        payment = self._start(payment_id, amount, reference)
        if payment is None:
            return self.payments[payment_id]
        if amount > payment.refundable:
            raise GatewayError("refund exceeds the captured amount", gateway="payments")
        refunded = payment.refunded + amount
        status = PaymentStatus.REFUNDED if refunded == payment.captured else payment.status
        payment = attrs.evolve(payment, status=status, refunded=refunded)
        self.payments[payment_id] = payment
        self.references[reference] = payment_id
        return payment

    def void(self, payment_id: str) -> Payment:
        """Release an authorisation with nothing captured."""
        payment = self._payment(payment_id)
        if payment.status is not PaymentStatus.AUTHORISED:
            raise GatewayError(f"cannot void a {payment.status.value} payment", gateway="payments")
        payment = attrs.evolve(payment, status=PaymentStatus.VOIDED)
        self.payments[payment_id] = payment
        return payment


@attrs.frozen
class SentMessage:
    """A message a :class:`RecordingCustomerNotifier` was asked to send."""

    customer_id: str
    template: str
    channels: frozenset[NotificationChannel]
    data: Mapping[str, str]


class RecordingCustomerNotifier:
    """Keeps every customer message instead of sending it."""

    def __init__(self) -> None:
        self.sent: list[SentMessage] = []

    def notify(
        self,
        customer_id: str,
        *,
        template: str,
        channels: frozenset[NotificationChannel],
        data: Mapping[str, str],
    ) -> None:
        """Record the message."""
        self.sent.append(SentMessage(customer_id, template, channels, dict(data)))


class RecordingStaffNotifier:
    """Keeps every staff task."""

    def __init__(self) -> None:
        self.tasks: list[Task] = []

    def raise_task(self, task: Task) -> None:
        """Record the task."""
        self.tasks.append(task)


class RecordingAccounting:
    """Keeps every posted invoice and payment; a repeated invoice number is a no-op.

    ``fail_next`` makes the next post raise :class:`~omskit.errors.GatewayError`
    (an outage), for retry tests.
    """

    def __init__(self) -> None:
        self.invoices: list[Invoice] = []
        self.payments: list[Payment] = []
        self.fail_next = 0

    def _outage(self) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise GatewayError("accounting is unavailable", gateway="accounting")

    def post_invoice(self, invoice: Invoice) -> None:
        """Record the invoice (once per number)."""
        self._outage()
        if all(posted.number != invoice.number for posted in self.invoices):
            self.invoices.append(invoice)

    def post_payment(self, payment: Payment) -> None:
        """Record the payment as it stands after a capture or refund."""
        self._outage()
        self.payments.append(payment)


class TableTaxRates:
    """VAT rates from a table of ``(country, category) -> [(valid_from, rate), ...]``."""

    def __init__(
        self, table: Mapping[tuple[str, TaxCategory], Sequence[tuple[date, Decimal]]]
    ) -> None:
        self._table = {key: sorted(rows) for key, rows in table.items()}

    def rate(self, country: str, category: TaxCategory, *, on: date) -> Decimal:
        """The rate in force on ``on``; NotFound when the table has none."""
        rows = self._table.get((country, category), [])
        current = [rate for valid_from, rate in rows if valid_from <= on]
        if not current:
            raise NotFound(kind="VAT rate", key=f"{country}/{category.value}/{on.isoformat()}")
        return current[-1]


class RecordingStorefront:
    """Keeps every availability change pushed to the storefront."""

    def __init__(self) -> None:
        self.changes: list[AvailabilityChanged] = []

    def publish(self, changes: Sequence[AvailabilityChanged]) -> None:
        """Record the changes."""
        self.changes.extend(changes)

    def latest(self, sku: str, channel: str) -> int | None:
        """The last sellable quantity pushed for (sku, channel), if any."""
        for change in reversed(self.changes):
            if change.sku == sku and change.channel == channel:
                return change.current
        return None
