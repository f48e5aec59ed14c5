"""The cancel flow (D1-D3): cancel before picking, offers after, every attempt kept."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest
from test_service import World, dump, make_world, request

from omskit import (
    Customer,
    CustomerType,
    IllegalTransition,
    InvalidInput,
    LineStatus,
    Money,
    NotFound,
    OrderStatus,
    ShipmentStatus,
)
from omskit.events import CancellationRequested, LinesCancelled
from omskit.model import CancelAlternative, CancelReason


@pytest.fixture
def world() -> World:
    w = make_world()
    w.oms.receive_stock("BEANS", "AMS", 10, reference="PO-1")
    w.oms.receive_stock("KETTLE", "AMS", 10, reference="PO-1")
    w.oms.receive_stock("BEANS", "UTR", 10, reference="PO-1")
    w.oms.register_customer(Customer("C-1", "Anna", CustomerType.B2C))
    return w


def reserved(world: World, sku: str, location: str) -> tuple[int, int]:
    position = world.oms.stock_position(sku, location)
    return position.reserved, position.allocated


def test_a_whole_order_is_cancelled_before_release_and_its_stock_returns(world: World) -> None:
    order = world.oms.place_order(request(lines=[("BEANS", 2), ("KETTLE", 1)]))
    assert reserved(world, "BEANS", "AMS") == (2, 0)
    outcome = world.oms.request_cancel(order.order_id, CancelReason.CHANGED_MIND, by="customer")
    assert outcome.accepted
    assert outcome.refusal is None
    assert outcome.offers == ()
    assert outcome.order.status is OrderStatus.CANCELLED
    assert {line.status for line in outcome.order.lines} == {LineStatus.CANCELLED}
    assert outcome.cancelled_line_ids == ("1", "2")
    assert reserved(world, "BEANS", "AMS") == (0, 0)
    assert reserved(world, "KETTLE", "AMS") == (0, 0)
    record = outcome.record
    assert (record.reason, record.stage, record.accepted, record.requested_by) == (
        "changed_mind",
        "allocated",
        True,
        "customer",
    )
    assert record.skus == ("BEANS", "KETTLE")
    assert record.line_ids == ()
    assert world.oms.cancellation_records(order_id=order.order_id) == (record,)


def test_some_lines_are_cancelled_and_the_order_goes_on(world: World) -> None:
    order = world.oms.place_order(request(lines=[("BEANS", 2), ("KETTLE", 1)]))
    outcome = world.oms.request_cancel(
        order.order_id, "ordered_by_mistake", by="support-7", lines=["2"], note="wrong kettle"
    )
    assert outcome.accepted
    assert outcome.cancelled_line_ids == ("2",)
    assert outcome.order.status is OrderStatus.ALLOCATED
    statuses = [line.status for line in outcome.order.lines]
    assert statuses == [LineStatus.ALLOCATED, LineStatus.CANCELLED]
    assert outcome.order.lines[1].allocations == ()
    assert reserved(world, "KETTLE", "AMS") == (0, 0)
    assert reserved(world, "BEANS", "AMS") == (2, 0)
    assert outcome.record.line_ids == ("2",)
    assert outcome.record.skus == ("KETTLE",)
    assert outcome.record.note == "wrong kettle"
    world.oms.relay_events()
    cancelled = [e for e in world.publisher.events if isinstance(e, LinesCancelled)]
    assert [e.line_ids for e in cancelled] == [("2",)]
    requested = [e for e in world.publisher.events if isinstance(e, CancellationRequested)]
    assert [(e.accepted, e.line_ids, e.reason) for e in requested] == [
        (True, ("2",), "ordered_by_mistake")
    ]
    # The remaining line ships as usual.
    (shipment,) = world.oms.release_order(order.order_id)
    assert [(line.line_id, line.quantity) for line in shipment.lines] == [("1", 2)]


def test_naming_every_open_line_cancels_the_order(world: World) -> None:
    order = world.oms.place_order(request(lines=[("BEANS", 2), ("KETTLE", 1)]))
    world.oms.request_cancel(order.order_id, "other", by="customer", lines=["1"])
    outcome = world.oms.request_cancel(order.order_id, "other", by="customer", lines=["2"])
    assert outcome.order.status is OrderStatus.CANCELLED


def test_a_cancelled_backordered_line_no_longer_waits_for_supply(world: World) -> None:
    order = world.oms.place_order(request(lines=[("CUPS", 3), ("KETTLE", 20)]))
    assert order.status is OrderStatus.ALLOCATED  # 10 kettles allocated, the rest waits
    assert world.oms.future_supply("CUPS").promised == 3
    outcome = world.oms.request_cancel(
        order.order_id, CancelReason.DELIVERY_TOO_SLOW, by="customer", lines=["1"]
    )
    assert outcome.order.status is OrderStatus.ALLOCATED
    assert world.oms.future_supply("CUPS").promised == 0
    assert world.oms.future_supply("KETTLE").promised == 10


def test_a_released_line_is_taken_out_of_its_shipment(world: World) -> None:
    order = world.oms.place_order(request(lines=[("BEANS", 2), ("KETTLE", 1)]))
    (shipment,) = world.oms.release_order(order.order_id)
    assert reserved(world, "BEANS", "AMS") == (0, 2)
    outcome = world.oms.request_cancel(order.order_id, "found_cheaper", by="customer", lines=["2"])
    assert outcome.accepted
    assert outcome.order.status is OrderStatus.RELEASED
    shipments = {s.shipment_id: s for s in world.oms.shipments(order.order_id)}
    assert shipments[shipment.shipment_id].status is ShipmentStatus.CANCELLED
    (replacement,) = [s for s in shipments.values() if s.status is ShipmentStatus.RELEASED]
    assert [(line.line_id, line.quantity) for line in replacement.lines] == [("1", 2)]
    assert world.warehouse.released[replacement.shipment_id] == replacement
    assert shipment.shipment_id in world.warehouse.cancelled
    assert reserved(world, "BEANS", "AMS") == (0, 2)
    assert reserved(world, "KETTLE", "AMS") == (0, 0)


def test_from_picking_on_the_request_is_refused_with_alternatives(world: World) -> None:
    order = world.oms.place_order(request(lines=[("BEANS", 2)]))
    (shipment,) = world.oms.release_order(order.order_id)
    world.oms.record_picking(shipment.shipment_id)
    before = dump(world.oms)
    outcome = world.oms.request_cancel(order.order_id, CancelReason.CHANGED_MIND, by="customer")
    assert not outcome.accepted
    assert outcome.order.status is OrderStatus.PICKING
    assert "point of no return" in (outcome.refusal or "")
    kinds = [offer.kind for offer in outcome.offers]
    assert kinds == [
        CancelAlternative.CHANGE_ADDRESS,
        CancelAlternative.ADD_PRODUCT,
        CancelAlternative.STORE_CREDIT,
        CancelAlternative.RETURN,
    ]
    credit = outcome.offers[2]
    assert credit.amount == Money("22.00", "EUR")  # 2 x 10.00 plus 10%
    assert "EUR 22.00" in credit.description
    assert "10% bonus" in credit.description
    assert outcome.record.accepted is False
    assert outcome.record.stage == "picking"
    assert outcome.record.alternatives == tuple(kinds)
    after = dump(world.oms)
    assert after == before  # nothing but the record changed


def test_after_shipping_only_credit_and_return_are_offered(world: World) -> None:
    order = world.oms.place_order(request(lines=[("BEANS", 1)]))
    (shipment,) = world.oms.release_order(order.order_id)
    world.oms.record_picking(shipment.shipment_id)
    world.oms.record_packed(shipment.shipment_id)
    world.oms.record_shipped(shipment.shipment_id)
    outcome = world.oms.request_cancel(order.order_id, "changed_mind", by="customer")
    assert [offer.kind for offer in outcome.offers] == [
        CancelAlternative.STORE_CREDIT,
        CancelAlternative.RETURN,
    ]


def test_the_store_credit_bonus_is_configurable() -> None:
    world = make_world()
    oms = type(world.oms)(
        world.oms.store, clock=world.clock, warehouse=world.warehouse, store_credit_bonus="0.25"
    )
    oms.receive_stock("BEANS", "AMS", 3, reference="PO-1")
    order = oms.place_order(request(lines=[("BEANS", 1)]))
    (shipment,) = oms.release_order(order.order_id)
    oms.record_picking(shipment.shipment_id)
    offer = next(
        o
        for o in oms.request_cancel(order.order_id, "other", by="x").offers
        if o.kind is CancelAlternative.STORE_CREDIT
    )
    assert offer.amount == Money("12.50", "EUR")
    with pytest.raises(InvalidInput) as caught:
        type(world.oms)(store_credit_bonus="-0.1")
    assert caught.value.path == "store_credit_bonus"


def test_the_warehouse_refusing_a_late_cancel_is_a_refusal(world: World) -> None:
    order = world.oms.place_order(request(lines=[("BEANS", 2)]))
    (shipment,) = world.oms.release_order(order.order_id)
    world.warehouse.start_picking(shipment.shipment_id)  # the WMS moved first: the race of D1
    before = dump(world.oms)
    outcome = world.oms.request_cancel(order.order_id, "changed_mind", by="customer")
    assert not outcome.accepted
    assert "picking" in (outcome.refusal or "")
    assert outcome.record.stage == "released"
    assert outcome.order.status is OrderStatus.RELEASED
    assert dump(world.oms) == before
    assert reserved(world, "BEANS", "AMS") == (0, 2)


def test_bad_requests_are_refused_and_record_nothing(world: World) -> None:
    order = world.oms.place_order(request(lines=[("BEANS", 2), ("KETTLE", 1)]))
    oms = world.oms
    with pytest.raises(NotFound) as missing:
        oms.request_cancel(order.order_id, "other", by="x", lines=["9"])
    assert missing.value.path == "lines[0]"
    with pytest.raises(InvalidInput) as twice:
        oms.request_cancel(order.order_id, "other", by="x", lines=["1", "1"])
    assert twice.value.path == "lines[1]"
    with pytest.raises(InvalidInput):
        oms.request_cancel(order.order_id, "not a code!", by="x")
    with pytest.raises(InvalidInput):
        oms.request_cancel(order.order_id, "other", by="x", lines=[])
    with pytest.raises(InvalidInput):
        oms.request_cancel(order.order_id, "other", by="x", note="  ")
    with pytest.raises(NotFound):
        oms.request_cancel("NOPE", "other", by="x")
    assert oms.cancellation_records() == ()
    oms.request_cancel(order.order_id, "other", by="x", lines=["1"])
    with pytest.raises(InvalidInput) as again:
        oms.request_cancel(order.order_id, "other", by="x", lines=["1"])
    assert again.value.path == "lines[0]"
    oms.request_cancel(order.order_id, "other", by="x")
    with pytest.raises(IllegalTransition):
        oms.request_cancel(order.order_id, "other", by="x")
    assert len(oms.cancellation_records()) == 2


def test_the_report_counts_attempts_per_reason_stage_product_and_profile(world: World) -> None:
    oms = world.oms
    guest = oms.place_order(request("W-1", lines=[("BEANS", 1)]))
    oms.request_cancel(guest.order_id, CancelReason.FOUND_CHEAPER, by="customer")
    known = oms.place_order(
        attrs.evolve(request("W-2", lines=[("BEANS", 1), ("KETTLE", 1)]), customer_id="C-1")
    )
    (shipment,) = oms.release_order(known.order_id)
    oms.record_picking(shipment.shipment_id)
    oms.request_cancel(known.order_id, CancelReason.CHANGED_MIND, by="customer")
    oms.request_cancel(known.order_id, CancelReason.FOUND_CHEAPER, by="support")
    report = oms.cancellation_report()
    assert (report.attempts, report.accepted) == (3, 1)
    assert report.refusal_rate == pytest.approx(2 / 3)
    assert dict(report.by_reason) == {"found_cheaper": 2, "changed_mind": 1}
    assert list(report.by_reason) == ["found_cheaper", "changed_mind"]
    assert dict(report.by_stage) == {"picking": 2, "allocated": 1}
    assert dict(report.refused_by_stage) == {"picking": 2}
    assert dict(report.by_sku) == {"BEANS": 3, "KETTLE": 2}
    assert dict(report.by_customer_type) == {"b2c": 2, "guest": 1}
    assert Decimal(oms.store_credit_bonus) == Decimal("0.10")
