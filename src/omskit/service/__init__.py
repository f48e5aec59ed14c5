"""The application service: :class:`Oms`, the one entry point of omskit.

Every public method is one unit of work: validate the arguments, load
aggregates, ask the pure core for a decision, save, append the domain events
to the outbox in the same transaction, commit, then hand the events to the
publisher. A call that raises leaves every repository as it was.

The methods are grouped by concept in private modules (stock, orders,
fulfilment, quotes); :class:`Oms` brings them together.
"""

from omskit.service._availability import AvailabilityOperations
from omskit.service._cancel import (
    CancellationReport,
    CancelOffer,
    CancelOutcome,
)
from omskit.service._changes import OrderChangeOperations
from omskit.service._fulfilment import FulfilmentOperations
from omskit.service._quotes import QuoteOperations
from omskit.service._stock import StockOperations
from omskit.service._triggers import TriggerOperations

__all__ = ["CancelOffer", "CancelOutcome", "CancellationReport", "Oms"]


class Oms(
    StockOperations,
    AvailabilityOperations,
    OrderChangeOperations,
    FulfilmentOperations,
    TriggerOperations,
    QuoteOperations,
):
    """An order management system over a store and a set of gateways.

    Every argument is optional, so ``Oms()`` runs entirely in memory with
    readable defaults: a :class:`~omskit.adapters.memory.MemoryStore`, the
    system clock, UUID identifiers, recording gateways you can inspect, and no
    safety stock. ``safety_stock`` holds part of each location's stock back
    from a channel (A2); availability and routing both respect it.
    ``supply_shares`` says which share of each kind of future supply may be
    promised (A6). Availability answers come from an incremental index that
    every call keeps up to date (see :mod:`omskit.availability.index`).
    ``store_credit_bonus`` is the bonus on the store credit a refused cancel
    offers (D2; default ``Decimal("0.10")``, 10%). ``lifecycles`` are the
    transition tables the service follows, ``order_checks`` what a new order
    must pass before it moves on (C1), and ``triggers`` the staff trigger
    rules whose tasks go to ``staff`` (C5).
    A production backend passes its own store and gateways.
    ``store`` may also be a file path: ``Oms("shop.db")`` keeps the state in that
    SQLite file (a :class:`~omskit.adapters.sqlite.SqliteStore`, created if missing).
    ``retries`` is how many times a call the store refused with
    :class:`~omskit.errors.ConcurrencyConflict` (a lock timeout, a deadlock, a
    concurrent insert) is run again before the error reaches the caller
    (default 3). :meth:`close` closes the store's connections; an ``Oms`` is
    also a context manager.
    """
