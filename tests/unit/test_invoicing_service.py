"""Invoicing in the service (issue 6): triggers, VAT, numbering, credit notes, payments."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from test_service import World, dump, make_world

from omskit import (
    Address,
    Channel,
    Customer,
    CustomerType,
    Delivery,
    InvalidInput,
    Money,
    NotFound,
    OrderLineRequest,
    OrderRequest,
    OrderStatus,
    TaxCategory,
)
from omskit.adapters.memory import MemoryPayments, RecordingAccounting, TableTaxRates
from omskit.errors import CancelRefused, GatewayError
from omskit.events import InvoiceIssued, InvoiceSettled, PaymentAuthorised, PaymentDeclined
from omskit.invoicing import DefaultInvoicePolicy, InvoiceMoment, InvoicingSettings
from omskit.model import (
    CreditReason,
    DocumentKind,
    HoldReason,
    Invoice,
    InvoiceLineKind,
    PaymentMethod,
    PaymentSplit,
    PaymentStatus,
    Product,
)
from omskit.tax import REVERSE_CHARGE_MENTION, Rounding, VatSettings

BERLIN = Address("Unter den Linden 1", "10117", "Berlin", "DE")
BRUSSELS = Address("Rue Neuve 1", "1000", "Brussels", "BE")
AMSTERDAM = Address("Damrak 1", "1012 LG", "Amsterdam", "NL")
NEW_YORK = Address("5th Avenue 1", "10001", "New York", "US")
CUSTOMERS = (
    Customer("ANNA", "Anna de Vries"),
    Customer("KLAUS", "Klaus Weber"),
    Customer("ACME", "Acme BV", CustomerType.B2B, vat_id="NL123456789B01", payment_terms_days=30),
    Customer("BELGO", "Belgo NV", CustomerType.B2B, vat_id="BE0123456789"),
)


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


@attrs.define
class Books:
    """A world that invoices, with its payment provider and its ledger."""

    world: World
    payments: MemoryPayments
    accounting: RecordingAccounting

    @property
    def oms(self) -> Any:
        return self.world.oms

    def documents(self, order_id: str) -> list[Invoice]:
        return list(self.world.oms.invoices(order_id))


def books(*, stock: Mapping[tuple[str, str], int] | None = None, **settings: Any) -> Books:
    """An invoicing world: a Dutch seller, stock in the DC, four customers."""
    vat = settings.pop("vat", VatSettings("NL"))
    payments = MemoryPayments()
    accounting = RecordingAccounting()
    world = make_world(
        invoicing=InvoicingSettings(vat, **settings), payments=payments, accounting=accounting
    )
    for customer in CUSTOMERS:
        world.oms.register_customer(customer)
    for (sku, location), units in (stock or {("BEANS", "DC"): 50, ("KETTLE", "DC"): 50}).items():
        world.oms.receive_stock(sku, location, units)
    return Books(world, payments, accounting)


def order_request(
    ref: str = "W-1",
    *,
    customer: str | None = "ANNA",
    to: Address = AMSTERDAM,
    lines: list[tuple[str, int, str]] | None = None,
    payments: tuple[PaymentSplit, ...] = (PaymentSplit(PaymentMethod.CARD),),
    **extra: Any,
) -> OrderRequest:
    return OrderRequest(
        Channel.WEB,
        ref,
        "EUR",
        [
            OrderLineRequest(sku, qty, eur(price))
            for sku, qty, price in lines or [("BEANS", 2, "10.00")]
        ],
        Delivery.ship_to(to),
        customer_id=customer,
        payments=payments,
        **extra,
    )


def ship_all(b: Books, order_id: str) -> None:
    for shipment in b.oms.release_order(order_id):
        b.oms.record_picking(shipment.shipment_id)
        b.oms.record_packed(shipment.shipment_id)
        b.oms.record_shipped(shipment.shipment_id)


# --------------------------------------------------------------------------- triggers (F1, F2)


def test_a_consumer_order_cancelled_before_shipping_gets_no_invoice_and_no_credit_note() -> None:
    b = books()
    order = b.oms.place_order(order_request())
    assert b.documents(order.order_id) == []
    b.oms.cancel_order(order.order_id)
    assert b.documents(order.order_id) == []
    assert b.accounting.invoices == []
    (payment,) = b.oms.order_payments(order.order_id)
    assert payment.status is PaymentStatus.VOIDED
    assert b.payments.payments[payment.payment_id].status is PaymentStatus.VOIDED


def test_a_consumer_order_is_invoiced_when_it_ships_and_the_invoice_goes_to_accounting() -> None:
    b = books()
    order = b.oms.place_order(order_request(lines=[("BEANS", 3, "10.00")]))
    shipments = b.oms.release_order(order.order_id)
    b.oms.record_picking(shipments[0].shipment_id)
    b.oms.record_packed(shipments[0].shipment_id)
    assert b.documents(order.order_id) == []
    b.world.clock.advance(timedelta(days=1))
    b.oms.record_shipped(shipments[0].shipment_id)
    (invoice,) = b.documents(order.order_id)
    assert (invoice.number, invoice.kind, invoice.shipment_id) == (
        "INV-000001",
        DocumentKind.INVOICE,
        shipments[0].shipment_id,
    )
    assert (invoice.net_total, invoice.vat_total, invoice.gross_total) == (
        eur("30.00"),
        eur("6.30"),
        eur("36.30"),
    )
    assert (invoice.vat_country, invoice.vat_scheme, invoice.supply_date) == (
        "NL",
        "domestic",
        b.world.clock.now().date(),
    )
    assert invoice.due_on is None  # a consumer paid at checkout
    assert b.accounting.invoices == [invoice]
    (payment,) = b.oms.order_payments(order.order_id)
    assert (payment.status, payment.captured) == (PaymentStatus.CAPTURED, eur("36.30"))
    settled = b.world.publisher.of_type(InvoiceSettled)
    assert [(e.number, e.captured, e.uncovered) for e in settled] == [
        ("INV-000001", eur("36.30"), eur("0.00"))
    ]


def test_a_business_order_invoiced_at_placement_then_cancelled_gets_a_credit_note() -> None:
    b = books()
    order = b.oms.place_order(
        order_request(customer="ACME", payments=(PaymentSplit(PaymentMethod.INVOICE),))
    )
    (invoice,) = b.documents(order.order_id)
    assert invoice.shipment_id is None
    assert invoice.due_on == b.world.clock.now().date() + timedelta(days=30)
    assert invoice.buyer_vat_id == "NL123456789B01"
    b.oms.cancel_order(order.order_id)
    _, credit = b.documents(order.order_id)
    assert (credit.number, credit.kind, credit.corrects, credit.reason) == (
        "CN-000001",
        DocumentKind.CREDIT_NOTE,
        invoice.number,
        CreditReason.CANCELLED,
    )
    assert [(line.net, line.vat) for line in credit.lines] == [
        (line.net, line.vat) for line in invoice.lines
    ]
    assert [d.number for d in b.accounting.invoices] == ["INV-000001", "CN-000001"]
    # A pay-later invoice is never captured at a provider, so nothing is refunded.
    (payment,) = b.oms.order_payments(order.order_id)
    assert payment.captured == eur("0")
    assert [e.uncovered for e in b.world.publisher.of_type(InvoiceSettled)] == [
        eur("24.20"),
        eur("24.20"),
    ]


def test_a_card_payment_is_captured_at_the_invoice_and_refunded_at_the_credit_note() -> None:
    b = books()
    order = b.oms.place_order(order_request(customer="ACME"))
    (payment,) = b.oms.order_payments(order.order_id)
    assert (payment.captured, payment.amount) == (eur("24.20"), eur("24.20"))
    b.oms.cancel_order(order.order_id)
    (payment,) = b.oms.order_payments(order.order_id)
    assert (payment.status, payment.refunded) == (PaymentStatus.REFUNDED, eur("24.20"))
    assert [p.status for p in b.accounting.payments] == [
        PaymentStatus.CAPTURED,
        PaymentStatus.REFUNDED,
    ]


def test_each_shipment_gets_its_own_invoice_and_together_they_invoice_the_order() -> None:
    b = books(stock={("BEANS", "AMS"): 2, ("BEANS", "UTR"): 3})
    order = b.oms.place_order(order_request(lines=[("BEANS", 5, "3.33")]))
    shipments = b.oms.release_order(order.order_id)
    assert len(shipments) == 2
    b.oms.record_picking(shipments[0].shipment_id)
    b.oms.record_packed(shipments[0].shipment_id)
    b.oms.record_shipped(shipments[0].shipment_id)
    assert [d.shipment_id for d in b.documents(order.order_id)] == [shipments[0].shipment_id]
    for step in (b.oms.record_picking, b.oms.record_packed, b.oms.record_shipped):
        step(shipments[1].shipment_id)
    first, second = b.documents(order.order_id)
    assert second.shipment_id == shipments[1].shipment_id
    assert [first.number, second.number] == ["INV-000001", "INV-000002"]
    assert first.lines[0].quantity + second.lines[0].quantity == 5
    assert first.net_total + second.net_total == eur("16.65")


def test_an_order_invoiced_at_delivery_waits_for_the_delivery() -> None:
    b = books(policy=DefaultInvoicePolicy(by_channel={Channel.WEB: InvoiceMoment.AT_DELIVERY}))
    order = b.oms.place_order(order_request())
    ship_all(b, order.order_id)
    assert b.documents(order.order_id) == []
    (shipment,) = b.oms.shipments(order.order_id)
    b.oms.record_delivered(shipment.shipment_id)
    (invoice,) = b.documents(order.order_id)
    assert invoice.shipment_id == shipment.shipment_id


def test_a_refused_parcel_is_credited_in_full() -> None:
    b = books()
    order = b.oms.place_order(order_request(lines=[("BEANS", 3, "3.33")]))
    ship_all(b, order.order_id)
    (shipment,) = b.oms.shipments(order.order_id)
    b.oms.record_refused(shipment.shipment_id)
    invoice, credit = b.documents(order.order_id)
    assert (credit.reason, credit.corrects, credit.shipment_id) == (
        CreditReason.REFUSED,
        invoice.number,
        shipment.shipment_id,
    )
    assert (credit.net_total, credit.vat_total) == (invoice.net_total, invoice.vat_total)
    (payment,) = b.oms.order_payments(order.order_id)
    assert payment.refunded == invoice.gross_total


def test_the_first_invoice_fixes_the_moment_even_when_the_policy_changes() -> None:
    b = books(policy=DefaultInvoicePolicy(by_customer={"ANNA": InvoiceMoment.AT_ORDER}))
    order = b.oms.place_order(order_request())
    assert len(b.documents(order.order_id)) == 1
    assert b.oms.invoicing is not None
    b.oms.invoicing = attrs.evolve(b.oms.invoicing, policy=DefaultInvoicePolicy())
    ship_all(b, order.order_id)
    assert len(b.documents(order.order_id)) == 1  # never invoiced twice


def test_an_order_on_hold_is_not_invoiced_at_placement_until_the_hold_is_lifted() -> None:
    b = books()
    order = b.oms.place_order(order_request(customer="ACME", payments=(), payment_authorised=False))
    assert order.status is OrderStatus.ON_HOLD
    assert b.documents(order.order_id) == []
    b.oms.confirm_payment(order.order_id)
    assert len(b.documents(order.order_id)) == 1


# --------------------------------------------------------------------------- VAT (F3)


def test_a_dutch_seller_charges_german_vat_to_a_german_consumer_above_the_threshold() -> None:
    b = books(distance_sales_before={2026: eur("10000.00")})
    order = b.oms.place_order(order_request(customer="KLAUS", to=BERLIN))
    ship_all(b, order.order_id)
    (invoice,) = b.documents(order.order_id)
    assert (invoice.vat_country, invoice.vat_scheme) == ("DE", "oss")
    assert invoice.lines[0].vat_rate == Decimal("0.19")
    assert invoice.vat_total == eur("3.80")
    assert invoice.distance_sale == eur("20.00")
    assert b.oms.distance_sales(2026) == eur("10020.00")


def test_below_the_threshold_the_seller_charges_its_own_rate_until_a_sale_crosses_it() -> None:
    b = books(distance_sales_before={2026: eur("9990.00")})
    first = b.oms.place_order(
        order_request("W-1", customer="KLAUS", to=BERLIN, lines=[("BEANS", 1, "5.00")])
    )
    ship_all(b, first.order_id)
    (below,) = b.documents(first.order_id)
    assert (below.vat_country, below.vat_scheme, below.vat_total) == (
        "NL",
        "below_threshold",
        eur("1.05"),
    )
    second = b.oms.place_order(order_request("W-2", customer="KLAUS", to=BERLIN))
    ship_all(b, second.order_id)
    (crossing,) = b.documents(second.order_id)
    assert (crossing.vat_country, crossing.vat_scheme) == ("DE", "oss")
    assert b.oms.distance_sales(2026) == eur("10015.00")


def test_a_seller_that_opted_in_charges_destination_vat_from_the_first_sale() -> None:
    b = books(vat=VatSettings("NL", oss_opted_in=True))
    order = b.oms.place_order(order_request(customer="KLAUS", to=BERLIN))
    ship_all(b, order.order_id)
    assert b.documents(order.order_id)[0].vat_country == "DE"


def test_a_belgian_business_with_a_vat_id_is_reverse_charged_with_the_legal_mention() -> None:
    b = books()
    order = b.oms.place_order(order_request(customer="BELGO", to=BRUSSELS))
    (invoice,) = b.documents(order.order_id)
    assert (invoice.vat_scheme, invoice.vat_total, invoice.legal_note) == (
        "reverse_charge",
        eur("0.00"),
        REVERSE_CHARGE_MENTION,
    )
    assert invoice.distance_sale is None
    assert b.oms.distance_sales(2026) == eur("0")


def test_an_export_outside_the_eu_is_zero_rated() -> None:
    b = books()
    order = b.oms.place_order(order_request(customer="ANNA", to=NEW_YORK))
    ship_all(b, order.order_id)
    (invoice,) = b.documents(order.order_id)
    assert (invoice.vat_scheme, invoice.vat_total) == ("export", eur("0.00"))
    assert invoice.legal_note is not None
    assert "Export" in invoice.legal_note


def test_a_rate_change_applies_to_supplies_from_its_date() -> None:
    rates = TableTaxRates(
        {
            ("NL", TaxCategory.STANDARD): [
                (date(2020, 1, 1), Decimal("0.21")),
                (date(2026, 1, 7), Decimal("0.22")),
            ]
        }
    )
    b = books(rates=rates)
    before = b.oms.place_order(order_request("W-1"))
    after = b.oms.place_order(order_request("W-2"))
    ship_all(b, before.order_id)  # supplied on 5 January
    b.world.clock.advance(timedelta(days=2))
    ship_all(b, after.order_id)  # supplied on 7 January
    assert b.documents(before.order_id)[0].lines[0].vat_rate == Decimal("0.21")
    assert b.documents(after.order_id)[0].lines[0].vat_rate == Decimal("0.22")


def test_reduced_rate_products_are_taxed_at_the_reduced_rate() -> None:
    b = books()
    b.oms.register_product(Product("BOOK", "Cookbook", tax_category=TaxCategory.REDUCED))
    b.oms.receive_stock("BOOK", "DC", 5)
    order = b.oms.place_order(order_request(lines=[("BOOK", 1, "20.00"), ("BEANS", 1, "10.00")]))
    ship_all(b, order.order_id)
    (invoice,) = b.documents(order.order_id)
    assert sorted(line.vat_rate for line in invoice.lines) == [Decimal("0.09"), Decimal("0.21")]
    assert invoice.vat_total == eur("3.90")


def test_prices_that_include_vat_have_it_taken_out() -> None:
    b = books(prices_include_vat=True)
    order = b.oms.place_order(order_request(lines=[("BEANS", 1, "12.10")]))
    (payment,) = b.oms.order_payments(order.order_id)
    assert payment.amount == eur("12.10")
    ship_all(b, order.order_id)
    (invoice,) = b.documents(order.order_id)
    assert (invoice.net_total, invoice.vat_total, invoice.gross_total) == (
        eur("10.00"),
        eur("2.10"),
        eur("12.10"),
    )


def test_per_invoice_rounding_rounds_the_vat_once_per_rate() -> None:
    per_line = books()
    per_invoice = books(rounding=Rounding.PER_INVOICE)
    lines = [("BEANS", 1, "0.10"), ("KETTLE", 1, "0.10")]
    for b in (per_line, per_invoice):
        order = b.oms.place_order(order_request(lines=lines))
        ship_all(b, order.order_id)
    assert per_line.documents("O-000001")[0].vat_total == eur("0.04")  # 0.021 twice
    assert per_invoice.documents("O-000001")[0].vat_total == eur("0.04")  # 0.042 once
    wide = books(rounding=Rounding.PER_INVOICE)
    order = wide.oms.place_order(order_request(lines=[("BEANS", 1, "0.05"), ("KETTLE", 1, "0.05")]))
    ship_all(wide, order.order_id)
    (invoice,) = wide.documents(order.order_id)
    assert invoice.vat_total == eur("0.02")  # 0.021 for both, not 0.01 + 0.01 per line
    assert sum(line.vat.amount for line in invoice.lines) == Decimal("0.02")


def test_a_discount_is_a_line_of_its_own_and_partial_shipments_add_up_to_the_order() -> None:
    b = books(stock={("BEANS", "AMS"): 1, ("BEANS", "UTR"): 2})
    request = order_request(lines=[("BEANS", 3, "10.00")])
    discounted = attrs.evolve(
        request, lines=(attrs.evolve(request.lines[0], discount=eur("1.00")),)
    )
    order = b.oms.place_order(discounted)
    ship_all(b, order.order_id)
    documents = b.documents(order.order_id)
    assert len(documents) == 2
    kinds = [[line.kind for line in d.lines] for d in documents]
    assert kinds == [[InvoiceLineKind.GOODS, InvoiceLineKind.DISCOUNT]] * 2
    assert sum(d.net_total.amount for d in documents) == Decimal("29.00")
    discounts = [d.lines[1].net for d in documents]
    assert sum(x.amount for x in discounts) == Decimal("-1.00")


# --------------------------------------------------------------------------- numbering (F4)


def test_invoice_numbers_are_gapless_under_concurrent_issuing() -> None:
    b = books(stock={("BEANS", "DC"): 500})
    errors: list[BaseException] = []

    def place(index: int) -> None:
        try:
            b.oms.place_order(order_request(f"W-{index}", customer="ACME"))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=place, args=(i,)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with b.oms.store.unit_of_work() as uow:
        numbers = sorted(
            d.number for o in uow.orders.list() for d in uow.invoices.for_order(o.order_id)
        )
    assert numbers == [f"INV-{n:06d}" for n in range(1, 41)]


def test_a_failed_call_gives_its_document_number_back() -> None:
    b = books()
    order = b.oms.place_order(order_request(customer="ACME"))
    (shipment,) = b.oms.release_order(order.order_id)
    b.world.warehouse.start_picking(shipment.shipment_id)
    with pytest.raises(CancelRefused):
        b.oms.cancel_order(order.order_id)
    assert len(b.documents(order.order_id)) == 1
    other = b.oms.place_order(order_request("W-2", customer="ACME"))
    b.oms.cancel_order(other.order_id)
    assert b.documents(other.order_id)[1].number == "CN-000001"


def test_issued_documents_are_immutable() -> None:
    b = books()
    order = b.oms.place_order(order_request(customer="ACME"))
    (invoice,) = b.documents(order.order_id)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        invoice.number = "INV-9"  # type: ignore[misc]
    with b.oms.store.unit_of_work() as uow, pytest.raises(Exception, match="invoice"):
        uow.invoices.add(invoice)


# --------------------------------------------------------------------------- corrections (F6)


def test_returned_units_are_credited_from_the_latest_invoice() -> None:
    b = books(stock={("BEANS", "AMS"): 1, ("BEANS", "UTR"): 2})
    order = b.oms.place_order(order_request(lines=[("BEANS", 3, "10.00")]))
    ship_all(b, order.order_id)
    first, second = b.documents(order.order_id)
    credits = b.oms.credit_return(order.order_id, {"1": 3})
    assert [(c.corrects, c.reason, c.lines[0].quantity) for c in credits] == [
        (second.number, CreditReason.RETURNED, second.lines[0].quantity),
        (first.number, CreditReason.RETURNED, first.lines[0].quantity),
    ]
    assert (
        sum(c.gross_total.amount for c in credits)
        == (first.gross_total + second.gross_total).amount
    )
    (payment,) = b.oms.order_payments(order.order_id)
    assert payment.status is PaymentStatus.REFUNDED


def test_more_returned_units_than_shipped_and_invoiced_are_refused_and_nothing_is_issued() -> None:
    b = books()
    order = b.oms.place_order(order_request(lines=[("BEANS", 2, "10.00")]))
    ship_all(b, order.order_id)
    b.oms.credit_return(order.order_id, {"1": 1})
    before = dump(b.oms)
    with pytest.raises(InvalidInput, match="only 1 shipped and invoiced units") as raised:
        b.oms.credit_return(order.order_id, {"1": 2})
    assert raised.value.path == "lines.1"
    assert dump(b.oms) == before
    with pytest.raises(NotFound):
        b.oms.credit_return(order.order_id, {"9": 1})


def test_units_invoiced_at_placement_but_not_shipped_cannot_be_credited_as_returned() -> None:
    b = books(stock={("BEANS", "DC"): 2})
    order = b.oms.place_order(order_request(customer="ACME", lines=[("BEANS", 3, "10.00")]))
    ship_all(b, order.order_id)  # two ship, one waits for stock (invoiced at placement)
    b.oms.credit_return(order.order_id, {"1": 2})
    with pytest.raises(InvalidInput, match="only 0 shipped and invoiced units"):
        b.oms.credit_return(order.order_id, {"1": 1})
    invoice, credit = b.documents(order.order_id)
    assert (invoice.lines[0].quantity, credit.lines[0].quantity) == (3, 2)


def test_a_price_adjustment_is_a_credit_note_at_the_invoice_lines_rate() -> None:
    b = books()
    order = b.oms.place_order(order_request(lines=[("BEANS", 2, "10.00")]))
    ship_all(b, order.order_id)
    (invoice,) = b.documents(order.order_id)
    credit = b.oms.adjust_price(invoice.number, "1", eur("5.00"), description="Damaged box")
    assert (credit.reason, credit.corrects) == (CreditReason.PRICE_ADJUSTMENT, invoice.number)
    (line,) = credit.lines
    assert (line.kind, line.description, line.net, line.vat) == (
        InvoiceLineKind.ADJUSTMENT,
        "Damaged box",
        eur("5.00"),
        eur("1.05"),
    )
    with pytest.raises(InvalidInput, match="exceeds what is left"):
        b.oms.adjust_price(invoice.number, "1", eur("15.01"))
    with pytest.raises(InvalidInput, match="must be an invoice"):
        b.oms.adjust_price(credit.number, "1", eur("1.00"))
    with pytest.raises(InvalidInput, match="currency"):
        b.oms.adjust_price(invoice.number, "1", Money("1.00", "USD"))
    with pytest.raises(InvalidInput, match="no goods line"):
        b.oms.adjust_price(invoice.number, "7", eur("1.00"))
    b.oms.credit_return(order.order_id, {"1": 2})
    total = sum(d.sign * d.gross_total.amount for d in b.documents(order.order_id))
    assert total == Decimal("0.00")  # the return gives back only what the adjustment left


# --------------------------------------------------------------------------- payments (F5)


def test_several_payment_methods_pay_one_order_in_the_order_given() -> None:
    b = books()
    splits = (PaymentSplit(PaymentMethod.GIFT_CARD, eur("5.00")), PaymentSplit(PaymentMethod.CARD))
    order = b.oms.place_order(order_request(lines=[("BEANS", 2, "10.00")], payments=splits))
    gift, card = b.oms.order_payments(order.order_id)
    assert (gift.amount, card.amount) == (eur("5.00"), eur("19.20"))
    assert [e.payment_id for e in b.world.publisher.of_type(PaymentAuthorised)] == [
        gift.payment_id,
        card.payment_id,
    ]
    ship_all(b, order.order_id)
    gift, card = b.oms.order_payments(order.order_id)
    assert (gift.captured, card.captured) == (eur("5.00"), eur("19.20"))


def test_a_declined_payment_holds_the_order_and_voids_the_other_authorisations() -> None:
    b = books()
    b.payments._decline_above = eur("10.00")
    splits = (PaymentSplit(PaymentMethod.GIFT_CARD, eur("5.00")), PaymentSplit(PaymentMethod.CARD))
    order = b.oms.place_order(order_request(payments=splits))
    assert (order.status, order.holds) == (OrderStatus.ON_HOLD, frozenset({HoldReason.PAYMENT}))
    assert b.oms.order_payments(order.order_id) == ()
    assert [p.status for p in b.payments.payments.values()] == [PaymentStatus.VOIDED]
    (declined,) = b.world.publisher.of_type(PaymentDeclined)
    assert (declined.method, declined.amount) == ("card", eur("19.20"))


def test_payments_worth_more_than_the_order_are_refused_and_nothing_is_written() -> None:
    b = books()
    before = dump(b.oms)
    too_much = (PaymentSplit(PaymentMethod.CARD, eur("30.00")),)
    with pytest.raises(InvalidInput, match="exceed the order total") as raised:
        b.oms.place_order(order_request(payments=too_much))
    assert raised.value.path == "payments"
    assert dump(b.oms) == before
    assert b.payments.payments == {}
    gift_pays_all = (
        PaymentSplit(PaymentMethod.GIFT_CARD, eur("24.20")),
        PaymentSplit(PaymentMethod.CARD),
    )
    order = b.oms.place_order(order_request(payments=gift_pays_all))
    assert [p.method for p in b.oms.order_payments(order.order_id)] == [PaymentMethod.GIFT_CARD]


def test_an_outage_leaves_the_invoice_unsettled_and_a_retry_settles_it_once() -> None:
    b = books()
    order = b.oms.place_order(order_request())
    b.payments.fail_next = 1
    ship_all(b, order.order_id)
    (invoice,) = b.documents(order.order_id)
    assert b.accounting.invoices == []
    with b.oms.store.unit_of_work() as uow:
        assert [d.number for d in uow.invoices.unsettled()] == [invoice.number]
    b.accounting.fail_next = 1
    with pytest.raises(GatewayError):
        b.oms.settle_invoices()
    (payment,) = b.oms.order_payments(order.order_id)
    assert payment.captured == eur("0")  # the capture's unit of work was rolled back
    assert b.oms.settle_invoices() == 1
    assert b.oms.settle_invoices() == 0
    (payment,) = b.oms.order_payments(order.order_id)
    assert payment.captured == invoice.gross_total
    assert b.payments.payments[payment.payment_id].captured == invoice.gross_total
    assert b.accounting.invoices == [invoice]


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: Address("Main St 1", "1000", "Nowhere", "XX"), "ISO 3166"),
        (lambda: Customer("X", "X BV", CustomerType.B2B, vat_id="NL1"), "VAT id"),
        (
            lambda: OrderRequest(
                Channel.WEB,
                "W-9",
                "EUR",
                [
                    OrderLineRequest("BEANS", 1, eur("1.00")),
                    OrderLineRequest("BEANS", 1, Money("1", "USD")),
                ],
                Delivery.ship_to(AMSTERDAM),
            ),
            "differs from the order currency",
        ),
        (lambda: OrderLineRequest("BEANS", 1, eur("-1.00")), "must not be negative"),
        (
            lambda: OrderRequest(
                Channel.WEB,
                "W-9",
                "EUR",
                [OrderLineRequest("BEANS", 1, eur("1.00"))],
                Delivery.ship_to(AMSTERDAM),
                payments=(PaymentSplit(PaymentMethod.CARD, Money("1.00", "USD")),),
            ),
            "differs from the order currency",
        ),
    ],
    ids=[
        "unknown country",
        "VAT id format",
        "currency mismatch",
        "negative price",
        "payment currency",
    ],
)
def test_bad_invoicing_input_is_a_typed_error(build: Any, match: str) -> None:
    with pytest.raises(InvalidInput, match=match):
        build()


@pytest.mark.parametrize("opted_in", [True, False], ids=["taxed at destination", "below threshold"])
def test_an_order_without_a_vat_rate_is_refused_at_placement_and_nothing_is_written(
    opted_in: bool,
) -> None:
    # Below the threshold the sale is taxed in NL, but the next one may cross it:
    # the destination's rate must exist as well.
    dutch_only = TableTaxRates(
        {("NL", TaxCategory.STANDARD): [(date(2020, 1, 1), Decimal("0.21"))]}
    )
    b = books(rates=dutch_only, vat=VatSettings("NL", oss_opted_in=opted_in))
    before = dump(b.oms)
    with pytest.raises(InvalidInput, match="no VAT rate for standard goods in DE") as raised:
        b.oms.place_order(order_request(customer="KLAUS", to=BERLIN))
    assert raised.value.path == "lines[0].sku"
    assert dump(b.oms) == before
    assert b.payments.payments == {}
    assert b.oms.place_order(order_request(customer="ANNA")).status is OrderStatus.ALLOCATED


def test_a_distance_sale_in_a_currency_without_an_eur_rate_is_refused() -> None:
    b = books()
    request = order_request(customer="KLAUS", to=BERLIN, payments=())
    sek = attrs.evolve(
        request,
        currency="SEK",
        lines=(OrderLineRequest("BEANS", 1, Money("100.00", "SEK")),),
    )
    with pytest.raises(InvalidInput, match="needs an EUR rate"):
        b.oms.place_order(sek)
    counted = books(eur_rates={"SEK": "0.09"})
    order = counted.oms.place_order(sek)
    ship_all(counted, order.order_id)
    assert counted.documents(order.order_id)[0].distance_sale == eur("9.00")


def test_invoicing_calls_without_invoicing_configured_say_so() -> None:
    world = make_world()
    with pytest.raises(InvalidInput, match="invoicing is off"):
        world.oms.distance_sales(2026)


def test_invoicing_settings_refuse_bad_values_naming_them() -> None:
    with pytest.raises(InvalidInput) as raised:
        InvoicingSettings(VatSettings("NL"), credit_note_series="INV")
    assert raised.value.path == "credit_note_series"
    with pytest.raises(InvalidInput) as raised:
        InvoicingSettings(VatSettings("NL"), distance_sales_before={2026: Money("1", "USD")})
    assert raised.value.path == "distance_sales_before.2026"
    with pytest.raises(InvalidInput) as raised:
        InvoicingSettings(VatSettings("NL"), eur_rates={"SEK": "-1"})
    assert raised.value.path == "eur_rates.SEK"
    with pytest.raises(InvalidInput) as raised:
        InvoicingSettings(VatSettings("NL"), rates=object())  # type: ignore[arg-type]
    assert raised.value.path == "rates"
    with pytest.raises(InvalidInput) as raised:
        InvoicingSettings(VatSettings("NL"), number_width=0)
    assert raised.value.path == "number_width"
    assert InvoicingSettings(VatSettings("NL"), number_width=4).number("CN", 7) == "CN-0007"


def test_invoice_issued_events_announce_every_document() -> None:
    b = books()
    order = b.oms.place_order(order_request(customer="ACME"))
    b.oms.cancel_order(order.order_id)
    issued = b.world.publisher.of_type(InvoiceIssued)
    assert [(e.number, e.kind, e.corrects, e.gross) for e in issued] == [
        ("INV-000001", "invoice", None, eur("24.20")),
        ("CN-000001", "credit_note", "INV-000001", eur("24.20")),
    ]


# --------------------------------------------------------------------------- previews and quotes


def test_a_preview_shows_the_invoice_an_order_would_get_and_writes_nothing() -> None:
    b = books()
    before = dump(b.oms)
    preview = b.oms.preview_invoice(order_request(customer="BELGO", to=BRUSSELS))
    assert (preview.vat_scheme, preview.legal_note) == ("reverse_charge", REVERSE_CHARGE_MENTION)
    assert (preview.net_total, preview.vat_total, preview.gross_total) == (
        eur("20.00"),
        eur("0.00"),
        eur("20.00"),
    )
    assert dump(b.oms) == before
    with pytest.raises(NotFound):
        b.oms.preview_invoice(order_request(customer="NOBODY"))


def test_an_accepted_business_quote_is_invoiced_at_placement_as_its_preview_said() -> None:
    b = books()
    quote = b.oms.create_quote(order_request("Q-1", customer="ACME", payments=()))
    preview = b.oms.preview_invoice(quote.request)
    assert b.world.publisher.of_type(InvoiceIssued) == []  # a quote is not invoiced
    order = b.oms.accept_quote(quote.quote_id)
    (invoice,) = b.documents(order.order_id)
    assert invoice.lines == preview.lines
    assert invoice.due_on == b.world.clock.now().date() + timedelta(days=30)


@pytest.mark.parametrize(
    ("currency", "price", "net", "vat"),
    [("JPY", "1234", "1234", "259"), ("KWD", "1.234", "1.234", "0.259")],
)
def test_amounts_are_rounded_to_each_currencys_minor_unit(
    currency: str, price: str, net: str, vat: str
) -> None:
    b = books()
    request = order_request(payments=(PaymentSplit(PaymentMethod.CARD),))
    foreign = attrs.evolve(
        request,
        currency=currency,
        lines=(OrderLineRequest("BEANS", 1, Money(price, currency)),),
    )
    order = b.oms.place_order(foreign)
    (payment,) = b.oms.order_payments(order.order_id)
    ship_all(b, order.order_id)
    (invoice,) = b.documents(order.order_id)
    assert (invoice.net_total, invoice.vat_total) == (Money(net, currency), Money(vat, currency))
    assert payment.amount == invoice.gross_total
