"""The cancel flow: before the point of no return it cancels, after it it offers alternatives.

A5, D1-D3: cancelling gives stock back; from picking on a cancel cannot
simply happen, so the request is refused with the alternatives that save
the sale; every attempt is recorded for analysis.
"""

import contextlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP

import attrs

from omskit.errors import CancelRefused, ConcurrencyConflict, InvalidInput, NotFound
from omskit.events import (
    CancellationRequested,
    DomainEvent,
    LinesCancelled,
    ShipmentStatusChanged,
)
from omskit.model import (
    CancelAlternative,
    CancellationRecord,
    CancelReason,
    DeliveryMethod,
    LineStatus,
    Order,
    OrderStatus,
    Shipment,
    ShipmentStatus,
)
from omskit.model._checks import (
    check_identifier,
    instance_of,
    items_of,
    optional_instance_of,
    optional_text,
    text,
    to_tuple,
)
from omskit.money import Money
from omskit.ports import UnitOfWork
from omskit.service._base import ServiceBase, _check_id

__all__ = ["CancelOffer", "CancelOperations", "CancelOutcome", "CancellationReport"]

_RETRIES = 3
"""How often a cancel re-reads an order that changed under it before giving up."""
_AT_THE_WAREHOUSE = frozenset({OrderStatus.RELEASED, OrderStatus.PICKING, OrderStatus.PACKED})


@attrs.frozen
class CancelOffer:
    """One alternative a refused cancel offers (D2), with what it is worth."""

    kind: CancelAlternative = attrs.field(validator=instance_of(CancelAlternative))
    description: str = attrs.field(validator=text)
    amount: Money | None = attrs.field(default=None, validator=optional_instance_of(Money))
    """For store credit: the credit, bonus included."""


@attrs.frozen
class CancelOutcome:
    """The answer to a cancel request: done, or refused with alternatives (D1, D2).

    ``record`` is the attempt as kept for analysis (D3). A refused request
    changes nothing but the record: ``order`` is the order as it stands.
    """

    accepted: bool = attrs.field(validator=instance_of(bool))
    order: Order = attrs.field(validator=instance_of(Order))
    record: CancellationRecord = attrs.field(validator=instance_of(CancellationRecord))
    refusal: str | None = attrs.field(default=None, validator=optional_text)
    """Why it was refused (``None`` when accepted)."""
    offers: tuple[CancelOffer, ...] = attrs.field(
        default=(), converter=to_tuple, validator=items_of(CancelOffer)
    )
    cancelled_line_ids: tuple[str, ...] = attrs.field(
        default=(), converter=to_tuple, validator=items_of(str)
    )
    """The lines this request cancelled."""


@attrs.frozen
class CancellationReport:
    """Cancel attempts counted per reason, stage, product and customer profile (D3).

    Each mapping counts attempts (``refused_by_stage`` only the refused
    ones; ``saved_by`` the offers taken after a refusal), most frequent
    first; a product counts once per attempt that named it.
    """

    attempts: int
    accepted: int
    by_reason: Mapping[str, int]
    by_stage: Mapping[str, int]
    by_sku: Mapping[str, int]
    by_customer_type: Mapping[str, int]
    refused_by_stage: Mapping[str, int]
    saved_by: Mapping[str, int] = attrs.field(factory=dict)
    """Refused attempts turned into an alternative, per alternative taken."""

    @property
    def refusal_rate(self) -> float:
        """Share of attempts refused (0 without attempts)."""
        return (self.attempts - self.accepted) / self.attempts if self.attempts else 0.0


def _counted(values: Iterable[str]) -> dict[str, int]:
    counts = Counter(values)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _reason_code(reason: object) -> str:
    if isinstance(reason, CancelReason):
        return reason.value
    if not isinstance(reason, str):
        raise InvalidInput("must be a CancelReason or a reason code", path="reason", value=reason)
    check_identifier(reason, "reason")
    return reason


