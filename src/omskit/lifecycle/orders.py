"""The order, order line, shipment and return lifecycles of omskit, as transition tables.

The order's status after release is a roll-up of its shipments (see
:func:`order_status_from_shipments`): picking any shipment moves the order to
``picking``, the point of no return (D1).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

import attrs

from omskit.errors import DefinitionError, InvalidInput
from omskit.lifecycle.table import TransitionTable, guard
from omskit.model import LineStatus, Order, OrderLine, OrderStatus, ReturnStatus, ShipmentStatus

__all__ = [
    "LINE_LIFECYCLE",
    "ORDER_LIFECYCLE",
    "POINT_OF_NO_RETURN",
    "RETURN_LIFECYCLE",
    "SHIPMENT_LIFECYCLE",
    "Lifecycles",
    "has_holds",
    "line_event",
    "no_holds",
    "nothing_allocated",
    "order_event_for_lines",
    "order_status_from_shipments",
    "rollup_event",
    "some_line_allocated",
    "waits_for_release",
    "waits_for_supply",
]

OS = OrderStatus
LS = LineStatus
SS = ShipmentStatus
RS = ReturnStatus

# --- guards on the order (asked with the order as the transition would leave it) ---------


@guard("no order check holds the order")
def no_holds(order: Order) -> bool:
    """Whether no hold keeps the order back (``Order.holds`` is empty)."""
    return not order.holds


@guard("an order check holds the order")
def has_holds(order: Order) -> bool:
    """Whether some hold keeps the order back."""
    return bool(order.holds)


@guard("some line has units allocated")
def some_line_allocated(order: Order) -> bool:
    """Whether some live line has units allocated to a location."""
    return any(line.allocations for line in _live(order))


@guard("no line has units allocated")
def nothing_allocated(order: Order) -> bool:
    """Whether no live line has units allocated."""
    return not any(line.allocations for line in _live(order))


@guard("some line waits for supply")
def waits_for_supply(order: Order) -> bool:
    """Whether some live line is backordered (waits for stock, not for a release date)."""
    return any(line.status is LS.BACKORDERED for line in _live(order))


@guard("every waiting line waits for a release date")
def waits_for_release(order: Order) -> bool:
    """Whether the order waits, and only for products' release dates (a pre-order)."""
    waiting = [line for line in _live(order) if line.unallocated_quantity]
    return bool(waiting) and all(line.status is LS.PRE_ORDERED for line in waiting)


def _live(order: Order) -> list[OrderLine]:
    return [line for line in order.lines if line.status is not LS.CANCELLED]


ORDER_LIFECYCLE: Final[TransitionTable[OrderStatus]] = TransitionTable.build(
    "order",
    initial=OS.CREATED,
    rows=[
        ((OS.CREATED, OS.ON_HOLD), "validate", OS.VALIDATED, [no_holds]),
        (OS.CREATED, "hold", OS.ON_HOLD, [has_holds]),
        (
            (OS.VALIDATED, OS.BACKORDERED, OS.PRE_ORDERED),
            "allocate",
            OS.ALLOCATED,
            [some_line_allocated],
        ),
        (
            (OS.VALIDATED, OS.ALLOCATED, OS.PRE_ORDERED),
            "backorder",
            OS.BACKORDERED,
            [nothing_allocated, waits_for_supply],
        ),
        (
            (OS.VALIDATED, OS.ALLOCATED),
            "pre_order",
            OS.PRE_ORDERED,
            [nothing_allocated, waits_for_release],
        ),
        (OS.ALLOCATED, "release", OS.RELEASED, [some_line_allocated]),
        (OS.RELEASED, "start_picking", OS.PICKING),
        ((OS.RELEASED, OS.PICKING), "pack", OS.PACKED),
        ((OS.RELEASED, OS.PICKING, OS.PACKED), "ship_partially", OS.PARTIALLY_SHIPPED),
        ((OS.RELEASED, OS.PICKING, OS.PACKED, OS.PARTIALLY_SHIPPED), "ship", OS.SHIPPED),
        (
            (OS.RELEASED, OS.PICKING, OS.PACKED, OS.PARTIALLY_SHIPPED, OS.SHIPPED),
            "deliver",
            OS.DELIVERED,
        ),
        ((OS.PARTIALLY_SHIPPED, OS.SHIPPED), "refuse", OS.REFUSED),
        (
            (
                OS.CREATED,
                OS.VALIDATED,
                OS.ON_HOLD,
                OS.ALLOCATED,
                OS.BACKORDERED,
                OS.PRE_ORDERED,
                OS.RELEASED,
            ),
            "cancel",
            OS.CANCELLED,
        ),
        (OS.DELIVERED, "return", OS.RETURNED),
    ],
    terminal=[OS.CANCELLED, OS.RETURNED, OS.REFUSED],
)
"""The order lifecycle (C1-C3, D1). ``delivered`` is not terminal: a return may follow."""

