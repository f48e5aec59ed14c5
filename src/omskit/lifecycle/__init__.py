"""Lifecycles as data: transition tables for orders and shipments."""

from omskit.lifecycle.orders import (
    ORDER_LIFECYCLE,
    POINT_OF_NO_RETURN,
    SHIPMENT_LIFECYCLE,
    order_status_from_shipments,
    rollup_event,
)
from omskit.lifecycle.table import Transition, TransitionTable

__all__ = [
    "ORDER_LIFECYCLE",
    "POINT_OF_NO_RETURN",
    "SHIPMENT_LIFECYCLE",
    "Transition",
    "TransitionTable",
    "order_status_from_shipments",
    "rollup_event",
]
