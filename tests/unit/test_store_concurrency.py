"""omskit's promises under real concurrency, on SQLite and on PostgreSQL alike.

Each test runs once per durable store (``target``): 8 worker processes
placing 200 two-line orders, half of them with their lines the other way
round, see no deadlock and no lock timeout (with ``Oms(retries=0)``, so none
could hide behind a retry); 1 000 submissions of one idempotency key from 8
processes make one order and get identical answers; and commits failing at
random (before or after they happen) and a failing relay over 1 000 state
changes, with restarts, lose, invent and duplicate no event; relay processes
killed (SIGKILL) part way through a batch lose and invent none. The figures are
printed (``pytest -s`` shows them). Last, on the memory store: ``Oms`` runs a
call the store refused with ConcurrencyConflict again, up to ``retries``.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Collection
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, Self, cast

import attrs
import pytest

from omskit import Oms
from omskit.adapters.memory import MemoryStore, RecordingPublisher
from omskit.adapters.postgres import PostgresStore
from omskit.adapters.sqlite import SqliteStore
from omskit.errors import ConcurrencyConflict, IdempotencyConflict, InvalidInput
from omskit.events import DomainEvent, StockReceived
from omskit.geo import GeoPoint
from omskit.invoicing import InvoicingSettings
from omskit.model import (
    Address,
    Capability,
    Channel,
    Delivery,
    Location,
    LocationKind,
    OrderLineRequest,
    OrderRequest,
    OrderStatus,
    Product,
)
from omskit.money import Money
from omskit.ports import StockScopedStore, Store, UnitOfWork
from omskit.serialization import to_json
from omskit.tax import VatSettings

WORKERS = 8
SKUS = ("BEANS", "CUPS", "FILTERS", "GRINDER")
LOCATIONS = ("DC-NORTH", "DC-SOUTH")


@attrs.frozen
class Target:
    """Where a worker process finds the shared store: a SQLite file or a PostgreSQL schema."""

    kind: str
    where: str
    schema: str | None = None

    def open(self) -> SqliteStore | PostgresStore:
        """A new store on the target (a second one on the same data, not a copy)."""
        if self.kind == "sqlite":
            return SqliteStore(self.where, synchronous="NORMAL")
        return PostgresStore(self.where, schema=self.schema)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """The committed rows ``sql`` reads, through a connection of its own."""
        if self.kind == "sqlite":
            file = sqlite3.connect(self.where)
            try:
                return file.execute(sql).fetchall()
            finally:
                file.close()
        import psycopg
        from psycopg import sql as pg_sql

        with psycopg.connect(self.where) as server:
            server.execute(
                pg_sql.SQL("SET search_path TO {}").format(pg_sql.Identifier(str(self.schema)))
            )
            return server.execute(sql).fetchall()

    def references(self) -> set[str]:
        """The ``reference`` of every committed stock movement but the opening counts."""
        read = (
            "json_extract(data, '$.reference')"
            if self.kind == "sqlite"
            else ("data::json->>'reference'")
        )
        rows = self.rows(f"SELECT {read} FROM ledger")
        return {str(row[0]) for row in rows if row[0] != "opening count"}


@pytest.fixture(params=["sqlite", "postgres"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Target:
    if request.param == "sqlite":
        return Target("sqlite", str(tmp_path / "shop.db"))
    dsn = request.getfixturevalue("pg_dsn")
    schema = request.getfixturevalue("pg_schema")()
    PostgresStore(dsn, schema=schema).close()  # migrate once, before the workers race
    return Target("postgres", dsn, schema)


def world(oms: Oms, *, units: int) -> None:
    """Two warehouses holding ``units`` of each of the four SKUs."""
    for number, location_id in enumerate(LOCATIONS):
        oms.register_location(
            Location(
                location_id,
                location_id.title(),
                LocationKind.WAREHOUSE,
                GeoPoint(52.0 + number, 5.0),
                "NL",
                capabilities={Capability.SHIP},
            )
        )
    for sku in SKUS:
        oms.register_product(Product(sku, sku.title()))
        for location_id in LOCATIONS:
            oms.receive_stock(sku, location_id, units, reference="opening count")


def two_lines(external_ref: str, first: str, second: str) -> OrderRequest:
    return OrderRequest(
        Channel.WEB,
        external_ref,
        "EUR",
        (
            OrderLineRequest(first, 1, Money("12.50", "EUR")),
            OrderLineRequest(second, 2, Money("3.00", "EUR")),
        ),
        Delivery.ship_to(Address("Damrak 1", "1012 LG", "Amsterdam", "NL", name="Anna")),
    )


def pair(number: int) -> tuple[str, str]:
    """The SKUs of order ``number``: neighbours on a ring, reversed on every other order."""
    first, second = SKUS[number % len(SKUS)], SKUS[(number + 1) % len(SKUS)]
    return (second, first) if number % 2 else (first, second)


ORDERS_PER_WORKER = 25


def place_two_line_orders(target: Target, worker: int) -> tuple[int, list[str]]:
    """One worker process: place its 25 orders with no retries; (placed, errors)."""
    with target.open() as store:
        oms = Oms(store, retries=0)
        placed, errors = 0, []
        for index in range(ORDERS_PER_WORKER):
            number = worker * ORDERS_PER_WORKER + index
            try:
                oms.place_order(two_lines(f"W{worker}-{index}", *pair(number)))
            except Exception as error:  # reported by the test
                errors.append(f"{type(error).__name__}: {error}")
            else:
                placed += 1
        return placed, errors


def spawn_pool() -> Any:
    return multiprocessing.get_context("spawn").Pool(WORKERS)


def test_eight_workers_placing_two_line_orders_both_ways_round_never_deadlock(
    target: Target,
) -> None:
    with target.open() as store:
        world(Oms(store), units=1000)
    with spawn_pool() as pool:
        answers = pool.starmap(place_two_line_orders, [(target, n) for n in range(WORKERS)])
    errors = [error for _, found in answers for error in found]
    placed = sum(count for count, _ in answers)
    print(
        f"deadlock check ({target.kind}): {WORKERS} workers, {placed} two-line orders placed, "
        f"half reversed, {len(errors)} errors"
    )
    assert errors == []
    assert placed == WORKERS * ORDERS_PER_WORKER
    expected = Counter[str]()
    for number in range(placed):
        first, second = pair(number)
        expected[first] += 1
        expected[second] += 2
    with target.open() as store, store.unit_of_work() as uow:
        orders = uow.orders.list()
        assert len(orders) == placed
        assert {order.status for order in orders} == {OrderStatus.ALLOCATED}
        reserved = Counter[str]()
        for position in uow.stock.list():
            reserved[position.sku] += position.reserved
            assert position.on_hand == 1000
            assert uow.ledger.balance(position.sku, position.location_id) == 1000
        assert reserved == expected
        held = Counter[str]()
        for reservation in uow.reservations.list():
            held[reservation.sku] += reservation.quantity
        assert held == expected


SUBMISSIONS = 1000


def submit_one_key(target: Target, worker: int) -> list[str]:
    """One worker process: submit the same request 125 times; the answers, as JSON."""
    with target.open() as store:
        oms = Oms(store)
        request = two_lines("WEB-ONE", "BEANS", "CUPS")
        return [to_json(oms.place_order(request)) for _ in range(SUBMISSIONS // WORKERS)]


def test_a_thousand_submissions_of_one_key_from_eight_processes_make_one_order(
    target: Target,
) -> None:
    with target.open() as store:
        world(Oms(store), units=5)
    with spawn_pool() as pool:
        answers = pool.starmap(submit_one_key, [(target, n) for n in range(WORKERS)])
    every = [answer for found in answers for answer in found]
    print(
        f"idempotency ({target.kind}): {len(every)} submissions from {WORKERS} processes, "
        f"{len(set(every))} distinct answer(s)"
    )
    assert len(every) == SUBMISSIONS
    assert len(set(every)) == 1
    order_id = json.loads(every[0])["order_id"]
    with target.open() as store:
        with store.unit_of_work() as uow:
            assert [order.order_id for order in uow.orders.list()] == [order_id]
            assert sum(p.reserved for p in uow.stock.for_sku("BEANS")) == 1
            assert sum(p.reserved for p in uow.stock.for_sku("CUPS")) == 2
        with pytest.raises(IdempotencyConflict) as caught:
            Oms(store).place_order(two_lines("WEB-ONE", "BEANS", "FILTERS"))
        assert caught.value.existing_order_id == order_id


# --- the outbox under failing commits and a failing relay ---------------------------------


class Crash(Exception):
    """An injected failure."""


class FlakyUnitOfWork:
    """A unit of work whose commit fails at random, before or after it happens."""

    def __init__(self, inner: UnitOfWork, rng: random.Random, rate: float) -> None:
        self._inner = inner
        self._rng = rng
        self._rate = rate

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __enter__(self) -> Self:
        self._inner.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._inner.__exit__(exc_type, exc, tb)

    def commit(self) -> None:
        draw = self._rng.random()
        if draw < self._rate / 2:
            raise Crash("before the commit")
        self._inner.commit()
        if draw < self._rate:
            raise Crash("after the commit")

    def rollback(self) -> None:
        self._inner.rollback()


class FlakyStore:
    """A store whose commits fail at random."""

    def __init__(self, inner: Store, rng: random.Random, rate: float) -> None:
        self.inner = inner
        self._rng = rng
        self._rate = rate

    def unit_of_work(self) -> UnitOfWork:
        return cast(UnitOfWork, FlakyUnitOfWork(self.inner.unit_of_work(), self._rng, self._rate))


class FlakyPublisher(RecordingPublisher):
    """Records every delivery; fails at random part way through a batch (the relay dies)."""

    def __init__(self, rng: random.Random, rate: float) -> None:
        super().__init__()
        self._rng = rng
        self.rate = rate

    def publish(self, event: Any) -> None:
        if self._rng.random() < self.rate:
            raise Crash("publisher down")
        super().publish(event)


CHANGES = 1000


def test_failing_commits_and_relays_lose_invent_and_duplicate_no_event(
    target: Target, caplog: pytest.LogCaptureFixture
) -> None:
    rng = random.Random(7)
    publisher = FlakyPublisher(rng, rate=0.01)
    failures = Counter[str]()
    opened: list[SqliteStore | PostgresStore] = []

    def service(rate: float) -> Oms:
        for store in opened:  # a restart: the process dies, another opens the store
            store.close()
        opened[:] = [target.open()]
        return Oms(cast(Store, FlakyStore(opened[0], rng, rate)), publisher=publisher)

    world(service(0.0), units=1)
    oms = service(0.2)
    for change in range(CHANGES):
        if change % 100 == 99:
            oms = service(0.2)
        try:
            oms.receive_stock("BEANS", "DC-NORTH", 1, reference=f"receipt-{change}")
        except Crash as crash:
            failures[str(crash)] += 1
    publisher.rate = 0.0
    service(0.0).relay_events()  # recovery: a healthy relay
    opened[0].close()

    stored_ids = [row[0] for row in target.rows("SELECT event_id FROM outbox ORDER BY seq")]
    delivered = [event.event_id for event in publisher.events]
    lost = set(stored_ids) - set(delivered)
    phantom = set(delivered) - set(stored_ids)
    duplicated = len(stored_ids) - len(set(stored_ids))
    receipts = target.references()
    announced = {
        event.reference
        for event in publisher.events
        if isinstance(event, StockReceived) and event.reference != "opening count"
    }
    print(
        f"crash injection ({target.kind}): {CHANGES} changes, {dict(failures)}, "
        f"{len(receipts)} committed, {len(set(delivered))} events delivered "
        f"({len(delivered) - len(set(delivered))} redelivered), lost {len(lost)}, "
        f"phantom {len(phantom)}, duplicated ids {duplicated}"
    )
    assert failures["before the commit"] > 50
    assert failures["after the commit"] > 50
    assert (len(lost), len(phantom), duplicated) == (0, 0, 0)
    assert announced == receipts  # every committed change announced, nothing else
    assert len(receipts) == CHANGES - failures["before the commit"]
    by_id: dict[str, set[Any]] = {}
    for event in publisher.events:
        by_id.setdefault(event.event_id, set()).add(event)
    assert all(len(versions) == 1 for versions in by_id.values()), "an id named two events"


class FilePublisher:
    """Appends each event id to a file, one ``write`` per event, so a killed process loses none."""

    def __init__(self, path: str, pause: float = 0.0) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        self._pause = pause

    def publish(self, event: DomainEvent) -> None:
        time.sleep(self._pause)
        os.write(self._fd, f"{event.event_id}\n".encode())


def relay_until_killed(target: Target, received: str) -> None:
    """A relay process: deliver pending events slowly, until done or killed."""
    with target.open() as store:
        Oms(store, publisher=FilePublisher(received, pause=0.002)).relay_events(batch=20)


def test_a_relay_killed_at_random_points_loses_and_invents_no_event(
    target: Target, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with target.open() as store:
        oms = Oms(store, publisher=FilePublisher(os.devnull))
        world(oms, units=1)
        oms.relay_events()
    setup = {row[0] for row in target.rows("SELECT event_id FROM outbox")}
    with target.open() as store:  # changes whose relay fails: their events stay pending
        oms = Oms(store, publisher=cast(Any, FlakyPublisher(random.Random(1), rate=1.0)))
        for change in range(150):
            oms.receive_stock("BEANS", "DC-NORTH", 1, reference=f"receipt-{change}")
    received = tmp_path / "received.txt"
    received.touch()
    rng = random.Random(11)
    context = multiprocessing.get_context("spawn")
    kills = 0
    for _ in range(5):
        relay = context.Process(target=relay_until_killed, args=(target, str(received)))
        before = len(received.read_text().splitlines())
        relay.start()
        deadline = time.monotonic() + 30
        while len(received.read_text().splitlines()) == before and relay.is_alive():
            assert time.monotonic() < deadline, "the relay process never delivered"
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.2))  # kill it part way through a batch
        if relay.is_alive():
            relay.kill()
            kills += 1
        relay.join(timeout=30)
    relay_until_killed(target, str(received))  # recovery: a relay that is not killed

    stored = [
        row[0]
        for row in target.rows("SELECT event_id FROM outbox ORDER BY seq")
        if row[0] not in setup
    ]
    pending = target.rows("SELECT event_id FROM outbox WHERE published = 0")
    delivered = received.read_text().splitlines()
    lost, phantom = set(stored) - set(delivered), set(delivered) - set(stored)
    print(
        f"relay kills ({target.kind}): {len(stored)} events, {kills} relays killed, "
        f"{len(delivered)} deliveries ({len(delivered) - len(set(delivered))} redelivered), "
        f"lost {len(lost)}, phantom {len(phantom)}, left pending {len(pending)}"
    )
    assert kills >= 3
    assert (len(lost), len(phantom), len(pending)) == (0, 0, 0)
    assert len(stored) == len(set(stored)) > 300


# --- Oms runs a call the store refused again ------------------------------------------------


class RefusingUnitOfWork(FlakyUnitOfWork):
    """A unit of work whose commit the store refuses, as a lock timeout or deadlock would."""

    def __init__(self, inner: UnitOfWork, store: RefusingStore) -> None:
        super().__init__(inner, random.Random(0), 0.0)
        self._store = store

    def commit(self) -> None:
        self._store.commits += 1
        if self._store.refusals > 0:
            self._store.refusals -= 1
            raise ConcurrencyConflict("refused for the test", kind="database")
        super().commit()


class RefusingStore:
    """A memory store that refuses the next ``refusals`` commits."""

    def __init__(self) -> None:
        self.inner = MemoryStore()
        self.refusals = 0
        self.commits = 0

    def unit_of_work(self) -> UnitOfWork:
        return cast(UnitOfWork, RefusingUnitOfWork(self.inner.unit_of_work(), self))


def refusing_shop(retries: int) -> tuple[Oms, RefusingStore, RecordingPublisher]:
    store, publisher = RefusingStore(), RecordingPublisher()
    oms = Oms(cast(Store, store), publisher=publisher, retries=retries)
    world(oms, units=10)
    publisher.events.clear()
    return oms, store, publisher


def test_a_call_the_store_refuses_is_run_again_and_happens_once() -> None:
    oms, store, publisher = refusing_shop(retries=3)
    store.refusals, store.commits = 3, 0
    placed = oms.place_order(two_lines("WEB-1", "BEANS", "CUPS"))
    assert store.commits == 4 + 1  # three refused, one placed, one relay
    assert oms.find_order(Channel.WEB, "WEB-1") == placed
    assert oms.sellable("BEANS", Channel.WEB) == 19
    assert oms.check_availability_index() == ()
    placed_events = [e for e in publisher.events if type(e).__name__ == "OrderPlaced"]
    assert len(placed_events) == 1


@pytest.mark.parametrize("retries", [0, 2])
def test_a_call_refused_more_often_than_oms_retries_raises_and_writes_nothing(
    retries: int,
) -> None:
    oms, store, publisher = refusing_shop(retries=retries)
    store.refusals, store.commits = retries + 1, 0
    with pytest.raises(ConcurrencyConflict):
        oms.place_order(two_lines("WEB-1", "BEANS", "CUPS"))
    assert store.commits == retries + 1
    assert oms.find_order(Channel.WEB, "WEB-1") is None
    assert oms.sellable("BEANS", Channel.WEB) == 20
    assert oms.check_availability_index() == ()
    assert publisher.events == []


@pytest.mark.parametrize("bad", [-1, 21, True, "3", 1.5])
def test_retries_must_be_a_whole_number_from_0_to_20(bad: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        Oms(retries=bad)
    assert caught.value.path == "retries"


class ScopedStore(MemoryStore):
    """A memory store that records which kind of unit of work each call opens."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[frozenset[str] | None] = []

    def unit_of_work(self) -> Any:
        self.opened.append(None)
        return super().unit_of_work()

    def stock_unit_of_work(self, skus: Collection[str]) -> Any:
        self.opened.append(frozenset(skus))
        return super().unit_of_work()


