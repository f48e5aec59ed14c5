"""Orders placed per second on each store, against the same SQL writes done directly.

Run through ``python benchmarks/run.py persistence``; the workload is
described in ``benchmarks/README.md``. ``Oms.place_order`` places the same
seeded orders on a ``MemoryStore`` and on ``SqliteStore`` files (WAL, with
``synchronous`` FULL and NORMAL). The baseline is the SQL the SQLite store
actually wrote for those orders, captured with ``sqlite3``'s trace callback
and replayed statement by statement on a copy of the starting file: the same
write transactions (``BEGIN IMMEDIATE`` ... ``COMMIT``) with the same rows,
without omskit (no routing, no reads, no JSON). A ratio is orders/s of the
store divided by orders/s of that baseline with the same ``synchronous``
setting. The answers are checked: every store must hold the same orders, and
the replayed file must hold exactly the rows the SQLite store wrote.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from time import perf_counter
from typing import Any

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


def run(*, quick: bool, seed: int) -> dict[str, Any]:
    config = QUICK if quick else FULL
    count, rounds = config["orders"], config["rounds"]
    requests = make_requests(count, seed)
    errors: list[str] = []
    samples: dict[str, list[float]] = {
        name: []
        for name in ("memory", "sqlite_full", "sqlite_normal", "direct_full", "direct_normal")
    }
    with tempfile.TemporaryDirectory(prefix="omskit-bench-") as name:
        folder = Path(name)
        log(f"setting up {LOCATIONS} locations x {SKUS} SKUs; {count} orders, {rounds} rounds")
        bench = Bench(folder, requests)
        traced: list[str] = []
        _, expected, traced_file = bench.sqlite("NORMAL", traced.append)
        transactions = write_transactions(traced)
        reference_rows = table_rows(traced_file)
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
    rates = {name: count / statistics.median(values) for name, values in samples.items()}
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
    rows = [
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
        ("direct SQL writes, FULL", "direct_sql_full", None),
        ("direct SQL writes, NORMAL", "direct_sql_normal", None),
    ]
    for label, key, ratio in rows:
        shown = f"{result[ratio]:>8.3f}" if ratio else f"{'1':>8}"
        lines.append(f"{label:<34}{result[f'orders_per_s_{key}']:>10.1f}{shown}")
    lines += [
        "",
        "ratio: orders/s over the direct SQL writes with the same synchronous setting "
        "(memory: over NORMAL)",
        f"per order: {result['statements_per_order']} statements, "
        f"{result['write_statements_per_order']} writes in "
        f"{result['write_transactions_per_order']} write transactions",
        f"results identical: {result['results_identical']}",
    ]
    return "\n".join(lines)
