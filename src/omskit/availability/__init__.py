"""Availability: what can be sold, per SKU, channel and location (brief section A)."""

from omskit.availability.atp import (
    Availability,
    LocationAvailability,
    compute_availability,
    sellable,
)
from omskit.availability.index import (
    AvailabilityDelta,
    AvailabilityIndex,
    ChangeSet,
    IndexMismatch,
    IndexUpdate,
    recompute_availability,
    waiting_units,
    workload_lines,
)
from omskit.availability.product_page import (
    DeliveryOption,
    LocationStatus,
    ProductPage,
    StockStatus,
    product_page,
)
from omskit.availability.safety import (
    SafetyLevel,
    SafetyRule,
    SafetyStockPolicy,
    sellable_after_safety,
)
from omskit.availability.supply import FutureSupply, SupplyBucket, SupplyShares, future_supply

__all__ = [
    "Availability",
    "AvailabilityDelta",
    "AvailabilityIndex",
    "ChangeSet",
    "DeliveryOption",
    "FutureSupply",
    "IndexMismatch",
    "IndexUpdate",
    "LocationAvailability",
    "LocationStatus",
    "ProductPage",
    "SafetyLevel",
    "SafetyRule",
    "SafetyStockPolicy",
    "StockStatus",
    "SupplyBucket",
    "SupplyShares",
    "compute_availability",
    "future_supply",
    "product_page",
    "recompute_availability",
    "sellable",
    "sellable_after_safety",
    "waiting_units",
    "workload_lines",
]
