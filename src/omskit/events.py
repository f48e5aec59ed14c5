"""Domain events: immutable facts about state changes.

The service appends every event to the outbox in the same unit of work as the
state change, and the relay hands them to the
:class:`~omskit.ports.EventPublisher` after the commit. ``event_id`` is unique,
so consumers can drop duplicates of an at-least-once delivery.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from types import MappingProxyType
from typing import ClassVar

import attrs

from omskit.model import OrderStatus, QuoteStatus, ShipmentStatus, TaskSeverity
from omskit.model._checks import (
    aware_datetime,
    identifier,
    instance_of,
    items_of,
    non_negative_int,
    optional_identifier,
    optional_instance_of,
    optional_text,
    state,
    text,
    to_tuple,
)
from omskit.model.orders import Allocation
from omskit.money import Money

__all__ = [
    "EVENT_TYPES",
    "AvailabilityChanged",
    "CancelOfferTaken",
    "CancellationRequested",
    "CustomerMessage",
    "MessageField",
    "DeliveryChanged",
    "HoldReleased",
    "InvoiceIssued",
    "InvoiceSettled",
    "PaymentAuthorised",
    "PaymentDeclined",
    "TaskRaised",
    "DomainEvent",
    "LineAdded",
    "LineBackordered",
    "LinesCancelled",
    "MasterDataChanged",
    "OrderAllocated",
    "OrderPlaced",
    "OrderReleased",
    "OrderStatusChanged",
    "QuoteCreated",
    "QuoteStatusChanged",
    "ShipDatePromised",
    "ShipmentStatusChanged",
    "StockAdjusted",
    "StockHeld",
    "StockReceived",
    "StockReleased",
    "StockReserved",
    "StockSold",
]


@attrs.frozen(kw_only=True)
class DomainEvent:
    """Base of every event: a unique id and the moment it happened."""

    event_type: ClassVar[str] = "domain_event"

    event_id: str = attrs.field(validator=identifier)
    occurred_at: datetime = attrs.field(validator=aware_datetime)


@attrs.frozen(kw_only=True)
class OrderPlaced(DomainEvent):
    """A new order was captured from a channel."""

    event_type: ClassVar[str] = "order_placed"

    order_id: str = attrs.field(validator=identifier)
    channel: str = attrs.field(validator=identifier)
    external_ref: str = attrs.field(validator=identifier)


@attrs.frozen(kw_only=True)
class OrderAllocated(DomainEvent):
    """Stock was reserved for an order line at one or more locations."""

    event_type: ClassVar[str] = "order_allocated"

    order_id: str = attrs.field(validator=identifier)
    line_id: str = attrs.field(validator=identifier)
    sku: str = attrs.field(validator=identifier)
    allocations: tuple[Allocation, ...] = attrs.field(
        converter=to_tuple, validator=items_of(Allocation)
    )


@attrs.frozen(kw_only=True)
class LineBackordered(DomainEvent):
    """Part of an order line could not be allocated from stock on hand."""

    event_type: ClassVar[str] = "line_backordered"

    order_id: str = attrs.field(validator=identifier)
    line_id: str = attrs.field(validator=identifier)
    sku: str = attrs.field(validator=identifier)
    quantity: int = attrs.field(validator=non_negative_int)


@attrs.frozen(kw_only=True)
class OrderStatusChanged(DomainEvent):
    """An order moved from one status to another."""

    event_type: ClassVar[str] = "order_status_changed"

    order_id: str = attrs.field(validator=identifier)
    previous: OrderStatus = attrs.field(validator=state)
    """The status before; a shop's own state when its lifecycle adds one (see ``Order.status``)."""
    current: OrderStatus = attrs.field(validator=state)
    event: str = attrs.field(validator=identifier)


@attrs.frozen(kw_only=True)
class OrderReleased(DomainEvent):
    """An order was handed to the warehouse gateway, one shipment per location."""

    event_type: ClassVar[str] = "order_released"

    order_id: str = attrs.field(validator=identifier)
    shipment_ids: tuple[str, ...] = attrs.field(converter=to_tuple, validator=items_of(str))


@attrs.frozen(kw_only=True)
class ShipmentStatusChanged(DomainEvent):
    """A shipment moved on (picking, packed, shipped, delivered...)."""

    event_type: ClassVar[str] = "shipment_status_changed"

    shipment_id: str = attrs.field(validator=identifier)
    order_id: str = attrs.field(validator=identifier)
    previous: ShipmentStatus = attrs.field(validator=instance_of(ShipmentStatus))
    current: ShipmentStatus = attrs.field(validator=instance_of(ShipmentStatus))
    tracking_number: str | None = attrs.field(default=None, validator=optional_text)


