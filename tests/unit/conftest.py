"""Fixtures for the PostgreSQL tests: a server from ``OMSKIT_PG_DSN`` and a fresh schema each.

Without ``OMSKIT_PG_DSN`` the PostgreSQL tests are skipped, saying why;
with ``OMSKIT_REQUIRE_PG=1`` (``.ci/run`` sets it) a missing server or
driver fails them instead, so CI never skips them. ``make test`` starts a
throwaway server with ``.ci/postgres`` when the PostgreSQL binaries exist.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Callable, Iterator

import pytest


def _unavailable(reason: str) -> None:
    if os.environ.get("OMSKIT_REQUIRE_PG") == "1":
        pytest.fail(f"{reason}; OMSKIT_REQUIRE_PG=1 requires the PostgreSQL tests to run")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_dsn() -> str:
    """The DSN of the PostgreSQL server the tests use (skip or fail without one)."""
    dsn = os.environ.get("OMSKIT_PG_DSN", "")
    if not dsn:
        _unavailable(
            "no PostgreSQL server: set OMSKIT_PG_DSN (make test starts a throwaway one "
            "with .ci/postgres when initdb and pg_ctl are installed)"
        )
    try:
        import psycopg
    except ImportError:  # pragma: no cover - the dev group installs it
        _unavailable("psycopg is not installed (pip install 'omskit[postgres]')")
    try:
        psycopg.connect(dsn, connect_timeout=10).close()
    except psycopg.OperationalError as error:  # pragma: no cover - a broken environment
        _unavailable(f"cannot connect to OMSKIT_PG_DSN: {error}")
    return dsn


@pytest.fixture
def pg_schema(pg_dsn: str) -> Iterator[Callable[[], str]]:
    """Makes names of new schemas, dropped (with everything in them) after the test."""
    import psycopg
    from psycopg import sql

    prefix = f"t_{uuid.uuid4().hex[:12]}"
    numbers = itertools.count(1)
    made: list[str] = []

    def make() -> str:
        name = f"{prefix}_{next(numbers)}"
        made.append(name)
        return name

    yield make
    with psycopg.connect(pg_dsn, autocommit=True) as connection:
        for name in made:
            connection.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name))
            )
