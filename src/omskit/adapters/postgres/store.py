"""The PostgreSQL store: omskit's state in a database many processes share.

:class:`PostgresStore` connects with a DSN (psycopg 3) and creates or
migrates omskit's tables (see :mod:`omskit.adapters.postgres.schema`) in the
connection's schema, or in ``schema`` when one is given. Each thread gets
its own connection, made on first use and closed by
:meth:`PostgresStore.close`; a unit of work uses its thread's connection, at
PostgreSQL's ``READ COMMITTED`` isolation.

Concurrency. The repositories are the SQLite adapter's: a reservation reads
a stock position, the service decides, and the position is written back. To
make that read-decide-write safe without rewriting every decision as SQL, a
unit of work takes a transaction-level advisory lock
(``pg_advisory_xact_lock``) on its schema before its first statement and
keeps it to its commit or rollback, exactly as SQLite's ``BEGIN IMMEDIATE``
does: units of work on one schema run one at a time, in this process and in
every other, so stock cannot be oversold, an idempotency key cannot create
two orders, and invoice numbers (an ``INSERT ... ON CONFLICT DO UPDATE ...
RETURNING`` counter row) have no gaps. Orders and quotes keep their
optimistic version columns, so a caller holding a stale copy still gets
:class:`~omskit.errors.ConcurrencyConflict`. The price is throughput: writers
do not run in parallel. A wait for the lock longer than ``lock_timeout``, a
deadlock or a serialization failure surfaces as ConcurrencyConflict; the
transaction is rolled back and the caller may run the unit of work again.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import cattrs
import psycopg
from psycopg import errors, sql
from psycopg.pq import TransactionStatus

from omskit.adapters._migrations import Migration
from omskit.adapters._sql import ConnectionPerThread, Decoded, SqlSession
from omskit.adapters.postgres.schema import MIGRATIONS, migrate, schema_version
from omskit.adapters.sqlite._work import SqlUnitOfWork
from omskit.errors import ConcurrencyConflict, InvalidInput, OmsError
from omskit.serialization import make_converter

__all__ = ["PostgresStore", "PostgresUnitOfWork"]

Connection = psycopg.Connection[tuple[Any, ...]]

WORK_LOCK = 0x6F6D73
"""The first half of the advisory lock a unit of work holds; the second is its schema's hash."""

_CONFLICTS = (errors.SerializationFailure, errors.DeadlockDetected, errors.LockNotAvailable)


@lru_cache(maxsize=512)
def _placeholders(statement: str) -> str:
    """The repositories' ``?`` placeholders as psycopg's ``%s`` (their SQL has no other ``?``)."""
    return statement.replace("?", "%s")


def _conflict(error: psycopg.Error) -> ConcurrencyConflict:
    return ConcurrencyConflict(
        f"the database refused the unit of work ({type(error).__name__}); nothing was "
        "written, run it again",
        kind="database",
    )


