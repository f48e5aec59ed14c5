"""Contract suites for the unit of work: transactions, misuse, threads and stock units of work."""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterator

import attrs
import pytest

from omskit.errors import AlreadyExists, OmsError
from omskit.model import (
    Location,
    OrderStatus,
)
from omskit.ports import StockScopedStore, Store, UnitOfWork
from omskit.testing.contracts._base import StoreContract
from omskit.testing.contracts._builders import (
    Boom,
    a_cancellation,
    a_customer,
    a_location,
    a_movement,
    a_position,
    a_product,
    a_quote,
    a_reservation,
    a_return,
    a_shipment,
    a_task,
    an_event,
    an_invoice,
    an_order,
)
from omskit.testing.contracts._dump import (
    committed,
    dump,
    seed,
    write_to_every_repository,
)


def _leave_without_commit(uow: UnitOfWork) -> None:
    write_to_every_repository(uow)


def _roll_back_explicitly(uow: UnitOfWork) -> None:
    write_to_every_repository(uow)
    uow.rollback()


def _commit_then_roll_back_later_writes(uow: UnitOfWork) -> None:
    uow.commit()
    write_to_every_repository(uow)


def _fail_half_way(store: Store) -> None:
    with store.unit_of_work() as uow:
        write_to_every_repository(uow)
        assert uow.outbox.pending() == (an_event("E-3"),)
        raise Boom


REPOSITORY_CALLS: list[tuple[str, Callable[[UnitOfWork], object]]] = [
    ("locations.get", lambda u: u.locations.get("L1")),
    ("locations.find", lambda u: u.locations.find("L1")),
    ("locations.add", lambda u: u.locations.add(a_location("L2"))),
    ("locations.list", lambda u: u.locations.list()),
    ("products.get", lambda u: u.products.get("SKU-1")),
    ("products.find", lambda u: u.products.find("SKU-1")),
    ("products.add", lambda u: u.products.add(a_product("SKU-2"))),
    ("products.list", lambda u: u.products.list()),
    ("customers.get", lambda u: u.customers.get("C-1")),
    ("customers.find", lambda u: u.customers.find("C-1")),
    ("customers.add", lambda u: u.customers.add(a_customer("C-2"))),
    ("stock.get", lambda u: u.stock.get("SKU-1", "L1")),
    ("stock.save", lambda u: u.stock.save(a_position("SKU-2", "L2"))),
    ("stock.for_sku", lambda u: u.stock.for_sku("SKU-1")),
    ("stock.list", lambda u: u.stock.list()),
    ("reservations.add", lambda u: u.reservations.add(a_reservation("RES-9"))),
    ("reservations.get", lambda u: u.reservations.get("RES-1")),
    ("reservations.remove", lambda u: u.reservations.remove("RES-2")),
    ("reservations.for_order", lambda u: u.reservations.for_order("O-1")),
    ("reservations.list", lambda u: u.reservations.list()),
    ("ledger.append", lambda u: u.ledger.append(a_movement("M-9"))),
    ("ledger.for_key", lambda u: u.ledger.for_key("SKU-1", "L1")),
    ("ledger.balance", lambda u: u.ledger.balance("SKU-1", "L1")),
    ("orders.get", lambda u: u.orders.get("O-1")),
    ("orders.find", lambda u: u.orders.find("O-1")),
    ("orders.find_by_reference", lambda u: u.orders.find_by_reference("web", "REF-O-1")),
    ("orders.add", lambda u: u.orders.add(an_order("O-9"))),
    (
        "orders.update",
        lambda u: u.orders.update(an_order("O-1", version=1), expected_version=0),
    ),
    ("orders.list", lambda u: u.orders.list()),
    ("shipments.add", lambda u: u.shipments.add(a_shipment("S-9"))),
    ("shipments.get", lambda u: u.shipments.get("S-1")),
    ("shipments.update", lambda u: u.shipments.update(a_shipment("S-1"))),
    ("shipments.for_order", lambda u: u.shipments.for_order("O-1")),
    ("invoices.add", lambda u: u.invoices.add(an_invoice("INV-9"))),
    ("invoices.get", lambda u: u.invoices.get("INV-1")),
    ("invoices.for_order", lambda u: u.invoices.for_order("O-1")),
    ("invoices.next_number", lambda u: u.invoices.next_number("INV")),
    ("returns.add", lambda u: u.returns.add(a_return("RT-9"))),
    ("returns.get", lambda u: u.returns.get("RT-1")),
    ("returns.update", lambda u: u.returns.update(a_return("RT-1"))),
    ("returns.for_order", lambda u: u.returns.for_order("O-1")),
    ("quotes.add", lambda u: u.quotes.add(a_quote("Q-9", external_ref="R-9"))),
    ("quotes.get", lambda u: u.quotes.get("Q-1")),
    ("quotes.find_by_reference", lambda u: u.quotes.find_by_reference("web", "R-1")),
    (
        "quotes.update",
        lambda u: u.quotes.update(a_quote("Q-1", version=1), expected_version=0),
    ),
    ("quotes.list", lambda u: u.quotes.list()),
    ("cancellations.add", lambda u: u.cancellations.add(a_cancellation("X-9"))),
    ("cancellations.list", lambda u: u.cancellations.list()),
    ("tasks.add", lambda u: u.tasks.add(a_task("T-9", subject="O-9"))),
    ("tasks.find", lambda u: u.tasks.find("late_line", "O-1")),
    ("tasks.list", lambda u: u.tasks.list()),
    ("tasks.undelivered", lambda u: u.tasks.undelivered()),
    ("tasks.mark_delivered", lambda u: u.tasks.mark_delivered(["T-1"])),
    ("outbox.append", lambda u: u.outbox.append([an_event("E-9")])),
    ("outbox.pending", lambda u: u.outbox.pending()),
    ("outbox.mark_published", lambda u: u.outbox.mark_published(["E-2"])),
]


