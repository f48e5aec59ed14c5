"""The PostgreSQL store: migrations, settings, and omskit's promises on a real server.

The repository behaviour is checked by the contract suites (test_store_contracts.py);
here: the schema machinery, the lock timeout, no oversell under 16 threads and
4 processes, and one order per reference across threads and stores. Every test
works in schemas of its own (the ``pg_schema`` fixture drops them afterwards).
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import psycopg
import pytest
from psycopg import sql
from test_sqlite_store import (
    ATTEMPTS,
    THREADS,
    UNITS,
    a_request,
    a_waiting_writer_times_out,
    counters,
    one_reference_from_many_threads,
    place_and_hold,
    race,
    world,
)

from omskit import Oms
from omskit.adapters.memory import RecordingPublisher
from omskit.adapters.postgres import MIGRATIONS, PostgresStore, PostgresUnitOfWork, migrate
from omskit.adapters.postgres.schema import to_postgres
from omskit.adapters.sqlite import Migration
from omskit.errors import (
    ConcurrencyConflict,
    DefinitionError,
    InvalidInput,
    OmsError,
)
from omskit.ports import Store, UnitOfWork
from omskit.testing.contracts._builders import (
    a_location,
    a_position,
    a_product,
    an_event,
    an_order,
)
from omskit.testing.contracts._dump import dump
from omskit.testing.contracts.unit_of_work import held_open

Schemas = Callable[[], str]


@pytest.fixture
def schema(pg_schema: Schemas) -> str:
    return pg_schema()


@pytest.fixture
def store(pg_dsn: str, schema: str) -> Iterator[PostgresStore]:
    with PostgresStore(pg_dsn, schema=schema) as opened:
        yield opened


@pytest.fixture
def impatient(pg_dsn: str, schema: str) -> Iterator[tuple[PostgresStore, PostgresStore]]:
    """Two stores on one schema that wait at most 50 ms for a lock."""
    with (
        PostgresStore(pg_dsn, schema=schema, lock_timeout=0.05) as first,
        PostgresStore(pg_dsn, schema=schema, lock_timeout=0.05) as second,
    ):
        yield first, second


def tables(dsn: str, schema: str) -> set[str]:
    with psycopg.connect(dsn) as connection:
        rows = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchall()
    return {str(row[0]) for row in rows}


def versions(dsn: str, schema: str) -> list[int]:
    with psycopg.connect(dsn) as connection:
        query = sql.SQL("SELECT version FROM {}.schema_version ORDER BY version").format(
            sql.Identifier(schema)
        )
        return [int(row[0]) for row in connection.execute(query).fetchall()]


# --- schema and migrations ---------------------------------------------------------------


def test_a_new_schema_gets_every_table_and_schema_version_one(
    store: PostgresStore, pg_dsn: str, schema: str
) -> None:
    assert store.schema_version == 1
    assert {"orders", "stock", "outbox", "invoice_series", "schema_version"} <= tables(
        pg_dsn, schema
    )


def test_reopening_a_schema_applies_no_migration_again(
    store: PostgresStore, pg_dsn: str, schema: str
) -> None:
    with store.unit_of_work() as uow:
        uow.locations.add(a_location("L1"))
        uow.commit()
    with PostgresStore(pg_dsn, schema=schema) as again:
        assert again.schema_version == 1
        with again.unit_of_work() as uow:
            assert uow.locations.get("L1") == a_location("L1")
    assert versions(pg_dsn, schema) == [1]


def test_a_later_migration_is_applied_once_on_open_and_keeps_the_data(
    store: PostgresStore, pg_dsn: str, schema: str
) -> None:
    with store.unit_of_work() as uow:
        uow.locations.add(a_location("L1"))
        uow.commit()
    later = (*MIGRATIONS, Migration(2, "a note on orders", ("ALTER TABLE orders ADD note TEXT",)))
    with PostgresStore(pg_dsn, schema=schema, migrations=later) as upgraded:
        assert upgraded.schema_version == 2
        with upgraded.unit_of_work() as uow:
            assert uow.locations.get("L1") == a_location("L1")
    with PostgresStore(pg_dsn, schema=schema, migrations=later) as again:
        assert again.schema_version == 2
    assert versions(pg_dsn, schema) == [1, 2]


def test_a_schema_newer_than_this_omskit_is_refused(store: PostgresStore, pg_dsn: str) -> None:
    later = (*MIGRATIONS, Migration(2, "from the future", ("CREATE TABLE later (x INTEGER)",)))
    with PostgresStore(pg_dsn, schema=store.schema, migrations=later):
        pass
    with pytest.raises(OmsError, match="newer"):
        PostgresStore(pg_dsn, schema=store.schema)


def test_a_failing_migration_applies_nothing(pg_dsn: str, schema: str) -> None:
    broken = (*MIGRATIONS, Migration(2, "broken", ("CREATE TABLE x (", "SELECT 1")))
    with pytest.raises(psycopg.errors.SyntaxError):
        PostgresStore(pg_dsn, schema=schema, migrations=broken)
    assert tables(pg_dsn, schema) == set()


def test_migrations_must_be_numbered_from_one_in_order(pg_dsn: str, schema: str) -> None:
    skipping = (Migration(2, "two first", ("SELECT 1",)),)
    with pytest.raises(DefinitionError, match="numbered"):
        PostgresStore(pg_dsn, schema=schema, migrations=skipping)


def test_migrate_on_a_connection_reports_the_versions_it_applied(pg_dsn: str, schema: str) -> None:
    with psycopg.connect(pg_dsn) as connection:
        connection.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        connection.commit()
        assert migrate(connection, schema=schema) == (1,)
        assert migrate(connection, schema=schema) == ()


def test_the_postgres_spelling_of_a_migration_sorts_text_by_code_point() -> None:
    spelled = to_postgres("CREATE TABLE t (seq INTEGER PRIMARY KEY, k TEXT NOT NULL) WITHOUT ROWID")
    assert spelled == (
        'CREATE TABLE t (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, k TEXT COLLATE "C"'
        " NOT NULL)"
    )


# --- settings and locking -----------------------------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [{"dsn": 5}, {"schema": ""}, {"lock_timeout": -1}, {"lock_timeout": True}],
    ids=["dsn", "schema", "negative timeout", "bool timeout"],
)
def test_bad_settings_are_refused(settings: dict[str, Any]) -> None:
    arguments: dict[str, Any] = {"dsn": "postgresql://localhost/x", **settings}
    dsn = arguments.pop("dsn")
    with pytest.raises(InvalidInput):
        PostgresStore(dsn, **arguments)


def test_a_server_that_cannot_be_reached_raises_oms_error() -> None:
    with pytest.raises(OmsError, match="cannot connect"):
        PostgresStore("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")


def test_a_closed_store_refuses_new_units_of_work(store: PostgresStore) -> None:
    store.close()
    with pytest.raises(OmsError, match="closed"):
        store.unit_of_work().__enter__()


def test_a_unit_of_work_that_cannot_get_the_lock_in_time_gets_a_concurrency_conflict(
    impatient: tuple[PostgresStore, PostgresStore],
) -> None:
    first, second = impatient
    a_waiting_writer_times_out(first, second)


def test_stores_on_different_schemas_do_not_wait_for_each_other(
    pg_dsn: str, pg_schema: Schemas
) -> None:
    with (
        PostgresStore(pg_dsn, schema=pg_schema(), lock_timeout=0.05) as first,
        PostgresStore(pg_dsn, schema=pg_schema(), lock_timeout=0.05) as second,
        first.unit_of_work(),
        second.unit_of_work() as uow,
    ):
        uow.locations.add(a_location("L1"))
        uow.commit()


def _with_products(store: PostgresStore, *skus: str) -> None:
    with store.unit_of_work() as uow:
        for sku in skus:
            uow.products.add(a_product(sku))
        uow.commit()


def test_stock_units_of_work_on_different_skus_run_side_by_side_and_wait_on_a_shared_one(
    impatient: tuple[PostgresStore, PostgresStore],
) -> None:
    first, second = impatient
    _with_products(first, "A", "B", "C")
    blocked: list[Callable[[], UnitOfWork]] = [
        lambda: second.stock_unit_of_work({"B", "A"}),
        second.unit_of_work,
    ]
    with held_open(lambda: first.stock_unit_of_work({"A"})):
        with second.stock_unit_of_work(["C", "B"]) as uow:  # no wait: B and C are free
            uow.products.add(a_product("B", "Renamed"))
            uow.commit()
        for open_unit in blocked:
            with pytest.raises(ConcurrencyConflict), open_unit():
                pass  # pragma: no cover - the block is never entered
    with second.unit_of_work() as uow:
        assert uow.products.get("B").name == "Renamed"


def test_an_ordinary_unit_of_work_keeps_every_stock_unit_of_work_waiting(
    impatient: tuple[PostgresStore, PostgresStore],
) -> None:
    first, second = impatient
    _with_products(first, "A")
    with (
        held_open(first.unit_of_work),
        pytest.raises(ConcurrencyConflict),
        second.stock_unit_of_work({"Z"}),
    ):
        pass  # pragma: no cover - the block is never entered


def test_reads_through_oms_run_beside_a_placement_and_wait_for_an_ordinary_call(
    impatient: tuple[PostgresStore, PostgresStore],
) -> None:
    first, second = impatient
    oms = Oms(first)
    world(oms, units=5)
    placed = Oms(second).place_order(a_request())
    reader = Oms(second)
    with held_open(lambda: first.stock_unit_of_work({"BEANS"})):
        assert reader.get_order(placed.order_id) == placed
        assert reader.stock_position("BEANS", "DC").reserved == 1
    with held_open(first.unit_of_work), pytest.raises(ConcurrencyConflict):
        reader.get_order(placed.order_id)


def test_a_stock_unit_of_work_needs_a_collection_of_skus(store: PostgresStore) -> None:
    for bad in ("AB", [1]):
        with pytest.raises(InvalidInput) as caught:
            store.stock_unit_of_work(bad)  # type: ignore[arg-type]
        assert caught.value.path == "skus"


Step = Callable[[UnitOfWork, threading.Barrier], None]


def _race_two(store: PostgresStore, steps: dict[str, tuple[set[str], Step]]) -> dict[str, Any]:
    """Two threads, each in a stock unit of work on its SKUs, run their step at once.

    A step gets the barrier the threads met at, to meet again half way.
    """
    start = threading.Barrier(len(steps))
    outcome: dict[str, BaseException | None] = {}

    def run(name: str) -> None:
        skus, step = steps[name]
        try:
            with store.stock_unit_of_work(skus) as uow:
                start.wait(timeout=10)
                step(uow, start)
                uow.commit()
        except BaseException as error:
            outcome[name] = error
        else:
            outcome[name] = None

    threads = [threading.Thread(target=run, args=(name,)) for name in steps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcome


def _write_both(first: str, second: str) -> Step:
    """Raise the on-hand units of ``first``, meet the other thread, then of ``second``."""

    def step(uow: UnitOfWork, barrier: threading.Barrier) -> None:
        for sku in (first, second):
            position = uow.stock.get(sku, "L1")
            uow.stock.save(attrs.evolve(position, on_hand=position.on_hand + 1))
            if sku == first:
                barrier.wait(timeout=10)

    return step


def test_a_deadlock_the_database_breaks_is_a_concurrency_conflict_with_nothing_written(
    store: PostgresStore,
) -> None:
    # Stock units of work never lock out of order, but two that write past their
    # own SKUs the other way round deadlock; the loser must come back as a conflict.
    with store.unit_of_work() as uow:
        for sku in "AB":
            uow.stock.save(a_position(sku, "L1"))
        uow.commit()
    outcome = _race_two(
        store,
        {"A first": ({"A"}, _write_both("A", "B")), "B first": ({"B"}, _write_both("B", "A"))},
    )
    failed = [name for name, error in outcome.items() if error is not None]
    assert len(failed) == 1
    assert isinstance(outcome[failed[0]], ConcurrencyConflict)
    assert "DeadlockDetected" in str(outcome[failed[0]])
    with store.unit_of_work() as uow:  # the winner's two writes, none of the loser's
        assert [uow.stock.get(sku, "L1").on_hand for sku in "AB"] == [
            a_position(sku, "L1").on_hand + 1 for sku in "AB"
        ]


def test_a_concurrent_insert_of_a_taken_reference_is_a_concurrency_conflict(
    store: PostgresStore,
) -> None:
    # On different SKUs nothing keeps the two apart until the unique index does:
    # the second checks the reference while the first has inserted it but not
    # committed, then its insert waits for the first's commit and fails.
    _with_products(store, "A", "B")
    inserted = threading.Event()

    def first(uow: UnitOfWork, _: threading.Barrier) -> None:
        uow.orders.add(an_order("O-1", external_ref="R"))
        inserted.set()
        time.sleep(0.5)  # the second's check happens meanwhile

    def second(uow: UnitOfWork, _: threading.Barrier) -> None:
        assert inserted.wait(timeout=10)
        uow.orders.add(an_order("O-2", external_ref="R"))

    outcome = _race_two(store, {"first": ({"A"}, first), "second": ({"B"}, second)})
    assert outcome["first"] is None
    assert isinstance(outcome["second"], ConcurrencyConflict)
    assert "UniqueViolation" in str(outcome["second"])
    with store.unit_of_work() as uow:
        assert len(uow.orders.list()) == 1


class SlowPublisher(RecordingPublisher):
    """Records deliveries, taking a moment over each, so two relays overlap."""

    def publish(self, event: Any) -> None:
        time.sleep(0.0005)
        super().publish(event)


def test_two_relays_at_once_deliver_every_event_once(pg_dsn: str, schema: str) -> None:
    with PostgresStore(pg_dsn, schema=schema) as store, store.unit_of_work() as uow:
        uow.outbox.append([an_event(f"E-{n:03}") for n in range(300)])
        uow.commit()
    publishers = [SlowPublisher(), SlowPublisher()]
    stores = [PostgresStore(pg_dsn, schema=schema) for _ in publishers]
    sent: list[int] = []
    start = threading.Barrier(2)

    def relay(number: int) -> None:
        oms = Oms(stores[number], publisher=publishers[number])
        start.wait(timeout=10)
        sent.append(oms.relay_events(batch=10))

    threads = [threading.Thread(target=relay, args=(n,)) for n in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        delivered = [event.event_id for p in publishers for event in p.events]
        assert sorted(delivered) == [f"E-{n:03}" for n in range(300)]  # each once
        assert sorted(sent) == sorted(len(p.events) for p in publishers)
        assert min(sent) > 0, "the relays took turns instead of running side by side"
        with stores[0].unit_of_work() as uow:
            assert uow.outbox.pending() == ()
    finally:
        for opened in stores:
            opened.close()


def _open_through_the_ports(store: Store, unit_of_work: UnitOfWork) -> tuple[UnitOfWork, ...]:
    """mypy checks that the PostgreSQL classes satisfy the Protocols when they are passed here."""
    return (store.unit_of_work(), unit_of_work)


def test_postgres_store_and_unit_of_work_satisfy_the_store_and_unit_of_work_ports(
    store: PostgresStore,
) -> None:
    opened = _open_through_the_ports(store, PostgresUnitOfWork(store))
    with opened[0] as uow:
        uow.locations.add(a_location("L1"))
        uow.commit()
    with opened[1] as uow:
        assert uow.locations.get("L1") == a_location("L1")


# --- the service on a shared database -------------------------------------------------------


@pytest.mark.parametrize("stores", [1, 2], ids=["one store", "two stores on one schema"])
def test_sixteen_threads_racing_for_500_units_hold_exactly_500(
    pg_dsn: str, schema: str, stores: int
) -> None:
    opened = [PostgresStore(pg_dsn, schema=schema) for _ in range(stores)]
    try:
        held, refused, errors = race(opened)
        assert errors == []
        assert (held, refused) == (UNITS, THREADS * ATTEMPTS - UNITS)
        assert counters(opened[0]) == (UNITS, UNITS, UNITS, UNITS)
        print(f"postgres oversell race ({stores} store(s)): {held} held, {refused} refused")
        before = dump(opened[0])
    finally:
        for store in opened:
            store.close()
    with PostgresStore(pg_dsn, schema=schema) as reopened:
        assert dump(reopened) == before


def test_one_reference_placed_from_many_threads_and_two_stores_makes_one_order(
    pg_dsn: str, schema: str
) -> None:
    stores = [PostgresStore(pg_dsn, schema=schema) for _ in range(2)]
    try:
        one_reference_from_many_threads(stores)
    finally:
        for store in stores:
            store.close()


def place_and_hold_in_a_process(dsn: str, schema: str, number: int) -> tuple[set[str], int]:
    """One process: :func:`place_and_hold` on its own store of the schema."""
    with PostgresStore(dsn, schema=schema) as store:
        return place_and_hold(store, number)


def test_four_processes_on_one_schema_place_one_order_and_never_oversell(
    pg_dsn: str, schema: str
) -> None:
    with PostgresStore(pg_dsn, schema=schema) as store:
        world(Oms(store), units=101)  # the order takes one; 100 are left for 160 attempts
    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        answers = pool.starmap(place_and_hold_in_a_process, [(pg_dsn, schema, n) for n in range(4)])
    orders = set().union(*(found for found, _ in answers))
    assert len(orders) == 1
    assert sum(held for _, held in answers) == 100
    with PostgresStore(pg_dsn, schema=schema) as store:
        assert counters(store) == (101, 101, 101, 101)


def test_reading_the_schema_version_inside_a_unit_of_work_keeps_its_changes(
    store: PostgresStore,
) -> None:
    with store.unit_of_work() as uow:
        uow.locations.add(a_location("L1"))
        assert store.schema_version == 1
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.locations.get("L1") == a_location("L1")
