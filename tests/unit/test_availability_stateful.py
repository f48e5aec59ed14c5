"""A stateful test of availability: random stock events, holds, expiries and clock moves.

Hypothesis drives one :class:`~omskit.Oms` with receipts, till sales,
adjustments, transfers, ledger corrections, orders (reservations), cart holds
with expiries, releases, cancels, shipments and clock moves. After every step:

- no position is oversold (reserved + allocated <= on hand, never negative);
- the stored reserved units equal the reservations and holds that exist;
- availability is never negative and never more than is physically there;
- the incremental index equals a from-scratch recomputation;
- a dry-run routing on the index's memoised stock equals routing on the store;
- on hand equals the sum of the ledger, per position.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    rule,
)

from omskit import (
    Address,
    Capability,
    Channel,
    Delivery,
    GeoPoint,
    Location,
    LocationKind,
    Money,
    Oms,
    OmsError,
    Order,
    OrderLineRequest,
    OrderRequest,
    OrderStatus,
    Product,
)
from omskit.adapters.memory import ManualClock, MemoryStore, SequentialIds
from omskit.availability import SafetyStockPolicy
from omskit.model import MovementReason

SKUS = ("BEANS", "CUPS", "KETTLE")
LOCATIONS = ("DC", "AMS", "UTR")
POLICY = SafetyStockPolicy.from_dict(
    {
        "rule": [
            {"location_kind": "store", "percent": "12"},
            {"sku": "KETTLE", "location_id": "UTR", "units": 2},
            {"channel": "marketplace", "units": 1},
        ]
    }
)
HOME = Address("Damrak 1", "1012 LG", "Amsterdam", "NL", point=GeoPoint(52.375, 4.89))

skus = st.sampled_from(SKUS)
locations = st.sampled_from(LOCATIONS)
quantities = st.integers(1, 8)


class AvailabilityMachine(RuleBasedStateMachine):
    """Drives the service; every failing call must be a typed error that changes nothing."""

    orders = Bundle("orders")
    holds = Bundle("holds")

    @initialize()
    def set_up(self) -> None:
        self.clock = ManualClock()
        self.oms = Oms(MemoryStore(), clock=self.clock, ids=SequentialIds(), safety_stock=POLICY)
        caps = {Capability.SHIP, Capability.CLICK_AND_COLLECT}
        self.oms.register_location(
            Location(
                "DC",
                "DC",
                LocationKind.DISTRIBUTION_CENTRE,
                GeoPoint(51.55, 5.09),
                "NL",
                {Capability.SHIP, Capability.HANDLES_FRAGILE},
            )
        )
        self.oms.register_location(
            Location("AMS", "Amsterdam", LocationKind.STORE, GeoPoint(52.37, 4.89), "NL", caps)
        )
        self.oms.register_location(
            Location("UTR", "Utrecht", LocationKind.STORE, GeoPoint(52.09, 5.12), "NL", caps)
        )
        self.oms.register_product(Product("BEANS", "Beans"))
        self.oms.register_product(Product("CUPS", "Cups", fragile=True))
        self.oms.register_product(Product("KETTLE", "Kettle"))
        self.refs = 0
        self.carts = 0

    def attempt(self, call: object) -> object:
        """Run ``call``; a refusal must be a typed omskit error."""
        assert callable(call)
        try:
            return call()
        except OmsError:
            return None

    # ------------------------------------------------------------------ stock events

    @rule(sku=skus, location=locations, quantity=quantities)
    def receive(self, sku: str, location: str, quantity: int) -> None:
        self.oms.receive_stock(sku, location, quantity)

    @rule(sku=skus, location=locations, quantity=quantities)
    def sell_at_the_till(self, sku: str, location: str, quantity: int) -> None:
        self.refs += 1
        self.attempt(
            lambda: self.oms.record_pos_sale(sku, location, quantity, receipt=f"R{self.refs}")
        )

    @rule(sku=skus, location=locations, quantity=st.integers(-5, 5).filter(bool))
    def adjust(self, sku: str, location: str, quantity: int) -> None:
        self.attempt(lambda: self.oms.adjust_stock(sku, location, quantity))

    @rule(sku=skus, source=locations, destination=locations, quantity=quantities)
    def transfer(self, sku: str, source: str, destination: str, quantity: int) -> None:
        self.attempt(lambda: self.oms.transfer_stock(sku, source, destination, quantity))

    @rule(sku=skus, location=locations, pick=st.integers(0, 20))
    def correct(self, sku: str, location: str, pick: int) -> None:
        entries = [
            m
            for m in self.oms.stock_ledger(sku, location)
            if m.reason is not MovementReason.CORRECTION
        ]
        if entries:
            movement = entries[pick % len(entries)]
            self.attempt(lambda: self.oms.correct_movement(movement.movement_id))

    # ------------------------------------------------------------------ orders

    @rule(target=orders, sku=skus, quantity=quantities, channel=st.sampled_from(list(Channel)))
    def place(self, sku: str, quantity: int, channel: Channel) -> str:
        self.refs += 1
        request = OrderRequest(
            channel,
            f"X-{self.refs}",
            "EUR",
            [OrderLineRequest(sku, quantity, Money("5.00", "EUR"))],
            Delivery.ship_to(HOME),
        )
        return self.oms.place_order(request).order_id

    @rule(order_id=orders)
    def cancel(self, order_id: str) -> None:
        self.attempt(lambda: self.oms.cancel_order(order_id))

    @rule(order_id=orders)
    def release_and_ship(self, order_id: str) -> None:
        if self.oms.get_order(order_id).status is not OrderStatus.ALLOCATED:
            return
        for shipment in self.oms.release_order(order_id):
            self.oms.record_picking(shipment.shipment_id)
            self.oms.record_packed(shipment.shipment_id)
            self.oms.record_shipped(shipment.shipment_id)

    # ------------------------------------------------------------------ holds

    @rule(target=holds, sku=skus, quantity=quantities, minutes=st.integers(1, 30))
    def hold(self, sku: str, quantity: int, minutes: int) -> str:
        self.carts += 1
        cart = f"CART-{self.carts}"
        self.attempt(
            lambda: self.oms.hold_stock(
                sku, quantity, channel=Channel.WEB, cart_id=cart, ttl=timedelta(minutes=minutes)
            )
        )
        return cart

    @rule(cart=consumes(holds))
    def release_cart(self, cart: str) -> None:
        self.oms.release_cart(cart)

    @rule(cart=consumes(holds), sku=skus, quantity=quantities)
    def order_from_cart(self, cart: str, sku: str, quantity: int) -> None:
        self.refs += 1
        request = OrderRequest(
            Channel.WEB,
            f"C-{self.refs}",
            "EUR",
            [OrderLineRequest(sku, quantity, Money("5.00", "EUR"))],
            Delivery.ship_to(HOME),
        )
        self.oms.place_order(request, cart_id=cart)

    @rule(minutes=st.integers(1, 20))
    def clock_moves(self, minutes: int) -> None:
        self.clock.advance(timedelta(minutes=minutes))

    @rule()
    def clock_reaches_the_next_expiry_exactly(self) -> None:
        now = self.clock.now()
        with self.oms.store.unit_of_work() as uow:
            expiries = [
                r.expires_at
                for r in uow.reservations.list()
                if r.expires_at is not None and r.expires_at > now
            ]
        if expiries:
            self.clock.advance(min(expiries) - now)

    @rule()
    def sweep(self) -> None:
        self.oms.expire_holds()

    # ------------------------------------------------------------------ invariants

    @invariant()
    def nothing_is_oversold_and_reservations_add_up(self) -> None:
        with self.oms.store.unit_of_work() as uow:
            positions = uow.stock.list()
            reservations = uow.reservations.list()
            live = {o.order_id for o in uow.orders.list() if o.status is not OrderStatus.CANCELLED}
        for reservation in reservations:
            assert reservation.order_id is None or reservation.order_id in live
        reserved: dict[tuple[str, str], int] = {}
        for r in reservations:
            key = (r.sku, r.location_id)
            reserved[key] = reserved.get(key, 0) + r.quantity
        for p in positions:
            assert 0 <= p.reserved + p.allocated <= p.on_hand
            assert p.reserved == reserved.get((p.sku, p.location_id), 0)

    @invariant()
    def availability_is_never_negative_nor_more_than_is_there(self) -> None:
        for sku in SKUS:
            on_hand = sum(self.oms.stock_position(sku, loc).on_hand for loc in LOCATIONS)
            for channel in Channel:
                figures = self.oms.availability(sku, channel)
                assert 0 <= figures.total <= on_hand
                assert self.oms.sellable(sku, channel) == figures.total
                for entry in figures.by_location:
                    assert 0 <= entry.sellable <= entry.on_hand

    @invariant()
    def the_index_equals_a_full_recomputation(self) -> None:
        assert self.oms.check_availability_index() == ()

    @invariant()
    def a_dry_run_routes_on_the_index_as_an_order_would_on_the_store(self) -> None:
        # plan_routing reads memoised stock lists from the index; placing an order
        # routes on what its unit of work reads. Both must agree after every step.
        for channel in (Channel.WEB, Channel.MARKETPLACE):
            wanted = OrderRequest(
                channel=channel,
                external_ref="DRY-RUN",
                currency="EUR",
                lines=[OrderLineRequest(sku, 3, Money("1.00", "EUR")) for sku in SKUS],
                delivery=Delivery.ship_to(HOME),
            )
            planned = self.oms.plan_routing(wanted)
            order = Order.from_request("PLAN", wanted, placed_at=self.clock.now())
            with self.oms.store.unit_of_work() as uow:
                assert planned == self.oms._route(uow, order)

    @invariant()
    def on_hand_equals_the_ledger_sum(self) -> None:
        for sku in SKUS:
            for location in LOCATIONS:
                position = self.oms.stock_position(sku, location)
                ledger = self.oms.stock_ledger(sku, location)
                assert position.on_hand == sum(m.quantity for m in ledger)


AvailabilityMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestAvailabilityMachine = AvailabilityMachine.TestCase