@attrs.frozen(kw_only=True)
class StockReceived(DomainEvent):
    """Units arrived at a location and count as on hand."""

    event_type: ClassVar[str] = "stock_received"

    sku: str = attrs.field(validator=identifier)
    location_id: str = attrs.field(validator=identifier)
    quantity: int = attrs.field(validator=non_negative_int)
    on_hand: int = attrs.field(validator=non_negative_int)
    reference: str | None = attrs.field(default=None, validator=optional_text)


@attrs.frozen(kw_only=True)
class StockSold(DomainEvent):
    """Units were sold at a store's till and left the shelf (A3)."""

    event_type: ClassVar[str] = "stock_sold"

    sku: str = attrs.field(validator=identifier)
    location_id: str = attrs.field(validator=identifier)
    quantity: int = attrs.field(validator=non_negative_int)
    on_hand: int = attrs.field(validator=non_negative_int)
    receipt: str = attrs.field(validator=identifier)


@attrs.frozen(kw_only=True)
class StockReserved(DomainEvent):
    """Units were reserved at a location for an order line."""

    event_type: ClassVar[str] = "stock_reserved"

    sku: str = attrs.field(validator=identifier)
    location_id: str = attrs.field(validator=identifier)
    quantity: int = attrs.field(validator=non_negative_int)
    order_id: str | None = attrs.field(default=None, validator=optional_identifier)


@attrs.frozen(kw_only=True)
class StockHeld(DomainEvent):
    """Units were held at a location for a shopping cart until ``expires_at`` (A5)."""

    event_type: ClassVar[str] = "stock_held"

    reservation_id: str = attrs.field(validator=identifier)
    sku: str = attrs.field(validator=identifier)
    location_id: str = attrs.field(validator=identifier)
    quantity: int = attrs.field(validator=non_negative_int)
    cart_id: str = attrs.field(validator=identifier)
    expires_at: datetime = attrs.field(validator=aware_datetime)


@attrs.frozen(kw_only=True)
class StockReleased(DomainEvent):
    """Reserved or held units stopped being reserved (A5).

    ``why`` is ``released`` (the cart or the caller let go), ``expired`` (a
    hold passed its expiry and was swept), ``consumed`` (a cart's hold made
    way for the order placed from it) or ``cancelled`` (the order was
    cancelled).
    """

    event_type: ClassVar[str] = "stock_released"

    reservation_id: str = attrs.field(validator=identifier)
    sku: str = attrs.field(validator=identifier)
    location_id: str = attrs.field(validator=identifier)
    quantity: int = attrs.field(validator=non_negative_int)
    why: str = attrs.field(validator=identifier)
    order_id: str | None = attrs.field(default=None, validator=optional_identifier)
    cart_id: str | None = attrs.field(default=None, validator=optional_identifier)


@attrs.frozen(kw_only=True)
class StockAdjusted(DomainEvent):
    """On-hand stock changed by a count, a write-off, a transfer or a correction.

    ``quantity`` is the signed change; ``movement_id`` the ledger entry.
    """

    event_type: ClassVar[str] = "stock_adjusted"

    sku: str = attrs.field(validator=identifier)
    location_id: str = attrs.field(validator=identifier)
    quantity: int = attrs.field(validator=instance_of(int))
    on_hand: int = attrs.field(validator=non_negative_int)
    reason: str = attrs.field(validator=identifier)
    movement_id: str = attrs.field(validator=identifier)
    reference: str | None = attrs.field(default=None, validator=optional_text)


@attrs.frozen(kw_only=True)
class CancellationRequested(DomainEvent):
    """Someone asked to cancel (part of) an order; ``accepted`` says how it ended (D3)."""

    event_type: ClassVar[str] = "cancellation_requested"

    order_id: str = attrs.field(validator=identifier)
    record_id: str = attrs.field(validator=identifier)
    reason: str = attrs.field(validator=identifier)
    stage: str = attrs.field(validator=identifier)
    accepted: bool = attrs.field(validator=instance_of(bool))
    line_ids: tuple[str, ...] = attrs.field(default=(), converter=to_tuple, validator=items_of(str))
    """The lines cancelled or asked for (empty: the whole order)."""


@attrs.frozen(kw_only=True)
class LinesCancelled(DomainEvent):
    """Some lines of an order were cancelled; the order itself goes on (D1)."""

    event_type: ClassVar[str] = "lines_cancelled"

    order_id: str = attrs.field(validator=identifier)
    line_ids: tuple[str, ...] = attrs.field(converter=to_tuple, validator=items_of(str))


