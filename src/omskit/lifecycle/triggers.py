"""Staff triggers: declarative rules over orders and lines that raise staff tasks (C5).

A :class:`TriggerRule` names a condition (every item of ``when`` must hold)
and the task it raises: a title template and a severity. A rule whose
conditions look at lines (:class:`LineStatusIn`, :class:`WaitingLongerThan`,
:class:`SkuIs`, or a :class:`Where` with ``per_line=True``) is asked once
per live line, with the subject ``"<order_id>/<line_id>"``; any other rule
once per order, with the order id as subject.

:class:`~omskit.service.Oms` asks its ``triggers`` about every order a call
touched, in the same unit of work, and on a periodic
:meth:`~omskit.service.Oms.sweep_triggers` with the clock (time-based
conditions, such as a line waiting more than 14 days, become true without
any event). A rule raises at most one task per subject, ever: the task is
stored with the change that made the condition true, so a retry, a second
sweep or a second process never raises it again.

Rules are plain data too: :func:`trigger_rules` builds them from
dictionaries (from TOML or JSON, say), validated with clear errors::

    [{"name": "late_line", "title": "Line {line_id} of {order_id} waits too long",
      "severity": "red", "when": {"waiting_days": 14}}]
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final, Protocol, runtime_checkable

import attrs

from omskit.errors import DefinitionError, InvalidInput
from omskit.model import LineStatus, Order, OrderFlag, OrderLine, OrderStatus, TaskSeverity
from omskit.model._checks import check_identifier

__all__ = [
    "Condition",
    "HasFlag",
    "HeldFor",
    "LineStatusIn",
    "Match",
    "OlderThan",
    "PaymentAuthorised",
    "SkuIs",
    "StatusIn",
    "TriggerRule",
    "WaitingLongerThan",
    "Where",
    "matches",
    "trigger_rules",
    "unique_rules",
]


@runtime_checkable
class Condition(Protocol):
    """One test a trigger rule makes; ``per_line`` conditions see a line too."""

    @property
    def per_line(self) -> bool:
        """Whether the condition looks at one line (it is then asked once per line)."""
        ...

    def holds(self, order: Order, line: OrderLine | None, now: datetime) -> bool:
        """Whether the condition holds for ``order`` (and ``line``) at ``now``."""
        ...

    def describe(self) -> str:
        """The condition in words, for logs and docs."""
        ...


def _statuses(kind: type[Any], values: Iterable[Any], path: str) -> frozenset[Any]:
    chosen = frozenset(values) if not isinstance(values, str) else frozenset()
    if not chosen or not all(isinstance(v, kind) for v in chosen):
        raise InvalidInput(f"must be a non-empty set of {kind.__name__} values", path=path)
    return chosen


def _order_statuses(values: Iterable[OrderStatus]) -> frozenset[OrderStatus]:
    return _statuses(OrderStatus, values, "statuses")


def _line_statuses(values: Iterable[LineStatus]) -> frozenset[LineStatus]:
    return _statuses(LineStatus, values, "statuses")


def _name(value: str) -> str:
    return check_identifier(value, "name")


def _hold(value: str) -> str:
    return check_identifier(value, "hold")


def _sku(value: str) -> str:
    return check_identifier(value, "sku")


def _names(values: frozenset[Any]) -> str:
    return ", ".join(sorted(str(v.value) for v in values))


@attrs.frozen
class StatusIn:
    """The order is in one of ``statuses``."""

    statuses: frozenset[OrderStatus] = attrs.field(converter=_order_statuses)
    per_line: bool = attrs.field(default=False, init=False)

    def holds(self, order: Order, line: OrderLine | None, now: datetime) -> bool:
        """See the class docstring."""
        return order.status in self.statuses

    def describe(self) -> str:
        """See :class:`Condition`."""
        return f"order is {_names(self.statuses)}"


@attrs.frozen
class HasFlag:
    """The order carries ``flag`` (gift, VIP, replacement; C4)."""

    flag: OrderFlag = attrs.field(converter=OrderFlag)
    per_line: bool = attrs.field(default=False, init=False)

    def holds(self, order: Order, line: OrderLine | None, now: datetime) -> bool:
        """See the class docstring."""
        return self.flag in order.flags

    def describe(self) -> str:
        """See :class:`Condition`."""
        return f"order is flagged {self.flag.value}"


@attrs.frozen
class PaymentAuthorised:
    """The order's payment is (or, with ``False``, is not yet) authorised."""

    value: bool = attrs.field(default=True, validator=attrs.validators.instance_of(bool))
    per_line: bool = attrs.field(default=False, init=False)

    def holds(self, order: Order, line: OrderLine | None, now: datetime) -> bool:
        """See the class docstring."""
        return order.payment_authorised is self.value

    def describe(self) -> str:
        """See :class:`Condition`."""
        return "payment is authorised" if self.value else "payment is not authorised"


