"""Staff triggers: conditions, rules as data, once per subject, on events and on a sweep (C5)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import attrs
import pytest
from test_service import World, dump, make_world, request

from omskit import InvalidInput, LineStatus, Oms, OrderFlag, OrderStatus
from omskit.adapters.memory import RecordingStaffNotifier
from omskit.errors import DefinitionError
from omskit.events import TaskRaised
from omskit.lifecycle import TriggerRule, trigger_rules
from omskit.lifecycle.triggers import (
    Condition,
    HasFlag,
    HeldFor,
    LineStatusIn,
    OlderThan,
    PaymentAuthorised,
    SkuIs,
    StatusIn,
    WaitingLongerThan,
    Where,
    matches,
)
from omskit.model import Order, OrderLine, Task, TaskSeverity

LATE_LINE = TriggerRule(
    "late_line",
    [WaitingLongerThan(14)],
    "Line {line_id} ({sku}) of {order_id} waits more than 14 days",
    TaskSeverity.RED,
)
START_PACKING = TriggerRule(
    "start_packing",
    [PaymentAuthorised(), StatusIn({OrderStatus.ALLOCATED})],
    "Start packing {order_id} ({external_ref})",
)


class FailingStaff(RecordingStaffNotifier):
    def __init__(self) -> None:
        super().__init__()
        self.down = True

    def raise_task(self, task: Task) -> None:
        if self.down:
            raise ConnectionError("staff app down")
        super().raise_task(task)


def shop(*rules: TriggerRule, staff: RecordingStaffNotifier | None = None) -> tuple[World, Oms]:
    world = make_world(triggers=list(rules), staff=staff or RecordingStaffNotifier())
    oms = world.oms
    return world, oms


def an_order(world: World, **changes: Any) -> Order:
    order = world.oms.place_order(request(lines=[("BEANS", 2), ("KETTLE", 1)]))
    return attrs.evolve(order, **changes)


# --- conditions -------------------------------------------------------------------------


def test_each_condition_tests_what_it_says() -> None:
    world = make_world()
    world.oms.receive_stock("BEANS", "AMS", 5)
    order = an_order(world, flags={OrderFlag.VIP}, holds={"fraud"})
    beans, kettle = order.lines
    now = order.placed_at + timedelta(days=15)
    assert beans.status is LineStatus.ALLOCATED
    assert kettle.status is LineStatus.BACKORDERED
    cases: list[tuple[Condition, OrderLine | None, bool]] = [
        (StatusIn({OrderStatus.ALLOCATED}), None, True),
        (StatusIn({OrderStatus.SHIPPED}), None, False),
        (HasFlag("vip"), None, True),
        (HasFlag(OrderFlag.GIFT), None, False),
        (PaymentAuthorised(), None, True),
        (PaymentAuthorised(False), None, False),
        (HeldFor("fraud"), None, True),
        (HeldFor("payment"), None, False),
        (OlderThan(14), None, True),
        (OlderThan(timedelta(days=16)), None, False),
        (LineStatusIn({LineStatus.BACKORDERED}), kettle, True),
        (LineStatusIn({LineStatus.BACKORDERED}), beans, False),
        (WaitingLongerThan(14), kettle, True),
        (WaitingLongerThan(14), beans, False),
        (WaitingLongerThan(16), kettle, False),
        (SkuIs("KETTLE"), kettle, True),
        (SkuIs("KETTLE"), beans, False),
        (Where("two_lines", lambda o, line, now: len(o.lines) == 2), None, True),
    ]
    for condition, line, expected in cases:
        assert condition.holds(order, line, now) is expected, condition.describe()
    assert LineStatusIn({LineStatus.SHIPPED}).holds(order, None, now) is False


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: StatusIn([]), "non-empty set of OrderStatus"),
        (lambda: LineStatusIn({OrderStatus.CREATED}), "non-empty set of LineStatus"),  # type: ignore[arg-type]
        (lambda: OlderThan(0), "positive number of days"),
        (lambda: WaitingLongerThan(True), "positive number of days"),
        (lambda: HeldFor("no such code"), "must be 1-128"),
        (lambda: SkuIs(""), "must be 1-128"),
        (lambda: Where("x", "not callable"), "must be callable"),  # type: ignore[arg-type]
    ],
)
def test_bad_conditions_are_invalid_input(make: Any, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        make()


def test_a_rule_is_per_line_when_some_condition_looks_at_lines() -> None:
    assert LATE_LINE.per_line
    assert not START_PACKING.per_line
    assert START_PACKING.describe() == (
        "start_packing: payment is authorised and order is allocated -> info"
    )


@pytest.mark.parametrize(
    ("when", "title", "error", "message"),
    [
        ([], "x", DefinitionError, "at least one condition"),
        (["not a condition"], "x", DefinitionError, "not a trigger condition"),
        ([HasFlag("vip")], " ", InvalidInput, "non-blank"),
        ([HasFlag("vip")], "{customer}", InvalidInput, "names {customer}"),
        ([HasFlag("vip")], "{sku} is late", InvalidInput, "about orders, not lines"),
    ],
)
def test_bad_rules_are_refused(
    when: list[Any], title: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        TriggerRule("r", when, title)


def test_matches_names_each_subject_and_fills_the_title() -> None:
    world = make_world()
    order = an_order(world)  # nothing in stock: both lines wait
    later = order.placed_at + timedelta(days=20)
    found = matches([LATE_LINE, START_PACKING], order, later)
    assert [(m.rule.name, m.subject) for m in found] == [
        ("late_line", f"{order.order_id}/1"),
        ("late_line", f"{order.order_id}/2"),
    ]
    assert found[1].title == f"Line 2 (KETTLE) of {order.order_id} waits more than 14 days"
    assert matches([LATE_LINE], order, order.placed_at + timedelta(days=1)) == []


# --- rules as data ----------------------------------------------------------------------


def test_trigger_rules_builds_rules_from_plain_data() -> None:
    rules = trigger_rules(
        [
            {
                "name": "late_line",
                "title": "Line {line_id} of {order_id} is late",
                "severity": "red",
                "when": {"waiting_days": 14},
            },
            {
                "name": "vip_paid",
                "title": "Check VIP order {order_id}",
                "when": {"flag": "vip", "payment_authorised": True, "status_in": ["allocated"]},
            },
        ]
    )
    assert [r.name for r in rules] == ["late_line", "vip_paid"]
    assert rules[0].severity is TaskSeverity.RED
    assert rules[0].when == (WaitingLongerThan(14),)
    assert rules[1].when == (
        HasFlag(OrderFlag.VIP),
        PaymentAuthorised(True),
        StatusIn({OrderStatus.ALLOCATED}),
    )
    assert rules[1].severity is TaskSeverity.INFO


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        ("late_line", "triggers", "list of rule tables"),
        (["x"], "triggers[0]", "must be a table"),
        ([{"name": "a", "title": "t", "when": {}, "colour": 1}], "triggers[0]", "'colour'"),
        ([{"name": "a", "title": "t"}], "triggers[0].when", "non-empty table"),
        ([{"name": "a", "title": "t", "when": {"moon": 1}}], "triggers[0].when", "'moon'"),
        (
            [{"name": "a", "title": "t", "when": {"status_in": ["lost"]}}],
            "triggers[0].when.status_in",
            "lost",
        ),
        (
            [{"name": "a", "title": "t", "when": {"flag": "vip"}, "severity": "pink"}],
            "triggers[0]",
            "pink",
        ),
        ([{"title": "t", "when": {"flag": "vip"}}], "triggers[0]", "1-128"),
        (
            [
                {"name": "a", "title": "t", "when": {"flag": "vip"}},
                {"name": "a", "title": "u", "when": {"flag": "gift"}},
            ],
            "triggers",
            "two rules are named 'a'",
        ),
    ],
)
def test_bad_rule_data_names_its_path(data: Any, path: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        trigger_rules(data)
    assert caught.value.path == path


# --- in the service ---------------------------------------------------------------------


def test_a_line_waiting_more_than_14_days_turns_red_once_on_the_sweep() -> None:
    world, oms = shop(LATE_LINE)
    order = oms.place_order(request(lines=[("BEANS", 2)]))  # no stock: it waits
    assert oms.sweep_triggers() == ()
    world.clock.advance(timedelta(days=15))
    (task,) = oms.sweep_triggers()
    assert (task.rule, task.subject, task.severity) == ("late_line", f"{order.order_id}/1", "red")
    assert task.title == f"Line 1 (BEANS) of {order.order_id} waits more than 14 days"
    assert oms.staff.tasks == [task]  # type: ignore[attr-defined]
    assert oms.sweep_triggers() == ()
    oms.receive_stock("BEANS", "DC", 1)  # an event on the order: still no second task
    assert oms.tasks() == (task,)
    assert [e.task_id for e in world.publisher.of_type(TaskRaised)] == [task.task_id]


def test_an_order_that_becomes_paid_starts_packing_on_the_event() -> None:
    world, oms = shop(START_PACKING)
    oms.receive_stock("BEANS", "AMS", 5)
    held = oms.place_order(attrs.evolve(request(), payment_authorised=False))
    assert oms.tasks() == ()
    oms.confirm_payment(held.order_id)
    (task,) = oms.tasks(order_id=held.order_id)
    assert task.title == f"Start packing {held.order_id} (W-1)"
    paid = oms.place_order(request("W-2"))
    assert [t.subject for t in oms.tasks()] == [held.order_id, paid.order_id]
    assert oms.tasks(order_id=paid.order_id)[0].subject == paid.order_id
    (raised, _) = world.publisher.of_type(TaskRaised)
    assert (raised.order_id, raised.rule) == (held.order_id, "start_packing")


def test_the_task_and_the_change_commit_together_or_not_at_all() -> None:
    def picky(order: Order, line: Any, now: Any) -> bool:
        if order.external_ref == "W-2":
            raise RuntimeError("rule failed")
        return True

    _, oms = shop(TriggerRule("every_order", [Where("picky", picky)], "Look at {order_id}"))
    first = oms.place_order(request())
    assert [t.subject for t in oms.tasks()] == [first.order_id]
    before = dump(oms)
    with pytest.raises(RuntimeError, match="rule failed"):
        oms.place_order(request("W-2"))
    assert dump(oms) == before
    assert len(oms.tasks()) == 1


def test_tasks_wait_for_a_staff_notifier_that_is_down_and_go_out_once_it_is_back() -> None:
    staff = FailingStaff()
    _, oms = shop(START_PACKING, staff=staff)
    oms.receive_stock("BEANS", "AMS", 5)
    order = oms.place_order(request())  # the notifier fails: logged, the call succeeds
    assert order.status is OrderStatus.ALLOCATED
    assert len(oms.tasks()) == 1
    assert staff.tasks == []
    with pytest.raises(ConnectionError):
        oms.deliver_tasks()
    staff.down = False
    assert oms.deliver_tasks() == 1
    assert oms.deliver_tasks() == 0
    assert [t.subject for t in staff.tasks] == [order.order_id]


def test_terminal_orders_are_not_swept() -> None:
    world, oms = shop(LATE_LINE)
    order = oms.place_order(request())
    oms.request_cancel(order.order_id, "changed_mind", by="customer")
    world.clock.advance(timedelta(days=30))
    assert oms.sweep_triggers() == ()


@pytest.mark.parametrize(
    ("triggers", "message"),
    [
        (LATE_LINE, "sequence of TriggerRule"),
        (["late_line"], "must be TriggerRule"),
        ([LATE_LINE, LATE_LINE], "two rules are named 'late_line'"),
    ],
)
def test_oms_checks_its_trigger_rules(triggers: Any, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        Oms(triggers=triggers)


def test_tasks_of_a_bad_order_id_is_invalid_input() -> None:
    _, oms = shop()
    with pytest.raises(InvalidInput):
        oms.tasks(order_id=" ")
    assert oms.tasks(order_id="NOPE") == ()


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        (
            StatusIn({OrderStatus.ALLOCATED, OrderStatus.BACKORDERED}),
            "order is allocated, backordered",
        ),
        (HasFlag("gift"), "order is flagged gift"),
        (PaymentAuthorised(False), "payment is not authorised"),
        (HeldFor("fraud"), "order is held for fraud"),
        (OlderThan(2), "order is older than 2 days, 0:00:00"),
        (LineStatusIn({LineStatus.BACKORDERED}), "line is backordered"),
        (WaitingLongerThan(timedelta(hours=36)), "line waits longer than 1 day, 12:00:00"),
        (SkuIs("BEANS"), "line is for BEANS"),
        (Where("my_rule", lambda o, line, now: True), "my_rule"),
    ],
)
def test_each_condition_describes_itself(condition: Condition, words: str) -> None:
    assert condition.describe() == words
