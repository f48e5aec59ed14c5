"""Hypothesis strategies for omskit values, built through the real constructors.

Every strategy produces *valid* objects, with the model's cross-field rules
kept (order lines in the order currency, ``reserved + allocated <= on_hand``,
a shipped delivery has an address, a credit note names the invoice it
corrects...), so a test that draws from them exercises the code under test
rather than the validators. Bounds keep examples small and readable:
identifiers come from a short alphabet (so collisions happen), quantities are
1-1000, money has its currency's minor-unit scale and datetimes are aware, in
UTC or another fixed offset, between 2000 and 2100.

>>> from hypothesis import given
>>> from omskit.testing import strategies as oms_st
>>> @given(oms_st.order_requests())
... def test_every_request_has_lines(request):
...     assert request.lines

This module needs Hypothesis (``pip install omskit[testing]``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Final

import attrs
from hypothesis import strategies as st

from omskit.countries import COUNTRY_CODES, EU_MEMBER_STATES
from omskit.errors import InvalidInput
from omskit.events import (
    EVENT_TYPES,
    AvailabilityChanged,
    CancellationRequested,
    CancelOfferTaken,
    CustomerMessage,
    DeliveryChanged,
    DomainEvent,
    HoldReleased,
    InvoiceIssued,
    InvoiceSettled,
    LineAdded,
    LineBackordered,
    LinesCancelled,
    MasterDataChanged,
    MessageField,
    OrderAllocated,
    OrderPlaced,
    OrderReleased,
    OrderStatusChanged,
    PaymentAuthorised,
    PaymentDeclined,
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
    TaskRaised,
)
from omskit.geo import GeoPoint
from omskit.model import (
    Address,
    Allocation,
    BoxSize,
    CancelAlternative,
    CancellationRecord,
    CancelReason,
    Capability,
    Carrier,
    Channel,
    CreditReason,
    Customer,
    CustomerType,
    Delivery,
    DeliveryMethod,
    Dimensions,
    DocumentKind,
    HoldReason,
    Invoice,
    InvoiceLine,
    InvoiceLineKind,
    LineStatus,
    Location,
    LocationKind,
    MovementReason,
    NotificationChannel,
    Order,
    OrderFlag,
    OrderLine,
    OrderLineRequest,
    OrderRequest,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentSplit,
    PaymentStatus,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Quote,
    QuoteStatus,
    Reservation,
    Return,
    ReturnLine,
    ReturnStatus,
    RoutingRecord,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
    StockKey,
    StockMovement,
    StockPosition,
    SupplyKind,
    Task,
    TaskSeverity,
    TaxCategory,
    TrackingEvent,
    TrackingStatus,
    TransportMode,
)
from omskit.money import Money

__all__ = [
    "addresses",
    "allocations",
    "availability_changed_events",
    "aware_datetimes",
    "box_sizes",
    "cancellation_records",
    "carriers",
    "currencies",
    "customers",
    "dates",
    "deliveries",
    "dimensions",
    "domain_events",
    "geo_points",
    "identifiers",
    "invoice_issued_events",
    "invoice_lines",
    "invoice_settled_events",
    "invoices",
    "line_backordered_events",
    "locations",
    "master_data_changed_events",
    "money",
    "order_allocated_events",
    "order_line_requests",
    "order_lines",
    "order_placed_events",
    "order_released_events",
    "order_requests",
    "order_status_changed_events",
    "orders",
    "payment_authorised_events",
    "payment_declined_events",
    "payment_splits",
    "payments",
    "products",
    "purchase_order_lines",
    "purchase_orders",
    "quote_created_events",
    "quote_status_changed_events",
    "quotes",
    "reservations",
    "return_lines",
    "returns",
    "routing_records",
    "shipment_lines",
    "shipment_status_changed_events",
    "shipments",
    "stock_adjusted_events",
    "stock_held_events",
    "stock_keys",
    "stock_movements",
    "stock_positions",
    "stock_received_events",
    "stock_released_events",
    "stock_reserved_events",
    "stock_sold_events",
    "tasks",
    "texts",
    "tracking_events",
]

_ID_FIRST: Final = "abcxyzAB0129"
_ID_REST: Final = "abcxyz0129-._"
_TEXT_CHARS: Final = "abcdefgh XYZ 019 .,'-éßø"
_CURRENCIES: Final = ("EUR", "USD", "GBP", "SEK", "CHF", "JPY", "KRW", "KWD", "BHD", "CLF")
_OFFSETS: Final = (
    UTC,
    timezone(timedelta(hours=1)),
    timezone(timedelta(hours=2)),
    timezone(timedelta(hours=5, minutes=30)),
    timezone(timedelta(hours=-5)),
    timezone(timedelta(hours=-9, minutes=-30)),
    timezone(timedelta(hours=14)),
)
_VAT_RATES: Final = tuple(Decimal(r) for r in ("0", "0.055", "0.09", "0.1", "0.19", "0.2", "0.21"))
_MAX_QUANTITY: Final = 1000
_MAX_MINOR: Final = 10_000_000

_COUNTRIES: Final = sorted(COUNTRY_CODES)
_EU: Final = sorted(EU_MEMBER_STATES)


# --------------------------------------------------------------------------- building blocks


def identifiers() -> st.SearchStrategy[str]:
    """Identifiers (SKUs, ids, references) of 1-8 characters from a small alphabet."""
    return st.builds(
        lambda first, rest: first + rest,
        st.sampled_from(_ID_FIRST),
        st.text(_ID_REST, max_size=7),
    )


def texts() -> st.SearchStrategy[str]:
    """Non-blank human text (names, titles, notes) of 1-24 characters, some non-ASCII."""
    return st.builds(
        lambda first, rest: first + rest,
        st.sampled_from("AbXé9"),
        st.text(_TEXT_CHARS, max_size=23),
    )


def currencies() -> st.SearchStrategy[str]:
    """ISO 4217 codes with 0, 2, 3 and 4 minor-unit digits (JPY, EUR, KWD, CLF...)."""
    return st.sampled_from(_CURRENCIES)


def aware_datetimes() -> st.SearchStrategy[datetime]:
    """Timezone-aware datetimes from 2000 to 2100, in UTC or another fixed UTC offset."""
    return st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2099, 12, 31, 23, 59, 59),
        timezones=st.sampled_from(_OFFSETS),
    )


def dates() -> st.SearchStrategy[date]:
    """Calendar dates from 2000 to 2100."""
    return st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


def _later(start: datetime) -> st.SearchStrategy[datetime]:
    return st.builds(
        lambda minutes: start + timedelta(minutes=minutes), st.integers(0, 60 * 24 * 30)
    )


@st.composite
def money(
    draw: st.DrawFn,
    currency: str | None = None,
    *,
    min_minor: int = 0,
    max_minor: int = _MAX_MINOR,
) -> Money:
    """Money in ``currency`` (any of :func:`currencies` when ``None``).

    The amount is a whole number of minor units from ``min_minor`` to
    ``max_minor`` (cents for EUR), so it has exactly the currency's scale:
    ``Money("12.30", "EUR")``, ``Money("1230", "JPY")``.
    """
    code = currency if currency is not None else draw(currencies())
    return Money.from_minor(draw(st.integers(min_minor, max_minor)), code)


def geo_points() -> st.SearchStrategy[GeoPoint]:
    """Any WGS 84 point: latitude -90..90, longitude -180..180."""
    return st.builds(
        GeoPoint,
        lat=st.floats(-90, 90, allow_nan=False, allow_infinity=False),
        lon=st.floats(-180, 180, allow_nan=False, allow_infinity=False),
    )


def _countries() -> st.SearchStrategy[str]:
    return st.sampled_from(_COUNTRIES)


def _quantities() -> st.SearchStrategy[int]:
    return st.integers(1, _MAX_QUANTITY)


# --------------------------------------------------------------------------- parties, catalog


def addresses() -> st.SearchStrategy[Address]:
    """Postal addresses, with or without a name, second line and geo point."""
    return st.builds(
        Address,
        line1=texts(),
        postal_code=st.builds(
            lambda first, rest: first + rest,
            st.sampled_from("0129ABZ"),
            st.text("0129ABZ -", max_size=7),
        ),
        city=texts(),
        country=_countries(),
        name=st.none() | texts(),
        line2=st.none() | texts(),
        point=st.none() | geo_points(),
    )


def _emails() -> st.SearchStrategy[str]:
    word = st.text("abcxyz019", min_size=1, max_size=8)
    return st.builds(
        lambda user, domain, tld: f"{user}@{domain}.{tld}",
        word,
        word,
        st.sampled_from("nl de com".split()),
    )


def _phones() -> st.SearchStrategy[str]:
    return st.builds(
        lambda plus, first, rest: plus + first + rest,
        st.sampled_from(["", "+"]),
        st.sampled_from("123456789"),
        st.text("0123456789 ", min_size=5, max_size=12),
    )


def _vat_ids() -> st.SearchStrategy[str]:
    return st.builds(
        lambda prefix, number: prefix + number,
        st.sampled_from([*sorted(set(_EU) - {"GR"}), "EL", "XI", "GB", "NO"]),
        st.text("0123456789ABZ", min_size=2, max_size=13),
    )


@st.composite
def customers(draw: st.DrawFn) -> Customer:
    """Customers that keep the cross-field rules.

    Only B2B customers may carry a VAT id, and the e-mail address or phone
    number that a chosen notification channel needs is always present.
    """
    customer_type = draw(st.sampled_from(CustomerType))
    notify_by = draw(st.frozensets(st.sampled_from(NotificationChannel)))
    email_needed = NotificationChannel.EMAIL in notify_by
    phone_needed = NotificationChannel.SMS in notify_by
    return Customer(
        customer_id=draw(identifiers()),
        name=draw(texts()),
        customer_type=customer_type,
        email=draw(_emails() if email_needed else st.none() | _emails()),
        phone=draw(_phones() if phone_needed else st.none() | _phones()),
        vat_id=draw(st.none() | _vat_ids()) if customer_type is CustomerType.B2B else None,
        notify_by=notify_by,
        payment_terms_days=draw(st.sampled_from([0, 14, 30, 60]) | st.integers(0, 365)),
    )


def dimensions() -> st.SearchStrategy[Dimensions]:
    """Unit sizes of 1-2000 mm per side."""
    side = st.integers(1, 2000)
    return st.builds(Dimensions, length_mm=side, width_mm=side, height_mm=side)


def products() -> st.SearchStrategy[Product]:
    """Products with weights up to 50 kg, optional dimensions, flags and tax category."""
    return st.builds(
        Product,
        sku=identifiers(),
        name=texts(),
        weight_grams=st.integers(0, 50_000),
        dimensions=st.none() | dimensions(),
        fragile=st.booleans(),
        hazardous=st.booleans(),
        tax_category=st.sampled_from(TaxCategory),
        waiting_cap=st.none() | st.integers(0, 1000),
        release_date=st.none() | st.dates(),
    )


def locations() -> st.SearchStrategy[Location]:
    """Stock-holding locations of every kind, capability set and channel set."""
    return st.builds(
        Location,
        location_id=identifiers(),
        name=texts(),
        kind=st.sampled_from(LocationKind),
        point=geo_points(),
        country=_countries(),
        capabilities=st.frozensets(st.sampled_from(Capability)),
        channels=st.frozensets(st.sampled_from(Channel)),
        daily_capacity=st.none() | st.integers(0, 10_000),
    )


# --------------------------------------------------------------------------- stock


def stock_keys() -> st.SearchStrategy[StockKey]:
    """(SKU, location) keys."""
    return st.builds(StockKey, sku=identifiers(), location_id=identifiers())


@st.composite
def stock_positions(draw: st.DrawFn) -> StockPosition:
    """Stock positions with ``reserved + allocated <= on_hand <= 1000``."""
    on_hand = draw(st.integers(0, _MAX_QUANTITY))
    reserved = draw(st.integers(0, on_hand))
    allocated = draw(st.integers(0, on_hand - reserved))
    return StockPosition(
        sku=draw(identifiers()),
        location_id=draw(identifiers()),
        on_hand=on_hand,
        reserved=reserved,
        allocated=allocated,
    )


@st.composite
def reservations(draw: st.DrawFn) -> Reservation:
    """Reservations for an order line, or cart holds that expire after they were made."""
    created_at = draw(aware_datetimes())
    for_order = draw(st.booleans())
    return Reservation(
        reservation_id=draw(identifiers()),
        sku=draw(identifiers()),
        location_id=draw(identifiers()),
        quantity=draw(_quantities()),
        created_at=created_at,
        order_id=draw(identifiers()) if for_order else None,
        line_id=draw(identifiers()) if for_order else None,
        expires_at=None
        if for_order
        else draw(st.none() | _later(created_at + timedelta(minutes=1))),
        cart_id=None if for_order else draw(st.none() | identifiers()),
    )


_INBOUND: Final = frozenset(
    {MovementReason.RECEIPT, MovementReason.TRANSFER_IN, MovementReason.RETURN}
)
_OUTBOUND: Final = frozenset(
    {MovementReason.POS_SALE, MovementReason.SHIPMENT, MovementReason.TRANSFER_OUT}
)


@st.composite
def stock_movements(draw: st.DrawFn) -> StockMovement:
    """Ledger entries whose sign matches the reason (receipts add, shipments take)."""
    reason = draw(st.sampled_from(MovementReason))
    size = draw(_quantities())
    if reason in _INBOUND:
        quantity = size
    elif reason in _OUTBOUND:
        quantity = -size
    else:
        quantity = draw(st.sampled_from([size, -size]))
    return StockMovement(
        movement_id=draw(identifiers()),
        sku=draw(identifiers()),
        location_id=draw(identifiers()),
        quantity=quantity,
        reason=reason,
        at=draw(aware_datetimes()),
        reference=draw(st.none() | texts()),
        corrects=draw(identifiers()) if reason is MovementReason.CORRECTION else None,
    )


@st.composite
def purchase_order_lines(draw: st.DrawFn, sku: str | None = None) -> PurchaseOrderLine:
    """Purchase order lines with ``received <= quantity``."""
    quantity = draw(_quantities())
    return PurchaseOrderLine(
        sku=sku if sku is not None else draw(identifiers()),
        quantity=quantity,
        received=draw(st.integers(0, quantity)),
    )


@st.composite
def purchase_orders(draw: st.DrawFn) -> PurchaseOrder:
    """Purchase orders or in-transit supply with 1-5 lines of distinct SKUs."""
    skus = draw(st.lists(identifiers(), min_size=1, max_size=5, unique=True))
    return PurchaseOrder(
        po_id=draw(identifiers()),
        supplier_id=draw(identifiers()),
        location_id=draw(identifiers()),
        expected_on=draw(dates()),
        lines=[draw(purchase_order_lines(sku)) for sku in skus],
        kind=draw(st.sampled_from(SupplyKind)),
    )


# --------------------------------------------------------------------------- orders


@st.composite
def deliveries(draw: st.DrawFn) -> Delivery:
    """Shipping to an address, or collecting at a location (with or without an address)."""
    if draw(st.sampled_from(DeliveryMethod)) is DeliveryMethod.SHIP:
        return Delivery.ship_to(draw(addresses()))
    return Delivery.collect_at(draw(identifiers()), address=draw(st.none() | addresses()))


@st.composite
def _priced(draw: st.DrawFn, currency: str) -> tuple[int, Money, Money | None]:
    quantity = draw(st.integers(1, _MAX_QUANTITY))
    unit_price = draw(money(currency, max_minor=1_000_000))
    line_minor = unit_price.to_minor() * quantity
    discount = draw(st.none() | money(currency, max_minor=line_minor))
    return quantity, unit_price, discount


@st.composite
def order_line_requests(draw: st.DrawFn, currency: str | None = None) -> OrderLineRequest:
    """Order line requests in ``currency`` (any of :func:`currencies` when ``None``).

    A discount, when present, is in the same currency and at most the line amount.
    """
    code = currency if currency is not None else draw(currencies())
    quantity, unit_price, discount = draw(_priced(code))
    return OrderLineRequest(
        sku=draw(identifiers()), quantity=quantity, unit_price=unit_price, discount=discount
    )


@st.composite
def order_requests(draw: st.DrawFn, *, max_lines: int = 5) -> OrderRequest:
    """Order requests with 1-``max_lines`` lines, all in the order currency."""
    currency = draw(currencies())
    return OrderRequest(
        channel=draw(st.sampled_from(Channel)),
        external_ref=draw(identifiers()),
        currency=currency,
        lines=draw(st.lists(order_line_requests(currency), min_size=1, max_size=max_lines)),
        delivery=draw(deliveries()),
        customer_id=draw(st.none() | identifiers()),
        flags=draw(st.frozensets(st.sampled_from(OrderFlag))),
        placed_at=draw(st.none() | aware_datetimes()),
        payments=draw(_payment_plans(currency)),
    )


def payment_splits(currency: str | None = None) -> st.SearchStrategy[PaymentSplit]:
    """Payment splits by any method, of a positive amount in ``currency`` or open (``None``)."""
    amounts = money(currency, min_minor=1) if currency is not None else money(min_minor=1)
    return st.builds(
        PaymentSplit, method=st.sampled_from(PaymentMethod), amount=st.none() | amounts
    )


@st.composite
def _payment_plans(draw: st.DrawFn, currency: str) -> tuple[PaymentSplit, ...]:
    """0-3 splits in ``currency``, at most one of them open."""
    fixed = draw(
        st.lists(
            st.builds(
                PaymentSplit,
                method=st.sampled_from(PaymentMethod),
                amount=money(currency, min_minor=1),
            ),
            max_size=2,
        )
    )
    if draw(st.booleans()):
        fixed.append(PaymentSplit(draw(st.sampled_from(PaymentMethod))))
    return tuple(fixed)


def allocations() -> st.SearchStrategy[Allocation]:
    """Units of an order line assigned to a location."""
    return st.builds(Allocation, location_id=identifiers(), quantity=_quantities())


@st.composite
def _split(draw: st.DrawFn, total: int) -> tuple[Allocation, ...]:
    """Allocations at distinct locations adding up to at most ``total``."""
    sites = draw(st.lists(identifiers(), max_size=3, unique=True))
    result: list[Allocation] = []
    left = total
    for site in sites:
        if left == 0:
            break
        quantity = draw(st.integers(1, left))
        result.append(Allocation(site, quantity))
        left -= quantity
    return tuple(result)


@st.composite
def order_lines(
    draw: st.DrawFn, currency: str | None = None, *, line_id: str | None = None
) -> OrderLine:
    """Placed order lines in ``currency`` (any when ``None``).

    Allocations are at distinct locations and add up to at most the quantity;
    no more units are shipped than were allocated.
    """
    code = currency if currency is not None else draw(currencies())
    quantity, unit_price, discount = draw(_priced(code))
    allocated = draw(_split(quantity))
    return OrderLine(
        line_id=line_id if line_id is not None else draw(identifiers()),
        sku=draw(identifiers()),
        quantity=quantity,
        unit_price=unit_price,
        discount=discount,
        status=draw(st.sampled_from(LineStatus)),
        allocations=allocated,
        shipped_quantity=draw(st.integers(0, sum(a.quantity for a in allocated))),
        promised_date=draw(st.none() | st.dates())
        if sum(a.quantity for a in allocated) < quantity
        else None,
    )


@st.composite
def orders(draw: st.DrawFn, *, max_lines: int = 5) -> Order:
    """Order snapshots with lines ``"1"``, ``"2"``... all in the order currency."""
    currency = draw(currencies())
    count = draw(st.integers(1, max_lines))
    return Order(
        order_id=draw(identifiers()),
        channel=draw(st.sampled_from(Channel)),
        external_ref=draw(identifiers()),
        currency=currency,
        lines=[draw(order_lines(currency, line_id=str(n))) for n in range(1, count + 1)],
        delivery=draw(deliveries()),
        placed_at=draw(aware_datetimes()),
        customer_id=draw(st.none() | identifiers()),
        flags=draw(st.frozensets(st.sampled_from(OrderFlag))),
        status=draw(st.sampled_from(OrderStatus)),
        version=draw(st.integers(0, 100)),
        routing=draw(st.none() | routing_records()),
        holds=draw(st.frozensets(st.sampled_from([r.value for r in HoldReason]))),
        payment_authorised=draw(st.booleans()),
    )


@st.composite
def routing_records(draw: st.DrawFn) -> RoutingRecord:
    """How an order was routed: a profile label, the deciding criterion, an explanation."""
    return RoutingRecord(
        profile=f"{draw(identifiers())}@{draw(st.integers(1, 9))}",
        decided_by=draw(st.sampled_from(["the fewest shipments", "the lowest shipping cost"])),
        shipments=draw(st.integers(0, 5)),
        explanation=draw(texts()),
        cost=draw(st.none() | money()),
        exact=draw(st.booleans()),
    )


# --------------------------------------------------------------------------- fulfilment


def shipment_lines() -> st.SearchStrategy[ShipmentLine]:
    """Units of an order line in a shipment."""
    return st.builds(ShipmentLine, line_id=identifiers(), sku=identifiers(), quantity=_quantities())


_ON_THE_ROAD: Final = frozenset(
    {ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED}
)


@st.composite
def shipments(draw: st.DrawFn) -> Shipment:
    """Shipments whose carrier, tracking number and timestamps fit the status.

    Only a shipment that left (shipped, delivered, returned) has a carrier,
    a tracking number and ``shipped_at`` (after ``created_at``); only a
    delivered one has ``delivered_at`` (after ``shipped_at``).
    """
    status = draw(st.sampled_from(ShipmentStatus))
    created_at = draw(aware_datetimes())
    shipped_at = draw(_later(created_at)) if status in _ON_THE_ROAD else None
    delivered = status is ShipmentStatus.DELIVERED and shipped_at is not None
    return Shipment(
        shipment_id=draw(identifiers()),
        order_id=draw(identifiers()),
        location_id=draw(identifiers()),
        lines=draw(st.lists(shipment_lines(), min_size=1, max_size=4)),
        created_at=created_at,
        status=status,
        carrier=draw(identifiers()) if shipped_at is not None else None,
        tracking_number=draw(texts()) if shipped_at is not None else None,
        shipped_at=shipped_at,
        delivered_at=draw(_later(shipped_at)) if delivered and shipped_at is not None else None,
    )


def carriers() -> st.SearchStrategy[Carrier]:
    """Carriers serving 1-10 countries by one or more transport modes."""
    return st.builds(
        Carrier,
        code=identifiers(),
        name=texts(),
        countries=st.frozensets(_countries(), min_size=1, max_size=10),
        modes=st.frozensets(st.sampled_from(TransportMode), min_size=1),
    )


@st.composite
def tracking_events(draw: st.DrawFn) -> TrackingEvent:
    """Carrier status updates; an expected delivery, when given, is after the update."""
    at = draw(aware_datetimes())
    return TrackingEvent(
        shipment_id=draw(identifiers()),
        carrier=draw(identifiers()),
        status=draw(st.sampled_from(TrackingStatus)),
        at=at,
        expected_delivery=draw(st.none() | _later(at)),
        detail=draw(st.none() | texts()),
    )


def box_sizes() -> st.SearchStrategy[BoxSize]:
    """Standard boxes carrying up to 31.5 kg."""
    return st.builds(
        BoxSize, code=identifiers(), inner=dimensions(), max_weight_grams=st.integers(1, 31_500)
    )


# --------------------------------------------------------------------------- aftersales


def return_lines() -> st.SearchStrategy[ReturnLine]:
    """Units of an order line coming back, with or without a reason."""
    return st.builds(
        ReturnLine,
        line_id=identifiers(),
        sku=identifiers(),
        quantity=_quantities(),
        reason=st.none() | texts(),
    )


def returns() -> st.SearchStrategy[Return]:
    """Returns of 1-4 lines in any status."""
    return st.builds(
        Return,
        return_id=identifiers(),
        order_id=identifiers(),
        location_id=identifiers(),
        lines=st.lists(return_lines(), min_size=1, max_size=4),
        requested_at=aware_datetimes(),
        status=st.sampled_from(ReturnStatus),
        tracking_number=st.none() | texts(),
        warranty=st.booleans(),
    )


_CANCEL_REASONS: Final = ("changed_mind", "too_late", "found_cheaper", "fraud", "out_of_stock")


@st.composite
def cancellation_records(draw: st.DrawFn) -> CancellationRecord:
    """Cancel attempts (a reason code, the stage, accepted or not) and offers taken after them."""
    follow_up = draw(_cancel_follow_ups())
    return CancellationRecord(
        record_id=draw(identifiers()),
        order_id=draw(identifiers()),
        reason=draw(st.sampled_from(_CANCEL_REASONS)),
        stage=draw(st.sampled_from(OrderStatus)).value,
        accepted=False if follow_up else draw(st.booleans()),
        requested_by=draw(identifiers()),
        at=draw(aware_datetimes()),
        note=draw(st.none() | texts()),
        customer_id=draw(st.none() | identifiers()),
        skus=tuple(draw(st.lists(identifiers(), max_size=4, unique=True))),
        line_ids=tuple(draw(st.lists(identifiers(), max_size=3, unique=True))),
        customer_type=draw(st.none() | st.sampled_from(["b2c", "b2b"])),
        channel=draw(st.none() | st.sampled_from([channel.value for channel in Channel])),
        refusal=draw(st.none() | texts()),
        alternatives=tuple(
            draw(st.lists(st.sampled_from(CancelAlternative), max_size=4, unique=True))
        ),
        **follow_up,
    )


@st.composite
def _cancel_follow_ups(draw: st.DrawFn) -> dict[str, Any]:
    """Nothing (an attempt), or what a follow-up carries: the attempt and the offer taken."""
    if draw(st.booleans()):
        return {}
    taken = draw(st.sampled_from(CancelAlternative))
    credit = draw(money(currency="EUR")) if taken is CancelAlternative.STORE_CREDIT else None
    return {"follows": draw(identifiers()), "taken": taken, "credit": credit}


def tasks() -> st.SearchStrategy[Task]:
    """Staff tasks of every severity."""
    return st.builds(
        Task,
        task_id=identifiers(),
        rule=identifiers(),
        subject=identifiers(),
        title=texts(),
        severity=st.sampled_from(TaskSeverity),
        raised_at=aware_datetimes(),
    )


# --------------------------------------------------------------------------- billing


@st.composite
def invoice_lines(draw: st.DrawFn, currency: str | None = None) -> InvoiceLine:
    """Invoice lines in ``currency`` (any when ``None``) whose amounts add up.

    The net is quantity times unit price and the VAT is the net times the
    rate, both rounded to the currency's minor unit; a discount line's
    amounts are negative.
    """
    code = currency if currency is not None else draw(currencies())
    kind = draw(st.sampled_from(InvoiceLineKind))
    quantity = draw(st.integers(1, _MAX_QUANTITY))
    unit_price = draw(money(code, max_minor=1_000_000))
    if kind is InvoiceLineKind.DISCOUNT:
        unit_price = -unit_price
    rate = draw(st.sampled_from(_VAT_RATES))
    net = (unit_price * quantity).rounded()
    return InvoiceLine(
        description=draw(texts()),
        quantity=quantity,
        unit_price=unit_price,
        vat_rate=rate,
        net=net,
        vat=(net * rate).rounded(),
        sku=draw(st.none() | identifiers()),
        order_line_id=draw(st.none() | identifiers()),
        kind=kind,
    )


@st.composite
def invoices(draw: st.DrawFn) -> Invoice:
    """Invoices and credit notes of 1-4 lines in the document currency.

    A credit note (and only a credit note) names the invoice it corrects and
    its reason; a due date, when present, is 0-90 days after the issue date;
    a distance sale, when present, is a non-negative EUR amount with a
    supply date.
    """
    currency = draw(currencies())
    kind = draw(st.sampled_from(DocumentKind))
    issued_at = draw(aware_datetimes())
    due_in = draw(st.none() | st.integers(0, 90))
    credit = kind is DocumentKind.CREDIT_NOTE
    distance = draw(st.none() | money("EUR"))
    return Invoice(
        number=draw(identifiers()),
        kind=kind,
        order_id=draw(identifiers()),
        currency=currency,
        lines=draw(st.lists(invoice_lines(currency), min_size=1, max_size=4)),
        issued_at=issued_at,
        customer_id=draw(st.none() | identifiers()),
        due_on=None if due_in is None else issued_at.date() + timedelta(days=due_in),
        corrects=draw(identifiers()) if credit else None,
        legal_note=draw(st.none() | texts()),
        series=draw(st.none() | identifiers()),
        shipment_id=draw(st.none() | identifiers()),
        reason=draw(st.sampled_from(CreditReason)) if credit else None,
        supply_date=issued_at.date() if distance is not None else draw(st.none() | dates()),
        vat_country=draw(st.none() | st.sampled_from(sorted(EU_MEMBER_STATES))),
        vat_scheme=draw(st.none() | st.sampled_from(["domestic", "oss", "reverse_charge"])),
        buyer_vat_id=draw(st.none() | st.just("NL123456789B01")),
        distance_sale=distance,
    )


@st.composite
def payments(draw: st.DrawFn) -> Payment:
    """Payments of a positive amount by any method, in any status.

    What is captured never exceeds the amount, what is refunded never
    exceeds what is captured.
    """
    amount = draw(money(min_minor=1))
    minor = amount.to_minor()
    captured = draw(st.integers(0, minor))
    refunded = draw(st.integers(0, captured))
    return Payment(
        payment_id=draw(identifiers()),
        order_id=draw(identifiers()),
        method=draw(st.sampled_from(PaymentMethod)),
        amount=amount,
        status=draw(st.sampled_from(PaymentStatus)),
        provider_ref=draw(st.none() | texts()),
        captured=Money.from_minor(captured, amount.currency),
        refunded=Money.from_minor(refunded, amount.currency),
    )


# --------------------------------------------------------------------------- quotes


@st.composite
def quotes(draw: st.DrawFn) -> Quote:
    """Quotes of an order request without ``placed_at``, in every status.

    Valid for 1 minute to 90 days; an accepted quote names an order; a
    closed quote was closed before ``valid_until`` (accepted, declined,
    withdrawn) or at or after it (expired); only a declined or withdrawn
    quote may carry a reason.
    """
    request = attrs.evolve(draw(order_requests(max_lines=3)), placed_at=None)
    created_at = draw(aware_datetimes())
    valid_until = created_at + timedelta(minutes=draw(st.integers(1, 60 * 24 * 90)))
    status = draw(st.sampled_from(QuoteStatus))
    closed_at: datetime | None = None
    if status is QuoteStatus.EXPIRED:
        closed_at = draw(_later(valid_until))
    elif status is not QuoteStatus.OPEN:
        span = int((valid_until - created_at).total_seconds()) - 1
        closed_at = created_at + timedelta(seconds=draw(st.integers(0, span)))
    closing = status in (QuoteStatus.DECLINED, QuoteStatus.WITHDRAWN)
    return Quote(
        quote_id=draw(identifiers()),
        request=request,
        created_at=created_at,
        valid_until=valid_until,
        status=status,
        order_id=draw(identifiers()) if status is QuoteStatus.ACCEPTED else None,
        version=draw(st.integers(0, 100)),
        note=draw(st.none() | texts()),
        closed_at=closed_at,
        reason=draw(st.none() | texts()) if closing else None,
    )


# --------------------------------------------------------------------------- events


def order_placed_events() -> st.SearchStrategy[OrderPlaced]:
    """:class:`~omskit.events.OrderPlaced` events from any channel."""
    return st.builds(
        OrderPlaced,
        event_id=identifiers(),
        occurred_at=aware_datetimes(),
        order_id=identifiers(),
        channel=st.sampled_from([channel.value for channel in Channel]),
        external_ref=identifiers(),
    )


@st.composite
def order_allocated_events(draw: st.DrawFn) -> OrderAllocated:
    """:class:`~omskit.events.OrderAllocated` events with 1-3 allocations."""
    return OrderAllocated(
        event_id=draw(identifiers()),
        occurred_at=draw(aware_datetimes()),
        order_id=draw(identifiers()),
        line_id=draw(identifiers()),
        sku=draw(identifiers()),
        allocations=draw(st.lists(allocations(), min_size=1, max_size=3)),
    )


def line_backordered_events() -> st.SearchStrategy[LineBackordered]:
    """:class:`~omskit.events.LineBackordered` events."""
    return st.builds(
        LineBackordered,
        event_id=identifiers(),
        occurred_at=aware_datetimes(),
        order_id=identifiers(),
        line_id=identifiers(),
        sku=identifiers(),
        quantity=_quantities(),
    )


def cancellation_requested_events() -> st.SearchStrategy[CancellationRequested]:
    """:class:`~omskit.events.CancellationRequested` events, accepted or refused."""
    return st.builds(
        CancellationRequested,
        event_id=identifiers(),
        occurred_at=aware_datetimes(),
        order_id=identifiers(),
        record_id=identifiers(),
        reason=st.sampled_from([reason.value for reason in CancelReason]),
        stage=st.sampled_from([status.value for status in OrderStatus]),
        accepted=st.booleans(),
        line_ids=st.lists(identifiers(), max_size=3, unique=True).map(tuple),
    )


def cancel_offer_taken_events() -> st.SearchStrategy[CancelOfferTaken]:
    """:class:`~omskit.events.CancelOfferTaken` events, one per kind of offer."""
    return st.builds(
        CancelOfferTaken,
        event_id=identifiers(),
        occurred_at=aware_datetimes(),
        order_id=identifiers(),
        record_id=identifiers(),
        follows=identifiers(),
        offer=st.sampled_from([offer.value for offer in CancelAlternative]),
    )


def hold_released_events() -> st.SearchStrategy[HoldReleased]:
    """:class:`~omskit.events.HoldReleased` events, one per hold code omskit knows."""
    return st.builds(
        HoldReleased,
        event_id=identifiers(),
        occurred_at=aware_datetimes(),
        order_id=identifiers(),
        hold=st.sampled_from([reason.value for reason in HoldReason]),
        released_by=identifiers(),
    )


def customer_message_events() -> st.SearchStrategy[CustomerMessage]:
    """:class:`~omskit.events.CustomerMessage` events with template fields."""
    return st.builds(
        CustomerMessage,
        event_id=identifiers(),
        occurred_at=aware_datetimes(),
        customer_id=identifiers(),
        order_id=identifiers(),
        template=st.sampled_from(["order_confirmed", "being_prepared", "delivery_delayed"]),
        channels=st.lists(st.sampled_from([c.value for c in NotificationChannel]), unique=True).map(
            sorted
        ),
        data=st.dictionaries(identifiers(), texts(), max_size=3).map(
            lambda fields: [MessageField(k, v) for k, v in sorted(fields.items())]
        ),
    )


def task_raised_events() -> st.SearchStrategy[TaskRaised]:
    """:class:`~omskit.events.TaskRaised` events of every severity, for orders and lines."""
    return st.builds(
        TaskRaised,
        event_id=identifiers(),
        occurred_at=aware_datetimes(),
        task_id=identifiers(),
        rule=identifiers(),
        subject=identifiers(),
        order_id=identifiers(),
        severity=st.sampled_from(TaskSeverity),
    )


def delivery_changed_events() -> st.SearchStrategy[DeliveryChanged]:
    """:class:`~omskit.events.DeliveryChanged` events, rerouted or redirected at the warehouse."""
    return st.builds(
        DeliveryChanged,
        event_id=identifiers(),
        occurred_at=aware_datetimes(),
        order_id=identifiers(),
        rerouted=st.booleans(),
        shipment_ids=st.lists(identifiers(), max_size=3, unique=True).map(tuple),
    )


def line_added_events() -> st.SearchStrategy[LineAdded]:
    """:class:`~omskit.events.LineAdded` events."""
    return st.builds(
        LineAdded,
        event_id=identifiers(),
        occurred_at=aware_datetimes(),
        order_id=identifiers(),
        line_id=identifiers(),
        sku=identifiers(),
        quantity=_quantities(),
    )


def ship_date_promised_events() -> st.SearchStrategy[ShipDatePromised]:
    """:class:`~omskit.events.ShipDatePromised` events, with or without dates."""
    return st.builds(
        ShipDatePromised,
        event_id=identifiers(),
        occurred_at=aware_datetimes(),
        order_id=identifiers(),
        line_id=identifiers(),
        previous=st.none() | st.dates(),
        current=st.none() | st.dates(),
    )


def lines_cancelled_events() -> st.SearchStrategy[LinesCancelled]:
    """:class:`~omskit.events.LinesCancelled` events naming 1-3 lines."""
    return st.builds(
        LinesCancelled,
        event_id=identifiers(),
        occurred_at=aware_datetimes(),
        order_id=identifiers(),
        line_ids=st.lists(identifiers(), min_size=1, max_size=3, unique=True).map(tuple),
    )


def quote_created_events() -> st.SearchStrategy[QuoteCreated]:
    """:class:`~omskit.events.QuoteCreated` events, for a customer or without one."""
    return st.builds(
        QuoteCreated,
        event_id=identifiers(),
        occurred_at=aware_datetimes(),
        quote_id=identifiers(),
        channel=st.sampled_from([channel.value for channel in Channel]),
        external_ref=identifiers(),
        valid_until=aware_datetimes(),
        customer_id=st.none() | identifiers(),
    )


_QUOTE_EVENTS: Final = {
    QuoteStatus.ACCEPTED: "accept",
    QuoteStatus.DECLINED: "decline",
    QuoteStatus.EXPIRED: "expire",
    QuoteStatus.WITHDRAWN: "withdraw",
}


@st.composite
def quote_status_changed_events(draw: st.DrawFn) -> QuoteStatusChanged:
    """:class:`~omskit.events.QuoteStatusChanged` events: an open quote closed by its event."""
    current = draw(st.sampled_from([s for s in QuoteStatus if s is not QuoteStatus.OPEN]))
    return QuoteStatusChanged(
        event_id=draw(identifiers()),
        occurred_at=draw(aware_datetimes()),
        quote_id=draw(identifiers()),
        previous=QuoteStatus.OPEN,
        current=current,
        event=_QUOTE_EVENTS[current],
        order_id=draw(identifiers()) if current is QuoteStatus.ACCEPTED else None,
        reason=draw(st.none() | texts())
        if current in (QuoteStatus.DECLINED, QuoteStatus.WITHDRAWN)
        else None,
    )


@st.composite
def order_status_changed_events(draw: st.DrawFn) -> OrderStatusChanged:
    """:class:`~omskit.events.OrderStatusChanged` events between two different statuses."""
    previous, current = draw(
        st.lists(st.sampled_from(OrderStatus), min_size=2, max_size=2, unique=True)
    )
    return OrderStatusChanged(
        event_id=draw(identifiers()),
        occurred_at=draw(aware_datetimes()),
        order_id=draw(identifiers()),
        previous=previous,
        current=current,
        event=draw(identifiers()),
    )


def order_released_events() -> st.SearchStrategy[OrderReleased]:
    """:class:`~omskit.events.OrderReleased` events naming 1-3 distinct shipments."""
    return st.builds(
        OrderReleased,
        event_id=identifiers(),
        occurred_at=aware_datetimes(),
        order_id=identifiers(),
        shipment_ids=st.lists(identifiers(), min_size=1, max_size=3, unique=True),
    )


@st.composite
def shipment_status_changed_events(draw: st.DrawFn) -> ShipmentStatusChanged:
    """:class:`~omskit.events.ShipmentStatusChanged` events between two different statuses."""
    previous, current = draw(
        st.lists(st.sampled_from(ShipmentStatus), min_size=2, max_size=2, unique=True)
    )
    return ShipmentStatusChanged(
        event_id=draw(identifiers()),
        occurred_at=draw(aware_datetimes()),
        shipment_id=draw(identifiers()),
        order_id=draw(identifiers()),
        previous=previous,
        current=current,
        tracking_number=draw(st.none() | texts()),
    )


@st.composite
def stock_received_events(draw: st.DrawFn) -> StockReceived:
    """:class:`~omskit.events.StockReceived` events; the new on-hand includes the receipt."""
    quantity = draw(_quantities())
    return StockReceived(
        event_id=draw(identifiers()),
        occurred_at=draw(aware_datetimes()),
        sku=draw(identifiers()),
        location_id=draw(identifiers()),
        quantity=quantity,
        on_hand=quantity + draw(st.integers(0, _MAX_QUANTITY)),
        reference=draw(st.none() | texts()),
    )


def stock_reserved_events() -> st.SearchStrategy[StockReserved]:
    """:class:`~omskit.events.StockReserved` events, for an order or a cart."""
    return st.builds(
        StockReserved,
        event_id=identifiers(),
        occurred_at=aware_datetimes(),
        sku=identifiers(),
        location_id=identifiers(),
        quantity=_quantities(),
        order_id=st.none() | identifiers(),
    )


@st.composite
def stock_sold_events(draw: st.DrawFn) -> StockSold:
    """:class:`~omskit.events.StockSold` events from a store till."""
    return StockSold(
        event_id=draw(identifiers()),
        occurred_at=draw(aware_datetimes()),
        sku=draw(identifiers()),
        location_id=draw(identifiers()),
        quantity=draw(_quantities()),
        on_hand=draw(st.integers(0, _MAX_QUANTITY)),
        receipt=draw(identifiers()),
    )


@st.composite
def stock_held_events(draw: st.DrawFn) -> StockHeld:
    """:class:`~omskit.events.StockHeld` events: a cart hold that expires after it was made."""
    occurred_at = draw(aware_datetimes())
    return StockHeld(
        event_id=draw(identifiers()),
        occurred_at=occurred_at,
        reservation_id=draw(identifiers()),
        sku=draw(identifiers()),
        location_id=draw(identifiers()),
        quantity=draw(_quantities()),
        cart_id=draw(identifiers()),
        expires_at=draw(_later(occurred_at + timedelta(minutes=1))),
    )


def stock_released_events() -> st.SearchStrategy[StockReleased]:
    """:class:`~omskit.events.StockReleased` events for each reason a reservation ends."""
    return st.builds(
        StockReleased,
        event_id=identifiers(),
        occurred_at=aware_datetimes(),
        reservation_id=identifiers(),
        sku=identifiers(),
        location_id=identifiers(),
        quantity=_quantities(),
        why=st.sampled_from(["released", "expired", "consumed", "cancelled"]),
        order_id=st.none() | identifiers(),
        cart_id=st.none() | identifiers(),
    )


@st.composite
def stock_adjusted_events(draw: st.DrawFn) -> StockAdjusted:
    """:class:`~omskit.events.StockAdjusted` events with a signed, non-zero change."""
    size = draw(_quantities())
    return StockAdjusted(
        event_id=draw(identifiers()),
        occurred_at=draw(aware_datetimes()),
        sku=draw(identifiers()),
        location_id=draw(identifiers()),
        quantity=draw(st.sampled_from([size, -size])),
        on_hand=draw(st.integers(0, _MAX_QUANTITY)),
        reason=draw(st.sampled_from([r.value for r in MovementReason])),
        movement_id=draw(identifiers()),
        reference=draw(st.none() | texts()),
    )


def master_data_changed_events() -> st.SearchStrategy[MasterDataChanged]:
    """:class:`~omskit.events.MasterDataChanged` events for a location, product or customer."""
    return st.builds(
        MasterDataChanged,
        event_id=identifiers(),
        occurred_at=aware_datetimes(),
        kind=st.sampled_from(["location", "product", "customer"]),
        key=identifiers(),
    )


@st.composite
def availability_changed_events(draw: st.DrawFn) -> AvailabilityChanged:
    """:class:`~omskit.events.AvailabilityChanged` events whose quantity did change."""
    previous, current = draw(
        st.lists(st.integers(0, _MAX_QUANTITY), min_size=2, max_size=2, unique=True)
    )
    return AvailabilityChanged(
        event_id=draw(identifiers()),
        occurred_at=draw(aware_datetimes()),
        sku=draw(identifiers()),
        channel=draw(st.sampled_from([channel.value for channel in Channel])),
        previous=previous,
        current=current,
    )


@st.composite
def invoice_issued_events(draw: st.DrawFn) -> InvoiceIssued:
    """:class:`~omskit.events.InvoiceIssued` events; a credit note names what it corrects."""
    kind = draw(st.sampled_from(DocumentKind))
    return InvoiceIssued(
        event_id=draw(identifiers()),
        occurred_at=draw(aware_datetimes()),
        order_id=draw(identifiers()),
        number=draw(identifiers()),
        kind=kind.value,
        gross=draw(money()),
        shipment_id=draw(st.none() | identifiers()),
        corrects=draw(identifiers()) if kind is DocumentKind.CREDIT_NOTE else None,
    )


@st.composite
def invoice_settled_events(draw: st.DrawFn) -> InvoiceSettled:
    """:class:`~omskit.events.InvoiceSettled` events with amounts in one currency."""
    code = draw(currencies())
    return InvoiceSettled(
        event_id=draw(identifiers()),
        occurred_at=draw(aware_datetimes()),
        order_id=draw(identifiers()),
        number=draw(identifiers()),
        captured=draw(money(code)),
        refunded=draw(money(code)),
        uncovered=draw(money(code)),
    )


def payment_authorised_events() -> st.SearchStrategy[PaymentAuthorised]:
    """:class:`~omskit.events.PaymentAuthorised` events of a positive amount."""
    return st.builds(
        PaymentAuthorised,
        event_id=identifiers(),
        occurred_at=aware_datetimes(),
        order_id=identifiers(),
        payment_id=identifiers(),
        method=st.sampled_from([m.value for m in PaymentMethod]),
        amount=money(min_minor=1),
    )


def payment_declined_events() -> st.SearchStrategy[PaymentDeclined]:
    """:class:`~omskit.events.PaymentDeclined` events with the provider's reason."""
    return st.builds(
        PaymentDeclined,
        event_id=identifiers(),
        occurred_at=aware_datetimes(),
        order_id=identifiers(),
        method=st.sampled_from([m.value for m in PaymentMethod]),
        amount=money(min_minor=1),
        reason=texts(),
    )