def _assert_another_thread_can_open_a_unit_of_work(store: Store) -> None:
    seen: list[int] = []

    def open_one() -> None:
        with store.unit_of_work() as uow:
            seen.append(len(uow.locations.list()))

    thread = threading.Thread(target=open_one)
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive(), "the store lock was not released"
    assert len(seen) == 1


class UnitOfWorkContract(StoreContract):
    """The :class:`~omskit.ports.UnitOfWork` port: commit, rollback, misuse refused."""

    def test_lists_already_handed_out_do_not_change_with_later_writes(
        self,
        uow: UnitOfWork,
    ) -> None:
        """Lists already handed out do not change with later writes."""
        uow.locations.add(a_location("L1"))
        uow.ledger.append(a_movement("M-1"))
        uow.outbox.append([an_event("E-1")])
        uow.cancellations.add(a_cancellation("X-1"))
        locations = uow.locations.list()
        movements = uow.ledger.for_key("SKU-1", "L1")
        pending = uow.outbox.pending()
        records = uow.cancellations.list()
        uow.locations.add(a_location("L2"))
        uow.ledger.append(a_movement("M-2"))
        uow.outbox.append([an_event("E-2")])
        uow.cancellations.add(a_cancellation("X-2"))
        assert (len(locations), len(movements), len(pending), len(records)) == (1, 1, 1, 1)

    def test_the_dump_sees_every_repository_of_a_seeded_store(self, store: Store) -> None:
        """The dump sees every repository of a seeded store."""
        empty = dump(store)
        seed(store)
        seeded = dump(store)
        assert [key for key in seeded if seeded[key] == empty[key]] == []

    def test_the_dump_itself_changes_nothing(self, store: Store) -> None:
        """The dump itself changes nothing."""
        seed(store)
        assert dump(store) == dump(store)

    def test_committed_changes_stay(self, store: Store) -> None:
        """Committed changes stay."""
        seed(store)
        before = dump(store)
        with committed(store) as uow:
            write_to_every_repository(uow)
        after = dump(store)
        changed = {key for key in after if after[key] != before[key]}
        assert changed == set(after), f"unchanged: {set(after) - changed}"
        with store.unit_of_work() as uow:
            assert uow.locations.get("L1").name == "Renamed warehouse"
            assert uow.orders.get("O-1").status is OrderStatus.ALLOCATED
            assert uow.invoices.next_number("INV") == 3

    @pytest.mark.parametrize(
        "block",
        [_leave_without_commit, _roll_back_explicitly, _commit_then_roll_back_later_writes],
        ids=["leave without commit", "explicit rollback", "writes after the last commit"],
    )
    def test_changes_not_committed_are_all_rolled_back(
        self, store: Store, block: Callable[[UnitOfWork], None]
    ) -> None:
        """Changes not committed are all rolled back."""
        seed(store)
        before = dump(store)
        with store.unit_of_work() as uow:
            block(uow)
        assert dump(store) == before

    def test_writes_are_visible_inside_their_own_unit_of_work_before_commit(
        self,
        store: Store,
    ) -> None:
        """Writes are visible inside their own unit of work before commit."""
        seed(store)
        with store.unit_of_work() as uow:
            write_to_every_repository(uow)
            assert uow.locations.get("L3") == a_location("L3")
            assert uow.ledger.balance("SKU-1", "L1") == 7
            assert uow.reservations.for_order("O-2") == (a_reservation("RES-3", order_id="O-2"),)
            assert uow.orders.get("O-1").version == 1
            assert [e.event_id for e in uow.outbox.pending()] == ["E-3"]

    def test_an_exception_half_way_leaves_the_store_exactly_as_before(self, store: Store) -> None:
        """An exception half way leaves the store exactly as before."""
        seed(store)
        before = dump(store)
        with pytest.raises(Boom):
            _fail_half_way(store)
        assert dump(store) == before

    def test_an_expected_error_caught_inside_the_block_does_not_undo_earlier_writes(
        self,
        store: Store,
    ) -> None:
        """An expected error caught inside the block does not undo earlier writes."""
        with committed(store) as uow:
            uow.locations.add(a_location("L1"))
            uow.orders.add(an_order("O-1"))
            with pytest.raises(AlreadyExists):
                uow.orders.add(an_order("O-1", status=OrderStatus.CANCELLED))
        with store.unit_of_work() as uow:
            assert uow.locations.find("L1") is not None
            assert uow.orders.find("O-1") == an_order("O-1")

    @pytest.mark.parametrize(
        "call", [call for _, call in REPOSITORY_CALLS], ids=[name for name, _ in REPOSITORY_CALLS]
    )
    def test_a_repository_used_outside_a_with_block_raises_oms_error(
        self, store: Store, call: Callable[[UnitOfWork], object]
    ) -> None:
        """A repository used outside a with block raises oms error."""
        seed(store)  # so that the call would succeed inside a block
        with store.unit_of_work() as inside:
            call(inside)
        before = dump(store)
        uow = store.unit_of_work()
        with pytest.raises(OmsError) as caught:
            call(uow)
        assert type(caught.value) is OmsError, "the guard, not a lookup, must refuse the call"
        assert "with" in str(caught.value)
        assert dump(store) == before

    def test_a_repository_used_after_its_block_ended_raises_oms_error(self, store: Store) -> None:
        """A repository used after its block ended raises oms error."""
        with committed(store) as uow:
            uow.locations.add(a_location("L1"))
        with pytest.raises(OmsError) as caught:
            uow.locations.get("L1")
        assert type(caught.value) is OmsError
        with pytest.raises(OmsError):
            uow.locations.add(a_location("L2"))
        assert dump(store)["locations"] == (a_location("L1"),)

    def test_commit_outside_a_with_block_raises_oms_error(self, store: Store) -> None:
        """Commit outside a with block raises oms error."""
        with pytest.raises(OmsError):
            store.unit_of_work().commit()

    def test_re_entering_an_open_unit_of_work_raises_oms_error_and_keeps_it_usable(
        self,
        store: Store,
    ) -> None:
        """Re entering an open unit of work raises oms error and keeps it usable."""
        with store.unit_of_work() as uow:
            uow.locations.add(a_location("L1"))
            with pytest.raises(OmsError) as caught:
                uow.__enter__()
            assert type(caught.value) is OmsError
            uow.locations.add(a_location("L2"))
            uow.commit()
        with store.unit_of_work() as uow:
            assert [loc.location_id for loc in uow.locations.list()] == ["L1", "L2"]
        _assert_another_thread_can_open_a_unit_of_work(store)

    def test_a_unit_of_work_can_be_used_for_a_second_block_after_the_first_ended(
        self,
        store: Store,
    ) -> None:
        """A unit of work can be used for a second block after the first ended."""
        uow = store.unit_of_work()
        with uow:
            uow.locations.add(a_location("L1"))
            uow.commit()
        with uow:
            uow.locations.add(a_location("L2"))
        with uow:
            assert [loc.location_id for loc in uow.locations.list()] == ["L1"]

    def test_opening_a_second_unit_of_work_in_the_same_thread_raises_oms_error(
        self,
        store: Store,
    ) -> None:
        """Opening a second unit of work in the same thread raises oms error."""
        with store.unit_of_work() as outer:
            outer.ledger.append(a_movement("M-1"))
            with pytest.raises(OmsError):
                store.unit_of_work().__enter__()
        with store.unit_of_work() as uow:
            assert uow.ledger.for_key("SKU-1", "L1") == ()


