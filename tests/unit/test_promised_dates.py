"""Backorders get a promised ship date from future supply; a supplier delay moves it (E1, E2)."""

from __future__ import annotations

from datetime import date

import attrs
import pytest
from test_service import World, dump, make_world, request

from omskit import Customer, InsufficientStock, InvalidInput, Oms, OrderStatus, Product
from omskit.adapters.memory import MemorySupplier, RecordingCustomerNotifier, SentMessage
from omskit.events import ShipDatePromised
from omskit.model import NotificationChannel, PurchaseOrder, PurchaseOrderLine

PO_1 = PurchaseOrder("PO-1", "SUP", "DC", date(2026, 2, 2), [PurchaseOrderLine("KETTLE", 3)])
PO_2 = PurchaseOrder("PO-2", "SUP", "DC", date(2026, 2, 16), [PurchaseOrderLine("KETTLE", 10)])


@attrs.define
class Shop:
    world: World
    oms: Oms
    supplier: MemorySupplier
    notifier: RecordingCustomerNotifier

    def messages(self, template: str) -> list[SentMessage]:
        return [m for m in self.notifier.sent if m.template == template]


@pytest.fixture
def shop() -> Shop:
    world = make_world()
    supplier = MemorySupplier([PO_1, PO_2])
    notifier = RecordingCustomerNotifier()
    oms = Oms(
        world.oms.store,
        clock=world.clock,
        ids=world.oms.ids,
        publisher=world.publisher,
        supplier=supplier,
        notifier=notifier,
        handling_days=2,
    )
    for number in (1, 2, 3):
        oms.register_customer(
            Customer(
                f"C-{number}",
                f"Customer {number}",
                email=f"c{number}@example.nl",
                notify_by={NotificationChannel.EMAIL},
            )
        )
    return Shop(world, oms, supplier, notifier)


def place(shop: Shop, ref: str, customer: str, kettles: int) -> str:
    return shop.oms.place_order(
        attrs.evolve(request(ref, lines=[("KETTLE", kettles)]), customer_id=customer)
    ).order_id


def promised(shop: Shop, order_id: str) -> date | None:
    return shop.oms.get_order(order_id).lines[0].promised_date


def test_a_backorder_is_promised_the_supplier_date_plus_handling(shop: Shop) -> None:
    first = place(shop, "W-1", "C-1", 2)
    second = place(shop, "W-2", "C-2", 2)  # only 1 unit left on PO-1: waits for PO-2
    third = place(shop, "W-3", "C-3", 20)  # more than all open supply
    assert shop.oms.get_order(first).status is OrderStatus.BACKORDERED
    assert promised(shop, first) == date(2026, 2, 4)
    assert promised(shop, second) == date(2026, 2, 18)
    assert promised(shop, third) is None
    confirmations = shop.messages("order_confirmed")
    assert [(m.customer_id, m.data.get("promised_ship_date")) for m in confirmations] == [
        ("C-1", "2026-02-04"),
        ("C-2", "2026-02-18"),
        ("C-3", None),
    ]
    shop.oms.relay_events()
    dated = [e for e in shop.world.publisher.events if isinstance(e, ShipDatePromised)]
    assert [(e.order_id, e.current) for e in dated] == [
        (first, date(2026, 2, 4)),
        (second, date(2026, 2, 18)),
    ]


def test_a_purchase_order_delay_notifies_each_affected_customer_once(shop: Shop) -> None:
    first = place(shop, "W-1", "C-1", 2)
    second = place(shop, "W-2", "C-2", 2)
    third = place(shop, "W-3", "C-3", 5)  # PO-2 as well
    assert promised(shop, third) == date(2026, 2, 18)
    shop.supplier.update(attrs.evolve(PO_1, expected_on=date(2026, 2, 23)))  # now after PO-2
    changed = shop.oms.record_purchase_order_delay("PO-1")
    # PO-2 (10 units, 16 Feb) now comes first: the oldest orders take it.
    assert promised(shop, first) == date(2026, 2, 18)
    assert promised(shop, second) == date(2026, 2, 18)
    assert promised(shop, third) == date(2026, 2, 18)
    assert [o.order_id for o in changed] == [first]
    delayed = shop.messages("delivery_delayed")
    assert [
        (m.customer_id, m.data["promised_ship_date"], m.data["cancel_reason"]) for m in delayed
    ] == [("C-1", "2026-02-18", "delivery_too_slow")]
    # Told once: the same news again changes nothing and sends nothing.
    assert shop.oms.record_purchase_order_delay("PO-1") == ()
    assert len(shop.messages("delivery_delayed")) == 1


def test_a_delay_beyond_the_supply_loses_the_date(shop: Shop) -> None:
    waiting = place(shop, "W-1", "C-1", 12)  # PO-1 and PO-2 both needed
    assert promised(shop, waiting) == date(2026, 2, 18)
    shop.supplier.update(attrs.evolve(PO_2, lines=[PurchaseOrderLine("KETTLE", 10, received=10)]))
    shop.oms.record_purchase_order_delay("PO-1")
    assert promised(shop, waiting) is None
    (message,) = shop.messages("delivery_delayed")
    assert message.data["promised_ship_date"] == ""


def test_handling_days_are_checked() -> None:
    with pytest.raises(InvalidInput) as caught:
        Oms(handling_days=-1)
    assert caught.value.path == "handling_days"


def test_a_waiting_cap_limits_how_many_units_may_wait(shop: Shop) -> None:
    shop.oms.register_product(Product("KETTLE", "Kettle", weight_grams=1100, waiting_cap=3))
    first = place(shop, "W-1", "C-1", 2)
    before = dump(shop.oms)
    with pytest.raises(InsufficientStock) as refused:
        place(shop, "W-2", "C-2", 2)
    assert (refused.value.sku, refused.value.requested, refused.value.available) == (
        "KETTLE",
        2,
        1,
    )
    assert refused.value.location_id is None
    assert dump(shop.oms) == before
    assert place(shop, "W-3", "C-2", 1)  # exactly up to the cap
    shop.oms.request_cancel(first, "delivery_too_slow", by="customer")
    assert place(shop, "W-4", "C-3", 2)  # the cancelled order's units no longer wait


def test_a_cap_of_zero_takes_no_pre_orders_but_sells_stock(shop: Shop) -> None:
    shop.oms.register_product(Product("KETTLE", "Kettle", weight_grams=1100, waiting_cap=0))
    with pytest.raises(InsufficientStock):
        place(shop, "W-1", "C-1", 1)
    shop.oms.receive_stock("KETTLE", "DC", 2, reference="PO-0")
    order = shop.oms.get_order(place(shop, "W-2", "C-1", 2))
    assert order.status is OrderStatus.ALLOCATED
    with pytest.raises(InvalidInput):
        Product("KETTLE", "Kettle", waiting_cap=-1)
