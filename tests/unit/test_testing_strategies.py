"""The public Hypothesis strategies build valid objects that keep the cross-field rules."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

import attrs
import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

import omskit.events
import omskit.model
from omskit.errors import InvalidInput
from omskit.events import (
    EVENT_TYPES,
    AvailabilityChanged,
    DomainEvent,
    OrderPlaced,
    OrderStatusChanged,
    QuoteStatusChanged,
    ShipmentStatusChanged,
    StockReceived,
)
from omskit.geo import GeoPoint
from omskit.model import (
    Customer,
    CustomerType,
    Delivery,
    DeliveryMethod,
    DocumentKind,
    Invoice,
    MovementReason,
    NotificationChannel,
    Order,
    OrderRequest,
    Payment,
    PurchaseOrder,
    Quote,
    QuoteStatus,
    Reservation,
    Shipment,
    ShipmentStatus,
    StockMovement,
    StockPosition,
)
from omskit.money import CURRENCY_EXPONENTS, Money
from omskit.testing import strategies as oms_st

STRATEGY_FOR: dict[type[Any], Callable[[], st.SearchStrategy[Any]]] = {
    omskit.model.Address: oms_st.addresses,
    omskit.model.Allocation: oms_st.allocations,
    omskit.model.BoxSize: oms_st.box_sizes,
    omskit.model.CancellationRecord: oms_st.cancellation_records,
    omskit.model.Carrier: oms_st.carriers,
    omskit.model.Customer: oms_st.customers,
    omskit.model.Delivery: oms_st.deliveries,
    omskit.model.Dimensions: oms_st.dimensions,
    omskit.model.PaymentSplit: oms_st.payment_splits,
    omskit.model.Invoice: oms_st.invoices,
    omskit.model.InvoiceLine: oms_st.invoice_lines,
    omskit.model.Location: oms_st.locations,
    omskit.model.Order: oms_st.orders,
    omskit.model.OrderLine: oms_st.order_lines,
    omskit.model.OrderLineRequest: oms_st.order_line_requests,
    omskit.model.OrderRequest: oms_st.order_requests,
    omskit.model.Payment: oms_st.payments,
    omskit.model.Product: oms_st.products,
    omskit.model.PurchaseOrder: oms_st.purchase_orders,
    omskit.model.PurchaseOrderLine: oms_st.purchase_order_lines,
    omskit.model.Quote: oms_st.quotes,
    omskit.model.Reservation: oms_st.reservations,
    omskit.model.Return: oms_st.returns,
    omskit.model.RoutingRecord: oms_st.routing_records,
    omskit.model.ReturnLine: oms_st.return_lines,
    omskit.model.Shipment: oms_st.shipments,
    omskit.model.ShipmentLine: oms_st.shipment_lines,
    omskit.model.StockKey: oms_st.stock_keys,
    omskit.model.StockMovement: oms_st.stock_movements,
    omskit.model.StockPosition: oms_st.stock_positions,
    omskit.model.Task: oms_st.tasks,
    omskit.model.TrackingEvent: oms_st.tracking_events,
    Money: oms_st.money,
    GeoPoint: oms_st.geo_points,
}

FEW = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SOME = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# ``find`` without shrinking: the first example found is good enough.
FIRST = settings(database=None, max_examples=1000, phases=[Phase.generate])
IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@#+-]{0,127}$")


# --------------------------------------------------------------------------- coverage, shape


def test_every_public_model_class_has_a_strategy() -> None:
    model_classes = {
        obj
        for obj in (getattr(omskit.model, name) for name in omskit.model.__all__)
        if isinstance(obj, type) and attrs.has(obj)
    }
    assert model_classes - set(STRATEGY_FOR) == set()


@pytest.mark.parametrize(
    ("cls", "strategy"), list(STRATEGY_FOR.items()), ids=[c.__name__ for c in STRATEGY_FOR]
)
def test_strategy_yields_valid_instances_of_its_class(
    cls: type[Any], strategy: Callable[[], st.SearchStrategy[Any]]
) -> None:
    @FEW
    @given(strategy())
    def check(value: Any) -> None:
        assert type(value) is cls
        # Built through the real constructor: re-validating changes nothing.
        assert attrs.evolve(value) == value

    check()


def test_public_names_are_sorted_documented_strategy_factories() -> None:
    assert oms_st.__all__ == sorted(oms_st.__all__)
    for name in oms_st.__all__:
        factory = getattr(oms_st, name)
        assert factory.__doc__, f"{name} has no docstring"
        assert isinstance(factory(), st.SearchStrategy), name


EVENT_CLASSES = [
    obj
    for obj in (getattr(omskit.events, name) for name in omskit.events.__all__)
    if isinstance(obj, type) and issubclass(obj, DomainEvent) and obj is not DomainEvent
]


@pytest.mark.parametrize("cls", EVENT_CLASSES, ids=[cls.__name__ for cls in EVENT_CLASSES])
def test_domain_events_of_one_kind_yield_that_class(cls: type[DomainEvent]) -> None:
    @settings(max_examples=10, deadline=None)
    @given(oms_st.domain_events([cls]))
    def check(event: DomainEvent) -> None:
        assert type(event) is cls

    check()


def test_domain_events_refuse_classes_without_a_strategy() -> None:
    @attrs.frozen(kw_only=True)
    class Unknown(DomainEvent):
        event_type: ClassVar[str] = "unknown"

    with pytest.raises(InvalidInput, match="no strategy for Unknown") as info:
        oms_st.domain_events([OrderPlaced, Unknown])
    assert info.value.path == "kinds"
    with pytest.raises(InvalidInput):
        oms_st.domain_events([])


def test_importing_omskit_does_not_import_hypothesis() -> None:
    code = (
        "import sys, omskit, omskit.model, omskit.events, omskit.serialization, omskit.testing; "
        "sys.exit('hypothesis' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# --------------------------------------------------------------------------- building blocks


@SOME
@given(oms_st.identifiers(), oms_st.texts())
def test_identifiers_and_texts_are_short_and_valid(identifier: str, text: str) -> None:
    assert IDENTIFIER.match(identifier)
    assert len(identifier) <= 8
    assert text.strip()
    assert len(text) <= 24


@SOME
@given(oms_st.money())
def test_money_has_exactly_its_currency_scale(money: Money) -> None:
    assert money.amount.as_tuple().exponent == -CURRENCY_EXPONENTS[money.currency]
    assert not money.is_negative()


@SOME
@given(oms_st.money("JPY"), oms_st.money("KWD", min_minor=1, max_minor=5))
def test_money_respects_a_given_currency_and_bounds(yen: Money, dinar: Money) -> None:
    assert yen.currency == "JPY"
    assert yen.amount == yen.amount.to_integral_value()
    assert dinar.currency == "KWD"
    assert Decimal("0.001") <= dinar.amount <= Decimal("0.005")


@SOME
@given(oms_st.aware_datetimes(), oms_st.dates())
def test_datetimes_are_aware_and_in_this_century(moment: datetime, day: Any) -> None:
    assert moment.utcoffset() is not None
    assert 2000 <= moment.year <= 2100
    assert 2000 <= day.year <= 2100


def test_aware_datetimes_use_other_offsets_than_utc() -> None:
    moment = find(
        oms_st.aware_datetimes(),
        lambda d: d.utcoffset() is not None and d.utcoffset().total_seconds() < 0,
        settings=FIRST,
    )
    assert moment.utcoffset() is not None


# --------------------------------------------------------------------------- cross-field rules


@SOME
@given(oms_st.stock_positions())
def test_stock_position_never_promises_more_than_on_hand(position: StockPosition) -> None:
    assert 0 <= position.reserved + position.allocated <= position.on_hand <= 1000
    assert position.free >= 0


@SOME
@given(oms_st.deliveries())
def test_delivery_has_what_its_method_needs(delivery: Delivery) -> None:
    if delivery.method is DeliveryMethod.SHIP:
        assert delivery.address is not None
        assert delivery.pickup_location_id is None
    else:
        assert delivery.pickup_location_id is not None


@SOME
@given(oms_st.customers())
def test_customer_contact_details_match_vat_and_notifications(customer: Customer) -> None:
    if customer.customer_type is CustomerType.B2C:
        assert customer.vat_id is None
    if NotificationChannel.EMAIL in customer.notify_by:
        assert customer.email is not None
    if NotificationChannel.SMS in customer.notify_by:
        assert customer.phone is not None
    assert 0 <= customer.payment_terms_days <= 365


@SOME
@given(oms_st.order_requests())
def test_order_request_lines_are_in_the_order_currency(request: OrderRequest) -> None:
    assert 1 <= len(request.lines) <= 5
    for line in request.lines:
        assert line.unit_price.currency == request.currency
        assert 1 <= line.quantity <= 1000
        if line.discount is not None:
            assert line.discount.currency == request.currency
            assert line.discount <= line.unit_price * line.quantity
        assert not line.total.is_negative()


@SOME
@given(oms_st.orders())
def test_order_lines_are_numbered_and_never_over_allocated(order: Order) -> None:
    assert [line.line_id for line in order.lines] == [
        str(n) for n in range(1, len(order.lines) + 1)
    ]
    for line in order.lines:
        assert line.unit_price.currency == order.currency
        assert line.allocated_quantity <= line.quantity
        assert line.shipped_quantity <= line.allocated_quantity
        sites = [allocation.location_id for allocation in line.allocations]
        assert len(sites) == len(set(sites))
    assert order.total.currency == order.currency


@SOME
@given(oms_st.invoices())
def test_invoice_amounts_add_up_and_credit_notes_name_their_invoice(invoice: Invoice) -> None:
    assert (invoice.kind is DocumentKind.CREDIT_NOTE) == (invoice.corrects is not None)
    assert (invoice.kind is DocumentKind.CREDIT_NOTE) == (invoice.reason is not None)
    if invoice.distance_sale is not None:
        assert invoice.supply_date is not None
    for line in invoice.lines:
        assert line.net == (line.unit_price * line.quantity).rounded()
        assert line.vat == (line.net * line.vat_rate).rounded()
        assert line.net.currency == invoice.currency
    if invoice.due_on is not None:
        assert invoice.due_on >= invoice.issued_at.date()


@SOME
@given(oms_st.payments(), oms_st.order_requests())
def test_payments_move_no_more_than_authorised_and_plans_leave_one_split_open(
    payment: Payment, request: OrderRequest
) -> None:
    assert payment.refunded <= payment.captured <= payment.amount
    assert sum(split.amount is None for split in request.payments) <= 1
    assert all(
        split.amount is None or split.amount.currency == request.currency
        for split in request.payments
    )


@SOME
@given(oms_st.quotes())
def test_quote_dates_and_order_fit_its_status(quote: Quote) -> None:
    assert quote.request.placed_at is None
    assert quote.valid_until > quote.created_at
    assert (quote.status is QuoteStatus.ACCEPTED) == (quote.order_id is not None)
    assert (quote.status is QuoteStatus.OPEN) == (quote.closed_at is None)
    if quote.closed_at is not None:
        assert quote.closed_at >= quote.created_at
        assert (quote.closed_at >= quote.valid_until) == (quote.status is QuoteStatus.EXPIRED)
    assert quote.total.currency == quote.currency


@SOME
@given(oms_st.shipments())
def test_shipment_timestamps_fit_its_status(shipment: Shipment) -> None:
    left = shipment.status in {
        ShipmentStatus.SHIPPED,
        ShipmentStatus.DELIVERED,
        ShipmentStatus.RETURNED,
    }
    assert (shipment.shipped_at is not None) == left
    assert (shipment.delivered_at is not None) == (shipment.status is ShipmentStatus.DELIVERED)
    if shipment.shipped_at is not None:
        assert shipment.shipped_at >= shipment.created_at
        assert shipment.carrier is not None
        assert shipment.tracking_number is not None
    if shipment.delivered_at is not None:
        assert shipment.shipped_at is not None
        assert shipment.delivered_at >= shipment.shipped_at


@SOME
@given(oms_st.purchase_orders())
def test_purchase_order_lines_have_distinct_skus_and_are_not_over_received(
    po: PurchaseOrder,
) -> None:
    skus = [line.sku for line in po.lines]
    assert len(skus) == len(set(skus))
    for line in po.lines:
        assert 0 <= line.received <= line.quantity


@SOME
@given(oms_st.reservations())
def test_reservation_is_for_an_order_line_or_an_expiring_cart_hold(
    reservation: Reservation,
) -> None:
    assert (reservation.order_id is None) == (reservation.line_id is None)
    if reservation.expires_at is not None:
        assert reservation.order_id is None
        assert reservation.expires_at > reservation.created_at
        assert reservation.is_active(reservation.created_at)


@SOME
@given(oms_st.stock_movements())
def test_stock_movement_sign_matches_its_reason(movement: StockMovement) -> None:
    if movement.reason in {MovementReason.RECEIPT, MovementReason.TRANSFER_IN}:
        assert movement.quantity > 0
    if movement.reason in {MovementReason.SHIPMENT, MovementReason.POS_SALE}:
        assert movement.quantity < 0
    assert 1 <= abs(movement.quantity) <= 1000


@SOME
@given(oms_st.domain_events())
def test_events_describe_real_changes(event: DomainEvent) -> None:
    assert type(event) in EVENT_TYPES.values()  # by default, only events a converter can read
    assert event.occurred_at.utcoffset() is not None
    if isinstance(
        event,
        OrderStatusChanged | ShipmentStatusChanged | AvailabilityChanged | QuoteStatusChanged,
    ):
        assert event.previous != event.current
    if isinstance(event, StockReceived):
        assert event.on_hand >= event.quantity
