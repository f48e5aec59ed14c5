"""Availability: what can be sold, per SKU, channel and location (brief section A)."""

from omskit.availability.atp import (
    Availability,
    LocationAvailability,
    compute_availability,
    sellable,
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

__all__ = [
    "Availability",
    "DeliveryOption",
    "LocationAvailability",
    "LocationStatus",
    "ProductPage",
    "SafetyLevel",
    "SafetyRule",
    "SafetyStockPolicy",
    "StockStatus",
    "compute_availability",
    "product_page",
    "sellable",
    "sellable_after_safety",
]
