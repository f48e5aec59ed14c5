"""Quotes: a priced offer to a business customer that becomes an order when accepted (F4).

A :class:`Quote` holds the :class:`~omskit.model.orders.OrderRequest` that is
placed, exactly as quoted, when the customer accepts in time. Until then no
stock is reserved: a quote promises a price, not units.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs

from omskit.errors import InvalidInput
from omskit.model._checks import (
    aware_datetime,
    check_aware_datetime,
    identifier,
    instance_of,
    non_negative_int,
    optional_aware_datetime,
    optional_identifier,
    optional_text,
)
from omskit.model.orders import OrderRequest
from omskit.money import Money

__all__ = ["Quote", "QuoteStatus"]


def check_quotable(request: OrderRequest, path: str) -> OrderRequest:
    """Return ``request`` if it can be quoted, else raise InvalidInput at ``path``.

    A quoted request has no ``placed_at``: the order is placed when the quote
    is accepted.
    """
    if request.placed_at is not None:
        raise InvalidInput(
            "a quoted request has no placed_at: the order is placed when the quote is accepted",
            path=f"{path}.placed_at",
            value=request.placed_at,
        )
    return request


class QuoteStatus(StrEnum):
    """Where a quote is in its life; every status but ``OPEN`` is final."""

    OPEN = "open"
    """Sent to the customer, who may still accept it until ``valid_until``."""
    ACCEPTED = "accepted"
    """The customer accepted in time; ``Quote.order_id`` names the order placed from it."""
    DECLINED = "declined"
    """The customer said no."""
    EXPIRED = "expired"
    """``valid_until`` passed while the quote was open."""
    WITHDRAWN = "withdrawn"
    """The shop took the offer back."""


@attrs.frozen
class Quote:
    """A priced offer of an order request, valid until ``valid_until`` (F4).

    ``request`` is placed unchanged when the quote is accepted, so its
    ``(channel, external_ref)`` becomes the order's idempotency key and its
    unit prices and discounts are the prices the customer pays. It has no
    ``placed_at``: the order is placed when the quote is accepted.
    ``closed_at`` is when the quote left ``open``: before ``valid_until``
    when it was accepted, declined or withdrawn, at or after it when it was
    recorded as expired. ``reason`` says
    why a quote was declined or withdrawn. ``version`` increases with every
    stored change (optimistic concurrency).
    """

    quote_id: str = attrs.field(validator=identifier)
    request: OrderRequest = attrs.field(validator=instance_of(OrderRequest))
    created_at: datetime = attrs.field(validator=aware_datetime)
    valid_until: datetime = attrs.field(validator=aware_datetime)
    status: QuoteStatus = attrs.field(default=QuoteStatus.OPEN, validator=instance_of(QuoteStatus))
    order_id: str | None = attrs.field(default=None, validator=optional_identifier)
    """The order placed from the quote; set exactly when it is ``accepted``."""
    version: int = attrs.field(default=0, validator=non_negative_int)
    note: str | None = attrs.field(default=None, validator=optional_text)
    """Free text for the customer or the sales team (terms, contact person)."""
    closed_at: datetime | None = attrs.field(default=None, validator=optional_aware_datetime)
    reason: str | None = attrs.field(default=None, validator=optional_text)

    def __attrs_post_init__(self) -> None:
        check_quotable(self.request, "request")
        if self.valid_until <= self.created_at:
            raise InvalidInput(
                "must be later than created_at", path="valid_until", value=self.valid_until
            )
        if (self.status is QuoteStatus.ACCEPTED) != (self.order_id is not None):
            raise InvalidInput(
                "an accepted quote names its order, any other quote has none",
                path="order_id",
                value=self.order_id,
            )
        if (self.status is QuoteStatus.OPEN) != (self.closed_at is None):
            raise InvalidInput(
                "is set exactly when the quote is no longer open",
                path="closed_at",
                value=self.closed_at,
            )
        if self.reason is not None and self.status not in (
            QuoteStatus.DECLINED,
            QuoteStatus.WITHDRAWN,
        ):
            raise InvalidInput(
                "only a declined or withdrawn quote has a reason", path="reason", value=self.reason
            )
        if self.closed_at is not None:
            self._check_closed_at(self.closed_at)

    def _check_closed_at(self, closed_at: datetime) -> None:
        if closed_at < self.created_at:
            raise InvalidInput("must not be before created_at", path="closed_at", value=closed_at)
        if self.status is not QuoteStatus.EXPIRED and closed_at >= self.valid_until:
            raise InvalidInput(
                "a quote is accepted, declined or withdrawn before valid_until",
                path="closed_at",
                value=closed_at,
            )
        if self.status is QuoteStatus.EXPIRED and closed_at < self.valid_until:
            raise InvalidInput(
                "an expired quote was recorded at or after valid_until",
                path="closed_at",
                value=closed_at,
            )

    @property
    def currency(self) -> str:
        """The currency of the quoted prices (the request's)."""
        return self.request.currency

    @property
    def customer_id(self) -> str | None:
        """The customer the quote is for (the request's), if any."""
        return self.request.customer_id

    @property
    def total(self) -> Money:
        """Sum of the quoted line totals (net of discounts, before VAT), rounded.

        Rounded to the currency's minor unit like :attr:`Order.total
        <omskit.model.orders.Order.total>`, so the order placed from the quote
        has the same total.
        """
        total = Money.zero(self.currency)
        for line in self.request.lines:
            total = total + line.total
        return total.rounded()

    def is_expired(self, now: datetime) -> bool:
        """Whether the quote counts as expired at ``now``.

        True for an ``expired`` quote, and for an ``open`` one whose
        ``valid_until`` has come (even before a sweep records it); an
        accepted, declined or withdrawn quote never expires. ``now`` must be
        timezone-aware (else :class:`~omskit.errors.InvalidInput`).
        """
        check_aware_datetime(now, "now")
        if self.status is QuoteStatus.EXPIRED:
            return True
        return self.status is QuoteStatus.OPEN and now >= self.valid_until

    def is_acceptable(self, now: datetime) -> bool:
        """Whether the customer can still accept the quote at ``now`` (open and not expired)."""
        return self.status is QuoteStatus.OPEN and not self.is_expired(now)
