"""Catalogue and stock operations of the order management system."""

from collections.abc import Sequence

from omskit.availability.eligibility import exclusion
from omskit.errors import DomainRuleViolation, InsufficientStock, InvalidInput, NotFound
from omskit.events import (
    DomainEvent,
    MasterDataChanged,
    OrderAllocated,
    ShipDatePromised,
    StockAdjusted,
    StockReceived,
    StockSold,
)
from omskit.model import (
    Allocation,
    Capability,
    Customer,
    DeliveryMethod,
    LineStatus,
    Location,
    MovementReason,
    Order,
    OrderStatus,
    Product,
    Shipment,
    StockMovement,
    StockPosition,
)
from omskit.ports import (
    UnitOfWork,
)
from omskit.service._base import (
    ServiceBase,
    _check_id,
    _check_quantity,
    _require,
    promised_data,
)

__all__ = ["StockOperations"]

_NOT_WAITING = frozenset(
    {OrderStatus.CANCELLED, OrderStatus.RETURNED, OrderStatus.DELIVERED, OrderStatus.REFUSED}
)
_SHIPS_REMAINDERS = frozenset(
    {OrderStatus.RELEASED, OrderStatus.PICKING, OrderStatus.PARTIALLY_SHIPPED}
)
"""Released orders whose waiting units, once in stock, ship in a shipment of their own."""
_TAKES_RECEIPTS = (
    frozenset(
        {
            OrderStatus.ON_HOLD,
            OrderStatus.BACKORDERED,
            OrderStatus.PRE_ORDERED,
            OrderStatus.ALLOCATED,
        }
    )
    | _SHIPS_REMAINDERS
)
"""Orders whose waiting lines a receipt may fill (not yet at the warehouse)."""


def _add_allocation(allocations: tuple[Allocation, ...], new: Allocation) -> tuple[Allocation, ...]:
    """``allocations`` with ``new`` added (merged into the same location's allocation)."""
    merged = {a.location_id: a.quantity for a in allocations}
    merged[new.location_id] = merged.get(new.location_id, 0) + new.quantity
    return tuple(Allocation(loc, units) for loc, units in sorted(merged.items()))


