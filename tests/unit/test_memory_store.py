"""The in-memory store as the ports see it.

Its behaviour (every repository, transactions, misuse, threads and the state
machine against a plain model) is checked by the store contract suites of
:mod:`omskit.testing.contracts`, run in ``test_store_contracts.py``.
"""

from __future__ import annotations

from omskit.adapters.memory import MemoryStore, MemoryUnitOfWork
from omskit.ports import Store, UnitOfWork
from omskit.testing.contracts._builders import a_location


def _open_through_the_ports(store: Store, unit_of_work: UnitOfWork) -> tuple[UnitOfWork, ...]:
    """mypy checks that the memory classes satisfy the Protocols when they are passed here."""
    return (store.unit_of_work(), unit_of_work)


def test_memory_store_and_unit_of_work_satisfy_the_store_and_unit_of_work_ports() -> None:
    store = MemoryStore()
    opened = _open_through_the_ports(store, MemoryUnitOfWork(store))
    with opened[0] as uow:
        uow.locations.add(a_location("L1"))
        uow.commit()
    with opened[1] as uow:
        assert uow.locations.get("L1") == a_location("L1")


def test_a_unit_of_work_makes_each_repository_once_when_first_asked() -> None:
    store = MemoryStore()
    uow = MemoryUnitOfWork(store)
    assert "products" not in vars(uow)  # a read of one table builds no other repository
    with uow:
        first = uow.products
        assert uow.products is first
        assert set(vars(uow)) & {"locations", "stock", "orders", "outbox"} == set()
        uow.locations.add(a_location("L1"))
        # A repository made late still writes through the unit of work's journal.
        uow.rollback()
        assert uow.locations.find("L1") is None


def test_units_of_work_do_not_share_repositories_or_journals() -> None:
    store = MemoryStore()
    with store.unit_of_work() as first:
        first.locations.add(a_location("L1"))
        first.commit()
        kept = first.locations
    with store.unit_of_work() as second:
        assert second.locations is not kept
        second.locations.add(a_location("L2"))
        # leaving without commit rolls back L2 only
    with store.unit_of_work() as third:
        assert [loc.location_id for loc in third.locations.list()] == ["L1"]