LINE_LIFECYCLE: Final[TransitionTable[LineStatus]] = TransitionTable.build(
    "order line",
    initial=LS.OPEN,
    rows=[
        (
            (LS.OPEN, LS.PARTIALLY_ALLOCATED, LS.BACKORDERED, LS.PRE_ORDERED),
            "allocate",
            LS.ALLOCATED,
        ),
        (
            (LS.OPEN, LS.ALLOCATED, LS.BACKORDERED, LS.PRE_ORDERED),
            "allocate_partially",
            LS.PARTIALLY_ALLOCATED,
        ),
        (
            (LS.OPEN, LS.ALLOCATED, LS.PARTIALLY_ALLOCATED, LS.PRE_ORDERED),
            "backorder",
            LS.BACKORDERED,
        ),
        ((LS.OPEN, LS.ALLOCATED, LS.PARTIALLY_ALLOCATED), "pre_order", LS.PRE_ORDERED),
        (LS.ALLOCATED, "release", LS.RELEASED),
        ((LS.RELEASED, LS.PARTIALLY_ALLOCATED), "ship_partially", LS.PARTIALLY_SHIPPED),
        ((LS.RELEASED, LS.PARTIALLY_SHIPPED), "ship", LS.SHIPPED),
        (LS.SHIPPED, "deliver", LS.DELIVERED),
        (
            (
                LS.OPEN,
                LS.ALLOCATED,
                LS.PARTIALLY_ALLOCATED,
                LS.BACKORDERED,
                LS.PRE_ORDERED,
                LS.RELEASED,
            ),
            "cancel",
            LS.CANCELLED,
        ),
    ],
    terminal=[LS.CANCELLED, LS.DELIVERED],
)
"""The order line lifecycle; the order's status before release rolls up from it."""

SHIPMENT_LIFECYCLE: Final[TransitionTable[ShipmentStatus]] = TransitionTable.build(
    "shipment",
    initial=SS.RELEASED,
    rows=[
        (SS.RELEASED, "start_picking", SS.PICKING),
        (SS.PICKING, "pack", SS.PACKED),
        (SS.PACKED, "ship", SS.SHIPPED),
        (SS.SHIPPED, "deliver", SS.DELIVERED),
        (SS.SHIPPED, "refuse", SS.REFUSED),
        (SS.RELEASED, "cancel", SS.CANCELLED),
        (SS.DELIVERED, "return", SS.RETURNED),
    ],
    terminal=[SS.CANCELLED, SS.RETURNED, SS.REFUSED],
)
"""The shipment lifecycle (warehouse and carrier milestones, C3)."""

RETURN_LIFECYCLE: Final[TransitionTable[ReturnStatus]] = TransitionTable.build(
    "return",
    initial=RS.REQUESTED,
    rows=[
        (RS.REQUESTED, "ship_back", RS.IN_TRANSIT),
        ((RS.REQUESTED, RS.IN_TRANSIT), "receive", RS.RECEIVED),
        (RS.RECEIVED, "restock", RS.RESTOCKED),
        (RS.RECEIVED, "write_off", RS.WRITTEN_OFF),
        ((RS.RESTOCKED, RS.WRITTEN_OFF), "refund", RS.REFUNDED),
        ((RS.REQUESTED, RS.IN_TRANSIT, RS.RECEIVED), "reject", RS.REJECTED),
    ],
    terminal=[RS.REFUNDED, RS.REJECTED],
)
"""The return lifecycle (I1): back to the shop, inspected, restocked or written off, refunded."""


def _order_table(table: TransitionTable[Any] | None) -> TransitionTable[Any]:
    return ORDER_LIFECYCLE if table is None else table


def _line_table(table: TransitionTable[Any] | None) -> TransitionTable[Any]:
    return LINE_LIFECYCLE if table is None else table


def _shipment_table(table: TransitionTable[Any] | None) -> TransitionTable[Any]:
    return SHIPMENT_LIFECYCLE if table is None else table


def _return_table(table: TransitionTable[Any] | None) -> TransitionTable[Any]:
    return RETURN_LIFECYCLE if table is None else table


