"""Quotes that become orders (F4): the model, its lifecycle and the service operations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
from test_service import request

from omskit import (
    Customer,
    CustomerType,
    IllegalTransition,
    InvalidInput,
    Money,
    OrderLineRequest,
    OrderRequest,
    Quote,
    QuoteStatus,
)
from omskit.lifecycle import QUOTE_LIFECYCLE

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
ACME = Customer("ACME", "Acme BV", CustomerType.B2B, vat_id="NL123456789B01", payment_terms_days=30)
CLOSED = [QuoteStatus.ACCEPTED, QuoteStatus.DECLINED, QuoteStatus.EXPIRED, QuoteStatus.WITHDRAWN]


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def a_request(**changes: Any) -> OrderRequest:
    return attrs.evolve(request(ref="B2B-1", lines=[("BEANS", 3), ("KETTLE", 1)]), **changes)


def a_quote(**changes: Any) -> Quote:
    kwargs: dict[str, Any] = {
        "quote_id": "Q-1",
        "request": a_request(),
        "created_at": T0,
        "valid_until": T0 + WEEK,
    }
    kwargs.update(changes)
    return Quote(**kwargs)


def closed(status: QuoteStatus, **changes: Any) -> Quote:
    """A quote closed as ``status`` the way the service closes it."""
    at = T0 + WEEK if status is QuoteStatus.EXPIRED else T0 + timedelta(days=1)
    order_id = "O-1" if status is QuoteStatus.ACCEPTED else None
    return a_quote(status=status, closed_at=at, order_id=order_id, **changes)


# --------------------------------------------------------------------------- the model


def test_a_new_quote_is_open_at_version_zero_and_reserves_nothing_by_itself() -> None:
    quote = a_quote()
    assert quote.status is QuoteStatus.OPEN
    assert (quote.version, quote.order_id, quote.closed_at, quote.reason) == (0, None, None, None)
    assert quote.currency == "EUR"
    assert quote.customer_id is None


def test_the_quote_total_is_the_net_of_its_lines_rounded_like_an_order_total() -> None:
    lines = [
        OrderLineRequest("BEANS", 3, eur("3.3333")),  # 9.9999
        OrderLineRequest("KETTLE", 1, eur("40.00"), discount=eur("4.005")),  # 35.995
    ]
    quote = a_quote(request=a_request(lines=lines))
    assert quote.total == eur("45.99")  # 45.9949 rounded half-even to cents
    assert quote.total.amount.as_tuple().exponent == -2


def test_a_quote_is_expired_from_its_valid_until_onwards_unless_it_was_closed() -> None:
    quote = a_quote()
    assert not quote.is_expired(T0 + WEEK - timedelta(microseconds=1))
    assert quote.is_acceptable(T0 + WEEK - timedelta(microseconds=1))
    assert quote.is_expired(T0 + WEEK)
    assert not quote.is_acceptable(T0 + WEEK)
    assert closed(QuoteStatus.EXPIRED).is_expired(T0)
    for status in (QuoteStatus.ACCEPTED, QuoteStatus.DECLINED, QuoteStatus.WITHDRAWN):
        assert not closed(status).is_expired(T0 + 10 * WEEK)
        assert not closed(status).is_acceptable(T0)


def test_is_expired_refuses_a_naive_now() -> None:
    with pytest.raises(InvalidInput) as error:
        a_quote().is_expired(datetime(2026, 1, 6))
    assert error.value.path == "now"


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"quote_id": ""}, "quote_id"),
        ({"request": {"channel": "web"}}, "request"),
        ({"request": a_request(placed_at=T0)}, "request.placed_at"),
        ({"created_at": datetime(2026, 1, 5)}, "created_at"),
        ({"valid_until": T0}, "valid_until"),
        ({"valid_until": T0 - timedelta(seconds=1)}, "valid_until"),
        ({"status": "open"}, "status"),
        ({"order_id": "O-1"}, "order_id"),
        ({"status": QuoteStatus.ACCEPTED, "closed_at": T0}, "order_id"),
        ({"version": -1}, "version"),
        ({"version": True}, "version"),
        ({"note": " "}, "note"),
        ({"closed_at": T0}, "closed_at"),
        ({"status": QuoteStatus.DECLINED}, "closed_at"),
        ({"status": QuoteStatus.DECLINED, "closed_at": T0 - timedelta(seconds=1)}, "closed_at"),
        (
            {"status": QuoteStatus.ACCEPTED, "order_id": "O-1", "closed_at": T0 + WEEK},
            "closed_at",
        ),
        ({"status": QuoteStatus.WITHDRAWN, "closed_at": T0 + 2 * WEEK}, "closed_at"),
        ({"status": QuoteStatus.EXPIRED, "closed_at": T0 + timedelta(days=6)}, "closed_at"),
        ({"reason": "too dear"}, "reason"),
        (
            {"status": QuoteStatus.EXPIRED, "closed_at": T0 + WEEK, "reason": "lapsed"},
            "reason",
        ),
    ],
)
def test_a_bad_quote_is_refused_naming_its_field(changes: dict[str, Any], path: str) -> None:
    with pytest.raises(InvalidInput) as error:
        a_quote(**changes)
    assert error.value.path == path
    assert str(error.value).startswith(f"{path}: ")


@pytest.mark.parametrize("status", CLOSED, ids=lambda s: s.value)
def test_every_closed_status_has_its_closing_moment(status: QuoteStatus) -> None:
    quote = closed(status)
    assert quote.status is status
    assert quote.closed_at is not None


def test_a_declined_or_withdrawn_quote_may_say_why() -> None:
    assert closed(QuoteStatus.DECLINED, reason="too dear").reason == "too dear"
    assert closed(QuoteStatus.WITHDRAWN, reason="price error").reason == "price error"


# --------------------------------------------------------------------------- the lifecycle table


def test_the_quote_table_covers_every_status_and_ends_in_every_closed_one() -> None:
    assert QUOTE_LIFECYCLE.states == frozenset(QuoteStatus)
    assert QUOTE_LIFECYCLE.initial is QuoteStatus.OPEN
    assert QUOTE_LIFECYCLE.terminal == frozenset(CLOSED)
    assert QUOTE_LIFECYCLE.events_from(QuoteStatus.OPEN) == (
        "accept",
        "decline",
        "expire",
        "withdraw",
    )


@pytest.mark.parametrize("status", CLOSED, ids=lambda s: s.value)
@pytest.mark.parametrize("event", ["accept", "decline", "withdraw", "expire"])
def test_a_closed_quote_moves_no_more(status: QuoteStatus, event: str) -> None:
    with pytest.raises(IllegalTransition) as error:
        QUOTE_LIFECYCLE.target(status, event, entity_id="Q-1")
    assert (error.value.entity, error.value.state, error.value.event) == (
        "quote",
        status.value,
        event,
    )