class ThreadingContract(StoreContract):
    """Units of work from several threads (capability ``threads``): isolated, no lost update."""

    def test_the_lock_is_released_after_a_block_that_raised(self, store: Store) -> None:
        """The lock is released after a block that raised."""
        self.require("threads")
        seed(store)
        with pytest.raises(Boom):
            _fail_half_way(store)
        _assert_another_thread_can_open_a_unit_of_work(store)

    @pytest.mark.parametrize("commit", [False, True], ids=["rolled back", "committed"])
    def test_another_thread_only_ever_sees_committed_changes(
        self, store: Store, commit: bool
    ) -> None:
        """Another thread only ever sees committed changes."""
        self.require("threads")
        seen: list[Location | None] = []
        written = threading.Event()

        def reader() -> None:
            written.wait(timeout=10)
            with store.unit_of_work() as uow:
                seen.append(uow.locations.find("L1"))

        thread = threading.Thread(target=reader)
        thread.start()
        with store.unit_of_work() as uow:
            uow.locations.add(a_location("L1"))
            written.set()
            time.sleep(0.05)  # give the reader every chance to look too early
            if commit:
                uow.commit()
        thread.join(timeout=10)
        assert not thread.is_alive()
        assert seen == [a_location("L1") if commit else None]

    def test_concurrent_read_modify_write_increments_lose_no_update(self, store: Store) -> None:
        """Concurrent read modify write increments lose no update."""
        self.require("threads")
        _increments_lose_no_update(store, lambda number, attempt: store.unit_of_work(), each=200)


