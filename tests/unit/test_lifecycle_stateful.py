"""A stateful test of the order lifecycle: random events to random orders (C1-C3, D1-D3, E1-E3).

Hypothesis drives one :class:`~omskit.Oms` with order capture (paid or not,
pre-orders, click & collect), payments and hold lifts, receipts and release
days, releases and every warehouse and carrier milestone, cancels of whole
orders and of lines, address and delivery changes, added products and clock
moves, sent to random orders and shipments. A call that fails must raise a
typed omskit error and change nothing (and never a line move the line table
refuses: the service chooses those itself). After every step:

- every order, line and shipment is in a state its table allows, and every
  status change announced so far is a row of the order table;
- a line's units add up: allocated plus waiting equals ordered for a live line;
- the reserved units of every stock position equal the reservations of live
  orders there, and each order's reservations equal what its lines hold
  before release;
- the units allocated at a position equal what its live shipments still
  hold there (picked but not shipped);
- the incremental availability index equals a recomputation.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule

from omskit import (
    Address,
    Capability,
    Channel,
    Delivery,
    GeoPoint,
    HoldReason,
    IllegalTransition,
    LineStatus,
    Location,
    LocationKind,
    Money,
    Oms,
    OmsError,
    OrderLineRequest,
    OrderRequest,
    OrderStatus,
    Product,
    ShipmentStatus,
)
from omskit.adapters.memory import ManualClock, MemoryStore, SequentialIds
from omskit.events import OrderStatusChanged
from omskit.lifecycle import LINE_LIFECYCLE, ORDER_LIFECYCLE, SHIPMENT_LIFECYCLE
from omskit.lifecycle.checks import default_checks, fraud_threshold

SKUS = ("BEANS", "KETTLE", "CONSOLE")
LOCATIONS = ("DC", "AMS", "UTR")
RELEASE_DAY = date(2026, 1, 8)
"""The console's release date, three days after the clock starts."""
HOME = Address("Damrak 1", "1012 LG", "Amsterdam", "NL", point=GeoPoint(52.375, 4.89))
ELSEWHERE = Address("Oudegracht 100", "3511 AX", "Utrecht", "NL", point=GeoPoint(52.09, 5.118))

skus = st.sampled_from(SKUS)
locations = st.sampled_from(LOCATIONS)
quantities = st.integers(1, 4)
LIVE = frozenset(OrderStatus) - ORDER_LIFECYCLE.terminal
NEXT_MILESTONE = {
    ShipmentStatus.RELEASED: "record_picking",
    ShipmentStatus.PICKING: "record_packed",
    ShipmentStatus.PACKED: "record_shipped",
}


