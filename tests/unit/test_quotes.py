"""Quotes that become orders (F4): the model, its lifecycle and the service operations."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
from test_service import World, dump, make_world, request

from omskit import (
    AlreadyExists,
    Channel,
    Customer,
    CustomerType,
    Delivery,
    IdempotencyConflict,
    IllegalTransition,
    InsufficientStock,
    InvalidInput,
    LineStatus,
    Money,
    NotFound,
    Oms,
    OrderLineRequest,
    OrderRequest,
    OrderStatus,
    Product,
    Quote,
    QuoteStatus,
)
from omskit.events import (
    AvailabilityChanged,
    DomainEvent,
    OrderPlaced,
    QuoteCreated,
    QuoteStatusChanged,
    StockReserved,
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


# --------------------------------------------------------------------------- the service


@pytest.fixture
def world() -> World:
    w = make_world()
    w.oms.receive_stock("BEANS", "AMS", 10)
    w.oms.receive_stock("KETTLE", "DC", 5)
    w.oms.register_customer(ACME)
    return w


def b2b_request(ref: str = "B2B-1", **changes: Any) -> OrderRequest:
    return attrs.evolve(a_request(external_ref=ref, customer_id="ACME"), **changes)


def events_since(world: World, count: int) -> list[DomainEvent]:
    return [e for e in world.publisher.events[count:] if not isinstance(e, AvailabilityChanged)]


def test_creating_a_quote_reserves_nothing_and_announces_it(world: World) -> None:
    before = world.oms.availability("BEANS", Channel.WEB)
    quote = world.oms.create_quote(b2b_request(), note="Net 30 days")
    assert quote.status is QuoteStatus.OPEN
    assert (quote.created_at, quote.valid_until) == (T0, T0 + timedelta(days=30))
    assert quote.note == "Net 30 days"
    assert quote.total == eur("40.00")
    assert world.oms.stock_position("BEANS", "AMS").reserved == 0
    assert world.oms.availability("BEANS", Channel.WEB) == before
    assert world.oms.orders() == ()
    (event,) = [e for e in world.publisher.events if isinstance(e, QuoteCreated)]
    assert (event.quote_id, event.channel, event.external_ref) == (quote.quote_id, "web", "B2B-1")
    assert (event.customer_id, event.valid_until) == ("ACME", quote.valid_until)
    assert world.oms.get_quote(quote.quote_id) == quote
    assert world.oms.check_availability_index() == ()


def test_a_quote_lasts_valid_for_or_until_the_moment_named(world: World) -> None:
    short = world.oms.create_quote(b2b_request("B2B-1"), valid_for=timedelta(days=14))
    dated = world.oms.create_quote(
        b2b_request("B2B-2"), valid_until=datetime(2026, 2, 1, 17, 0, tzinfo=UTC)
    )
    assert short.valid_until == T0 + timedelta(days=14)
    assert dated.valid_until == datetime(2026, 2, 1, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("quoted", "error", "path"),
    [
        (b2b_request(lines=[OrderLineRequest("NOPE", 1, Money("1.00", "EUR"))]), NotFound, ""),
        (b2b_request(customer_id="NOBODY"), NotFound, ""),
        (b2b_request(delivery=Delivery.collect_at("DC")), InvalidInput, "delivery"),
        (b2b_request(delivery=Delivery.collect_at("NOPE")), NotFound, "delivery"),
    ],
    ids=["unknown product", "unknown customer", "pickup without collect", "unknown pickup"],
)
def test_a_quote_is_checked_like_an_order_and_bad_input_writes_nothing(
    world: World, quoted: OrderRequest, error: type[Exception], path: str
) -> None:
    before = dump(world.oms)
    published = len(world.publisher.events)
    with pytest.raises(error) as caught:
        world.oms.create_quote(quoted)
    assert getattr(caught.value, "path", "").startswith(path)
    assert dump(world.oms) == before
    assert len(world.publisher.events) == published
    with pytest.raises(error):
        world.oms.place_order(quoted)  # the same check, the same verdict


def test_the_same_quote_request_again_returns_the_stored_quote(world: World) -> None:
    quote = world.oms.create_quote(b2b_request(), note="first")
    published = len(world.publisher.events)
    again = world.oms.create_quote(b2b_request(), valid_for=timedelta(days=1), note="second")
    assert again == quote
    assert len(world.publisher.events) == published
    assert world.oms.quotes() == (quote,)


def test_another_request_under_a_used_reference_is_refused(world: World) -> None:
    world.oms.create_quote(b2b_request())
    with pytest.raises(AlreadyExists) as caught:
        world.oms.create_quote(b2b_request(lines=[OrderLineRequest("BEANS", 9, eur("1.00"))]))
    assert (caught.value.kind, caught.value.key) == ("quote reference", "web/B2B-1")
    world.oms.place_order(b2b_request("W-7"))
    with pytest.raises(AlreadyExists) as caught:
        world.oms.create_quote(b2b_request("W-7"))
    assert caught.value.kind == "order reference"


def test_accepting_a_quote_places_its_order_which_reserves_stock(world: World) -> None:
    quote = world.oms.create_quote(b2b_request())
    world.clock.advance(timedelta(days=2))
    published = len(world.publisher.events)
    order = world.oms.accept_quote(quote.quote_id)
    assert order.status is OrderStatus.ALLOCATED
    assert (order.channel, order.external_ref, order.customer_id) == (Channel.WEB, "B2B-1", "ACME")
    assert order.placed_at == T0 + timedelta(days=2)
    assert order.total == quote.total
    assert {line.status for line in order.lines} == {LineStatus.ALLOCATED}
    assert world.oms.stock_position("BEANS", "AMS").reserved == 3
    assert world.oms.stock_position("KETTLE", "DC").reserved == 1
    stored = world.oms.get_quote(quote.quote_id)
    assert (stored.status, stored.order_id, stored.version) == (
        QuoteStatus.ACCEPTED,
        order.order_id,
        1,
    )
    assert stored.closed_at == T0 + timedelta(days=2)
    new_events = events_since(world, published)
    kinds = [type(e) for e in new_events]
    assert kinds[0] is OrderPlaced
    assert kinds.count(StockReserved) == 2
    change = new_events[-1]
    assert isinstance(change, QuoteStatusChanged)
    assert (change.previous, change.current, change.event, change.order_id) == (
        QuoteStatus.OPEN,
        QuoteStatus.ACCEPTED,
        "accept",
        order.order_id,
    )
    assert world.oms.check_availability_index() == ()


def test_an_accepted_quote_gives_the_order_place_order_would_have_given(world: World) -> None:
    twin = make_world()
    twin.oms.receive_stock("BEANS", "AMS", 10)
    twin.oms.receive_stock("KETTLE", "DC", 5)
    twin.oms.register_customer(ACME)
    placed = twin.oms.place_order(b2b_request())
    accepted = world.oms.accept_quote(world.oms.create_quote(b2b_request()).quote_id)
    same = ("status", "lines", "routing", "holds", "delivery", "placed_at", "version")
    assert [getattr(accepted, name) for name in same] == [getattr(placed, name) for name in same]


def test_accepting_an_accepted_quote_again_returns_its_order_and_changes_nothing(
    world: World,
) -> None:
    quote = world.oms.create_quote(b2b_request())
    order = world.oms.accept_quote(quote.quote_id)
    before = dump(world.oms)
    published = len(world.publisher.events)
    assert world.oms.accept_quote(quote.quote_id) == order
    assert dump(world.oms) == before
    assert len(world.publisher.events) == published


def test_accepting_returns_the_order_as_it_is_now(world: World) -> None:
    quote = world.oms.create_quote(b2b_request())
    order = world.oms.accept_quote(quote.quote_id)
    world.oms.release_order(order.order_id)
    assert world.oms.accept_quote(quote.quote_id).status is OrderStatus.RELEASED


def test_an_order_a_quote_places_follows_the_order_checks(world: World) -> None:
    quote = world.oms.create_quote(b2b_request(payment_authorised=False))
    order = world.oms.accept_quote(quote.quote_id)
    assert order.status is OrderStatus.ON_HOLD
    assert order.holds == {"payment"}
    assert world.oms.stock_position("BEANS", "AMS").reserved == 3


def test_a_quote_whose_order_cannot_be_placed_stays_open_and_nothing_is_written(
    world: World,
) -> None:
    world.oms.register_product(Product("RARE", "Rare tea", waiting_cap=1))
    quote = world.oms.create_quote(b2b_request(lines=[OrderLineRequest("RARE", 2, eur("30.00"))]))
    before = dump(world.oms)
    published = len(world.publisher.events)
    with pytest.raises(InsufficientStock):
        world.oms.accept_quote(quote.quote_id)
    assert dump(world.oms) == before
    assert len(world.publisher.events) == published
    assert world.oms.get_quote(quote.quote_id).status is QuoteStatus.OPEN
    assert world.oms.check_availability_index() == ()


def test_a_quote_links_to_the_same_order_already_placed_under_its_reference(
    world: World,
) -> None:
    quote = world.oms.create_quote(b2b_request())
    direct = world.oms.place_order(b2b_request())
    assert world.oms.accept_quote(quote.quote_id) == direct
    assert world.oms.get_quote(quote.quote_id).order_id == direct.order_id
    assert world.oms.stock_position("BEANS", "AMS").reserved == 3


def test_a_quote_whose_reference_another_order_took_cannot_be_accepted(world: World) -> None:
    quote = world.oms.create_quote(b2b_request())
    world.oms.place_order(b2b_request(lines=[OrderLineRequest("BEANS", 1, eur("9.00"))]))
    with pytest.raises(IdempotencyConflict):
        world.oms.accept_quote(quote.quote_id)
    assert world.oms.get_quote(quote.quote_id).status is QuoteStatus.OPEN


def test_a_quote_can_be_accepted_until_the_instant_it_lapses(world: World) -> None:
    quote = world.oms.create_quote(b2b_request("B2B-1"), valid_for=WEEK)
    late = world.oms.create_quote(b2b_request("B2B-2"), valid_for=WEEK)
    world.clock.advance(WEEK - timedelta(microseconds=1))
    assert world.oms.accept_quote(quote.quote_id).external_ref == "B2B-1"
    world.clock.advance(timedelta(microseconds=1))
    before = dump(world.oms)
    with pytest.raises(IllegalTransition) as caught:
        world.oms.accept_quote(late.quote_id)
    assert (caught.value.entity, caught.value.entity_id) == ("quote", late.quote_id)
    assert (caught.value.state, caught.value.event) == ("expired", "accept")
    assert dump(world.oms) == before
    assert world.oms.get_quote(late.quote_id).status is QuoteStatus.OPEN


def test_the_customer_declines_a_quote_and_may_say_why(world: World) -> None:
    quote = world.oms.create_quote(b2b_request())
    world.clock.advance(timedelta(hours=3))
    declined = world.oms.decline_quote(quote.quote_id, reason="Found a cheaper offer")
    assert (declined.status, declined.reason, declined.version) == (
        QuoteStatus.DECLINED,
        "Found a cheaper offer",
        1,
    )
    assert declined.closed_at == T0 + timedelta(hours=3)
    assert world.oms.get_quote(quote.quote_id) == declined
    change = world.publisher.events[-1]
    assert isinstance(change, QuoteStatusChanged)
    assert (change.current, change.event, change.reason) == (
        QuoteStatus.DECLINED,
        "decline",
        "Found a cheaper offer",
    )


def test_the_shop_withdraws_a_quote(world: World) -> None:
    quote = world.oms.create_quote(b2b_request())
    withdrawn = world.oms.withdraw_quote(quote.quote_id)
    assert (withdrawn.status, withdrawn.reason) == (QuoteStatus.WITHDRAWN, None)
    change = world.publisher.events[-1]
    assert isinstance(change, QuoteStatusChanged)
    assert (change.previous, change.current, change.event) == (
        QuoteStatus.OPEN,
        QuoteStatus.WITHDRAWN,
        "withdraw",
    )


def _close(world: World, status: QuoteStatus) -> Quote:
    """An open quote of ``world`` brought into ``status`` through the service."""
    quote = world.oms.create_quote(b2b_request(), valid_for=WEEK)
    if status is QuoteStatus.ACCEPTED:
        world.oms.accept_quote(quote.quote_id)
    elif status is QuoteStatus.DECLINED:
        world.oms.decline_quote(quote.quote_id)
    elif status is QuoteStatus.WITHDRAWN:
        world.oms.withdraw_quote(quote.quote_id)
    else:
        world.clock.advance(WEEK)
        world.oms.expire_quotes()
    stored = world.oms.get_quote(quote.quote_id)
    assert stored.status is status
    return stored


CALLS: dict[str, Callable[[Oms, str], object]] = {
    "accept": lambda oms, quote_id: oms.accept_quote(quote_id),
    "decline": lambda oms, quote_id: oms.decline_quote(quote_id, reason="again"),
    "withdraw": lambda oms, quote_id: oms.withdraw_quote(quote_id),
}


@pytest.mark.parametrize("status", CLOSED, ids=lambda s: s.value)
@pytest.mark.parametrize("event", sorted(CALLS))
def test_a_closed_quote_answers_its_own_event_again_and_refuses_the_others(
    world: World, status: QuoteStatus, event: str
) -> None:
    quote = _close(world, status)
    before = dump(world.oms)
    published = len(world.publisher.events)
    if QUOTE_LIFECYCLE.target(QuoteStatus.OPEN, event) is status:
        world_answer = CALLS[event](world.oms, quote.quote_id)
        if status is QuoteStatus.ACCEPTED:
            assert world_answer == world.oms.get_order(quote.order_id or "")
        else:
            assert world_answer == quote  # the reason given the first time stays
    else:
        with pytest.raises(IllegalTransition) as caught:
            CALLS[event](world.oms, quote.quote_id)
        assert (caught.value.state, caught.value.event) == (status.value, event)
    assert dump(world.oms) == before
    assert len(world.publisher.events) == published


@pytest.mark.parametrize("event", ["decline", "withdraw"])
def test_a_lapsed_quote_cannot_be_declined_or_withdrawn(world: World, event: str) -> None:
    quote = world.oms.create_quote(b2b_request(), valid_for=WEEK)
    world.clock.advance(WEEK)
    with pytest.raises(IllegalTransition) as caught:
        CALLS[event](world.oms, quote.quote_id)
    assert caught.value.state == "expired"
    assert world.oms.get_quote(quote.quote_id).status is QuoteStatus.OPEN


def test_the_sweep_expires_only_open_quotes_whose_time_has_come(world: World) -> None:
    soon = world.oms.create_quote(b2b_request("B2B-1"), valid_for=timedelta(days=1))
    later = world.oms.create_quote(b2b_request("B2B-2"), valid_for=timedelta(days=10))
    taken = world.oms.create_quote(b2b_request("B2B-3"), valid_for=timedelta(days=1))
    gone = world.oms.create_quote(b2b_request("B2B-4"), valid_for=timedelta(days=1))
    world.oms.accept_quote(taken.quote_id)
    world.oms.withdraw_quote(gone.quote_id)
    assert world.oms.expire_quotes() == ()
    world.clock.advance(timedelta(days=2))
    published = len(world.publisher.events)
    (expired,) = world.oms.expire_quotes()
    assert (expired.quote_id, expired.status, expired.closed_at, expired.version) == (
        soon.quote_id,
        QuoteStatus.EXPIRED,
        T0 + timedelta(days=2),
        1,
    )
    (change,) = world.publisher.events[published:]
    assert isinstance(change, QuoteStatusChanged)
    assert (change.quote_id, change.current, change.event) == (
        soon.quote_id,
        QuoteStatus.EXPIRED,
        "expire",
    )
    assert world.oms.expire_quotes() == ()
    statuses = {q.quote_id: q.status for q in world.oms.quotes()}
    assert statuses == {
        soon.quote_id: QuoteStatus.EXPIRED,
        later.quote_id: QuoteStatus.OPEN,
        taken.quote_id: QuoteStatus.ACCEPTED,
        gone.quote_id: QuoteStatus.WITHDRAWN,
    }


def test_quotes_are_listed_oldest_first_by_status_and_customer(world: World) -> None:
    world.oms.register_customer(Customer("BOLT", "Bolt BV", CustomerType.B2B))
    first = world.oms.create_quote(b2b_request("B2B-1"))
    world.clock.advance(timedelta(minutes=5))
    second = world.oms.create_quote(b2b_request("B2B-2", customer_id="BOLT"))
    world.clock.advance(timedelta(minutes=5))
    third = world.oms.create_quote(b2b_request("B2B-3"))
    world.oms.decline_quote(second.quote_id)
    assert [q.quote_id for q in world.oms.quotes()] == [
        first.quote_id,
        second.quote_id,
        third.quote_id,
    ]
    assert world.oms.quotes(status=QuoteStatus.OPEN) == (first, third)
    assert world.oms.quotes(customer_id="ACME") == (first, third)
    assert [q.quote_id for q in world.oms.quotes(customer_id="BOLT")] == [second.quote_id]
    assert world.oms.quotes(customer_id="BOLT", status=QuoteStatus.OPEN) == ()
    assert world.oms.quotes(customer_id="NOBODY") == ()


def test_concurrent_accepts_of_one_quote_place_exactly_one_order(world: World) -> None:
    quote = world.oms.create_quote(b2b_request())
    start = threading.Barrier(8)
    seen: list[str] = []
    failures: list[BaseException] = []

    def accept() -> None:
        try:
            start.wait(timeout=10)
            seen.append(world.oms.accept_quote(quote.quote_id).order_id)
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)

    threads = [threading.Thread(target=accept) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert len(seen) == 8
    assert len(set(seen)) == 1
    assert [o.order_id for o in world.oms.orders()] == seen[:1]
    assert world.oms.stock_position("BEANS", "AMS").reserved == 3
    placed = [e for e in world.publisher.events if isinstance(e, OrderPlaced)]
    assert len(placed) == 1
    assert world.oms.check_availability_index() == ()


def test_quotes_for_several_channels_keep_their_references_apart(world: World) -> None:
    web = world.oms.create_quote(b2b_request("REF-1"))
    phone = world.oms.create_quote(b2b_request("REF-1", channel=Channel.PHONE))
    assert web.quote_id != phone.quote_id
    assert world.oms.accept_quote(phone.quote_id).channel is Channel.PHONE
    assert world.oms.get_quote(web.quote_id).status is QuoteStatus.OPEN
