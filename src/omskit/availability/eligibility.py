"""Which locations may fulfil what: one rule for availability and routing alike.

Availability must never show stock that routing would refuse to take, so both
ask these functions.
"""

from __future__ import annotations

from omskit.model import Capability, Channel, Location, Product

__all__ = ["can_sell", "cannot_handle", "exclusion", "handling_key"]


def cannot_handle(location: Location, product: Product | None) -> str | None:
    """Why ``location`` cannot handle ``product`` (fragile, hazardous); ``None`` if it can."""
    if product is not None and product.fragile and not location.can(Capability.HANDLES_FRAGILE):
        return "cannot handle fragile goods"
    if product is not None and product.hazardous and not location.can(Capability.HANDLES_HAZARDOUS):
        return "cannot handle hazardous goods"
    return None


def exclusion(
    location: Location,
    *,
    channel: Channel,
    product: Product | None = None,
    pickup_location_id: str | None = None,
) -> str | None:
    """Why ``location`` cannot fulfil ``product`` for an order from ``channel``; ``None`` if it can.

    A location must serve the channel and handle the product (fragile,
    hazardous). It must be able to ship, except the pickup location of a
    click & collect order, which hands the goods over itself.
    """
    if not location.serves(channel):
        return f"does not serve the {channel.value} channel"
    if location.location_id != pickup_location_id and not location.can(Capability.SHIP):
        return "cannot ship orders"
    return cannot_handle(location, product)


def can_sell(location: Location, *, channel: Channel, product: Product | None = None) -> bool:
    """Whether stock of ``product`` at ``location`` counts as available for ``channel``.

    The location must serve the channel, handle the product, and either ship
    or hand orders over by click & collect.
    """
    return (
        location.serves(channel)
        and (location.can(Capability.SHIP) or location.can(Capability.CLICK_AND_COLLECT))
        and cannot_handle(location, product) is None
    )


def handling_key(product: Product | None) -> tuple[bool, bool]:
    """The product attributes eligibility depends on: ``(fragile, hazardous)``.

    Two products with the same key are eligible at exactly the same locations,
    so a cache of eligibility per location may be keyed by it.
    """
    if product is None:
        return (False, False)
    return (product.fragile, product.hazardous)
