"""Changing an order after placement (C6) and taking the offers of a refused cancel (D2)."""

from __future__ import annotations

from typing import TypeVar

import pytest
from test_service import World, dump, make_world, request

from omskit import (
    Address,
    AlreadyExists,
    ChangeRefused,
    Delivery,
    GeoPoint,
    InvalidInput,
    LineStatus,
    Money,
    NotFound,
    OrderLineRequest,
    OrderStatus,
    ShipmentStatus,
)
from omskit.events import CancelOfferTaken, DeliveryChanged, LineAdded
from omskit.model import CancelAlternative, CancelReason

T = TypeVar("T")
UTRECHT_HOME = Address("Oudegracht 100", "3511 AX", "Utrecht", "NL", point=GeoPoint(52.09, 5.118))


@pytest.fixture
def world() -> World:
    w = make_world()
    w.oms.receive_stock("BEANS", "AMS", 10, reference="PO-1")
    w.oms.receive_stock("BEANS", "UTR", 10, reference="PO-1")
    w.oms.receive_stock("KETTLE", "UTR", 5, reference="PO-1")
    return w


def events_of(world: World, kind: type[T]) -> list[T]:
    world.oms.relay_events()
    return [e for e in world.publisher.events if isinstance(e, kind)]


def picking(world: World, lines: list[tuple[str, int]], ref: str = "W-1") -> str:
    """An order at picking, from Amsterdam's stock; returns its id."""
    order = world.oms.place_order(request(ref, lines=lines))
    for shipment in world.oms.release_order(order.order_id):
        world.oms.record_picking(shipment.shipment_id)
    return order.order_id


# --------------------------------------------------------------------------- the address


def test_a_new_address_before_release_routes_the_stock_again(world: World) -> None:
    order = world.oms.place_order(request(lines=[("BEANS", 2)]))
    assert order.lines[0].allocations[0].location_id == "AMS"
    moved = world.oms.change_delivery_address(order.order_id, UTRECHT_HOME)
    assert moved.delivery.address == UTRECHT_HOME
    assert [a.location_id for a in moved.lines[0].allocations] == ["UTR"]
    assert world.oms.stock_position("BEANS", "AMS").reserved == 0
    assert world.oms.stock_position("BEANS", "UTR").reserved == 2
    assert moved.routing is not None
    assert "UTR" in moved.routing.explanation
    assert [e.rerouted for e in events_of(world, DeliveryChanged)] == [True]


def test_a_new_address_at_the_warehouse_redirects_the_parcels(world: World) -> None:
    order_id = picking(world, [("BEANS", 2)])
    moved = world.oms.change_delivery_address(order_id, UTRECHT_HOME)
    (shipment,) = world.oms.shipments(order_id)
    assert world.warehouse.addresses == {shipment.shipment_id: UTRECHT_HOME}
    assert moved.delivery.address == UTRECHT_HOME
    assert moved.lines[0].allocations[0].location_id == "AMS"  # the parcel stays where it is
    (changed,) = events_of(world, DeliveryChanged)
    assert (changed.rerouted, changed.shipment_ids) == (False, (shipment.shipment_id,))


def test_a_labelled_parcel_cannot_be_redirected(world: World) -> None:
    order = world.oms.place_order(request(lines=[("BEANS", 12)]))  # split: two shipments
    first, second = world.oms.release_order(order.order_id)
    world.warehouse.label(second.shipment_id)
    before = dump(world.oms)
    with pytest.raises(ChangeRefused) as refused:
        world.oms.change_delivery_address(order.order_id, UTRECHT_HOME)
    assert second.shipment_id in refused.value.reason
    assert dump(world.oms) == before
    # The one already redirected was sent back to where the order still says.
    assert world.warehouse.addresses[first.shipment_id] == order.delivery.address


def test_no_address_change_once_shipped_or_for_click_and_collect(world: World) -> None:
    order_id = picking(world, [("BEANS", 1)])
    (shipment,) = world.oms.shipments(order_id)
    world.oms.record_packed(shipment.shipment_id)
    world.oms.record_shipped(shipment.shipment_id)
    with pytest.raises(ChangeRefused) as refused:
        world.oms.change_delivery_address(order_id, UTRECHT_HOME)
    assert refused.value.stage == "shipped"
    collect = world.oms.place_order(request("W-2", delivery=Delivery.collect_at("AMS")))
    with pytest.raises(InvalidInput) as wrong:
        world.oms.change_delivery_address(collect.order_id, UTRECHT_HOME)
    assert wrong.value.path == "address"


# --------------------------------------------------------------------------- the delivery method


