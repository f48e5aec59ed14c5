"""Availability: what can be sold, per SKU, channel and location (brief section A)."""

from omskit.availability.atp import (
    Availability,
    LocationAvailability,
    compute_availability,
    sellable,
)

__all__ = ["Availability", "LocationAvailability", "compute_availability", "sellable"]
