"""The SQLite store: a file that keeps omskit's state across restarts.

:class:`SqliteStore` opens (and creates or migrates, see
:mod:`omskit.adapters.sqlite.schema`) one database file in WAL mode. Each
thread gets its own connection, made on first use and closed by
:meth:`SqliteStore.close`; a unit of work uses its thread's connection.

A unit of work takes the database's write lock when it opens (``BEGIN
IMMEDIATE``) and keeps it until it ends, so units of work on one file run
one at a time, in this process and in any other: a reservation reads the
stock it decrements with nobody writing in between, and no unit can
oversell. Another writer waits up to ``timeout`` seconds for the lock, then
gets :class:`~omskit.errors.ConcurrencyConflict`. Leaving the block without
:meth:`SqliteUnitOfWork.commit` rolls back.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import cattrs

from omskit.adapters._sql import ConnectionPerThread
from omskit.adapters.sqlite._session import Decoded, Session, is_locked
from omskit.adapters.sqlite._work import SqlUnitOfWork
from omskit.adapters.sqlite.schema import MIGRATIONS, Migration, migrate, schema_version
from omskit.errors import ConcurrencyConflict, InvalidInput, OmsError
from omskit.serialization import make_converter

__all__ = ["SqliteStore", "SqliteUnitOfWork"]

Synchronous = Literal["FULL", "NORMAL"]


class SqliteUnitOfWork(SqlUnitOfWork):
    """One transaction over every repository of a :class:`SqliteStore`.

    The transaction starts with ``BEGIN IMMEDIATE`` when the block is
    entered; :meth:`commit` makes it durable and the next read or write
    starts another one, which leaving the block rolls back unless it is
    committed too.
    """

    _session: Session

    def __init__(self, store: SqliteStore) -> None:
        self._store = store
        super().__init__(Session(store.converter, store._decoded), store._local)

    def _attach(self) -> None:
        self._session.connection = self._store._connection()

    def commit(self) -> None:
        """Make every change made so far in this unit of work durable and visible."""
        connection = self._session.check()
        try:
            connection.execute("COMMIT")
        except sqlite3.OperationalError as error:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            if is_locked(error):
                raise ConcurrencyConflict(
                    "the commit could not get the database; nothing was written", kind="database"
                ) from error
            raise

    def rollback(self) -> None:
        """Discard every change since the last commit."""
        connection = self._session.connection
        if self._session.active and connection is not None and connection.in_transaction:
            connection.execute("ROLLBACK")


class SqliteStore(ConnectionPerThread[sqlite3.Connection]):
    """omskit's state in one SQLite file; a :class:`~omskit.ports.Store`.

    ``path`` is the database file (created if missing, migrated to the
    current schema when opened). ``timeout`` is how many seconds a unit of
    work waits for another writer (the busy timeout). ``synchronous`` is
    SQLite's durability setting in WAL mode: ``"FULL"`` (the default) syncs
    every commit to disk; ``"NORMAL"`` survives a crash of the process but
    may lose the last commits on power loss, for several times the speed.
    ``converter`` reads and writes the entities (pass
    :func:`~omskit.serialization.make_converter` with your own event types
    or order states). ``migrations`` is for tests of the migration machinery.

    Thread-safe: each thread uses its own connection. A thread may hold only
    one open unit of work per store (they do not nest). Several stores (in
    this process or others) may open the same file.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        timeout: float = 30.0,
        synchronous: Synchronous = "FULL",
        converter: cattrs.Converter | None = None,
        migrations: Sequence[Migration] = MIGRATIONS,
    ) -> None:
        if not isinstance(path, str | os.PathLike):
            raise InvalidInput("must be a file path", path="path", value=path)
        location = os.fspath(path)
        if (
            not isinstance(location, str)
            or location in ("", ":memory:")
            or location.startswith("file:")
        ):
            raise InvalidInput(
                "must name a database file (use MemoryStore for state in memory)",
                path="path",
                value=path,
            )
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout < 0:
            raise InvalidInput("must be a number of seconds, 0 or more", path="timeout")
        if synchronous not in ("FULL", "NORMAL"):
            raise InvalidInput("must be 'FULL' or 'NORMAL'", path="synchronous", value=synchronous)
        self.path = Path(location)
        """The database file."""
        self.timeout = float(timeout)
        self.synchronous: Synchronous = synchronous
        self.converter: cattrs.Converter = converter if converter is not None else make_converter()
        """The converter entities are stored with."""
        self._decoded = Decoded()
        self._start_connections()
        migrate(self._connection(), migrations)

    def __repr__(self) -> str:
        return f"SqliteStore({str(self.path)!r})"

    def _connection(self) -> sqlite3.Connection:
        """The calling thread's connection, made on first use (WAL, timeout, foreign keys)."""
        known = self._known()
        if known is not None:
            return known
        connection = sqlite3.connect(
            self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False
        )
        try:
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise OmsError(f"{self.path} cannot use write-ahead logging (journal mode {mode})")
            connection.execute(f"PRAGMA synchronous = {self.synchronous}")
            connection.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            connection.execute("PRAGMA foreign_keys = ON")
        except BaseException:
            connection.close()
            raise
        return self._keep(connection)

    def unit_of_work(self) -> SqliteUnitOfWork:
        """Open a new unit of work (use it in a ``with`` block)."""
        return SqliteUnitOfWork(self)

    @property
    def schema_version(self) -> int:
        """The schema version of the file (the last migration applied)."""
        return schema_version(self._connection())
