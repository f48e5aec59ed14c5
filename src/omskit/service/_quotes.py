"""Quotes that become orders (F4): make, accept, decline, withdraw, expire and look them up."""

from datetime import datetime, timedelta
from typing import Final

import attrs

from omskit.errors import AlreadyExists, IllegalTransition
from omskit.events import DomainEvent, QuoteCreated, QuoteStatusChanged
from omskit.lifecycle.quotes import QUOTE_LIFECYCLE
from omskit.model import Order, OrderRequest, Quote, QuoteStatus
from omskit.model._checks import optional_text
from omskit.model.quotes import check_quotable
from omskit.ports import UnitOfWork
from omskit.service._base import _check_id, _require, expiry
from omskit.service._orders import OrderOperations

__all__ = ["QuoteOperations"]

_DEFAULT_VALIDITY: Final = timedelta(days=30)
"""How long a quote stays open when neither ``valid_until`` nor ``valid_for`` is named."""

_NOTE: Final = attrs.fields(Quote).note
_REASON: Final = attrs.fields(Quote).reason


class QuoteOperations(OrderOperations):
    """Quotes for business customers that become orders when they are accepted (F4).

    A quote holds an :class:`~omskit.model.orders.OrderRequest` and reserves
    nothing; accepting it places that request through the same code path as
    :meth:`place_order`, in the same unit of work that marks the quote
    accepted.
    """

    def create_quote(
        self,
        request: OrderRequest,
        *,
        valid_until: datetime | None = None,
        valid_for: timedelta | None = None,
        note: str | None = None,
    ) -> Quote:
        """Make an open quote for ``request``, valid until ``valid_until`` (F4).

        The request is checked as :meth:`place_order` checks it (its products,
        its customer and a pickup location exist, the pickup location serves
        the channel and offers click & collect) and it must have no
        ``placed_at``; no stock is reserved. The quote lasts until
        ``valid_until`` or for ``valid_for`` from now (default 30 days); name
        at most one.

        The request's ``(channel, external_ref)`` is the quote's idempotency
        key and, once accepted, the order's: the same request again returns
        the stored quote unchanged (whatever its status, validity or note);
        a different request under a reference another quote uses, or a
        reference an order already has, raises
        :class:`~omskit.errors.AlreadyExists`. Bad input raises
        :class:`~omskit.errors.InvalidInput` or
        :class:`~omskit.errors.NotFound` and writes nothing.
        """
        _require(request, OrderRequest, "request")
        check_quotable(request, "request")
        optional_text(None, _NOTE, note)
        now = self.clock.now()
        until = expiry(
            now,
            until=("valid_until", valid_until),
            within=("valid_for", valid_for),
            default=_DEFAULT_VALIDITY,
        )
        channel, reference = request.channel.value, request.external_ref

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> Quote:
            existing = uow.quotes.find_by_reference(channel, reference)
            if existing is not None:
                if existing.request == request:
                    return existing
                raise AlreadyExists(kind="quote reference", key=f"{channel}/{reference}")
            if uow.orders.find_by_reference(channel, reference) is not None:
                raise AlreadyExists(kind="order reference", key=f"{channel}/{reference}")
            self._validate_request(uow, request)
            quote = Quote(self.ids.new_id("Q-"), request, now, until, note=note)
            uow.quotes.add(quote)
            events.append(
                self._event(
                    QuoteCreated,
                    quote_id=quote.quote_id,
                    channel=channel,
                    external_ref=reference,
                    valid_until=until,
                    customer_id=quote.customer_id,
                )
            )
            return quote

        return self._run(work)

    def accept_quote(self, quote_id: str) -> Order:
        """The customer accepts the quote ``quote_id``: place its order and return it (F4).

        In one unit of work the quoted request is placed exactly as
        :meth:`place_order` places it (checked again, routed, reserved, held
        or confirmed) and the quote becomes ``accepted`` with the order's id
        in ``Quote.order_id``; if placing fails (a waiting cap, a pickup store
        that no longer serves the channel), nothing is written and the quote
        stays open. If an order with the same request was already placed
        under the quote's reference, the quote is linked to that order; a
        different one raises :class:`~omskit.errors.IdempotencyConflict`.

        Idempotent: accepting an accepted quote again returns its order as
        it is now and changes nothing. A declined, withdrawn or expired quote
        (also an open one whose ``valid_until`` has come but that no
        :meth:`expire_quotes` sweep recorded yet) raises
        :class:`~omskit.errors.IllegalTransition`; an unknown quote
        :class:`~omskit.errors.NotFound`.
        """
        _check_id(quote_id, "quote_id")

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> Order:
            quote = uow.quotes.get(quote_id)
            if quote.status is QuoteStatus.ACCEPTED and quote.order_id is not None:
                return uow.orders.get(quote.order_id)
            now = self.clock.now()
            target = self._quote_target(quote, "accept", now)
            order = self._place(uow, quote.request, events)
            accepted = attrs.evolve(
                quote,
                status=target,
                order_id=order.order_id,
                closed_at=now,
                version=quote.version + 1,
            )
            self._save_quote(uow, quote, accepted, "accept", events)
            return order

        return self._run(work)

    def decline_quote(self, quote_id: str, *, reason: str | None = None) -> Quote:
        """The customer declines the quote ``quote_id``; return it ``declined`` (F4).

        ``reason`` (free text) is kept on the quote and in the event.
        Declining a declined quote again returns it unchanged. An accepted,
        withdrawn or expired quote (or an open one past ``valid_until``)
        raises :class:`~omskit.errors.IllegalTransition`; an unknown quote
        :class:`~omskit.errors.NotFound`.
        """
        return self._close_quote(quote_id, "decline", reason)

    def withdraw_quote(self, quote_id: str, *, reason: str | None = None) -> Quote:
        """The shop takes the quote ``quote_id`` back; return it ``withdrawn`` (F4).

        ``reason`` (free text) is kept on the quote and in the event.
        Withdrawing a withdrawn quote again returns it unchanged. An
        accepted, declined or expired quote (or an open one past
        ``valid_until``) raises :class:`~omskit.errors.IllegalTransition`;
        an unknown quote :class:`~omskit.errors.NotFound`.
        """
        return self._close_quote(quote_id, "withdraw", reason)

    def _close_quote(self, quote_id: str, event: str, reason: str | None) -> Quote:
        _check_id(quote_id, "quote_id")
        optional_text(None, _REASON, reason)

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> Quote:
            quote = uow.quotes.get(quote_id)
            if quote.status is QUOTE_LIFECYCLE.target(QUOTE_LIFECYCLE.initial, event):
                return quote  # the same answer again
            now = self.clock.now()
            target = self._quote_target(quote, event, now)
            closed = attrs.evolve(
                quote, status=target, closed_at=now, reason=reason, version=quote.version + 1
            )
            self._save_quote(uow, quote, closed, event, events)
            return closed

        return self._run(work)

    def expire_quotes(self) -> tuple[Quote, ...]:
        """Record every open quote whose ``valid_until`` has come as ``expired``; return them.

        Run it on a schedule (say hourly). A lapsed quote cannot be accepted
        even before the sweep records it; the sweep makes the stored status
        and the events tell the truth. Returns the quotes it expired, by id.
        """

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> tuple[Quote, ...]:
            now = self.clock.now()
            expired: list[Quote] = []
            for quote in uow.quotes.list(status=QuoteStatus.OPEN):
                if not quote.is_expired(now):
                    continue
                target = QUOTE_LIFECYCLE.target(quote.status, "expire", entity_id=quote.quote_id)
                changed = attrs.evolve(
                    quote, status=target, closed_at=now, version=quote.version + 1
                )
                self._save_quote(uow, quote, changed, "expire", events)
                expired.append(changed)
            return tuple(expired)

        return self._run(work)

    @staticmethod
    def _quote_target(quote: Quote, event: str, now: datetime) -> QuoteStatus:
        """Where ``event`` moves ``quote`` at ``now`` (a lapsed open quote counts as expired)."""
        if quote.status is QuoteStatus.OPEN and quote.is_expired(now):
            raise IllegalTransition(
                entity=QUOTE_LIFECYCLE.entity,
                entity_id=quote.quote_id,
                state=QuoteStatus.EXPIRED.value,
                event=event,
            )
        target: QuoteStatus = QUOTE_LIFECYCLE.target(quote.status, event, entity_id=quote.quote_id)
        return target

    def _save_quote(
        self,
        uow: UnitOfWork,
        before: Quote,
        after: Quote,
        event: str,
        events: list[DomainEvent],
    ) -> None:
        """Store ``after`` over ``before`` and announce the move (``QuoteStatusChanged``)."""
        uow.quotes.update(after, expected_version=before.version)
        events.append(
            self._event(
                QuoteStatusChanged,
                quote_id=after.quote_id,
                previous=before.status,
                current=after.status,
                event=event,
                order_id=after.order_id,
                reason=after.reason,
            )
        )

    def get_quote(self, quote_id: str) -> Quote:
        """The quote ``quote_id``, as stored; raises :class:`~omskit.errors.NotFound`.

        An open quote past ``valid_until`` stays ``open`` until
        :meth:`expire_quotes` records it; ``Quote.is_expired(now)`` tells.
        """
        _check_id(quote_id, "quote_id")
        with self._read() as uow:
            return uow.quotes.get(quote_id)

    def quotes(
        self, *, status: QuoteStatus | None = None, customer_id: str | None = None
    ) -> tuple[Quote, ...]:
        """The quotes that match every filter given, oldest first (F4).

        ``status`` is the stored status (see :meth:`get_quote` on open quotes
        past their validity); with no filter, every quote.
        """
        if status is not None:
            _require(status, QuoteStatus, "status")
        if customer_id is not None:
            _check_id(customer_id, "customer_id")
        with self._read() as uow:
            found = uow.quotes.list(status=status, customer_id=customer_id)
        return tuple(sorted(found, key=lambda quote: (quote.created_at, quote.quote_id)))
