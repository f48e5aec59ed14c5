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
