"""Order checks and holds, pre-orders, refused parcels and guards of your own (C1-C3, E1)."""

from __future__ import annotations

from datetime import date, timedelta
from enum import Enum, StrEnum
from typing import Any, cast

import attrs
import pytest
from test_service import World, dump, full_flow, make_world, request

from omskit import (
    Channel,
    Customer,
    Delivery,
    GuardRefused,
    HoldReason,
    IllegalTransition,
    InvalidInput,
    LineStatus,
    Money,
    Oms,
    OrderFlag,
    OrderRequest,
    OrderStatus,
    Product,
    ShipmentStatus,
)
from omskit.adapters.memory import MemorySupplier, RecordingCustomerNotifier
from omskit.errors import DefinitionError, DomainRuleViolation
from omskit.events import HoldReleased, OrderStatusChanged
from omskit.lifecycle import LINE_LIFECYCLE, ORDER_LIFECYCLE, Lifecycles, guard
from omskit.lifecycle.checks import (
    CheckContext,
    deliverable_countries,
    fraud_threshold,
)
from omskit.model import NotificationChannel, Order, PurchaseOrder, PurchaseOrderLine
from omskit.serialization import from_data, from_json, make_converter, to_data, to_json

LAUNCH = date(2026, 1, 20)
"""The release date of the game console; the clock starts on 2026-01-05."""


def shop(**settings: Any) -> tuple[World, Oms, RecordingCustomerNotifier]:
    """A world whose Oms has ``settings``, a customer C-1 and a console launching on LAUNCH."""
    notifier = RecordingCustomerNotifier()
    world = make_world(notifier=notifier, **settings)
    oms = world.oms
    oms.register_customer(
        Customer("C-1", "Ann", email="ann@example.nl", notify_by={NotificationChannel.EMAIL})
    )
    oms.register_product(Product("CONSOLE", "Console", weight_grams=3000, release_date=LAUNCH))
    return world, oms, notifier


def unpaid(ref: str = "W-1", lines: list[tuple[str, int]] | None = None) -> OrderRequest:
    return attrs.evolve(request(ref, lines=lines), customer_id="C-1", payment_authorised=False)


def statuses(world: World, order_id: str) -> list[tuple[str, str, str]]:
    return [
        (e.previous.value, e.event, e.current.value)
        for e in world.publisher.of_type(OrderStatusChanged)
        if e.order_id == order_id
    ]


# --- validation and holds ---------------------------------------------------------------


def test_an_order_that_passes_every_check_is_validated_then_allocated() -> None:
    world, oms, notifier = shop()
    oms.receive_stock("BEANS", "AMS", 5)
    order = oms.place_order(attrs.evolve(request(), customer_id="C-1"))
    assert order.status is OrderStatus.ALLOCATED
    assert order.holds == frozenset()
    assert statuses(world, order.order_id) == [
        ("created", "validate", "validated"),
        ("validated", "allocate", "allocated"),
    ]
    assert [m.template for m in notifier.sent] == ["order_confirmed"]


def test_an_unpaid_order_is_held_with_its_stock_reserved_and_no_confirmation() -> None:
    world, oms, notifier = shop()
    oms.receive_stock("BEANS", "AMS", 5)
    order = oms.place_order(unpaid())
    assert order.status is OrderStatus.ON_HOLD
    assert order.holds == {HoldReason.PAYMENT}
    assert order.lines[0].status is LineStatus.ALLOCATED
    assert oms.stock_position("BEANS", "AMS").reserved == 2
    assert statuses(world, order.order_id) == [("created", "hold", "on_hold")]
    assert notifier.sent == []


def test_a_held_order_cannot_be_released_to_the_warehouse() -> None:
    world, oms, _ = shop()
    oms.receive_stock("BEANS", "AMS", 5)
    order = oms.place_order(unpaid())
    before = dump(oms)
    with pytest.raises(IllegalTransition) as caught:
        oms.release_order(order.order_id)
    assert (caught.value.state, caught.value.event) == ("on_hold", "release")
    assert dump(oms) == before
    assert world.warehouse.released == {}


def test_confirm_payment_lifts_the_hold_and_the_order_moves_on() -> None:
    world, oms, notifier = shop()
    oms.receive_stock("BEANS", "AMS", 5)
    order = oms.place_order(unpaid())
    paid = oms.confirm_payment(order.order_id)
    assert paid.status is OrderStatus.ALLOCATED
    assert paid.payment_authorised
    assert paid.holds == frozenset()
    assert paid.version == order.version + 1
    assert statuses(world, order.order_id)[1:] == [
        ("on_hold", "validate", "validated"),
        ("validated", "allocate", "allocated"),
    ]
    (released,) = world.publisher.of_type(HoldReleased)
    assert (released.hold, released.released_by) == ("payment", "payment")
    assert [m.template for m in notifier.sent] == ["order_confirmed"]
    assert oms.confirm_payment(order.order_id) == paid  # again: nothing changes
    assert len(oms.release_order(order.order_id)) == 1


