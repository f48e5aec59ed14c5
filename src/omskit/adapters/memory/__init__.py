"""The in-memory reference adapters: a transactional store and every gateway."""

from omskit.adapters.memory.gateways import (
    ManualClock,
    MemoryCarrier,
    MemoryPayments,
    MemorySupplier,
    MemoryWarehouse,
    RecordingAccounting,
    RecordingCustomerNotifier,
    RecordingPublisher,
    RecordingStaffNotifier,
    RecordingStorefront,
    SentMessage,
    SequentialIds,
    SystemClock,
    TableTaxRates,
    UuidIds,
)
from omskit.adapters.memory.store import MemoryStore, MemoryUnitOfWork

__all__ = [
    "ManualClock",
    "MemoryCarrier",
    "MemoryPayments",
    "MemoryStore",
    "MemorySupplier",
    "MemoryUnitOfWork",
    "MemoryWarehouse",
    "RecordingAccounting",
    "RecordingCustomerNotifier",
    "RecordingPublisher",
    "RecordingStaffNotifier",
    "RecordingStorefront",
    "SentMessage",
    "SequentialIds",
    "SystemClock",
    "TableTaxRates",
    "UuidIds",
]
