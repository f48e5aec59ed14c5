"""The unit of work the SQL stores share: every repository over one session, open and close."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self

from omskit.adapters._sql import SqlSession
from omskit.adapters.sqlite._billing import (
    SqliteInvoiceRepository,
    SqliteOutbox,
    SqlitePaymentRepository,
    SqliteTaskRepository,
)
from omskit.adapters.sqlite._catalog import (
    SqliteCustomerRepository,
    SqliteLocationRepository,
    SqliteProductRepository,
    SqliteReservationRepository,
    SqliteStockLedger,
    SqliteStockRepository,
)
from omskit.adapters.sqlite._orders import (
    SqliteCancellationLog,
    SqliteOrderRepository,
    SqliteQuoteRepository,
    SqliteReturnRepository,
    SqliteShipmentRepository,
)
from omskit.errors import OmsError

__all__ = ["SqlUnitOfWork"]


class SqlUnitOfWork(ABC):
    """Every repository over one session; one open block per unit of work and per thread.

    Subclasses give the session its thread's connection (:meth:`_attach`)
    and say how to :meth:`commit` and :meth:`rollback`; entering the block
    opens the transaction with the session's ``begin``.
    """

    def __init__(self, session: SqlSession, local: threading.local) -> None:
        self._session = session
        self._local = local
        self.locations = SqliteLocationRepository(session)
        self.products = SqliteProductRepository(session)
        self.customers = SqliteCustomerRepository(session)
        self.stock = SqliteStockRepository(session)
        self.reservations = SqliteReservationRepository(session)
        self.ledger = SqliteStockLedger(session)
        self.orders = SqliteOrderRepository(session)
        self.shipments = SqliteShipmentRepository(session)
        self.invoices = SqliteInvoiceRepository(session)
        self.payments = SqlitePaymentRepository(session)
        self.returns = SqliteReturnRepository(session)
        self.quotes = SqliteQuoteRepository(session)
        self.cancellations = SqliteCancellationLog(session)
        self.tasks = SqliteTaskRepository(session)
        self.outbox = SqliteOutbox(session)

    @abstractmethod
    def _attach(self) -> None:
        """Give the session the calling thread's connection."""

    def __enter__(self) -> Self:
        session = self._session
        if session.active:
            raise OmsError("this unit of work is already open; open a new one per call")
        local = self._local
        if getattr(local, "open", False):
            raise OmsError(
                "this thread already has a unit of work open on this store; units of work "
                "do not nest (finish the first one before opening another)"
            )
        self._attach()
        session.active = True
        local.open = True
        try:
            session.begin()
        except BaseException:
            session.active = False
            local.open = False
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            self._session.active = False
            self._local.open = False

    @abstractmethod
    def commit(self) -> None:
        """Make every change made so far in this unit of work durable and visible."""

    @abstractmethod
    def rollback(self) -> None:
        """Discard every change since the last commit."""