def test_every_failing_check_adds_its_hold_and_the_last_lift_validates() -> None:
    world, oms, _ = shop(
        order_checks=[
            *Oms().order_checks,
            fraud_threshold(Money("15.00", "EUR")),
            deliverable_countries({"BE"}),
        ]
    )
    order = oms.place_order(unpaid())  # EUR 20.00 to Amsterdam, not paid, no stock
    assert order.holds == {HoldReason.PAYMENT, HoldReason.FRAUD, HoldReason.ADDRESS}
    order = oms.lift_hold(order.order_id, HoldReason.FRAUD, by="risk-team")
    assert order.status is OrderStatus.ON_HOLD
    assert order.holds == {HoldReason.PAYMENT, HoldReason.ADDRESS}
    order = oms.confirm_payment(order.order_id)
    assert order.status is OrderStatus.ON_HOLD
    order = oms.lift_hold(order.order_id, HoldReason.ADDRESS, by="service-desk")
    assert order.status is OrderStatus.BACKORDERED
    assert [e.hold for e in world.publisher.of_type(HoldReleased)] == [
        "fraud",
        "payment",
        "address",
    ]


def test_fraud_threshold_spares_vip_orders_and_other_currencies() -> None:
    check = fraud_threshold(Money("15.00", "EUR"))
    _, oms, _ = shop()
    context = CheckContext(customer=None, products={}, pickup=None, now=oms.clock.now())
    order = oms.place_order(request())
    assert check(order, context) == HoldReason.FRAUD
    assert check(attrs.evolve(order, flags={OrderFlag.VIP}), context) is None
    assert fraud_threshold(Money("15.00", "USD"))(order, context) is None
    assert fraud_threshold(Money("25.00", "EUR"))(order, context) is None


def test_a_collect_order_its_store_cannot_hand_over_is_held_for_the_delivery_method() -> None:
    _, oms, _ = shop()
    oms.receive_stock("CUPS", "DC", 5)
    order = oms.place_order(request(lines=[("CUPS", 1)], delivery=Delivery.collect_at("AMS")))
    assert order.holds == {HoldReason.DELIVERY_METHOD}
    beans = oms.place_order(request("W-2", delivery=Delivery.collect_at("AMS")))
    assert beans.holds == frozenset()


def test_a_check_of_your_own_may_use_its_own_code() -> None:
    def gift_wrap(order: Any, context: CheckContext) -> str | None:
        return "gift_wrap" if OrderFlag.GIFT in order.flags else None

    _, oms, _ = shop(order_checks=[gift_wrap])
    order = oms.place_order(attrs.evolve(request(), flags={OrderFlag.GIFT}))
    assert order.holds == {"gift_wrap"}
    assert oms.lift_hold(order.order_id, "gift_wrap", by="packer").status is (
        OrderStatus.BACKORDERED
    )


def test_a_check_returning_a_bad_code_refuses_the_order_and_writes_nothing() -> None:
    _, oms, _ = shop(order_checks=[lambda order, context: "not a code"])
    before = dump(oms)
    with pytest.raises(InvalidInput, match="order_checks"):
        oms.place_order(request())
    assert dump(oms) == before


@pytest.mark.parametrize("checks", ["payment_check", [1], 3])
def test_order_checks_must_be_a_sequence_of_callables(checks: Any) -> None:
    with pytest.raises(InvalidInput, match="order_checks"):
        Oms(order_checks=checks)


def test_a_held_order_can_be_cancelled_and_gives_its_stock_back() -> None:
    _, oms, _ = shop()
    oms.receive_stock("BEANS", "AMS", 5)
    order = oms.place_order(unpaid())
    outcome = oms.request_cancel(order.order_id, "changed_mind", by="customer")
    assert outcome.accepted
    assert oms.get_order(order.order_id).status is OrderStatus.CANCELLED
    assert oms.stock_position("BEANS", "AMS").reserved == 0


def test_the_payment_flag_is_part_of_the_idempotency_key() -> None:
    _, oms, _ = shop()
    oms.place_order(unpaid())
    with pytest.raises(Exception, match="W-1"):
        oms.place_order(attrs.evolve(unpaid(), payment_authorised=True))


# --- pre-orders -------------------------------------------------------------------------


