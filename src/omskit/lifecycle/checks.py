"""Order checks: what a new order must pass before it is routed (C1).

An order check is any callable ``check(order, context) -> str | None``: it
returns a hold code (a :class:`~omskit.model.HoldReason` value, or a shop's
own identifier) when the order must wait for a person or a signal, and
``None`` when it passes. :class:`~omskit.service.Oms` runs its
``order_checks`` on every new order: if none holds it, the order is
``validated`` and routed; otherwise it goes ``on_hold`` with every code a
check returned, reserves nothing, and is routed when the last hold is lifted
(:meth:`~omskit.service.Oms.lift_hold`,
:meth:`~omskit.service.Oms.confirm_payment`).

Checks are pure: they see the order and a :class:`CheckContext` (the
customer, the products, the pickup location, the time) and write nothing.
Input that cannot be an order at all (an unknown product, a pickup location
that does not exist) is refused with an error before any check runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

import attrs

from omskit.availability.eligibility import cannot_handle
from omskit.countries import is_country_code
from omskit.errors import InvalidInput
from omskit.model import (
    Customer,
    DeliveryMethod,
    HoldReason,
    Location,
    Order,
    OrderFlag,
    Product,
)
from omskit.money import Money

__all__ = [
    "CheckContext",
    "OrderCheck",
    "default_checks",
    "deliverable_countries",
    "delivery_method_check",
    "fraud_threshold",
    "payment_check",
]


@attrs.frozen
class CheckContext:
    """What an order check may look at besides the order."""

    customer: Customer | None
    """The order's customer (``None`` for a guest)."""
    products: Mapping[str, Product]
    """The product of every line, by SKU."""
    pickup: Location | None
    """The pickup location of a click & collect order."""
    now: datetime


OrderCheck = Callable[[Order, CheckContext], str | None]
"""``check(order, context)``: a hold code when the order must wait, else ``None``."""


def payment_check(order: Order, _context: CheckContext) -> str | None:
    """Hold an order whose payment is not authorised yet (``HoldReason.PAYMENT``)."""
    return None if order.payment_authorised else HoldReason.PAYMENT


def delivery_method_check(order: Order, context: CheckContext) -> str | None:
    """Hold a click & collect order its pickup store cannot hand over.

    A store that does not handle fragile (or hazardous) goods cannot take a
    fragile (or hazardous) product for collection: ``HoldReason.DELIVERY_METHOD``,
    so staff can offer shipping or another store instead.
    """
    if order.delivery.method is not DeliveryMethod.COLLECT or context.pickup is None:
        return None
    pickup = context.pickup
    if any(cannot_handle(pickup, context.products.get(line.sku)) for line in order.lines):
        return HoldReason.DELIVERY_METHOD
    return None


def deliverable_countries(countries: Iterable[str]) -> OrderCheck:
    """A check holding shipped orders to an address outside ``countries`` (``ADDRESS``).

    ``countries`` are ISO 3166-1 alpha-2 codes, e.g. ``{"NL", "BE", "DE"}``.
    """
    allowed = frozenset(countries)
    bad = sorted(c for c in allowed if not is_country_code(c))
    if not allowed or bad:
        raise InvalidInput(
            "must be a non-empty set of ISO country codes", path="countries", value=bad
        )

    def address_check(order: Order, _context: CheckContext) -> str | None:
        address = order.delivery.address
        if order.delivery.method is DeliveryMethod.SHIP and (
            address is None or address.country not in allowed
        ):
            return HoldReason.ADDRESS
        return None

    return address_check


def fraud_threshold(limit: Money, *, exempt: Iterable[OrderFlag] = (OrderFlag.VIP,)) -> OrderCheck:
    """A check holding orders whose total reaches ``limit`` for review (``FRAUD``).

    Orders of another currency are not compared (give one check per
    currency). Orders carrying one of the ``exempt`` flags pass.
    """
    if not isinstance(limit, Money) or limit.amount <= 0:
        raise InvalidInput("must be a positive Money amount", path="limit", value=limit)
    waived = frozenset(exempt)

    def fraud_check(order: Order, _context: CheckContext) -> str | None:
        if order.currency != limit.currency or order.flags & waived:
            return None
        return HoldReason.FRAUD if order.total.amount >= limit.amount else None

    return fraud_check


def default_checks() -> tuple[OrderCheck, ...]:
    """The checks ``Oms()`` runs unless given others: payment, then delivery method."""
    return (payment_check, delivery_method_check)