def test_only_calls_confined_to_their_skus_open_a_stock_unit_of_work() -> None:
    store = ScopedStore()
    assert isinstance(store, StockScopedStore)
    oms = Oms(store)
    world(oms, units=10)

    def opened_by(call: Callable[[], object]) -> list[frozenset[str] | None]:
        store.opened.clear()
        call()
        return store.opened[:1]  # the call's own; the relay after it opens an ordinary one

    placed: list[str] = []
    place = partial(oms.place_order, two_lines("WEB-1", "BEANS", "CUPS"))
    assert opened_by(lambda: placed.append(place().order_id)) == [frozenset({"BEANS", "CUPS"})]
    hold = partial(oms.hold_stock, "FILTERS", 1, channel=Channel.WEB, cart_id="C-1")
    assert opened_by(hold) == [frozenset({"FILTERS"})]
    # A cart's holds may be of any SKU, and so may a cancel: those calls run alone.
    from_cart = two_lines("WEB-2", "BEANS", "CUPS")
    assert opened_by(lambda: oms.place_order(from_cart, cart_id="C-1")) == [None]
    assert opened_by(partial(oms.cancel_order, placed[0])) == [None]
    # Reads are stock units of work on no SKU: they wait for no placement.
    assert opened_by(partial(oms.get_order, placed[0])) == [frozenset()]
    assert opened_by(partial(oms.stock_position, "BEANS", "DC-NORTH")) == [frozenset()]


def test_with_invoicing_on_every_call_runs_alone() -> None:
    store = ScopedStore()
    oms = Oms(store, invoicing=InvoicingSettings(VatSettings("NL")))
    world(oms, units=10)
    store.opened.clear()
    oms.hold_stock("FILTERS", 1, channel=Channel.WEB, cart_id="C-1")
    assert store.opened[0] is None
