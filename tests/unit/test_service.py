"""The Oms service: the first end-to-end order flow."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import attrs
import pytest

from omskit import (
    Address,
    AlreadyExists,
    Capability,
    Channel,
    Delivery,
    GeoPoint,
    IdempotencyConflict,
    IllegalTransition,
    InsufficientStock,
    InvalidInput,
    LineStatus,
    Location,
    LocationKind,
    Money,
    NotFound,
    Oms,
    OmsError,
    Order,
    OrderLineRequest,
    OrderRequest,
    OrderStatus,
    Product,
    Shipment,
    ShipmentStatus,
)
from omskit.adapters.memory import (
    ManualClock,
    MemoryStore,
    MemorySupplier,
    MemoryWarehouse,
    RecordingPublisher,
    RecordingStorefront,
    SequentialIds,
)
from omskit.availability import SafetyStockPolicy
from omskit.errors import GatewayError
from omskit.events import (
    AvailabilityChanged,
    DomainEvent,
    LineBackordered,
    OrderPlaced,
    OrderStatusChanged,
    ShipmentStatusChanged,
)
from omskit.model import MovementReason, PurchaseOrder, PurchaseOrderLine

AMSTERDAM = GeoPoint(52.3702, 4.8952)
UTRECHT = GeoPoint(52.0907, 5.1214)
TILBURG = GeoPoint(51.5555, 5.0913)
CUSTOMER_AMSTERDAM = Address("Damrak 1", "1012 LG", "Amsterdam", "NL", point=GeoPoint(52.375, 4.89))
STORE_CAPS = {Capability.SHIP, Capability.CLICK_AND_COLLECT}
DELIVERY = Delivery.collect_at("AMS")


@attrs.define
class World:
    oms: Oms
    clock: ManualClock
    publisher: RecordingPublisher
    warehouse: MemoryWarehouse
    storefront: RecordingStorefront


def make_world(warehouse: MemoryWarehouse | None = None, **settings: Any) -> World:
    """Three locations, three products and an Oms with recording gateways (and ``settings``)."""
    clock = ManualClock()
    publisher = RecordingPublisher()
    warehouse = warehouse or MemoryWarehouse()
    storefront = RecordingStorefront()
    oms = Oms(
        MemoryStore(),
        clock=clock,
        ids=SequentialIds(),
        publisher=publisher,
        warehouse=warehouse,
        storefront=storefront,
        **settings,
    )
    oms.register_location(
        Location(
            "DC",
            "DC Tilburg",
            LocationKind.DISTRIBUTION_CENTRE,
            TILBURG,
            "NL",
            capabilities={Capability.SHIP, Capability.HANDLES_FRAGILE},
        )
    )
    oms.register_location(
        Location("AMS", "Store Amsterdam", LocationKind.STORE, AMSTERDAM, "NL", STORE_CAPS)
    )
    oms.register_location(
        Location("UTR", "Store Utrecht", LocationKind.STORE, UTRECHT, "NL", STORE_CAPS)
    )
    oms.register_product(Product("BEANS", "Beans 1 kg", weight_grams=1000))
    oms.register_product(Product("CUPS", "Cup set", weight_grams=1800, fragile=True))
    oms.register_product(Product("KETTLE", "Kettle", weight_grams=1100))
    return World(oms, clock, publisher, warehouse, storefront)


@pytest.fixture
def world() -> World:
    return make_world()


def request(
    ref: str = "W-1",
    lines: list[tuple[str, int]] | None = None,
    delivery: Delivery | None = None,
    channel: Channel = Channel.WEB,
) -> OrderRequest:
    return OrderRequest(
        channel,
        ref,
        "EUR",
        [OrderLineRequest(sku, qty, Money("10.00", "EUR")) for sku, qty in lines or [("BEANS", 2)]],
        delivery or Delivery.ship_to(CUSTOMER_AMSTERDAM),
    )


def dump(oms: Oms) -> dict[str, Any]:
    """Everything the store holds, for before/after comparisons."""
    with oms.store.unit_of_work() as uow:
        orders = uow.orders.list()
        positions = uow.stock.list()
        return {
            "locations": uow.locations.list(),
            "products": uow.products.list(),
            "stock": positions,
            "reservations": uow.reservations.list(),
            "ledger": [uow.ledger.for_key(p.sku, p.location_id) for p in positions],
            "orders": orders,
            "shipments": [uow.shipments.for_order(o.order_id) for o in orders],
            "quotes": uow.quotes.list(),
            "outbox": uow.outbox.pending(limit=10_000),
        }


def full_flow(oms: Oms, order: Order) -> tuple[Shipment, ...]:
    shipments = oms.release_order(order.order_id)
    for shipment in shipments:
        oms.record_picking(shipment.shipment_id)
        oms.record_packed(shipment.shipment_id)
        oms.record_shipped(shipment.shipment_id, carrier="postnl", tracking_number="3S1")
        oms.record_delivered(shipment.shipment_id)
    return shipments


# --------------------------------------------------------------------------- routing and stock


def test_place_order_reserves_at_the_nearest_location_with_enough_stock(world: World) -> None:
    world.oms.receive_stock("BEANS", "AMS", 10)
    world.oms.receive_stock("BEANS", "DC", 100)
    order = world.oms.place_order(request(lines=[("BEANS", 3)]))
    assert order.status is OrderStatus.ALLOCATED
    assert [(a.location_id, a.quantity) for a in order.lines[0].allocations] == [("AMS", 3)]
    assert world.oms.stock_position("BEANS", "AMS").reserved == 3
    assert world.oms.availability("BEANS", Channel.WEB).total == 107


def test_nearest_store_low_on_stock_is_skipped_for_the_next_location(world: World) -> None:
    world.oms.receive_stock("BEANS", "AMS", 1)
    world.oms.receive_stock("BEANS", "UTR", 5)
    decision = world.oms.plan_routing(request(lines=[("BEANS", 2)]))
    line = decision.lines[0]
    assert [(a.location_id, a.quantity) for a in line.allocations] == [("UTR", 2)]
    notes = {n.location_id: n for n in line.candidates}
    assert notes["AMS"].reason.startswith("skipped: only 1 sellable")
    assert "UTR" in decision.explain()


def test_a_line_is_split_when_no_single_location_has_enough(world: World) -> None:
    world.oms.receive_stock("BEANS", "AMS", 2)
    world.oms.receive_stock("BEANS", "UTR", 2)
    order = world.oms.place_order(request(lines=[("BEANS", 3)]))
    allocations = {a.location_id: a.quantity for a in order.lines[0].allocations}
    assert allocations == {"AMS": 2, "UTR": 1}
    assert order.lines[0].status is LineStatus.ALLOCATED


def test_a_line_nobody_can_fill_is_backordered_not_an_error(world: World) -> None:
    world.oms.receive_stock("BEANS", "AMS", 5)
    order = world.oms.place_order(request(lines=[("BEANS", 1), ("KETTLE", 2)]))
    assert order.status is OrderStatus.ALLOCATED
    assert order.lines[1].status is LineStatus.BACKORDERED
    backordered = world.publisher.of_type(LineBackordered)
    assert len(backordered) == 1
    assert isinstance(backordered[0], LineBackordered)
    assert backordered[0].quantity == 2


def test_an_order_with_nothing_in_stock_is_backordered(world: World) -> None:
    order = world.oms.place_order(request(lines=[("KETTLE", 1)]))
    assert order.status is OrderStatus.BACKORDERED
    with pytest.raises(IllegalTransition) as error:
        world.oms.release_order(order.order_id)
    assert error.value.state == "backordered"
    assert error.value.event == "release"


def test_a_partially_filled_line_keeps_its_shortfall(world: World) -> None:
    world.oms.receive_stock("BEANS", "UTR", 2)
    order = world.oms.place_order(request(lines=[("BEANS", 5)]))
    assert order.lines[0].status is LineStatus.PARTIALLY_ALLOCATED
    assert order.lines[0].unallocated_quantity == 3


def test_fragile_goods_only_ship_from_a_location_that_handles_them(world: World) -> None:
    world.oms.receive_stock("CUPS", "AMS", 10)
    world.oms.receive_stock("CUPS", "DC", 10)
    decision = world.oms.plan_routing(request(lines=[("CUPS", 1)]))
    assert decision.lines[0].allocations[0].location_id == "DC"
    notes = {n.location_id: n for n in decision.lines[0].candidates}
    assert notes["AMS"].excluded
    assert "fragile" in notes["AMS"].reason


def test_a_location_that_does_not_serve_the_channel_is_excluded(world: World) -> None:
    world.oms.register_location(
        Location(
            "AMS",
            "Store Amsterdam",
            LocationKind.STORE,
            AMSTERDAM,
            "NL",
            STORE_CAPS,
            channels={Channel.STORE},
        )
    )
    world.oms.receive_stock("BEANS", "AMS", 10)
    world.oms.receive_stock("BEANS", "UTR", 10)
    order = world.oms.place_order(request(lines=[("BEANS", 1)]))
    assert order.lines[0].allocations[0].location_id == "UTR"
    assert world.oms.availability("BEANS", Channel.WEB).total == 9
    assert world.oms.availability("BEANS", Channel.STORE).total == 19
    assert world.oms.availability("BEANS", Channel.STORE).at("AMS") == 10


def test_click_and_collect_prefers_the_pickup_store(world: World) -> None:
    world.oms.receive_stock("BEANS", "AMS", 10)
    world.oms.receive_stock("BEANS", "UTR", 10)
    order = world.oms.place_order(request(delivery=Delivery.collect_at("UTR")))
    assert order.lines[0].allocations[0].location_id == "UTR"


def test_click_and_collect_at_a_location_without_the_service_is_refused(world: World) -> None:
    world.oms.receive_stock("BEANS", "DC", 10)
    before = dump(world.oms)
    with pytest.raises(InvalidInput) as error:
        world.oms.place_order(request(delivery=Delivery.collect_at("DC")))
    assert error.value.path == "delivery.pickup_location_id"
    assert dump(world.oms) == before


def test_an_unknown_sku_is_not_found_with_the_field_path(world: World) -> None:
    with pytest.raises(NotFound) as error:
        world.oms.place_order(request(lines=[("BEANS", 1), ("NOPE", 1)]))
    assert error.value.kind == "product"
    assert error.value.path == "lines[1].sku"
    assert world.oms.find_order(Channel.WEB, "W-1") is None


# --------------------------------------------------------------------------- idempotency


def test_the_same_request_twice_returns_the_same_order(world: World) -> None:
    world.oms.receive_stock("BEANS", "AMS", 10)
    first = world.oms.place_order(request())
    world.clock.advance(timedelta(minutes=5))
    second = world.oms.place_order(request())
    assert second == first
    assert world.oms.stock_position("BEANS", "AMS").reserved == 2
    assert len(world.publisher.of_type(OrderPlaced)) == 1


def test_a_different_request_under_a_used_reference_is_a_conflict(world: World) -> None:
    world.oms.receive_stock("BEANS", "AMS", 10)
    first = world.oms.place_order(request())
    before = dump(world.oms)
    with pytest.raises(IdempotencyConflict) as error:
        world.oms.place_order(request(lines=[("BEANS", 3)]))
    assert error.value.existing_order_id == first.order_id
    assert error.value.external_ref == "W-1"
    assert dump(world.oms) == before


def test_the_same_reference_on_another_channel_is_another_order(world: World) -> None:
    world.oms.receive_stock("BEANS", "AMS", 10)
    web = world.oms.place_order(request())
    phone = world.oms.place_order(request(channel=Channel.PHONE))
    assert web.order_id != phone.order_id


# --------------------------------------------------------------------------- warehouse flow


def test_an_order_goes_from_release_to_delivery(world: World) -> None:
    world.oms.receive_stock("BEANS", "AMS", 10)
    order = world.oms.place_order(request())
    shipments = full_flow(world.oms, order)
    assert len(shipments) == 1
    assert world.warehouse.released.keys() == {shipments[0].shipment_id}
    final = world.oms.get_order(order.order_id)
    assert final.status is OrderStatus.DELIVERED
    assert final.lines[0].status is LineStatus.DELIVERED
    assert final.lines[0].shipped_quantity == 2
    shipment = world.oms.shipments(order.order_id)[0]
    assert shipment.status is ShipmentStatus.DELIVERED
    assert shipment.tracking_number == "3S1"
    assert shipment.carrier == "postnl"
    statuses = [
        (e.previous, e.current) for e in world.publisher.events if isinstance(e, OrderStatusChanged)
    ]
    assert statuses == [
        (OrderStatus.CREATED, OrderStatus.VALIDATED),
        (OrderStatus.VALIDATED, OrderStatus.ALLOCATED),
        (OrderStatus.ALLOCATED, OrderStatus.RELEASED),
        (OrderStatus.RELEASED, OrderStatus.PICKING),
        (OrderStatus.PICKING, OrderStatus.PACKED),
        (OrderStatus.PACKED, OrderStatus.SHIPPED),
        (OrderStatus.SHIPPED, OrderStatus.DELIVERED),
    ]
    assert len(world.publisher.of_type(ShipmentStatusChanged)) == 4


def test_shipping_takes_stock_off_the_books_and_the_ledger_agrees(world: World) -> None:
    world.oms.receive_stock("BEANS", "AMS", 10, reference="PO-7")
    order = world.oms.place_order(request(lines=[("BEANS", 3)]))
    shipments = world.oms.release_order(order.order_id)
    released = world.oms.stock_position("BEANS", "AMS")
    assert (released.on_hand, released.reserved, released.allocated) == (10, 0, 3)
    full_flow_rest(world.oms, shipments)
    position = world.oms.stock_position("BEANS", "AMS")
    assert (position.on_hand, position.reserved, position.allocated) == (7, 0, 0)
    ledger = world.oms.stock_ledger("BEANS", "AMS")
    assert [m.quantity for m in ledger] == [10, -3]
    assert [m.reason for m in ledger] == [MovementReason.RECEIPT, MovementReason.SHIPMENT]
    assert sum(m.quantity for m in ledger) == position.on_hand


def full_flow_rest(oms: Oms, shipments: tuple[Shipment, ...]) -> None:
    for shipment in shipments:
        oms.record_picking(shipment.shipment_id)
        oms.record_packed(shipment.shipment_id)
        oms.record_shipped(shipment.shipment_id)


def test_two_shipments_roll_up_to_partially_shipped_then_shipped(world: World) -> None:
    world.oms.receive_stock("BEANS", "AMS", 1)
    world.oms.receive_stock("BEANS", "UTR", 1)
    order = world.oms.place_order(request(lines=[("BEANS", 2)]))
    first, second = world.oms.release_order(order.order_id)
    for shipment in (first, second):
        world.oms.record_picking(shipment.shipment_id)
        world.oms.record_packed(shipment.shipment_id)
    world.oms.record_shipped(first.shipment_id)
    assert world.oms.get_order(order.order_id).status is OrderStatus.PARTIALLY_SHIPPED
    world.oms.record_shipped(second.shipment_id)
    assert world.oms.get_order(order.order_id).status is OrderStatus.SHIPPED
    world.oms.record_delivered(first.shipment_id)
    assert world.oms.get_order(order.order_id).status is OrderStatus.SHIPPED
    world.oms.record_delivered(second.shipment_id)
    assert world.oms.get_order(order.order_id).status is OrderStatus.DELIVERED


def test_an_out_of_order_warehouse_event_is_an_illegal_transition(world: World) -> None:
    world.oms.receive_stock("BEANS", "AMS", 10)
    order = world.oms.place_order(request())
    (shipment,) = world.oms.release_order(order.order_id)
    before = dump(world.oms)
    with pytest.raises(IllegalTransition) as error:
        world.oms.record_shipped(shipment.shipment_id)
    assert (error.value.entity, error.value.state, error.value.event) == (
        "shipment",
        "released",
        "ship",
    )
    assert error.value.entity_id == shipment.shipment_id
    assert dump(world.oms) == before


def test_releasing_twice_is_an_illegal_transition(world: World) -> None:
    world.oms.receive_stock("BEANS", "AMS", 10)
    order = world.oms.place_order(request())
    world.oms.release_order(order.order_id)
    with pytest.raises(IllegalTransition):
        world.oms.release_order(order.order_id)


class FailingWarehouse(MemoryWarehouse):
    """Accepts the first release, then fails until it is healthy."""

    def __init__(self) -> None:
        super().__init__()
        self.healthy = False

    def release(self, shipment: Shipment, order: Order) -> None:
        if self.released and not self.healthy and shipment.shipment_id not in self.released:
            raise GatewayError("connection reset", gateway="warehouse")
        super().release(shipment, order)


def test_a_warehouse_failure_half_way_through_release_changes_nothing() -> None:
    warehouse = FailingWarehouse()
    world = make_world(warehouse)
    world.oms.receive_stock("BEANS", "AMS", 1)
    world.oms.receive_stock("BEANS", "UTR", 1)
    order = world.oms.place_order(request(lines=[("BEANS", 2)]))
    before = dump(world.oms)
    with pytest.raises(GatewayError):
        world.oms.release_order(order.order_id)
    assert dump(world.oms) == before
    assert world.oms.get_order(order.order_id).status is OrderStatus.ALLOCATED
    # the shipment the warehouse had already accepted is called off again
    assert warehouse.cancelled == [f"{order.order_id}-S1"]


def test_a_retried_release_hands_the_warehouse_the_same_shipments() -> None:
    warehouse = FailingWarehouse()
    world = make_world(warehouse)
    world.oms.receive_stock("BEANS", "AMS", 1)
    world.oms.receive_stock("BEANS", "UTR", 1)
    order = world.oms.place_order(request(lines=[("BEANS", 2)]))
    with pytest.raises(GatewayError):
        world.oms.release_order(order.order_id)
    warehouse.healthy = True
    shipments = world.oms.release_order(order.order_id)
    ids = [s.shipment_id for s in shipments]
    assert ids == [f"{order.order_id}-S1", f"{order.order_id}-S2"]
    assert sorted(warehouse.released) == ids
    assert warehouse.cancelled == []


# --------------------------------------------------------------------------- events and storefront


def test_every_event_is_published_once_with_a_unique_id(world: World) -> None:
    world.oms.receive_stock("BEANS", "AMS", 10)
    full_flow(world.oms, world.oms.place_order(request()))
    ids = [e.event_id for e in world.publisher.events]
    assert len(ids) == len(set(ids))
    with world.oms.store.unit_of_work() as uow:
        assert uow.outbox.pending() == ()


class FlakyPublisher(RecordingPublisher):
    def __init__(self) -> None:
        super().__init__()
        self.down = True

    def publish(self, event: DomainEvent) -> None:
        if self.down:
            raise ConnectionError("bus unavailable")
        super().publish(event)


def test_events_survive_a_publisher_outage_and_go_out_later(
    caplog: pytest.LogCaptureFixture,
) -> None:
    publisher = FlakyPublisher()
    oms = Oms(clock=ManualClock(), ids=SequentialIds(), publisher=publisher)
    oms.register_location(Location("AMS", "Store", LocationKind.STORE, AMSTERDAM, "NL"))
    oms.register_product(Product("BEANS", "Beans"))
    position = oms.receive_stock("BEANS", "AMS", 4)
    assert position.on_hand == 4
    assert "event delivery failed" in caplog.text
    assert publisher.events == []
    with oms.store.unit_of_work() as uow:
        pending = uow.outbox.pending(limit=1000)
    assert len(pending) >= 3
    with pytest.raises(ConnectionError):
        oms.relay_events()
    publisher.down = False
    assert oms.relay_events() == len(pending)
    assert [e.event_id for e in publisher.events] == [e.event_id for e in pending]
    assert oms.relay_events() == 0


def test_a_store_sale_of_stock_reaches_the_storefront_in_the_same_call(world: World) -> None:
    world.oms.receive_stock("BEANS", "AMS", 10)
    assert world.storefront.latest("BEANS", "web") == 10
    world.oms.place_order(request(lines=[("BEANS", 4)], channel=Channel.STORE, ref="POS-1"))
    assert world.storefront.latest("BEANS", "web") == 6
    changes = [c for c in world.storefront.changes if c.sku == "BEANS" and c.channel == "web"]
    assert [(c.previous, c.current) for c in changes] == [(0, 10), (10, 6)]
    assert all(isinstance(c, AvailabilityChanged) for c in changes)


# --------------------------------------------------------------------------- concurrency


def test_concurrent_orders_never_oversell() -> None:
    world = make_world()
    world.oms.receive_stock("BEANS", "AMS", 25)

    def worker(n: int) -> None:
        for i in range(10):
            world.oms.place_order(request(ref=f"T{n}-{i}", lines=[("BEANS", 1)]))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    position = world.oms.stock_position("BEANS", "AMS")
    assert position.reserved == 25
    with world.oms.store.unit_of_work() as uow:
        orders = uow.orders.list()
        reservations = uow.reservations.list()
    assert len(orders) == 80
    assert sum(o.lines[0].allocated_quantity for o in orders) == 25
    assert sum(r.quantity for r in reservations) == 25
    assert sum(o.status is OrderStatus.BACKORDERED for o in orders) == 55


# --------------------------------------------------------------------------- bad input


NOT_A_POINT: Any = (52, 4)

BAD_CALLS: list[tuple[str, Callable[[Oms], object], type[OmsError]]] = [
    ("register_location", lambda oms: oms.register_location("AMS"), InvalidInput),  # type: ignore[arg-type]
    ("register_product", lambda oms: oms.register_product(None), InvalidInput),  # type: ignore[arg-type]
    ("register_customer", lambda oms: oms.register_customer({}), InvalidInput),  # type: ignore[arg-type]
    ("receive_stock zero", lambda oms: oms.receive_stock("BEANS", "AMS", 0), InvalidInput),
    ("receive_stock negative", lambda oms: oms.receive_stock("BEANS", "AMS", -3), InvalidInput),
    ("receive_stock float", lambda oms: oms.receive_stock("BEANS", "AMS", 1.5), InvalidInput),  # type: ignore[arg-type]
    ("receive_stock bool", lambda oms: oms.receive_stock("BEANS", "AMS", True), InvalidInput),
    ("receive_stock sku", lambda oms: oms.receive_stock("", "AMS", 1), InvalidInput),
    ("receive_stock unknown sku", lambda oms: oms.receive_stock("NOPE", "AMS", 1), NotFound),
    ("receive_stock unknown loc", lambda oms: oms.receive_stock("BEANS", "NOPE", 1), NotFound),
    (
        "receive_stock reference",
        lambda oms: oms.receive_stock("BEANS", "AMS", 1, reference=" "),
        InvalidInput,
    ),
    ("stock_position", lambda oms: oms.stock_position("BEANS", 7), InvalidInput),  # type: ignore[arg-type]
    (
        "record_pos_sale zero",
        lambda oms: oms.record_pos_sale("BEANS", "AMS", 0, receipt="R1"),
        InvalidInput,
    ),
    (
        "record_pos_sale receipt",
        lambda oms: oms.record_pos_sale("BEANS", "AMS", 1, receipt=""),
        InvalidInput,
    ),
    (
        "record_pos_sale too many",
        lambda oms: oms.record_pos_sale("BEANS", "AMS", 4, receipt="R1"),
        InsufficientStock,
    ),
    (
        "record_pos_sale unknown",
        lambda oms: oms.record_pos_sale("BEANS", "NOPE", 1, receipt="R1"),
        NotFound,
    ),
    ("stock_ledger", lambda oms: oms.stock_ledger("NOPE", "AMS"), NotFound),
    ("availability sku", lambda oms: oms.availability("NOPE", Channel.WEB), NotFound),
    ("product_page sku", lambda oms: oms.product_page("NOPE", Channel.WEB), NotFound),
    (
        "product_page near",
        lambda oms: oms.product_page("BEANS", Channel.WEB, near=NOT_A_POINT),
        InvalidInput,
    ),
    (
        "product_page threshold",
        lambda oms: oms.product_page("BEANS", Channel.WEB, low_stock_below=0),
        InvalidInput,
    ),
    ("availability channel", lambda oms: oms.availability("BEANS", "web"), InvalidInput),  # type: ignore[arg-type]
    ("place_order type", lambda oms: oms.place_order({"channel": "web"}), InvalidInput),  # type: ignore[arg-type]
    (
        "place_order unknown sku",
        lambda oms: oms.place_order(request(ref="W-9", lines=[("X", 1)])),
        NotFound,
    ),
    ("plan_routing type", lambda oms: oms.plan_routing("W-1"), InvalidInput),  # type: ignore[arg-type]
    ("get_order", lambda oms: oms.get_order("NOPE"), NotFound),
    ("get_order type", lambda oms: oms.get_order(None), InvalidInput),  # type: ignore[arg-type]
    ("find_order", lambda oms: oms.find_order("web", "W-1"), InvalidInput),  # type: ignore[arg-type]
    ("shipments", lambda oms: oms.shipments("NOPE"), NotFound),
    ("release_order", lambda oms: oms.release_order("NOPE"), NotFound),
    ("record_picking", lambda oms: oms.record_picking("NOPE"), NotFound),
    ("record_packed", lambda oms: oms.record_packed("bad id!"), InvalidInput),
    ("record_shipped carrier", lambda oms: oms.record_shipped("S-1", carrier=""), InvalidInput),
    (
        "record_shipped tracking",
        lambda oms: oms.record_shipped("S-1", tracking_number=""),
        InvalidInput,
    ),
    ("record_delivered", lambda oms: oms.record_delivered("NOPE"), NotFound),
    ("place_order cart", lambda oms: oms.place_order(request(ref="W-2"), cart_id=""), InvalidInput),
    ("adjust_stock zero", lambda oms: oms.adjust_stock("BEANS", "AMS", 0), InvalidInput),
    ("adjust_stock float", lambda oms: oms.adjust_stock("BEANS", "AMS", -1.0), InvalidInput),  # type: ignore[arg-type]
    ("adjust_stock too many", lambda oms: oms.adjust_stock("BEANS", "AMS", -3), InsufficientStock),
    ("adjust_stock unknown", lambda oms: oms.adjust_stock("BEANS", "NOPE", 1), NotFound),
    (
        "adjust_stock reason",
        lambda oms: oms.adjust_stock("BEANS", "AMS", 1, reason=MovementReason.SHIPMENT),
        InvalidInput,
    ),
    (
        "transfer_stock same place",
        lambda oms: oms.transfer_stock("BEANS", "AMS", "AMS", 1),
        InvalidInput,
    ),
    (
        "transfer_stock too many",
        lambda oms: oms.transfer_stock("BEANS", "AMS", "UTR", 3),
        InsufficientStock,
    ),
    ("transfer_stock unknown", lambda oms: oms.transfer_stock("BEANS", "AMS", "X", 1), NotFound),
    (
        "transfer_stock negative",
        lambda oms: oms.transfer_stock("BEANS", "AMS", "UTR", -1),
        InvalidInput,
    ),
    ("correct_movement unknown", lambda oms: oms.correct_movement("MV-999999"), NotFound),
    ("correct_movement id", lambda oms: oms.correct_movement(""), InvalidInput),
    (
        "correct_movement of reserved units",
        lambda oms: oms.correct_movement("MV-000001"),
        InsufficientStock,
    ),
    (
        "hold_stock too many",
        lambda oms: oms.hold_stock("BEANS", 3, channel=Channel.WEB, cart_id="C-2"),
        InsufficientStock,
    ),
    (
        "hold_stock ttl",
        lambda oms: oms.hold_stock(
            "BEANS", 1, channel=Channel.WEB, cart_id="C-2", ttl=timedelta(minutes=-1)
        ),
        InvalidInput,
    ),
    (
        "hold_stock past expiry",
        lambda oms: oms.hold_stock(
            "BEANS", 1, channel=Channel.WEB, cart_id="C-2", expires_at=oms.clock.now()
        ),
        InvalidInput,
    ),
    (
        "hold_stock both expiries",
        lambda oms: oms.hold_stock(
            "BEANS",
            1,
            channel=Channel.WEB,
            cart_id="C-2",
            ttl=timedelta(minutes=5),
            expires_at=oms.clock.now() + timedelta(minutes=5),
        ),
        InvalidInput,
    ),
    (
        "hold_stock naive expiry",
        lambda oms: oms.hold_stock(
            "BEANS", 1, channel=Channel.WEB, cart_id="C-2", expires_at=datetime(2030, 1, 1)
        ),
        InvalidInput,
    ),
    (
        "hold_stock channel",
        lambda oms: oms.hold_stock("BEANS", 1, channel="web", cart_id="C-2"),  # type: ignore[arg-type]
        InvalidInput,
    ),
    (
        "hold_stock unknown sku",
        lambda oms: oms.hold_stock("NOPE", 1, channel=Channel.WEB, cart_id="C-2"),
        NotFound,
    ),
    (
        "hold_stock unknown location",
        lambda oms: oms.hold_stock("BEANS", 1, channel=Channel.WEB, cart_id="C-2", location_id="X"),
        NotFound,
    ),
    ("release_hold unknown", lambda oms: oms.release_hold("H-999999"), NotFound),
    (
        "release_hold more than held",
        lambda oms: oms.release_hold(hold_id(oms), quantity=2),
        InvalidInput,
    ),
    ("release_hold zero", lambda oms: oms.release_hold(hold_id(oms), quantity=0), InvalidInput),
    (
        "release_hold of an order",
        lambda oms: oms.release_hold(order_reservation_id(oms)),
        InvalidInput,
    ),
    ("release_cart", lambda oms: oms.release_cart(" "), InvalidInput),
    ("cancel_order unknown", lambda oms: oms.cancel_order("NOPE"), NotFound),
    ("cancel_order id", lambda oms: oms.cancel_order(3), InvalidInput),  # type: ignore[arg-type]
    ("request_cancel unknown", lambda oms: oms.request_cancel("NOPE", "other", by="x"), NotFound),
    (
        "request_cancel reason",
        lambda oms: oms.request_cancel("NOPE", 7, by="x"),  # type: ignore[arg-type]
        InvalidInput,
    ),
    ("request_cancel by", lambda oms: oms.request_cancel("NOPE", "other", by=""), InvalidInput),
    (
        "change_delivery_address unknown",
        lambda oms: oms.change_delivery_address("NOPE", CUSTOMER_AMSTERDAM),
        NotFound,
    ),
    (
        "change_delivery_address type",
        lambda oms: oms.change_delivery_address("NOPE", "Damrak 1"),  # type: ignore[arg-type]
        InvalidInput,
    ),
    (
        "add_order_line unknown",
        lambda oms: oms.add_order_line("NOPE", OrderLineRequest("BEANS", 1, Money("1.00", "EUR"))),
        NotFound,
    ),
    (
        "add_order_line type",
        lambda oms: oms.add_order_line("NOPE", ("BEANS", 1)),  # type: ignore[arg-type]
        InvalidInput,
    ),
    ("lift_hold unknown", lambda oms: oms.lift_hold("NOPE", "fraud", by="x"), NotFound),
    ("lift_hold id", lambda oms: oms.lift_hold(3, "fraud", by="x"), InvalidInput),  # type: ignore[arg-type]
    ("lift_hold code", lambda oms: oms.lift_hold("NOPE", "not a code", by="x"), InvalidInput),
    ("lift_hold by", lambda oms: oms.lift_hold("NOPE", "fraud", by=""), InvalidInput),
    ("lift_hold payment", lambda oms: oms.lift_hold("NOPE", "payment", by="x"), InvalidInput),
    (
        "lift_hold not held",
        lambda oms: oms.lift_hold(placed_order_id(oms), "fraud", by="x"),
        InvalidInput,
    ),
    ("change_delivery unknown", lambda oms: oms.change_delivery("NOPE", DELIVERY), NotFound),
    ("change_delivery id", lambda oms: oms.change_delivery("", DELIVERY), InvalidInput),
    ("change_delivery kind", lambda oms: oms.change_delivery("NOPE", "ship"), InvalidInput),  # type: ignore[arg-type]
    ("orders status", lambda oms: oms.orders(status="allocated"), InvalidInput),  # type: ignore[arg-type]
    ("orders flag", lambda oms: oms.orders(flag="vip"), InvalidInput),  # type: ignore[arg-type]
    ("orders channel", lambda oms: oms.orders(channel="web"), InvalidInput),  # type: ignore[arg-type]
    ("orders customer", lambda oms: oms.orders(customer_id=" "), InvalidInput),
    ("advance_order unknown", lambda oms: oms.advance_order("NOPE", "engrave"), NotFound),
    ("advance_order id", lambda oms: oms.advance_order("", "engrave"), InvalidInput),
    ("advance_order event", lambda oms: oms.advance_order("NOPE", " "), InvalidInput),
    ("advance_order own event", lambda oms: oms.advance_order("NOPE", "release"), InvalidInput),
    (
        "advance_order not in the table",
        lambda oms: oms.advance_order(placed_order_id(oms), "engrave"),
        IllegalTransition,
    ),
    ("tasks order_id", lambda oms: oms.tasks(order_id=""), InvalidInput),
    ("record_refused unknown", lambda oms: oms.record_refused("NOPE"), NotFound),
    ("record_refused id", lambda oms: oms.record_refused(""), InvalidInput),
    ("allocate_waiting unknown", lambda oms: oms.allocate_waiting("NOPE"), NotFound),
    ("allocate_waiting sku", lambda oms: oms.allocate_waiting(""), InvalidInput),
    ("release_pre_orders unknown", lambda oms: oms.release_pre_orders("NOPE"), NotFound),
    ("release_pre_orders sku", lambda oms: oms.release_pre_orders(7), InvalidInput),  # type: ignore[arg-type]
    ("confirm_payment unknown", lambda oms: oms.confirm_payment("NOPE"), NotFound),
    ("confirm_payment id", lambda oms: oms.confirm_payment(""), InvalidInput),
    ("confirm_payment by", lambda oms: oms.confirm_payment("NOPE", by=" "), InvalidInput),
    (
        "accept_cancel_offer unknown",
        lambda oms: oms.accept_cancel_offer("CX-9", "return", by="x"),
        NotFound,
    ),
    (
        "accept_cancel_offer kind",
        lambda oms: oms.accept_cancel_offer("CX-9", "refund", by="x"),
        InvalidInput,
    ),
    (
        "accept_cancel_offer detail",
        lambda oms: oms.accept_cancel_offer("CX-9", "change_address", by="x"),
        InvalidInput,
    ),
    (
        "record_purchase_order_delay unknown",
        lambda oms: oms.record_purchase_order_delay("PO-404"),
        NotFound,
    ),
    (
        "record_purchase_order_delay id",
        lambda oms: oms.record_purchase_order_delay(""),
        InvalidInput,
    ),
    (
        "cancellation_records id",
        lambda oms: oms.cancellation_records(order_id=""),
        InvalidInput,
    ),
    ("sellable", lambda oms: oms.sellable("NOPE", Channel.WEB), NotFound),
    ("sellable channel", lambda oms: oms.sellable("BEANS", None), InvalidInput),  # type: ignore[arg-type]
    ("future_supply", lambda oms: oms.future_supply("NOPE"), NotFound),
    ("routing_profile", lambda oms: oms.routing_profile("web"), InvalidInput),  # type: ignore[arg-type]
    ("replay_routing profile", lambda oms: oms.replay_routing([], ["nearest"]), InvalidInput),  # type: ignore[list-item]
    ("replay_routing order", lambda oms: oms.replay_routing(["O-1"], []), InvalidInput),  # type: ignore[list-item]
    ("replay_routing batch", lambda oms: oms.replay_routing([], [], batch=1), InvalidInput),  # type: ignore[arg-type]
    (
        "replay_routing sku",
        lambda oms: oms.replay_routing(
            [Order.from_request("O-X", request(lines=[("NOPE", 1)]), placed_at=oms.clock.now())],
            [oms.routing_profile(Channel.WEB)],
        ),
        NotFound,
    ),
    ("invoices", lambda oms: oms.invoices(""), InvalidInput),
    ("preview_invoice", lambda oms: oms.preview_invoice("W-1"), InvalidInput),  # type: ignore[arg-type]
    ("invoices unknown order", lambda oms: oms.invoices("O-NOPE"), NotFound),
    ("invoice", lambda oms: oms.invoice("INV-NOPE"), NotFound),
    ("order_payments", lambda oms: oms.order_payments("O-NOPE"), NotFound),
    ("distance_sales", lambda oms: oms.distance_sales("2026"), InvalidInput),  # type: ignore[arg-type]
    ("credit_return", lambda oms: oms.credit_return(placed_order_id(oms), {}), InvalidInput),
    (
        "adjust_price",
        lambda oms: oms.adjust_price("INV-1", "1", "1.00"),  # type: ignore[arg-type]
        InvalidInput,
    ),
    ("create_quote type", lambda oms: oms.create_quote("W-1"), InvalidInput),  # type: ignore[arg-type]
    (
        "create_quote unknown sku",
        lambda oms: oms.create_quote(request(ref="Q-9", lines=[("X", 1)])),
        NotFound,
    ),
    (
        "create_quote unknown customer",
        lambda oms: oms.create_quote(attrs.evolve(request(ref="Q-9"), customer_id="NOPE")),
        NotFound,
    ),
    (
        "create_quote unknown pickup",
        lambda oms: oms.create_quote(request(ref="Q-9", delivery=Delivery.collect_at("NOPE"))),
        NotFound,
    ),
    (
        "create_quote placed_at",
        lambda oms: oms.create_quote(attrs.evolve(request(ref="Q-9"), placed_at=oms.clock.now())),
        InvalidInput,
    ),
    (
        "create_quote reference of an order",
        lambda oms: oms.create_quote(request()),
        AlreadyExists,
    ),
    (
        "create_quote past validity",
        lambda oms: oms.create_quote(request(ref="Q-9"), valid_until=oms.clock.now()),
        InvalidInput,
    ),
    (
        "create_quote naive validity",
        lambda oms: oms.create_quote(request(ref="Q-9"), valid_until=datetime(2030, 1, 1)),
        InvalidInput,
    ),
    (
        "create_quote negative validity",
        lambda oms: oms.create_quote(request(ref="Q-9"), valid_for=timedelta(days=-1)),
        InvalidInput,
    ),
    (
        "create_quote both validities",
        lambda oms: oms.create_quote(
            request(ref="Q-9"),
            valid_until=oms.clock.now() + timedelta(days=1),
            valid_for=timedelta(days=1),
        ),
        InvalidInput,
    ),
    ("create_quote note", lambda oms: oms.create_quote(request(ref="Q-9"), note=" "), InvalidInput),
    ("accept_quote unknown", lambda oms: oms.accept_quote("Q-404"), NotFound),
    ("accept_quote id", lambda oms: oms.accept_quote(""), InvalidInput),
    ("decline_quote unknown", lambda oms: oms.decline_quote("Q-404"), NotFound),
    ("decline_quote reason", lambda oms: oms.decline_quote("Q-404", reason=" "), InvalidInput),
    ("withdraw_quote unknown", lambda oms: oms.withdraw_quote("Q-404"), NotFound),
    ("withdraw_quote id", lambda oms: oms.withdraw_quote(None), InvalidInput),  # type: ignore[arg-type]
    ("get_quote unknown", lambda oms: oms.get_quote("Q-404"), NotFound),
    ("get_quote id", lambda oms: oms.get_quote(" "), InvalidInput),
    ("quotes status", lambda oms: oms.quotes(status="open"), InvalidInput),  # type: ignore[arg-type]
    ("quotes customer", lambda oms: oms.quotes(customer_id=""), InvalidInput),
]

NO_ARGUMENTS = {
    "close",
    "settle_invoices",
    "relay_events",
    "expire_holds",
    "check_availability_index",
    "rebuild_availability_index",
    "cancellation_report",
    "deliver_tasks",
    "sweep_triggers",
    "expire_quotes",
}
"""Public methods that take no input, so no bad input exists for them."""


def hold_id(oms: Oms) -> str:
    with oms.store.unit_of_work() as uow:
        return uow.reservations.for_cart("C-1")[0].reservation_id


def placed_order_id(oms: Oms) -> str:
    with oms.store.unit_of_work() as uow:
        order = uow.orders.find_by_reference("web", "W-1")
        assert order is not None
        return order.order_id


def order_reservation_id(oms: Oms) -> str:
    with oms.store.unit_of_work() as uow:
        order = uow.orders.find_by_reference("web", "W-1")
        assert order is not None
        return uow.reservations.for_order(order.order_id)[0].reservation_id


@pytest.mark.parametrize(("name", "call", "error"), BAD_CALLS, ids=[c[0] for c in BAD_CALLS])
def test_bad_input_at_every_entry_point_raises_a_typed_error_and_changes_nothing(
    world: World, name: str, call: Callable[[Oms], object], error: type[OmsError]
) -> None:
    world.oms.receive_stock("BEANS", "AMS", 5)
    world.oms.place_order(request())
    world.oms.hold_stock("BEANS", 1, channel=Channel.WEB, cart_id="C-1")
    before = dump(world.oms)
    published = len(world.publisher.events)
    figures = world.oms.availability("BEANS", Channel.WEB)
    with pytest.raises(error) as raised:
        call(world.oms)
    assert isinstance(raised.value, OmsError)
    assert str(raised.value)
    assert dump(world.oms) == before
    assert len(world.publisher.events) == published
    assert world.oms.availability("BEANS", Channel.WEB) == figures
    assert world.oms.check_availability_index() == ()


def test_every_public_service_method_is_covered_by_the_bad_input_table() -> None:
    public = {
        name
        for name in dir(Oms)
        if not name.startswith("_") and callable(getattr(Oms, name)) and name not in NO_ARGUMENTS
    }
    covered = {name.split(" ")[0] for name, _, _ in BAD_CALLS}
    assert public <= covered, sorted(public - covered)


# --------------------------------------------------------------------------- safety stock and POS


STORE_BUFFER = SafetyStockPolicy.from_toml(
    """