@attrs.frozen
class Lifecycles:
    """The transition tables an :class:`~omskit.service.Oms` follows, one per entity.

    Pass your own (usually an omskit table
    :meth:`~omskit.lifecycle.table.TransitionTable.extended` with guards of
    your own) as ``Oms(lifecycles=Lifecycles(order=...))``; a table left out
    (``None``) is omskit's own (:data:`ORDER_LIFECYCLE`,
    :data:`LINE_LIFECYCLE`, :data:`SHIPMENT_LIFECYCLE`,
    :data:`RETURN_LIFECYCLE`). Each table must govern the entity its field
    names and keep every row omskit itself uses, so the service never meets
    a row it cannot find.
    """

    order: TransitionTable[Any] = attrs.field(default=None, converter=_order_table)
    line: TransitionTable[Any] = attrs.field(default=None, converter=_line_table)
    shipment: TransitionTable[Any] = attrs.field(default=None, converter=_shipment_table)
    returns: TransitionTable[Any] = attrs.field(default=None, converter=_return_table)

    def __attrs_post_init__(self) -> None:
        for name, table, base in (
            ("order", self.order, ORDER_LIFECYCLE),
            ("line", self.line, LINE_LIFECYCLE),
            ("shipment", self.shipment, SHIPMENT_LIFECYCLE),
            ("returns", self.returns, RETURN_LIFECYCLE),
        ):
            if not isinstance(table, TransitionTable):
                raise DefinitionError(f"Lifecycles.{name} must be a TransitionTable")
            if table.entity != base.entity or table.initial is not base.initial:
                raise DefinitionError(
                    f"Lifecycles.{name} must govern the {base.entity!r} entity and start at "
                    f"{base.initial.value!r}"
                )
            missing = sorted(
                f"{row.source.value} --{row.event}-->"
                for row in base.transitions
                if table.row(row.source, row.event) is None
            )
            if missing:
                raise DefinitionError(
                    f"Lifecycles.{name} drops rows omskit uses: " + ", ".join(missing)
                )


def order_event_for_lines(lines: Iterable[OrderLine]) -> str:
    """The order event the lines' statuses roll up to before release (C3).

    Some line with units allocated: ``allocate``; every waiting line waiting
    for a release date: ``pre_order``; otherwise ``backorder``.
    """
    live = [line for line in lines if line.status is not LS.CANCELLED]
    if any(line.allocations for line in live):
        return "allocate"
    waiting = [line for line in live if line.unallocated_quantity]
    if waiting and all(line.status is LS.PRE_ORDERED for line in waiting):
        return "pre_order"
    return "backorder"


_LINE_EVENT: Final = {
    LS.ALLOCATED: "allocate",
    LS.PARTIALLY_ALLOCATED: "allocate_partially",
    LS.BACKORDERED: "backorder",
    LS.PRE_ORDERED: "pre_order",
    LS.RELEASED: "release",
    LS.PARTIALLY_SHIPPED: "ship_partially",
    LS.SHIPPED: "ship",
    LS.DELIVERED: "deliver",
    LS.CANCELLED: "cancel",
}


def line_event(status: LineStatus) -> str:
    """The line event that moves a line into ``status``.

    Raises :class:`~omskit.errors.InvalidInput` for ``open``, where lines start.
    """
    try:
        return _LINE_EVENT[status]
    except KeyError:
        raise InvalidInput(
            f"is not a status a line moves into: {status!r}", path="status", value=status
        ) from None


POINT_OF_NO_RETURN: Final = OS.PICKING
"""From this order status on, a cancel cannot simply happen (D1, D2)."""

_ROLLUP_EVENT: Final = {
    OS.PICKING: "start_picking",
    OS.PACKED: "pack",
    OS.PARTIALLY_SHIPPED: "ship_partially",
    OS.SHIPPED: "ship",
    OS.DELIVERED: "deliver",
    OS.REFUSED: "refuse",
}


def order_status_from_shipments(statuses: Iterable[ShipmentStatus]) -> OrderStatus:
    """The order status implied by the statuses of its live shipments.

    Cancelled shipments are ignored. All refused: ``refused``; all delivered
    or refused: ``delivered``; all shipped, delivered or refused: ``shipped``;
    some shipped: ``partially_shipped``; all packed: ``packed``; any picking
    or packed: ``picking``; otherwise ``released``.
    """
    live = [s for s in statuses if s is not SS.CANCELLED]
    if not live:
        return OS.RELEASED
    if all(s is SS.REFUSED for s in live):
        return OS.REFUSED
    shipped = {SS.SHIPPED, SS.DELIVERED, SS.RETURNED, SS.REFUSED}
    if all(s in (SS.DELIVERED, SS.RETURNED, SS.REFUSED) for s in live):
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