class DurabilityContract(StoreContract):
    """State that survives a restart (capability ``durable``; implement ``reopen``)."""

    def test_committed_state_in_every_repository_survives_a_restart(self, store: Store) -> None:
        """Everything committed reads back the same after the store is reopened."""
        self.require("durable")
        seed(store)
        with committed(store) as uow:
            write_to_every_repository(uow)
        before = dump(store)
        assert dump(self.reopen(store)) == before

    def test_work_not_committed_before_a_restart_is_gone(self, store: Store) -> None:
        """Writes after the last commit of a unit of work are not there after a restart."""
        self.require("durable")
        seed(store)
        before = dump(store)
        with store.unit_of_work() as uow:
            write_to_every_repository(uow)
        assert dump(self.reopen(store)) == before

    def test_numbering_and_the_outbox_carry_on_after_a_restart(self, store: Store) -> None:
        """Invoice counters, pending events and delivered tasks continue where they were."""
        self.require("durable")
        seed(store)
        again = self.reopen(store)
        with committed(again) as uow:
            assert uow.invoices.next_number("INV") == 2
            assert [e.event_id for e in uow.outbox.pending()] == ["E-2"]
            uow.outbox.mark_published(["E-2"])
            uow.outbox.append([an_event("E-3")])
            assert [t.task_id for t in uow.tasks.undelivered()] == ["T-2"]
        with self.reopen(again).unit_of_work() as uow:
            assert [e.event_id for e in uow.outbox.pending()] == ["E-3"]
            assert uow.invoices.next_number("INV") == 3


