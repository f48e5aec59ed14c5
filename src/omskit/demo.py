"""The end-to-end demo behind ``python -m omskit demo``.

A small Dutch coffee-gear retailer with a distribution centre in Tilburg and
stores in Amsterdam, Utrecht and Rotterdam takes a few orders. One is routed
away from the Amsterdam store because it is low on stock; one is a click &
collect order whose fragile goods come from the DC; one is backordered; one is
followed from release to delivery. The state lives in a SQLite file in a
temporary folder (removed afterwards); a manual clock and sequential ids make
the story print the same every time.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import TextIO

import attrs

from omskit.adapters.memory import (
    ManualClock,
    MemoryPayments,
    RecordingAccounting,
    RecordingPublisher,
    SequentialIds,
)
from omskit.adapters.sqlite import SqliteStore
from omskit.errors import IdempotencyConflict, InvalidInput
from omskit.geo import GeoPoint
from omskit.invoicing import InvoicingSettings
from omskit.model import (
    Address,
    Capability,
    Channel,
    Delivery,
    Location,
    LocationKind,
    Order,
    OrderFlag,
    OrderLineRequest,
    OrderRequest,
    PaymentMethod,
    PaymentSplit,
    Product,
)
from omskit.money import Money
from omskit.routing import RoutingProfile
from omskit.routing.builtins import min_stock
from omskit.service import Oms
from omskit.tax import VatSettings

__all__ = ["DemoResult", "run_demo"]

STORE_CAPABILITIES = {Capability.SHIP, Capability.CLICK_AND_COLLECT, Capability.RECEIVE_TRANSFERS}


@attrs.frozen
class DemoResult:
    """What the demo did, for tests and for callers that want the numbers."""

    orders: tuple[Order, ...]
    events_published: int
    low_stock_order: Order
    delivered_order: Order


def _eur(amount: str) -> Money:
    return Money(amount, "EUR")


def run_demo(out: TextIO = sys.stdout) -> DemoResult:
    """Tell the demo story on ``out`` and return what happened (state in a temporary file)."""
    with (
        tempfile.TemporaryDirectory(prefix="omskit-demo-") as folder,
        SqliteStore(Path(folder) / "demo.db", synchronous="NORMAL") as store,
    ):
        return _story(out, store)


def _story(out: TextIO, store: SqliteStore) -> DemoResult:
    say = out.write
    clock = ManualClock()
    publisher = RecordingPublisher()
    accounting = RecordingAccounting()
    oms = Oms(
        store,
        clock=clock,
        ids=SequentialIds(),
        publisher=publisher,
        # Consumer prices include VAT; invoices go out when parcels ship (F1, F3).
        invoicing=InvoicingSettings(VatSettings("NL"), prices_include_vat=True),
        payments=MemoryPayments(),
        accounting=accounting,
    )

    say("omskit demo - Koffiegear B.V., a Dutch coffee-gear retailer\n")
    say("=" * 64 + "\n\n")
    locations = [
        Location(
            "DC-TILBURG",
            "Distribution centre Tilburg",
            LocationKind.DISTRIBUTION_CENTRE,
            GeoPoint(51.5555, 5.0913),
            "NL",
            capabilities={Capability.SHIP, Capability.HANDLES_FRAGILE},
        ),
        Location(
            "STORE-AMS",
            "Store Amsterdam Centrum",
            LocationKind.STORE,
            GeoPoint(52.3702, 4.8952),
            "NL",
            capabilities=STORE_CAPABILITIES,
        ),
        Location(
            "STORE-UTR",
            "Store Utrecht Oudegracht",
            LocationKind.STORE,
            GeoPoint(52.0907, 5.1214),
            "NL",
            capabilities=STORE_CAPABILITIES,
        ),
        Location(
            "STORE-RTM",
            "Store Rotterdam Lijnbaan",
            LocationKind.STORE,
            GeoPoint(51.9225, 4.4792),
            "NL",
            capabilities=STORE_CAPABILITIES,
        ),
    ]
    for location in locations:
        oms.register_location(location)
    products = [
        Product("BEANS-1KG", "Espresso beans 1 kg", weight_grams=1000),
        Product("GRINDER-C40", "Hand grinder C40", weight_grams=750),
        Product("CUPS-SET6", "Porcelain cup set (6)", weight_grams=1800, fragile=True),
        Product("KETTLE-GN", "Gooseneck kettle", weight_grams=1100),
    ]
    for product in products:
        oms.register_product(product)
    stock = {
        "DC-TILBURG": {"BEANS-1KG": 400, "GRINDER-C40": 40, "CUPS-SET6": 60},
        "STORE-AMS": {"BEANS-1KG": 25, "GRINDER-C40": 1, "CUPS-SET6": 4},
        "STORE-UTR": {"BEANS-1KG": 18, "GRINDER-C40": 6, "CUPS-SET6": 5},
        "STORE-RTM": {"BEANS-1KG": 20, "GRINDER-C40": 3},
    }
    say("Locations and stock on hand:\n")
    for location in locations:
        held = stock[location.location_id]
        for sku, quantity in held.items():
            oms.receive_stock(sku, location.location_id, quantity, reference="opening count")
        summary = ", ".join(f"{sku} {qty}" for sku, qty in held.items())
        say(f"  {location.location_id:<11} {location.kind.value:<20} {summary}\n")
    web = oms.availability("GRINDER-C40", Channel.WEB)
    say(f"\nSellable online: GRINDER-C40 {web.total} units over {len(web.by_location)} locations\n")

    amsterdam = Address(
        "Prinsengracht 263",
        "1016 GV",
        "Amsterdam",
        "NL",
        name="A. de Vries",
        point=GeoPoint(52.3752, 4.8840),
    )
    orders: list[Order] = []

    def place(title: str, request: OrderRequest) -> Order:
        clock.advance(timedelta(minutes=7))
        decision = oms.plan_routing(request)
        order = oms.place_order(request)
        orders.append(order)
        say(f"\n{title}\n")
        say(decision.explain().replace("order PLAN", f"order {order.order_id}") + "\n")
        say(f"  -> status {order.status.value}\n")
        return order

    beans = OrderRequest(
        Channel.WEB,
        "WEB-1001",
        "EUR",
        [OrderLineRequest("BEANS-1KG", 2, _eur("24.95"))],
        Delivery.ship_to(amsterdam),
    )
    first = place(
        "1. Web order from Amsterdam: two bags of beans ship from the nearest store", beans
    )

    grinders = OrderRequest(
        Channel.WEB,
        "WEB-1002",
        "EUR",
        [OrderLineRequest("GRINDER-C40", 2, _eur("189.00"))],
        Delivery.ship_to(amsterdam),
        payments=(PaymentSplit(PaymentMethod.IDEAL),),
    )
    low_stock = place(
        "2. Two grinders to Amsterdam: the Amsterdam store has only one, so the order "
        "is routed away from it",
        grinders,
    )

    cups = OrderRequest(
        Channel.WEB,
        "WEB-1003",
        "EUR",
        [OrderLineRequest("CUPS-SET6", 1, _eur("59.00"))],
        Delivery.collect_at("STORE-UTR"),
        flags={OrderFlag.GIFT},
    )
    place(
        "3. Click & collect in Utrecht, a gift: fragile cups come from the DC, which "
        "handles fragile goods",
        cups,
    )

    kettle = OrderRequest(
        Channel.PHONE,
        "CALL-77",
        "EUR",
        [OrderLineRequest("KETTLE-GN", 1, _eur("79.00"))],
        Delivery.ship_to(amsterdam),
    )
    place("4. A phone order for a kettle nobody has in stock is backordered", kettle)

    say("\n5. The shop retries order WEB-1001 after a timeout: the same order comes back\n")
    again = oms.place_order(beans)
    say(f"  -> {again.order_id} (same as before: {again == first})\n")
    try:
        oms.place_order(
            attrs.evolve(beans, lines=(OrderLineRequest("BEANS-1KG", 5, _eur("24.95")),))
        )
    except IdempotencyConflict as error:
        say(f"  -> a different request under WEB-1001 is refused: {error}\n")
    try:
        OrderRequest(
            Channel.WEB,
            "WEB-1004",
            "EUR",
            [
                OrderLineRequest("BEANS-1KG", 1, _eur("24.95")),
                OrderLineRequest("BEANS-1KG", 1, Money("10", "USD")),
            ],
            Delivery.ship_to(amsterdam),
        )
    except InvalidInput as error:
        say(f"  -> bad input is refused before anything is written: {error}\n")

    say(f"\n6. Order {low_stock.order_id} goes through the warehouse\n")
    for shipment in oms.release_order(low_stock.order_id):
        say(f"  released shipment {shipment.shipment_id} from {shipment.location_id}\n")
        for step in ("picking", "packed", "shipped", "delivered"):
            clock.advance(timedelta(hours=3))
            if step == "picking":
                oms.record_picking(shipment.shipment_id)
            elif step == "packed":
                oms.record_packed(shipment.shipment_id)
            elif step == "shipped":
                oms.record_shipped(
                    shipment.shipment_id, carrier="postnl", tracking_number="3SKGB0001"
                )
            else:
                oms.record_delivered(shipment.shipment_id)
            status = oms.get_order(low_stock.order_id).status.value
            say(f"    {clock.now():%a %H:%M}  shipment {step:<9} order is {status}\n")
    for invoice in oms.invoices(low_stock.order_id):
        (payment,) = oms.order_payments(low_stock.order_id)
        say(
            f"  invoice {invoice.number}, issued when the parcel shipped: {invoice.gross_total} "
            f"including {invoice.vat_total} VAT ({invoice.vat_scheme}, {invoice.vat_country}); "
            f"{payment.method.value} payment captured {payment.captured}; "
            f"accounting holds {', '.join(d.number for d in accounting.invoices)}\n"
        )
    delivered = oms.get_order(low_stock.order_id)
    for shipment in oms.shipments(low_stock.order_id):
        position = oms.stock_position("GRINDER-C40", shipment.location_id)
        ledger = oms.stock_ledger("GRINDER-C40", shipment.location_id)
        entries = ", ".join(f"{m.quantity:+d} {m.reference}" for m in ledger)
        say(f"  {shipment.location_id} now holds {position.on_hand} grinders; ledger: {entries}\n")

    say("\n7. A web shopper puts three bags of beans in a cart; the hold lapses\n")
    before = oms.sellable("BEANS-1KG", Channel.WEB)
    holds = oms.hold_stock("BEANS-1KG", 3, channel=Channel.WEB, cart_id="CART-501")
    where = ", ".join(f"{h.quantity} at {h.location_id}" for h in holds)
    say(f"  held {where}: sellable online {before} -> {oms.sellable('BEANS-1KG', Channel.WEB)}\n")
    clock.advance(timedelta(minutes=15))
    say(
        f"  15 minutes later the hold has expired: sellable online "
        f"{oms.sellable('BEANS-1KG', Channel.WEB)} (the clean-up job swept "
        f"{oms.expire_holds()} hold)\n"
    )
    oms.record_pos_sale("BEANS-1KG", "STORE-UTR", 2, receipt="UTR-0042")
    say(
        f"  a till sale of 2 bags in Utrecht: sellable online "
        f"{oms.sellable('BEANS-1KG', Channel.WEB)} at once\n"
    )

    say("\n8. What if: the day's orders replayed through two routing profiles\n")
    store_friendly = RoutingProfile.of(
        "store-friendly", [("min_stock", min_stock(5)), "specialisation", "nearest"]
    )
    report = oms.replay_routing(orders, [oms.routing_profile(Channel.WEB), store_friendly])
    say("\n".join("  " + row for row in report.table().splitlines()) + "\n")

    web = oms.availability("GRINDER-C40", Channel.WEB)
    say(f"\nSellable online now: GRINDER-C40 {web.total}\n")
    say(f"Domain events published: {len(publisher.events)}\n")
    return DemoResult(tuple(orders), len(publisher.events), low_stock, delivered)
