"""Lifecycles as data: transition tables, order checks and staff trigger rules."""

from omskit.lifecycle.orders import (
    LINE_LIFECYCLE,
    ORDER_LIFECYCLE,
    POINT_OF_NO_RETURN,
    RETURN_LIFECYCLE,
    SHIPMENT_LIFECYCLE,
    Lifecycles,
    line_event,
    order_event_for_lines,
    order_status_from_shipments,
    rollup_event,
)
from omskit.lifecycle.quotes import QUOTE_LIFECYCLE
from omskit.lifecycle.table import Guard, Transition, TransitionTable, guard
from omskit.lifecycle.triggers import TriggerRule, trigger_rules

__all__ = [
    "LINE_LIFECYCLE",
    "ORDER_LIFECYCLE",
    "POINT_OF_NO_RETURN",
    "QUOTE_LIFECYCLE",
    "RETURN_LIFECYCLE",
    "SHIPMENT_LIFECYCLE",
    "Guard",
    "Lifecycles",
    "Transition",
    "TransitionTable",
    "TriggerRule",
    "guard",
    "line_event",
    "order_event_for_lines",
    "order_status_from_shipments",
    "rollup_event",
    "trigger_rules",
]
