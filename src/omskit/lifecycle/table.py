"""Lifecycles as data: a frozen, validated table of transitions.

A :class:`TransitionTable` is built once (usually at import) from
:class:`Transition` rows. Construction validates it: no two rows may leave the
same state on the same event, every state must be reachable from the initial
state, and every state that is not declared terminal must have a way out.
A broken table raises :class:`~omskit.errors.DefinitionError` at once, not in
the middle of an order. Tables export as Mermaid state diagrams for the docs
and can be extended with a user's own states.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any, Generic, TypeVar

import attrs

from omskit.errors import DefinitionError, IllegalTransition

__all__ = ["Transition", "TransitionTable"]

S = TypeVar("S", bound=Enum)


@attrs.frozen
class Transition(Generic[S]):
    """One row: in state ``source``, the event ``event`` leads to ``target``."""

    source: S
    event: str
    target: S


@attrs.frozen(eq=False)
class TransitionTable(Generic[S]):
    """A validated, immutable state machine over the states of one enum.

    ``entity`` names what the table governs (``"order"``), for error messages.
    """

    entity: str
    initial: S
    transitions: tuple[Transition[S], ...]
    terminal: frozenset[S]
    _index: Mapping[tuple[S, str], S] = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        rows = [(t.source, t.target) for t in self.transitions if isinstance(t, Transition)]
        if len(rows) != len(self.transitions):
            raise DefinitionError(f"{self.entity} lifecycle: every row must be a Transition")
        for state in (self.initial, *self.terminal, *(s for row in rows for s in row)):
            if not isinstance(state, Enum):
                raise DefinitionError(
                    f"{self.entity} lifecycle: states must be enum members, not {state!r}"
                )
        index: dict[tuple[S, str], S] = {}
        for row in self.transitions:
            key = (row.source, row.event)
            if key in index:
                raise DefinitionError(
                    f"{self.entity} lifecycle: state {row.source.value!r} has two transitions "
                    f"on event {row.event!r}"
                )
            index[key] = row.target
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
        rows: Iterable[tuple[object, str, object]],
        terminal: Iterable[S],
    ) -> TransitionTable[S]:
        """Build a table from ``(source or sources, event, target)`` rows."""
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

    def allows(self, state: S, event: str) -> bool:
        """Whether ``event`` is allowed in ``state``."""
        return (state, event) in self._index

    def target(self, state: S, event: str, *, entity_id: str = "?") -> S:
        """The state that ``event`` leads to from ``state``.

        Raises :class:`~omskit.errors.IllegalTransition` naming the entity, its
        state and the event when the table has no such row.
        """
        try:
            return self._index[(state, event)]
        except KeyError:
            raise IllegalTransition(
                entity=self.entity, entity_id=entity_id, state=str(state.value), event=event
            ) from None

    def events_from(self, state: S) -> tuple[str, ...]:
        """The events allowed in ``state``, sorted."""
        return tuple(sorted(event for (source, event) in self._index if source == state))

    def extended(
        self,
        rows: Iterable[tuple[object, str, object]],
        *,
        terminal: Iterable[S] = (),
        remove: Iterable[tuple[S, str]] = (),
    ) -> TransitionTable[Any]:
        """Return a new table with ``rows`` added and ``remove`` (source, event) pairs dropped.

        The states may come from a user's own enum (e.g. a ``StrEnum`` that
        adds ``AWAITING_ENGRAVING``). The result is validated like any table.
        """
        dropped = set(remove)
        kept = tuple(t for t in self.transitions if (t.source, t.event) not in dropped)
        return TransitionTable(
            self.entity, self.initial, kept + _expand(rows), self.terminal | frozenset(terminal)
        )

    def to_mermaid(self) -> str:
        """Render the table as a Mermaid ``stateDiagram-v2``."""
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial.value}"]
        for row in self.transitions:
            lines.append(f"    {row.source.value} --> {row.target.value}: {row.event}")
        for state in sorted(self.terminal, key=lambda s: str(s.value)):
            lines.append(f"    {state.value} --> [*]")
        return "\n".join(lines) + "\n"


def _expand(rows: Iterable[tuple[object, str, object]]) -> tuple[Transition[Any], ...]:
    transitions: list[Transition[Any]] = []
    for sources, event, target in rows:
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
            transitions.append(Transition[Any](source, event, target))
    return tuple(transitions)