class CancelOperations(ServiceBase):
    """Cancelling orders and lines before the point of no return; refusing with offers after."""

    def cancel_order(self, order_id: str) -> Order:
        """Cancel a whole order before the point of no return and release its stock.

        Allowed while the order lifecycle allows the ``cancel`` event
        (created, allocated, backordered, released); from picking on the
        table refuses it with :class:`~omskit.errors.IllegalTransition`.
        Every reservation of the order is released (``StockReleased``, why
        ``cancelled``). A released order's shipments are stopped at the
        warehouse first and their allocated units return to free stock; if
        the warehouse refuses one because picking already began (the race of
        D1), :class:`~omskit.errors.CancelRefused` is raised, the shipments it
        had already stopped are released to it again, and nothing changes.
        :meth:`request_cancel` is the customer-facing flow on top of this.
        """
        _check_id(order_id, "order_id")

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> Order:
            return self._cancel_whole(uow, uow.orders.get(order_id), events)

        return self._run(work)

    def request_cancel(
        self,
        order_id: str,
        reason: CancelReason | str,
        *,
        by: str,
        lines: Sequence[str] | None = None,
        note: str | None = None,
        _attempt: int = 1,
    ) -> CancelOutcome:
        """Cancel an order, or some of its lines, if it is not too late; else say what can be done.

        Before the point of no return (picking, D1) the request is carried
        out: the whole order (``lines=None``, or every line still open) as
        :meth:`cancel_order` does, or only the named lines, whose
        reservations are released and whose units are taken out of the
        shipments already at the warehouse (a shipment that keeps other
        lines is replaced by one without them). From picking on, or when the
        warehouse answers that picking has just begun, the request is
        refused: the outcome carries the reason and the alternatives (D2):
        change the delivery address or add a product while nothing has
        shipped, store credit worth the requested lines plus the bonus
        (``Oms(store_credit_bonus=...)``, default 10%), or a return once
        delivered. Either way a :class:`~omskit.model.CancellationRecord` is
        kept (reason code, stage, outcome, who asked, customer profile,
        products, note) and a ``CancellationRequested`` event is published.

        Raises :class:`~omskit.errors.IllegalTransition` for an order that is
        cancelled or returned already, :class:`~omskit.errors.NotFound` for an
        unknown order or line and :class:`~omskit.errors.InvalidInput` for a
        line named twice or already cancelled; nothing is recorded then.
        """
        _check_id(order_id, "order_id")
        code = _reason_code(reason)
        _check_id(by, "by")
        if note is not None and (not isinstance(note, str) or not note.strip()):
            raise InvalidInput("must be a non-blank string or None", path="note", value=note)
        with self._read() as uow:
            order = uow.orders.get(order_id)
            customer = None if order.customer_id is None else uow.customers.find(order.customer_id)
        if order.status in (OrderStatus.CANCELLED, OrderStatus.RETURNED):
            self.lifecycles.order.target(order.status, "cancel", entity_id=order_id)  # raises
        named = self._named_lines(order, lines)
        live = [line.line_id for line in order.lines if line.status is not LineStatus.CANCELLED]
        whole = named is None or set(named) >= set(live)
        chosen = tuple(live) if named is None else named
        customer_type = None if customer is None else customer.customer_type.value

        def record(
            accepted: bool, refusal: str | None, offers: Sequence[CancelOffer]
        ) -> CancellationRecord:
            return CancellationRecord(
                self.ids.new_id("CX-"),
                order_id,
                code,
                order.status.value,
                accepted,
                by,
                self.clock.now(),
                note=note,
                customer_id=order.customer_id,
                skus=tuple(sorted({line.sku for line in order.lines if line.line_id in chosen})),
                line_ids=() if named is None else named,
                customer_type=customer_type,
                channel=order.channel.value,
                refusal=refusal,
                alternatives=tuple(offer.kind for offer in offers),
            )

        def requested(kept: CancellationRecord) -> DomainEvent:
            return self._event(
                CancellationRequested,
                order_id=order_id,
                record_id=kept.record_id,
                reason=code,
                stage=kept.stage,
                accepted=kept.accepted,
                line_ids=chosen,
            )

        if self.lifecycles.order.allows(order.status, "cancel"):

            def work(uow: UnitOfWork, events: list[DomainEvent]) -> CancelOutcome:
                current = uow.orders.get(order_id)
                if current.version != order.version:
                    # Changed since it was read: start again from the stored order.
                    raise _Retry
                if whole:
                    done = self._cancel_whole(uow, current, events)
                else:
                    done = self._cancel_lines(uow, current, set(chosen), events)
                kept = record(True, None, ())
                uow.cancellations.add(kept)
                events.append(requested(kept))
                return CancelOutcome(True, done, kept, cancelled_line_ids=chosen)

            try:
                return self._run(work)
            except _Retry:
                if _attempt >= _RETRIES:
                    raise ConcurrencyConflict(
                        f"order {order_id!r} kept changing while it was being cancelled"
                    ) from None
                return self.request_cancel(
                    order_id, reason, by=by, lines=lines, note=note, _attempt=_attempt + 1
                )
            except CancelRefused as refused:
                why = refused.reason
        else:
            why = f"the order is at {order.status.value}, past the point of no return"
        offers = self._offers(order, chosen)

        def refuse(uow: UnitOfWork, events: list[DomainEvent]) -> CancelOutcome:
            kept = record(False, why, offers)
            uow.cancellations.add(kept)
            events.append(requested(kept))
            return CancelOutcome(False, uow.orders.get(order_id), kept, why, offers)

        return self._run(refuse)

    def cancellation_records(
        self, *, order_id: str | None = None
    ) -> tuple[CancellationRecord, ...]:
        """Every recorded cancel attempt (of one order, if given), oldest first."""
        if order_id is not None:
            _check_id(order_id, "order_id")
        with self._read() as uow:
            records = list(uow.cancellations.list())
        chosen = [r for r in records if order_id is None or r.order_id == order_id]
        return tuple(sorted(chosen, key=lambda r: (r.at, r.record_id)))

    def cancellation_report(self) -> CancellationReport:
        """Cancel attempts counted per reason, stage, product and customer profile (D3)."""
        everything = self.cancellation_records()
        records = [r for r in everything if not r.is_follow_up]
        return CancellationReport(
            attempts=len(records),
            accepted=sum(r.accepted for r in records),
            by_reason=_counted(r.reason for r in records),
            by_stage=_counted(r.stage for r in records),
            by_sku=_counted(sku for r in records for sku in r.skus),
            by_customer_type=_counted(r.customer_type or "guest" for r in records),
            refused_by_stage=_counted(r.stage for r in records if not r.accepted),
            saved_by=_counted(r.taken.value for r in everything if r.taken is not None),
        )

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _named_lines(order: Order, lines: Sequence[str] | None) -> tuple[str, ...] | None:
        if lines is None:
            return None
        if isinstance(lines, str) or not isinstance(lines, Sequence) or not lines:
            raise InvalidInput("must be a non-empty list of line ids or None", path="lines")
        by_id = {line.line_id: line for line in order.lines}
        seen: set[str] = set()
        for index, line_id in enumerate(lines):
            _check_id(line_id, f"lines[{index}]")
            line = by_id.get(line_id)
            if line is None:
                raise NotFound(kind="order line", key=line_id, path=f"lines[{index}]")
            if line_id in seen:
                raise InvalidInput("names a line twice", path=f"lines[{index}]", value=line_id)
            if line.status is LineStatus.CANCELLED:
                raise InvalidInput("is cancelled already", path=f"lines[{index}]", value=line_id)
            seen.add(line_id)
        return tuple(lines)

    def _store_credit(self, order: Order, line_ids: Sequence[str]) -> tuple[Money, Money]:
        """The value of ``line_ids`` and the store credit it may become (bonus included)."""
        value = sum(
            (line.total for line in order.lines if line.line_id in line_ids),
            Money.zero(order.currency),
        ).rounded(ROUND_HALF_UP)
        return value, (value * (1 + self.store_credit_bonus)).rounded(ROUND_HALF_UP)

    def _offers(self, order: Order, line_ids: Sequence[str]) -> tuple[CancelOffer, ...]:
        """The alternatives that fit the order's stage (D2)."""
        offers: list[CancelOffer] = []
        if order.status in _AT_THE_WAREHOUSE and order.delivery.method is DeliveryMethod.SHIP:
            offers.append(
                CancelOffer(
                    CancelAlternative.CHANGE_ADDRESS,
                    "deliver the parcel to another address instead",
                )
            )
        if order.status in (OrderStatus.RELEASED, OrderStatus.PICKING):
            offers.append(
                CancelOffer(
                    CancelAlternative.ADD_PRODUCT,
                    "add another product to the order and keep it",
                )
            )
        value, credit = self._store_credit(order, line_ids)
        percent = (self.store_credit_bonus * 100).normalize()
        offers.append(
            CancelOffer(
                CancelAlternative.STORE_CREDIT,
                f"keep {credit} as store credit ({value} plus a {percent:f}% bonus)",
                credit,
            )
        )
        offers.append(
            CancelOffer(
                CancelAlternative.RETURN,
                "return the goods once they are delivered"
                if order.status is not OrderStatus.DELIVERED
                else "return the goods",
            )
        )
        return tuple(offers)

    def _cancel_whole(self, uow: UnitOfWork, order: Order, events: list[DomainEvent]) -> Order:
        cancelled = self._transition(order, "cancel", events)
        live = [
            s
            for s in uow.shipments.for_order(order.order_id)
            if s.status is ShipmentStatus.RELEASED
        ]
        self._stop_at_warehouse(order, live)
        for shipment in live:
            self._cancel_shipment(uow, shipment, events)
        for reservation in uow.reservations.for_order(order.order_id):
            self._release(uow, reservation, "cancelled", events)
        lines = tuple(
            self._line_to(order.order_id, line, LineStatus.CANCELLED) for line in order.lines
        )
        cancelled = cancelled.evolve(lines=lines)
        uow.orders.update(cancelled, expected_version=order.version)
        return cancelled

    def _cancel_lines(
        self, uow: UnitOfWork, order: Order, line_ids: set[str], events: list[DomainEvent]
    ) -> Order:
        """Cancel some lines; the order goes on with the others (never all of them here)."""
        shipments = uow.shipments.for_order(order.order_id)
        affected = [
            s
            for s in shipments
            if s.status is ShipmentStatus.RELEASED
            and any(line.line_id in line_ids for line in s.lines)
        ]
        self._stop_at_warehouse(order, affected)
        number = len(shipments)
        replacements: list[Shipment] = []
        for shipment in affected:
            self._cancel_shipment(uow, shipment, events)
            kept = tuple(line for line in shipment.lines if line.line_id not in line_ids)
            if kept:
                number += 1
                replacement = Shipment(
                    f"{order.order_id}-S{number}",
                    order.order_id,
                    shipment.location_id,
                    kept,
                    self.clock.now(),
                )
                for line in kept:  # the cancelled shipment gave these units back
                    position = uow.stock.get(line.sku, shipment.location_id)
                    uow.stock.save(position.moved(allocated=line.quantity))
                uow.shipments.add(replacement)
                replacements.append(replacement)
        for reservation in uow.reservations.for_order(order.order_id):
            if reservation.line_id in line_ids:
                self._release(uow, reservation, "cancelled", events)
        lines = tuple(
            self._line_to(order.order_id, line, LineStatus.CANCELLED, allocations=())
            if line.line_id in line_ids
            else line
            for line in order.lines
        )
        # The order keeps its status: what is left is as allocated (or waiting) as before.
        changed = order.evolve(lines=lines, version=order.version + 1)
        uow.orders.update(changed, expected_version=order.version)
        events.append(
            self._event(
                LinesCancelled,
                order_id=order.order_id,
                line_ids=tuple(sorted(line_ids)),
            )
        )
        try:
            self._hand_to_warehouse(replacements, changed)
        except Exception:
            self._re_release(order, affected)
            raise
        return changed

    def _stop_at_warehouse(self, order: Order, shipments: list[Shipment]) -> None:
        stopped: list[Shipment] = []
        for shipment in shipments:
            try:
                accepted = self.warehouse.cancel(shipment.shipment_id)
            except Exception:
                self._re_release(order, stopped)
                raise
            if not accepted:
                self._re_release(order, stopped)
                raise CancelRefused(
                    order_id=order.order_id,
                    stage=order.status.value,
                    reason=f"the warehouse has already started picking {shipment.shipment_id}",
                )
            stopped.append(shipment)

    def _re_release(self, order: Order, shipments: list[Shipment]) -> None:
        for shipment in shipments:
            with contextlib.suppress(Exception):
                self.warehouse.release(shipment, order)

    def _cancel_shipment(
        self, uow: UnitOfWork, shipment: Shipment, events: list[DomainEvent]
    ) -> None:
        target = self._shipment_to(shipment, "cancel")
        for line in shipment.lines:
            position = uow.stock.get(line.sku, shipment.location_id)
            uow.stock.save(position.moved(allocated=-line.quantity))
        uow.shipments.update(attrs.evolve(shipment, status=target))
        events.append(
            self._event(
                ShipmentStatusChanged,
                shipment_id=shipment.shipment_id,
                order_id=shipment.order_id,
                previous=shipment.status,
                current=target,
                tracking_number=shipment.tracking_number,
            )
        )


class _Retry(Exception):
    """The order changed between reading it and cancelling it: read it again."""
