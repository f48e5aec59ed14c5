"""Cancelling an order before the point of no return, and giving its stock back (A5, D1)."""

import contextlib

import attrs

from omskit.errors import CancelRefused
from omskit.events import DomainEvent, ShipmentStatusChanged
from omskit.lifecycle import SHIPMENT_LIFECYCLE
from omskit.model import LineStatus, Order, Shipment, ShipmentStatus
from omskit.ports import UnitOfWork
from omskit.service._base import ServiceBase, _check_id

__all__ = ["CancelOperations"]


class CancelOperations(ServiceBase):
    """Cancelling a whole order before picking starts."""

    def cancel_order(self, order_id: str) -> Order:
        """Cancel a whole order before the point of no return and release its stock.

        Allowed while the order lifecycle allows the ``cancel`` event
        (created, allocated, backordered, released); from picking on the
        table refuses it with :class:`~omskit.errors.IllegalTransition`.
        Every reservation of the order is released (``StockReleased``, why
        ``cancelled``). A released order's shipments are stopped at the
        warehouse first and their allocated units return to free stock; if
        the warehouse refuses one because picking already began (the race of
        D1), :class:`~omskit.errors.CancelRefused` is raised, the shipments it
        had already stopped are released to it again, and nothing changes.
        """
        _check_id(order_id, "order_id")

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> Order:
            order = uow.orders.get(order_id)
            cancelled = self._transition(order, "cancel", events)
            live = [
                s for s in uow.shipments.for_order(order_id) if s.status is ShipmentStatus.RELEASED
            ]
            self._stop_at_warehouse(order, live)
            for shipment in live:
                self._cancel_shipment(uow, shipment, events)
            for reservation in uow.reservations.for_order(order_id):
                self._release(uow, reservation, "cancelled", events)
            lines = tuple(attrs.evolve(line, status=LineStatus.CANCELLED) for line in order.lines)
            cancelled = cancelled.evolve(lines=lines)
            uow.orders.update(cancelled, expected_version=order.version)
            return cancelled

        return self._run(work)

    def _stop_at_warehouse(self, order: Order, shipments: list[Shipment]) -> None:
        stopped: list[Shipment] = []
        for shipment in shipments:
            try:
                accepted = self.warehouse.cancel(shipment.shipment_id)
            except Exception:
                self._re_release(order, stopped)
                raise
            if not accepted:
                self._re_release(order, stopped)
                raise CancelRefused(
                    order_id=order.order_id,
                    stage=order.status.value,
                    reason=f"the warehouse has already started picking {shipment.shipment_id}",
                )
            stopped.append(shipment)

    def _re_release(self, order: Order, shipments: list[Shipment]) -> None:
        for shipment in shipments:
            with contextlib.suppress(Exception):
                self.warehouse.release(shipment, order)

    def _cancel_shipment(
        self, uow: UnitOfWork, shipment: Shipment, events: list[DomainEvent]
    ) -> None:
        target = SHIPMENT_LIFECYCLE.target(
            shipment.status, "cancel", entity_id=shipment.shipment_id
        )
        for line in shipment.lines:
            position = uow.stock.get(line.sku, shipment.location_id)
            uow.stock.save(position.moved(allocated=-line.quantity))
        uow.shipments.update(attrs.evolve(shipment, status=target))
        events.append(
            self._event(
                ShipmentStatusChanged,
                shipment_id=shipment.shipment_id,
                order_id=shipment.order_id,
                previous=shipment.status,
                current=target,
                tracking_number=shipment.tracking_number,
            )
        )
