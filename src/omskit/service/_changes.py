"""Changing an order after it was placed: another delivery address, another product (C6, D2)."""

import contextlib

import attrs

from omskit.errors import AlreadyExists, ChangeRefused, InvalidInput, NotFound
from omskit.events import CancelOfferTaken, DeliveryChanged, DomainEvent, LineAdded
from omskit.model import (
    Address,
    CancelAlternative,
    CancellationRecord,
    Delivery,
    DeliveryMethod,
    LineStatus,
    Order,
    OrderLine,
    OrderLineRequest,
    OrderStatus,
    Shipment,
    ShipmentStatus,
)
from omskit.ports import UnitOfWork
from omskit.service._base import _check_id, _require
from omskit.service._cancel import CancelOperations
from omskit.service._orders import OrderOperations

__all__ = ["OrderChangeOperations"]

_REROUTABLE = frozenset(
    {
        OrderStatus.CREATED,
        OrderStatus.ON_HOLD,
        OrderStatus.ALLOCATED,
        OrderStatus.BACKORDERED,
        OrderStatus.PRE_ORDERED,
    }
)
"""Nothing is at the warehouse yet: a new address may route the stock anew."""
_AT_THE_WAREHOUSE = frozenset({OrderStatus.RELEASED, OrderStatus.PICKING, OrderStatus.PACKED})
"""The parcels are in the warehouse's hands: it must redirect them."""
_LINES_MAY_BE_ADDED = _REROUTABLE | {OrderStatus.RELEASED, OrderStatus.PICKING}
"""A packed order is closed; before that a new line ships in a shipment of its own."""
_LIVE_SHIPMENTS = frozenset(
    {ShipmentStatus.RELEASED, ShipmentStatus.PICKING, ShipmentStatus.PACKED}
)