@attrs.frozen
class HeldFor:
    """The order is on hold for ``hold`` (a :class:`~omskit.model.HoldReason` code)."""

    hold: str = attrs.field(converter=_hold)
    per_line: bool = attrs.field(default=False, init=False)

    def holds(self, order: Order, line: OrderLine | None, now: datetime) -> bool:
        """See the class docstring."""
        return self.hold in order.holds

    def describe(self) -> str:
        """See :class:`Condition`."""
        return f"order is held for {self.hold}"


def _age(value: timedelta | float) -> timedelta:
    return _duration(value, "age")


def _duration(value: object, path: str) -> timedelta:
    if isinstance(value, timedelta) and value > timedelta(0):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return timedelta(days=value)
    raise InvalidInput("must be a positive number of days or a timedelta", path=path, value=value)


@attrs.frozen
class OlderThan:
    """The order was placed more than ``age`` ago (a number means days)."""

    age: timedelta = attrs.field(converter=_age)
    per_line: bool = attrs.field(default=False, init=False)

    def holds(self, order: Order, line: OrderLine | None, now: datetime) -> bool:
        """See the class docstring."""
        return now - order.placed_at > self.age

    def describe(self) -> str:
        """See :class:`Condition`."""
        return f"order is older than {self.age}"


@attrs.frozen
class LineStatusIn:
    """The line is in one of ``statuses``."""

    statuses: frozenset[LineStatus] = attrs.field(converter=_line_statuses)
    per_line: bool = attrs.field(default=True, init=False)

    def holds(self, order: Order, line: OrderLine | None, now: datetime) -> bool:
        """See the class docstring."""
        return line is not None and line.status in self.statuses

    def describe(self) -> str:
        """See :class:`Condition`."""
        return f"line is {_names(self.statuses)}"


@attrs.frozen
class WaitingLongerThan:
    """The line still waits for stock more than ``age`` after the order was placed."""

    age: timedelta = attrs.field(converter=_age)
    per_line: bool = attrs.field(default=True, init=False)

    def holds(self, order: Order, line: OrderLine | None, now: datetime) -> bool:
        """See the class docstring."""
        return (
            line is not None
            and line.status is not LineStatus.CANCELLED
            and line.unallocated_quantity > 0
            and now - order.placed_at > self.age
        )

    def describe(self) -> str:
        """See :class:`Condition`."""
        return f"line waits longer than {self.age}"


@attrs.frozen
class SkuIs:
    """The line is for ``sku``."""

    sku: str = attrs.field(converter=_sku)
    per_line: bool = attrs.field(default=True, init=False)

    def holds(self, order: Order, line: OrderLine | None, now: datetime) -> bool:
        """See the class docstring."""
        return line is not None and line.sku == self.sku

    def describe(self) -> str:
        """See :class:`Condition`."""
        return f"line is for {self.sku}"


@attrs.frozen
class Where:
    """A condition of your own: ``test(order, line, now)``, named ``name``."""

    name: str = attrs.field(converter=_name)
    test: Callable[[Order, OrderLine | None, datetime], bool] = attrs.field(eq=False)
    per_line: bool = attrs.field(default=False, validator=attrs.validators.instance_of(bool))

    @test.validator
    def _callable(self, _attribute: object, value: object) -> None:
        if not callable(value):
            raise InvalidInput("must be callable (order, line, now) -> bool", path="test")

    def holds(self, order: Order, line: OrderLine | None, now: datetime) -> bool:
        """See the class docstring."""
        return bool(self.test(order, line, now))

    def describe(self) -> str:
        """See :class:`Condition`."""
        return self.name


_FIELDS: Final = ("order_id", "external_ref", "status", "line_id", "sku", "channel")


def _title_fields(title: str) -> list[str]:
    """The ``{fields}`` a title template names, in order."""
    return [field for _, field, _, _ in string.Formatter().parse(title) if field is not None]


