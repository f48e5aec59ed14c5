"""The base of every store contract suite: the fixtures and the capability flags."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import ClassVar

import pytest

from omskit.ports import Store, UnitOfWork

__all__ = ["StoreContract", "StoreFactory"]

StoreFactory = Callable[[], Store]
"""Makes a new, empty store each time it is called."""


class StoreContract:
    """Fixtures shared by the suites; subclass a suite under a ``Test`` name.

    Define the fixture ``store_factory``: it returns a callable that makes a
    new, empty store each time (the state machine makes many). The suites
    build ``store`` (one new store) and ``uow`` (an open unit of work on it)
    from it. Capability flags switch optional checks on:

    - ``threads``: the store may be used from several threads at once
      (units of work then run one at a time).
    - ``durable``: the state survives closing and reopening the store;
      implement :meth:`reopen`.
    """

    threads: ClassVar[bool] = True
    """The store may be used from several threads at once."""
    durable: ClassVar[bool] = False
    """The state survives :meth:`reopen` (a restart)."""

    @pytest.fixture
    def store_factory(self) -> StoreFactory:
        """Override: return a callable that makes a new, empty store each time."""
        raise NotImplementedError("define a store_factory fixture in your Test class")

    @pytest.fixture
    def store(self, store_factory: StoreFactory) -> Store:
        """A new, empty store."""
        return store_factory()

    @pytest.fixture
    def uow(self, store: Store) -> Iterator[UnitOfWork]:
        """An open unit of work on :meth:`store` (rolled back at the end of the test)."""
        with store.unit_of_work() as opened:
            yield opened

    def reopen(self, store: Store) -> Store:
        """Close ``store`` and open it again, as after a restart (``durable`` stores only)."""
        raise NotImplementedError("a durable store implements reopen()")

    def require(self, capability: str) -> None:
        """Skip the calling test unless the store has ``capability`` (a flag of this class)."""
        if not getattr(self, capability):
            pytest.skip(f"the store under test does not claim '{capability}'")
