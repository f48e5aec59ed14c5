"""Warehouse and carrier milestones: release, pick, pack, ship, deliver."""

from collections.abc import Sequence
from typing import Any

import attrs

from omskit.errors import InvalidInput
from omskit.events import (
    DomainEvent,
    OrderReleased,
    ShipmentStatusChanged,
)
from omskit.lifecycle import (
    order_status_from_shipments,
    rollup_event,
)
from omskit.model import (
    LineStatus,
    MovementReason,
    Order,
    OrderLine,
    OrderStatus,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
)
from omskit.ports import (
    UnitOfWork,
)
from omskit.service._base import ServiceBase, _check_id

__all__ = ["FulfilmentOperations"]


class FulfilmentOperations(ServiceBase):
    """Warehouse and carrier milestones: release, pick, pack, ship, deliver."""

    # ------------------------------------------------------------------ warehouse

    def release_order(self, order_id: str) -> tuple[Shipment, ...]:
        """Hand an allocated order to the warehouse gateway: one shipment per location.

        Reservations turn into allocations (the warehouse now owns the units).
        Backordered units stay behind. Shipment ids are derived from the order
        id (``<order_id>-S1``, ``-S2``, ... by location id), so a retry after a
        failure hands the warehouse the same shipments again; warehouse
        gateways must treat a repeated release of a shipment id as a no-op.
        If the warehouse fails, the shipments it already accepted in this call
        are cancelled again (best effort) and nothing is changed here.
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
                self._allocate_reserved(uow, reservation)
            shipments = tuple(
                Shipment(f"{order_id}-S{number}", order_id, location_id, tuple(lines), now)
                for number, (location_id, lines) in enumerate(sorted(by_location.items()), 1)
            )
            for shipment in shipments:
                uow.shipments.add(shipment)
            lines = tuple(
                self._line_to(order_id, line, LineStatus.RELEASED)
                if line.allocations and line.unallocated_quantity == 0
                else line
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
            self._hand_to_warehouse(shipments, released)
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

    def record_refused(self, shipment_id: str) -> Shipment:
        """The customer refused a shipped parcel, or the carrier sends it back undelivered.

        The shipment ends ``refused``; when every live shipment of the order
        is refused, the order ends ``refused`` too. The goods come back
        through the return procedure; this records the outcome only.
        """
        return self._shipment_event(shipment_id, "refuse")

    def _shipment_event(self, shipment_id: str, event: str, **extra: Any) -> Shipment:
        _check_id(shipment_id, "shipment_id")

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> Shipment:
            shipment = uow.shipments.get(shipment_id)
            target = self._shipment_to(shipment, event)
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
            self._book(
                uow,
                uow.stock.get(line.sku, shipment.location_id),
                -line.quantity,
                MovementReason.SHIPMENT,
                f"shipment {shipment.shipment_id}",
                allocated=-line.quantity,
            )

    def _roll_up(
        self, uow: UnitOfWork, order: Order, updated: Shipment, events: list[DomainEvent]
    ) -> None:
        shipments = [
            updated if s.shipment_id == updated.shipment_id else s
            for s in uow.shipments.for_order(order.order_id)
        ]
        lines = tuple(self._line_after_shipments(order, line, shipments) for line in order.lines)
        target = order_status_from_shipments(s.status for s in shipments)
        waiting = any(line.unallocated_quantity for line in lines)
        if waiting and target in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
            # Backordered units are still to come: the order is not done.
            target = OrderStatus.PARTIALLY_SHIPPED
        if target is order.status:
            if lines == order.lines:
                return
            changed = order.evolve(lines=lines, version=order.version + 1)
        else:
            changed = self._transition(order, rollup_event(target), events, lines=lines)
        uow.orders.update(changed, expected_version=order.version)

    def _line_after_shipments(
        self, order: Order, line: OrderLine, shipments: Sequence[Shipment]
    ) -> OrderLine:
        """``line`` as its shipments leave it: shipped units counted, status rolled up."""
        shipped_states = (ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED, ShipmentStatus.REFUSED)
        holding = [s for s in shipments if s.quantity_of(line.line_id)]
        if not holding:
            return line
        shipped = sum(s.quantity_of(line.line_id) for s in holding if s.status in shipped_states)
        status = line.status
        if shipped == line.quantity:
            delivered = all(s.status is ShipmentStatus.DELIVERED for s in holding)
            status = LineStatus.DELIVERED if delivered else LineStatus.SHIPPED
        elif shipped:
            status = LineStatus.PARTIALLY_SHIPPED
        return self._line_to(order.order_id, line, status, shipped_quantity=shipped)
