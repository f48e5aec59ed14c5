"""Receipts fill waiting lines, oldest order first, and tell the customer (E3)."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest
from test_service import World, dump, make_world, request

from omskit import Customer, LineStatus, Oms, OrderStatus
from omskit.adapters.memory import MemoryWarehouse, RecordingCustomerNotifier, SentMessage
from omskit.errors import GatewayError
from omskit.events import OrderAllocated
from omskit.lifecycle import TriggerRule
from omskit.lifecycle.triggers import Where
from omskit.model import MovementReason, NotificationChannel, Order, Shipment


@pytest.fixture
def world() -> World:
    w = make_world()
    w.oms.notifier = RecordingCustomerNotifier()
    w.oms.register_customer(
        Customer("C-1", "Anna", email="anna@example.nl", notify_by={NotificationChannel.EMAIL})
    )
    w.oms.register_customer(
        Customer("C-2", "Bas", phone="+31612345678", notify_by={NotificationChannel.SMS})
    )
    return w


def notifier(oms: Oms) -> RecordingCustomerNotifier:
    assert isinstance(oms.notifier, RecordingCustomerNotifier)
    return oms.notifier


def prepared(oms: Oms) -> list[SentMessage]:
    """The "being prepared" messages sent so far."""
    return [m for m in notifier(oms).sent if m.template == "being_prepared"]


def backorder(world: World, ref: str, customer: str, quantity: int) -> str:
    order = world.oms.place_order(
        attrs.evolve(request(ref, lines=[("CUPS", quantity)]), customer_id=customer)
    )
    assert order.status is OrderStatus.BACKORDERED
    world.clock.advance(timedelta(minutes=5))
    return order.order_id


def test_a_receipt_fills_the_oldest_order_first_and_tells_its_customer(world: World) -> None:
    older = backorder(world, "W-1", "C-1", 2)
    newer = backorder(world, "W-2", "C-2", 2)
    position = world.oms.receive_stock("CUPS", "DC", 3, reference="PO-7")
    assert (position.on_hand, position.reserved) == (3, 3)
    first, second = world.oms.get_order(older), world.oms.get_order(newer)
    assert first.status is OrderStatus.ALLOCATED
    assert first.lines[0].status is LineStatus.ALLOCATED
    assert [(a.location_id, a.quantity) for a in first.lines[0].allocations] == [("DC", 2)]
    assert second.status is OrderStatus.ALLOCATED  # one unit: partly allocated, still waits
    assert second.lines[0].status is LineStatus.PARTIALLY_ALLOCATED
    assert second.lines[0].unallocated_quantity == 1
    assert [(m.customer_id, m.template, m.channels) for m in prepared(world.oms)] == [
        ("C-1", "being_prepared", frozenset({NotificationChannel.EMAIL}))
    ]
    assert prepared(world.oms)[0].data["order_id"] == older
    assert world.oms.future_supply("CUPS").promised == 1
    world.oms.relay_events()
    allocated = [e for e in world.publisher.events if isinstance(e, OrderAllocated)]
    assert [(e.order_id, e.allocations[0].quantity) for e in allocated] == [(older, 2), (newer, 1)]
    # The next receipt completes the newer order; the older is not told twice.
    world.oms.receive_stock("CUPS", "DC", 5, reference="PO-8")
    assert world.oms.get_order(newer).lines[0].allocations[0].quantity == 2
    assert [m.customer_id for m in prepared(world.oms)] == ["C-1", "C-2"]
    assert world.oms.stock_position("CUPS", "DC").reserved == 4


def test_a_location_that_cannot_serve_the_line_keeps_its_receipt(world: World) -> None:
    waiting = backorder(world, "W-1", "C-1", 2)
    world.oms.receive_stock("CUPS", "AMS", 4, reference="PO-7")  # a store: no fragile goods
    assert world.oms.get_order(waiting).status is OrderStatus.BACKORDERED
    assert world.oms.stock_position("CUPS", "AMS").reserved == 0
    assert prepared(world.oms) == []


def test_a_receipt_can_leave_waiting_lines_alone(world: World) -> None:
    waiting = backorder(world, "W-1", "C-1", 2)
    world.oms.receive_stock("CUPS", "DC", 4, reference="count", allocate_waiting=False)
    assert world.oms.get_order(waiting).status is OrderStatus.BACKORDERED
    assert world.oms.stock_position("CUPS", "DC").reserved == 0


def test_cancelled_orders_do_not_take_receipts(world: World) -> None:
    cancelled = backorder(world, "W-1", "C-1", 2)
    world.oms.request_cancel(cancelled, "delivery_too_slow", by="customer")
    world.oms.receive_stock("CUPS", "DC", 3, reference="PO-7")
    assert world.oms.stock_position("CUPS", "DC").reserved == 0
    assert world.oms.get_order(cancelled).lines[0].allocations == ()


def released_with_a_remainder(world: World) -> Order:
    """An order for 3 beans: 1 at Amsterdam shipped, 2 backordered."""
    world.oms.receive_stock("BEANS", "AMS", 1, reference="PO-1")
    order = world.oms.place_order(request("W-2", lines=[("BEANS", 3)]))
    (shipment,) = world.oms.release_order(order.order_id)
    for step in (world.oms.record_picking, world.oms.record_packed, world.oms.record_shipped):
        step(shipment.shipment_id)
    order = world.oms.get_order(order.order_id)
    assert order.status is OrderStatus.PARTIALLY_SHIPPED
    assert order.lines[0].unallocated_quantity == 2
    return order


def test_a_receipt_ships_a_released_orders_remainder_on_its_own(world: World) -> None:
    order = released_with_a_remainder(world)
    world.oms.receive_stock("BEANS", "DC", 5, reference="PO-8")
    after = world.oms.get_order(order.order_id)
    assert after.lines[0].unallocated_quantity == 0
    assert after.lines[0].status is LineStatus.PARTIALLY_SHIPPED
    _, second = world.oms.shipments(order.order_id)
    assert (second.shipment_id, second.location_id) == (f"{order.order_id}-S2", "DC")
    assert [(x.line_id, x.quantity) for x in second.lines] == [("1", 2)]
    assert second.shipment_id in world.warehouse.released
    position = world.oms.stock_position("BEANS", "DC")
    assert (position.reserved, position.allocated) == (0, 2)
    for step in (world.oms.record_picking, world.oms.record_packed, world.oms.record_shipped):
        step(second.shipment_id)
    done = world.oms.get_order(order.order_id)
    assert done.status is OrderStatus.SHIPPED
    assert done.lines[0].status is LineStatus.SHIPPED


class DownWarehouse(MemoryWarehouse):
    def __init__(self) -> None:
        super().__init__()
        self.down = False

    def release(self, shipment: Shipment, order: Order) -> None:
        if self.down:
            raise GatewayError("WMS down", gateway="warehouse")
        super().release(shipment, order)


def test_a_receipt_the_warehouse_cannot_take_changes_nothing() -> None:
    warehouse = DownWarehouse()
    world = make_world(warehouse)
    order = released_with_a_remainder(world)
    warehouse.down = True
    before = dump(world.oms)
    with pytest.raises(GatewayError, match="WMS down"):
        world.oms.receive_stock("BEANS", "DC", 5, reference="PO-8")
    assert dump(world.oms) == before
    world.oms.receive_stock("BEANS", "DC", 5, reference="PO-8", allocate_waiting=False)
    assert world.oms.stock_position("BEANS", "DC").on_hand == 5
    warehouse.down = False
    (ready,) = world.oms.allocate_waiting("BEANS")
    assert ready.order_id == order.order_id
    assert len(world.oms.shipments(order.order_id)) == 2


def test_allocate_waiting_gives_stock_that_came_another_way(world: World) -> None:
    waiting = backorder(world, "W-1", "C-1", 2)
    world.oms.adjust_stock("CUPS", "DC", 3, reason=MovementReason.RETURN)
    assert world.oms.get_order(waiting).status is OrderStatus.BACKORDERED
    (ready,) = world.oms.allocate_waiting("CUPS")
    assert ready.order_id == waiting
    assert ready.status is OrderStatus.ALLOCATED
    assert [m.data["order_id"] for m in prepared(world.oms)] == [waiting]
    assert world.oms.allocate_waiting("CUPS") == ()


class BrokenNotifier(RecordingCustomerNotifier):
    def notify(self, customer_id: str, **kwargs: object) -> None:
        raise RuntimeError(f"SMS provider down for {customer_id}")


def test_a_failing_notifier_does_not_undo_the_allocation(world: World) -> None:
    waiting = backorder(world, "W-1", "C-1", 1)
    world.oms.notifier = BrokenNotifier()
    world.oms.receive_stock("CUPS", "DC", 1, reference="PO-7")
    assert world.oms.get_order(waiting).status is OrderStatus.ALLOCATED


def test_a_message_the_notifier_missed_goes_out_once_it_is_back(world: World) -> None:
    waiting = backorder(world, "W-1", "C-1", 1)
    working = notifier(world.oms)
    world.oms.notifier = BrokenNotifier()
    world.oms.receive_stock("CUPS", "DC", 1, reference="PO-7")
    with pytest.raises(RuntimeError, match="SMS provider down for C-1"):
        world.oms.relay_events()
    world.oms.notifier = working
    assert world.oms.relay_events() > 0
    (message,) = prepared(world.oms)
    assert message.data["order_id"] == waiting
    assert world.oms.relay_events() == 0
    assert len(prepared(world.oms)) == 1


def test_a_call_that_fails_after_the_message_was_written_sends_nothing(world: World) -> None:
    def failing(order: object, line: object, now: object) -> bool:
        raise RuntimeError("a rule failed")

    waiting = backorder(world, "W-1", "C-1", 1)
    strict = Oms(
        world.oms.store,
        clock=world.clock,
        ids=world.oms.ids,
        notifier=notifier(world.oms),
        triggers=[TriggerRule("boom", [Where("failing", failing)], "Look at {order_id}")],
    )
    with pytest.raises(RuntimeError, match="a rule failed"):
        strict.receive_stock("CUPS", "DC", 1, reference="PO-7")
    assert prepared(world.oms) == []
    assert world.oms.get_order(waiting).status is OrderStatus.BACKORDERED
