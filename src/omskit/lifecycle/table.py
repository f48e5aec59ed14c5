"""Lifecycles as data: a frozen, validated table of transitions.

A :class:`TransitionTable` is built once (usually at import) from
:class:`Transition` rows. Construction validates it: no two rows may leave the
same state on the same event, every state must be reachable from the initial
state, and every state that is not declared terminal must have a way out.
A row may carry :class:`Guard` conditions on the entity it moves: asked with
the entity (``subject=``), the table refuses the event with
:class:`~omskit.errors.GuardRefused` when a guard does not hold.
A broken table raises :class:`~omskit.errors.DefinitionError` at once, not in
the middle of an order. Tables export as Mermaid state diagrams for the docs
and can be extended with a user's own states.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from typing import Any, Generic, TypeVar

import attrs

from omskit.errors import DefinitionError, GuardRefused, IllegalTransition

__all__ = ["Guard", "Transition", "TransitionTable", "guard"]

S = TypeVar("S", bound=Enum)


def _guard_name(_instance: object, _attribute: object, value: str) -> None:
    if not isinstance(value, str) or not value.isidentifier():
        raise DefinitionError(f"a guard name must be an identifier, not {value!r}")


def _guard_test(_instance: object, _attribute: object, value: Callable[[Any], bool]) -> None:
    if not callable(value):
        raise DefinitionError(f"a guard test must be callable, not {value!r}")


@attrs.frozen
class Guard:
    """A named condition a transition needs: ``test(subject)`` says whether it holds.

    ``subject`` is the entity as it would be after the transition (for an
    order: the order with its new lines). ``description`` says in words what
    must hold; it appears in :class:`~omskit.errors.GuardRefused`. Guards are
    compared by name, so give different conditions different names.
    """

    name: str = attrs.field(validator=_guard_name)
    test: Callable[[Any], bool] = attrs.field(validator=_guard_test, eq=False, repr=False)
    description: str = attrs.field(default="", eq=False)

    def holds(self, subject: Any) -> bool:
        """Whether the condition holds for ``subject``."""
        return bool(self.test(subject))


def guard(description: str) -> Callable[[Callable[[Any], bool]], Guard]:
    """Decorator: turn a predicate into a :class:`Guard` named after the function.

    ``description`` says what must hold, e.g. ``"some line has stock"``.
    """

    def make(test: Callable[[Any], bool]) -> Guard:
        return Guard(test.__name__, test, description)

    return make


@attrs.frozen
class Transition(Generic[S]):
    """One row: in state ``source``, the event ``event`` leads to ``target``.

    The row applies only when every guard in ``guards`` holds.
    """

    source: S
    event: str
    target: S
    guards: tuple[Guard, ...] = ()


@attrs.frozen(eq=False)
class TransitionTable(Generic[S]):
    """A validated, immutable state machine over the states of one enum.

    ``entity`` names what the table governs (``"order"``), for error messages.
    """

    entity: str
    initial: S
    transitions: tuple[Transition[S], ...]
    terminal: frozenset[S]
    _index: Mapping[tuple[S, str], Transition[S]] = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        rows = [(t.source, t.target) for t in self.transitions if isinstance(t, Transition)]
        if len(rows) != len(self.transitions):
            raise DefinitionError(f"{self.entity} lifecycle: every row must be a Transition")
        for state in (self.initial, *self.terminal, *(s for row in rows for s in row)):
            if not isinstance(state, Enum):
                raise DefinitionError(
                    f"{self.entity} lifecycle: states must be enum members, not {state!r}"
                )
        index: dict[tuple[S, str], Transition[S]] = {}
        for row in self.transitions:
            if not all(isinstance(g, Guard) for g in row.guards):
                raise DefinitionError(
                    f"{self.entity} lifecycle: the guards of {row.source.value!r} on "
                    f"{row.event!r} must be Guard objects"
                )
            key = (row.source, row.event)
            if key in index:
                raise DefinitionError(
                    f"{self.entity} lifecycle: state {row.source.value!r} has two transitions "
                    f"on event {row.event!r}"
                )
            index[key] = row
        object.__setattr__(self, "_index", index)
        states = self.states
        reachable = {self.initial}
        frontier = [self.initial]
        while frontier:
            state = frontier.pop()
            for row in self.transitions:
                if row.source == state and row.target not in reachable:
                    reachable.add(row.target)
                    frontier.append(row.target)
        unreachable = sorted(str(s.value) for s in states - reachable)
        if unreachable:
            raise DefinitionError(
                f"{self.entity} lifecycle: unreachable from {self.initial.value!r}: "
                + ", ".join(unreachable)
            )
        sources = {row.source for row in self.transitions}
        dead = sorted(str(s.value) for s in states - sources - self.terminal)
        if dead:
            raise DefinitionError(
                f"{self.entity} lifecycle: dead ends that are not terminal: " + ", ".join(dead)
            )
        leaving_terminal = sorted(str(s.value) for s in self.terminal & sources)
        if leaving_terminal:
            raise DefinitionError(
                f"{self.entity} lifecycle: terminal states with outgoing transitions: "
                + ", ".join(leaving_terminal)
            )

    @classmethod
    def build(
        cls,
        entity: str,
        *,
        initial: S,
        rows: Iterable[tuple[Any, ...]],
        terminal: Iterable[S],
    ) -> TransitionTable[S]:
        """Build a table from ``(source or sources, event, target[, guards])`` rows."""
        return cls(entity, initial, _expand(rows), frozenset(terminal))

    @property
    def states(self) -> frozenset[S]:
        """Every state the table mentions."""
        found = {self.initial} | set(self.terminal)
        for row in self.transitions:
            found.update((row.source, row.target))
        return frozenset(found)

    @property
    def events(self) -> frozenset[str]:
        """Every event name the table knows."""
        return frozenset(row.event for row in self.transitions)

    def allows(self, state: S, event: str, *, subject: Any = None) -> bool:
        """Whether ``event`` is allowed in ``state`` (and, given ``subject``, its guards hold)."""
        row = self._index.get((state, event))
        if row is None:
            return False
        return subject is None or all(g.holds(subject) for g in row.guards)

    def row(self, state: S, event: str) -> Transition[S] | None:
        """The row that ``event`` follows from ``state``, if the table has one."""
        return self._index.get((state, event))

    def target(self, state: S, event: str, *, entity_id: str = "?", subject: Any = None) -> S:
        """The state that ``event`` leads to from ``state``.

        Raises :class:`~omskit.errors.IllegalTransition` naming the entity, its
        state and the event when the table has no such row. Given ``subject``
        (the entity as the transition would leave it), the row's guards are
        checked too: the first that does not hold raises
        :class:`~omskit.errors.GuardRefused`. Without a subject the guards
        are not asked (a question about the table, not about an entity).
        """
        row = self._index.get((state, event))
        if row is None:
            raise IllegalTransition(
                entity=self.entity, entity_id=entity_id, state=str(state.value), event=event
            )
        if subject is not None:
            for condition in row.guards:
                if not condition.holds(subject):
                    raise GuardRefused(
                        entity=self.entity,
                        entity_id=entity_id,
                        state=str(state.value),
                        event=event,
                        guard=condition.name,
                        description=condition.description,
                    )
        return row.target

    def events_from(self, state: S) -> tuple[str, ...]:
        """The events allowed in ``state``, sorted."""
        return tuple(sorted(event for (source, event) in self._index if source == state))

    def extended(
        self,
        rows: Iterable[tuple[Any, ...]] = (),
        *,
        terminal: Iterable[S] = (),
        remove: Iterable[tuple[S, str]] = (),
        guards: Mapping[tuple[Any, str], Iterable[Guard]] | None = None,
    ) -> TransitionTable[Any]:
        """Return a new table with ``rows`` added and ``remove`` (source, event) pairs dropped.

        The states may come from a user's own enum (e.g. a ``StrEnum`` that
        adds ``AWAITING_ENGRAVING``). ``guards`` adds conditions to existing
        rows, keyed by ``(source, event)``. The result is validated like any
        table.
        """
        dropped = set(remove)
        extra = {key: tuple(value) for key, value in (guards or {}).items()}
        unknown = [key for key in extra if key not in self._index or key in dropped]
        if unknown:
            source, event = unknown[0]
            raise DefinitionError(
                f"{self.entity} lifecycle: no row leaves {getattr(source, 'value', source)!r} "
                f"on {event!r} to add guards to"
            )
        kept = tuple(
            attrs.evolve(t, guards=t.guards + extra.get((t.source, t.event), ()))
            for t in self.transitions
            if (t.source, t.event) not in dropped
        )
        return TransitionTable(
            self.entity, self.initial, kept + _expand(rows), self.terminal | frozenset(terminal)
        )

    def to_mermaid(self) -> str:
        """Render the table as a Mermaid ``stateDiagram-v2``."""
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial.value}"]
        for row in self.transitions:
            condition = f" [{', '.join(g.name for g in row.guards)}]" if row.guards else ""
            lines.append(f"    {row.source.value} --> {row.target.value}: {row.event}{condition}")
        for state in sorted(self.terminal, key=lambda s: str(s.value)):
            lines.append(f"    {state.value} --> [*]")
        return "\n".join(lines) + "\n"


def _expand(rows: Iterable[tuple[Any, ...]]) -> tuple[Transition[Any], ...]:
    transitions: list[Transition[Any]] = []
    for row in rows:
        if not isinstance(row, tuple) or len(row) not in (3, 4):
            raise DefinitionError(
                f"a transition row is (source, event, target[, guards]), not {row!r}"
            )
        sources, event, target = row[:3]
        guards = tuple(row[3]) if len(row) == 4 else ()
        if not isinstance(event, str) or not event:
            raise DefinitionError(f"transition event must be a non-empty string, not {event!r}")
        group = (sources,) if isinstance(sources, Enum) else sources
        if not isinstance(group, Iterable):
            raise DefinitionError(f"transition source must be a state or states, not {sources!r}")
        for source in group:
            if not isinstance(source, Enum) or not isinstance(target, Enum):
                raise DefinitionError(
                    f"transition states must be enum members, not {source!r} -> {target!r}"
                )
            transitions.append(Transition[Any](source, event, target, guards))
    return tuple(transitions)
