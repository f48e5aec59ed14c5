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
unit of work takes locks before its first statement and keeps them to its
commit or rollback:

* An ordinary :meth:`PostgresStore.unit_of_work` takes a transaction-level
  advisory lock (``pg_advisory_xact_lock``) on its schema in exclusive mode,
  exactly as SQLite's ``BEGIN IMMEDIATE`` does: it runs alone, in this
  process and in every other.
* A unit of work opened with :meth:`PostgresStore.stock_unit_of_work`
  (:class:`~omskit.Oms` uses it to place an order or hold stock) takes the
  same advisory lock in shared mode, then one exclusive advisory lock per
  SKU (a 64-bit hash of schema and SKU), one statement each, in SKU order.
  Every such unit of work locks in the same (code point) order, so two
  multi-line orders can never deadlock, whatever the order of their lines;
  units of work on different SKUs run in parallel; one on a SKU another
  holds waits for its commit and then reads the committed stock (``READ
  COMMITTED`` takes a fresh snapshot per statement). A SKU's lock stands for
  every row of its stock (its positions at every location, its holds, its
  ledger), including rows that do not exist yet, which a row lock could not
  cover: a backorder's first position, say.

The relay of :class:`~omskit.Oms` opens a stock unit of work on no SKU: it
runs beside placements, and the outbox claims the pending events it reads
(``FOR UPDATE SKIP LOCKED``), so two relays at once deliver each event once.

So stock cannot be oversold, an idempotency key cannot create two orders
(the ``UNIQUE (channel, external_ref)`` index makes the second insert wait
and fail), and invoice numbers (an ``INSERT ... ON CONFLICT DO UPDATE ...
RETURNING`` counter row) have no gaps. Orders and quotes keep their
optimistic version columns, so a caller holding a stale copy still gets
:class:`~omskit.errors.ConcurrencyConflict`. A wait for a lock longer than
``lock_timeout``, a deadlock, a serialization failure or a unique index
taken by a concurrent insert rolls the transaction back and raises
ConcurrencyConflict; :class:`~omskit.Oms` runs the call again a bounded
number of times (``Oms(retries=...)``) before it surfaces.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
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

_CONFLICTS = (
    errors.SerializationFailure,
    errors.DeadlockDetected,
    errors.LockNotAvailable,
    errors.UniqueViolation,  # the repositories check first: only a concurrent insert gets here
)


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

    claim_rows = " FOR UPDATE SKIP LOCKED"

    def __init__(
        self, converter: cattrs.Converter, decoded: Decoded, skus: tuple[str, ...] | None
    ) -> None:
        super().__init__(converter, decoded)
        self.connection: Connection | None = None
        self.skus = skus
        """The SKUs a stock unit of work locks (sorted); None: the whole schema."""

    def check(self) -> Connection:
        """The connection, with a transaction open; OmsError outside a ``with`` block."""
        connection = self.connection
        if not self.active or connection is None:
            raise OmsError("use the unit of work inside a 'with' block before reading or writing")
        if connection.info.transaction_status == TransactionStatus.IDLE:
            self.begin()
        return connection

    def begin(self) -> None:
        """Open the transaction and take its locks, waiting up to lock_timeout for each.

        The schema's advisory lock, exclusive; or, for a stock unit of work,
        shared, then one advisory lock per SKU, in SKU order.
        """
        assert self.connection is not None
        try:
            if self.skus is None:
                self.connection.execute(
                    "SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))", (WORK_LOCK,)
                )
            else:
                self.connection.execute(
                    "SELECT pg_advisory_xact_lock_shared(%s, hashtext(current_schema()))",
                    (WORK_LOCK,),
                )
                for sku in self.skus:  # sorted: every stock unit of work locks in one order
                    self.connection.execute(
                        "SELECT pg_advisory_xact_lock(hashtextextended(current_schema()"
                        " || '/' || %s, 0))",
                        (sku,),
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

    The transaction (and its locks: the schema's advisory lock, or for a
    stock unit of work the shared one and its SKUs') starts when the block is entered;
    :meth:`commit` makes it durable and releases the locks; the next read or
    write starts another one with the same locks, which leaving the block
    rolls back unless it is committed too.
    """

    _session: _Session

    def __init__(self, store: PostgresStore, *, skus: Collection[str] | None = None) -> None:
        self._store = store
        scope = None if skus is None else tuple(sorted(set(skus)))
        super().__init__(_Session(store.converter, store._decoded, scope), store._local)

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
        """Open a new unit of work (use it in a ``with`` block); it runs alone on the schema."""
        return PostgresUnitOfWork(self)

    def stock_unit_of_work(self, skus: Collection[str]) -> PostgresUnitOfWork:
        """Open a unit of work whose stock reads and writes are confined to ``skus``.

        It takes a lock per SKU, in SKU order, so it runs in parallel
        with stock units of work on other SKUs and waits for those on any of
        its own and for ordinary units of work (see the module notes). Only
        ``skus`` may have their stock, holds or ledger touched in it; the
        caller promises that (:class:`~omskit.Oms` keeps it).
        """
        if isinstance(skus, str) or not all(isinstance(sku, str) for sku in skus):
            raise InvalidInput("must be a collection of SKUs", path="skus", value=skus)
        return PostgresUnitOfWork(self, skus=skus)

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