def _check_title(_instance: object, _attribute: object, value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("must be a non-blank text", path="title", value=value)
    for field in _title_fields(value):
        if field not in _FIELDS:
            raise InvalidInput(
                f"names {{{field}}}; a title may use " + ", ".join(f"{{{f}}}" for f in _FIELDS),
                path="title",
                value=value,
            )


def _conditions(value: Iterable[Condition]) -> tuple[Condition, ...]:
    conditions = tuple(value)
    if not conditions:
        raise DefinitionError("a trigger rule needs at least one condition")
    for condition in conditions:
        if not isinstance(condition, Condition):
            raise DefinitionError(f"not a trigger condition: {condition!r}")
    return conditions


@attrs.frozen
class TriggerRule:
    """When every condition in ``when`` holds, raise a task titled ``title`` (C5).

    ``title`` may name ``{order_id}``, ``{external_ref}``, ``{status}``,
    ``{channel}`` and, for a rule over lines, ``{line_id}`` and ``{sku}``.
    """

    name: str = attrs.field(converter=_name)
    when: tuple[Condition, ...] = attrs.field(converter=_conditions)
    title: str = attrs.field(validator=_check_title)
    severity: TaskSeverity = attrs.field(default=TaskSeverity.INFO, converter=TaskSeverity)

    def __attrs_post_init__(self) -> None:
        line_fields = {"line_id", "sku"} & set(_title_fields(self.title))
        if line_fields and not self.per_line:
            raise InvalidInput(
                f"names {{{sorted(line_fields)[0]}}} but the rule is about orders, not lines",
                path="title",
                value=self.title,
            )

    @property
    def per_line(self) -> bool:
        """Whether the rule is asked once per line (some condition looks at lines)."""
        return any(condition.per_line for condition in self.when)

    def describe(self) -> str:
        """The rule in words: ``name: condition and condition -> severity``."""
        return f"{self.name}: {' and '.join(c.describe() for c in self.when)} -> {self.severity}"


@attrs.frozen
class Match:
    """A rule whose conditions hold for a subject: the task it asks for."""

    rule: TriggerRule
    order: Order
    line: OrderLine | None

    @property
    def subject(self) -> str:
        """``order_id`` or ``order_id/line_id``."""
        if self.line is None:
            return self.order.order_id
        return f"{self.order.order_id}/{self.line.line_id}"

    @property
    def title(self) -> str:
        """The rule's title filled in for this subject."""
        line = self.line
        return self.rule.title.format(
            order_id=self.order.order_id,
            external_ref=self.order.external_ref,
            status=self.order.status.value,
            channel=self.order.channel.value,
            line_id="" if line is None else line.line_id,
            sku="" if line is None else line.sku,
        )


def matches(rules: Sequence[TriggerRule], order: Order, now: datetime) -> list[Match]:
    """Every (rule, subject) of ``order`` whose conditions all hold at ``now``, in rule order."""
    found: list[Match] = []
    for rule in rules:
        if rule.per_line:
            for line in order.lines:
                if all(c.holds(order, line, now) for c in rule.when):
                    found.append(Match(rule, order, line))
        elif all(c.holds(order, None, now) for c in rule.when):
            found.append(Match(rule, order, None))
    return found


_BUILDERS: Final[Mapping[str, Callable[[Any], Condition]]] = {
    "status_in": lambda v: StatusIn(OrderStatus(s) for s in v),
    "flag": HasFlag,
    "payment_authorised": PaymentAuthorised,
    "held_for": HeldFor,
    "older_than_days": OlderThan,
    "line_status_in": lambda v: LineStatusIn(LineStatus(s) for s in v),
    "waiting_days": WaitingLongerThan,
    "sku": SkuIs,
}


def trigger_rules(data: Sequence[Mapping[str, Any]]) -> tuple[TriggerRule, ...]:
    """Build trigger rules from plain data (e.g. a TOML array of tables).

    Each item has ``name``, ``title``, optional ``severity`` (``info``,
    ``amber``, ``red``) and ``when``: a table of conditions, all of which
    must hold: ``status_in`` (order statuses), ``flag``,
    ``payment_authorised`` (true or false), ``held_for`` (a hold code),
    ``older_than_days``, ``line_status_in`` (line statuses),
    ``waiting_days`` and ``sku``. Raises
    :class:`~omskit.errors.InvalidInput` naming the path of the first bad
    value; duplicate rule names are refused.
    """
    if not isinstance(data, list | tuple):
        raise InvalidInput("must be a list of rule tables", path="triggers")
    rules: list[TriggerRule] = []
    for index, item in enumerate(data):
        path = f"triggers[{index}]"
        if not isinstance(item, Mapping):
            raise InvalidInput("must be a table", path=path, value=item)
        unknown = sorted(set(item) - {"name", "title", "severity", "when"})
        if unknown:
            raise InvalidInput(f"unknown key {unknown[0]!r}", path=path)
        when = item.get("when")
        if not isinstance(when, Mapping) or not when:
            raise InvalidInput("must be a non-empty table of conditions", path=f"{path}.when")
        conditions: list[Condition] = []
        for key, value in when.items():
            builder = _BUILDERS.get(key)
            if builder is None:
                raise InvalidInput(
                    f"unknown condition {key!r}; known: " + ", ".join(sorted(_BUILDERS)),
                    path=f"{path}.when",
                )
            try:
                conditions.append(builder(value))
            except (InvalidInput, ValueError, TypeError) as error:
                raise InvalidInput(str(error), path=f"{path}.when.{key}", value=value) from None
        try:
            rules.append(
                TriggerRule(
                    item.get("name", ""),
                    conditions,
                    item.get("title", ""),
                    item.get("severity", TaskSeverity.INFO),
                )
            )
        except (InvalidInput, ValueError) as error:
            raise InvalidInput(str(error), path=path) from None
    return unique_rules(rules)


def unique_rules(rules: Sequence[TriggerRule]) -> tuple[TriggerRule, ...]:
    """``rules`` as a tuple; :class:`~omskit.errors.InvalidInput` if two share a name."""
    names = [rule.name for rule in rules]
    duplicate = next((name for name in names if names.count(name) > 1), None)
    if duplicate is not None:
        raise InvalidInput(f"two rules are named {duplicate!r}", path="triggers")
    return tuple(rules)
