"""Order capture, routing and look-up operations."""

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from omskit.errors import IdempotencyConflict, InsufficientStock, InvalidInput, NotFound
from omskit.events import (
    DomainEvent,
    HoldReleased,
    LineBackordered,
    OrderAllocated,
    OrderPlaced,
    ShipDatePromised,
)
from omskit.geo import GeoPoint
from omskit.invoicing.documents import InvoicePreview
from omskit.lifecycle import ORDER_LIFECYCLE, order_event_for_lines
from omskit.lifecycle.checks import CheckContext
from omskit.model import (
    Capability,
    Channel,
    Delivery,
    DeliveryMethod,
    HoldReason,
    LineStatus,
    Location,
    Order,
    OrderFlag,
    OrderLine,
    OrderRequest,
    OrderStatus,
    Product,
    RoutingRecord,
    Shipment,
)
from omskit.model._checks import check_identifier
from omskit.ports import (
    UnitOfWork,
)
from omskit.routing.decision import RoutingDecision
from omskit.routing.engine import route
from omskit.routing.profile import RoutingProfile
from omskit.routing.replay import ReplayReport, replay
from omskit.service._base import _check_id, _require, promised_data
from omskit.service._invoicing import InvoicingOperations

__all__ = ["OrderOperations"]


class OrderOperations(InvoicingOperations):
    """Order capture, routing and look-up operations."""

    # ------------------------------------------------------------------ orders

    def _validate_request(self, uow: UnitOfWork, request: OrderRequest) -> None:
        for index, line in enumerate(request.lines):
            if uow.products.find(line.sku) is None:
                raise NotFound(kind="product", key=line.sku, path=f"lines[{index}].sku")
        self._validate_parties(uow, request)

    def _validate_parties(self, uow: UnitOfWork, request: OrderRequest) -> None:
        """The customer and the pickup location ``request`` names exist and can take it."""
        if request.customer_id is not None:
            uow.customers.get(request.customer_id)
        self._check_pickup(uow, request.channel, request.delivery)

    @staticmethod
    def _check_pickup(uow: UnitOfWork, channel: Channel, delivery: Delivery) -> None:
        """A click & collect delivery needs a pickup location that serves ``channel``."""
        if delivery.method is DeliveryMethod.COLLECT:
            pickup_id = delivery.pickup_location_id or ""
            pickup = uow.locations.find(pickup_id)
            if pickup is None:
                raise NotFound(kind="location", key=pickup_id, path="delivery.pickup_location_id")
            if not pickup.serves(channel):
                raise InvalidInput(
                    f"location {pickup_id!r} does not serve the {channel.value} channel",
                    path="delivery.pickup_location_id",
                    value=pickup_id,
                )
            if not pickup.can(Capability.CLICK_AND_COLLECT):
                raise InvalidInput(
                    f"location {pickup_id!r} does not offer click & collect",
                    path="delivery.pickup_location_id",
                    value=pickup_id,
                )

    def _origin(self, uow: UnitOfWork, order: Order) -> GeoPoint | None:
        if order.delivery.method is DeliveryMethod.COLLECT:
            return uow.locations.get(order.delivery.pickup_location_id or "").point
        address = order.delivery.address
        return address.point if address is not None else None

    def _route(self, uow: UnitOfWork, order: Order) -> RoutingDecision:
        """Route ``order`` on the stock as this unit of work sees it (its own writes included)."""
        locations = {loc.location_id: loc for loc in uow.locations.list()}
        stock: dict[str, list[tuple[Location, int]]] = {}
        products: dict[str, Product] = {}
        now = self.clock.now()
        for sku in {line.sku for line in order.lines}:
            products[sku] = uow.products.get(sku)
            stock[sku] = self._sellable_stock(uow, sku, order.channel, locations, now)
        with self._index_lock:
            workload = self._index.workload()
        return self._decide(uow, order, stock, products, workload)

    def _sellable_stock(
        self,
        uow: UnitOfWork,
        sku: str,
        channel: Channel,
        locations: Mapping[str, Location],
        now: datetime,
    ) -> list[tuple[Location, int]]:
        """The units of ``sku`` each of ``locations`` can sell on ``channel`` at ``now``.

        Read from the store as ``uow`` sees it, after reservations and safety
        stock; by location id. Holds that expired by ``now`` but are not swept
        yet (a dry run sweeps nothing) no longer count.
        """
        lapsed: dict[str, int] = {}
        for hold in uow.reservations.expired(now, sku=sku):
            lapsed[hold.location_id] = lapsed.get(hold.location_id, 0) + hold.quantity
        return [
            (
                locations[p.location_id],
                self.safety_stock.sellable(
                    p.moved(reserved=-lapsed[p.location_id]) if p.location_id in lapsed else p,
                    location=locations[p.location_id],
                    channel=channel,
                ),
            )
            for p in uow.stock.for_sku(sku)
            if p.location_id in locations
        ]

    def _decide(
        self,
        uow: UnitOfWork,
        order: Order,
        stock: Mapping[str, Sequence[tuple[Location, int]]],
        products: Mapping[str, Product],
        workload: Mapping[str, int],
    ) -> RoutingDecision:
        today = self.clock.now().date()
        # A product before its release date ships from nowhere yet: its lines are pre-orders.
        stock = {
            sku: () if products[sku].before_release(today) else units
            for sku, units in stock.items()
        }
        return self._routed(uow, order, stock, products, workload)

    def _routed(
        self,
        uow: UnitOfWork,
        order: Order,
        stock: Mapping[str, Sequence[tuple[Location, int]]],
        products: Mapping[str, Product],
        workload: Mapping[str, int],
    ) -> RoutingDecision:
        """Route ``order`` with its channel's profile on ``stock`` (released products only)."""
        pickup_id = order.delivery.pickup_location_id
        return route(
            order,
            profile=self._profile_for(order.channel),
            origin=self._origin(uow, order),
            stock=stock,
            products=products,
            workload=workload,
            pickup=None if pickup_id is None else uow.locations.get(pickup_id),
        )

    def replay_routing(
        self,
        orders: Sequence[Order],
        profiles: Sequence[RoutingProfile],
        *,
        channel: Channel = Channel.WEB,
        batch: bool = False,
    ) -> ReplayReport:
        """What if: route ``orders`` with each of ``profiles`` against today's stock (B1).

        The snapshot is the stock sellable for ``channel`` now, as
        :meth:`place_order` sees it (after reservations and safety stock;
        cart holds that have expired no longer count); each profile starts
        from it and uses it up order by order, or with ``batch=True`` plans
        the orders together (:func:`~omskit.routing.batch.route_batch`).
        Nothing is written. See :func:`~omskit.routing.replay.replay` for the figures.
        """
        _require(channel, Channel, "channel")
        _require(batch, bool, "batch")
        orders = _listed(orders, "orders", Order)
        for index, order in enumerate(orders):
            _require(order, Order, f"orders[{index}]")
        profiles = _listed(profiles, "profiles", RoutingProfile)
        for index, profile in enumerate(profiles):
            _require(profile, RoutingProfile, f"profiles[{index}]")
        with self._read() as uow:
            locations = {loc.location_id: loc for loc in uow.locations.list()}
            products = {p.sku: p for p in uow.products.list()}
            for index, order in enumerate(orders):
                for line_no, line in enumerate(order.lines):
                    if line.sku not in products:
                        raise NotFound(
                            kind="product",
                            key=line.sku,
                            path=f"orders[{index}].lines[{line_no}].sku",
                        )
            stock: dict[str, list[tuple[Location, int]]] = {}
            now = self.clock.now()
            today = now.date()
            # The SKUs the orders name, as placing an order sees them (expired holds freed).
            for sku in sorted({line.sku for order in orders for line in order.lines}):
                rows = self._sellable_stock(uow, sku, channel, locations, now)
                if products[sku].before_release(today):
                    # A product before its release date ships from nowhere yet, as when placed.
                    rows = [(location, 0) for location, _ in rows]
                if rows:
                    stock[sku] = rows
        return replay(
            orders,
            stock=stock,
            products=products,
            profiles=profiles,
            batch=batch,
            locations=locations.values(),
        )

    def plan_routing(self, request: OrderRequest) -> RoutingDecision:
        """Route ``request`` as :meth:`place_order` would, without changing anything."""
        _require(request, OrderRequest, "request")
        with self._read() as uow:
            # On a store the index vouches for, a product the index knows is in the store:
            # the store is asked only about the others (and the parties checked after).
            vouched = self._index_vouches_for_products
            if not vouched:
                self._validate_request(uow, request)
            now = self.clock.now()
            today = now.date()
            channel = request.channel
            index = self._index
            products: dict[str, Product] = {}
            # The committed stock, from the availability index (no stock reads in the store).
            stock: dict[str, tuple[tuple[Location, int], ...]] = {}
            with self._index_lock:
                for number, line in enumerate(request.lines):
                    sku = line.sku
                    if sku in products:
                        continue
                    product = index.product(sku)
                    if product is None:
                        product = uow.products.find(sku)
                        if product is None:
                            raise NotFound(kind="product", key=sku, path=f"lines[{number}].sku")
                    products[sku] = product
                    units = index.stock_for_routing(sku, channel, now=now)
                    # A product before its release date ships from nowhere yet (pre-orders).
                    stock[sku] = () if product.before_release(today) else units
                workload = index.workload()
            if vouched:
                self._validate_parties(uow, request)
            order = Order.from_request("PLAN", request, placed_at=now)
            return self._routed(uow, order, stock, products, workload)

    def preview_invoice(self, request: OrderRequest) -> InvoicePreview:
        """The invoice ``request`` would get if it were placed now: lines, VAT and totals.

        For a quote (``oms.preview_invoice(quote.request)``) or a checkout
        page; nothing is written and no number is taken. The request is
        checked as :meth:`place_order` checks it (unknown products or
        customer: :class:`~omskit.errors.NotFound`; no VAT rate:
        :class:`~omskit.errors.InvalidInput`).
        """
        _require(request, OrderRequest, "request")
        settings = self._settings()
        with self._read() as uow:
            self._validate_request(uow, request)
            order = Order.from_request("PREVIEW", request, placed_at=self.clock.now())
            self._check_invoiceable(uow, order)
            lines, treatment = self._whole_order(uow, settings, order)
        return InvoicePreview(
            order.currency, lines, treatment.country, treatment.scheme.value, treatment.mention
        )

    def place_order(self, request: OrderRequest, *, cart_id: str | None = None) -> Order:
        """Capture an order, check it, route it with the channel's profile and reserve it.

        Idempotent on ``(channel, external_ref)``: the same request again
        returns the stored order unchanged; a different request under the same
        reference raises :class:`~omskit.errors.IdempotencyConflict`. Lines no
        location can fill are backordered (a result, not an error) and get
        the ship date open supply allows (``OrderLine.promised_date``,
        supplier date plus ``Oms(handling_days=...)``, oldest promise first);
        if that would let more units of a SKU wait than its product's
        ``waiting_cap``, the order is refused with
        :class:`~omskit.errors.InsufficientStock` and nothing is written.
        Lines of a product before its ``release_date`` are pre-orders: they
        wait even when stock is on hand, promised for the release date at the
        earliest, and an order that waits only for release dates is
        ``pre_ordered``.

        The order then passes ``Oms(order_checks=...)`` (payment authorised,
        a pickup store that can hand the goods over, and any checks of your
        own, see :mod:`omskit.lifecycle.checks`). If every check passes it is
        ``validated`` and moves on to ``allocated``, ``backordered`` or
        ``pre_ordered`` by its lines; the customer (if any) gets
        ``order_confirmed`` after the commit, with the latest promised date
        when a line waits. If a check holds it, the order is ``on_hold``
        with the hold codes in ``Order.holds``: its stock stays reserved, it
        cannot be released to the warehouse, and it moves on when
        :meth:`lift_hold` (or :meth:`confirm_payment`) lifts the last hold.

        ``cart_id`` names the cart the order comes from: its holds (see
        :meth:`hold_stock`) are released in the same unit of work, just before
        routing, so the units they kept become the order's reservations.
        """
        _require(request, OrderRequest, "request")
        if cart_id is not None:
            _check_id(cart_id, "cart_id")

        # A cart's holds may be of other SKUs than the order's: then the call runs alone.
        skus = None if cart_id is not None else {line.sku for line in request.lines}
        return self._run(
            lambda uow, events: self._place(uow, request, events, cart_id=cart_id), skus=skus
        )

    def _place(
        self,
        uow: UnitOfWork,
        request: OrderRequest,
        events: list[DomainEvent],
        *,
        cart_id: str | None = None,
    ) -> Order:
        """Place ``request`` in ``uow``, as :meth:`place_order` describes; return the order.

        The one code path of order capture: :meth:`place_order` runs it in a
        unit of work of its own, and accepting a quote runs it in the unit of
        work that also marks the quote accepted. Idempotent on the request's
        ``(channel, external_ref)`` like :meth:`place_order`.
        """
        existing = uow.orders.find_by_reference(request.channel.value, request.external_ref)
        if existing is not None:
            if existing.matches(request):
                return existing
            raise IdempotencyConflict(
                channel=request.channel.value,
                external_ref=request.external_ref,
                existing_order_id=existing.order_id,
            )
        self._validate_request(uow, request)
        now = self.clock.now()
        order = Order.from_request(self.ids.new_id("O-"), request, placed_at=now)
        self._check_invoiceable(uow, order)
        uow.orders.add(order)
        events.append(
            self._event(
                OrderPlaced,
                order_id=order.order_id,
                channel=order.channel.value,
                external_ref=order.external_ref,
            )
        )
        if cart_id is not None:
            for hold in uow.reservations.for_cart(cart_id):
                self._release(uow, hold, "consumed", events)
        self._sweep(uow, [line.sku for line in order.lines], events, now)
        decision = self._route(uow, order)
        lines = self._promise_waiting(
            uow, order, self._reserve_routed(uow, order, order.lines, decision, events), events
        )
        self._check_waiting_caps(uow, lines)
        routed = order.evolve(lines=tuple(lines), routing=self._routing_record(decision))
        routed = self._authorise(uow, routed, request.payments, events)
        holds = self._holds(uow, routed, now)
        if holds:
            placed = self._transition(
                order,
                "hold",
                events,
                lines=routed.lines,
                routing=routed.routing,
                holds=holds,
                payment_authorised=routed.payment_authorised,
            )
        else:
            placed = self._validated(order, events, lines=routed.lines, routing=routed.routing)
            self._tell_customer(uow, placed, "order_confirmed", events, promised_data(placed))
        uow.orders.update(placed, expected_version=order.version)
        return placed

    def _validated(self, order: Order, events: list[DomainEvent], **changes: Any) -> Order:
        """``order`` validated, then moved on by what its lines roll up to (C1, C3)."""
        validated = self._transition(order, "validate", events, **changes)
        moved = self._transition(validated, order_event_for_lines(validated.lines), events)
        return moved.evolve(version=order.version + 1)

    def _holds(self, uow: UnitOfWork, order: Order, now: datetime) -> frozenset[str]:
        """The hold codes ``Oms(order_checks=...)`` return for ``order`` (C1)."""
        pickup_id = order.delivery.pickup_location_id
        context = CheckContext(
            customer=None if order.customer_id is None else uow.customers.get(order.customer_id),
            products={line.sku: uow.products.get(line.sku) for line in order.lines},
            pickup=None if pickup_id is None else uow.locations.get(pickup_id),
            now=now,
        )
        codes: set[str] = set()
        for check in self.order_checks:
            code = check(order, context)
            if code is not None:
                codes.add(check_identifier(str(code), "order_checks: hold code"))
        return frozenset(codes)

    def lift_hold(self, order_id: str, hold: str, *, by: str) -> Order:
        """Lift the hold ``hold`` (a code in ``Order.holds``) after ``by`` looked at the order.

        When it was the last hold, the order is validated and moves on to
        ``allocated``, ``backordered`` or ``pre_ordered`` as its lines stand,
        and the customer gets ``order_confirmed`` after the commit. A payment
        hold is lifted by :meth:`confirm_payment`, not here. Raises
        :class:`~omskit.errors.NotFound` for an unknown order and
        :class:`~omskit.errors.InvalidInput` for a code the order is not held
        for.
        """
        _check_id(order_id, "order_id")
        hold = str(_check_id(hold, "hold"))
        _check_id(by, "by")
        if hold == HoldReason.PAYMENT:
            raise InvalidInput(
                "a payment hold is lifted by confirm_payment()", path="hold", value=hold
            )
        return self._lift(order_id, hold, by)

    def confirm_payment(self, order_id: str, *, by: str = "payment") -> Order:
        """The payment of ``order_id`` is authorised: lift its payment hold (C1, F5).

        Sets ``Order.payment_authorised``; an order with no other hold is then
        validated and moves on (see :meth:`lift_hold`). Confirming an
        authorised order again changes nothing.
        """
        _check_id(order_id, "order_id")
        _check_id(by, "by")
        return self._lift(order_id, HoldReason.PAYMENT, by)

    def _lift(self, order_id: str, hold: str, by: str) -> Order:
        def work(uow: UnitOfWork, events: list[DomainEvent]) -> Order:
            order = uow.orders.get(order_id)
            if hold == HoldReason.PAYMENT and order.payment_authorised:
                return order
            if hold not in order.holds:
                raise InvalidInput(
                    f"order {order_id!r} is not held for {hold!r} "
                    f"(holds: {', '.join(sorted(order.holds)) or 'none'})",
                    path="hold",
                    value=hold,
                )
            # Only an order waiting for validation has holds to lift (a cancelled one keeps them).
            self.lifecycles.order.target(order.status, "validate", entity_id=order_id)
            changes: dict[str, Any] = {"holds": order.holds - {hold}}
            if hold == HoldReason.PAYMENT:
                changes["payment_authorised"] = True
            events.append(self._event(HoldReleased, order_id=order_id, hold=hold, released_by=by))
            if changes["holds"]:
                changed = order.evolve(version=order.version + 1, **changes)
            else:
                changed = self._validated(order, events, **changes)
                self._tell_customer(uow, changed, "order_confirmed", events, promised_data(changed))
            uow.orders.update(changed, expected_version=order.version)
            return changed

        return self._run(work)

    def advance_order(self, order_id: str, event: str) -> Order:
        """Move an order by an event of your own lifecycle rows (``Oms(lifecycles=...)``).

        For steps omskit does not know, such as ``engrave`` from ``allocated``
        to a shop's own ``awaiting_engraving`` state: the order table decides
        (its guards included), an ``OrderStatusChanged`` event announces the
        move, and omskit's own calls go on from there as the table allows
        (e.g. ``release_order`` from ``awaiting_engraving``). omskit's own
        events (``release``, ``cancel``, ...) are refused with
        :class:`~omskit.errors.InvalidInput`: they come with the service call
        that does their work.
        """
        _check_id(order_id, "order_id")
        _check_id(event, "event")
        if event in ORDER_LIFECYCLE.events:
            raise InvalidInput(
                f"{event!r} is one of omskit's own events; the service call that does its "
                "work makes it",
                path="event",
                value=event,
            )

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> Order:
            order = uow.orders.get(order_id)
            changed = self._transition(order, event, events)
            uow.orders.update(changed, expected_version=order.version)
            return changed

        return self._run(work)

    def _check_waiting_caps(self, uow: UnitOfWork, lines: Sequence[OrderLine]) -> None:
        """Refuse an order whose waiting units would pass a product's ``waiting_cap`` (E3)."""
        wanted: dict[str, int] = {}
        for line in lines:
            if line.unallocated_quantity:
                wanted[line.sku] = wanted.get(line.sku, 0) + line.unallocated_quantity
        for sku, units in sorted(wanted.items()):
            cap = uow.products.get(sku).waiting_cap
            if cap is None:
                continue
            with self._index_lock:
                already = self._index.waiting(sku)
            if already + units > cap:
                raise InsufficientStock(
                    sku=sku, location_id=None, requested=units, available=max(cap - already, 0)
                )

    def _promise_waiting(
        self, uow: UnitOfWork, order: Order, lines: list[OrderLine], events: list[DomainEvent]
    ) -> list[OrderLine]:
        """A new order's waiting lines with the ship date future supply allows (E1)."""
        for sku in dict.fromkeys(line.sku for line in lines if line.unallocated_quantity):
            supply = self._future_supply(sku)
            mine = [line for line in lines if line.sku == sku]
            promised = self._promise(supply, mine, after=supply.promised, **self._shelf(uow, sku))
            dated = {line.line_id: line for line in promised}
            lines = [dated.get(line.line_id, line) for line in lines]
        for line in lines:
            if line.promised_date is not None:
                events.append(
                    self._event(
                        ShipDatePromised,
                        order_id=order.order_id,
                        line_id=line.line_id,
                        previous=None,
                        current=line.promised_date,
                    )
                )
        return lines

    def _reserve_routed(
        self,
        uow: UnitOfWork,
        order: Order,
        lines: Sequence[OrderLine],
        decision: RoutingDecision,
        events: list[DomainEvent],
    ) -> list[OrderLine]:
        """Reserve what ``decision`` allocated to ``lines``; the lines with their new status."""
        routed_lines: list[OrderLine] = []
        for line, routed in zip(lines, decision.lines, strict=True):
            for allocation in routed.allocations:
                self._reserve(uow, order, line, allocation.location_id, allocation.quantity, events)
            if routed.allocations:
                events.append(
                    self._event(
                        OrderAllocated,
                        order_id=order.order_id,
                        line_id=line.line_id,
                        sku=line.sku,
                        allocations=routed.allocations,
                    )
                )
            if routed.unfulfilled:
                events.append(
                    self._event(
                        LineBackordered,
                        order_id=order.order_id,
                        line_id=line.line_id,
                        sku=line.sku,
                        quantity=routed.unfulfilled,
                    )
                )
            status = (
                LineStatus.ALLOCATED
                if routed.unfulfilled == 0
                else LineStatus.PARTIALLY_ALLOCATED
                if routed.allocations
                else LineStatus.PRE_ORDERED
                if uow.products.get(line.sku).before_release(self.clock.now().date())
                else LineStatus.BACKORDERED
            )
            routed_lines.append(
                self._line_to(order.order_id, line, status, allocations=routed.allocations)
            )
        return routed_lines

    @staticmethod
    def _routing_record(decision: RoutingDecision) -> RoutingRecord:
        return RoutingRecord(
            decision.profile,
            decision.decided_by,
            decision.shipment_count,
            decision.explain(),
            decision.cost,
            decision.exact,
        )

    def get_order(self, order_id: str) -> Order:
        """The order ``order_id``; raises :class:`~omskit.errors.NotFound`."""
        _check_id(order_id, "order_id")
        with self._read() as uow:
            return uow.orders.get(order_id)

    def orders(
        self,
        *,
        status: OrderStatus | None = None,
        flag: OrderFlag | None = None,
        channel: Channel | None = None,
        customer_id: str | None = None,
    ) -> tuple[Order, ...]:
        """The orders that match every filter given, oldest first (C4).

        ``flag`` selects special orders (gift, VIP, replacement) for the team
        that follows them up; with no filter, every order.
        """
        if status is not None:
            _require(status, OrderStatus, "status")
        if flag is not None:
            _require(flag, OrderFlag, "flag")
        if channel is not None:
            _require(channel, Channel, "channel")
        if customer_id is not None:
            _check_id(customer_id, "customer_id")
        with self._read() as uow:
            found = uow.orders.list(status=status)
        return tuple(
            sorted(
                (
                    order
                    for order in found
                    if (flag is None or flag in order.flags)
                    and (channel is None or order.channel is channel)
                    and (customer_id is None or order.customer_id == customer_id)
                ),
                key=lambda order: (order.placed_at, order.order_id),
            )
        )

    def find_order(self, channel: Channel, external_ref: str) -> Order | None:
        """The order a channel placed under ``external_ref``, or ``None``."""
        _require(channel, Channel, "channel")
        _check_id(external_ref, "external_ref")
        with self._read() as uow:
            return uow.orders.find_by_reference(channel.value, external_ref)

    def shipments(self, order_id: str) -> Sequence[Shipment]:
        """The shipments of an order, by id."""
        _check_id(order_id, "order_id")
        with self._read() as uow:
            uow.orders.get(order_id)
            return uow.shipments.for_order(order_id)


def _listed(value: object, path: str, kind: type) -> list[Any]:
    """``value`` as a list, when it is an iterable of things (not one ``kind`` or a string)."""
    if isinstance(value, kind | str | bytes | Mapping) or not isinstance(value, Iterable):
        raise InvalidInput(f"must be a list, not {type(value).__name__}", path=path)
    return list(value)
