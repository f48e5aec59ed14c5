"""Sales channels orders arrive from (C1)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Channel"]


class Channel(StrEnum):
    """Where an order was placed."""

    WEB = "web"
    STORE = "store"
    """A store till (POS)."""
    MARKETPLACE = "marketplace"
    PHONE = "phone"
    """Phone or call centre."""
    CUSTOMER_SERVICE = "customer_service"
    """Staff placing an order on a customer's behalf."""
