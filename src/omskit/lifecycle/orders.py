"""The order and shipment lifecycles of omskit, as transition tables.

The order's status after release is a roll-up of its shipments (see
:func:`order_status_from_shipments`): picking any shipment moves the order to
``picking``, the point of no return (D1).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from omskit.errors import InvalidInput
from omskit.lifecycle.table import TransitionTable
from omskit.model import OrderStatus, ShipmentStatus

__all__ = [
    "ORDER_LIFECYCLE",
    "POINT_OF_NO_RETURN",
    "SHIPMENT_LIFECYCLE",
    "order_status_from_shipments",
    "rollup_event",
]

OS = OrderStatus
SS = ShipmentStatus

ORDER_LIFECYCLE: Final[TransitionTable[OrderStatus]] = TransitionTable.build(
    "order",
    initial=OS.CREATED,
    rows=[
        (OS.CREATED, "allocate", OS.ALLOCATED),
        (OS.CREATED, "backorder", OS.BACKORDERED),
        (OS.BACKORDERED, "allocate", OS.ALLOCATED),
        (OS.ALLOCATED, "release", OS.RELEASED),
        (OS.RELEASED, "start_picking", OS.PICKING),
        ((OS.RELEASED, OS.PICKING), "pack", OS.PACKED),
        ((OS.RELEASED, OS.PICKING, OS.PACKED), "ship_partially", OS.PARTIALLY_SHIPPED),
        ((OS.RELEASED, OS.PICKING, OS.PACKED, OS.PARTIALLY_SHIPPED), "ship", OS.SHIPPED),
        (
            (OS.RELEASED, OS.PICKING, OS.PACKED, OS.PARTIALLY_SHIPPED, OS.SHIPPED),
            "deliver",
            OS.DELIVERED,
        ),
        ((OS.CREATED, OS.ALLOCATED, OS.BACKORDERED, OS.RELEASED), "cancel", OS.CANCELLED),
        (OS.DELIVERED, "return", OS.RETURNED),
    ],
    terminal=[OS.CANCELLED, OS.RETURNED],
)
"""The order lifecycle (C1-C3, D1)."""

SHIPMENT_LIFECYCLE: Final[TransitionTable[ShipmentStatus]] = TransitionTable.build(
    "shipment",
    initial=SS.RELEASED,
    rows=[
        (SS.RELEASED, "start_picking", SS.PICKING),
        (SS.PICKING, "pack", SS.PACKED),
        (SS.PACKED, "ship", SS.SHIPPED),
        (SS.SHIPPED, "deliver", SS.DELIVERED),
        (SS.RELEASED, "cancel", SS.CANCELLED),
        (SS.DELIVERED, "return", SS.RETURNED),
    ],
    terminal=[SS.CANCELLED, SS.RETURNED],
)
"""The shipment lifecycle (warehouse and carrier milestones, C3)."""

POINT_OF_NO_RETURN: Final = OS.PICKING
"""From this order status on, a cancel cannot simply happen (D1, D2)."""

_ROLLUP_EVENT: Final = {
    OS.PICKING: "start_picking",
    OS.PACKED: "pack",
    OS.PARTIALLY_SHIPPED: "ship_partially",
    OS.SHIPPED: "ship",
    OS.DELIVERED: "deliver",
}


def order_status_from_shipments(statuses: Iterable[ShipmentStatus]) -> OrderStatus:
    """The order status implied by the statuses of its live shipments.

    Cancelled shipments are ignored. All delivered: ``delivered``; all shipped
    or delivered: ``shipped``; some shipped: ``partially_shipped``; all packed:
    ``packed``; any picking or packed: ``picking``; otherwise ``released``.
    """
    live = [s for s in statuses if s is not SS.CANCELLED]
    if not live:
        return OS.RELEASED
    shipped = {SS.SHIPPED, SS.DELIVERED, SS.RETURNED}
    if all(s in (SS.DELIVERED, SS.RETURNED) for s in live):
        return OS.DELIVERED
    if all(s in shipped for s in live):
        return OS.SHIPPED
    if any(s in shipped for s in live):
        return OS.PARTIALLY_SHIPPED
    if all(s is SS.PACKED for s in live):
        return OS.PACKED
    if any(s in (SS.PICKING, SS.PACKED) for s in live):
        return OS.PICKING
    return OS.RELEASED


def rollup_event(status: OrderStatus) -> str:
    """The order event that moves an order into the roll-up ``status``.

    Raises :class:`~omskit.errors.InvalidInput` for a status the roll-up never
    moves into (``released`` is where it starts, not a move).
    """
    try:
        return _ROLLUP_EVENT[status]
    except KeyError:
        raise InvalidInput(
            f"is not a status the shipment roll-up moves an order into: {status!r}",
            path="status",
            value=status,
        ) from None
