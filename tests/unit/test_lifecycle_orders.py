"""The order and shipment lifecycles and the roll-up of shipments into the order status."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from itertools import product
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from omskit.errors import GuardRefused, IllegalTransition, InvalidInput
from omskit.lifecycle import (
    LINE_LIFECYCLE,
    ORDER_LIFECYCLE,
    POINT_OF_NO_RETURN,
    RETURN_LIFECYCLE,
    SHIPMENT_LIFECYCLE,
    Guard,
    Transition,
    TransitionTable,
    line_event,
    order_event_for_lines,
    order_status_from_shipments,
    rollup_event,
)
from omskit.lifecycle.orders import (
    has_holds,
    no_holds,
    nothing_allocated,
    some_line_allocated,
    waits_for_release,
    waits_for_supply,
)
from omskit.model import (
    Allocation,
    Channel,
    Delivery,
    LineStatus,
    Order,
    OrderLine,
    OrderStatus,
    ReturnStatus,
    ShipmentStatus,
)
from omskit.money import Money

OS = OrderStatus
SS = ShipmentStatus

BEFORE_THE_POINT_OF_NO_RETURN = {
    OS.CREATED,
    OS.VALIDATED,
    OS.ON_HOLD,
    OS.ALLOCATED,
    OS.BACKORDERED,
    OS.PRE_ORDERED,
    OS.RELEASED,
}


def _illegal_pairs(states: frozenset[OS], events: frozenset[str]) -> list[tuple[OS, str]]:
    return [
        (state, event)
        for state, event in product(sorted(states), sorted(events))
        if not ORDER_LIFECYCLE.allows(state, event)
    ]


# --- the order lifecycle ----------------------------------------------------------------


def test_the_order_lifecycle_covers_every_order_status() -> None:
    assert ORDER_LIFECYCLE.entity == "order"
    assert ORDER_LIFECYCLE.initial is OS.CREATED
    assert ORDER_LIFECYCLE.states == frozenset(OS)
    assert ORDER_LIFECYCLE.terminal == frozenset({OS.CANCELLED, OS.RETURNED, OS.REFUSED})


@pytest.mark.parametrize(
    "row", ORDER_LIFECYCLE.transitions, ids=lambda row: f"{row.source}-{row.event}"
)
def test_every_order_transition_leads_where_its_row_says(row: Transition[OrderStatus]) -> None:
    assert ORDER_LIFECYCLE.allows(row.source, row.event)
    assert ORDER_LIFECYCLE.target(row.source, row.event, entity_id="O-1") is row.target


@pytest.mark.parametrize(
    ("state", "event"), _illegal_pairs(ORDER_LIFECYCLE.states, ORDER_LIFECYCLE.events)
)
def test_every_event_missing_from_the_order_table_raises_illegal_transition(
    state: OrderStatus, event: str
) -> None:
    with pytest.raises(IllegalTransition) as caught:
        ORDER_LIFECYCLE.target(state, event, entity_id="O-1")
    assert (caught.value.entity, caught.value.entity_id) == ("order", "O-1")
    assert (caught.value.state, caught.value.event) == (state.value, event)


@pytest.mark.parametrize(
    ("state", "event"),
    [
        (OS.PICKING, "cancel"),
        (OS.PACKED, "cancel"),
        (OS.SHIPPED, "cancel"),
        (OS.CREATED, "ship"),
        (OS.ALLOCATED, "start_picking"),
        (OS.BACKORDERED, "release"),
        (OS.SHIPPED, "return"),
        (OS.DELIVERED, "cancel"),
        (OS.CANCELLED, "allocate"),
        (OS.RETURNED, "deliver"),
    ],
)
def test_a_sample_of_illegal_order_events_is_refused(state: OrderStatus, event: str) -> None:
    assert not ORDER_LIFECYCLE.allows(state, event)
    with pytest.raises(IllegalTransition, match=f"is '{state.value}'; the event '{event}'"):
        ORDER_LIFECYCLE.target(state, event, entity_id="O-1")


def test_the_point_of_no_return_is_picking() -> None:
    assert POINT_OF_NO_RETURN is OS.PICKING


@pytest.mark.parametrize("state", sorted(OS))
def test_an_order_can_be_cancelled_exactly_before_the_point_of_no_return(
    state: OrderStatus,
) -> None:
    assert ORDER_LIFECYCLE.allows(state, "cancel") == (state in BEFORE_THE_POINT_OF_NO_RETURN)
    assert not ORDER_LIFECYCLE.allows(POINT_OF_NO_RETURN, "cancel")


@pytest.mark.parametrize("state", sorted(ORDER_LIFECYCLE.terminal))
def test_terminal_order_states_allow_no_event(state: OrderStatus) -> None:
    assert ORDER_LIFECYCLE.events_from(state) == ()


def test_an_order_walks_from_creation_to_return() -> None:
    state = OS.CREATED
    for event in ("validate", "backorder", "allocate", "release", "start_picking", "pack", "ship"):
        state = ORDER_LIFECYCLE.target(state, event)
    assert state is OS.SHIPPED
    state = ORDER_LIFECYCLE.target(ORDER_LIFECYCLE.target(state, "deliver"), "return")
    assert state is OS.RETURNED


# --- the shipment lifecycle -------------------------------------------------------------


def test_the_shipment_lifecycle_covers_every_shipment_status() -> None:
    assert SHIPMENT_LIFECYCLE.entity == "shipment"
    assert SHIPMENT_LIFECYCLE.initial is SS.RELEASED
    assert SHIPMENT_LIFECYCLE.states == frozenset(SS)
    assert SHIPMENT_LIFECYCLE.terminal == frozenset({SS.CANCELLED, SS.RETURNED, SS.REFUSED})


@pytest.mark.parametrize(
    "row", SHIPMENT_LIFECYCLE.transitions, ids=lambda row: f"{row.source}-{row.event}"
)
def test_every_shipment_transition_leads_where_its_row_says(
    row: Transition[ShipmentStatus],
) -> None:
    assert SHIPMENT_LIFECYCLE.target(row.source, row.event) is row.target


@pytest.mark.parametrize(
    ("state", "event"),
    [
        (SS.PICKING, "cancel"),
        (SS.PACKED, "cancel"),
        (SS.RELEASED, "pack"),
        (SS.RELEASED, "ship"),
        (SS.PICKING, "deliver"),
        (SS.SHIPPED, "return"),
        (SS.CANCELLED, "start_picking"),
        (SS.RETURNED, "deliver"),
    ],
)
def test_a_sample_of_illegal_shipment_events_is_refused(state: ShipmentStatus, event: str) -> None:
    with pytest.raises(IllegalTransition) as caught:
        SHIPMENT_LIFECYCLE.target(state, event, entity_id="S-1")
    assert caught.value.entity == "shipment"
    assert caught.value.state == state.value


def test_a_shipment_can_be_cancelled_only_while_released() -> None:
    cancellable = {state for state in SS if SHIPMENT_LIFECYCLE.allows(state, "cancel")}
    assert cancellable == {SS.RELEASED}


# --- the roll-up ------------------------------------------------------------------------

SHIPPED_OR_LATER = {SS.SHIPPED, SS.DELIVERED, SS.RETURNED, SS.REFUSED}
DELIVERED_OR_LATER = {SS.DELIVERED, SS.RETURNED, SS.REFUSED}


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], OS.RELEASED),
        ([SS.CANCELLED, SS.CANCELLED], OS.RELEASED),
        ([SS.RELEASED], OS.RELEASED),
        ([SS.RELEASED, SS.RELEASED], OS.RELEASED),
        ([SS.PICKING, SS.RELEASED], OS.PICKING),
        ([SS.PACKED, SS.RELEASED], OS.PICKING),
        ([SS.PACKED, SS.PICKING], OS.PICKING),
        ([SS.PACKED], OS.PACKED),
        ([SS.PACKED, SS.PACKED, SS.CANCELLED], OS.PACKED),
        ([SS.SHIPPED, SS.RELEASED], OS.PARTIALLY_SHIPPED),
        ([SS.DELIVERED, SS.PACKED], OS.PARTIALLY_SHIPPED),
        ([SS.SHIPPED, SS.CANCELLED], OS.SHIPPED),
        ([SS.SHIPPED, SS.DELIVERED], OS.SHIPPED),
        ([SS.DELIVERED, SS.DELIVERED], OS.DELIVERED),
        ([SS.DELIVERED, SS.CANCELLED], OS.DELIVERED),
        ([SS.DELIVERED, SS.RETURNED], OS.DELIVERED),
        ([SS.DELIVERED, SS.REFUSED], OS.DELIVERED),
        ([SS.SHIPPED, SS.REFUSED], OS.SHIPPED),
        ([SS.REFUSED, SS.RELEASED], OS.PARTIALLY_SHIPPED),
        ([SS.REFUSED, SS.REFUSED, SS.CANCELLED], OS.REFUSED),
    ],
)
def test_the_order_status_rolls_up_from_its_shipments(
    statuses: list[ShipmentStatus], expected: OrderStatus
) -> None:
    assert order_status_from_shipments(statuses) is expected


def test_the_roll_up_accepts_any_iterable() -> None:
    assert order_status_from_shipments(s for s in (SS.PACKED, SS.PACKED)) is OS.PACKED


# Each documented rule as a predicate over the live (not cancelled) shipments,
# written so that exactly one holds for any list.
ROLLUP_RULES: dict[OrderStatus, Callable[[list[ShipmentStatus]], bool]] = {
    OS.REFUSED: lambda live: bool(live) and all(s is SS.REFUSED for s in live),
    OS.DELIVERED: lambda live: (
        bool(live)
        and all(s in DELIVERED_OR_LATER for s in live)
        and not all(s is SS.REFUSED for s in live)
    ),
    OS.SHIPPED: lambda live: (
        bool(live)
        and all(s in SHIPPED_OR_LATER for s in live)
        and not all(s in DELIVERED_OR_LATER for s in live)
    ),
    OS.PARTIALLY_SHIPPED: lambda live: (
        any(s in SHIPPED_OR_LATER for s in live) and not all(s in SHIPPED_OR_LATER for s in live)
    ),
    OS.PACKED: lambda live: bool(live) and all(s is SS.PACKED for s in live),
    OS.PICKING: lambda live: (
        not any(s in SHIPPED_OR_LATER for s in live)
        and any(s in (SS.PICKING, SS.PACKED) for s in live)
        and not all(s is SS.PACKED for s in live)
    ),
    OS.RELEASED: lambda live: all(s is SS.RELEASED for s in live),
}

shipment_lists = st.lists(st.sampled_from(list(SS)), max_size=8)


@given(statuses=shipment_lists)
def test_the_roll_up_follows_exactly_one_documented_rule(statuses: list[ShipmentStatus]) -> None:
    live: list[ShipmentStatus] = [s for s in statuses if s is not SS.CANCELLED]
    holding = [status for status, rule_holds in ROLLUP_RULES.items() if rule_holds(live)]
    assert len(holding) == 1, holding
    assert order_status_from_shipments(statuses) is holding[0]


@given(statuses=shipment_lists, data=st.data())
def test_the_roll_up_ignores_order_duplicates_and_cancelled_shipments(
    statuses: list[ShipmentStatus], data: st.DataObject
) -> None:
    expected = order_status_from_shipments(statuses)
    shuffled = data.draw(st.permutations(statuses))
    assert order_status_from_shipments(shuffled) is expected
    assert order_status_from_shipments([*statuses, SS.CANCELLED]) is expected
    if statuses:
        assert order_status_from_shipments([*statuses, statuses[0]]) is expected


ROLLUP_TARGETS = sorted(
    {order_status_from_shipments(c) for c in product(SS, repeat=2)} - {OS.RELEASED}
)


def test_the_roll_up_only_yields_statuses_after_release() -> None:
    produced = {order_status_from_shipments(c) for n in range(4) for c in product(SS, repeat=n)}
    assert produced == {
        OS.RELEASED,
        OS.PICKING,
        OS.PACKED,
        OS.PARTIALLY_SHIPPED,
        OS.SHIPPED,
        OS.DELIVERED,
        OS.REFUSED,
    }


@pytest.mark.parametrize("status", ROLLUP_TARGETS)
def test_rollup_event_is_an_order_event_that_leads_into_the_status(status: OrderStatus) -> None:
    event = rollup_event(status)
    assert event in ORDER_LIFECYCLE.events
    assert any(row.target is status for row in ORDER_LIFECYCLE.transitions if row.event == event)


@pytest.mark.parametrize(
    ("status", "event"),
    [
        (OS.PICKING, "start_picking"),
        (OS.PACKED, "pack"),
        (OS.PARTIALLY_SHIPPED, "ship_partially"),
        (OS.SHIPPED, "ship"),
        (OS.DELIVERED, "deliver"),
    ],
)
def test_rollup_event_names(status: OrderStatus, event: str) -> None:
    assert rollup_event(status) == event


@pytest.mark.parametrize("status", [OS.RELEASED, OS.CREATED, OS.CANCELLED])
def test_rollup_event_of_a_status_the_roll_up_never_moves_into_raises_invalid_input(
    status: OrderStatus,
) -> None:
    with pytest.raises(InvalidInput, match="not a status the shipment roll-up moves") as caught:
        rollup_event(status)
    assert caught.value.path == "status"
    assert caught.value.value is status


@settings(max_examples=60, stateful_step_count=25, deadline=None)
class ShipmentsDriveTheOrder(RuleBasedStateMachine):
    """Move released shipments through their lifecycle; the order follows by roll-up.

    Every change of the rolled-up status must be a legal order transition from
    the order's current status, using :func:`rollup_event`.
    """

    def __init__(self) -> None:
        super().__init__()
        self.shipments: list[ShipmentStatus] = []
        self.order = OS.RELEASED

    @initialize(count=st.integers(1, 4))
    def release_shipments(self, count: int) -> None:
        self.shipments = [SS.RELEASED] * count

    def _movable(self) -> list[int]:
        return [i for i, s in enumerate(self.shipments) if SHIPMENT_LIFECYCLE.events_from(s)]

    @precondition(lambda self: bool(self._movable()))
    @rule(data=st.data())
    def move_a_shipment(self, data: st.DataObject) -> None:
        index = data.draw(st.sampled_from(self._movable()), label="shipment")
        state = self.shipments[index]
        event = data.draw(st.sampled_from(SHIPMENT_LIFECYCLE.events_from(state)), label="event")
        self.shipments[index] = SHIPMENT_LIFECYCLE.target(state, event)
        rolled_up = order_status_from_shipments(self.shipments)
        if rolled_up is not self.order:
            order_event = rollup_event(rolled_up)
            assert ORDER_LIFECYCLE.allows(self.order, order_event), (
                f"{self.order} -> {rolled_up} via {order_event} for {self.shipments}"
            )
            self.order = ORDER_LIFECYCLE.target(self.order, order_event)
            assert self.order is rolled_up

    @rule()
    def recompute_the_roll_up(self) -> None:
        """Recomputing without a shipment change never moves the order."""
        assert order_status_from_shipments(self.shipments) is self.order

    @invariant()
    def order_is_past_release_once_any_shipment_is_picked(self) -> None:
        if any(s not in (SS.RELEASED, SS.CANCELLED) for s in self.shipments):
            assert self.order is not OS.RELEASED
            assert not ORDER_LIFECYCLE.allows(self.order, "cancel")


TestShipmentsDriveTheOrder = ShipmentsDriveTheOrder.TestCase


# --- the line and return lifecycles -----------------------------------------------------


@pytest.mark.parametrize(
    ("table", "states"),
    [(LINE_LIFECYCLE, frozenset(LineStatus)), (RETURN_LIFECYCLE, frozenset(ReturnStatus))],
    ids=["line", "return"],
)
def test_the_line_and_return_tables_cover_every_status(
    table: TransitionTable[Any], states: frozenset[Any]
) -> None:
    assert table.states == states


@pytest.mark.parametrize(
    "row",
    [*LINE_LIFECYCLE.transitions, *RETURN_LIFECYCLE.transitions],
    ids=lambda row: f"{type(row.source).__name__}-{row.source}-{row.event}",
)
def test_every_line_and_return_transition_leads_where_its_row_says(row: Transition[Any]) -> None:
    table = LINE_LIFECYCLE if isinstance(row.source, LineStatus) else RETURN_LIFECYCLE
    assert table.target(row.source, row.event, entity_id="X-1") is row.target


@pytest.mark.parametrize(
    ("table", "state", "event"),
    [
        (LINE_LIFECYCLE, LineStatus.SHIPPED, "cancel"),
        (LINE_LIFECYCLE, LineStatus.DELIVERED, "ship"),
        (LINE_LIFECYCLE, LineStatus.OPEN, "release"),
        (LINE_LIFECYCLE, LineStatus.CANCELLED, "allocate"),
        (RETURN_LIFECYCLE, ReturnStatus.REQUESTED, "refund"),
        (RETURN_LIFECYCLE, ReturnStatus.REFUNDED, "reject"),
        (RETURN_LIFECYCLE, ReturnStatus.RESTOCKED, "write_off"),
    ],
)
def test_illegal_line_and_return_events_name_the_entity(
    table: TransitionTable[Any], state: Any, event: str
) -> None:
    with pytest.raises(IllegalTransition) as caught:
        table.target(state, event, entity_id="X-1")
    assert caught.value.entity == table.entity
    assert (caught.value.state, caught.value.event) == (state.value, event)


def test_a_line_can_be_cancelled_until_its_units_ship() -> None:
    cancellable = {s for s in LineStatus if LINE_LIFECYCLE.allows(s, "cancel")}
    assert cancellable == {
        LineStatus.OPEN,
        LineStatus.ALLOCATED,
        LineStatus.PARTIALLY_ALLOCATED,
        LineStatus.BACKORDERED,
        LineStatus.PRE_ORDERED,
        LineStatus.RELEASED,
    }


@pytest.mark.parametrize("status", [s for s in LineStatus if s is not LineStatus.OPEN])
def test_line_event_names_the_event_into_each_status(status: LineStatus) -> None:
    event = line_event(status)
    assert any(row.event == event and row.target is status for row in LINE_LIFECYCLE.transitions)


def test_line_event_refuses_the_starting_status() -> None:
    with pytest.raises(InvalidInput):
        line_event(LineStatus.OPEN)


# --- the order guards -------------------------------------------------------------------


def _line(line_id: str, status: LineStatus, allocated: int = 0, quantity: int = 2) -> OrderLine:
    allocations = (Allocation("AMS", allocated),) if allocated else ()
    return OrderLine(
        line_id, "SKU", quantity, Money("1.00", "EUR"), status=status, allocations=allocations
    )


def _order(*lines: OrderLine, holds: frozenset[str] = frozenset()) -> Order:
    return Order(
        "O-1",
        Channel.WEB,
        "W-1",
        "EUR",
        lines,
        Delivery.collect_at("AMS"),
        datetime(2026, 1, 5, tzinfo=UTC),
        holds=holds,
    )


ALLOCATED_LINE = _line("1", LineStatus.ALLOCATED, allocated=2)
BACKORDERED_LINE = _line("2", LineStatus.BACKORDERED)
PRE_ORDER_LINE = _line("3", LineStatus.PRE_ORDERED)
CANCELLED_LINE = _line("4", LineStatus.CANCELLED, allocated=2)


@pytest.mark.parametrize(
    ("condition", "order", "expected"),
    [
        (no_holds, _order(ALLOCATED_LINE), True),
        (no_holds, _order(ALLOCATED_LINE, holds=frozenset({"fraud"})), False),
        (has_holds, _order(ALLOCATED_LINE, holds=frozenset({"fraud"})), True),
        (has_holds, _order(ALLOCATED_LINE), False),
        (some_line_allocated, _order(ALLOCATED_LINE, BACKORDERED_LINE), True),
        (some_line_allocated, _order(BACKORDERED_LINE, CANCELLED_LINE), False),
        (nothing_allocated, _order(BACKORDERED_LINE, CANCELLED_LINE), True),
        (nothing_allocated, _order(ALLOCATED_LINE), False),
        (waits_for_supply, _order(BACKORDERED_LINE, PRE_ORDER_LINE), True),
        (waits_for_supply, _order(PRE_ORDER_LINE), False),
        (waits_for_release, _order(PRE_ORDER_LINE, ALLOCATED_LINE), True),
        (waits_for_release, _order(PRE_ORDER_LINE, BACKORDERED_LINE), False),
        (waits_for_release, _order(ALLOCATED_LINE), False),
    ],
)
def test_each_order_guard_holds_exactly_when_it_says(
    condition: Guard, order: Order, expected: bool
) -> None:
    assert condition.holds(order) is expected
    assert condition.description


@pytest.mark.parametrize(
    ("lines", "event"),
    [
        ([ALLOCATED_LINE, BACKORDERED_LINE], "allocate"),
        ([PRE_ORDER_LINE], "pre_order"),
        ([PRE_ORDER_LINE, ALLOCATED_LINE], "allocate"),
        ([PRE_ORDER_LINE, BACKORDERED_LINE], "backorder"),
        ([BACKORDERED_LINE, CANCELLED_LINE], "backorder"),
    ],
)
def test_lines_roll_up_to_the_order_event_before_release(
    lines: list[OrderLine], event: str
) -> None:
    assert order_event_for_lines(lines) == event


@pytest.mark.parametrize(
    "row",
    [row for row in ORDER_LIFECYCLE.transitions if row.guards],
    ids=lambda row: f"{row.source}-{row.event}",
)
def test_every_guarded_order_row_refuses_an_order_its_guards_reject(
    row: Transition[OrderStatus],
) -> None:
    candidates = [
        _order(ALLOCATED_LINE),
        _order(BACKORDERED_LINE),
        _order(PRE_ORDER_LINE),
        _order(ALLOCATED_LINE, holds=frozenset({"fraud"})),
    ]
    passing = [o for o in candidates if all(g.holds(o) for g in row.guards)]
    failing = [o for o in candidates if not all(g.holds(o) for g in row.guards)]
    assert passing, "some order passes the row"
    assert failing, "some order fails the row"
    for order in passing:
        assert ORDER_LIFECYCLE.target(row.source, row.event, subject=order) is row.target
    for order in failing:
        with pytest.raises(GuardRefused):
            ORDER_LIFECYCLE.target(row.source, row.event, entity_id="O-1", subject=order)
