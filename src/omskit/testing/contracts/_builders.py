"""Builders of valid entities for the store contract suites (one fixed moment, small ids)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs

from omskit.events import DomainEvent, OrderPlaced
from omskit.geo import GeoPoint
from omskit.model import (
    CancellationRecord,
    Channel,
    CreditReason,
    Customer,
    Delivery,
    DocumentKind,
    Invoice,
    InvoiceLine,
    Location,
    LocationKind,
    MovementReason,
    Order,
    OrderLine,
    OrderLineRequest,
    OrderRequest,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Product,
    Quote,
    QuoteStatus,
    Reservation,
    Return,
    ReturnLine,
    ReturnStatus,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
    StockMovement,
    StockPosition,
    Task,
    TaskSeverity,
)
from omskit.money import Money

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
"""The moment every built entity is dated at."""


class Boom(Exception):
    """An unexpected failure in the middle of a unit of work."""


def a_location(location_id: str, name: str = "Main warehouse") -> Location:
    return Location(location_id, name, LocationKind.WAREHOUSE, GeoPoint(52.09, 5.12), "NL")


def a_product(sku: str, name: str = "Widget") -> Product:
    return Product(sku, name)


def a_customer(customer_id: str, name: str = "Ada Lovelace") -> Customer:
    return Customer(customer_id, name)


def a_position(sku: str, location_id: str, on_hand: int = 0, reserved: int = 0) -> StockPosition:
    return StockPosition(sku, location_id, on_hand=on_hand, reserved=reserved)


def a_reservation(
    reservation_id: str,
    *,
    sku: str = "SKU-1",
    location_id: str = "L1",
    quantity: int = 1,
    order_id: str | None = "O-1",
) -> Reservation:
    return Reservation(reservation_id, sku, location_id, quantity, T0, order_id=order_id)


def a_movement(
    movement_id: str, *, sku: str = "SKU-1", location_id: str = "L1", quantity: int = 1
) -> StockMovement:
    reason = MovementReason.RECEIPT if quantity > 0 else MovementReason.ADJUSTMENT
    return StockMovement(movement_id, sku, location_id, quantity, reason, T0)


def an_order(
    order_id: str,
    *,
    external_ref: str | None = None,
    channel: Channel = Channel.WEB,
    status: OrderStatus = OrderStatus.CREATED,
    version: int = 0,
) -> Order:
    return Order(
        order_id=order_id,
        channel=channel,
        external_ref=external_ref or f"REF-{order_id}",
        currency="EUR",
        lines=(OrderLine("1", "SKU-1", 1, Money("10.00", "EUR")),),
        delivery=Delivery.collect_at("L1"),
        placed_at=T0,
        status=status,
        version=version,
    )


def a_shipment(
    shipment_id: str, *, order_id: str = "O-1", status: ShipmentStatus = ShipmentStatus.RELEASED
) -> Shipment:
    return Shipment(
        shipment_id, order_id, "L1", (ShipmentLine("1", "SKU-1", 1),), T0, status=status
    )


def an_invoice(number: str, *, order_id: str = "O-1") -> Invoice:
    line = InvoiceLine(
        "Widget",
        1,
        Money("10.00", "EUR"),
        Decimal("0.21"),
        Money("10.00", "EUR"),
        Money("2.10", "EUR"),
        sku="SKU-1",
        order_line_id="1",
    )
    return Invoice(number, DocumentKind.INVOICE, order_id, "EUR", (line,), T0)


def a_return(
    return_id: str, *, order_id: str = "O-1", status: ReturnStatus = ReturnStatus.REQUESTED
) -> Return:
    return Return(return_id, order_id, "L1", (ReturnLine("1", "SKU-1", 1),), T0, status=status)


def a_quote(
    quote_id: str,
    *,
    external_ref: str = "R-1",
    channel: Channel = Channel.WEB,
    customer_id: str | None = "C-1",
    status: QuoteStatus = QuoteStatus.OPEN,
    version: int = 0,
    sku: str = "SKU-1",
) -> Quote:
    """A quote closed as ``status`` (an accepted one became O-1) at a moment that fits."""
    request = OrderRequest(
        channel,
        external_ref,
        "EUR",
        (OrderLineRequest(sku, 1, Money("10.00", "EUR")),),
        Delivery.collect_at("L1"),
        customer_id=customer_id,
    )
    valid_until = T0 + timedelta(days=7)
    closed_at = {QuoteStatus.OPEN: None, QuoteStatus.EXPIRED: valid_until}.get(
        status, T0 + timedelta(hours=1)
    )
    return Quote(
        quote_id,
        request,
        T0,
        valid_until,
        status=status,
        order_id="O-1" if status is QuoteStatus.ACCEPTED else None,
        version=version,
        closed_at=closed_at,
    )


def a_cancellation(record_id: str, *, order_id: str = "O-1") -> CancellationRecord:
    return CancellationRecord(record_id, order_id, "changed_mind", "created", True, "customer", T0)


def an_event(event_id: str, *, order_id: str = "O-1") -> DomainEvent:
    return OrderPlaced(
        event_id=event_id,
        occurred_at=T0,
        order_id=order_id,
        channel="web",
        external_ref=f"REF-{order_id}",
    )


def a_hold(rid: str, cart_id: str, minutes: int, sku: str = "SKU-1") -> Reservation:
    return Reservation(
        rid, sku, "DC", 1, T0, expires_at=T0 + timedelta(minutes=minutes), cart_id=cart_id
    )


def a_task(task_id: str, *, rule: str = "late_line", subject: str = "O-1") -> Task:
    return Task(task_id, rule, subject, "Look at it", TaskSeverity.RED, T0)


def a_distance_sale(number: str, amount: str, *, supplied: date, credit: bool = False) -> Invoice:
    """An invoice (or a credit note of INV-1) adding ``amount`` EUR to the distance sales."""
    extra: dict[str, Any] = {"corrects": "INV-1", "reason": CreditReason.RETURNED} if credit else {}
    return attrs.evolve(
        an_invoice(number),
        kind=DocumentKind.CREDIT_NOTE if credit else DocumentKind.INVOICE,
        supply_date=supplied,
        distance_sale=Money(amount, "EUR"),
        **extra,
    )


def a_payment(payment_id: str, *, order_id: str = "O-1") -> Payment:
    """An authorised card payment of 25.00 EUR."""
    return Payment(
        payment_id, order_id, PaymentMethod.CARD, Money("25.00", "EUR"), PaymentStatus.AUTHORISED
    )
