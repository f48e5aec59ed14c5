"""Every store contract suite of the test kit, run on the memory, SQLite and PostgreSQL stores."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import pytest
from hypothesis import HealthCheck, settings

from omskit.adapters.memory import MemoryStore
from omskit.adapters.sqlite import SqliteStore
from omskit.ports import Store
from omskit.testing.contracts import (
    InMemoryStoreContracts,
    StockScopedContract,
    StoreContracts,
    StoreFactory,
)

if TYPE_CHECKING:
    from omskit.adapters.postgres import PostgresStore


def closed_afterwards(
    open_store: Callable[[], SqliteStore | PostgresStore],
) -> Iterator[StoreFactory]:
    """A store factory fixture's body: ``open_store`` as the factory, every store closed after."""
    made: list[SqliteStore | PostgresStore] = []

    def make() -> Store:
        made.append(open_store())
        return made[-1]

    yield make
    for store in made:
        store.close()


class TestMemoryStore(InMemoryStoreContracts):
    stateful_settings: ClassVar[settings] = settings(
        max_examples=100,
        stateful_step_count=20,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )

    @pytest.fixture
    def store_factory(self) -> StoreFactory:
        return MemoryStore


class TestSqliteStore(StoreContracts):
    durable = True

    @pytest.fixture
    def store_factory(self, tmp_path: Path) -> Iterator[StoreFactory]:
        numbers = itertools.count(1)
        yield from closed_afterwards(
            lambda: SqliteStore(tmp_path / f"store-{next(numbers)}.db", synchronous="NORMAL")
        )

    def reopen(self, store: Store) -> Store:
        assert isinstance(store, SqliteStore)
        store.close()
        return SqliteStore(store.path, synchronous="NORMAL")


class TestPostgresStore(StoreContracts, StockScopedContract):
    """The same suites on a real PostgreSQL server, one fresh schema per store."""

    durable = True
    stateful_settings: ClassVar[settings] = settings(
        max_examples=15,
        stateful_step_count=10,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )

    @pytest.fixture
    def store_factory(self, pg_dsn: str, pg_schema: Callable[[], str]) -> Iterator[StoreFactory]:
        from omskit.adapters.postgres import PostgresStore

        yield from closed_afterwards(lambda: PostgresStore(pg_dsn, schema=pg_schema()))

    def reopen(self, store: Store) -> Store:
        from omskit.adapters.postgres import PostgresStore

        assert isinstance(store, PostgresStore)
        store.close()
        return PostgresStore(store.dsn, schema=store.schema)
