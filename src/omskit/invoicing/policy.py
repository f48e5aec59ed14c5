"""When an order is invoiced: invoice-trigger policies (F1, F2).

An invoice goes out at one of three moments (:class:`InvoiceMoment`): when
the order is placed, when each shipment leaves (one invoice per shipment, so
a partial shipment invoices what shipped), or when it is delivered. A policy
is any object with a ``decide(order, customer, products)`` method returning
an :class:`InvoiceDecision`, the moment and the reason for it, so that a
shop can write its own (:class:`InvoicePolicy`).

:class:`DefaultInvoicePolicy` chooses by customer type (consumers at
shipment, businesses at placement) and takes overrides per customer, per
channel and per product, in that order of precedence. It is plain data:
:meth:`DefaultInvoicePolicy.from_data` reads it from a dict (from TOML or
JSON), with errors that name the bad field.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum, StrEnum
from typing import Any, Final, Protocol, TypeVar, runtime_checkable

import attrs

from omskit.errors import InvalidInput
from omskit.model import Channel, Customer, CustomerType, Order, Product
from omskit.model._checks import check_identifier

__all__ = [
    "DefaultInvoicePolicy",
    "InvoiceDecision",
    "InvoiceMoment",
    "InvoicePolicy",
]


class InvoiceMoment(StrEnum):
    """When an order's invoice is issued; ordered from the earliest."""

    AT_ORDER = "at_order"
    """When the order is placed (B2B by default: payment terms start then)."""
    AT_SHIPMENT = "at_shipment"
    """When each shipment is reported shipped: one invoice per shipment (B2C by default)."""
    AT_DELIVERY = "at_delivery"
    """When each shipment is delivered."""


E = TypeVar("E", bound=Enum)

_ORDER: Final = {moment: index for index, moment in enumerate(InvoiceMoment)}
_KEYS: Final = frozenset({"by_customer_type", "by_channel", "by_customer", "by_product"})


@attrs.frozen
class InvoiceDecision:
    """A policy's answer: the moment, and why (for logs and support)."""

    moment: InvoiceMoment
    reason: str


@runtime_checkable
class InvoicePolicy(Protocol):
    """Decides when an order is invoiced (F1, F2). Pure: it reads, it never writes."""

    def decide(
        self, order: Order, customer: Customer | None, products: Mapping[str, Product]
    ) -> InvoiceDecision:
        """When ``order`` (of ``customer``, ``None`` for a guest) is invoiced, and why."""
        ...


def _member(kind: type[E], value: Any, path: str) -> E:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(str(member.value) for member in kind)
        raise InvalidInput(f"must be one of {allowed}", path=path, value=value) from None


def _moment(value: Any, path: str) -> InvoiceMoment:
    return _member(InvoiceMoment, value, path)


def _moments(value: object, key: Any, path: str) -> dict[Any, InvoiceMoment]:
    if not isinstance(value, Mapping):
        raise InvalidInput("must be a table", path=path, value=value)
    found: dict[Any, InvoiceMoment] = {}
    for raw, moment in value.items():
        found[key(raw, f"{path}.{raw}")] = _moment(moment, f"{path}.{raw}")
    return found


def _customer_type(value: Any, path: str) -> CustomerType:
    return _member(CustomerType, value, path)


def _channel(value: Any, path: str) -> Channel:
    return _member(Channel, value, path)


def _by_type(value: Mapping[CustomerType, InvoiceMoment]) -> dict[CustomerType, InvoiceMoment]:
    table = {
        _customer_type(k, f"by_customer_type.{k}"): _moment(v, f"by_customer_type.{k}")
        for k, v in value.items()
    }
    missing = sorted(t.value for t in CustomerType if t not in table)
    if missing:
        raise InvalidInput(
            "needs a moment for every customer type", path=f"by_customer_type.{missing[0]}"
        )
    return table


def _by_channel(value: Mapping[Channel, InvoiceMoment]) -> dict[Channel, InvoiceMoment]:
    return _moments(value, _channel, "by_channel")


def _by_customer(value: Mapping[str, InvoiceMoment]) -> dict[str, InvoiceMoment]:
    return _moments(value, check_identifier, "by_customer")


def _by_product(value: Mapping[str, InvoiceMoment]) -> dict[str, InvoiceMoment]:
    return _moments(value, check_identifier, "by_product")


@attrs.frozen
class DefaultInvoicePolicy:
    """Invoice by customer type unless an override says otherwise (F1, F2).

    Precedence: ``by_customer`` (a customer id), then ``by_channel``, then
    ``by_product`` (when several products of the order have an override,
    the latest of their moments wins, so nothing is invoiced before every
    such product reaches its moment), then ``by_customer_type``. A guest
    order counts as ``b2c``.
    """

    by_customer_type: Mapping[CustomerType, InvoiceMoment] = attrs.field(
        factory=lambda: {
            CustomerType.B2C: InvoiceMoment.AT_SHIPMENT,
            CustomerType.B2B: InvoiceMoment.AT_ORDER,
        },
        converter=_by_type,
    )
    by_channel: Mapping[Channel, InvoiceMoment] = attrs.field(factory=dict, converter=_by_channel)
    by_customer: Mapping[str, InvoiceMoment] = attrs.field(factory=dict, converter=_by_customer)
    by_product: Mapping[str, InvoiceMoment] = attrs.field(factory=dict, converter=_by_product)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> DefaultInvoicePolicy:
        """Read a policy from plain data, e.g. ``{"by_channel": {"marketplace": "at_order"}}``.

        Keys: ``by_customer_type``, ``by_channel``, ``by_customer``,
        ``by_product``; values are moments (``at_order``, ``at_shipment``,
        ``at_delivery``). Raises :class:`~omskit.errors.InvalidInput` naming
        the path of the first bad value.
        """
        if not isinstance(data, Mapping):
            raise InvalidInput("must be a table", path="policy", value=data)
        unknown = sorted(
            set(data) - {"by_customer_type", "by_channel", "by_customer", "by_product"}
        )
        if unknown:
            raise InvalidInput(f"unknown key {unknown[0]!r}", path="policy")
        return cls(**{key: data[key] for key in data})

    def decide(
        self, order: Order, customer: Customer | None, products: Mapping[str, Product]
    ) -> InvoiceDecision:
        """See :class:`InvoicePolicy`."""
        if customer is not None and customer.customer_id in self.by_customer:
            moment = self.by_customer[customer.customer_id]
            return InvoiceDecision(moment, f"customer {customer.customer_id} is invoiced {moment}")
        if order.channel in self.by_channel:
            moment = self.by_channel[order.channel]
            return InvoiceDecision(
                moment, f"orders from the {order.channel.value} channel are invoiced {moment}"
            )
        overrides = {
            line.sku: self.by_product[line.sku]
            for line in order.lines
            if line.sku in self.by_product
        }
        if overrides:
            sku, moment = max(sorted(overrides.items()), key=lambda item: _ORDER[item[1]])
            return InvoiceDecision(moment, f"product {sku} is invoiced {moment}")
        kind = CustomerType.B2C if customer is None else customer.customer_type
        moment = self.by_customer_type[kind]
        who = "a guest" if customer is None else f"a {kind.value} customer"
        return InvoiceDecision(moment, f"{who} is invoiced {moment}")