class LifecycleMachine(RuleBasedStateMachine):
    """Random lifecycle events; every failure is a typed error that leaves the store as it was."""

    orders = Bundle("orders")

    @initialize()
    def set_up(self) -> None:
        self.clock = ManualClock()
        self.oms = Oms(
            MemoryStore(),
            clock=self.clock,
            ids=SequentialIds(),
            order_checks=[*default_checks(), fraud_threshold(Money("100.00", "EUR"))],
        )
        caps = {Capability.SHIP, Capability.CLICK_AND_COLLECT}
        points = {
            "DC": GeoPoint(51.56, 5.09),
            "AMS": GeoPoint(52.37, 4.89),
            "UTR": GeoPoint(52.09, 5.12),
        }
        for location_id in LOCATIONS:
            kind = LocationKind.DISTRIBUTION_CENTRE if location_id == "DC" else LocationKind.STORE
            capabilities = {Capability.SHIP} if location_id == "DC" else caps
            if location_id == "UTR":
                capabilities = {*caps, Capability.RECEIVE_TRANSFERS}
            self.oms.register_location(
                Location(location_id, location_id, kind, points[location_id], "NL", capabilities)
            )
        self.oms.register_product(Product("BEANS", "Beans", weight_grams=1000))
        self.oms.register_product(Product("KETTLE", "Kettle", weight_grams=1100))
        self.oms.register_product(
            Product("CONSOLE", "Console", weight_grams=3000, release_date=RELEASE_DAY)
        )
        for sku in ("BEANS", "KETTLE"):
            for location_id in LOCATIONS:
                self.oms.receive_stock(sku, location_id, 6)
        self.refs = 0

    # --- calls ---------------------------------------------------------------------------

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call ``Oms.<name>``; a failure must be an OmsError that changed nothing."""
        before = self._dump()
        try:
            return getattr(self.oms, name)(*args, **kwargs)
        except OmsError as error:
            if isinstance(error, IllegalTransition) and error.entity == "order line":
                # The service chooses every line move itself: a refused one is a bug.
                raise AssertionError(f"{name}: {error}") from error
            assert self._dump() == before, f"{name} failed but changed the store"
            return None

    def _dump(self) -> tuple[Any, ...]:
        with self.oms.store.unit_of_work() as uow:
            orders = uow.orders.list()
            return (
                orders,
                uow.stock.list(),
                uow.reservations.list(),
                tuple(uow.shipments.for_order(o.order_id) for o in orders),
            )

    def _shipments_of(self, order_id: str) -> list[str]:
        with self.oms.store.unit_of_work() as uow:
            return [s.shipment_id for s in uow.shipments.for_order(order_id)]

    @rule(sku=skus, location=locations, quantity=st.integers(1, 6))
    def receive(self, sku: str, location: str, quantity: int) -> None:
        self._call("receive_stock", sku, location, quantity)

    @rule(
        target=orders,
        lines=st.lists(st.tuples(skus, quantities), min_size=1, max_size=3),
        paid=st.sampled_from([True, True, True, False]),
        collect=st.sampled_from([None, "AMS", "UTR"]),
    )
    def place(self, lines: list[tuple[str, int]], paid: bool, collect: str | None) -> str:
        self.refs += 1
        delivery = Delivery.ship_to(HOME) if collect is None else Delivery.collect_at(collect)
        request = OrderRequest(
            Channel.WEB,
            f"W-{self.refs}",
            "EUR",
            [OrderLineRequest(sku, qty, Money("10.00", "EUR")) for sku, qty in lines],
            delivery,
            payment_authorised=paid,
        )
        order = self._call("place_order", request)
        return order.order_id if order is not None else "NOPE"

    @rule(sku=skus)
    def allocate_waiting(self, sku: str) -> None:
        self._call("allocate_waiting", sku)

    @rule(order_id=orders)
    def confirm_payment(self, order_id: str) -> None:
        self._call("confirm_payment", order_id)

    @rule(order_id=orders, hold=st.sampled_from([HoldReason.FRAUD, HoldReason.DELIVERY_METHOD]))
    def lift_hold(self, order_id: str, hold: str) -> None:
        self._call("lift_hold", order_id, hold, by="staff")

    @rule(order_id=orders)
    def release(self, order_id: str) -> None:
        self._call("release_order", order_id)

    @rule(
        order_id=orders,
        milestone=st.sampled_from(
            [
                "record_picking",
                "record_packed",
                "record_shipped",
                "record_delivered",
                "record_refused",
            ]
        ),
        which=st.integers(0, 2),
    )
    def warehouse_or_carrier(self, order_id: str, milestone: str, which: int) -> None:
        """A milestone for one of the order's shipments (released first if none exists)."""
        shipments = self._shipments_of(order_id)
        if not shipments:
            self._call("release_order", order_id)
            shipments = self._shipments_of(order_id)
        if shipments:
            self._call(milestone, shipments[which % len(shipments)])

    @rule(order_id=orders, which=st.integers(0, 2), refuse=st.booleans())
    def next_milestone(self, order_id: str, which: int, refuse: bool) -> None:
        """The next step of one of the order's shipments along the usual path."""
        with self.oms.store.unit_of_work() as uow:
            shipments = [
                s
                for s in uow.shipments.for_order(order_id)
                if s.status in NEXT_MILESTONE or s.status is ShipmentStatus.SHIPPED
            ]
        if not shipments:
            self._call("release_order", order_id)
            return
        shipment = shipments[which % len(shipments)]
        if shipment.status is ShipmentStatus.SHIPPED:
            milestone = "record_refused" if refuse else "record_delivered"
        else:
            milestone = NEXT_MILESTONE[shipment.status]
        self._call(milestone, shipment.shipment_id)

    @rule(order_id=orders, whole=st.booleans(), data=st.data())
    def cancel(self, order_id: str, whole: bool, data: st.DataObject) -> None:
        lines = None if whole else [data.draw(st.sampled_from(["1", "2", "3"]))]
        self._call("request_cancel", order_id, "changed_mind", by="customer", lines=lines)

    @rule(order_id=orders, where=st.sampled_from([None, "AMS", "UTR"]))
    def change_delivery(self, order_id: str, where: str | None) -> None:
        delivery = Delivery.ship_to(ELSEWHERE) if where is None else Delivery.collect_at(where)
        self._call("change_delivery", order_id, delivery)

    @rule(order_id=orders, sku=skus, quantity=quantities)
    def add_product(self, order_id: str, sku: str, quantity: int) -> None:
        self._call(
            "add_order_line", order_id, OrderLineRequest(sku, quantity, Money("5.00", "EUR"))
        )

    @rule(hours=st.integers(1, 48), release_day=st.booleans())
    def advance_clock(self, hours: int, release_day: bool) -> None:
        """Time passes; on or after the console's release date, its pre-orders may go out."""
        self.clock.advance(timedelta(hours=hours))
        if release_day:
            self._call("release_pre_orders", "CONSOLE")

    # --- invariants ----------------------------------------------------------------------

    @invariant()
    def every_state_is_one_the_tables_allow(self) -> None:
        with self.oms.store.unit_of_work() as uow:
            for order in uow.orders.list():
                assert order.status in ORDER_LIFECYCLE.states
                assert order.status is not OrderStatus.CREATED  # never stored half-way
                if order.status is OrderStatus.ON_HOLD:
                    assert order.holds
                elif order.holds:  # a held order that was cancelled keeps its reasons
                    assert order.status is OrderStatus.CANCELLED
                for line in order.lines:
                    assert line.status in LINE_LIFECYCLE.states
                for shipment in uow.shipments.for_order(order.order_id):
                    assert shipment.status in SHIPMENT_LIFECYCLE.states
        self.oms.relay_events()
        for event in self.oms.publisher.of_type(OrderStatusChanged):  # type: ignore[attr-defined]
            assert ORDER_LIFECYCLE.target(event.previous, event.event) is event.current

    @invariant()
    def a_live_line_holds_or_waits_for_every_unit(self) -> None:
        with self.oms.store.unit_of_work() as uow:
            for order in uow.orders.list():
                for line in order.lines:
                    allocated = sum(a.quantity for a in line.allocations)
                    assert 0 <= allocated <= line.quantity
                    if line.status is LineStatus.PRE_ORDERED:
                        assert allocated == 0

    @invariant()
    def reserved_stock_is_the_reservations_of_live_orders(self) -> None:
        with self.oms.store.unit_of_work() as uow:
            orders = {o.order_id: o for o in uow.orders.list()}
            reservations = uow.reservations.list()
            held: dict[tuple[str, str], int] = {}
            for reservation in reservations:
                assert reservation.order_id is not None
                order = orders[reservation.order_id]
                assert order.status in LIVE, (order.order_id, order.status)
                key = (reservation.sku, reservation.location_id)
                held[key] = held.get(key, 0) + reservation.quantity
            for position in uow.stock.list():
                assert position.reserved == held.get((position.sku, position.location_id), 0)
            for order in orders.values():
                if order.status in (OrderStatus.RELEASED, *ORDER_LIFECYCLE.terminal):
                    continue
                if uow.shipments.for_order(order.order_id):
                    continue  # at the warehouse: its units are allocated, not reserved
                by_line: dict[str, int] = {}
                for reservation in uow.reservations.for_order(order.order_id):
                    line_id = reservation.line_id or ""
                    by_line[line_id] = by_line.get(line_id, 0) + reservation.quantity
                for line in order.lines:
                    if line.status is not LineStatus.CANCELLED:
                        assert by_line.get(line.line_id, 0) == sum(
                            a.quantity for a in line.allocations
                        )

    @invariant()
    def allocated_stock_is_what_live_shipments_still_hold(self) -> None:
        leaving = {ShipmentStatus.RELEASED, ShipmentStatus.PICKING, ShipmentStatus.PACKED}
        with self.oms.store.unit_of_work() as uow:
            holding: dict[tuple[str, str], int] = {}
            for order in uow.orders.list():
                for shipment in uow.shipments.for_order(order.order_id):
                    if shipment.status in leaving:
                        for line in shipment.lines:
                            key = (line.sku, shipment.location_id)
                            holding[key] = holding.get(key, 0) + line.quantity
            for position in uow.stock.list():
                assert position.allocated == holding.get((position.sku, position.location_id), 0)
                assert position.reserved + position.allocated <= position.on_hand

    @invariant()
    def the_availability_index_is_right(self) -> None:
        assert self.oms.check_availability_index() == ()


LifecycleMachine.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestLifecycle = LifecycleMachine.TestCase
