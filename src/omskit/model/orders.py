"""Orders: the request a channel sends, and the order aggregate omskit keeps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import attrs

from omskit.errors import InvalidInput, NotFound
from omskit.model._checks import (
    aware_datetime,
    check_aware_datetime,
    check_identifier,
    identifier,
    instance_of,
    items_of,
    long_text,
    non_negative_int,
    optional_aware_datetime,
    optional_calendar_date,
    optional_identifier,
    optional_instance_of,
    positive_int,
    state,
    text,
    to_frozenset,
    to_tuple,
)
from omskit.model.billing import PaymentSplit
from omskit.model.channels import Channel
from omskit.model.parties import Address
from omskit.money import Money, minor_unit_exponent

__all__ = [
    "Allocation",
    "Delivery",
    "DeliveryMethod",
    "LineStatus",
    "HoldReason",
    "Order",
    "OrderFlag",
    "OrderLine",
    "OrderLineRequest",
    "OrderRequest",
    "OrderStatus",
    "RoutingRecord",
]

MAX_LINES = 1000
"""The most lines one order may have."""


class DeliveryMethod(StrEnum):
    """How the goods reach the customer (B5)."""

    SHIP = "ship"
    """Parcel to the delivery address."""
    COLLECT = "collect"
    """Click & collect at a pickup location."""


@attrs.frozen
class Delivery:
    """Where and how an order is delivered.

    ``SHIP`` needs an ``address``; ``COLLECT`` needs a ``pickup_location_id``
    (and may carry the customer's address for the invoice).
    """

    method: DeliveryMethod = attrs.field(validator=instance_of(DeliveryMethod))
    address: Address | None = attrs.field(default=None, validator=optional_instance_of(Address))
    pickup_location_id: str | None = attrs.field(default=None, validator=optional_identifier)

    def __attrs_post_init__(self) -> None:
        if self.method is DeliveryMethod.SHIP and self.address is None:
            raise InvalidInput("shipping needs a delivery address", path="address")
        if self.method is DeliveryMethod.COLLECT and self.pickup_location_id is None:
            raise InvalidInput("click & collect needs a pickup location", path="pickup_location_id")
        if self.method is DeliveryMethod.SHIP and self.pickup_location_id is not None:
            raise InvalidInput("a shipped order has no pickup location", path="pickup_location_id")

    @classmethod
    def ship_to(cls, address: Address) -> Delivery:
        """Ship to ``address``."""
        return cls(DeliveryMethod.SHIP, address=address)

    @classmethod
    def collect_at(cls, location_id: str, *, address: Address | None = None) -> Delivery:
        """Collect at the location ``location_id``."""
        return cls(DeliveryMethod.COLLECT, address=address, pickup_location_id=location_id)


class OrderFlag(StrEnum):
    """Special orders a team follows up (C4)."""

    GIFT = "gift"
    VIP = "vip"
    REPLACEMENT = "replacement"


class HoldReason(StrEnum):
    """Why an order waits at validation instead of being routed (C1).

    ``Order.holds`` holds these codes; a shop's own order checks may use
    codes of their own (any identifier).
    """

    PAYMENT = "payment"
    """The payment is not authorised yet."""
    FRAUD = "fraud"
    """A fraud check wants a person to look at the order."""
    ADDRESS = "address"
    """The delivery address cannot be delivered to as it stands."""
    DELIVERY_METHOD = "delivery_method"
    """The delivery method does not suit the order (e.g. a pickup store that cannot take it)."""
    MANUAL = "manual"
    """Staff put the order on hold."""


class OrderStatus(StrEnum):
    """Where an order is in its life (C1-C3, D1)."""

    CREATED = "created"
    VALIDATED = "validated"
    """Every order check passed; routing comes next."""
    ON_HOLD = "on_hold"
    """An order check failed (``Order.holds`` says which); nothing is reserved."""
    ALLOCATED = "allocated"
    BACKORDERED = "backordered"
    PRE_ORDERED = "pre_ordered"
    """Nothing is allocated and every waiting line waits for a product's release date."""
    RELEASED = "released"
    PICKING = "picking"
    PACKED = "packed"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    REFUSED = "refused"
    """Every parcel was refused or went back to the sender undelivered."""
    CANCELLED = "cancelled"
    RETURNED = "returned"


class LineStatus(StrEnum):
    """Where one order line is in its life."""

    OPEN = "open"
    ALLOCATED = "allocated"
    PARTIALLY_ALLOCATED = "partially_allocated"
    BACKORDERED = "backordered"
    PRE_ORDERED = "pre_ordered"
    """The product's release date has not come; the line waits for it."""
    RELEASED = "released"
    PARTIALLY_SHIPPED = "partially_shipped"
    """Some units shipped; the rest is still in the warehouse or backordered."""
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


def _non_negative_money(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Money):
        raise InvalidInput("must be Money", path=attribute.name, value=value)
    if value.is_negative():
        raise InvalidInput("must not be negative", path=attribute.name, value=str(value.amount))
    if value.amount.as_tuple().exponent < -minor_unit_exponent(value.currency) - 4:  # type: ignore[operator]
        raise InvalidInput("has more than 4 decimals beyond the minor unit", path=attribute.name)


def _line_discount(
    instance: OrderLineRequest | OrderLine, attribute: attrs.Attribute[Any], value: Money | None
) -> None:
    """A discount is optional Money in the line's currency, between zero and the line amount."""
    if value is None:
        return
    _non_negative_money(instance, attribute, value)
    if value.currency != instance.unit_price.currency:
        raise InvalidInput("must be in the unit price's currency", path="discount.currency")
    if value.amount > instance.unit_price.amount * instance.quantity:
        raise InvalidInput("must not exceed the line amount", path="discount")


@attrs.frozen
class OrderLineRequest:
    """One line of an incoming order: a SKU, how many, at what unit price."""

    sku: str = attrs.field(validator=identifier)
    quantity: int = attrs.field(validator=positive_int)
    unit_price: Money = attrs.field(validator=_non_negative_money)
    discount: Money | None = attrs.field(default=None, validator=_line_discount)

    @property
    def total(self) -> Money:
        """Quantity times unit price, less the discount (unrounded)."""
        gross = self.unit_price * self.quantity
        return gross - self.discount if self.discount is not None else gross


def _check_lines_currency(lines: tuple[Any, ...], currency: str) -> None:
    if not lines:
        raise InvalidInput("must have at least one line", path="lines")
    if len(lines) > MAX_LINES:
        raise InvalidInput(f"must have at most {MAX_LINES} lines", path="lines")
    for index, line in enumerate(lines):
        if line.unit_price.currency != currency:
            raise InvalidInput(
                f"currency {line.unit_price.currency} differs from the order currency {currency}",
                path=f"lines[{index}].unit_price.currency",
                value=line.unit_price.currency,
            )


@attrs.frozen
class OrderRequest:
    """An order as a channel submits it.

    ``(channel, external_ref)`` is the idempotency key: submitting the same
    request twice returns the same order; a different request under the same
    key is an :class:`~omskit.errors.IdempotencyConflict`.
    """

    channel: Channel = attrs.field(validator=instance_of(Channel))
    external_ref: str = attrs.field(validator=identifier)
    currency: str = attrs.field()
    lines: tuple[OrderLineRequest, ...] = attrs.field(
        converter=to_tuple, validator=items_of(OrderLineRequest)
    )
    delivery: Delivery = attrs.field(validator=instance_of(Delivery))
    customer_id: str | None = attrs.field(default=None, validator=optional_identifier)
    flags: frozenset[OrderFlag] = attrs.field(
        default=frozenset(), converter=to_frozenset, validator=items_of(OrderFlag)
    )
    payment_authorised: bool = attrs.field(default=True, validator=instance_of(bool))
    """Whether the payment is authorised at capture; ``False`` holds the order until
    :meth:`~omskit.service.Oms.confirm_payment` (C1). Pay-later B2B orders pass ``True``."""
    placed_at: datetime | None = attrs.field(default=None, validator=optional_aware_datetime)
    payments: tuple[PaymentSplit, ...] = attrs.field(
        default=(), converter=to_tuple, validator=items_of(PaymentSplit)
    )
    """How the order is paid (F5): authorised at placement when ``Oms(payments=...)``
    is set, captured as invoices are issued. At most one split leaves its
    amount open (the rest of the order's total). Not part of the idempotency
    comparison: a retried request is the same order however it pays."""

    @currency.validator
    def _check_currency(self, _attribute: attrs.Attribute[Any], value: str) -> None:
        minor_unit_exponent(value)

    def __attrs_post_init__(self) -> None:
        _check_lines_currency(self.lines, self.currency)
        open_splits = 0
        for index, split in enumerate(self.payments):
            if split.amount is None:
                open_splits += 1
                if open_splits > 1:
                    raise InvalidInput(
                        "only one payment may leave its amount open", path=f"payments[{index}]"
                    )
            elif split.amount.currency != self.currency:
                raise InvalidInput(
                    f"differs from the order currency {self.currency}",
                    path=f"payments[{index}].amount.currency",
                    value=split.amount.currency,
                )


@attrs.frozen
class Allocation:
    """Units of an order line assigned to a location."""

    location_id: str = attrs.field(validator=identifier)
    quantity: int = attrs.field(validator=positive_int)


@attrs.frozen
class OrderLine:
    """A line of a placed order, with where it ships from."""

    line_id: str = attrs.field(validator=identifier)
    sku: str = attrs.field(validator=identifier)
    quantity: int = attrs.field(validator=positive_int)
    unit_price: Money = attrs.field(validator=_non_negative_money)
    discount: Money | None = attrs.field(default=None, validator=_line_discount)
    status: LineStatus = attrs.field(default=LineStatus.OPEN, validator=instance_of(LineStatus))
    allocations: tuple[Allocation, ...] = attrs.field(
        default=(), converter=to_tuple, validator=items_of(Allocation)
    )
    shipped_quantity: int = attrs.field(default=0, validator=non_negative_int)
    promised_date: date | None = attrs.field(default=None, validator=optional_calendar_date)
    """When the line's backordered units are promised to ship (supplier date plus handling)."""

    def __attrs_post_init__(self) -> None:
        if self.allocated_quantity > self.quantity:
            raise InvalidInput(
                f"allocations ({self.allocated_quantity}) exceed the line quantity "
                f"({self.quantity})",
                path="allocations",
            )
        if self.shipped_quantity > self.quantity:
            raise InvalidInput("cannot exceed the line quantity", path="shipped_quantity")

    @property
    def allocated_quantity(self) -> int:
        """Units assigned to locations."""
        return sum(a.quantity for a in self.allocations)

    @property
    def unallocated_quantity(self) -> int:
        """Units still waiting for stock."""
        return self.quantity - self.allocated_quantity

    @property
    def total(self) -> Money:
        """Quantity times unit price, less the discount (unrounded)."""
        gross = self.unit_price * self.quantity
        return gross - self.discount if self.discount is not None else gross

    @classmethod
    def from_request(cls, line_id: str, request: OrderLineRequest) -> OrderLine:
        """Open a line from its request."""
        if cls is OrderLine and type(request) is OrderLineRequest and _validating():
            # The request's validators checked every value it hands over already.
            return _opened_line(check_identifier(line_id, "line_id"), request)
        return cls(line_id, request.sku, request.quantity, request.unit_price, request.discount)

    def matches(self, request: OrderLineRequest) -> bool:
        """Whether this line was opened from a request equal to ``request``."""
        return (self.sku, self.quantity, self.unit_price, self.discount) == (
            request.sku,
            request.quantity,
            request.unit_price,
            request.discount,
        )


@attrs.frozen
class RoutingRecord:
    """How an order was routed, kept with the order (B1; decisions explain themselves).

    ``profile`` is the routing profile's ``name@version``; ``decided_by``
    the criterion that set the chosen plan apart; ``explanation`` the full
    readable decision, candidate by candidate.
    """

    profile: str = attrs.field(validator=text)
    decided_by: str = attrs.field(validator=text)
    shipments: int = attrs.field(validator=non_negative_int)
    explanation: str = attrs.field(validator=long_text)
    cost: Money | None = attrs.field(default=None, validator=optional_instance_of(Money))
    exact: bool = attrs.field(default=True, validator=instance_of(bool))


@attrs.frozen
class Order:
    """The order aggregate: an immutable snapshot, changed by making a new one.

    ``version`` increases with every stored change (optimistic concurrency).
    """

    order_id: str = attrs.field(validator=identifier)
    channel: Channel = attrs.field(validator=instance_of(Channel))
    external_ref: str = attrs.field(validator=identifier)
    currency: str = attrs.field()
    lines: tuple[OrderLine, ...] = attrs.field(converter=to_tuple, validator=items_of(OrderLine))
    delivery: Delivery = attrs.field(validator=instance_of(Delivery))
    placed_at: datetime = attrs.field(validator=aware_datetime)
    customer_id: str | None = attrs.field(default=None, validator=optional_identifier)
    flags: frozenset[OrderFlag] = attrs.field(
        default=frozenset(), converter=to_frozenset, validator=items_of(OrderFlag)
    )
    status: OrderStatus = attrs.field(default=OrderStatus.CREATED, validator=state)
    """An :class:`OrderStatus`, or a state of a shop's own enum when ``Oms(lifecycles=...)``
    adds one (see :meth:`~omskit.service.Oms.advance_order`). It is typed as
    ``OrderStatus`` so ordinary code needs no narrowing; compare a state of
    your own by identity or value as usual (``cast`` it for a type checker)."""
    version: int = attrs.field(default=0, validator=non_negative_int)
    routing: RoutingRecord | None = attrs.field(
        default=None, validator=optional_instance_of(RoutingRecord)
    )
    """How the order was routed when it was placed (``None`` before routing)."""
    holds: frozenset[str] = attrs.field(
        default=frozenset(), converter=to_frozenset, validator=items_of(str)
    )
    """What keeps the order on hold: :class:`HoldReason` codes (or a shop's own)."""
    payment_authorised: bool = attrs.field(default=True, validator=instance_of(bool))
    """Whether the payment is authorised (see ``OrderRequest.payment_authorised``)."""

    @currency.validator
    def _check_currency(self, _attribute: attrs.Attribute[Any], value: str) -> None:
        minor_unit_exponent(value)

    @holds.validator
    def _check_holds(self, _attribute: attrs.Attribute[Any], value: frozenset[str]) -> None:
        for code in sorted(value):
            check_identifier(code, "holds")

    def __attrs_post_init__(self) -> None:
        _check_lines_currency(self.lines, self.currency)
        ids = [line.line_id for line in self.lines]
        if len(set(ids)) != len(ids):
            raise InvalidInput("line ids must be unique", path="lines")

    @classmethod
    def from_request(cls, order_id: str, request: OrderRequest, *, placed_at: datetime) -> Order:
        """Open an order from ``request``; lines are numbered ``1``, ``2``, ..."""
        if cls is Order and type(request) is OrderRequest and _validating():
            # The request's validators checked every value it hands over already: only
            # the order id and the placing time are new (checked in the order __init__ does).
            check_identifier(order_id, "order_id")
            return _opened_order(
                order_id, request, check_aware_datetime(request.placed_at or placed_at, "placed_at")
            )
        return cls(
            order_id=order_id,
            channel=request.channel,
            external_ref=request.external_ref,
            currency=request.currency,
            lines=tuple(
                OrderLine.from_request(str(i), line) for i, line in enumerate(request.lines, 1)
            ),
            delivery=request.delivery,
            placed_at=request.placed_at or placed_at,
            customer_id=request.customer_id,
            flags=request.flags,
            payment_authorised=request.payment_authorised,
        )

    def matches(self, request: OrderRequest) -> bool:
        """Whether ``request`` is the one this order was placed from (``placed_at`` aside)."""
        return (
            (self.channel, self.external_ref, self.currency, self.customer_id)
            == (request.channel, request.external_ref, request.currency, request.customer_id)
            and self.delivery == request.delivery
            and self.flags == request.flags
            and self.payment_authorised == request.payment_authorised
            and len(self.lines) == len(request.lines)
            and all(line.matches(req) for line, req in zip(self.lines, request.lines, strict=True))
        )

    def line(self, line_id: str) -> OrderLine:
        """Return the line ``line_id`` (:class:`~omskit.errors.NotFound` if absent)."""
        for line in self.lines:
            if line.line_id == line_id:
                return line
        raise NotFound(kind="order line", key=f"{self.order_id}/{line_id}")

    @property
    def total(self) -> Money:
        """Sum of the line totals, rounded to the currency's minor unit."""
        total = Money.zero(self.currency)
        for line in self.lines:
            total = total + line.total
        return total.rounded()

    def evolve(self, **changes: Any) -> Order:
        """Return a copy with ``changes`` applied (validated like a new order)."""
        return attrs.evolve(self, **changes)


# ---------------------------------------------------------------- trusted construction
#
# Opening an order from its request copies values the request's validators have
# checked already; running the same validators again was most of the cost of
# ``Order.from_request``. The functions below build the instances without
# ``__init__`` and are used only for a request of the exact class (a subclass
# might hand over other values) while attrs validators are on (when they are
# off, ``__init__`` skips them too, and the plain path stays the one path).
# ``Order(...)`` and ``OrderLine(...)`` themselves always validate.

_Setter = Callable[[object, Any], None]


def _field_setters(cls: type, names: str) -> tuple[_Setter, ...]:
    """The slot setters of every field of ``cls``; ``names`` must list the fields in order.

    A trusted constructor skips ``__init__``, so it must set each field
    itself: a field added to the class but not here fails at import.
    """
    fields = tuple(field.name for field in attrs.fields(cls))
    if tuple(names.split()) != fields:
        raise TypeError(f"{cls.__name__} trusted construction sets {names!r}, not {fields}")
    return tuple(cls.__dict__[name].__set__ for name in fields)


def _validating() -> bool:
    """Whether attrs runs validators (``attrs.validators.set_disabled`` turns them off)."""
    return not attrs.validators.get_disabled()


(
    _set_line_id,
    _set_line_sku,
    _set_line_quantity,
    _set_line_unit_price,
    _set_line_discount,
    _set_line_status,
    _set_line_allocations,
    _set_line_shipped,
    _set_line_promised,
) = _field_setters(
    OrderLine,
    "line_id sku quantity unit_price discount status allocations shipped_quantity promised_date",
)
(
    _set_order_id,
    _set_channel,
    _set_external_ref,
    _set_currency,
    _set_lines,
    _set_delivery,
    _set_placed_at,
    _set_customer_id,
    _set_flags,
    _set_status,
    _set_version,
    _set_routing,
    _set_holds,
    _set_payment_authorised,
) = _field_setters(
    Order,
    "order_id channel external_ref currency lines delivery placed_at customer_id flags status "
    "version routing holds payment_authorised",
)
_NO_HOLDS: frozenset[str] = frozenset()
_LINE_IDS: tuple[str, ...] = tuple(str(number) for number in range(1, MAX_LINES + 1))
"""The ids of an opened order's lines: ``"1"``, ``"2"``, ... (a request has at most MAX_LINES)."""


def _opened_line(line_id: str, request: OrderLineRequest) -> OrderLine:
    """``OrderLine.from_request`` for a valid ``line_id`` and an ``OrderLineRequest``."""
    line: OrderLine = object.__new__(OrderLine)
    _set_line_id(line, line_id)
    _set_line_sku(line, request.sku)
    _set_line_quantity(line, request.quantity)
    _set_line_unit_price(line, request.unit_price)
    _set_line_discount(line, request.discount)
    _set_line_status(line, LineStatus.OPEN)
    _set_line_allocations(line, ())
    _set_line_shipped(line, 0)
    _set_line_promised(line, None)
    return line


def _opened_order(order_id: str, request: OrderRequest, placed_at: datetime) -> Order:
    """``Order.from_request`` for a valid ``order_id`` and ``placed_at`` and an ``OrderRequest``.

    Its lines are numbered from ``1`` (valid, unique ids); their currency,
    count and values are the request's, which its own checks passed.
    """
    order: Order = object.__new__(Order)
    _set_order_id(order, order_id)
    _set_channel(order, request.channel)
    _set_external_ref(order, request.external_ref)
    _set_currency(order, request.currency)
    _set_lines(
        order,
        tuple(
            [
                _opened_line(line_id, line)
                if type(line) is OrderLineRequest
                else OrderLine.from_request(line_id, line)
                for line_id, line in zip(_LINE_IDS, request.lines, strict=False)
            ]
        ),
    )
    _set_delivery(order, request.delivery)
    _set_placed_at(order, placed_at)
    _set_customer_id(order, request.customer_id)
    _set_flags(order, request.flags)
    _set_status(order, OrderStatus.CREATED)
    _set_version(order, 0)
    _set_routing(order, None)
    _set_holds(order, _NO_HOLDS)
    _set_payment_authorised(order, request.payment_authorised)
    return order