_EVENT_STRATEGIES: Final[dict[type[DomainEvent], st.SearchStrategy[DomainEvent]]] = {
    InvoiceIssued: invoice_issued_events(),
    InvoiceSettled: invoice_settled_events(),
    PaymentAuthorised: payment_authorised_events(),
    PaymentDeclined: payment_declined_events(),
    AvailabilityChanged: availability_changed_events(),
    CancellationRequested: cancellation_requested_events(),
    CancelOfferTaken: cancel_offer_taken_events(),
    DeliveryChanged: delivery_changed_events(),
    HoldReleased: hold_released_events(),
    CustomerMessage: customer_message_events(),
    TaskRaised: task_raised_events(),
    LineAdded: line_added_events(),
    LineBackordered: line_backordered_events(),
    LinesCancelled: lines_cancelled_events(),
    MasterDataChanged: master_data_changed_events(),
    OrderAllocated: order_allocated_events(),
    OrderPlaced: order_placed_events(),
    OrderReleased: order_released_events(),
    OrderStatusChanged: order_status_changed_events(),
    QuoteCreated: quote_created_events(),
    QuoteStatusChanged: quote_status_changed_events(),
    ShipDatePromised: ship_date_promised_events(),
    ShipmentStatusChanged: shipment_status_changed_events(),
    StockAdjusted: stock_adjusted_events(),
    StockHeld: stock_held_events(),
    StockReceived: stock_received_events(),
    StockReleased: stock_released_events(),
    StockReserved: stock_reserved_events(),
    StockSold: stock_sold_events(),
}


def domain_events(
    kinds: Iterable[type[DomainEvent]] | None = None,
) -> st.SearchStrategy[DomainEvent]:
    """Domain events of the classes ``kinds`` (all of ``EVENT_TYPES`` when ``None``).

    ``EVENT_TYPES`` is :data:`omskit.events.EVENT_TYPES`. Raises
    :class:`~omskit.errors.InvalidInput` for a class this module has no
    strategy for (such as your own event classes: combine their strategies
    with this one using ``|``).
    """
    chosen = tuple(EVENT_TYPES.values()) if kinds is None else tuple(kinds)
    missing = sorted(kind.__name__ for kind in chosen if kind not in _EVENT_STRATEGIES)
    if missing or not chosen:
        raise InvalidInput(
            "must be event classes of omskit.events"
            + (f"; no strategy for {', '.join(missing)}" if missing else ""),
            path="kinds",
            value=missing,
        )
    return st.one_of(*(_EVENT_STRATEGIES[kind] for kind in chosen))