class OrderChangeOperations(OrderOperations, CancelOperations):
    """Another delivery address or another product while the parcel has not left; offers taken."""

    def change_delivery_address(self, order_id: str, address: Address) -> Order:
        """Deliver an order somewhere else, as long as nothing has shipped (C6, D2).

        Before release the order is routed again for the new address (its
        reservations are released and taken anew, so it never ends up with
        less stock than before). Once the warehouse has the shipments, each
        one is redirected through the warehouse gateway; if the warehouse
        refuses one (its label is printed), the ones already redirected are
        sent back to the old address and
        :class:`~omskit.errors.ChangeRefused` is raised. A shipped, cancelled
        or returned order raises ``ChangeRefused`` too, and a click & collect
        order :class:`~omskit.errors.InvalidInput` (its delivery method, not
        an address, would have to change). Nothing changes on an error.
        """
        _check_id(order_id, "order_id")
        _require(address, Address, "address")

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> Order:
            return self._change_address(uow, uow.orders.get(order_id), address, events)

        return self._run(work)

    def change_delivery(self, order_id: str, delivery: Delivery) -> Order:
        """Deliver an order another way: ship it instead, or collect it elsewhere (C6).

        Shipping to another address is :meth:`change_delivery_address`. A new
        delivery method or pickup store can be chosen until the order is
        released to the warehouse: the order is routed again for it, as for
        a new address. From release on :class:`~omskit.errors.ChangeRefused`
        is raised (the warehouse prepares the parcel for one way of
        delivery). The pickup location must exist
        (:class:`~omskit.errors.NotFound`), serve the order's channel and offer
        click & collect (:class:`~omskit.errors.InvalidInput`). The same
        delivery again changes nothing. Nothing changes on an error.
        """
        _check_id(order_id, "order_id")
        _require(delivery, Delivery, "delivery")

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> Order:
            order = uow.orders.get(order_id)
            if delivery == order.delivery:
                return order
            self._check_pickup(uow, order.channel, delivery)
            return self._change_delivery(uow, order, delivery, events)

        return self._run(work)

    def add_order_line(self, order_id: str, line: OrderLineRequest) -> Order:
        """Add a product to an order that is not packed yet (D2's "add a product").

        The new line is routed on its own and reserved; when the order is
        already at the warehouse, its units go there in a shipment of their
        own (``<order_id>-S<n>``). What no location can supply is
        backordered. Raises :class:`~omskit.errors.ChangeRefused` from
        packing on, :class:`~omskit.errors.NotFound` for an unknown product,
        :class:`~omskit.errors.InvalidInput` for a price in another currency.
        """
        _check_id(order_id, "order_id")
        _require(line, OrderLineRequest, "line")

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> Order:
            return self._add_line(uow, uow.orders.get(order_id), line, events)

        return self._run(work)

    def accept_cancel_offer(
        self,
        record_id: str,
        offer: CancelAlternative | str,
        *,
        by: str,
        address: Address | None = None,
        line: OrderLineRequest | None = None,
    ) -> CancellationRecord:
        """Take one of the alternatives a refused cancel offered (D2); returns the follow-up record.

        ``record_id`` is the refused attempt (its
        :class:`~omskit.model.CancellationRecord`), ``offer`` one of the
        alternatives it offered:

        - ``change_address`` (give ``address``): as :meth:`change_delivery_address`;
        - ``add_product`` (give ``line``): as :meth:`add_order_line`;
        - ``store_credit``: the requested lines' value plus the bonus, as
          when it was offered, is granted (the follow-up record carries it as
          ``credit``); the order goes on and its refund, if the goods come
          back, is this credit;
        - ``return``: the customer agreed to take delivery and return the
          goods; the order goes on.

        The follow-up is appended to the cancellation log in the same unit
        of work (so :meth:`cancellation_report` counts the saved sale) with a
        ``CancelOfferTaken`` event. An attempt's offers can be taken once.
        Raises :class:`~omskit.errors.NotFound` for an unknown record,
        :class:`~omskit.errors.InvalidInput` for an offer the attempt did not
        make or a missing detail, :class:`~omskit.errors.AlreadyExists` when
        one was taken already, and what the change itself raises.
        """
        _check_id(record_id, "record_id")
        _check_id(by, "by")
        try:
            kind = CancelAlternative(offer)
        except ValueError:
            known = ", ".join(a.value for a in CancelAlternative)
            raise InvalidInput(f"must be one of {known}", path="offer", value=offer) from None
        if kind is CancelAlternative.CHANGE_ADDRESS:
            _require(address, Address, "address")
        elif address is not None:
            raise InvalidInput("is only for change_address", path="address")
        if kind is CancelAlternative.ADD_PRODUCT:
            _require(line, OrderLineRequest, "line")
        elif line is not None:
            raise InvalidInput("is only for add_product", path="line")

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> CancellationRecord:
            records = uow.cancellations.list()
            attempt = next((r for r in records if r.record_id == record_id), None)
            if attempt is None or attempt.is_follow_up:
                raise NotFound(kind="refused cancel attempt", key=record_id, path="record_id")
            if attempt.accepted or kind not in attempt.alternatives:
                offered = ", ".join(a.value for a in attempt.alternatives) or "nothing"
                raise InvalidInput(
                    f"was not offered by {record_id!r} (it offered {offered})",
                    path="offer",
                    value=kind.value,
                )
            if any(r.follows == record_id for r in records):
                raise AlreadyExists(kind="offer taken after", key=record_id)
            order = uow.orders.get(attempt.order_id)
            credit = None
            if kind is CancelAlternative.CHANGE_ADDRESS:
                assert address is not None
                order = self._change_address(uow, order, address, events)
            elif kind is CancelAlternative.ADD_PRODUCT:
                assert line is not None
                order = self._add_line(uow, order, line, events)
            elif kind is CancelAlternative.STORE_CREDIT:
                lines = attempt.line_ids or tuple(
                    x.line_id for x in order.lines if x.status is not LineStatus.CANCELLED
                )
                _, credit = self._store_credit(order, lines)
            follow_up = attrs.evolve(
                attempt,
                record_id=self.ids.new_id("CX-"),
                stage=order.status.value,
                requested_by=by,
                at=self.clock.now(),
                note=None,
                refusal=None,
                alternatives=(),
                follows=record_id,
                taken=kind,
                credit=credit,
            )
            uow.cancellations.add(follow_up)
            events.append(
                self._event(
                    CancelOfferTaken,
                    order_id=order.order_id,
                    record_id=follow_up.record_id,
                    follows=record_id,
                    offer=kind.value,
                )
            )
            return follow_up

        return self._run(work)

    # ------------------------------------------------------------------ the work

    def _change_address(
        self, uow: UnitOfWork, order: Order, address: Address, events: list[DomainEvent]
    ) -> Order:
        if order.delivery.method is DeliveryMethod.COLLECT:
            raise InvalidInput(
                f"order {order.order_id!r} is collected at "
                f"{order.delivery.pickup_location_id!r}; it has no delivery address to change",
                path="address",
            )
        return self._change_delivery(uow, order, Delivery.ship_to(address), events)

    def _change_delivery(
        self, uow: UnitOfWork, order: Order, delivery: Delivery, events: list[DomainEvent]
    ) -> Order:
        same_way = order.delivery.method is delivery.method is DeliveryMethod.SHIP
        if order.status in _REROUTABLE:
            for reservation in uow.reservations.for_order(order.order_id):
                self._release(uow, reservation, "rerouted", events)
            open_lines = [x for x in order.lines if x.status is not LineStatus.CANCELLED]
            moved = order.evolve(delivery=delivery, lines=open_lines)
            decision = self._route(uow, moved)
            routed = {
                x.line_id: x for x in self._reserve_routed(uow, moved, open_lines, decision, events)
            }
            changes = {
                "delivery": delivery,
                "lines": tuple(routed.get(x.line_id, x) for x in order.lines),
                "routing": self._routing_record(decision),
            }
            changed = self._rolled_up(order, events, **changes)
            redirected: tuple[str, ...] = ()
        elif order.status in _AT_THE_WAREHOUSE and not same_way:
            raise ChangeRefused(
                order_id=order.order_id,
                stage=order.status.value,
                reason="the warehouse already prepares it for "
                + ("shipping" if order.delivery.method is DeliveryMethod.SHIP else "collection")
                + "; the delivery method can change only before release",
            )
        elif order.status in _AT_THE_WAREHOUSE and delivery.address is not None:
            live = [
                s for s in uow.shipments.for_order(order.order_id) if s.status in _LIVE_SHIPMENTS
            ]
            self._redirect(order, live, delivery.address)
            changed = order.evolve(delivery=delivery, version=order.version + 1)
            redirected = tuple(s.shipment_id for s in live)
        else:
            raise ChangeRefused(
                order_id=order.order_id,
                stage=order.status.value,
                reason="the parcel has left the warehouse"
                if order.status not in (OrderStatus.CANCELLED, OrderStatus.RETURNED)
                else f"the order is {order.status.value}",
            )
        uow.orders.update(changed, expected_version=order.version)
        events.append(
            self._event(
                DeliveryChanged,
                order_id=order.order_id,
                rerouted=order.status in _REROUTABLE,
                shipment_ids=redirected,
            )
        )
        return changed

    def _redirect(self, order: Order, shipments: list[Shipment], address: Address) -> None:
        old = order.delivery.address
        done: list[Shipment] = []

        def send_back() -> None:
            if old is None:  # pragma: no cover - a shipped order always has an address
                return
            for shipment in done:
                with contextlib.suppress(Exception):
                    self.warehouse.redirect(shipment.shipment_id, old)

        for shipment in shipments:
            try:
                accepted = self.warehouse.redirect(shipment.shipment_id, address)
            except Exception:
                send_back()
                raise
            if not accepted:
                send_back()
                raise ChangeRefused(
                    order_id=order.order_id,
                    stage=order.status.value,
                    reason=f"the warehouse has already labelled {shipment.shipment_id}",
                )
            done.append(shipment)

    def _add_line(
        self, uow: UnitOfWork, order: Order, request: OrderLineRequest, events: list[DomainEvent]
    ) -> Order:
        if order.status not in _LINES_MAY_BE_ADDED:
            raise ChangeRefused(
                order_id=order.order_id,
                stage=order.status.value,
                reason="a product can be added only until the order is packed",
            )
        if request.unit_price.currency != order.currency:
            raise InvalidInput(
                f"is in {request.unit_price.currency}, the order in {order.currency}",
                path="line.unit_price",
            )
        if uow.products.find(request.sku) is None:
            raise NotFound(kind="product", key=request.sku, path="line.sku")
        taken = {line.line_id for line in order.lines}
        number = len(order.lines) + 1
        while str(number) in taken:  # pragma: no cover - line ids are numbered 1, 2, ...
            number += 1
        new = OrderLine.from_request(str(number), request)
        alone = order.evolve(lines=(new,))
        decision = self._route(uow, alone)
        (routed,) = self._reserve_routed(uow, order, [new], decision, events)
        shipments: tuple[Shipment, ...] = ()
        if order.status in _AT_THE_WAREHOUSE and routed.allocations:
            shipments = self._ship_separately(uow, order, routed, routed.allocations)
            if routed.unallocated_quantity == 0:
                routed = self._line_to(order.order_id, routed, LineStatus.RELEASED)
        lines = (*order.lines, routed)
        changed = self._rolled_up(order, events, lines=lines)
        uow.orders.update(changed, expected_version=order.version)
        events.append(
            self._event(
                LineAdded,
                order_id=order.order_id,
                line_id=new.line_id,
                sku=new.sku,
                quantity=new.quantity,
            )
        )
        self._hand_to_warehouse(shipments, changed)
        return changed
