"""Availability: what can be sold, per SKU, channel and location (brief section A)."""

from omskit.availability.atp import (
    Availability,
    LocationAvailability,
    compute_availability,
    sellable,
)
from omskit.availability.safety import (
    SafetyLevel,
    SafetyRule,
    SafetyStockPolicy,
    sellable_after_safety,
)

__all__ = [
    "Availability",
    "LocationAvailability",
    "SafetyLevel",
    "SafetyRule",
    "SafetyStockPolicy",
    "compute_availability",
    "sellable",
    "sellable_after_safety",
]
