"""The PostgreSQL schema of omskit: the SQLite migrations, spelled for PostgreSQL.

The tables, columns and indexes are those of
:mod:`omskit.adapters.sqlite.schema` (entities as JSON text in a ``data``
column beside the lookup columns), so the repositories run the same SQL on
both. Each SQLite migration is carried over with three spelling changes:
``seq`` columns become ``BIGINT GENERATED ALWAYS AS IDENTITY``, a hold's
expiry in microseconds becomes ``BIGINT``, and every text column is
``COLLATE "C"`` so listings sort by code point, as on SQLite and in the
memory store, whatever the database's locale.

:func:`migrate` applies the pending migrations in one transaction holding a
transaction-level advisory lock, so two processes opening a new schema at
once migrate it exactly once. A schema newer than this omskit knows is
refused.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import psycopg
from psycopg import sql

from omskit.adapters._migrations import Migration, apply, checked
from omskit.adapters.sqlite import schema as sqlite_schema

__all__ = ["MIGRATIONS", "migrate", "schema_version", "to_postgres"]

MIGRATE_LOCK = 0x6F6D_7301
"""The advisory lock key (one 64-bit key) held while a schema is created or migrated."""


def to_postgres(statement: str) -> str:
    """One SQLite migration statement of omskit, spelled for PostgreSQL."""
    statement = statement.replace(" WITHOUT ROWID", "")
    statement = statement.replace(
        "seq INTEGER PRIMARY KEY", "seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
    )
    statement = statement.replace("expires_us INTEGER", "expires_us BIGINT")
    return re.sub(r"\bTEXT\b", 'TEXT COLLATE "C"', statement)


MIGRATIONS: tuple[Migration, ...] = tuple(
    Migration(step.version, step.description, tuple(map(to_postgres, step.statements)))
    for step in sqlite_schema.MIGRATIONS
)
"""The forward migrations of this omskit release, oldest first."""

_VERSION_TABLE = """CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY, description TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"""


def schema_version(connection: psycopg.Connection[tuple[object, ...]]) -> int:
    """The highest migration applied to the current schema of ``connection`` (0 when new)."""
    found = connection.execute("SELECT to_regclass('schema_version')").fetchone()
    if found is None or found[0] is None:
        return 0
    row = connection.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()
    assert row is not None
    return int(str(row[0]))


def migrate(
    connection: psycopg.Connection[tuple[object, ...]],
    migrations: Sequence[Migration] = MIGRATIONS,
    *,
    schema: str | None = None,
) -> tuple[int, ...]:
    """Bring the database up to the last of ``migrations``; return the versions applied now.

    ``connection`` must have no transaction open. ``schema``, when given, is
    created if missing (its name is the connection's ``search_path``). All
    pending migrations run in one transaction under an advisory lock: all of
    them are applied or none. Raises :class:`~omskit.errors.OmsError` when
    the schema is newer than ``migrations`` and
    :class:`~omskit.errors.DefinitionError` for a badly numbered list.
    """
    steps = checked(migrations)
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATE_LOCK,))
        if schema is not None:
            connection.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema))
            )
        connection.execute(_VERSION_TABLE)
        return apply(steps, schema_version(connection), connection.execute, placeholder="%s")
