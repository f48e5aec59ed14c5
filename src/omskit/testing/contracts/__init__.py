"""Contract suites for stores: one per port, written once, run on every adapter.

Each suite is a class whose name does not start with ``Test``; subclass it
in your own test module under a ``Test`` name and give it a
``store_factory`` fixture that returns a callable making a new, empty store::

    import pytest
    from omskit.testing.contracts import StoreContracts

    class TestMyStore(StoreContracts):
        durable = True  # capability flags: threads, durable

        @pytest.fixture
        def store_factory(self, tmp_path):
            paths = (tmp_path / f"store-{n}.db" for n in range(1_000_000))
            return lambda: MyStore(next(paths))

        def reopen(self, store):
            store.close()
            return MyStore(store.path)

:class:`StoreContracts` runs every suite; subclass single suites
(:class:`OrderRepositoryContract`, :class:`OutboxContract`, ...) to check
one repository. The suites only use the ports (:mod:`omskit.ports`), so
they check any :class:`~omskit.ports.Store`: a repository answers with the
order, errors and all-or-none behaviour the Protocol docstrings promise,
and a unit of work commits, rolls back and refuses misuse as
:class:`~omskit.adapters.memory.MemoryStore` does.
:class:`StoreAgreesWithMemoryContract` is a Hypothesis state machine that
drives the store under test and the memory store with the same random units
of work and checks they agree with each other and with a plain model.

Capability flags (class attributes) switch optional checks on:
``threads`` (default on: units of work from several threads are isolated
and lose no update) and ``durable`` (default off: state survives
:meth:`StoreContract.reopen`). A store that can run units of work on
different SKUs side by side (:class:`~omskit.ports.StockScopedStore`) adds
:class:`StockScopedContract` to its test class. Needs the ``testing`` extra
(Hypothesis and pytest).
"""

from omskit.testing.contracts._base import StoreContract, StoreFactory
from omskit.testing.contracts.billing import (
    InvoiceRepositoryContract,
    OutboxContract,
    PaymentRepositoryContract,
    TaskRepositoryContract,
)
from omskit.testing.contracts.orders import (
    CancellationLogContract,
    OrderRepositoryContract,
    QuoteRepositoryContract,
    ReturnRepositoryContract,
    ShipmentRepositoryContract,
)
from omskit.testing.contracts.stateful import StoreAgreesWithMemoryContract, agreement_machine
from omskit.testing.contracts.stock import (
    CustomerRepositoryContract,
    LocationRepositoryContract,
    ProductRepositoryContract,
    ReservationRepositoryContract,
    StockLedgerContract,
    StockRepositoryContract,
)
from omskit.testing.contracts.unit_of_work import (
    DurabilityContract,
    StockScopedContract,
    ThreadingContract,
    UnitOfWorkContract,
)

__all__ = [
    "CancellationLogContract",
    "CustomerRepositoryContract",
    "DurabilityContract",
    "InvoiceRepositoryContract",
    "LocationRepositoryContract",
    "OrderRepositoryContract",
    "OutboxContract",
    "PaymentRepositoryContract",
    "ProductRepositoryContract",
    "QuoteRepositoryContract",
    "ReservationRepositoryContract",
    "ReturnRepositoryContract",
    "ShipmentRepositoryContract",
    "StockContracts",
    "StockLedgerContract",
    "StockRepositoryContract",
    "StockScopedContract",
    "InMemoryStoreContracts",
    "StoreAgreesWithMemoryContract",
    "StoreContract",
    "StoreContracts",
    "StoreFactory",
    "TaskRepositoryContract",
    "ThreadingContract",
    "UnitOfWorkContract",
    "agreement_machine",
]


class StockContracts(StockRepositoryContract, ReservationRepositoryContract, StockLedgerContract):
    """The stock repositories together: positions, reservations and the ledger."""


class InMemoryStoreContracts(
    LocationRepositoryContract,
    ProductRepositoryContract,
    CustomerRepositoryContract,
    StockContracts,
    OrderRepositoryContract,
    ShipmentRepositoryContract,
    InvoiceRepositoryContract,
    PaymentRepositoryContract,
    ReturnRepositoryContract,
    QuoteRepositoryContract,
    CancellationLogContract,
    TaskRepositoryContract,
    OutboxContract,
    UnitOfWorkContract,
    ThreadingContract,
    StoreAgreesWithMemoryContract,
):
    """Every store suite but durability: for a store that keeps nothing across a restart."""


class StoreContracts(InMemoryStoreContracts, DurabilityContract):
    """Every store suite at once, durability included: for a whole durable store.

    Subclass it with a ``store_factory`` fixture, set ``durable = True`` and
    implement ``reopen``; a store that keeps nothing across a restart
    subclasses :class:`InMemoryStoreContracts` instead.
    """