class _Session(SqlSession):
    """The connection of one PostgreSQL unit of work; the first statement takes the lock."""

    def __init__(self, converter: cattrs.Converter, decoded: Decoded) -> None:
        super().__init__(converter, decoded)
        self.connection: Connection | None = None

    def check(self) -> Connection:
        """The connection, with a transaction open; OmsError outside a ``with`` block."""
        connection = self.connection
        if not self.active or connection is None:
            raise OmsError("use the unit of work inside a 'with' block before reading or writing")
        if connection.info.transaction_status == TransactionStatus.IDLE:
            self.begin()
        return connection

    def begin(self) -> None:
        """Open the transaction and take the schema's advisory lock, waiting up to lock_timeout."""
        assert self.connection is not None
        try:
            self.connection.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))", (WORK_LOCK,)
            )
        except _CONFLICTS as error:
            self.connection.rollback()
            raise ConcurrencyConflict(
                "another unit of work held the database for longer than the lock timeout; "
                "retry later",
                kind="database",
            ) from error

    def execute(self, sql: str, params: Sequence[Any] = ()) -> psycopg.Cursor[tuple[Any, ...]]:
        """Run one statement in the transaction."""
        connection = self.check()
        try:
            return connection.execute(_placeholders(sql), params)
        except _CONFLICTS as error:
            connection.rollback()
            raise _conflict(error) from error

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement once per parameter row, in the transaction."""
        connection = self.check()
        try:
            with connection.cursor() as cursor:
                cursor.executemany(_placeholders(sql), rows)
        except _CONFLICTS as error:
            connection.rollback()
            raise _conflict(error) from error

    def idle(self) -> bool:
        """Whether no transaction is open on the connection."""
        connection = self.connection
        return connection is None or connection.info.transaction_status == TransactionStatus.IDLE


class PostgresUnitOfWork(SqlUnitOfWork):
    """One transaction over every repository of a :class:`PostgresStore`.

    The transaction (and the schema's advisory lock) starts when the block
    is entered; :meth:`commit` makes it durable and releases the lock; the
    next read or write starts another one, which leaving the block rolls
    back unless it is committed too.
    """

    _session: _Session

    def __init__(self, store: PostgresStore) -> None:
        self._store = store
        super().__init__(_Session(store.converter, store._decoded), store._local)

    def _attach(self) -> None:
        self._session.connection = self._store._connection()

    def commit(self) -> None:
        """Make every change made so far in this unit of work durable and visible."""
        connection = self._session.check()
        try:
            connection.commit()
        except _CONFLICTS as error:
            connection.rollback()
            raise _conflict(error) from error

    def rollback(self) -> None:
        """Discard every change since the last commit."""
        connection = self._session.connection
        if self._session.active and connection is not None and not self._session.idle():
            connection.rollback()


class PostgresStore(ConnectionPerThread[Connection]):
    """omskit's state in a PostgreSQL database; a :class:`~omskit.ports.Store`.

    ``dsn`` is a libpq connection string or URI
    (``"postgresql://user@host/db"``). ``schema`` names the schema omskit's
    tables live in (created if missing); by default the connection's
    ``search_path`` decides. ``lock_timeout`` is how many seconds a unit of
    work waits for another one before it gets
    :class:`~omskit.errors.ConcurrencyConflict`. ``converter`` reads and
    writes the entities. ``migrations`` is for tests of the migration
    machinery. The schema is created or migrated when the store opens.

    Thread-safe: each thread uses its own connection. A thread may hold only
    one open unit of work per store (they do not nest). Several stores (in
    this process or others) may open the same database and schema.
    """

    def __init__(
        self,
        dsn: str,
        *,
        schema: str | None = None,
        lock_timeout: float = 30.0,
        converter: cattrs.Converter | None = None,
        migrations: Sequence[Migration] = MIGRATIONS,
    ) -> None:
        if not isinstance(dsn, str):
            raise InvalidInput("must be a connection string", path="dsn", value=dsn)
        if schema is not None and (not isinstance(schema, str) or not schema):
            raise InvalidInput("must be a schema name", path="schema", value=schema)
        if (
            isinstance(lock_timeout, bool)
            or not isinstance(lock_timeout, int | float)
            or lock_timeout < 0
        ):
            raise InvalidInput("must be a number of seconds, 0 or more", path="lock_timeout")
        self.dsn = dsn
        """The connection string."""
        self.schema = schema
        """The schema omskit's tables live in (None: the connection's search_path)."""
        self.lock_timeout = float(lock_timeout)
        self.converter: cattrs.Converter = converter if converter is not None else make_converter()
        """The converter entities are stored with."""
        self._decoded = Decoded()
        self._start_connections()
        migrate(self._connection(), migrations, schema=schema)

    def __repr__(self) -> str:
        schema = "" if self.schema is None else f", schema={self.schema!r}"
        return f"PostgresStore(<dsn>{schema})"

    def _connection(self) -> Connection:
        """The calling thread's connection, made on first use (search_path, lock timeout)."""
        known = self._known()
        if known is not None:
            return known
        try:
            connection = psycopg.connect(self.dsn, autocommit=False)
        except psycopg.OperationalError as error:
            raise OmsError(f"cannot connect to PostgreSQL: {error}".strip()) from error
        try:
            connection.isolation_level = psycopg.IsolationLevel.READ_COMMITTED
            if self.schema is not None:
                connection.execute(
                    sql.SQL("SET search_path TO {}").format(sql.Identifier(self.schema))
                )
            connection.execute(
                sql.SQL("SET lock_timeout = {}").format(
                    sql.Literal(f"{int(self.lock_timeout * 1000)}ms")
                )
            )
            connection.commit()
        except BaseException:
            connection.close()
            raise
        return self._keep(connection)

    def unit_of_work(self) -> PostgresUnitOfWork:
        """Open a new unit of work (use it in a ``with`` block)."""
        return PostgresUnitOfWork(self)

    @property
    def schema_version(self) -> int:
        """The schema version of the database (the last migration applied)."""
        connection = self._connection()
        idle = connection.info.transaction_status == TransactionStatus.IDLE
        try:
            return schema_version(connection)
        finally:
            if idle:  # end the read's own transaction, never an open unit of work's
                connection.rollback()
