"""Returns, cancellation records and staff tasks (C5, D3, I1)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import attrs

from omskit.errors import InvalidInput
from omskit.model._checks import (
    aware_datetime,
    check_identifier,
    identifier,
    instance_of,
    items_of,
    optional_identifier,
    optional_instance_of,
    optional_text,
    positive_int,
    text,
    to_tuple,
)
from omskit.money import Money

__all__ = [
    "CancelAlternative",
    "CancelReason",
    "CancellationRecord",
    "Return",
    "ReturnLine",
    "ReturnStatus",
    "Task",
    "TaskSeverity",
]


class ReturnStatus(StrEnum):
    """Life of a return (I1)."""

    REQUESTED = "requested"
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    RESTOCKED = "restocked"
    WRITTEN_OFF = "written_off"
    REFUNDED = "refunded"
    REJECTED = "rejected"


@attrs.frozen
class ReturnLine:
    """Units of an order line coming back."""

    line_id: str = attrs.field(validator=identifier)
    sku: str = attrs.field(validator=identifier)
    quantity: int = attrs.field(validator=positive_int)
    reason: str | None = attrs.field(default=None, validator=optional_text)


@attrs.frozen
class Return:
    """A return or exchange of (part of) an order, received at ``location_id``."""

    return_id: str = attrs.field(validator=identifier)
    order_id: str = attrs.field(validator=identifier)
    location_id: str = attrs.field(validator=identifier)
    lines: tuple[ReturnLine, ...] = attrs.field(converter=to_tuple, validator=items_of(ReturnLine))
    requested_at: datetime = attrs.field(validator=aware_datetime)
    status: ReturnStatus = attrs.field(
        default=ReturnStatus.REQUESTED, validator=instance_of(ReturnStatus)
    )
    tracking_number: str | None = attrs.field(default=None, validator=optional_text)
    warranty: bool = attrs.field(default=False, validator=instance_of(bool))

    def __attrs_post_init__(self) -> None:
        if not self.lines:
            raise InvalidInput("must have at least one line", path="lines")


class CancelReason(StrEnum):
    """Why a customer or the shop wants an order cancelled: the taxonomy of D3.

    ``CancellationRecord.reason`` holds one of these values; a shop may use
    codes of its own as well (any identifier), ``OTHER`` with a note when
    none fits.
    """

    CHANGED_MIND = "changed_mind"
    FOUND_CHEAPER = "found_cheaper"
    ORDERED_BY_MISTAKE = "ordered_by_mistake"
    DUPLICATE_ORDER = "duplicate_order"
    DELIVERY_TOO_SLOW = "delivery_too_slow"
    WRONG_ADDRESS = "wrong_address"
    PAYMENT_PROBLEM = "payment_problem"
    SUSPECTED_FRAUD = "suspected_fraud"
    OUT_OF_STOCK = "out_of_stock"
    OTHER = "other"


class CancelAlternative(StrEnum):
    """What a refused cancel offers instead, to save the sale (D2)."""

    CHANGE_ADDRESS = "change_address"
    """Deliver somewhere else (while the parcel has not left)."""
    ADD_PRODUCT = "add_product"
    """Add another product to the order (while the parcel has not left)."""
    STORE_CREDIT = "store_credit"
    """Keep the money with the shop as store credit, with a bonus."""
    RETURN = "return"
    """Take delivery and send the goods back through the return procedure."""


@attrs.frozen
class CancellationRecord:
    """One cancel attempt, accepted or refused, kept for analysis (D3)."""

    record_id: str = attrs.field(validator=identifier)
    order_id: str = attrs.field(validator=identifier)
    reason: str = attrs.field(validator=identifier)
    """A code from the reason taxonomy (:class:`CancelReason`), e.g. ``changed_mind``."""
    stage: str = attrs.field(validator=identifier)
    """The order status when the request arrived."""
    accepted: bool = attrs.field(validator=instance_of(bool))
    requested_by: str = attrs.field(validator=identifier)
    at: datetime = attrs.field(validator=aware_datetime)
    note: str | None = attrs.field(default=None, validator=optional_text)
    customer_id: str | None = attrs.field(default=None, validator=optional_identifier)
    skus: tuple[str, ...] = attrs.field(default=(), converter=to_tuple, validator=items_of(str))
    """The products the request was about."""
    line_ids: tuple[str, ...] = attrs.field(default=(), converter=to_tuple, validator=items_of(str))
    """The lines the request named (empty: the whole order)."""
    customer_type: str | None = attrs.field(default=None, validator=optional_identifier)
    """The customer's profile when the request arrived (``b2c``, ``b2b``; none for a guest)."""
    channel: str | None = attrs.field(default=None, validator=optional_identifier)
    refusal: str | None = attrs.field(default=None, validator=optional_text)
    """Why a refused request was refused."""
    alternatives: tuple[CancelAlternative, ...] = attrs.field(
        default=(), converter=to_tuple, validator=items_of(CancelAlternative)
    )
    """What a refused request was offered instead."""
    follows: str | None = attrs.field(default=None, validator=optional_identifier)
    """For a follow-up: the refused attempt whose offer was taken."""
    taken: CancelAlternative | None = attrs.field(
        default=None, validator=optional_instance_of(CancelAlternative)
    )
    """For a follow-up: the alternative the customer took (the sale was saved)."""
    credit: Money | None = attrs.field(default=None, validator=optional_instance_of(Money))
    """For a store-credit follow-up: the credit granted, bonus included."""

    def __attrs_post_init__(self) -> None:
        if (self.follows is None) != (self.taken is None):
            raise InvalidInput("a follow-up names both the attempt it follows and what was taken")
        if self.credit is not None and self.taken is not CancelAlternative.STORE_CREDIT:
            raise InvalidInput("only a store-credit follow-up carries a credit", path="credit")
        if self.taken is not None and self.accepted:
            raise InvalidInput("a follow-up records a refused cancel", path="accepted")

    @property
    def is_follow_up(self) -> bool:
        """Whether this records an offer taken after a refusal (rather than an attempt)."""
        return self.follows is not None

    @skus.validator
    def _check_skus(self, _attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
        for index, sku in enumerate(value):
            check_identifier(sku, f"skus[{index}]")


class TaskSeverity(StrEnum):
    """How urgent a staff task is; ``RED`` needs attention now (C5)."""

    INFO = "info"
    AMBER = "amber"
    RED = "red"


@attrs.frozen
class Task:
    """Work for staff raised by a trigger rule (C5)."""

    task_id: str = attrs.field(validator=identifier)
    rule: str = attrs.field(validator=identifier)
    subject: str = attrs.field(validator=identifier)
    """What the task is about, e.g. an order id."""
    title: str = attrs.field(validator=text)
    severity: TaskSeverity = attrs.field(validator=instance_of(TaskSeverity))
    raised_at: datetime = attrs.field(validator=aware_datetime)