def test_a_product_before_its_release_date_is_pre_ordered_even_with_stock_on_hand() -> None:
    world, oms, notifier = shop()
    oms.receive_stock("CONSOLE", "DC", 2)
    order = oms.place_order(attrs.evolve(request(lines=[("CONSOLE", 1)]), customer_id="C-1"))
    assert order.status is OrderStatus.PRE_ORDERED
    assert order.lines[0].status is LineStatus.PRE_ORDERED
    assert order.lines[0].promised_date == LAUNCH
    assert oms.stock_position("CONSOLE", "DC").reserved == 0
    assert notifier.sent[0].data["promised_ship_date"] == LAUNCH.isoformat()
    assert statuses(world, order.order_id)[-1] == ("validated", "pre_order", "pre_ordered")


def test_pre_orders_beyond_the_shelf_are_promised_from_supply_never_before_launch() -> None:
    supplier = MemorySupplier(
        [
            PurchaseOrder(
                "PO-1", "SUP", "DC", date(2026, 1, 12), [PurchaseOrderLine("CONSOLE", 2)]
            ),
            PurchaseOrder("PO-2", "SUP", "DC", date(2026, 2, 2), [PurchaseOrderLine("CONSOLE", 5)]),
        ]
    )
    _, oms, _ = shop(supplier=supplier, handling_days=2)
    oms.receive_stock("CONSOLE", "DC", 1)
    dates = [
        oms.place_order(request(f"W-{n}", lines=[("CONSOLE", 1)])).lines[0].promised_date
        for n in range(1, 6)
    ]
    # One on the shelf, two on the January PO (before launch: launch day), then February.
    assert dates == [LAUNCH, LAUNCH, LAUNCH, date(2026, 2, 4), date(2026, 2, 4)]


def test_a_mixed_order_is_allocated_and_its_pre_order_line_waits() -> None:
    _, oms, _ = shop()
    oms.receive_stock("BEANS", "AMS", 5)
    oms.receive_stock("CONSOLE", "DC", 5)
    order = oms.place_order(request(lines=[("BEANS", 1), ("CONSOLE", 1)]))
    assert order.status is OrderStatus.ALLOCATED
    assert [line.status for line in order.lines] == [LineStatus.ALLOCATED, LineStatus.PRE_ORDERED]


def test_receipts_before_the_release_date_stay_on_the_shelf() -> None:
    _, oms, _ = shop()
    order = oms.place_order(request(lines=[("CONSOLE", 1)]))
    oms.receive_stock("CONSOLE", "DC", 3)
    assert oms.get_order(order.order_id).status is OrderStatus.PRE_ORDERED
    assert oms.stock_position("CONSOLE", "DC").reserved == 0


def test_on_release_day_pre_orders_take_the_shelf_oldest_first_and_the_rest_backorder() -> None:
    world, oms, notifier = shop()
    oms.receive_stock("CONSOLE", "DC", 2)
    first = oms.place_order(attrs.evolve(request("W-1", lines=[("CONSOLE", 2)]), customer_id="C-1"))
    world.clock.advance(timedelta(hours=1))
    second = oms.place_order(request("W-2", lines=[("CONSOLE", 1)]))
    with pytest.raises(DomainRuleViolation, match="2026-01-20"):
        oms.release_pre_orders("CONSOLE")
    world.clock.advance(timedelta(days=15))
    ready = oms.release_pre_orders("CONSOLE")
    assert [o.order_id for o in ready] == [first.order_id]
    assert oms.get_order(first.order_id).status is OrderStatus.ALLOCATED
    late = oms.get_order(second.order_id)
    assert late.status is OrderStatus.BACKORDERED
    assert late.lines[0].status is LineStatus.BACKORDERED
    assert statuses(world, second.order_id)[-1] == ("pre_ordered", "backorder", "backordered")
    assert notifier.sent[-1].template == "being_prepared"
    oms.receive_stock("CONSOLE", "DC", 1)  # released now: a receipt fills the backorder
    assert oms.get_order(second.order_id).status is OrderStatus.ALLOCATED


# --- refused parcels --------------------------------------------------------------------


def test_a_refused_parcel_ends_the_shipment_and_the_order_refused() -> None:
    world, oms, _ = shop()
    oms.receive_stock("BEANS", "AMS", 5)
    order = oms.place_order(request())
    (shipment,) = oms.release_order(order.order_id)
    oms.record_picking(shipment.shipment_id)
    oms.record_packed(shipment.shipment_id)
    oms.record_shipped(shipment.shipment_id)
    refused = oms.record_refused(shipment.shipment_id)
    assert refused.status is ShipmentStatus.REFUSED
    final = oms.get_order(order.order_id)
    assert final.status is OrderStatus.REFUSED
    assert final.lines[0].status is LineStatus.SHIPPED
    assert statuses(world, order.order_id)[-1] == ("shipped", "refuse", "refused")