class StockOperations(ServiceBase):
    """Catalogue and stock operations of the order management system."""

    # ------------------------------------------------------------------ catalogue

    def register_location(self, location: Location) -> Location:
        """Add a location or replace its definition (same ``location_id``)."""
        _require(location, Location, "location")

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> Location:
            uow.locations.add(location)
            events.append(self._event(MasterDataChanged, kind="location", key=location.location_id))
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
        self,
        sku: str,
        location_id: str,
        quantity: int,
        *,
        reference: str | None = None,
        allocate_waiting: bool = True,
    ) -> StockPosition:
        """Book ``quantity`` units of ``sku`` as received at ``location_id``.

        Appends a ledger entry, raises on-hand stock and pushes the new
        availability to the storefront. With ``allocate_waiting`` (the
        default) the units first go to order lines waiting for the SKU (E3),
        in a fair, fixed order: the oldest order first (then order id, line
        id), when the location may serve them (channel, shipping, handling,
        click & collect pickup); safety stock is respected. Orders not yet at
        the warehouse (on hold, backordered, pre-ordered, allocated with a
        waiting line) are reserved; a released, picking or partly shipped
        order gets a shipment of its own for the units (``<order_id>-S<n>``),
        handed to the warehouse in the same call: if the warehouse fails,
        the receipt fails and nothing changes (retry, or book with
        ``allocate_waiting=False``). A packed order's remainder waits until
        it ships. Each order that becomes fully allocated moves on
        (``backordered`` -> ``allocated``) and its customer is told it is
        being prepared (template ``being_prepared``, a
        :class:`~omskit.events.CustomerMessage` over the customer's
        channels, delivered by the outbox relay after the commit). Units of
        a product before its ``release_date`` wait on the shelf: call
        :meth:`release_pre_orders` on the release date.
        """
        _check_id(sku, "sku")
        _check_id(location_id, "location_id")
        _check_quantity(quantity)
        _check_reference(reference)
        _require(allocate_waiting, bool, "allocate_waiting")

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> StockPosition:
            uow.products.get(sku)
            location = uow.locations.get(location_id)
            self._sweep(uow, [sku], events, self.clock.now())
            position, _ = self._book(
                uow, uow.stock.get(sku, location_id), quantity, MovementReason.RECEIPT, reference
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
            if allocate_waiting:
                for order in self._allocate_waiting(uow, sku, location, events):
                    self._tell_customer(uow, order, "being_prepared", events)
            return uow.stock.get(sku, location_id)

        return self._run(work)

    def release_pre_orders(self, sku: str) -> tuple[Order, ...]:
        """The release date of ``sku`` has come: give its pre-orders the stock on hand (E1).

        Waiting lines of the SKU take the sellable stock, oldest order first
        (as for a receipt), location by location in id order. Pre-order lines
        that stock cannot fill become backorders, waiting for supply with the
        date it allows. Orders that become fully allocated are returned and
        their customers told ``being_prepared`` after the commit. Raises
        :class:`~omskit.errors.DomainRuleViolation` before the release date
        and :class:`~omskit.errors.NotFound` for an unknown SKU.
        """
        _check_id(sku, "sku")

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> tuple[Order, ...]:
            product = uow.products.get(sku)
            if product.before_release(self.clock.now().date()):
                raise DomainRuleViolation(f"{sku!r} is released on {product.release_date}, not yet")
            prepared = self._allocate_on_hand(uow, sku, events)
            for order in uow.orders.list():
                self._pre_orders_to_backorders(uow, order, sku, events)
            return prepared

        return self._run(work)

    def allocate_waiting(self, sku: str) -> tuple[Order, ...]:
        """Give the stock on hand of ``sku`` to the lines waiting for it, as a receipt would (E3).

        For stock that arrived another way than :meth:`receive_stock` (an
        adjustment, a transfer, a cancelled order's units): waiting lines
        take the sellable stock oldest order first, location by location in
        id order, on the terms of :meth:`receive_stock`. Returns the orders
        that became fully allocated (their customers are told
        ``being_prepared``). Before a product's release date nothing moves.
        """
        _check_id(sku, "sku")

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> tuple[Order, ...]:
            uow.products.get(sku)
            return self._allocate_on_hand(uow, sku, events)

        return self._run(work)

    def _allocate_on_hand(
        self, uow: UnitOfWork, sku: str, events: list[DomainEvent]
    ) -> tuple[Order, ...]:
        """Waiting lines of ``sku`` take the stock on hand, location by location in id order."""
        self._sweep(uow, [sku], events, self.clock.now())
        ready: dict[str, Order] = {}
        for location in sorted(uow.locations.list(), key=lambda loc: loc.location_id):
            for order in self._allocate_waiting(uow, sku, location, events):
                ready[order.order_id] = order
        prepared = sorted(ready.values(), key=lambda o: (o.placed_at, o.order_id))
        for order in prepared:
            self._tell_customer(uow, order, "being_prepared", events)
        return tuple(prepared)

    def _pre_orders_to_backorders(
        self, uow: UnitOfWork, order: Order, sku: str, events: list[DomainEvent]
    ) -> None:
        """The pre-order lines of ``sku`` that stock could not fill wait for supply now."""
        lines = tuple(
            self._line_to(order.order_id, line, LineStatus.BACKORDERED)
            if line.sku == sku and line.status is LineStatus.PRE_ORDERED
            else line
            for line in order.lines
        )
        if lines == order.lines:
            return
        changed = self._rolled_up(order, events, lines=lines)
        uow.orders.update(changed, expected_version=order.version)

    def _allocate_waiting(
        self, uow: UnitOfWork, sku: str, location: Location, events: list[DomainEvent]
    ) -> list[Order]:
        """Give received units to waiting lines, oldest order first; return the orders now ready."""
        product = uow.products.get(sku)
        if product.before_release(self.clock.now().date()):
            return []  # before its release date a product ships to nobody: units wait on the shelf
        waiting = sorted(
            (
                order
                for order in uow.orders.list()
                if order.status in _TAKES_RECEIPTS
                and any(
                    line.sku == sku
                    and line.status is not LineStatus.CANCELLED
                    and line.unallocated_quantity
                    for line in order.lines
                )
            ),
            key=lambda order: (order.placed_at, order.order_id),
        )
        ready: list[Order] = []
        for order in waiting:
            if exclusion(
                location,
                channel=order.channel,
                product=product,
                pickup_location_id=order.delivery.pickup_location_id,
            ) is not None or (
                order.delivery.method is DeliveryMethod.COLLECT
                and location.location_id != order.delivery.pickup_location_id
                and not uow.locations.get(order.delivery.pickup_location_id or "").can(
                    Capability.RECEIVE_TRANSFERS
                )
            ):
                continue
            lines = list(order.lines)
            taken_any = False
            at_warehouse = order.status in _SHIPS_REMAINDERS
            shipments: list[Shipment] = []
            for index, line in enumerate(lines):
                if line.sku != sku or line.status is LineStatus.CANCELLED:
                    continue
                free = self.safety_stock.sellable(
                    uow.stock.get(sku, location.location_id),
                    location=location,
                    channel=order.channel,
                )
                take = min(free, line.unallocated_quantity)
                if take <= 0:
                    continue
                self._reserve(uow, order, line, location.location_id, take, events)
                merged = _add_allocation(line.allocations, Allocation(location.location_id, take))
                status = (
                    line.status  # shipping has begun: the line's status follows its parcels
                    if line.status is LineStatus.PARTIALLY_SHIPPED
                    else LineStatus.ALLOCATED
                    if sum(a.quantity for a in merged) == line.quantity
                    else LineStatus.PARTIALLY_ALLOCATED
                )
                after = self._line_to(order.order_id, line, status, allocations=merged)
                if at_warehouse:
                    new = Allocation(location.location_id, take)
                    shipments.extend(self._ship_separately(uow, order, after, [new]))
                    if after.status is LineStatus.ALLOCATED:
                        after = self._line_to(order.order_id, after, LineStatus.RELEASED)
                lines[index] = after
                taken_any = True
                events.append(
                    self._event(
                        OrderAllocated,
                        order_id=order.order_id,
                        line_id=line.line_id,
                        sku=sku,
                        allocations=(Allocation(location.location_id, take),),
                    )
                )
            if not taken_any:
                continue
            changed = self._rolled_up(order, events, lines=tuple(lines))
            uow.orders.update(changed, expected_version=order.version)
            self._hand_to_warehouse(shipments, changed)
            if all(
                line.unallocated_quantity == 0
                for line in changed.lines
                if line.status is not LineStatus.CANCELLED
            ):
                ready.append(changed)
        return ready

    def record_purchase_order_delay(self, po_id: str) -> tuple[Order, ...]:
        """A purchase order comes later than planned: promise new dates and tell the customers (E2).

        Call it when the supplier gateway reports the delay; the gateway's
        open purchase orders must already show the new expected date. For
        each SKU on the purchase order, the lines waiting for it are dated
        again, oldest order first, against the supply as it now stands
        (supplier date plus ``Oms(handling_days=...)``). Each order whose
        promised date moved later (or is lost) gets one ``delivery_delayed``
        message with its new date and the reason code for a one-step cancel
        (``request_cancel(order_id, "delivery_too_slow", ...)``), after the
        commit. Returns the orders whose dates changed. Raises
        :class:`~omskit.errors.NotFound` for a purchase order the supplier
        does not list as open.
        """
        _check_id(po_id, "po_id")
        purchase_orders = self.supplier.open_purchase_orders() if self.supplier else ()
        purchase_order = next((p for p in purchase_orders if p.po_id == po_id), None)
        if purchase_order is None:
            raise NotFound(kind="open purchase order", key=po_id, path="po_id")
        skus = sorted({line.sku for line in purchase_order.lines})

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> tuple[Order, ...]:
            current: dict[str, Order] = {}
            later: set[str] = set()
            live = sorted(
                (o for o in uow.orders.list() if o.status not in _NOT_WAITING),
                key=lambda o: (o.placed_at, o.order_id),
            )
            for sku in skus:
                supply = self._future_supply(sku)
                waiting = [
                    (order.order_id, line)
                    for order in live
                    for line in current.get(order.order_id, order).lines
                    if line.sku == sku
                    and line.status is not LineStatus.CANCELLED
                    and line.unallocated_quantity
                ]
                dated = self._promise(
                    supply, [line for _, line in waiting], after=0, **self._shelf(uow, sku)
                )
                for (order_id, before), after in zip(waiting, dated, strict=True):
                    if before.promised_date == after.promised_date:
                        continue
                    order = current.get(order_id) or next(o for o in live if o.order_id == order_id)
                    current[order_id] = order.evolve(
                        lines=tuple(
                            after if x.line_id == before.line_id else x for x in order.lines
                        )
                    )
                    if after.promised_date is None or (
                        before.promised_date is not None
                        and after.promised_date > before.promised_date
                    ):
                        later.add(order_id)
                    events.append(
                        self._event(
                            ShipDatePromised,
                            order_id=order_id,
                            line_id=before.line_id,
                            previous=before.promised_date,
                            current=after.promised_date,
                        )
                    )
            stored = {o.order_id: o for o in live}
            changed = []
            for order_id, order in current.items():
                saved = order.evolve(version=stored[order_id].version + 1)
                uow.orders.update(saved, expected_version=stored[order_id].version)
                changed.append(saved)
                if order_id in later:
                    data = promised_data(saved) or {"promised_ship_date": ""}
                    self._tell_customer(
                        uow,
                        saved,
                        "delivery_delayed",
                        events,
                        {**data, "cancel_reason": "delivery_too_slow"},
                    )
            return tuple(changed)

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
            self._sweep(uow, [sku], events, self.clock.now())
            position = uow.stock.get(sku, location_id)
            if quantity > position.free:
                raise InsufficientStock(
                    sku=sku, location_id=location_id, requested=quantity, available=position.free
                )
            position, _ = self._book(
                uow, position, -quantity, MovementReason.POS_SALE, f"receipt {receipt}"
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
            return position

        return self._run(work)

    def adjust_stock(
        self,
        sku: str,
        location_id: str,
        quantity: int,
        *,
        reason: MovementReason = MovementReason.ADJUSTMENT,
        reference: str | None = None,
    ) -> StockPosition:
        """Book a counted difference, damage or write-off: on-hand changes by ``quantity``.

        ``quantity`` is signed and not zero. ``reason`` is ``ADJUSTMENT``
        (default) or ``RETURN`` (goods back on the shelf). A decrease may only
        take units that are not reserved or allocated, else
        :class:`~omskit.errors.InsufficientStock` and nothing changes.
        """
        _check_id(sku, "sku")
        _check_id(location_id, "location_id")
        _check_signed(quantity)
        if reason not in (MovementReason.ADJUSTMENT, MovementReason.RETURN):
            raise InvalidInput(
                "must be MovementReason.ADJUSTMENT or MovementReason.RETURN (receipts, sales, "
                "transfers and corrections have their own operations)",
                path="reason",
                value=reason,
            )
        _check_reference(reference)

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> StockPosition:
            uow.products.get(sku)
            uow.locations.get(location_id)
            self._sweep(uow, [sku], events, self.clock.now())
            return self._adjust(uow, sku, location_id, quantity, reason, reference, events)

        return self._run(work)

    def _adjust(
        self,
        uow: UnitOfWork,
        sku: str,
        location_id: str,
        quantity: int,
        reason: MovementReason,
        reference: str | None,
        events: list[DomainEvent],
        *,
        corrects: str | None = None,
    ) -> StockPosition:
        position = uow.stock.get(sku, location_id)
        if -quantity > position.free:
            raise InsufficientStock(
                sku=sku, location_id=location_id, requested=-quantity, available=position.free
            )
        moved, movement = self._book(uow, position, quantity, reason, reference, corrects=corrects)
        events.append(
            self._event(
                StockAdjusted,
                sku=sku,
                location_id=location_id,
                quantity=quantity,
                on_hand=moved.on_hand,
                reason=reason.value,
                movement_id=movement.movement_id,
                reference=reference,
            )
        )
        return moved

    def transfer_stock(
        self,
        sku: str,
        from_location_id: str,
        to_location_id: str,
        quantity: int,
        *,
        reference: str | None = None,
    ) -> tuple[StockPosition, StockPosition]:
        """Move ``quantity`` free units of ``sku`` from one location to another.

        Two ledger entries (``TRANSFER_OUT`` and ``TRANSFER_IN``) in one unit
        of work; returns both new positions. Only free units move
        (:class:`~omskit.errors.InsufficientStock` otherwise). For stock that
        travels for days, book the transfer when it arrives and report it as
        in-transit supply meanwhile.
        """
        _check_id(sku, "sku")
        _check_id(from_location_id, "from_location_id")
        _check_id(to_location_id, "to_location_id")
        _check_quantity(quantity)
        _check_reference(reference)
        if from_location_id == to_location_id:
            raise InvalidInput(
                "must differ from from_location_id", path="to_location_id", value=to_location_id
            )

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> tuple[StockPosition, StockPosition]:
            uow.products.get(sku)
            uow.locations.get(from_location_id)
            uow.locations.get(to_location_id)
            self._sweep(uow, [sku], events, self.clock.now())
            ref = reference or f"transfer {from_location_id} -> {to_location_id}"
            out = self._adjust(
                uow, sku, from_location_id, -quantity, MovementReason.TRANSFER_OUT, ref, events
            )
            into = self._adjust(
                uow, sku, to_location_id, quantity, MovementReason.TRANSFER_IN, ref, events
            )
            return out, into

        return self._run(work)

    def correct_movement(self, movement_id: str, *, reference: str | None = None) -> StockMovement:
        """Reverse a ledger entry by appending its opposite; history is never edited.

        The correction entry names the movement it reverses (``corrects``).
        A movement is corrected at most once, and a correction is not itself
        corrected (book a new movement instead): both raise
        :class:`~omskit.errors.InvalidInput`. Undoing a receipt whose units
        are reserved raises :class:`~omskit.errors.InsufficientStock`.
        """
        _check_id(movement_id, "movement_id")
        _check_reference(reference)

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> StockMovement:
            original = uow.ledger.get(movement_id)
            if original.reason is MovementReason.CORRECTION:
                raise InvalidInput(
                    "is itself a correction; book a new movement instead",
                    path="movement_id",
                    value=movement_id,
                )
            history = uow.ledger.for_key(original.sku, original.location_id)
            if any(m.corrects == movement_id for m in history):
                raise InvalidInput(
                    "has already been corrected", path="movement_id", value=movement_id
                )
            self._sweep(uow, [original.sku], events, self.clock.now())
            self._adjust(
                uow,
                original.sku,
                original.location_id,
                -original.quantity,
                MovementReason.CORRECTION,
                reference or f"corrects {movement_id}",
                events,
                corrects=movement_id,
            )
            return uow.ledger.for_key(original.sku, original.location_id)[-1]

        return self._run(work)

    def stock_position(self, sku: str, location_id: str) -> StockPosition:
        """The stock position of ``sku`` at ``location_id`` (zero if never stocked)."""
        _check_id(sku, "sku")
        _check_id(location_id, "location_id")
        with self._read() as uow:
            uow.products.get(sku)
            uow.locations.get(location_id)
            return uow.stock.get(sku, location_id)

    def stock_ledger(self, sku: str, location_id: str) -> Sequence[StockMovement]:
        """The ledger entries of ``sku`` at ``location_id``, oldest first.

        Their quantities always add up to the position's on-hand stock.
        """
        _check_id(sku, "sku")
        _check_id(location_id, "location_id")
        with self._read() as uow:
            uow.products.get(sku)
            uow.locations.get(location_id)
            return uow.ledger.for_key(sku, location_id)


def _check_reference(reference: object) -> None:
    if reference is not None and (not isinstance(reference, str) or not reference.strip()):
        raise InvalidInput("must be a non-blank string", path="reference", value=reference)


def _check_signed(quantity: object) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity == 0:
        raise InvalidInput("must be a non-zero integer", path="quantity", value=quantity)
    return quantity