def test_a_shipped_order_becomes_click_and_collect_before_release(world: World) -> None:
    order = world.oms.place_order(request(lines=[("BEANS", 2), ("KETTLE", 1)]))
    assert {a.location_id for line in order.lines for a in line.allocations} == {"UTR"}
    collect = Delivery.collect_at("AMS")
    moved = world.oms.change_delivery(order.order_id, collect)
    assert moved.delivery == collect
    # Amsterdam hands over its own beans; it takes no transfers, so the kettle waits.
    assert [a.location_id for a in moved.lines[0].allocations] == ["AMS"]
    assert moved.lines[1].status is LineStatus.BACKORDERED
    assert moved.status is OrderStatus.ALLOCATED
    assert world.oms.stock_position("KETTLE", "UTR").reserved == 0
    assert world.oms.change_delivery(order.order_id, collect) == moved  # the same again
    back = world.oms.change_delivery(order.order_id, Delivery.ship_to(UTRECHT_HOME))
    assert back.lines[1].status is LineStatus.ALLOCATED
    assert [e.rerouted for e in events_of(world, DeliveryChanged)] == [True, True]


def test_an_order_that_loses_all_its_stock_to_a_new_method_is_backordered(world: World) -> None:
    order = world.oms.place_order(request(lines=[("KETTLE", 1)]))
    assert order.status is OrderStatus.ALLOCATED
    moved = world.oms.change_delivery(order.order_id, Delivery.collect_at("AMS"))
    assert moved.status is OrderStatus.BACKORDERED
    assert moved.lines[0].allocations == ()


def test_a_re_route_leaves_cancelled_lines_alone(world: World) -> None:
    order = world.oms.place_order(request(lines=[("BEANS", 2), ("KETTLE", 1)]))
    world.oms.request_cancel(order.order_id, "changed_mind", by="customer", lines=["2"])
    moved = world.oms.change_delivery_address(order.order_id, UTRECHT_HOME)
    assert moved.lines[1].status is LineStatus.CANCELLED
    assert moved.lines[1].allocations == ()
    assert world.oms.stock_position("KETTLE", "UTR").reserved == 0
    assert [a.location_id for a in moved.lines[0].allocations] == ["UTR"]


def test_the_delivery_method_cannot_change_once_the_warehouse_has_it(world: World) -> None:
    order_id = picking(world, [("BEANS", 1)])
    before = dump(world.oms)
    with pytest.raises(ChangeRefused, match="can change only before release") as refused:
        world.oms.change_delivery(order_id, Delivery.collect_at("AMS"))
    assert refused.value.stage == "picking"
    assert dump(world.oms) == before
    moved = world.oms.change_delivery(order_id, Delivery.ship_to(UTRECHT_HOME))
    assert moved.delivery.address == UTRECHT_HOME  # same method: the parcel is redirected


@pytest.mark.parametrize(
    ("pickup", "error", "message"),
    [
        ("NOPE", NotFound, "NOPE"),
        ("DC", InvalidInput, "does not offer click & collect"),
    ],
)
def test_a_new_pickup_location_must_exist_and_offer_collection(
    world: World, pickup: str, error: type[Exception], message: str
) -> None:
    order = world.oms.place_order(request())
    before = dump(world.oms)
    with pytest.raises(error, match=message):
        world.oms.change_delivery(order.order_id, Delivery.collect_at(pickup))
    assert dump(world.oms) == before


# --------------------------------------------------------------------------- another product


def test_a_product_added_before_release_is_routed_and_reserved(world: World) -> None:
    order = world.oms.place_order(request(lines=[("BEANS", 2)]))
    added = world.oms.add_order_line(
        order.order_id, OrderLineRequest("KETTLE", 1, Money("30.00", "EUR"))
    )
    assert [(line.line_id, line.sku, line.status) for line in added.lines] == [
        ("1", "BEANS", LineStatus.ALLOCATED),
        ("2", "KETTLE", LineStatus.ALLOCATED),
    ]
    assert world.oms.stock_position("KETTLE", "UTR").reserved == 1
    assert added.total == Money("50.00", "EUR")
    assert [(e.line_id, e.sku) for e in events_of(world, LineAdded)] == [("2", "KETTLE")]


def test_a_product_added_at_picking_ships_on_its_own(world: World) -> None:
    order_id = picking(world, [("BEANS", 2)])
    added = world.oms.add_order_line(order_id, OrderLineRequest("KETTLE", 1, Money("30.00", "EUR")))
    assert added.status is OrderStatus.PICKING
    assert added.lines[1].status is LineStatus.RELEASED
    shipments = world.oms.shipments(order_id)
    new = [s for s in shipments if s.status is ShipmentStatus.RELEASED]
    assert [(s.location_id, [(x.line_id, x.quantity) for x in s.lines]) for s in new] == [
        ("UTR", [("2", 1)])
    ]
    assert world.warehouse.released[new[0].shipment_id] == new[0]
    position = world.oms.stock_position("KETTLE", "UTR")
    assert (position.reserved, position.allocated) == (0, 1)
    # It goes through the warehouse like any shipment.
    world.oms.record_picking(new[0].shipment_id)
    assert world.oms.get_order(order_id).status is OrderStatus.PICKING


