"""The forward-migration machinery the SQL stores share: migration steps and what to apply."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import attrs

from omskit.errors import DefinitionError, OmsError

__all__ = ["Migration", "apply", "checked", "pending"]


def _check_statements(_: object, attribute: attrs.Attribute[object], value: object) -> None:
    if not isinstance(value, tuple) or not value or not all(isinstance(s, str) for s in value):
        raise DefinitionError(f"{attribute.name} must be a non-empty tuple of SQL statements")


@attrs.frozen
class Migration:
    """One forward step of the schema: ``version`` (1, 2, ...) reached by running ``statements``."""

    version: int = attrs.field(validator=attrs.validators.instance_of(int))
    description: str = attrs.field(validator=attrs.validators.instance_of(str))
    statements: tuple[str, ...] = attrs.field(validator=_check_statements)


def checked(migrations: Sequence[Migration]) -> tuple[Migration, ...]:
    """``migrations`` as a tuple; DefinitionError unless they are numbered 1, 2, ... in order."""
    steps = tuple(migrations)
    for expected, step in enumerate(steps, start=1):
        if not isinstance(step, Migration) or step.version != expected:
            raise DefinitionError(
                f"migrations must be Migration objects numbered 1, 2, ... in order; "
                f"position {expected} holds {step!r}"
            )
    return steps


def pending(steps: tuple[Migration, ...], current: int) -> tuple[Migration, ...]:
    """The steps above version ``current``; OmsError when the schema is newer than ``steps``."""
    if current > len(steps):
        raise OmsError(
            f"the database schema is at version {current}, newer than this omskit "
            f"knows ({len(steps)}); upgrade omskit to open it"
        )
    return steps[current:]


def apply(
    steps: tuple[Migration, ...],
    current: int,
    execute: Callable[..., Any],
    *,
    placeholder: str = "?",
) -> tuple[int, ...]:
    """Run the steps above ``current`` with ``execute``, recording each; return their versions.

    ``execute(sql)`` or ``execute(sql, params)`` runs one statement in the
    caller's open transaction; ``placeholder`` is the driver's parameter
    mark. Each step's statements run in order, then its row goes into
    ``schema_version``.
    """
    record = (
        f"INSERT INTO schema_version (version, description) VALUES ({placeholder}, {placeholder})"
    )
    applied = []
    for step in pending(steps, current):
        for statement in step.statements:
            execute(statement)
        execute(record, (step.version, step.description))
        applied.append(step.version)
    return tuple(applied)