@attrs.frozen(kw_only=True)
class CancelOfferTaken(DomainEvent):
    """A refused cancel was turned into one of the alternatives it offered (D2)."""

    event_type: ClassVar[str] = "cancel_offer_taken"

    order_id: str = attrs.field(validator=identifier)
    record_id: str = attrs.field(validator=identifier)
    """The follow-up record."""
    follows: str = attrs.field(validator=identifier)
    """The refused attempt."""
    offer: str = attrs.field(validator=identifier)


@attrs.frozen(kw_only=True)
class HoldReleased(DomainEvent):
    """A hold on an order was lifted (C1); the order moves on when it was the last one."""

    event_type: ClassVar[str] = "hold_released"

    order_id: str = attrs.field(validator=identifier)
    hold: str = attrs.field(validator=identifier)
    """The hold code, e.g. ``payment`` or ``fraud`` (:class:`~omskit.model.HoldReason`)."""
    released_by: str = attrs.field(validator=identifier)


@attrs.frozen
class MessageField:
    """One field a message template is filled with, e.g. ``promised_ship_date``."""

    name: str = attrs.field(validator=identifier)
    value: str = attrs.field(validator=instance_of(str))


@attrs.frozen(kw_only=True)
class CustomerMessage(DomainEvent):
    """A message to a customer, written with the change it tells of (C6, E1-E3).

    The relay hands it to the :class:`~omskit.ports.CustomerNotifier` over the
    customer's ``channels`` (their preferences when the change happened),
    at least once, like every event in the outbox.
    """

    event_type: ClassVar[str] = "customer_message"

    customer_id: str = attrs.field(validator=identifier)
    order_id: str = attrs.field(validator=identifier)
    template: str = attrs.field(validator=identifier)
    """What the message says, e.g. ``order_confirmed`` or ``delivery_delayed``."""
    channels: tuple[str, ...] = attrs.field(converter=to_tuple, validator=items_of(str))
    """The customer's notification channels, e.g. ``("email", "sms")``."""
    data: tuple[MessageField, ...] = attrs.field(
        converter=to_tuple, validator=items_of(MessageField)
    )
    """The template's fields, by name."""

    @property
    def fields(self) -> dict[str, str]:
        """The template's fields as a mapping."""
        return {field.name: field.value for field in self.data}


@attrs.frozen(kw_only=True)
class TaskRaised(DomainEvent):
    """A trigger rule raised a staff task (C5); it is raised once per rule and subject."""

    event_type: ClassVar[str] = "task_raised"

    task_id: str = attrs.field(validator=identifier)
    rule: str = attrs.field(validator=identifier)
    subject: str = attrs.field(validator=identifier)
    """The order id, or ``order_id/line_id`` for a rule over lines."""
    order_id: str = attrs.field(validator=identifier)
    severity: TaskSeverity = attrs.field(validator=instance_of(TaskSeverity))


@attrs.frozen(kw_only=True)
class DeliveryChanged(DomainEvent):
    """An order's delivery address changed; ``rerouted`` if its stock was routed again (C6)."""

    event_type: ClassVar[str] = "delivery_changed"

    order_id: str = attrs.field(validator=identifier)
    rerouted: bool = attrs.field(validator=instance_of(bool))
    shipment_ids: tuple[str, ...] = attrs.field(
        default=(), converter=to_tuple, validator=items_of(str)
    )
    """Shipments the warehouse redirected."""


@attrs.frozen(kw_only=True)
class LineAdded(DomainEvent):
    """A product was added to an existing order (D2's "add a product")."""

    event_type: ClassVar[str] = "line_added"

    order_id: str = attrs.field(validator=identifier)
    line_id: str = attrs.field(validator=identifier)
    sku: str = attrs.field(validator=identifier)
    quantity: int = attrs.field(validator=non_negative_int)


@attrs.frozen(kw_only=True)
class ShipDatePromised(DomainEvent):
    """A waiting line's promised ship date was set or moved (E1, E2); ``None``: no date now."""

    event_type: ClassVar[str] = "ship_date_promised"

    order_id: str = attrs.field(validator=identifier)
    line_id: str = attrs.field(validator=identifier)
    previous: date | None = attrs.field(validator=optional_instance_of(date))
    current: date | None = attrs.field(validator=optional_instance_of(date))


@attrs.frozen(kw_only=True)
class QuoteCreated(DomainEvent):
    """A quote was made for an order request; it is open until ``valid_until`` (F4)."""

    event_type: ClassVar[str] = "quote_created"

    quote_id: str = attrs.field(validator=identifier)
    channel: str = attrs.field(validator=identifier)
    external_ref: str = attrs.field(validator=identifier)
    """The reference the order gets when the quote is accepted."""
    valid_until: datetime = attrs.field(validator=aware_datetime)
    customer_id: str | None = attrs.field(default=None, validator=optional_identifier)