[[rule]]
location_kind = "store"
percent = "12"

[[rule]]
location_kind = "store"
channel = "store"
units = 0
"""
)


def test_twelve_percent_of_store_stock_is_held_back_and_a_till_sale_reaches_the_web_at_once() -> (
    None
):
    storefront = RecordingStorefront()
    oms = Oms(
        clock=ManualClock(), ids=SequentialIds(), storefront=storefront, safety_stock=STORE_BUFFER
    )
    oms.register_location(Location("AMS", "Store", LocationKind.STORE, AMSTERDAM, "NL", STORE_CAPS))
    oms.register_location(Location("DC", "DC", LocationKind.DISTRIBUTION_CENTRE, TILBURG, "NL"))
    oms.register_product(Product("BEANS", "Beans"))
    oms.receive_stock("BEANS", "AMS", 50)
    oms.receive_stock("BEANS", "DC", 10)
    web = oms.availability("BEANS", Channel.WEB)
    assert web.at("AMS") == 44  # 12% of 50 = 6 held back for walk-in customers
    assert web.at("DC") == 10
    assert web.total == 54
    assert oms.availability("BEANS", Channel.STORE).at("AMS") == 50
    assert storefront.latest("BEANS", "web") == 54

    position = oms.record_pos_sale("BEANS", "AMS", 3, receipt="POS-1")
    assert position.on_hand == 47
    # 12% of 47 = 5.64, rounded up to 6: never over-promise
    assert oms.availability("BEANS", Channel.WEB).at("AMS") == 41
    assert storefront.latest("BEANS", "web") == 51
    ledger = oms.stock_ledger("BEANS", "AMS")
    assert [(m.quantity, m.reason) for m in ledger][-1] == (-3, MovementReason.POS_SALE)
    assert sum(m.quantity for m in ledger) == 47


def test_routing_never_takes_a_store_buffer() -> None:
    oms = Oms(clock=ManualClock(), ids=SequentialIds(), safety_stock=STORE_BUFFER)
    oms.register_location(Location("AMS", "Store", LocationKind.STORE, AMSTERDAM, "NL", STORE_CAPS))
    oms.register_location(Location("DC", "DC", LocationKind.DISTRIBUTION_CENTRE, TILBURG, "NL"))
    oms.register_product(Product("BEANS", "Beans"))
    oms.receive_stock("BEANS", "AMS", 5)  # 1 held back, 4 sellable online
    oms.receive_stock("BEANS", "DC", 10)
    order = oms.place_order(request(lines=[("BEANS", 5)]))
    assert [(a.location_id, a.quantity) for a in order.lines[0].allocations] == [("DC", 5)]
    small = oms.place_order(request(ref="W-2", lines=[("BEANS", 4)]))
    assert [(a.location_id, a.quantity) for a in small.lines[0].allocations] == [("AMS", 4)]
    assert oms.availability("BEANS", Channel.WEB).at("AMS") == 0


def test_a_till_cannot_sell_units_promised_to_orders(world: World) -> None:
    world.oms.receive_stock("BEANS", "AMS", 3)
    world.oms.place_order(request(lines=[("BEANS", 2)]))
    before = dump(world.oms)
    with pytest.raises(InsufficientStock) as error:
        world.oms.record_pos_sale("BEANS", "AMS", 2, receipt="POS-9")
    assert (error.value.requested, error.value.available) == (2, 1)
    assert dump(world.oms) == before


def test_a_safety_stock_that_is_not_a_policy_is_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        Oms(safety_stock={"rule": []})  # type: ignore[arg-type]
    assert error.value.path == "safety_stock"


# --------------------------------------------------------------------------- review regressions


def test_an_order_with_backordered_units_is_not_done_when_its_shipment_arrives(
    world: World,
) -> None:
    world.oms.receive_stock("BEANS", "AMS", 3)
    order = world.oms.place_order(request(lines=[("BEANS", 5), ("KETTLE", 1)]))
    assert len(full_flow(world.oms, order)) == 1
    final = world.oms.get_order(order.order_id)
    assert final.status is OrderStatus.PARTIALLY_SHIPPED
    beans, kettle = final.lines
    assert (beans.status, beans.shipped_quantity) == (LineStatus.PARTIALLY_SHIPPED, 3)
    assert kettle.status is LineStatus.BACKORDERED
    assert world.oms.shipments(order.order_id)[0].status is ShipmentStatus.DELIVERED


def test_the_pickup_store_fulfils_its_own_collect_order_without_shipping() -> None:
    world = make_world()
    world.oms.register_location(
        Location(
            "UTR",
            "Store Utrecht",
            LocationKind.STORE,
            UTRECHT,
            "NL",
            {Capability.CLICK_AND_COLLECT},
        )
    )
    world.oms.receive_stock("BEANS", "UTR", 5)
    assert world.oms.availability("BEANS", Channel.WEB).total == 5
    order = world.oms.place_order(request(delivery=Delivery.collect_at("UTR")))
    assert [(a.location_id, a.quantity) for a in order.lines[0].allocations] == [("UTR", 2)]
    shipped = world.oms.place_order(request(ref="W-2"))
    assert shipped.status is OrderStatus.BACKORDERED  # UTR cannot ship to an address


def test_availability_leaves_out_stock_routing_would_refuse(world: World) -> None:
    world.oms.receive_stock("CUPS", "AMS", 4)  # the store cannot handle fragile goods
    world.oms.receive_stock("CUPS", "DC", 6)
    web = world.oms.availability("CUPS", Channel.WEB)
    assert web.total == 6
    assert [e.location_id for e in web.by_location] == ["DC"]
    assert world.storefront.latest("CUPS", "web") == 6


def test_click_and_collect_at_a_store_that_does_not_serve_the_channel_is_refused(
    world: World,
) -> None:
    world.oms.register_location(
        Location(
            "UTR",
            "Store Utrecht",
            LocationKind.STORE,
            UTRECHT,
            "NL",
            STORE_CAPS,
            channels={Channel.STORE},
        )
    )
    with pytest.raises(InvalidInput) as error:
        world.oms.place_order(request(delivery=Delivery.collect_at("UTR")))
    assert error.value.path == "delivery.pickup_location_id"
    assert "web" in str(error.value)


class FlakyStorefront(RecordingStorefront):
    def __init__(self) -> None:
        super().__init__()
        self.down = True

    def publish(self, changes: Sequence[AvailabilityChanged]) -> None:
        if self.down:
            raise ConnectionError("storefront unavailable")
        super().publish(changes)


def test_availability_changes_survive_a_storefront_outage() -> None:
    storefront = FlakyStorefront()
    oms = Oms(clock=ManualClock(), ids=SequentialIds(), storefront=storefront)
    oms.register_location(Location("AMS", "Store", LocationKind.STORE, AMSTERDAM, "NL"))
    oms.register_product(Product("BEANS", "Beans"))
    oms.receive_stock("BEANS", "AMS", 1)
    oms.record_pos_sale("BEANS", "AMS", 1, receipt="POS-1")
    assert storefront.changes == []
    storefront.down = False
    oms.relay_events()
    assert storefront.latest("BEANS", "web") == 0
    assert [(c.previous, c.current) for c in storefront.changes if c.channel == "web"] == [
        (0, 1),
        (1, 0),
    ]


def test_shipping_under_a_percentage_buffer_tells_the_storefront() -> None:
    storefront = RecordingStorefront()
    policy = SafetyStockPolicy.from_dict({"rule": [{"location_kind": "store", "percent": "50"}]})
    oms = Oms(clock=ManualClock(), ids=SequentialIds(), storefront=storefront, safety_stock=policy)
    oms.register_location(Location("AMS", "Store", LocationKind.STORE, AMSTERDAM, "NL", STORE_CAPS))
    oms.register_product(Product("BEANS", "Beans"))
    oms.receive_stock("BEANS", "AMS", 10)  # 5 held back, 5 sellable
    order = oms.place_order(request(lines=[("BEANS", 4)]))
    assert storefront.latest("BEANS", "web") == 1
    full_flow(oms, order)  # 6 on hand: 3 held back, 3 sellable
    assert oms.availability("BEANS", Channel.WEB).total == 3
    assert storefront.latest("BEANS", "web") == 3


def test_the_product_page_shows_stock_near_the_shopper_and_future_supply() -> None:
    supplier = MemorySupplier(
        [PurchaseOrder("PO-1", "SUP", "DC", date(2026, 2, 1), [PurchaseOrderLine("KETTLE", 12)])]
    )
    world = make_world()
    oms = Oms(world.oms.store, clock=world.clock, ids=world.oms.ids, supplier=supplier)
    oms.receive_stock("BEANS", "AMS", 2)
    oms.receive_stock("BEANS", "UTR", 30)
    page = oms.product_page("BEANS", Channel.WEB, near=UTRECHT, low_stock_below=3)
    assert page.total == 32
    assert [e.location_id for e in page.collect_at] == ["UTR", "AMS"]
    assert {e.location_id: e.status.value for e in page.locations} == {
        "UTR": "in_stock",
        "AMS": "low_stock",
    }
    kettle = oms.product_page("KETTLE", Channel.WEB)
    assert kettle.only_future_supply
    assert (kettle.future_supply, kettle.next_expected_on) == (12, date(2026, 2, 1))
