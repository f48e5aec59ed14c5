"""The SQLite store: schema and migrations, settings, and omskit's promises on a real file.

The repository behaviour is checked by the contract suites (test_store_contracts.py);
here: the schema machinery, the connection settings, no oversell under 16 threads,
one order per reference across threads and stores, and a restart that changes
nothing. The deadlock, idempotency and crash-injection checks run on SQLite and
PostgreSQL alike, in test_store_concurrency.py.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from omskit import Oms
from omskit.adapters.memory import RecordingPublisher
from omskit.adapters.sqlite import MIGRATIONS, Migration, SqliteStore, SqliteUnitOfWork, migrate
from omskit.errors import (
    ConcurrencyConflict,
    DefinitionError,
    IdempotencyConflict,
    InsufficientStock,
    InvalidInput,
    OmsError,
)
from omskit.geo import GeoPoint
from omskit.model import (
    Capability,
    Channel,
    Delivery,
    Location,
    LocationKind,
    OrderLineRequest,
    OrderRequest,
    Product,
)
from omskit.money import Money
from omskit.ports import Store, UnitOfWork
from omskit.testing.contracts._builders import a_location, an_order
from omskit.testing.contracts._dump import dump, seed
from omskit.testing.contracts.unit_of_work import held_open

TABLES = {
    "cancellations",
    "customers",
    "distance_sales",
    "invoice_series",
    "invoices",
    "ledger",
    "locations",
    "orders",
    "outbox",
    "payments",
    "products",
    "quotes",
    "reservations",
    "returns",
    "schema_version",
    "shipments",
    "stock",
    "tasks",
}


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "omskit.db"


@pytest.fixture
def store(path: Path) -> Iterator[SqliteStore]:
    with SqliteStore(path, synchronous="NORMAL") as opened:
        yield opened


def raw(path: Path) -> sqlite3.Connection:
    """A plain connection to look at the file as another program would."""
    return sqlite3.connect(path, isolation_level=None)


def tables(path: Path) -> set[str]:
    connection = raw(path)
    try:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {row[0] for row in rows}
    finally:
        connection.close()


# --- schema and migrations -------------------------------------------------------------


def test_a_new_file_gets_every_table_and_schema_version_one(store: SqliteStore, path: Path) -> None:
    assert store.schema_version == len(MIGRATIONS) == 1
    assert tables(path) == TABLES


def test_reopening_a_file_applies_no_migration_again(store: SqliteStore, path: Path) -> None:
    store.close()
    connection = raw(path)
    try:
        assert migrate(connection) == ()
        rows = connection.execute("SELECT version, description FROM schema_version").fetchall()
    finally:
        connection.close()
    assert rows == [(1, MIGRATIONS[0].description)]


def test_a_later_migration_is_applied_once_on_open_and_keeps_the_data(
    store: SqliteStore, path: Path
) -> None:
    with store.unit_of_work() as uow:
        uow.locations.add(a_location("L1"))
        uow.commit()
    store.close()
    extra = Migration(2, "a shop's own column", ("ALTER TABLE orders ADD COLUMN note TEXT",))
    with SqliteStore(path, migrations=(*MIGRATIONS, extra)) as upgraded:
        assert upgraded.schema_version == 2
        with upgraded.unit_of_work() as uow:
            assert uow.locations.get("L1") == a_location("L1")
            uow.orders.add(an_order("O-1"))
            uow.commit()
    connection = raw(path)
    try:
        assert migrate(connection, (*MIGRATIONS, extra)) == ()
    finally:
        connection.close()


def test_a_file_with_a_newer_schema_is_refused(store: SqliteStore, path: Path) -> None:
    store.close()
    extra = Migration(2, "from the future", ("CREATE TABLE later (x INTEGER)",))
    SqliteStore(path, migrations=(*MIGRATIONS, extra)).close()
    with pytest.raises(OmsError, match="newer than this omskit knows"):
        SqliteStore(path)


def test_a_failing_migration_applies_nothing(store: SqliteStore, path: Path) -> None:
    store.close()
    broken = Migration(2, "half good", ("CREATE TABLE half (x INTEGER)", "NOT SQL AT ALL"))
    with pytest.raises(sqlite3.OperationalError):
        SqliteStore(path, migrations=(*MIGRATIONS, broken))
    assert "half" not in tables(path)
    with SqliteStore(path) as again:
        assert again.schema_version == 1


def test_migrations_must_be_numbered_from_one_in_order(path: Path) -> None:
    step = Migration(2, "two", ("CREATE TABLE t (x INTEGER)",))
    with pytest.raises(DefinitionError, match="numbered 1, 2"):
        SqliteStore(path, migrations=(step,))
    with pytest.raises(DefinitionError):
        Migration(1, "nothing", ())


# --- settings and misuse ---------------------------------------------------------------


def test_connections_use_wal_a_busy_timeout_and_foreign_keys(path: Path) -> None:
    with SqliteStore(path, timeout=2.5) as store, store.unit_of_work() as uow:
        connection = uow._session.connection
        assert connection is not None
        settings = {
            name: connection.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")
        }
    assert settings == {
        "journal_mode": "wal",
        "busy_timeout": 2500,
        "foreign_keys": 1,
        "synchronous": 2,
    }


@pytest.mark.parametrize("bad", [":memory:", "", 42, "file:x.db?mode=memory"])
def test_a_store_needs_a_database_file(bad: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        SqliteStore(bad)
    assert caught.value.path == "path"


def test_bad_settings_are_refused(path: Path) -> None:
    with pytest.raises(InvalidInput):
        SqliteStore(path, timeout=-1)
    with pytest.raises(InvalidInput):
        SqliteStore(path, synchronous="OFF")  # type: ignore[arg-type]


def test_a_closed_store_refuses_new_units_of_work(store: SqliteStore) -> None:
    store.close()
    with pytest.raises(OmsError, match="closed"):
        store.unit_of_work().__enter__()


def a_waiting_writer_times_out(first: Store, second: Store) -> None:
    """While ``first`` holds a unit of work, ``second`` times out and writes nothing."""
    with held_open(first.unit_of_work), pytest.raises(ConcurrencyConflict), second.unit_of_work():
        pass  # pragma: no cover - the block is never entered
    with second.unit_of_work() as uow:
        assert uow.locations.list() == ()


def test_a_writer_that_cannot_get_the_lock_in_time_gets_a_concurrency_conflict(
    path: Path,
) -> None:
    with SqliteStore(path, timeout=0.05) as first, SqliteStore(path, timeout=0.05) as second:
        a_waiting_writer_times_out(first, second)


def _open_through_the_ports(store: Store, unit_of_work: UnitOfWork) -> tuple[UnitOfWork, ...]:
    """mypy checks that the SQLite classes satisfy the Protocols when they are passed here."""
    return (store.unit_of_work(), unit_of_work)


def test_sqlite_store_and_unit_of_work_satisfy_the_store_and_unit_of_work_ports(
    store: SqliteStore,
) -> None:
    opened = _open_through_the_ports(store, SqliteUnitOfWork(store))
    with opened[0] as uow:
        uow.locations.add(a_location("L1"))
        uow.commit()
    with opened[1] as uow:
        assert uow.locations.get("L1") == a_location("L1")


# --- the service on a file -------------------------------------------------------------


def world(oms: Oms, *, units: int) -> None:
    oms.register_location(
        Location(
            "DC",
            "Distribution centre",
            LocationKind.WAREHOUSE,
            GeoPoint(52.1, 5.1),
            "NL",
            capabilities={Capability.SHIP, Capability.CLICK_AND_COLLECT},
        )
    )
    oms.register_product(Product("BEANS", "Espresso beans"))
    oms.receive_stock("BEANS", "DC", units, reference="opening count")


def a_request(external_ref: str = "WEB-1", quantity: int = 1) -> OrderRequest:
    return OrderRequest(
        Channel.WEB,
        external_ref,
        "EUR",
        (OrderLineRequest("BEANS", quantity, Money("12.50", "EUR")),),
        Delivery.collect_at("DC"),
    )


def test_oms_given_a_path_keeps_its_state_in_that_file_across_restarts(path: Path) -> None:
    first = Oms(str(path))
    assert isinstance(first.store, SqliteStore)
    world(first, units=10)
    placed = first.place_order(a_request())
    first.close()
    with pytest.raises(OmsError, match="closed"):
        first.get_order(placed.order_id)
    first.close()  # closing again does nothing more

    with Oms(path) as again:
        assert again.find_order(Channel.WEB, "WEB-1") == placed
        assert again.sellable("BEANS", Channel.WEB) == 9
        assert again.check_availability_index() == ()
        assert again.place_order(a_request()) == placed
    with pytest.raises(OmsError, match="closed"):
        again.get_order(placed.order_id)


def test_closing_an_oms_on_a_memory_store_keeps_it_usable() -> None:
    with Oms() as oms:
        world(oms, units=3)
    assert oms.sellable("BEANS", Channel.WEB) == 3


THREADS = 16
ATTEMPTS = 60
UNITS = 500


def race(stores: Sequence[Store]) -> tuple[int, int, list[BaseException]]:
    """16 threads x 60 one-unit holds on 500 units, over Oms objects on ``stores``."""
    services = [Oms(store) for store in stores]
    world(services[0], units=UNITS)
    for service in services[1:]:
        service.rebuild_availability_index()
    held, refused, errors = [0], [0], []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def shopper(number: int) -> None:
        oms = services[number % len(services)]
        start.wait()
        for attempt in range(ATTEMPTS):
            try:
                oms.hold_stock(
                    "BEANS",
                    1,
                    channel=Channel.WEB,
                    cart_id=f"CART-{number}-{attempt}",
                    ttl=timedelta(days=1),
                )
            except InsufficientStock:
                with lock:
                    refused[0] += 1
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)
            else:
                with lock:
                    held[0] += 1

    threads = [threading.Thread(target=shopper, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)
    return held[0], refused[0], errors


def counters(store: Store) -> tuple[int, int, int, int]:
    """(on hand, reserved, ledger balance, holds) of BEANS at DC, as the store reads them."""
    with store.unit_of_work() as uow:
        position = uow.stock.get("BEANS", "DC")
        held = sum(r.quantity for r in uow.reservations.list())
        return position.on_hand, position.reserved, uow.ledger.balance("BEANS", "DC"), held


@pytest.mark.parametrize("stores", [1, 2], ids=["one store", "two stores on one file"])
def test_sixteen_threads_racing_for_500_units_hold_exactly_500(path: Path, stores: int) -> None:
    opened = [SqliteStore(path, synchronous="NORMAL") for _ in range(stores)]
    try:
        held, refused, errors = race(opened)
        assert errors == []
        assert (held, refused) == (UNITS, THREADS * ATTEMPTS - UNITS)
        assert counters(opened[0]) == (UNITS, UNITS, UNITS, UNITS)
        print(f"oversell race ({stores} store(s)): {held} held, {refused} refused, 0 oversold")
        before = dump(opened[0])
    finally:
        for store in opened:
            store.close()
    with SqliteStore(path) as reopened:
        assert dump(reopened) == before
        assert counters(reopened) == (UNITS, UNITS, UNITS, UNITS)


def one_reference_from_many_threads(stores: Sequence[Store]) -> None:
    """8 threads x 25 submissions of one reference over Oms objects on ``stores``: one order."""
    services = [Oms(store) for store in stores]
    world(services[0], units=5)
    answers: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def submit(number: int) -> None:
        start.wait()
        for _ in range(25):
            try:
                answers.append(services[number % len(services)].place_order(a_request()).order_id)
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    assert len(answers) == 200
    assert len(set(answers)) == 1
    with stores[0].unit_of_work() as uow:
        assert [o.order_id for o in uow.orders.list()] == answers[:1]
        assert uow.stock.get("BEANS", "DC").reserved == 1
    with pytest.raises(IdempotencyConflict) as caught:
        services[-1].place_order(a_request(quantity=2))
    assert caught.value.existing_order_id == answers[0]


def test_one_reference_placed_from_many_threads_and_two_stores_makes_one_order(
    path: Path,
) -> None:
    stores = [SqliteStore(path, synchronous="NORMAL") for _ in range(2)]
    try:
        one_reference_from_many_threads(stores)
    finally:
        for store in stores:
            store.close()


def place_and_hold(store: Store, number: int) -> tuple[set[str], int]:
    """Place the same order 10 times, then try 40 one-unit holds; the order ids and holds made."""
    oms = Oms(store)
    orders = {oms.place_order(a_request()).order_id for _ in range(10)}
    held = 0
    for attempt in range(40):
        try:
            oms.hold_stock(
                "BEANS",
                1,
                channel=Channel.WEB,
                cart_id=f"P{number}-{attempt}",
                ttl=timedelta(days=1),
            )
        except InsufficientStock:
            continue
        held += 1
    return orders, held


def place_and_hold_in_a_process(path: str, number: int) -> tuple[set[str], int]:
    """One process: :func:`place_and_hold` on its own store of the file."""
    with SqliteStore(path, synchronous="NORMAL") as store:
        return place_and_hold(store, number)


def test_four_processes_on_one_file_place_one_order_and_never_oversell(path: Path) -> None:
    with SqliteStore(path) as store:
        world(Oms(store), units=101)  # the order takes one; 100 are left for 160 attempts
    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        answers = pool.starmap(place_and_hold_in_a_process, [(str(path), n) for n in range(4)])
    orders = set().union(*(found for found, _ in answers))
    assert len(orders) == 1
    assert sum(held for _, held in answers) == 100
    with SqliteStore(path) as store:
        assert counters(store) == (101, 101, 101, 101)
        with store.unit_of_work() as uow:
            assert [o.order_id for o in uow.orders.list()] == sorted(orders)


# --- the outbox across restarts -----------------------------------------------------


def test_pending_events_survive_a_restart_and_go_out_once_relayed(path: Path) -> None:
    publisher = RecordingPublisher()
    with SqliteStore(path) as store:
        seed(store)  # E-1 published, E-2 pending
    with SqliteStore(path) as store:
        oms = Oms(store, publisher=publisher)
        assert [event.event_id for event in publisher.events] == []
        assert oms.relay_events() == 1
        assert oms.relay_events() == 0
    assert [event.event_id for event in publisher.events] == ["E-2"]


def test_units_of_work_from_threads_of_one_store_use_a_connection_each(
    store: SqliteStore,
) -> None:
    seen: list[int] = []

    def look() -> None:
        with store.unit_of_work() as uow:
            seen.append(id(uow._session.connection))

    runs: list[Callable[[], None]] = [look, look]
    threads = [threading.Thread(target=run) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    look()
    assert len(set(seen)) == 3