def test_only_a_shipped_parcel_can_be_refused() -> None:
    _, oms, _ = shop()
    oms.receive_stock("BEANS", "AMS", 5)
    (shipment,) = oms.release_order(oms.place_order(request()).order_id)
    with pytest.raises(IllegalTransition, match="'released'; the event 'refuse'"):
        oms.record_refused(shipment.shipment_id)


# --- lifecycles of your own -------------------------------------------------------------


@guard("a replacement waits for customer service")
def not_a_replacement(order: Any) -> bool:
    return OrderFlag.REPLACEMENT not in order.flags


def test_a_guard_of_your_own_stops_a_move_and_names_itself() -> None:
    table = ORDER_LIFECYCLE.extended(
        guards={(OrderStatus.ALLOCATED, "release"): [not_a_replacement]}
    )
    _, oms, _ = shop(lifecycles=Lifecycles(order=table))
    oms.receive_stock("BEANS", "AMS", 5)
    replacement = oms.place_order(attrs.evolve(request(), flags={OrderFlag.REPLACEMENT}))
    before = dump(oms)
    with pytest.raises(GuardRefused) as caught:
        oms.release_order(replacement.order_id)
    assert caught.value.guard == "not_a_replacement"
    assert caught.value.entity_id == replacement.order_id
    assert dump(oms) == before
    normal = oms.place_order(request("W-2"))
    assert len(full_flow(oms, normal)) == 1


def test_lifecycles_refuse_tables_that_drop_what_omskit_uses() -> None:
    valid_but_short = ORDER_LIFECYCLE.extended(remove=[(OrderStatus.RELEASED, "cancel")])
    with pytest.raises(DefinitionError, match="drops rows omskit uses: released --cancel-->"):
        Lifecycles(order=valid_but_short)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("order", "a table", "must be a TransitionTable"),
        ("line", ORDER_LIFECYCLE, "must govern the 'order line' entity"),
    ],
)
def test_lifecycles_check_each_table(field: str, value: Any, message: str) -> None:
    with pytest.raises(DefinitionError, match=message):
        Lifecycles(**{field: value})


def test_oms_wants_a_lifecycles_object() -> None:
    with pytest.raises(InvalidInput, match="lifecycles"):
        Oms(lifecycles=ORDER_LIFECYCLE)  # type: ignore[arg-type]


# --- special orders in reports ----------------------------------------------------------


def test_orders_selects_by_flag_status_channel_and_customer_oldest_first() -> None:
    world, oms, _ = shop()
    oms.receive_stock("BEANS", "AMS", 10)
    gift = oms.place_order(attrs.evolve(request("W-1"), flags={OrderFlag.GIFT}, customer_id="C-1"))
    world.clock.advance(timedelta(minutes=5))
    vip = oms.place_order(attrs.evolve(request("W-2"), flags={OrderFlag.VIP, OrderFlag.GIFT}))
    world.clock.advance(timedelta(minutes=5))
    plain = oms.place_order(attrs.evolve(request("W-3", lines=[("KETTLE", 1)])))
    assert oms.orders() == (gift, vip, plain)
    assert oms.orders(flag=OrderFlag.GIFT) == (gift, vip)
    assert oms.orders(flag=OrderFlag.VIP) == (vip,)
    assert oms.orders(flag=OrderFlag.REPLACEMENT) == ()
    assert oms.orders(status=OrderStatus.BACKORDERED) == (plain,)
    assert oms.orders(flag=OrderFlag.GIFT, customer_id="C-1") == (gift,)
    assert oms.orders(channel=Channel.STORE) == ()


# --- states of your own -----------------------------------------------------------------


class Engraving(StrEnum):
    AWAITING_ENGRAVING = "awaiting_engraving"


WITH_ENGRAVING = ORDER_LIFECYCLE.extended(
    [
        (OrderStatus.ALLOCATED, "engrave", Engraving.AWAITING_ENGRAVING),
        (Engraving.AWAITING_ENGRAVING, "release", OrderStatus.RELEASED),
        (Engraving.AWAITING_ENGRAVING, "cancel", OrderStatus.CANCELLED),
    ]
)


