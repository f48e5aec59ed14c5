"""The application service: :class:`Oms`, the one entry point of omskit.

Every public method is one unit of work: validate the arguments, load
aggregates, ask the pure core for a decision, save, append the domain events
to the outbox in the same transaction, commit, then hand the events to the
publisher. A call that raises leaves every repository as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import attrs

from omskit.adapters.memory import (
    MemoryStore,
    MemoryWarehouse,
    RecordingPublisher,
    RecordingStorefront,
    SystemClock,
    UuidIds,
)
from omskit.availability import Availability, SafetyStockPolicy, compute_availability
from omskit.errors import IdempotencyConflict, InsufficientStock, InvalidInput, NotFound
from omskit.events import (
    AvailabilityChanged,
    DomainEvent,
    LineBackordered,
    MasterDataChanged,
    OrderAllocated,
    OrderPlaced,
    OrderReleased,
    OrderStatusChanged,
    ShipmentStatusChanged,
    StockReceived,
    StockReserved,
    StockSold,
)
from omskit.geo import GeoPoint
from omskit.lifecycle import (
    ORDER_LIFECYCLE,
    SHIPMENT_LIFECYCLE,
    order_status_from_shipments,
    rollup_event,
)
from omskit.model import (
    Capability,
    Channel,
    Customer,
    DeliveryMethod,
    LineStatus,
    Location,
    MovementReason,
    Order,
    OrderLine,
    OrderRequest,
    Product,
    Reservation,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
    StockMovement,
    StockPosition,
)
from omskit.model._checks import check_identifier
from omskit.ports import (
    Clock,
    EventPublisher,
    IdGenerator,
    Store,
    StorefrontFeed,
    UnitOfWork,
    WarehouseGateway,
)
from omskit.routing import Candidate, RoutingDecision, route_nearest

__all__ = ["Oms"]

_log = logging.getLogger("omskit")

T = TypeVar("T")


def _require(value: object, kind: type[T], path: str) -> T:
    if not isinstance(value, kind):
        raise InvalidInput(
            f"must be {kind.__name__}, not {type(value).__name__}", path=path, value=value
        )
    return value


_check_id = check_identifier


def _check_quantity(quantity: object) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise InvalidInput("must be a positive integer", path="quantity", value=quantity)
    return quantity


class Oms:
    """An order management system over a store and a set of gateways.

    Every argument is optional, so ``Oms()`` runs entirely in memory with
    readable defaults: a :class:`~omskit.adapters.memory.MemoryStore`, the
    system clock, UUID identifiers, recording gateways you can inspect, and no
    safety stock. ``safety_stock`` holds part of each location's stock back
    from a channel (A2); availability and routing both respect it.
    A production backend passes its own store and gateways.
    """

    def __init__(
        self,
        store: Store | None = None,
        *,
        clock: Clock | None = None,
        ids: IdGenerator | None = None,
        publisher: EventPublisher | None = None,
        warehouse: WarehouseGateway | None = None,
        storefront: StorefrontFeed | None = None,
        safety_stock: SafetyStockPolicy | None = None,
    ) -> None:
        self.store: Store = store if store is not None else MemoryStore()
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.ids: IdGenerator = ids if ids is not None else UuidIds()
        self.publisher: EventPublisher = (
            publisher if publisher is not None else RecordingPublisher()
        )
        self.warehouse: WarehouseGateway = warehouse if warehouse is not None else MemoryWarehouse()
        self.storefront: StorefrontFeed = (
            storefront if storefront is not None else RecordingStorefront()
        )
        if safety_stock is not None and not isinstance(safety_stock, SafetyStockPolicy):
            raise InvalidInput("must be a SafetyStockPolicy", path="safety_stock")
        self.safety_stock: SafetyStockPolicy = safety_stock or SafetyStockPolicy()

    # ------------------------------------------------------------------ plumbing

    def _event(self, cls: type[DomainEvent], **fields: Any) -> DomainEvent:
        return cls(event_id=self.ids.new_id("EV-"), occurred_at=self.clock.now(), **fields)

    def _run(self, work: Callable[[UnitOfWork, list[DomainEvent]], T]) -> T:
        """Run ``work`` in one unit of work, write its events to the outbox, commit, relay."""
        events: list[DomainEvent] = []
        with self.store.unit_of_work() as uow:
            result = work(uow, events)
            uow.outbox.append(events)
            uow.commit()
        changes = [e for e in events if isinstance(e, AvailabilityChanged)]
        try:
            if changes:
                self.storefront.publish(changes)
            self.relay_events()
        except Exception:
            # The change is committed and its events are safe in the outbox; a
            # failing publisher must not make the caller retry a call that
            # succeeded. The next call (or relay_events()) delivers them.
            _log.warning("event delivery failed; events stay in the outbox", exc_info=True)
        return result

    def relay_events(self, *, batch: int = 100) -> int:
        """Publish outbox events that are not yet published; return how many were sent.

        Called after every commit. If the publisher fails, this method raises,
        the events stay in the outbox and go out on the next call (at least
        once; consumers de-duplicate on ``event_id``). After a service call the
        failure is logged on the ``omskit`` logger instead, because the call
        itself succeeded.
        """
        sent = 0
        while True:
            with self.store.unit_of_work() as uow:
                pending = uow.outbox.pending(limit=batch)
                if not pending:
                    return sent
                for event in pending:
                    self.publisher.publish(event)
                uow.outbox.mark_published([e.event_id for e in pending])
                uow.commit()
            sent += len(pending)

    # ------------------------------------------------------------------ catalogue

    def register_location(self, location: Location) -> Location:
        """Add a location or replace its definition (same ``location_id``)."""
        _require(location, Location, "location")

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> Location:
            before = self._availability_snapshot(uow, self._skus_at(uow, location.location_id))
            uow.locations.add(location)
            events.append(self._event(MasterDataChanged, kind="location", key=location.location_id))
            self._availability_events(uow, before, events)
            return location

        return self._run(work)

    def register_product(self, product: Product) -> Product:
        """Add a product or replace its definition (same ``sku``)."""
        _require(product, Product, "product")

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> Product:
            uow.products.add(product)
            events.append(self._event(MasterDataChanged, kind="product", key=product.sku))
            return product

        return self._run(work)

    def register_customer(self, customer: Customer) -> Customer:
        """Add a customer or replace their details (same ``customer_id``)."""
        _require(customer, Customer, "customer")

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> Customer:
            uow.customers.add(customer)
            events.append(self._event(MasterDataChanged, kind="customer", key=customer.customer_id))
            return customer

        return self._run(work)

    # ------------------------------------------------------------------ stock

    def receive_stock(
        self, sku: str, location_id: str, quantity: int, *, reference: str | None = None
    ) -> StockPosition:
        """Book ``quantity`` units of ``sku`` as received at ``location_id``.

        Appends a ledger entry, raises on-hand stock and pushes the new
        availability to the storefront.
        """
        _check_id(sku, "sku")
        _check_id(location_id, "location_id")
        _check_quantity(quantity)
        if reference is not None and (not isinstance(reference, str) or not reference.strip()):
            raise InvalidInput("must be a non-blank string", path="reference", value=reference)

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> StockPosition:
            uow.products.get(sku)
            uow.locations.get(location_id)
            before = self._availability_snapshot(uow, [sku])
            position = uow.stock.get(sku, location_id).moved(on_hand=quantity)
            uow.stock.save(position)
            uow.ledger.append(
                StockMovement(
                    self.ids.new_id("MV-"),
                    sku,
                    location_id,
                    quantity,
                    MovementReason.RECEIPT,
                    self.clock.now(),
                    reference,
                )
            )
            events.append(
                self._event(
                    StockReceived,
                    sku=sku,
                    location_id=location_id,
                    quantity=quantity,
                    on_hand=position.on_hand,
                    reference=reference,
                )
            )
            self._availability_events(uow, before, events)
            return position

        return self._run(work)

    def record_pos_sale(
        self, sku: str, location_id: str, quantity: int, *, receipt: str
    ) -> StockPosition:
        """Book a sale at a store's till (A3): on-hand drops and the web shop hears at once.

        The till sells from the shelf, so only units that are not reserved or
        allocated can go (safety stock is exactly what the shelf keeps for
        walk-in customers). Selling more raises
        :class:`~omskit.errors.InsufficientStock` and changes nothing.
        """
        _check_id(sku, "sku")
        _check_id(location_id, "location_id")
        _check_quantity(quantity)
        _check_id(receipt, "receipt")

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> StockPosition:
            uow.products.get(sku)
            uow.locations.get(location_id)
            before = self._availability_snapshot(uow, [sku])
            position = uow.stock.get(sku, location_id)
            if quantity > position.free:
                raise InsufficientStock(
                    sku=sku, location_id=location_id, requested=quantity, available=position.free
                )
            position = position.moved(on_hand=-quantity)
            uow.stock.save(position)
            uow.ledger.append(
                StockMovement(
                    self.ids.new_id("MV-"),
                    sku,
                    location_id,
                    -quantity,
                    MovementReason.POS_SALE,
                    self.clock.now(),
                    f"receipt {receipt}",
                )
            )
            events.append(
                self._event(
                    StockSold,
                    sku=sku,
                    location_id=location_id,
                    quantity=quantity,
                    on_hand=position.on_hand,
                    receipt=receipt,
                )
            )
            self._availability_events(uow, before, events)
            return position

        return self._run(work)

    def stock_position(self, sku: str, location_id: str) -> StockPosition:
        """The stock position of ``sku`` at ``location_id`` (zero if never stocked)."""
        _check_id(sku, "sku")
        _check_id(location_id, "location_id")
        with self.store.unit_of_work() as uow:
            uow.products.get(sku)
            uow.locations.get(location_id)
            return uow.stock.get(sku, location_id)

    def stock_ledger(self, sku: str, location_id: str) -> Sequence[StockMovement]:
        """The ledger entries of ``sku`` at ``location_id``, oldest first.

        Their quantities always add up to the position's on-hand stock.
        """
        _check_id(sku, "sku")
        _check_id(location_id, "location_id")
        with self.store.unit_of_work() as uow:
            uow.products.get(sku)
            uow.locations.get(location_id)
            return uow.ledger.for_key(sku, location_id)

    def availability(self, sku: str, channel: Channel) -> Availability:
        """Sellable units of ``sku`` for ``channel``, net of reservations, per location."""
        _check_id(sku, "sku")
        _require(channel, Channel, "channel")
        with self.store.unit_of_work() as uow:
            uow.products.get(sku)
            return self._availability(uow, sku, channel)

    def _availability(self, uow: UnitOfWork, sku: str, channel: Channel) -> Availability:
        locations = {loc.location_id: loc for loc in uow.locations.list()}
        return compute_availability(
            sku, channel, uow.stock.for_sku(sku), locations, self.safety_stock
        )

    def _skus_at(self, uow: UnitOfWork, location_id: str) -> list[str]:
        return sorted({p.sku for p in uow.stock.list() if p.location_id == location_id})

    def _availability_snapshot(
        self, uow: UnitOfWork, skus: Iterable[str]
    ) -> dict[tuple[str, Channel], int]:
        return {
            (sku, channel): self._availability(uow, sku, channel).total
            for sku in skus
            for channel in Channel
        }

    def _availability_events(
        self, uow: UnitOfWork, before: dict[tuple[str, Channel], int], events: list[DomainEvent]
    ) -> None:
        for (sku, channel), previous in before.items():
            current = self._availability(uow, sku, channel).total
            if current != previous:
                events.append(
                    self._event(
                        AvailabilityChanged,
                        sku=sku,
                        channel=channel.value,
                        previous=previous,
                        current=current,
                    )
                )

    # ------------------------------------------------------------------ orders

    def _validate_request(self, uow: UnitOfWork, request: OrderRequest) -> None:
        for index, line in enumerate(request.lines):
            if uow.products.find(line.sku) is None:
                raise NotFound(kind="product", key=line.sku, path=f"lines[{index}].sku")
        if request.customer_id is not None:
            uow.customers.get(request.customer_id)
        if request.delivery.method is DeliveryMethod.COLLECT:
            pickup_id = request.delivery.pickup_location_id or ""
            pickup = uow.locations.find(pickup_id)
            if pickup is None:
                raise NotFound(kind="location", key=pickup_id, path="delivery.pickup_location_id")
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
        locations = {loc.location_id: loc for loc in uow.locations.list()}
        candidates: dict[str, list[Candidate]] = {}
        products: dict[str, Product] = {}
        for sku in {line.sku for line in order.lines}:
            products[sku] = uow.products.get(sku)
            candidates[sku] = [
                Candidate(
                    locations[p.location_id],
                    self.safety_stock.sellable(
                        p, location=locations[p.location_id], channel=order.channel
                    ),
                )
                for p in uow.stock.for_sku(sku)
                if p.location_id in locations
            ]
        return route_nearest(
            order, origin=self._origin(uow, order), candidates=candidates, products=products
        )

    def plan_routing(self, request: OrderRequest) -> RoutingDecision:
        """Route ``request`` as :meth:`place_order` would, without changing anything."""
        _require(request, OrderRequest, "request")
        with self.store.unit_of_work() as uow:
            self._validate_request(uow, request)
            order = Order.from_request("PLAN", request, placed_at=self.clock.now())
            return self._route(uow, order)

    def place_order(self, request: OrderRequest) -> Order:
        """Capture an order, route it to the nearest locations with stock and reserve it.

        Idempotent on ``(channel, external_ref)``: the same request again
        returns the stored order unchanged; a different request under the same
        reference raises :class:`~omskit.errors.IdempotencyConflict`. Lines no
        location can fill are backordered (a result, not an error).
        """
        _require(request, OrderRequest, "request")

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> Order:
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
            uow.orders.add(order)
            events.append(
                self._event(
                    OrderPlaced,
                    order_id=order.order_id,
                    channel=order.channel.value,
                    external_ref=order.external_ref,
                )
            )
            skus = sorted({line.sku for line in order.lines})
            before = self._availability_snapshot(uow, skus)
            decision = self._route(uow, order)
            lines: list[OrderLine] = []
            for line, routed in zip(order.lines, decision.lines, strict=True):
                for allocation in routed.allocations:
                    self._reserve(uow, order, line, allocation.location_id, allocation.quantity)
                    events.append(
                        self._event(
                            StockReserved,
                            sku=line.sku,
                            location_id=allocation.location_id,
                            quantity=allocation.quantity,
                            order_id=order.order_id,
                        )
                    )
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
                    else LineStatus.BACKORDERED
                )
                lines.append(attrs.evolve(line, status=status, allocations=routed.allocations))
            event = "allocate" if any(line.allocations for line in lines) else "backorder"
            placed = self._transition(order, event, events, lines=tuple(lines))
            uow.orders.update(placed, expected_version=order.version)
            self._availability_events(uow, before, events)
            return placed

        return self._run(work)

    def _reserve(
        self, uow: UnitOfWork, order: Order, line: OrderLine, location_id: str, quantity: int
    ) -> None:
        uow.stock.save(uow.stock.get(line.sku, location_id).moved(reserved=quantity))
        uow.reservations.add(
            Reservation(
                self.ids.new_id("R-"),
                line.sku,
                location_id,
                quantity,
                self.clock.now(),
                order_id=order.order_id,
                line_id=line.line_id,
            )
        )

    def _transition(
        self, order: Order, event: str, events: list[DomainEvent], **changes: Any
    ) -> Order:
        target = ORDER_LIFECYCLE.target(order.status, event, entity_id=order.order_id)
        events.append(
            self._event(
                OrderStatusChanged,
                order_id=order.order_id,
                previous=order.status,
                current=target,
                event=event,
            )
        )
        return order.evolve(status=target, version=order.version + 1, **changes)

    def get_order(self, order_id: str) -> Order:
        """The order ``order_id``; raises :class:`~omskit.errors.NotFound`."""
        _check_id(order_id, "order_id")
        with self.store.unit_of_work() as uow:
            return uow.orders.get(order_id)

    def find_order(self, channel: Channel, external_ref: str) -> Order | None:
        """The order a channel placed under ``external_ref``, or ``None``."""
        _require(channel, Channel, "channel")
        _check_id(external_ref, "external_ref")
        with self.store.unit_of_work() as uow:
            return uow.orders.find_by_reference(channel.value, external_ref)

    def shipments(self, order_id: str) -> Sequence[Shipment]:
        """The shipments of an order, by id."""
        _check_id(order_id, "order_id")
        with self.store.unit_of_work() as uow:
            uow.orders.get(order_id)
            return uow.shipments.for_order(order_id)

    # ------------------------------------------------------------------ warehouse

    def release_order(self, order_id: str) -> tuple[Shipment, ...]:
        """Hand an allocated order to the warehouse gateway: one shipment per location.

        Reservations turn into allocations (the warehouse now owns the units).
        Backordered units stay behind. If the warehouse gateway fails, nothing
        is changed.
        """
        _check_id(order_id, "order_id")

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> tuple[Shipment, ...]:
            order = uow.orders.get(order_id)
            released = self._transition(order, "release", events)
            now = self.clock.now()
            by_location: dict[str, list[ShipmentLine]] = {}
            for line in order.lines:
                for allocation in line.allocations:
                    by_location.setdefault(allocation.location_id, []).append(
                        ShipmentLine(line.line_id, line.sku, allocation.quantity)
                    )
            for reservation in uow.reservations.for_order(order_id):
                position = uow.stock.get(reservation.sku, reservation.location_id)
                uow.stock.save(
                    position.moved(reserved=-reservation.quantity, allocated=reservation.quantity)
                )
                uow.reservations.remove(reservation.reservation_id)
            shipments = tuple(
                Shipment(self.ids.new_id("S-"), order_id, location_id, tuple(lines), now)
                for location_id, lines in sorted(by_location.items())
            )
            for shipment in shipments:
                uow.shipments.add(shipment)
            lines = tuple(
                attrs.evolve(line, status=LineStatus.RELEASED) if line.allocations else line
                for line in order.lines
            )
            released = released.evolve(lines=lines)
            uow.orders.update(released, expected_version=order.version)
            events.append(
                self._event(
                    OrderReleased,
                    order_id=order_id,
                    shipment_ids=tuple(s.shipment_id for s in shipments),
                )
            )
            for shipment in shipments:
                self.warehouse.release(shipment, released)
            return shipments

        return self._run(work)

    def record_picking(self, shipment_id: str) -> Shipment:
        """The warehouse started picking a shipment: the point of no return (D1)."""
        return self._shipment_event(shipment_id, "start_picking")

    def record_packed(self, shipment_id: str) -> Shipment:
        """The warehouse packed a shipment."""
        return self._shipment_event(shipment_id, "pack")

    def record_shipped(
        self, shipment_id: str, *, carrier: str | None = None, tracking_number: str | None = None
    ) -> Shipment:
        """The shipment left the building: stock leaves the books (ledger entry)."""
        if carrier is not None:
            _check_id(carrier, "carrier")
        if tracking_number is not None and (
            not isinstance(tracking_number, str) or not tracking_number.strip()
        ):
            raise InvalidInput("must be a non-blank string", path="tracking_number")
        return self._shipment_event(
            shipment_id, "ship", carrier=carrier, tracking_number=tracking_number
        )

    def record_delivered(self, shipment_id: str) -> Shipment:
        """The carrier delivered the shipment (or the customer collected it)."""
        return self._shipment_event(shipment_id, "deliver")

    def _shipment_event(self, shipment_id: str, event: str, **extra: Any) -> Shipment:
        _check_id(shipment_id, "shipment_id")

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> Shipment:
            shipment = uow.shipments.get(shipment_id)
            target = SHIPMENT_LIFECYCLE.target(shipment.status, event, entity_id=shipment_id)
            now = self.clock.now()
            changes: dict[str, Any] = {"status": target}
            if target is ShipmentStatus.SHIPPED:
                changes.update(extra, shipped_at=now)
                self._ship_stock(uow, shipment)
            if target is ShipmentStatus.DELIVERED:
                changes["delivered_at"] = now
            updated = attrs.evolve(shipment, **changes)
            uow.shipments.update(updated)
            events.append(
                self._event(
                    ShipmentStatusChanged,
                    shipment_id=shipment_id,
                    order_id=shipment.order_id,
                    previous=shipment.status,
                    current=target,
                    tracking_number=updated.tracking_number,
                )
            )
            order = uow.orders.get(shipment.order_id)
            self._roll_up(uow, order, updated, events)
            return updated

        return self._run(work)

    def _ship_stock(self, uow: UnitOfWork, shipment: Shipment) -> None:
        for line in shipment.lines:
            position = uow.stock.get(line.sku, shipment.location_id)
            uow.stock.save(position.moved(on_hand=-line.quantity, allocated=-line.quantity))
            uow.ledger.append(
                StockMovement(
                    self.ids.new_id("MV-"),
                    line.sku,
                    shipment.location_id,
                    -line.quantity,
                    MovementReason.SHIPMENT,
                    self.clock.now(),
                    f"shipment {shipment.shipment_id}",
                )
            )

    def _roll_up(
        self, uow: UnitOfWork, order: Order, updated: Shipment, events: list[DomainEvent]
    ) -> None:
        shipments = [
            updated if s.shipment_id == updated.shipment_id else s
            for s in uow.shipments.for_order(order.order_id)
        ]
        lines = tuple(_line_after_shipments(line, shipments) for line in order.lines)
        target = order_status_from_shipments(s.status for s in shipments)
        if target is order.status:
            changed = order.evolve(lines=lines, version=order.version + 1)
        else:
            changed = self._transition(order, rollup_event(target), events, lines=lines)
        uow.orders.update(changed, expected_version=order.version)


def _line_after_shipments(line: OrderLine, shipments: Sequence[Shipment]) -> OrderLine:
    shipped_states = (ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED)
    holding = [s for s in shipments if s.quantity_of(line.line_id)]
    if not holding:
        return line
    shipped = sum(s.quantity_of(line.line_id) for s in holding if s.status in shipped_states)
    status = line.status
    if shipped and shipped == line.allocated_quantity:
        delivered = all(s.status is ShipmentStatus.DELIVERED for s in holding)
        status = LineStatus.DELIVERED if delivered else LineStatus.SHIPPED
    return attrs.evolve(line, status=status, shipped_quantity=shipped)