class StockScopedContract(StoreContract):
    """Stock units of work (:class:`~omskit.ports.StockScopedStore`): they exclude the right ones.

    Not part of :class:`~omskit.testing.contracts.StoreContracts`: add it to
    your test class when your store implements ``stock_unit_of_work``. A
    stock unit of work must commit and roll back like an ordinary one, must
    never run beside another on one of its SKUs or beside an ordinary unit
    of work (no update is lost), and must not wait for one on other SKUs.
    """

    def test_the_store_is_a_stock_scoped_store(self, store: Store) -> None:
        """The store satisfies the StockScopedStore Protocol."""
        assert isinstance(store, StockScopedStore)

    def test_a_stock_unit_of_work_commits_and_rolls_back_as_an_ordinary_one(
        self, store: Store
    ) -> None:
        """A stock unit of work commits and rolls back as an ordinary one."""
        scoped = _scoped(store)
        with scoped.stock_unit_of_work({"SKU-1"}) as uow:
            uow.stock.save(a_position("SKU-1", "L1", on_hand=4))
            uow.commit()
        with scoped.stock_unit_of_work(["SKU-1"]) as uow:
            uow.stock.save(a_position("SKU-1", "L1", on_hand=9))
        with store.unit_of_work() as uow:
            assert uow.stock.get("SKU-1", "L1").on_hand == 4

    def test_increments_from_stock_and_ordinary_units_of_work_on_one_sku_lose_no_update(
        self, store: Store
    ) -> None:
        """Stock units of work naming the SKU among others, and ordinary ones, lose no update."""
        scoped = _scoped(store)

        def open_unit(number: int, attempt: int) -> UnitOfWork:
            if number == 0 and attempt % 5 == 0:
                return store.unit_of_work()
            skus = [f"SKU-{number + 2}", "SKU-1"] if number % 2 else ["SKU-1", "SKU-0"]
            return scoped.stock_unit_of_work(skus)

        _increments_lose_no_update(store, open_unit, each=50)

    def test_stock_units_of_work_on_other_skus_do_not_wait_for_each_other(
        self, store: Store
    ) -> None:
        """A stock unit of work on other SKUs commits while one on SKU-1 stays open."""
        scoped = _scoped(store)
        done = threading.Event()

        def write_another() -> None:
            with scoped.stock_unit_of_work({"SKU-2", "SKU-3"}) as uow:
                uow.stock.save(a_position("SKU-2", "L1", on_hand=1))
                uow.commit()
            done.set()

        writer = threading.Thread(target=write_another)
        with held_open(lambda: scoped.stock_unit_of_work({"SKU-1"})):
            writer.start()
            finished = done.wait(timeout=10)
        writer.join(timeout=30)
        assert finished, "a stock unit of work on SKU-2 and SKU-3 waited for one on SKU-1"


def _increments_lose_no_update(
    store: Store, open_unit: Callable[[int, int], UnitOfWork], *, each: int
) -> None:
    """8 threads each add 1 to one position ``each`` times, in units of work from ``open_unit``.

    ``open_unit(thread number, attempt)`` opens each unit of work. Every
    increment must count: the position ends at 8 x ``each``.
    """
    with committed(store) as uow:
        uow.stock.save(a_position("SKU-1", "L1"))
    failures: list[BaseException] = []

    def increment(number: int) -> None:
        try:
            for attempt in range(each):
                with open_unit(number, attempt) as uow:
                    position = uow.stock.get("SKU-1", "L1")
                    time.sleep(0)  # invite a thread switch between the read and the write
                    uow.stock.save(attrs.evolve(position, on_hand=position.on_hand + 1))
                    uow.commit()
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=increment, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        sys.setswitchinterval(interval)
    assert failures == []
    assert not any(thread.is_alive() for thread in threads)
    with store.unit_of_work() as uow:
        assert uow.stock.get("SKU-1", "L1").on_hand == 8 * each


@contextlib.contextmanager
def held_open(open_unit: Callable[[], UnitOfWork]) -> Iterator[None]:
    """For the body of the block, another thread holds a unit of work from ``open_unit`` open."""
    entered, done = threading.Event(), threading.Event()

    def hold() -> None:
        with open_unit():
            entered.set()
            done.wait(timeout=30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert entered.wait(timeout=10), "the other thread could not open its unit of work"
        yield
    finally:
        done.set()
        holder.join(timeout=30)


def _scoped(store: Store) -> StockScopedStore:
    assert isinstance(store, StockScopedStore), "the store has no stock_unit_of_work"
    return store
