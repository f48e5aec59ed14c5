"""Invoicing: a consumer order invoiced per shipment, a business quote invoiced at order.

A Dutch shop sells kettles to a consumer in Amsterdam (two parcels, so two
invoices; one parcel comes back and is credited) and quotes a business, which
accepts: that order is invoiced at once with 30 days to pay, and part of it
is returned later. Run it with ``python examples/invoicing.py``; the test
suite runs it too.
"""

from __future__ import annotations

from decimal import Decimal

from omskit import (
    Address,
    Capability,
    Channel,
    Customer,
    CustomerType,
    Delivery,
    GeoPoint,
    Location,
    LocationKind,
    Money,
    Oms,
    OrderLineRequest,
    OrderRequest,
    Product,
)
from omskit.adapters.memory import ManualClock, MemoryPayments, RecordingAccounting, SequentialIds
from omskit.invoicing import InvoicingSettings
from omskit.model import Invoice, PaymentMethod, PaymentSplit
from omskit.tax import VatSettings


def describe(document: Invoice) -> str:
    """One line per document: number, what it corrects, VAT and totals."""
    corrects = f" corrects {document.corrects} ({document.reason})" if document.corrects else ""
    return (
        f"{document.number}{corrects}: {document.vat_scheme} VAT in {document.vat_country}, "
        f"{document.net_total} + {document.vat_total} = {document.gross_total}"
    )


def main() -> dict[str, Decimal]:
    payments, accounting = MemoryPayments(), RecordingAccounting()
    oms = Oms(
        clock=ManualClock(),
        ids=SequentialIds(),
        invoicing=InvoicingSettings(VatSettings("NL")),
        payments=payments,
        accounting=accounting,
    )
    for code, name, point in (
        ("AMS", "Store Amsterdam", GeoPoint(52.37, 4.90)),
        ("UTR", "Store Utrecht", GeoPoint(52.09, 5.12)),
    ):
        oms.register_location(
            Location(code, name, LocationKind.STORE, point, "NL", {Capability.SHIP})
        )
    oms.register_product(Product("KETTLE", "Kettle", weight_grams=1100))
    oms.receive_stock("KETTLE", "AMS", 1)
    oms.receive_stock("KETTLE", "UTR", 1)
    oms.register_customer(Customer("ANNA", "Anna de Vries"))
    oms.register_customer(
        Customer(
            "ACME", "Acme BV", CustomerType.B2B, vat_id="NL123456789B01", payment_terms_days=30
        )
    )
    amsterdam = Address("Damrak 1", "1012 LG", "Amsterdam", "NL", point=GeoPoint(52.37, 4.89))

    # A consumer: two parcels, two invoices, each when its parcel ships.
    consumer = oms.place_order(
        OrderRequest(
            Channel.WEB,
            "WEB-1",
            "EUR",
            [OrderLineRequest("KETTLE", 2, Money("39.95", "EUR"), discount=Money("5.00", "EUR"))],
            Delivery.ship_to(amsterdam),
            customer_id="ANNA",
            payments=(PaymentSplit(PaymentMethod.CARD),),
        )
    )
    shipments = oms.release_order(consumer.order_id)
    for shipment in shipments:
        oms.record_picking(shipment.shipment_id)
        oms.record_packed(shipment.shipment_id)
        oms.record_shipped(shipment.shipment_id)
    oms.record_refused(shipments[-1].shipment_id)  # one parcel comes back
    for document in oms.invoices(consumer.order_id):
        print(describe(document))
    (card,) = oms.order_payments(consumer.order_id)
    print(f"card: authorised {card.amount}, captured {card.captured}, refunded {card.refunded}")

    # A business: a quote, accepted, invoiced at once with its payment terms.
    oms.register_location(
        Location(
            "DC",
            "DC Tilburg",
            LocationKind.DISTRIBUTION_CENTRE,
            GeoPoint(51.56, 5.09),
            "NL",
            {Capability.SHIP},
        )
    )
    oms.receive_stock("KETTLE", "DC", 10)
    quote = oms.create_quote(
        OrderRequest(
            Channel.PHONE,
            "ACME-7",
            "EUR",
            [OrderLineRequest("KETTLE", 3, Money("30.00", "EUR"))],
            Delivery.ship_to(amsterdam),
            customer_id="ACME",
            payments=(PaymentSplit(PaymentMethod.INVOICE),),
        )
    )
    preview = oms.preview_invoice(quote.request)
    print(f"quote {quote.quote_id}: {preview.gross_total} including {preview.vat_total} VAT")
    business = oms.accept_quote(quote.quote_id)
    (invoice,) = oms.invoices(business.order_id)
    print(f"{describe(invoice)}, due {invoice.due_on}")
    for shipment in oms.release_order(business.order_id):
        oms.record_picking(shipment.shipment_id)
        oms.record_packed(shipment.shipment_id)
        oms.record_shipped(shipment.shipment_id)
    (credit,) = oms.credit_return(business.order_id, {"1": 1})
    print(describe(credit))

    print("posted to accounting:", ", ".join(d.number for d in accounting.invoices))
    owed = {
        order_id: sum((d.sign * d.gross_total.amount for d in oms.invoices(order_id)), Decimal(0))
        for order_id in (consumer.order_id, business.order_id)
    }
    for order_id, amount in owed.items():
        print(f"{order_id} owes EUR {amount}")
    return owed


if __name__ == "__main__":
    main()
