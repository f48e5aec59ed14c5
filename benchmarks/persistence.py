"""Orders placed per second on each store, against the same SQL writes done directly.

Run through ``python benchmarks/run.py persistence``; the workload is
described in ``benchmarks/README.md``. ``Oms.place_order`` places the same
seeded orders on a ``MemoryStore``, on ``SqliteStore`` files (WAL, with
``synchronous`` FULL and NORMAL) and on a ``PostgresStore`` schema. The
SQLite baseline is the SQL the SQLite store actually wrote for those orders,
captured with ``sqlite3``'s trace callback and replayed statement by
statement on a copy of the starting file: the same write transactions
(``BEGIN IMMEDIATE`` ... ``COMMIT``) with the same rows, without omskit (no
routing, no reads, no JSON). A ratio is orders/s of the store divided by
orders/s of that baseline with the same ``synchronous`` setting.

The PostgreSQL baseline is made the same way. In a traced run, the store's
psycopg connection records every statement with its values (a cursor class
set as the connection's ``cursor_factory``) and every commit and rollback;
the transactions that wrote something and committed are replayed with
psycopg 3 on a fresh schema holding the same starting rows, statement by
statement (an ``executemany`` as one ``executemany``), each ended by a
commit. The replay keeps each transaction's locking statements, the schema's
advisory lock (``pg_advisory_xact_lock[_shared]``) and ``SELECT ... FOR
UPDATE`` on the order's product rows, and drops the other reads. That is the
choice that makes it "the same SQL writes": the locks are PostgreSQL's
spelling of the ``BEGIN IMMEDIATE`` the SQLite baseline replays, a direct
program doing these read-decide-write transactions safely next to other
writers would have to take them too, and ``FOR UPDATE`` itself writes (it
marks the locked rows). A second replay without the locks is reported
beside it, so their cost is visible.

Where the server comes from: ``OMSKIT_PG_DSN`` when it is set; otherwise,
when ``initdb`` and ``pg_ctl`` exist (on ``PATH`` or in
``/usr/lib/postgresql/*/bin``), a throwaway server started with the repo's
``.ci/postgres start`` for the run and stopped afterwards (it runs with
``fsync`` and ``synchronous_commit`` off: the JSON records both, read with
``SHOW``); otherwise the PostgreSQL figures are ``null`` and
``postgres_skipped`` says why. Every schema the benchmark makes is dropped
at the end.

The answers are checked: every store must hold the same orders, and each
replayed file or schema must hold exactly the rows its store wrote.
"""

from __future__ import annotations

import itertools
import os
import random
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import Any, Self

from omskit import Oms
from omskit.adapters.memory import ManualClock, MemoryStore, SequentialIds
from omskit.adapters.sqlite import SqliteStore
from omskit.geo import GeoPoint
from omskit.model import (
    Address,
    Capability,
    Channel,
    Delivery,
    Location,
    LocationKind,
    Order,
    OrderLineRequest,
    OrderRequest,
    Product,
)
from omskit.money import Money
from omskit.ports import Store

try:
    import psycopg
    from psycopg import sql

    from omskit.adapters.postgres import PostgresStore
except ImportError:  # without psycopg (omskit[postgres]) the PostgreSQL part is skipped
    HAVE_PSYCOPG = False
else:
    HAVE_PSYCOPG = True

