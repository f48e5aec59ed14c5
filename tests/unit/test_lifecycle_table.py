"""Transition tables: validation, lookups, extension with users' own states, Mermaid."""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum, StrEnum
from typing import Any

import attrs
import pytest

from omskit.errors import DefinitionError, GuardRefused, IllegalTransition
from omskit.lifecycle import ORDER_LIFECYCLE
from omskit.lifecycle.table import Guard, Transition, TransitionTable, guard
from omskit.model import OrderStatus


class Door(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    LOCKED = "locked"
    BROKEN = "broken"


class Engraving(StrEnum):
    """A shop's own step: engrave the goods between allocation and release."""

    AWAITING_ENGRAVING = "awaiting_engraving"
    ENGRAVING_FAILED = "engraving_failed"


class Numbered(Enum):
    ONE = 1
    TWO = 2


DOOR_ROWS: list[tuple[object, str, object]] = [
    (Door.OPEN, "close", Door.CLOSED),
    (Door.CLOSED, "open", Door.OPEN),
    (Door.CLOSED, "lock", Door.LOCKED),
    (Door.LOCKED, "unlock", Door.CLOSED),
    ((Door.OPEN, Door.CLOSED, Door.LOCKED), "kick", Door.BROKEN),
]


def door_table(
    rows: list[tuple[object, str, object]] | None = None,
    *,
    terminal: tuple[Door, ...] = (Door.BROKEN,),
) -> TransitionTable[Door]:
    return TransitionTable.build(
        "door", initial=Door.OPEN, rows=DOOR_ROWS if rows is None else rows, terminal=terminal
    )


# --- a valid table ----------------------------------------------------------------------


def test_build_expands_rows_with_several_sources_into_one_transition_each() -> None:
    table = door_table()
    assert len(table.transitions) == 7
    kicks = [row for row in table.transitions if row.event == "kick"]
    assert [row.source for row in kicks] == [Door.OPEN, Door.CLOSED, Door.LOCKED]
    assert all(row.target is Door.BROKEN for row in kicks)
    assert all(isinstance(row, Transition) for row in table.transitions)


def test_build_accepts_rows_from_any_iterable() -> None:
    def rows() -> Iterator[tuple[object, str, object]]:
        yield from DOOR_ROWS

    assert door_table(list(rows())).transitions == door_table().transitions
    table = TransitionTable.build("door", initial=Door.OPEN, rows=rows(), terminal=[Door.BROKEN])
    assert table.transitions == door_table().transitions


def test_states_and_events_list_everything_the_table_mentions() -> None:
    table = door_table()
    assert table.states == frozenset(Door)
    assert table.events == frozenset({"close", "open", "lock", "unlock", "kick"})
    assert table.entity == "door"
    assert table.initial is Door.OPEN
    assert table.terminal == frozenset({Door.BROKEN})


def test_allows_tells_whether_an_event_is_allowed_in_a_state() -> None:
    table = door_table()
    assert table.allows(Door.CLOSED, "lock")
    assert not table.allows(Door.OPEN, "lock")
    assert not table.allows(Door.BROKEN, "open")
    assert not table.allows(Door.OPEN, "no-such-event")


def test_target_is_the_state_an_event_leads_to() -> None:
    table = door_table()
    assert table.target(Door.OPEN, "close") is Door.CLOSED
    assert table.target(Door.LOCKED, "kick") is Door.BROKEN


def test_target_of_a_disallowed_event_raises_illegal_transition_naming_everything() -> None:
    with pytest.raises(IllegalTransition) as caught:
        door_table().target(Door.OPEN, "lock", entity_id="front-door")
    error = caught.value
    assert (error.entity, error.entity_id, error.state, error.event) == (
        "door",
        "front-door",
        "open",
        "lock",
    )
    assert str(error) == "door 'front-door' is 'open'; the event 'lock' is not allowed there"


def test_target_without_an_entity_id_names_it_with_a_question_mark() -> None:
    with pytest.raises(IllegalTransition) as caught:
        door_table().target(Door.BROKEN, "open")
    assert caught.value.entity_id == "?"
    assert caught.value.state == "broken"


def test_events_from_lists_the_allowed_events_sorted() -> None:
    table = door_table()
    assert table.events_from(Door.CLOSED) == ("kick", "lock", "open")
    assert table.events_from(Door.OPEN) == ("close", "kick")
    assert table.events_from(Door.BROKEN) == ()


def test_a_table_accepts_plain_enums_as_well_as_str_enums() -> None:
    table = TransitionTable.build(
        "counter",
        initial=Numbered.ONE,
        rows=[(Numbered.ONE, "next", Numbered.TWO)],
        terminal=[Numbered.TWO],
    )
    assert table.target(Numbered.ONE, "next") is Numbered.TWO
    with pytest.raises(IllegalTransition) as caught:
        table.target(Numbered.TWO, "next")
    assert caught.value.state == "2"


def test_a_table_and_its_rows_are_frozen() -> None:
    table = door_table()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        table.initial = Door.CLOSED  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        table.transitions[0].target = Door.BROKEN  # type: ignore[misc]


# --- validation -------------------------------------------------------------------------


def test_two_transitions_on_the_same_event_from_one_state_are_refused() -> None:
    rows = [*DOOR_ROWS, (Door.OPEN, "close", Door.LOCKED)]
    with pytest.raises(DefinitionError) as caught:
        door_table(rows)
    assert str(caught.value) == (
        "door lifecycle: state 'open' has two transitions on event 'close'"
    )


def test_a_repeated_identical_transition_is_refused_too() -> None:
    with pytest.raises(DefinitionError, match="two transitions on event 'lock'"):
        door_table([*DOOR_ROWS, (Door.CLOSED, "lock", Door.LOCKED)])


def test_states_unreachable_from_the_initial_state_are_refused_by_name() -> None:
    rows: list[tuple[object, str, object]] = [
        (Door.OPEN, "kick", Door.BROKEN),
        (Door.LOCKED, "unlock", Door.CLOSED),
        (Door.CLOSED, "lock", Door.LOCKED),
    ]
    with pytest.raises(DefinitionError) as caught:
        door_table(rows)
    assert str(caught.value) == "door lifecycle: unreachable from 'open': closed, locked"


def test_a_terminal_state_nothing_leads_to_is_unreachable() -> None:
    rows: list[tuple[object, str, object]] = [
        (Door.OPEN, "close", Door.CLOSED),
        (Door.CLOSED, "kick", Door.BROKEN),
    ]
    with pytest.raises(DefinitionError, match=r"unreachable from 'open': locked$"):
        door_table(rows, terminal=(Door.BROKEN, Door.LOCKED))


def test_a_dead_end_that_is_not_terminal_is_refused() -> None:
    with pytest.raises(DefinitionError) as caught:
        door_table(terminal=())
    assert str(caught.value) == "door lifecycle: dead ends that are not terminal: broken"


def test_a_terminal_state_with_a_way_out_is_refused() -> None:
    rows = [*DOOR_ROWS, (Door.BROKEN, "repair", Door.CLOSED)]
    with pytest.raises(DefinitionError) as caught:
        door_table(rows)
    assert str(caught.value) == (
        "door lifecycle: terminal states with outgoing transitions: broken"
    )


@pytest.mark.parametrize(
    "row",
    [
        ("open", "close", Door.CLOSED),
        (Door.OPEN, "close", "closed"),
        ((Door.OPEN, "closed"), "kick", Door.BROKEN),
        (1, "close", Door.CLOSED),
        (None, "close", Door.CLOSED),
    ],
    ids=["str-source", "str-target", "str-in-sources", "int-source", "none-source"],
)
def test_states_that_are_not_enum_members_are_refused(row: tuple[object, str, object]) -> None:
    with pytest.raises(DefinitionError, match="transition s"):
        door_table([*DOOR_ROWS, row])


@pytest.mark.parametrize("event", ["", None, 3, Door.OPEN.value.encode()])
def test_events_that_are_not_non_empty_strings_are_refused(event: Any) -> None:
    with pytest.raises(DefinitionError, match="event must be a non-empty string"):
        door_table([*DOOR_ROWS, (Door.OPEN, event, Door.BROKEN)])


@pytest.mark.parametrize(
    ("initial", "terminal"),
    [("open", [Door.BROKEN]), (None, [Door.BROKEN]), (Door.OPEN, [Door.BROKEN, "gone"])],
    ids=["str-initial", "none-initial", "str-terminal"],
)
def test_initial_and_terminal_states_that_are_not_enum_members_are_refused(
    initial: Any, terminal: list[Any]
) -> None:
    with pytest.raises(DefinitionError, match="door lifecycle: states must be enum members"):
        TransitionTable.build("door", initial=initial, rows=DOOR_ROWS, terminal=terminal)


def test_a_table_built_directly_refuses_rows_with_states_that_are_not_enum_members() -> None:
    rows: tuple[Transition[Any], ...] = (Transition("open", "close", "closed"),)
    with pytest.raises(DefinitionError, match="states must be enum members, not 'open'"):
        TransitionTable("door", Door.OPEN, rows, frozenset({Door.CLOSED}))


def test_a_table_built_directly_refuses_rows_that_are_not_transitions() -> None:
    rows: Any = ((Door.OPEN, "close", Door.CLOSED),)
    with pytest.raises(DefinitionError, match="every row must be a Transition"):
        TransitionTable("door", Door.OPEN, rows, frozenset({Door.CLOSED}))


def test_definition_errors_are_type_errors_raised_at_definition_time() -> None:
    with pytest.raises(TypeError):
        door_table(terminal=())


# --- extension with a user's own states -------------------------------------------------


def engraving_lifecycle() -> TransitionTable[Any]:
    """The shop's order lifecycle: engrave after allocation, then release.

    States are plain enum members, so the shop's own ``Engraving`` enum mixes
    with omskit's ``OrderStatus``. The table is typed over ``Any`` because it
    now spans two enums.
    """
    base: TransitionTable[Any] = ORDER_LIFECYCLE
    return base.extended(
        [
            (OrderStatus.ALLOCATED, "send_to_engraver", Engraving.AWAITING_ENGRAVING),
            (Engraving.AWAITING_ENGRAVING, "engraved", OrderStatus.ALLOCATED),
            (Engraving.AWAITING_ENGRAVING, "engraving_failed", Engraving.ENGRAVING_FAILED),
            (Engraving.AWAITING_ENGRAVING, "cancel", OrderStatus.CANCELLED),
        ],
        terminal=[Engraving.ENGRAVING_FAILED],
    )


def test_a_user_extends_the_order_lifecycle_with_their_own_enum_states() -> None:
    table = engraving_lifecycle()
    assert table.target(OrderStatus.ALLOCATED, "send_to_engraver") is (Engraving.AWAITING_ENGRAVING)
    assert table.target(Engraving.AWAITING_ENGRAVING, "engraved") is OrderStatus.ALLOCATED
    assert table.events_from(Engraving.AWAITING_ENGRAVING) == (
        "cancel",
        "engraved",
        "engraving_failed",
    )
    assert Engraving.ENGRAVING_FAILED in table.terminal
    assert set(Engraving) <= table.states
    assert set(OrderStatus) <= table.states


def test_extending_keeps_every_original_transition_and_the_entity() -> None:
    table = engraving_lifecycle()
    assert table.entity == "order"
    assert table.initial is OrderStatus.CREATED
    for row in ORDER_LIFECYCLE.transitions:
        assert table.target(row.source, row.event) is row.target


def test_extending_leaves_the_original_table_alone() -> None:
    before = ORDER_LIFECYCLE.transitions
    engraving_lifecycle()
    assert ORDER_LIFECYCLE.transitions == before
    assert not ORDER_LIFECYCLE.allows(OrderStatus.ALLOCATED, "send_to_engraver")


def test_an_illegal_event_in_a_users_state_names_that_state() -> None:
    with pytest.raises(IllegalTransition) as caught:
        engraving_lifecycle().target(Engraving.AWAITING_ENGRAVING, "ship", entity_id="O-7")
    assert caught.value.state == "awaiting_engraving"
    assert caught.value.entity == "order"
    assert caught.value.entity_id == "O-7"


def test_remove_replaces_a_step_to_insert_the_users_state_in_between() -> None:
    base: TransitionTable[Any] = ORDER_LIFECYCLE
    table = base.extended(
        [
            (OrderStatus.ALLOCATED, "send_to_engraver", Engraving.AWAITING_ENGRAVING),
            (Engraving.AWAITING_ENGRAVING, "release", OrderStatus.RELEASED),
        ],
        remove=[(OrderStatus.ALLOCATED, "release")],
    )
    assert not table.allows(OrderStatus.ALLOCATED, "release")
    state = OrderStatus.ALLOCATED
    for event in ("send_to_engraver", "release"):
        state = table.target(state, event)
    assert state is OrderStatus.RELEASED


def test_remove_drops_a_transition() -> None:
    table = ORDER_LIFECYCLE.extended([], remove=[(OrderStatus.RELEASED, "cancel")])
    assert not table.allows(OrderStatus.RELEASED, "cancel")
    assert table.allows(OrderStatus.ALLOCATED, "cancel")
    assert len(table.transitions) == len(ORDER_LIFECYCLE.transitions) - 1


def test_an_extension_is_validated_like_a_new_table() -> None:
    base: TransitionTable[Any] = ORDER_LIFECYCLE
    with pytest.raises(DefinitionError, match="dead ends that are not terminal"):
        base.extended([(OrderStatus.ALLOCATED, "send_to_engraver", Engraving.AWAITING_ENGRAVING)])
    with pytest.raises(DefinitionError, match="unreachable from 'created': on_hold"):
        ORDER_LIFECYCLE.extended([], remove=[(OrderStatus.CREATED, "hold")])
    with pytest.raises(DefinitionError, match="two transitions on event 'allocate'"):
        ORDER_LIFECYCLE.extended([(OrderStatus.VALIDATED, "allocate", OrderStatus.BACKORDERED)])


# --- Mermaid ----------------------------------------------------------------------------


def test_to_mermaid_is_a_state_diagram_starting_at_the_initial_state() -> None:
    diagram = door_table().to_mermaid()
    lines = diagram.splitlines()
    assert lines[0] == "stateDiagram-v2"
    assert lines[1] == "    [*] --> open"
    assert diagram.endswith("\n")


@pytest.mark.parametrize(
    "table", [door_table(), ORDER_LIFECYCLE, engraving_lifecycle()], ids=["door", "order", "shop"]
)
def test_to_mermaid_draws_every_transition_and_every_terminal_state(
    table: TransitionTable[Any],
) -> None:
    lines = table.to_mermaid().splitlines()
    for row in table.transitions:
        label = (
            f"{row.event} [{', '.join(g.name for g in row.guards)}]" if row.guards else row.event
        )
        assert f"    {row.source.value} --> {row.target.value}: {label}" in lines
    for state in table.terminal:
        assert f"    {state.value} --> [*]" in lines
    assert len(lines) == 2 + len(table.transitions) + len(table.terminal)


def test_to_mermaid_lists_terminal_states_in_a_stable_order() -> None:
    lines = ORDER_LIFECYCLE.to_mermaid().splitlines()
    assert lines[-3:] == ["    cancelled --> [*]", "    refused --> [*]", "    returned --> [*]"]


# --- guards -----------------------------------------------------------------------------


@attrs.frozen
class Room:
    """A subject for the door's guards."""

    key_in_hand: bool
    person_inside: bool = False


@guard("someone holds the key")
def has_key(room: Room) -> bool:
    return room.key_in_hand


@guard("nobody is inside")
def empty(room: Room) -> bool:
    return not room.person_inside


def guarded_door() -> TransitionTable[Door]:
    return door_table().extended(guards={(Door.CLOSED, "lock"): [has_key, empty]})


def test_guard_builds_a_named_guard_from_a_predicate() -> None:
    assert has_key.name == "has_key"
    assert has_key.description == "someone holds the key"
    assert has_key.holds(Room(key_in_hand=True))
    assert not has_key.holds(Room(key_in_hand=False))


def test_a_guarded_row_moves_only_when_every_guard_holds() -> None:
    table = guarded_door()
    assert table.target(Door.CLOSED, "lock", subject=Room(key_in_hand=True)) is Door.LOCKED
    assert table.allows(Door.CLOSED, "lock", subject=Room(key_in_hand=True))
    assert not table.allows(Door.CLOSED, "lock", subject=Room(key_in_hand=False))


@pytest.mark.parametrize(
    ("room", "failing"),
    [
        (Room(key_in_hand=False), "has_key"),
        (Room(key_in_hand=True, person_inside=True), "empty"),
        (Room(key_in_hand=False, person_inside=True), "has_key"),
    ],
)
def test_the_first_failing_guard_is_named_in_guard_refused(room: Room, failing: str) -> None:
    with pytest.raises(GuardRefused) as caught:
        guarded_door().target(Door.CLOSED, "lock", entity_id="D-1", subject=room)
    error = caught.value
    assert isinstance(error, IllegalTransition)
    assert (error.entity, error.entity_id, error.state, error.event) == (
        "door",
        "D-1",
        "closed",
        "lock",
    )
    assert error.guard == failing
    assert failing in str(error)


def test_without_a_subject_the_table_answers_about_rows_only() -> None:
    table = guarded_door()
    assert table.allows(Door.CLOSED, "lock")
    assert table.target(Door.CLOSED, "lock") is Door.LOCKED


def test_rows_may_carry_guards_as_a_fourth_item_and_mermaid_shows_them() -> None:
    table = TransitionTable.build(
        "door",
        initial=Door.OPEN,
        rows=[
            (Door.OPEN, "close", Door.CLOSED),
            (Door.CLOSED, "lock", Door.LOCKED, [has_key]),
            (Door.LOCKED, "kick", Door.BROKEN),
        ],
        terminal=[Door.BROKEN],
    )
    row = table.row(Door.CLOSED, "lock")
    assert row is not None
    assert row.guards == (has_key,)
    assert "    closed --> locked: lock [has_key]" in table.to_mermaid().splitlines()
    assert table.row(Door.OPEN, "lock") is None


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([(Door.OPEN, "close")], "a transition row is"),
        ([(Door.OPEN, "close", Door.CLOSED, ["not a guard"])], "must be Guard objects"),
    ],
)
def test_bad_guarded_rows_are_definition_errors(
    rows: list[tuple[object, ...]], message: str
) -> None:
    with pytest.raises(DefinitionError, match=message):
        TransitionTable.build("door", initial=Door.OPEN, rows=rows, terminal=[Door.CLOSED])


def test_guards_can_only_be_added_to_rows_that_exist() -> None:
    with pytest.raises(DefinitionError, match="no row leaves 'open' on 'lock'"):
        door_table().extended(guards={(Door.OPEN, "lock"): [has_key]})


@pytest.mark.parametrize(
    ("name", "test", "message"),
    [("not a name", bool, "must be an identifier"), ("ok", "not callable", "must be callable")],
)
def test_a_guard_needs_a_name_and_a_callable(name: str, test: Any, message: str) -> None:
    with pytest.raises(DefinitionError, match=message):
        Guard(name, test)