def test_an_order_walks_through_a_state_of_your_own() -> None:
    world, oms, _ = shop(lifecycles=Lifecycles(order=WITH_ENGRAVING))
    oms.receive_stock("BEANS", "AMS", 5)
    order = oms.place_order(request())
    engraving = oms.advance_order(order.order_id, "engrave")
    assert cast(Enum, engraving.status) is Engraving.AWAITING_ENGRAVING
    assert statuses(world, order.order_id)[-1] == ("allocated", "engrave", "awaiting_engraving")
    (shipment,) = oms.release_order(order.order_id)
    assert oms.get_order(order.order_id).status is OrderStatus.RELEASED
    assert shipment.shipment_id in world.warehouse.released


def test_a_state_of_your_own_can_be_cancelled_where_your_table_says() -> None:
    _, oms, _ = shop(lifecycles=Lifecycles(order=WITH_ENGRAVING))
    oms.receive_stock("BEANS", "AMS", 5)
    order = oms.advance_order(oms.place_order(request()).order_id, "engrave")
    outcome = oms.request_cancel(order.order_id, "changed_mind", by="customer")
    assert outcome.accepted
    assert oms.stock_position("BEANS", "AMS").reserved == 0


def test_the_default_table_knows_no_such_event() -> None:
    _, oms, _ = shop()
    order = oms.place_order(request())
    with pytest.raises(IllegalTransition, match="'engrave'"):
        oms.advance_order(order.order_id, "engrave")


def test_orders_in_a_state_of_your_own_serialise_with_a_converter_that_knows_it() -> None:
    _, oms, _ = shop(lifecycles=Lifecycles(order=WITH_ENGRAVING))
    oms.receive_stock("BEANS", "AMS", 5)
    order = oms.advance_order(oms.place_order(request()).order_id, "engrave")
    converter = make_converter(order_states=[Engraving])
    data = to_data(order, converter=converter)
    assert data["status"] == "awaiting_engraving"
    assert from_data(data, Order, converter=converter) == order
    with pytest.raises(InvalidInput, match="status"):
        from_data(data, Order, converter=make_converter())
    with pytest.raises(DefinitionError, match="enums with text values"):
        make_converter(order_states=[int])  # type: ignore[list-item]


def test_status_events_of_a_state_of_your_own_serialise_too() -> None:
    world, oms, _ = shop(lifecycles=Lifecycles(order=WITH_ENGRAVING))
    oms.receive_stock("BEANS", "AMS", 5)
    oms.advance_order(oms.place_order(request()).order_id, "engrave")
    event = world.publisher.of_type(OrderStatusChanged)[-1]
    converter = make_converter(order_states=[Engraving])
    text = to_json(event, converter=converter)
    assert '"current": "awaiting_engraving"' in text
    assert from_json(text, OrderStatusChanged, converter=converter) == event


def test_a_table_left_out_is_omskits_own() -> None:
    lifecycles = Lifecycles(order=WITH_ENGRAVING)
    assert lifecycles.order is WITH_ENGRAVING
    assert Lifecycles().order is ORDER_LIFECYCLE
    assert lifecycles.line is LINE_LIFECYCLE


def test_holds_of_a_cancelled_order_cannot_be_lifted() -> None:
    _, oms, _ = shop(order_checks=[*Oms().order_checks, fraud_threshold(Money("15.00", "EUR"))])
    order = oms.place_order(unpaid())
    oms.request_cancel(order.order_id, "changed_mind", by="customer")
    before = dump(oms)
    with pytest.raises(IllegalTransition, match="'cancelled'"):
        oms.lift_hold(order.order_id, HoldReason.FRAUD, by="risk-team")
    with pytest.raises(IllegalTransition, match="'cancelled'"):
        oms.confirm_payment(order.order_id)
    assert dump(oms) == before


def test_deliverable_countries_holds_only_shipments_abroad() -> None:
    check = deliverable_countries({"NL", "BE"})
    _, oms, _ = shop()
    context = CheckContext(customer=None, products={}, pickup=None, now=oms.clock.now())
    home = oms.place_order(request())
    assert check(home, context) is None
    collect = oms.place_order(request("W-2", delivery=Delivery.collect_at("AMS")))
    assert check(collect, context) is None
    assert deliverable_countries({"BE"})(home, context) == HoldReason.ADDRESS


@pytest.mark.parametrize(
    ("make", "path"),
    [
        (lambda: deliverable_countries([]), "countries"),
        (lambda: deliverable_countries({"XX"}), "countries"),
        (lambda: fraud_threshold(Money("0.00", "EUR")), "limit"),
        (lambda: fraud_threshold("100"), "limit"),  # type: ignore[arg-type]
    ],
)
def test_check_factories_refuse_bad_settings(make: Any, path: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        make()
    assert caught.value.path == path