LOCATIONS = 4
SKUS = 40
UNITS_PER_POSITION = 100_000
"""Enough that no order waits: every order is routed, reserved and allocated."""
MAX_LINES = 3
MAX_QUANTITY = 3
QUICK = {"orders": 15, "rounds": 1}
FULL = {"orders": 300, "rounds": 5}
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
TABLES = ("stock", "reservations", "ledger", "orders", "outbox", "shipments")
CI_POSTGRES = Path(__file__).resolve().parents[1] / ".ci" / "postgres"
"""The repo's script that starts (and stops) a throwaway PostgreSQL server."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def setup(oms: Oms) -> None:
    """Four warehouses around the Netherlands, 40 products, plenty of stock everywhere."""
    for number in range(LOCATIONS):
        oms.register_location(
            Location(
                f"WH-{number}",
                f"Warehouse {number}",
                LocationKind.WAREHOUSE,
                GeoPoint(51.5 + number * 0.3, 4.5 + number * 0.4),
                "NL",
                capabilities={Capability.SHIP},
            )
        )
    for sku in range(SKUS):
        oms.register_product(Product(f"SKU-{sku}", f"Product {sku}", weight_grams=500))
        for number in range(LOCATIONS):
            oms.receive_stock(f"SKU-{sku}", f"WH-{number}", UNITS_PER_POSITION, reference="count")


def make_requests(count: int, seed: int) -> list[OrderRequest]:
    rng = random.Random(f"persistence-{seed}")
    requests = []
    for number in range(count):
        skus = rng.sample(range(SKUS), rng.randint(1, MAX_LINES))
        lines = tuple(
            OrderLineRequest(f"SKU-{sku}", rng.randint(1, MAX_QUANTITY), Money("9.95", "EUR"))
            for sku in skus
        )
        address = Address(
            f"Straat {number}",
            "1000 AA",
            "Amsterdam",
            "NL",
            point=GeoPoint(51.5 + rng.random(), 4.5 + rng.random() * 1.5),
        )
        requests.append(
            OrderRequest(Channel.WEB, f"WEB-{number}", "EUR", lines, Delivery.ship_to(address))
        )
    return requests


class PhasedIds:
    """Sequential ids, prefixed ``SETUP-`` while the starting state is built."""

    def __init__(self, phase: str = "") -> None:
        self.inner = SequentialIds()
        self.phase = phase

    def new_id(self, prefix: str) -> str:
        return self.inner.new_id(self.phase + prefix)


def service(store: Store, ids: PhasedIds | None = None) -> Oms:
    return Oms(store, clock=ManualClock(), ids=ids or PhasedIds())


def place(oms: Oms, requests: list[OrderRequest]) -> float:
    start = perf_counter()
    for request in requests:
        oms.place_order(request)
    return perf_counter() - start


def orders_of(store: Store) -> tuple[Order, ...]:
    with store.unit_of_work() as uow:
        return tuple(uow.orders.list())


def write_transactions(statements: list[str]) -> list[list[str]]:
    """The traced transactions that wrote something, each BEGIN ... COMMIT, in order."""
    found: list[list[str]] = []
    current: list[str] = []
    for statement in statements:
        verb = statement.lstrip().split(None, 1)[0].upper()
        if verb == "BEGIN":
            current = [statement]
        elif verb == "COMMIT":
            current.append(statement)
            if any(s.lstrip().upper().startswith(WRITES) for s in current):
                found.append([s for s in current if not s.lstrip().upper().startswith("SELECT")])
            current = []
        elif verb == "ROLLBACK":
            current = []
        elif current:
            current.append(statement)
    return found


def table_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    connection = sqlite3.connect(path)
    try:
        return {
            table: connection.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in TABLES
        }
    finally:
        connection.close()


class Bench:
    """One timed round of every side on a fresh starting state."""

    def __init__(self, folder: Path, requests: list[OrderRequest]) -> None:
        self.folder = folder
        self.requests = requests
        self.start_file = folder / "start.db"
        with SqliteStore(self.start_file) as store:
            setup(service(store, PhasedIds("SETUP-")))

    def fresh_file(self, name: str) -> Path:
        path = self.folder / name
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.start_file, path)
        return path

    def memory(self) -> tuple[float, tuple[Order, ...]]:
        store = MemoryStore()
        ids = PhasedIds("SETUP-")
        oms = service(store, ids)
        setup(oms)
        ids.phase = ""
        return place(oms, self.requests), orders_of(store)

    def sqlite(
        self, synchronous: str, trace: Callable[[str], None] | None = None
    ) -> tuple[float, tuple[Order, ...], Path]:
        path = self.fresh_file(f"sqlite-{synchronous}.db")
        with SqliteStore(path, synchronous=synchronous) as store:  # type: ignore[arg-type]
            oms = service(store)
            oms.rebuild_availability_index()
            if trace is not None:
                store._connection().set_trace_callback(trace)
            seconds = place(oms, self.requests)
            store._connection().set_trace_callback(None)
            return seconds, orders_of(store), path

    def direct(self, synchronous: str, transactions: list[list[str]]) -> tuple[float, Path]:
        path = self.fresh_file(f"direct-{synchronous}.db")
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute(f"PRAGMA synchronous = {synchronous}")
            start = perf_counter()
            for transaction in transactions:
                for statement in transaction:
                    connection.execute(statement)
            return perf_counter() - start, path
        finally:
            connection.close()


class PostgresUnavailable(Exception):
    """No PostgreSQL server to measure on; the message says why."""


def find_postgres_program(name: str) -> str | None:
    """``name`` on PATH or in ``/usr/lib/postgresql/*/bin``, where ``.ci/postgres`` looks."""
    found = shutil.which(name)
    if found is not None:
        return found
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin")):
        if os.access(folder / name, os.X_OK):
            return str(folder / name)
    return None


def exports(text: str) -> dict[str, str]:
    """The variables of the ``export NAME='value'`` lines ``.ci/postgres start`` prints."""
    found = {}
    for line in text.splitlines():
        if line.startswith("export "):
            for word in shlex.split(line.removeprefix("export ")):
                name, _, value = word.partition("=")
                found[name] = value
    return found


def check_reachable(dsn: str, where: str) -> None:
    try:
        psycopg.connect(dsn, connect_timeout=10).close()
    except psycopg.OperationalError as error:
        message = " ".join(str(error).split())  # libpq's message spans lines
        raise PostgresUnavailable(f"cannot connect to {where}: {message}") from error


@contextmanager
def postgres_server() -> Iterator[tuple[str, str]]:
    """The DSN of a server to measure on and where it comes from; PostgresUnavailable if none.

    ``OMSKIT_PG_DSN`` when set; otherwise a throwaway server from
    ``.ci/postgres start`` when the binaries exist, stopped on leaving.
    """
    if not HAVE_PSYCOPG:
        raise PostgresUnavailable("psycopg is not installed (pip install 'omskit[postgres]')")
    dsn = os.environ.get("OMSKIT_PG_DSN", "")
    if dsn:
        check_reachable(dsn, "OMSKIT_PG_DSN")
        yield dsn, "OMSKIT_PG_DSN"
        return
    missing = [name for name in ("initdb", "pg_ctl") if find_postgres_program(name) is None]
    if missing:
        raise PostgresUnavailable(
            f"OMSKIT_PG_DSN is not set and {' and '.join(missing)} "
            f"{'was' if len(missing) == 1 else 'were'} not found (on PATH or in "
            "/usr/lib/postgresql/*/bin) to start a throwaway server"
        )
    log("starting a throwaway PostgreSQL server with .ci/postgres start")
    try:
        started = subprocess.run(
            [str(CI_POSTGRES), "start"], capture_output=True, text=True, timeout=300, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise PostgresUnavailable(f".ci/postgres start failed: {error}") from error
    found = exports(started.stdout)
    if started.returncode != 0 or not {"OMSKIT_PG_DSN", "OMSKIT_PG_DATA"} <= found.keys():
        last = (started.stderr.strip().splitlines() or ["no message"])[-1]
        raise PostgresUnavailable(
            f".ci/postgres start failed (exit status {started.returncode}): {last}"
        )
    try:
        check_reachable(found["OMSKIT_PG_DSN"], "the server .ci/postgres started")
        yield found["OMSKIT_PG_DSN"], ".ci/postgres"
    finally:
        log("stopping the throwaway PostgreSQL server")
        subprocess.run(
            [str(CI_POSTGRES), "stop", found["OMSKIT_PG_DATA"]],
            capture_output=True,
            timeout=120,
            check=False,
        )


@dataclass(frozen=True, eq=False)  # COMMIT and ROLLBACK are told apart by identity
class Statement:
    """One call a psycopg connection ran: ``execute`` with ``params``, or ``executemany``.

    ``COMMIT`` and ``ROLLBACK`` (no values) mark where a traced transaction ended.
    """

    query: str
    params: Any = None
    """The values of ``execute`` (a sequence or mapping, or None)."""
    rows: list[Any] | None = None
    """The value rows of ``executemany``; None for ``execute``."""

    @property
    def verb(self) -> str:
        return self.query.lstrip().split(None, 1)[0].upper()

    @property
    def writes(self) -> bool:
        return self.verb in WRITES

    @property
    def locks(self) -> bool:
        """An advisory lock or a ``SELECT ... FOR UPDATE``: a unit of work's locks."""
        return "pg_advisory_xact_lock" in self.query or self.query.rstrip().upper().endswith(
            "FOR UPDATE"
        )

    @property
    def executions(self) -> int:
        """How many statements the server runs for it (one per row of an executemany)."""
        return 1 if self.rows is None else len(self.rows)


COMMIT = Statement("COMMIT")
ROLLBACK = Statement("ROLLBACK")


def query_text(query: Any, connection: Any) -> str:
    if isinstance(query, str):
        return query
    if isinstance(query, bytes):
        return query.decode()
    return str(query.as_string(connection))


@contextmanager
def recording(connection: psycopg.Connection[Any], trace: list[Statement]) -> Iterator[None]:
    """Append to ``trace`` what ``connection`` runs inside the block, in order.

    Statements go through a recording cursor class set as the connection's
    ``cursor_factory`` (``Connection.execute`` and ``cursor()`` both make
    their cursors with it); the connection's ``commit`` and ``rollback`` are
    wrapped on this one object. What is sent to the server does not change.
    """

    class RecordingCursor(psycopg.Cursor[Any]):
        def execute(
            self,
            query: Any,
            params: Any = None,
            *,
            prepare: bool | None = None,
            binary: bool | None = None,
        ) -> Self:
            trace.append(Statement(query_text(query, self.connection), params))
            return super().execute(query, params, prepare=prepare, binary=binary)

        def executemany(self, query: Any, params_seq: Any, *, returning: bool = False) -> None:
            rows = list(params_seq)
            trace.append(Statement(query_text(query, self.connection), rows=rows))
            super().executemany(query, rows, returning=returning)

    commit, rollback = connection.commit, connection.rollback

    def recorded_commit() -> None:
        commit()
        trace.append(COMMIT)

    def recorded_rollback() -> None:
        rollback()
        trace.append(ROLLBACK)

    factory = connection.cursor_factory
    connection.cursor_factory = RecordingCursor
    connection.commit = recorded_commit  # type: ignore[method-assign]
    connection.rollback = recorded_rollback  # type: ignore[method-assign]
    try:
        yield
    finally:
        connection.cursor_factory = factory
        del connection.commit
        del connection.rollback


def postgres_write_transactions(trace: list[Statement]) -> list[list[Statement]]:
    """The traced transactions that wrote and committed: their locks and writes, in order."""
    found: list[list[Statement]] = []
    current: list[Statement] = []
    for statement in trace:
        if statement is COMMIT:
            if any(s.writes for s in current):
                found.append([s for s in current if s.writes or s.locks])
            current = []
        elif statement is ROLLBACK:
            current = []
        else:
            current.append(statement)
    return found


def replay(connection: psycopg.Connection[Any], transactions: list[list[Statement]]) -> float:
    """Run ``transactions`` on ``connection``, each ended by a commit; the seconds it took."""
    start = perf_counter()
    for transaction in transactions:
        for statement in transaction:
            if statement.rows is None:
                connection.execute(statement.query, statement.params)
            else:
                with connection.cursor() as cursor:
                    cursor.executemany(statement.query, statement.rows)
        connection.commit()
    return perf_counter() - start


class PostgresBench:
    """The PostgreSQL sides on one server, each on a fresh schema holding the starting rows.

    The starting state is built once through ``Oms`` in a start schema; a
    fresh schema gets its tables from ``PostgresStore`` (the migrations) and
    the start schema's rows and identity sequence positions, then
    ``ANALYZE`` (untimed), as the SQLite sides start from a copy of the
    starting file. ``close`` drops every schema made.
    """

    def __init__(self, dsn: str, source: str, requests: list[OrderRequest]) -> None:
        self.dsn = dsn
        self.source = source
        """Where the server came from: ``OMSKIT_PG_DSN`` or ``.ci/postgres``."""
        self.requests = requests
        self.admin: psycopg.Connection[Any] = psycopg.connect(dsn, autocommit=True)
        self.prefix = f"omskit_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self.numbers = itertools.count(1)
        self.made: list[str] = []
        self.start = self.new_schema()
        with PostgresStore(dsn, schema=self.start) as store:
            setup(service(store, PhasedIds("SETUP-")))
        self.tables = [
            row[0]
            for row in self.admin.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                "AND table_type = 'BASE TABLE' AND table_name <> 'schema_version' "
                "ORDER BY table_name",
                (self.start,),
            )
        ]
        self.identities = self.admin.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = %s AND is_identity = 'YES' ORDER BY table_name",
            (self.start,),
        ).fetchall()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def new_schema(self) -> str:
        name = f"{self.prefix}_{next(self.numbers)}"
        self.made.append(name)
        return name

    def settings(self) -> dict[str, str]:
        """The server's version and durability settings (``SHOW``)."""
        found = {}
        for name in ("server_version", "fsync", "synchronous_commit", "full_page_writes"):
            row = self.admin.execute(sql.SQL("SHOW {}").format(sql.Identifier(name))).fetchone()
            assert row is not None
            found[name] = str(row[0])
        return found

    def fresh_schema(self) -> str:
        """A new schema with omskit's tables, the starting rows and sequence positions."""
        name = self.new_schema()
        PostgresStore(self.dsn, schema=name).close()
        with self.admin.transaction():
            for table in self.tables:
                self.admin.execute(
                    sql.SQL("INSERT INTO {} OVERRIDING SYSTEM VALUE SELECT * FROM {}").format(
                        sql.Identifier(name, table), sql.Identifier(self.start, table)
                    )
                )
            for table, column in self.identities:
                self.admin.execute(
                    "SELECT setval(pg_get_serial_sequence(%(copy)s, %(column)s), "
                    "COALESCE(last, 1), last IS NOT NULL) FROM (SELECT pg_sequence_last_value("
                    "pg_get_serial_sequence(%(start)s, %(column)s)::regclass) AS last) AS s",
                    {
                        "copy": sql.Identifier(name, table).as_string(self.admin),
                        "start": sql.Identifier(self.start, table).as_string(self.admin),
                        "column": column,
                    },
                )
        for table in self.tables:
            self.admin.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(name, table)))
        return name

    def drop(self, name: str) -> None:
        self.admin.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))

    def close(self) -> None:
        """Drop every schema made and close the connection."""
        try:
            for name in self.made:
                self.drop(name)
        finally:
            self.admin.close()

    def rows(self, schema: str) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every omskit table of ``schema`` (not ``schema_version``), sorted."""
        return {
            table: self.admin.execute(
                sql.SQL("SELECT * FROM {} AS r ORDER BY r").format(sql.Identifier(schema, table))
            ).fetchall()
            for table in self.tables
        }

    def store(self, trace: list[Statement] | None = None) -> tuple[float, tuple[Order, ...], str]:
        """Place the orders on a fresh schema: seconds, the orders held, the schema."""
        schema = self.fresh_schema()
        with PostgresStore(self.dsn, schema=schema) as store:
            oms = service(store)
            oms.rebuild_availability_index()
            with nullcontext() if trace is None else recording(store._connection(), trace):
                seconds = place(oms, self.requests)
            return seconds, orders_of(store), schema

    def direct(self, transactions: list[list[Statement]]) -> tuple[float, str]:
        """Replay ``transactions`` on a fresh schema with psycopg: seconds, the schema.

        The connection is set up as the store sets up its own (READ
        COMMITTED, the schema as search_path, a lock timeout).
        """
        schema = self.fresh_schema()
        with psycopg.connect(self.dsn, autocommit=False) as connection:
            connection.isolation_level = psycopg.IsolationLevel.READ_COMMITTED
            connection.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
            connection.execute("SET lock_timeout = '30000ms'")
            connection.commit()
            return replay(connection, transactions), schema


POSTGRES_SIDES = ("postgres", "direct_postgres", "direct_postgres_without_locks")


def open_postgres(
    stack: ExitStack, requests: list[OrderRequest]
) -> tuple[PostgresBench | None, str | None]:
    """The PostgreSQL sides, kept open by ``stack``; or None and the reason they are skipped."""
    try:
        dsn, source = stack.enter_context(postgres_server())
    except PostgresUnavailable as error:
        log(f"PostgreSQL skipped: {error}")
        return None, str(error)
    log(f"PostgreSQL from {source}: building the start schema")
    return stack.enter_context(PostgresBench(dsn, source, requests)), None


def postgres_figures(
    pg: PostgresBench | None,
    skipped: str | None,
    samples: Mapping[str, list[float]],
    trace: list[Statement],
    transactions: list[list[Statement]],
    count: int,
) -> dict[str, Any]:
    """The PostgreSQL keys of the result: figures, or None everywhere with the reason."""
    if pg is None:
        keys = (
            "orders_per_s_postgres",
            "orders_per_s_direct_sql_postgres",
            "orders_per_s_direct_sql_postgres_without_locks",
            "ratio_postgres_vs_direct_sql_postgres",
            "postgres_statements_per_order",
            "postgres_write_statements_per_order",
            "postgres_lock_statements_per_order",
            "postgres_write_transactions_per_order",
            "postgres_source",
            "postgres_server_version",
            "postgres_fsync",
            "postgres_synchronous_commit",
            "postgres_full_page_writes",
            "postgres_durable",
        )
        return {"postgres_skipped": skipped, **dict.fromkeys(keys)}
    rates = {name: count / statistics.median(samples[name]) for name in POSTGRES_SIDES}
    settings = pg.settings()
    statements = [s for t in transactions for s in t]
    return {
        "postgres_skipped": None,
        "orders_per_s_postgres": round(rates["postgres"], 1),
        "orders_per_s_direct_sql_postgres": round(rates["direct_postgres"], 1),
        "orders_per_s_direct_sql_postgres_without_locks": round(
            rates["direct_postgres_without_locks"], 1
        ),
        "ratio_postgres_vs_direct_sql_postgres": round(
            rates["postgres"] / rates["direct_postgres"], 3
        ),
        "postgres_statements_per_order": round(
            sum(s.executions for s in trace if s is not COMMIT and s is not ROLLBACK) / count, 1
        ),
        "postgres_write_statements_per_order": round(
            sum(s.executions for s in statements if s.writes) / count, 1
        ),
        "postgres_lock_statements_per_order": round(
            sum(s.executions for s in statements if s.locks) / count, 1
        ),
        "postgres_write_transactions_per_order": round(len(transactions) / count, 2),
        "postgres_source": pg.source,
        "postgres_server_version": settings["server_version"],
        "postgres_fsync": settings["fsync"],
        "postgres_synchronous_commit": settings["synchronous_commit"],
        "postgres_full_page_writes": settings["full_page_writes"],
        "postgres_durable": settings["fsync"] == "on" and settings["synchronous_commit"] != "off",
    }


def run(*, quick: bool, seed: int) -> dict[str, Any]:
    config = QUICK if quick else FULL
    count, rounds = config["orders"], config["rounds"]
    requests = make_requests(count, seed)
    errors: list[str] = []
    sides = ("memory", "sqlite_full", "sqlite_normal", "direct_full", "direct_normal")
    samples: dict[str, list[float]] = {name: [] for name in sides}
    pg_trace: list[Statement] = []
    pg_transactions: list[list[Statement]] = []
    with tempfile.TemporaryDirectory(prefix="omskit-bench-") as name, ExitStack() as stack:
        folder = Path(name)
        log(f"setting up {LOCATIONS} locations x {SKUS} SKUs; {count} orders, {rounds} rounds")
        bench = Bench(folder, requests)
        traced: list[str] = []
        _, expected, traced_file = bench.sqlite("NORMAL", traced.append)
        transactions = write_transactions(traced)
        reference_rows = table_rows(traced_file)
        pg, pg_skipped = open_postgres(stack, requests)
        if pg is not None:
            samples.update({side: [] for side in POSTGRES_SIDES})
            _, orders, schema = pg.store(pg_trace)
            if orders != expected:
                errors.append("the PostgreSQL store (traced) holds other orders than SQLite")
            pg_transactions = postgres_write_transactions(pg_trace)
            unlocked = [[s for s in t if not s.locks] for t in pg_transactions]
            pg_reference_rows = pg.rows(schema)
            pg.drop(schema)
            copy = pg.fresh_schema()
            if pg.rows(copy) != pg.rows(pg.start):
                errors.append("a fresh PostgreSQL schema holds other rows than the start schema")
            pg.drop(copy)
        for number in range(rounds):
            log(f"round {number + 1} of {rounds}")
            seconds, orders = bench.memory()
            samples["memory"].append(seconds)
            if orders != expected:
                errors.append("the memory store holds other orders than the SQLite store")
            for sync in ("FULL", "NORMAL"):
                seconds, orders, path = bench.sqlite(sync)
                samples[f"sqlite_{sync.lower()}"].append(seconds)
                if orders != expected:
                    errors.append(f"SQLite ({sync}) placed other orders in round {number + 1}")
                seconds, path = bench.direct(sync, transactions)
                samples[f"direct_{sync.lower()}"].append(seconds)
                if table_rows(path) != reference_rows:
                    errors.append(f"the replayed SQL ({sync}) left other rows than the store")
            if pg is None:
                continue
            seconds, orders, schema = pg.store()
            samples["postgres"].append(seconds)
            if orders != expected:
                errors.append(f"PostgreSQL placed other orders in round {number + 1}")
            pg.drop(schema)
            for side, replayed in (
                ("direct_postgres", pg_transactions),
                ("direct_postgres_without_locks", unlocked),
            ):
                seconds, schema = pg.direct(replayed)
                samples[side].append(seconds)
                if pg.rows(schema) != pg_reference_rows:
                    errors.append(f"the replayed SQL ({side}) left other rows than PostgreSQL")
                pg.drop(schema)
        figures = postgres_figures(pg, pg_skipped, samples, pg_trace, pg_transactions, count)
    rates = {name: count / statistics.median(samples[name]) for name in sides}
    statements = len(traced)
    writes = sum(len(t) - 2 for t in transactions)
    return {
        "orders": count,
        "rounds": rounds,
        "orders_per_s_memory": round(rates["memory"], 1),
        "orders_per_s_sqlite_wal_full": round(rates["sqlite_full"], 1),
        "orders_per_s_sqlite_wal_normal": round(rates["sqlite_normal"], 1),
        "orders_per_s_direct_sql_full": round(rates["direct_full"], 1),
        "orders_per_s_direct_sql_normal": round(rates["direct_normal"], 1),
        "ratio_memory_vs_direct_sql_normal": round(rates["memory"] / rates["direct_normal"], 3),
        "ratio_sqlite_full_vs_direct_sql_full": round(
            rates["sqlite_full"] / rates["direct_full"], 3
        ),
        "ratio_sqlite_normal_vs_direct_sql_normal": round(
            rates["sqlite_normal"] / rates["direct_normal"], 3
        ),
        "statements_per_order": round(statements / count, 1),
        "write_statements_per_order": round(writes / count, 1),
        "write_transactions_per_order": round(len(transactions) / count, 2),
        **figures,
        "results_identical": not errors,
        "seconds": dict(samples),
        "errors": errors,
    }


def render(result: Mapping[str, Any]) -> str:
    quick = " (QUICK: sizes too small for meaningful ratios)" if result.get("quick") else ""
    lines = [
        f"persistence benchmark{quick} - Python {result.get('python', '?')}, "
        f"seed {result.get('seed', '?')}, {result['orders']} orders, "
        f"median of {result['rounds']} rounds",
        "",
        f"{'side':<34}{'orders/s':>10}{'ratio':>8}",
        "-" * 52,
    ]
    rows: list[tuple[str, str, str]] = [  # label, key, ratio key or what to show
        ("MemoryStore", "memory", "ratio_memory_vs_direct_sql_normal"),
        (
            "SqliteStore WAL, synchronous=FULL",
            "sqlite_wal_full",
            "ratio_sqlite_full_vs_direct_sql_full",
        ),
        (
            "SqliteStore WAL, synchronous=NORMAL",
            "sqlite_wal_normal",
            "ratio_sqlite_normal_vs_direct_sql_normal",
        ),
        ("direct SQL writes, FULL", "direct_sql_full", "1"),
        ("direct SQL writes, NORMAL", "direct_sql_normal", "1"),
    ]
    measured = result.get("postgres_skipped") is None
    if measured:
        rows += [
            ("PostgresStore", "postgres", "ratio_postgres_vs_direct_sql_postgres"),
            ("direct SQL writes, PostgreSQL", "direct_sql_postgres", "1"),
            ("  the same without the locks", "direct_sql_postgres_without_locks", "-"),
        ]
    for label, key, ratio in rows:
        shown = f"{result[ratio]:>8.3f}" if ratio.startswith("ratio_") else f"{ratio:>8}"
        lines.append(f"{label:<34}{result[f'orders_per_s_{key}']:>10.1f}{shown}")
    lines += [
        "",
        "ratio: orders/s over the direct SQL writes with the same synchronous setting "
        f"(memory: over NORMAL{'; PostgreSQL: over its own, locks included' if measured else ''})",
        f"per order on SQLite: {result['statements_per_order']} statements, "
        f"{result['write_statements_per_order']} writes in "
        f"{result['write_transactions_per_order']} write transactions",
    ]
    if measured:
        durable = "" if result["postgres_durable"] else ": commits are NOT durable"
        lines += [
            f"per order on PostgreSQL: {result['postgres_statements_per_order']} statements, "
            f"{result['postgres_write_statements_per_order']} writes and "
            f"{result['postgres_lock_statements_per_order']} locks in "
            f"{result['postgres_write_transactions_per_order']} write transactions",
            f"PostgreSQL {result['postgres_server_version']} from {result['postgres_source']}: "
            f"fsync={result['postgres_fsync']}, "
            f"synchronous_commit={result['postgres_synchronous_commit']}{durable}",
        ]
    else:
        lines.append(f"PostgreSQL skipped: {result['postgres_skipped']}")
    lines.append(f"results identical: {result['results_identical']}")
    return "\n".join(lines)