@attrs.frozen(kw_only=True)
class QuoteStatusChanged(DomainEvent):
    """A quote was accepted, declined, withdrawn or expired (F4).

    ``order_id`` names the order an accepted quote became; ``reason`` says
    why a quote was declined or withdrawn, when someone said.
    """

    event_type: ClassVar[str] = "quote_status_changed"

    quote_id: str = attrs.field(validator=identifier)
    previous: QuoteStatus = attrs.field(validator=instance_of(QuoteStatus))
    current: QuoteStatus = attrs.field(validator=instance_of(QuoteStatus))
    event: str = attrs.field(validator=identifier)
    order_id: str | None = attrs.field(default=None, validator=optional_identifier)
    reason: str | None = attrs.field(default=None, validator=optional_text)


@attrs.frozen(kw_only=True)
class MasterDataChanged(DomainEvent):
    """A location, product or customer was registered or its definition replaced."""

    event_type: ClassVar[str] = "master_data_changed"

    kind: str = attrs.field(validator=identifier)
    """``location``, ``product`` or ``customer``."""
    key: str = attrs.field(validator=identifier)


@attrs.frozen(kw_only=True)
class AvailabilityChanged(DomainEvent):
    """The sellable quantity of a SKU for a channel changed (A3)."""

    event_type: ClassVar[str] = "availability_changed"

    sku: str = attrs.field(validator=identifier)
    channel: str = attrs.field(validator=identifier)
    previous: int = attrs.field(validator=non_negative_int)
    current: int = attrs.field(validator=non_negative_int)


@attrs.frozen(kw_only=True)
class InvoiceIssued(DomainEvent):
    """An invoice or credit note was issued (F1-F4, F6); settlement follows after the commit."""

    event_type: ClassVar[str] = "invoice_issued"

    order_id: str = attrs.field(validator=identifier)
    number: str = attrs.field(validator=identifier)
    kind: str = attrs.field(validator=identifier)
    """``invoice`` or ``credit_note``."""
    gross: Money = attrs.field(validator=instance_of(Money))
    shipment_id: str | None = attrs.field(default=None, validator=optional_identifier)
    corrects: str | None = attrs.field(default=None, validator=optional_identifier)


@attrs.frozen(kw_only=True)
class InvoiceSettled(DomainEvent):
    """A document was settled: its payment captured or refunded, and posted to accounting."""

    event_type: ClassVar[str] = "invoice_settled"

    order_id: str = attrs.field(validator=identifier)
    number: str = attrs.field(validator=identifier)
    captured: Money = attrs.field(validator=instance_of(Money))
    refunded: Money = attrs.field(validator=instance_of(Money))
    uncovered: Money = attrs.field(validator=instance_of(Money))
    """What no payment of the order covered (pay later, or a shortfall accounting follows up)."""


@attrs.frozen(kw_only=True)
class PaymentAuthorised(DomainEvent):
    """A payment of an order was authorised at the provider (F5)."""

    event_type: ClassVar[str] = "payment_authorised"

    order_id: str = attrs.field(validator=identifier)
    payment_id: str = attrs.field(validator=identifier)
    method: str = attrs.field(validator=identifier)
    amount: Money = attrs.field(validator=instance_of(Money))


@attrs.frozen(kw_only=True)
class PaymentDeclined(DomainEvent):
    """The provider declined a payment of an order; the order waits on a payment hold."""

    event_type: ClassVar[str] = "payment_declined"

    order_id: str = attrs.field(validator=identifier)
    method: str = attrs.field(validator=identifier)
    amount: Money = attrs.field(validator=instance_of(Money))
    reason: str = attrs.field(validator=text)


EVENT_TYPES: Mapping[str, type[DomainEvent]] = MappingProxyType(
    {
        cls.event_type: cls
        for cls in (
            AvailabilityChanged,
            CancellationRequested,
            CancelOfferTaken,
            HoldReleased,
            InvoiceIssued,
            InvoiceSettled,
            PaymentAuthorised,
            PaymentDeclined,
            CustomerMessage,
            TaskRaised,
            DeliveryChanged,
            LineAdded,
            LinesCancelled,
            LineBackordered,
            MasterDataChanged,
            OrderAllocated,
            OrderPlaced,
            OrderReleased,
            OrderStatusChanged,
            QuoteCreated,
            QuoteStatusChanged,
            ShipDatePromised,
            ShipmentStatusChanged,
            StockAdjusted,
            StockHeld,
            StockReceived,
            StockReleased,
            StockReserved,
            StockSold,
        )
    }
)
"""Every concrete event class by its ``event_type`` tag (used by the converter)."""