def test_a_product_nobody_has_is_backordered_and_bad_lines_are_refused(world: World) -> None:
    order = world.oms.place_order(request(lines=[("BEANS", 2)]))
    added = world.oms.add_order_line(
        order.order_id, OrderLineRequest("CUPS", 2, Money("5.00", "EUR"))
    )
    assert added.lines[1].status is LineStatus.BACKORDERED
    assert world.oms.future_supply("CUPS").promised == 2
    before = dump(world.oms)
    with pytest.raises(InvalidInput) as currency:
        world.oms.add_order_line(order.order_id, OrderLineRequest("KETTLE", 1, Money("3", "USD")))
    assert currency.value.path == "line.unit_price"
    with pytest.raises(NotFound) as product:
        world.oms.add_order_line(
            order.order_id, OrderLineRequest("TEAPOT", 1, Money("3.00", "EUR"))
        )
    assert product.value.path == "line.sku"
    assert dump(world.oms) == before


def test_nothing_is_added_to_a_packed_order(world: World) -> None:
    order_id = picking(world, [("BEANS", 1)])
    (shipment,) = world.oms.shipments(order_id)
    world.oms.record_packed(shipment.shipment_id)
    with pytest.raises(ChangeRefused):
        world.oms.add_order_line(order_id, OrderLineRequest("KETTLE", 1, Money("30.00", "EUR")))


# --------------------------------------------------------------------------- taking an offer


def refused(world: World, lines: list[tuple[str, int]], ref: str = "W-1") -> tuple[str, str]:
    order_id = picking(world, lines, ref)
    outcome = world.oms.request_cancel(order_id, CancelReason.CHANGED_MIND, by="customer")
    assert not outcome.accepted
    return order_id, outcome.record.record_id


def test_taking_store_credit_records_the_credit_and_the_saved_sale(world: World) -> None:
    order_id, record_id = refused(world, [("BEANS", 2)])
    follow_up = world.oms.accept_cancel_offer(record_id, "store_credit", by="customer")
    assert (follow_up.follows, follow_up.taken) == (record_id, CancelAlternative.STORE_CREDIT)
    assert follow_up.credit == Money("22.00", "EUR")
    assert follow_up.accepted is False
    assert world.oms.get_order(order_id).status is OrderStatus.PICKING
    report = world.oms.cancellation_report()
    assert (report.attempts, report.accepted, dict(report.saved_by)) == (
        1,
        0,
        {"store_credit": 1},
    )
    (taken,) = events_of(world, CancelOfferTaken)
    assert (taken.follows, taken.offer) == (record_id, "store_credit")
    with pytest.raises(AlreadyExists):
        world.oms.accept_cancel_offer(record_id, "return", by="customer")


def test_taking_the_address_or_a_product_changes_the_order(world: World) -> None:
    order_id, record_id = refused(world, [("BEANS", 2)])
    world.oms.accept_cancel_offer(record_id, "change_address", by="support", address=UTRECHT_HOME)
    assert world.oms.get_order(order_id).delivery.address == UTRECHT_HOME
    world2 = make_world()
    world2.oms.receive_stock("BEANS", "AMS", 5, reference="PO")
    world2.oms.receive_stock("KETTLE", "AMS", 5, reference="PO")
    order2, record2 = refused(world2, [("BEANS", 1)])
    follow_up = world2.oms.accept_cancel_offer(
        record2,
        CancelAlternative.ADD_PRODUCT,
        by="customer",
        line=OrderLineRequest("KETTLE", 1, Money("30.00", "EUR")),
    )
    assert follow_up.taken is CancelAlternative.ADD_PRODUCT
    assert [line.sku for line in world2.oms.get_order(order2).lines] == ["BEANS", "KETTLE"]


def test_an_offer_must_have_been_made_and_come_with_its_details(world: World) -> None:
    order = world.oms.place_order(request(lines=[("BEANS", 1)]))
    accepted = world.oms.request_cancel(order.order_id, "other", by="customer")
    with pytest.raises(InvalidInput) as not_offered:
        world.oms.accept_cancel_offer(accepted.record.record_id, "store_credit", by="customer")
    assert not_offered.value.path == "offer"
    order_id, record_id = refused(world, [("BEANS", 1)], "W-2")
    (shipment,) = world.oms.shipments(order_id)
    world.oms.record_packed(shipment.shipment_id)
    world.oms.record_shipped(shipment.shipment_id)
    late = world.oms.request_cancel(order_id, "other", by="customer")
    with pytest.raises(InvalidInput):  # a shipped order was not offered an address change
        world.oms.accept_cancel_offer(
            late.record.record_id, "change_address", by="customer", address=UTRECHT_HOME
        )
    with pytest.raises(InvalidInput) as detail:
        world.oms.accept_cancel_offer(record_id, "store_credit", by="x", address=UTRECHT_HOME)
    assert detail.value.path == "address"
    with pytest.raises(InvalidInput) as missing:
        world.oms.accept_cancel_offer(record_id, "add_product", by="x")
    assert missing.value.path == "line"
    # The address offered at picking can no longer be taken once the parcel left.
    with pytest.raises(ChangeRefused):
        world.oms.accept_cancel_offer(
            record_id, "change_address", by="customer", address=UTRECHT_HOME
        )
    assert [r.taken for r in world.oms.cancellation_records() if r.is_follow_up] == []
    follow_up = world.oms.accept_cancel_offer(late.record.record_id, "return", by="customer")
    assert follow_up.taken is CancelAlternative.RETURN
    assert follow_up.credit is None
