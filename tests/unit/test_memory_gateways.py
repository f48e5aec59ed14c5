"""The in-memory reference gateways: clocks, ids, warehouse, carrier, supplier, payments..."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omskit.adapters.memory import (
    ManualClock,
    MemoryCarrier,
    MemoryPayments,
    MemorySupplier,
    MemoryWarehouse,
    RecordingAccounting,
    RecordingCustomerNotifier,
    RecordingPublisher,
    RecordingStaffNotifier,
    RecordingStorefront,
    SentMessage,
    SequentialIds,
    SystemClock,
    TableTaxRates,
    UuidIds,
)
from omskit.errors import GatewayError, InvalidInput, NotFound, OmsError
from omskit.events import AvailabilityChanged, OrderPlaced, StockReceived
from omskit.model import (
    Channel,
    Delivery,
    DocumentKind,
    Invoice,
    InvoiceLine,
    NotificationChannel,
    Order,
    OrderLine,
    Payment,
    PaymentMethod,
    PaymentStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    Shipment,
    ShipmentLine,
    Task,
    TaskSeverity,
    TaxCategory,
    TrackingEvent,
    TrackingStatus,
)
from omskit.money import Money
from omskit.ports import (
    AccountingGateway,
    CarrierGateway,
    CarrierQuote,
    Clock,
    CustomerNotifier,
    EventPublisher,
    IdGenerator,
    PaymentGateway,
    StaffNotifier,
    StorefrontFeed,
    SupplierGateway,
    TaxRateProvider,
    WarehouseGateway,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def a_shipment(shipment_id: str = "S-1", order_id: str = "O-1") -> Shipment:
    return Shipment(shipment_id, order_id, "L1", (ShipmentLine("1", "SKU-1", 1),), T0)


def an_order(order_id: str = "O-1") -> Order:
    return Order(
        order_id=order_id,
        channel=Channel.WEB,
        external_ref=f"REF-{order_id}",
        currency="EUR",
        lines=(OrderLine("1", "SKU-1", 1, eur("10.00")),),
        delivery=Delivery.collect_at("L1"),
        placed_at=T0,
    )


def a_po(
    po_id: str, expected_on: date, *lines: tuple[str, int, int], location_id: str = "L1"
) -> PurchaseOrder:
    return PurchaseOrder(
        po_id,
        "SUP-1",
        location_id,
        expected_on,
        tuple(PurchaseOrderLine(sku, quantity, received) for sku, quantity, received in lines),
    )


def an_invoice(number: str) -> Invoice:
    line = InvoiceLine("Widget", 1, eur("10.00"), Decimal("0.21"), eur("10.00"), eur("2.10"))
    return Invoice(number, DocumentKind.INVOICE, "O-1", "EUR", (line,), T0)


def a_payment(payment_id: str) -> Payment:
    return Payment(payment_id, "O-1", PaymentMethod.CARD, eur("12.10"), PaymentStatus.CAPTURED)


def a_task(task_id: str) -> Task:
    return Task(task_id, "late_shipment", "O-1", "Shipment is late", TaskSeverity.AMBER, T0)


def a_change(sku: str, channel: str, previous: int, current: int, n: int) -> AvailabilityChanged:
    return AvailabilityChanged(
        event_id=f"E-{n}",
        occurred_at=T0,
        sku=sku,
        channel=channel,
        previous=previous,
        current=current,
    )


# --- the Protocols -----------------------------------------------------------------------

GATEWAYS: list[tuple[Callable[[], object], type]] = [
    (SystemClock, Clock),
    (ManualClock, Clock),
    (UuidIds, IdGenerator),
    (SequentialIds, IdGenerator),
    (RecordingPublisher, EventPublisher),
    (MemoryWarehouse, WarehouseGateway),
    (MemoryCarrier, CarrierGateway),
    (MemorySupplier, SupplierGateway),
    (MemoryPayments, PaymentGateway),
    (RecordingCustomerNotifier, CustomerNotifier),
    (RecordingStaffNotifier, StaffNotifier),
    (RecordingAccounting, AccountingGateway),
    (lambda: TableTaxRates({}), TaxRateProvider),
    (RecordingStorefront, StorefrontFeed),
]


@pytest.mark.parametrize(
    ("make", "protocol"), GATEWAYS, ids=[protocol.__name__ for _, protocol in GATEWAYS]
)
def test_every_memory_gateway_is_an_instance_of_its_runtime_checkable_protocol(
    make: Callable[[], object], protocol: type
) -> None:
    assert isinstance(make(), protocol)


def test_the_protocol_checks_tell_gateways_apart() -> None:
    assert not isinstance(MemoryWarehouse(), CarrierGateway)
    assert not isinstance(RecordingStorefront(), PaymentGateway)
    assert not isinstance(SystemClock(), IdGenerator)


def test_the_gateways_satisfy_their_protocols_statically() -> None:
    # mypy checks each assignment of a memory class to its port; each port is then used
    clocks: list[Clock] = [SystemClock(), ManualClock(T0)]
    ids: list[IdGenerator] = [UuidIds(), SequentialIds()]
    warehouse: WarehouseGateway = MemoryWarehouse()
    carrier: CarrierGateway = MemoryCarrier()
    supplier: SupplierGateway = MemorySupplier()
    payments: PaymentGateway = MemoryPayments()
    rates: TaxRateProvider = TableTaxRates({("NL", TaxCategory.ZERO): [(T0.date(), Decimal(0))]})
    notifier = RecordingCustomerNotifier()
    customers: CustomerNotifier = notifier
    staff_tasks = RecordingStaffNotifier()
    staff: StaffNotifier = staff_tasks
    ledger = RecordingAccounting()
    accounting: AccountingGateway = ledger
    shop = RecordingStorefront()
    storefront: StorefrontFeed = shop
    events = RecordingPublisher()
    publisher: EventPublisher = events

    assert all(clock.now().utcoffset() == timedelta(0) for clock in clocks)
    assert all(gen.new_id("X-").startswith("X-") for gen in ids)
    warehouse.release(a_shipment(), an_order())
    assert warehouse.cancel("S-1") is True
    assert carrier.quote(a_shipment(), origin_country="NL", destination_country="NL") == []
    assert supplier.open_purchase_orders() == []
    assert payments.authorise("O-1", eur("1.00"), method=PaymentMethod.CASH).amount == eur("1.00")
    assert rates.rate("NL", TaxCategory.ZERO, on=T0.date()) == Decimal(0)
    customers.notify("C-1", template="hello", channels=frozenset(), data={})
    staff.raise_task(a_task("T-1"))
    accounting.post_invoice(an_invoice("INV-1"))
    storefront.publish([a_change("SKU-1", "web", 0, 1, 1)])
    publisher.publish(a_change("SKU-1", "web", 0, 1, 2))
    assert (len(notifier.sent), len(staff_tasks.tasks), len(ledger.invoices)) == (1, 1, 1)
    assert (len(shop.changes), len(events.events)) == (1, 1)


# --- clocks ------------------------------------------------------------------------------


def test_the_system_clock_returns_aware_utc_now() -> None:
    before = datetime.now(UTC)
    now = SystemClock().now()
    after = datetime.now(UTC)
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)
    assert before <= now <= after


def test_a_manual_clock_starts_at_an_aware_default_and_stands_still() -> None:
    clock = ManualClock()
    assert clock.now().utcoffset() == timedelta(0)
    assert clock.now() == clock.now()


def test_a_manual_clock_starts_where_it_is_told() -> None:
    assert ManualClock(T0).now() == T0


def test_a_manual_clock_advances_by_the_delta_and_returns_the_new_time() -> None:
    clock = ManualClock(T0)
    assert clock.advance(timedelta(hours=2)) == T0 + timedelta(hours=2)
    assert clock.advance(timedelta(0)) == T0 + timedelta(hours=2)
    assert clock.advance(timedelta(days=1, minutes=5)) == T0 + timedelta(days=1, hours=2, minutes=5)
    assert clock.now() == T0 + timedelta(days=1, hours=2, minutes=5)


def test_a_manual_clock_refuses_to_run_backwards_and_keeps_its_time() -> None:
    clock = ManualClock(T0)
    with pytest.raises(InvalidInput) as caught:
        clock.advance(timedelta(seconds=-1))
    assert caught.value.path == "delta"
    assert clock.now() == T0


def test_a_manual_clock_refuses_a_naive_start() -> None:
    with pytest.raises(InvalidInput) as caught:
        ManualClock(datetime(2026, 1, 5, 9, 0))
    assert caught.value.path == "start"


def test_a_manual_clock_accepts_an_aware_start_in_another_zone() -> None:
    start = datetime(2026, 1, 5, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    assert ManualClock(start).now() == T0


# --- ids ---------------------------------------------------------------------------------


def test_sequential_ids_count_from_one_in_six_digits_per_prefix() -> None:
    ids = SequentialIds()
    taken = [ids.new_id("O-"), ids.new_id("O-"), ids.new_id("S-"), ids.new_id("O-")]
    assert taken == ["O-000001", "O-000002", "S-000001", "O-000003"]


def test_two_sequential_id_generators_count_independently() -> None:
    first, second = SequentialIds(), SequentialIds()
    first.new_id("O-")
    assert second.new_id("O-") == "O-000001"


def test_sequential_ids_stay_unique_and_gapless_across_threads() -> None:
    ids = SequentialIds()
    taken: list[list[str]] = [[] for _ in range(8)]

    def take(bucket: list[str]) -> None:
        for _ in range(250):
            bucket.append(ids.new_id("O-"))

    threads = [threading.Thread(target=take, args=(bucket,)) for bucket in taken]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    everything = [i for bucket in taken for i in bucket]
    assert len(everything) == 2000
    assert set(everything) == {f"O-{n:06d}" for n in range(1, 2001)}
    assert all(bucket == sorted(bucket) for bucket in taken)


def test_uuid_ids_are_the_prefix_and_32_hex_digits() -> None:
    assert re.fullmatch(r"PAY-[0-9a-f]{32}", UuidIds().new_id("PAY-"))


def test_uuid_ids_are_unique() -> None:
    ids = UuidIds()
    assert len({ids.new_id("E-") for _ in range(1000)}) == 1000


# --- warehouse ---------------------------------------------------------------------------


def test_a_released_shipment_is_kept_by_the_warehouse() -> None:
    warehouse = MemoryWarehouse()
    warehouse.release(a_shipment("S-1"), an_order())
    assert warehouse.released == {"S-1": a_shipment("S-1")}


def test_releasing_a_shipment_twice_raises_gateway_error() -> None:
    warehouse = MemoryWarehouse()
    warehouse.release(a_shipment("S-1"), an_order())
    with pytest.raises(GatewayError) as caught:
        warehouse.release(a_shipment("S-1", order_id="O-2"), an_order("O-2"))
    assert caught.value.gateway == "warehouse"
    assert warehouse.released["S-1"].order_id == "O-1"


def test_releasing_the_same_shipment_again_is_a_no_op_that_revives_a_cancel() -> None:
    warehouse = MemoryWarehouse()
    warehouse.release(a_shipment("S-1"), an_order())
    assert warehouse.cancel("S-1") is True
    warehouse.release(a_shipment("S-1"), an_order())
    assert warehouse.released == {"S-1": a_shipment("S-1")}
    assert warehouse.cancelled == []


def test_cancelling_before_picking_succeeds_and_is_recorded() -> None:
    warehouse = MemoryWarehouse()
    warehouse.release(a_shipment("S-1"), an_order())
    assert warehouse.cancel("S-1") is True
    assert warehouse.cancelled == ["S-1"]


def test_cancelling_after_picking_started_is_refused_and_not_recorded() -> None:
    warehouse = MemoryWarehouse()
    warehouse.release(a_shipment("S-1"), an_order())
    warehouse.release(a_shipment("S-2"), an_order())
    warehouse.start_picking("S-1")
    assert warehouse.cancel("S-1") is False
    assert warehouse.cancel("S-2") is True
    assert warehouse.cancelled == ["S-2"]
    assert warehouse.picking == {"S-1"}


@pytest.mark.parametrize("call", ["cancel", "start_picking"])
def test_the_warehouse_does_not_know_a_shipment_it_was_never_given(call: str) -> None:
    warehouse = MemoryWarehouse()
    warehouse.release(a_shipment("S-1"), an_order())
    with pytest.raises(NotFound) as caught:
        getattr(warehouse, call)("S-9")
    assert caught.value.key == "S-9"
    assert warehouse.picking == set()
    assert warehouse.cancelled == []


# --- carrier -----------------------------------------------------------------------------


def a_carrier() -> MemoryCarrier:
    carrier = MemoryCarrier("postnl")
    carrier.add_rate("express", eur("12.50"), transit_days=1, countries=["NL", "BE"])
    carrier.add_rate("standard", eur("6.95"), transit_days=2, countries=["NL", "BE", "DE"])
    carrier.add_rate("mailbox", eur("4.10"), transit_days=3, countries=["NL"])
    carrier.add_rate("economy", eur("6.95"), transit_days=4, countries=["NL"])
    return carrier


def test_quotes_come_cheapest_first_with_the_faster_one_first_on_a_tie() -> None:
    quotes = a_carrier().quote(a_shipment(), origin_country="NL", destination_country="NL")
    assert [q.service for q in quotes] == ["mailbox", "standard", "economy", "express"]
    assert quotes[0] == CarrierQuote("postnl", "mailbox", eur("4.10"), 3)


def test_quotes_only_offer_services_that_reach_the_destination() -> None:
    carrier = a_carrier()
    to_germany = carrier.quote(a_shipment(), origin_country="NL", destination_country="DE")
    to_belgium = carrier.quote(a_shipment(), origin_country="NL", destination_country="BE")
    assert [q.service for q in to_germany] == ["standard"]
    assert [q.service for q in to_belgium] == ["standard", "express"]
    assert carrier.quote(a_shipment(), origin_country="NL", destination_country="FR") == []


def test_booking_returns_a_new_tracking_number_per_shipment() -> None:
    carrier = a_carrier()
    first = carrier.book(a_shipment("S-1"), service="standard")
    second = carrier.book(a_shipment("S-2"), service="express")
    assert (first, second) == ("POSTNL-000001", "POSTNL-000002")
    assert carrier.booked == {first: "S-1", second: "S-2"}


def test_booking_an_unknown_service_raises_gateway_error_and_books_nothing() -> None:
    carrier = a_carrier()
    with pytest.raises(GatewayError) as caught:
        carrier.book(a_shipment(), service="teleport")
    assert caught.value.gateway == "carrier postnl"
    assert carrier.booked == {}


def test_tracking_returns_the_added_events_oldest_first() -> None:
    carrier = a_carrier()
    tracking = carrier.book(a_shipment(), service="standard")
    assert carrier.track(tracking) == ()
    events = [
        TrackingEvent("S-1", "postnl", TrackingStatus.PICKED_UP, T0),
        TrackingEvent("S-1", "postnl", TrackingStatus.IN_TRANSIT, T0 + timedelta(hours=3)),
        TrackingEvent("S-1", "postnl", TrackingStatus.DELIVERED, T0 + timedelta(days=1)),
    ]
    for event in events:
        carrier.add_tracking_event(tracking, event)
    assert carrier.track(tracking) == tuple(events)


def test_tracking_an_unknown_parcel_raises_not_found() -> None:
    carrier = a_carrier()
    with pytest.raises(NotFound):
        carrier.track("POSTNL-999999")
    with pytest.raises(NotFound):
        carrier.add_tracking_event(
            "POSTNL-999999", TrackingEvent("S-1", "postnl", TrackingStatus.PICKED_UP, T0)
        )


# --- supplier ----------------------------------------------------------------------------


def a_supplier() -> MemorySupplier:
    return MemorySupplier(
        [
            a_po("PO-3", date(2026, 2, 1), ("SKU-1", 10, 0)),
            a_po("PO-1", date(2026, 1, 20), ("SKU-1", 5, 5), ("SKU-2", 4, 1)),
            a_po("PO-2", date(2026, 1, 20), ("SKU-1", 8, 8)),
            a_po("PO-4", date(2026, 1, 10), ("SKU-3", 2, 0)),
        ]
    )


def test_open_purchase_orders_leave_out_fully_received_ones_and_sort_by_expected_date() -> None:
    open_pos = a_supplier().open_purchase_orders()
    assert [po.po_id for po in open_pos] == ["PO-4", "PO-1", "PO-3"]


def test_open_purchase_orders_of_a_sku_need_outstanding_units_of_that_sku() -> None:
    supplier = a_supplier()
    assert [po.po_id for po in supplier.open_purchase_orders(sku="SKU-1")] == ["PO-3"]
    assert [po.po_id for po in supplier.open_purchase_orders(sku="SKU-2")] == ["PO-1"]
    assert supplier.open_purchase_orders(sku="SKU-9") == []


def test_open_purchase_orders_on_the_same_date_sort_by_id() -> None:
    supplier = MemorySupplier(
        [
            a_po("PO-B", date(2026, 1, 20), ("SKU-1", 1, 0)),
            a_po("PO-A", date(2026, 1, 20), ("SKU-1", 1, 0)),
        ]
    )
    assert [po.po_id for po in supplier.open_purchase_orders()] == ["PO-A", "PO-B"]


def test_a_placed_purchase_order_returns_its_id_and_is_open() -> None:
    supplier = a_supplier()
    po = a_po("PO-9", date(2026, 1, 15), ("SKU-2", 3, 0))
    assert supplier.place_purchase_order(po) == "PO-9"
    assert [p.po_id for p in supplier.open_purchase_orders(sku="SKU-2")] == ["PO-9", "PO-1"]


def test_placing_a_purchase_order_id_twice_raises_gateway_error_and_keeps_the_first() -> None:
    supplier = a_supplier()
    with pytest.raises(GatewayError) as caught:
        supplier.place_purchase_order(a_po("PO-3", date(2026, 1, 1), ("SKU-9", 1, 0)))
    assert caught.value.gateway == "supplier"
    assert supplier.purchase_orders["PO-3"].expected_on == date(2026, 2, 1)


def test_updating_a_purchase_order_replaces_it_and_a_full_receipt_closes_it() -> None:
    supplier = a_supplier()
    supplier.update(a_po("PO-3", date(2026, 2, 1), ("SKU-1", 10, 10)))
    assert supplier.open_purchase_orders(sku="SKU-1") == []
    supplier.update(a_po("PO-4", date(2026, 3, 1), ("SKU-3", 2, 0)))
    assert [po.po_id for po in supplier.open_purchase_orders()] == ["PO-1", "PO-4"]


def test_updating_an_unknown_purchase_order_raises_not_found() -> None:
    supplier = a_supplier()
    with pytest.raises(NotFound):
        supplier.update(a_po("PO-9", date(2026, 1, 1), ("SKU-1", 1, 0)))
    assert "PO-9" not in supplier.purchase_orders


# --- payments ----------------------------------------------------------------------------


def test_an_authorisation_is_an_authorised_payment_of_the_amount() -> None:
    payments = MemoryPayments()
    payment = payments.authorise("O-1", eur("25.00"), method=PaymentMethod.IDEAL)
    assert (payment.order_id, payment.amount, payment.method, payment.status) == (
        "O-1",
        eur("25.00"),
        PaymentMethod.IDEAL,
        PaymentStatus.AUTHORISED,
    )
    assert payments.payments[payment.payment_id] == payment


def test_every_authorisation_gets_its_own_payment_id() -> None:
    payments = MemoryPayments()
    first = payments.authorise("O-1", eur("1.00"), method=PaymentMethod.CARD)
    second = payments.authorise("O-1", eur("1.00"), method=PaymentMethod.CARD)
    assert first.payment_id != second.payment_id


def test_authorisations_above_the_decline_limit_are_declined_and_not_kept() -> None:
    payments = MemoryPayments(decline_above=eur("100.00"))
    with pytest.raises(GatewayError) as caught:
        payments.authorise("O-1", eur("100.01"), method=PaymentMethod.CARD)
    assert caught.value.gateway == "payments"
    assert payments.payments == {}
    at_limit = payments.authorise("O-1", eur("100.00"), method=PaymentMethod.CARD)
    assert at_limit.status is PaymentStatus.AUTHORISED


def test_partial_captures_add_up_to_the_authorised_amount() -> None:
    payments = MemoryPayments()
    payment = payments.authorise("O-1", eur("30.00"), method=PaymentMethod.CARD)
    assert (
        payments.capture(payment.payment_id, eur("10.00"), reference="R1").status
        is PaymentStatus.CAPTURED
    )
    payments.capture(payment.payment_id, eur("20.00"), reference="R2")
    assert payments.payments[payment.payment_id].captured == eur("30.00")


def test_capturing_more_than_authorised_is_refused_and_changes_nothing() -> None:
    payments = MemoryPayments()
    payment = payments.authorise("O-1", eur("30.00"), method=PaymentMethod.CARD)
    payments.capture(payment.payment_id, eur("20.00"), reference="R3")
    with pytest.raises(GatewayError):
        payments.capture(payment.payment_id, eur("10.01"), reference="R4")
    assert payments.payments[payment.payment_id].captured == eur("20.00")


def test_refunds_are_limited_to_what_was_captured() -> None:
    payments = MemoryPayments()
    payment = payments.authorise("O-1", eur("30.00"), method=PaymentMethod.CARD)
    payments.capture(payment.payment_id, eur("20.00"), reference="R5")
    partly = payments.refund(payment.payment_id, eur("15.00"), reference="R6")
    assert partly.status is PaymentStatus.CAPTURED
    with pytest.raises(GatewayError):
        payments.refund(payment.payment_id, eur("5.01"), reference="R7")
    fully = payments.refund(payment.payment_id, eur("5.00"), reference="R8")
    assert fully.status is PaymentStatus.REFUNDED
    assert payments.payments[payment.payment_id].refunded == eur("20.00")


def test_a_partly_refunded_payment_can_still_capture_the_rest() -> None:
    payments = MemoryPayments()
    payment = payments.authorise("O-1", eur("30.00"), method=PaymentMethod.CARD)
    payments.capture(payment.payment_id, eur("20.00"), reference="R9")
    payments.refund(payment.payment_id, eur("5.00"), reference="R10")
    assert (
        payments.capture(payment.payment_id, eur("10.00"), reference="R11").status
        is PaymentStatus.CAPTURED
    )
    assert payments.payments[payment.payment_id].captured == eur("30.00")


def test_a_cancelled_shipment_cannot_start_picking_and_cancelling_twice_records_once() -> None:
    warehouse = MemoryWarehouse()
    shipment = Shipment(
        "S-1", "O-1", "DC", [ShipmentLine("1", "SKU-1", 1)], datetime(2026, 1, 1, tzinfo=UTC)
    )
    warehouse.released[shipment.shipment_id] = shipment
    assert warehouse.cancel("S-1") is True
    assert warehouse.cancel("S-1") is True
    assert warehouse.cancelled == ["S-1"]
    with pytest.raises(GatewayError):
        warehouse.start_picking("S-1")


def test_nothing_can_be_refunded_before_a_capture() -> None:
    payments = MemoryPayments()
    payment = payments.authorise("O-1", eur("30.00"), method=PaymentMethod.CARD)
    with pytest.raises(GatewayError):
        payments.refund(payment.payment_id, eur("0.01"), reference="R12")
    assert payments.payments[payment.payment_id].status is PaymentStatus.AUTHORISED


def test_voiding_releases_an_untouched_authorisation() -> None:
    payments = MemoryPayments()
    payment = payments.authorise("O-1", eur("30.00"), method=PaymentMethod.CARD)
    assert payments.void(payment.payment_id).status is PaymentStatus.VOIDED
    assert payments.payments[payment.payment_id].status is PaymentStatus.VOIDED


def test_a_captured_payment_cannot_be_voided() -> None:
    payments = MemoryPayments()
    payment = payments.authorise("O-1", eur("30.00"), method=PaymentMethod.CARD)
    payments.capture(payment.payment_id, eur("1.00"), reference="R13")
    with pytest.raises(GatewayError):
        payments.void(payment.payment_id)
    assert payments.payments[payment.payment_id].status is PaymentStatus.CAPTURED


def test_a_voided_payment_can_be_neither_voided_again_nor_captured() -> None:
    payments = MemoryPayments()
    payment = payments.authorise("O-1", eur("30.00"), method=PaymentMethod.CARD)
    payments.void(payment.payment_id)
    with pytest.raises(GatewayError):
        payments.void(payment.payment_id)
    with pytest.raises(GatewayError):
        payments.capture(payment.payment_id, eur("1.00"), reference="R14")
    assert payments.payments[payment.payment_id].captured == Money.zero("EUR")


UNKNOWN_PAYMENT_CALLS: dict[str, Callable[[MemoryPayments], Payment]] = {
    "capture": lambda p: p.capture("PAY-999999", eur("1.00"), reference="R15"),
    "refund": lambda p: p.refund("PAY-999999", eur("1.00"), reference="R16"),
    "void": lambda p: p.void("PAY-999999"),
}


@pytest.mark.parametrize("call", UNKNOWN_PAYMENT_CALLS.values(), ids=UNKNOWN_PAYMENT_CALLS.keys())
def test_an_unknown_payment_is_not_found(call: Callable[[MemoryPayments], Payment]) -> None:
    payments = MemoryPayments()
    with pytest.raises(NotFound) as caught:
        call(payments)
    assert (caught.value.kind, caught.value.key) == ("payment", "PAY-999999")


@pytest.mark.parametrize("amount", ["0.00", "-10.00"])
def test_capturing_a_non_positive_amount_is_refused(amount: str) -> None:
    payments = MemoryPayments()
    payment = payments.authorise("O-1", eur("30.00"), method=PaymentMethod.CARD)
    payments.capture(payment.payment_id, eur("30.00"), reference="R17")
    with pytest.raises(OmsError):
        payments.capture(payment.payment_id, eur(amount), reference="R18")
    assert payments.payments[payment.payment_id].captured == eur("30.00")


@pytest.mark.parametrize("amount", ["0.00", "-10.00"])
def test_refunding_a_non_positive_amount_is_refused(amount: str) -> None:
    payments = MemoryPayments()
    payment = payments.authorise("O-1", eur("30.00"), method=PaymentMethod.CARD)
    payments.capture(payment.payment_id, eur("30.00"), reference="R19")
    payments.refund(payment.payment_id, eur("30.00"), reference="R20")
    with pytest.raises(OmsError):
        payments.refund(payment.payment_id, eur(amount), reference="R21")
    assert payments.payments[payment.payment_id].refunded == eur("30.00")


def test_capturing_or_refunding_in_another_currency_is_refused() -> None:
    payments = MemoryPayments()
    payment = payments.authorise("O-1", eur("30.00"), method=PaymentMethod.CARD)
    with pytest.raises(InvalidInput):
        payments.capture(payment.payment_id, Money("10.00", "USD"), reference="R22")
    payments.capture(payment.payment_id, eur("10.00"), reference="R23")
    with pytest.raises(InvalidInput):
        payments.refund(payment.payment_id, Money("10.00", "USD"), reference="R24")
    assert (
        payments.payments[payment.payment_id].captured,
        payments.payments[payment.payment_id].refunded,
    ) == (
        eur("10.00"),
        Money.zero("EUR"),
    )


@given(
    captures=st.lists(st.integers(1, 5000), max_size=6),
    refunds=st.lists(st.integers(1, 5000), max_size=6),
)
def test_captured_never_exceeds_authorised_and_refunded_never_exceeds_captured(
    captures: list[int], refunds: list[int]
) -> None:
    payments = MemoryPayments()
    payment = payments.authorise("O-1", eur("50.00"), method=PaymentMethod.CARD)
    for index, cents in enumerate(captures):
        with contextlib.suppress(GatewayError):
            payments.capture(
                payment.payment_id, Money.from_minor(cents, "EUR"), reference=f"C{index}"
            )
    for index, cents in enumerate(refunds):
        with contextlib.suppress(GatewayError):
            payments.refund(
                payment.payment_id, Money.from_minor(cents, "EUR"), reference=f"F{index}"
            )
    captured = payments.payments[payment.payment_id].captured
    refunded = payments.payments[payment.payment_id].refunded
    assert Money.zero("EUR") <= refunded <= captured <= eur("50.00")


# --- recorders ---------------------------------------------------------------------------


def test_the_recording_publisher_keeps_events_in_order_and_filters_by_type() -> None:
    publisher = RecordingPublisher()
    placed = OrderPlaced(
        event_id="E-1", occurred_at=T0, order_id="O-1", channel="web", external_ref="R-1"
    )
    received = StockReceived(
        event_id="E-2", occurred_at=T0, sku="SKU-1", location_id="L1", quantity=3, on_hand=3
    )
    placed_again = OrderPlaced(
        event_id="E-3", occurred_at=T0, order_id="O-2", channel="web", external_ref="R-2"
    )
    for event in (placed, received, placed_again):
        publisher.publish(event)
    assert publisher.events == [placed, received, placed_again]
    assert publisher.of_type(OrderPlaced) == [placed, placed_again]
    assert publisher.of_type(AvailabilityChanged) == []


def test_the_recording_customer_notifier_keeps_each_message_in_order() -> None:
    notifier = RecordingCustomerNotifier()
    data = {"order_id": "O-1"}
    notifier.notify(
        "C-1",
        template="order_shipped",
        channels=frozenset({NotificationChannel.EMAIL}),
        data=data,
    )
    notifier.notify("C-2", template="order_delayed", channels=frozenset(), data={})
    data["order_id"] = "changed later"
    assert notifier.sent == [
        SentMessage(
            "C-1", "order_shipped", frozenset({NotificationChannel.EMAIL}), {"order_id": "O-1"}
        ),
        SentMessage("C-2", "order_delayed", frozenset(), {}),
    ]


def test_the_recording_staff_notifier_keeps_tasks_in_order() -> None:
    staff = RecordingStaffNotifier()
    for task_id in ("T-2", "T-1", "T-3"):
        staff.raise_task(a_task(task_id))
    assert [t.task_id for t in staff.tasks] == ["T-2", "T-1", "T-3"]


def test_the_recording_accounting_keeps_invoices_and_payments_apart_in_order() -> None:
    accounting = RecordingAccounting()
    accounting.post_invoice(an_invoice("INV-2"))
    accounting.post_payment(a_payment("PAY-1"))
    accounting.post_invoice(an_invoice("INV-1"))
    assert [i.number for i in accounting.invoices] == ["INV-2", "INV-1"]
    assert accounting.payments == [a_payment("PAY-1")]


def test_the_recording_storefront_keeps_every_change_and_knows_the_latest() -> None:
    storefront = RecordingStorefront()
    storefront.publish([a_change("SKU-1", "web", 0, 5, 1), a_change("SKU-1", "store", 0, 2, 2)])
    storefront.publish([a_change("SKU-1", "web", 5, 3, 3)])
    storefront.publish([])
    assert len(storefront.changes) == 3
    assert storefront.latest("SKU-1", "web") == 3
    assert storefront.latest("SKU-1", "store") == 2
    assert storefront.latest("SKU-2", "web") is None
    assert storefront.latest("SKU-1", "marketplace") is None


def test_the_latest_storefront_quantity_can_be_zero() -> None:
    storefront = RecordingStorefront()
    storefront.publish([a_change("SKU-1", "web", 0, 4, 1), a_change("SKU-1", "web", 4, 0, 2)])
    assert storefront.latest("SKU-1", "web") == 0


# --- tax rates ---------------------------------------------------------------------------

NL_RATES = TableTaxRates(
    {
        ("NL", TaxCategory.REDUCED): [
            (date(2019, 1, 1), Decimal("0.09")),
            (date(2001, 1, 1), Decimal("0.06")),
        ],
        ("NL", TaxCategory.STANDARD): [(date(2012, 10, 1), Decimal("0.21"))],
    }
)


def test_the_tax_rate_is_the_one_in_force_on_the_date() -> None:
    assert NL_RATES.rate("NL", TaxCategory.REDUCED, on=date(2010, 6, 1)) == Decimal("0.06")
    assert NL_RATES.rate("NL", TaxCategory.REDUCED, on=date(2025, 6, 1)) == Decimal("0.09")
    assert NL_RATES.rate("NL", TaxCategory.STANDARD, on=date(2026, 1, 5)) == Decimal("0.21")


def test_a_tax_rate_change_applies_from_its_first_day() -> None:
    assert NL_RATES.rate("NL", TaxCategory.REDUCED, on=date(2018, 12, 31)) == Decimal("0.06")
    assert NL_RATES.rate("NL", TaxCategory.REDUCED, on=date(2019, 1, 1)) == Decimal("0.09")


@pytest.mark.parametrize(
    ("country", "category", "on"),
    [
        ("NL", TaxCategory.REDUCED, date(2000, 12, 31)),
        ("NL", TaxCategory.ZERO, date(2026, 1, 5)),
        ("BE", TaxCategory.STANDARD, date(2026, 1, 5)),
    ],
    ids=["before the first rate", "unknown category", "unknown country"],
)
def test_a_date_without_a_rate_in_force_raises_not_found(
    country: str, category: TaxCategory, on: date
) -> None:
    with pytest.raises(NotFound) as caught:
        NL_RATES.rate(country, category, on=on)
    assert caught.value.kind == "VAT rate"
    assert caught.value.key == f"{country}/{category.value}/{on.isoformat()}"


@given(
    rows=st.dictionaries(
        st.dates(date(2000, 1, 1), date(2030, 12, 31)),
        st.integers(0, 30).map(lambda n: Decimal(n) / 100),
        min_size=1,
        max_size=5,
    ),
    on=st.dates(date(1999, 1, 1), date(2031, 12, 31)),
)
def test_the_rate_on_a_date_is_that_of_the_latest_change_on_or_before_it(
    rows: dict[date, Decimal], on: date
) -> None:
    rates = TableTaxRates({("NL", TaxCategory.STANDARD): list(rows.items())})
    started = [valid_from for valid_from in rows if valid_from <= on]
    if not started:
        with pytest.raises(NotFound):
            rates.rate("NL", TaxCategory.STANDARD, on=on)
    else:
        assert rates.rate("NL", TaxCategory.STANDARD, on=on) == rows[max(started)]
