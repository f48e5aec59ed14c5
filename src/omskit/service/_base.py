"""Plumbing shared by the operations of :class:`omskit.service.Oms`."""

import contextlib
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import TracebackType
from typing import Any, Self, TypeVar

import attrs

from omskit.adapters.memory import (
    MemoryStore,
    MemoryWarehouse,
    RecordingAccounting,
    RecordingCustomerNotifier,
    RecordingPublisher,
    RecordingStaffNotifier,
    RecordingStorefront,
    SystemClock,
    UuidIds,
)
from omskit.adapters.sqlite import SqliteStore
from omskit.availability import SafetyStockPolicy
from omskit.availability.index import AvailabilityIndex, IndexMismatch
from omskit.availability.supply import FutureSupply, SupplyShares, future_supply
from omskit.errors import ConcurrencyConflict, InvalidInput
from omskit.events import (
    AvailabilityChanged,
    CustomerMessage,
    DomainEvent,
    InvoiceIssued,
    MessageField,
    OrderStatusChanged,
    StockReleased,
    StockReserved,
    TaskRaised,
)
from omskit.invoicing.settings import InvoicingSettings
from omskit.lifecycle import Lifecycles, line_event, order_event_for_lines
from omskit.lifecycle.checks import OrderCheck, default_checks
from omskit.lifecycle.triggers import TriggerRule, matches, unique_rules
from omskit.model import (
    Allocation,
    Channel,
    LineStatus,
    MovementReason,
    NotificationChannel,
    Order,
    OrderLine,
    OrderStatus,
    Reservation,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
    StockMovement,
    StockPosition,
    Task,
)
from omskit.model._checks import check_aware_datetime, check_identifier
from omskit.ports import (
    AccountingGateway,
    Clock,
    CustomerNotifier,
    EventPublisher,
    IdGenerator,
    PaymentGateway,
    StaffNotifier,
    StockScopedStore,
    Store,
    StorefrontFeed,
    SupplierGateway,
    UnitOfWork,
    WarehouseGateway,
)
from omskit.routing.profile import RoutingProfile, default_profile
from omskit.service._tracking import TrackingUnitOfWork

__all__ = ["ServiceBase"]


def _routing_table(
    routing: RoutingProfile | Mapping[Channel, RoutingProfile] | None,
) -> dict[Channel | None, RoutingProfile]:
    if routing is None:
        return {None: default_profile()}
    if isinstance(routing, RoutingProfile):
        return {None: routing}
    if not isinstance(routing, Mapping):
        raise InvalidInput(
            "must be a RoutingProfile or a mapping of Channel to RoutingProfile", path="routing"
        )
    table: dict[Channel | None, RoutingProfile] = {None: default_profile()}
    for channel, profile in routing.items():
        if not isinstance(channel, Channel):
            raise InvalidInput("keys must be Channel values", path="routing", value=channel)
        if not isinstance(profile, RoutingProfile):
            raise InvalidInput(
                "must be a RoutingProfile", path=f"routing[{channel.value}]", value=profile
            )
        table[channel] = profile
    return table


def _touched_orders(events: Sequence[DomainEvent]) -> list[str]:
    """The orders ``events`` speak of, once each (a raised task is not a change to its order)."""
    touched = (getattr(e, "order_id", None) for e in events if not isinstance(e, TaskRaised))
    return list(dict.fromkeys(o for o in touched if isinstance(o, str)))


def _triggers(rules: Sequence[TriggerRule]) -> tuple[TriggerRule, ...]:
    if not isinstance(rules, list | tuple):
        raise InvalidInput("must be a sequence of TriggerRule", path="triggers")
    for index, rule in enumerate(rules):
        _require(rule, TriggerRule, f"triggers[{index}]")
    return unique_rules(rules)


G = TypeVar("G")


def _gateway(value: G | None, kind: type[Any], path: str) -> G | None:
    if value is not None and not isinstance(value, kind):
        raise InvalidInput(f"must be a {kind.__name__}", path=path, value=value)
    return value


def _checks(checks: Sequence[OrderCheck] | None) -> tuple[OrderCheck, ...]:
    if checks is None:
        return default_checks()
    if not isinstance(checks, list | tuple):
        raise InvalidInput("must be a sequence of order checks", path="order_checks")
    for index, check in enumerate(checks):
        if not callable(check):
            raise InvalidInput(
                "must be callable (order, context) -> hold code or None",
                path=f"order_checks[{index}]",
                value=check,
            )
    return tuple(checks)


_log = logging.getLogger("omskit")

T = TypeVar("T")


def _require(value: object, kind: type[T], path: str) -> T:
    if not isinstance(value, kind):
        raise InvalidInput(
            f"must be {kind.__name__}, not {type(value).__name__}", path=path, value=value
        )
    return value


_check_id = check_identifier


def _check_quantity(quantity: object) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise InvalidInput("must be a positive integer", path="quantity", value=quantity)
    return quantity


def _bonus(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | str | int):
        raise InvalidInput(
            "must be a decimal fraction such as '0.10'", path="store_credit_bonus", value=value
        )
    try:
        bonus = Decimal(value)
    except ArithmeticError:
        raise InvalidInput(
            "must be a decimal fraction such as '0.10'", path="store_credit_bonus", value=value
        ) from None
    if not bonus.is_finite() or not 0 <= bonus <= 1:
        raise InvalidInput("must be from 0 to 1", path="store_credit_bonus", value=value)
    return bonus


def expiry(
    now: datetime,
    *,
    until: tuple[str, datetime | None],
    within: tuple[str, timedelta | None],
    default: timedelta,
) -> datetime:
    """When something lapses: at ``until``, ``within`` from ``now``, or ``default`` from ``now``.

    ``until`` and ``within`` are ``(argument name, value)`` so the error names
    the caller's argument: naming both, a moment not in the future, or a
    duration that is not positive raises :class:`~omskit.errors.InvalidInput`.
    """
    (until_name, moment), (within_name, duration) = until, within
    if moment is not None and duration is not None:
        raise InvalidInput(f"name {until_name} or {within_name}, not both", path=within_name)
    if moment is not None:
        check_aware_datetime(moment, until_name)
        if moment <= now:
            raise InvalidInput("must be in the future", path=until_name, value=moment)
        return moment
    if duration is None:
        return now + default
    if not isinstance(duration, timedelta) or duration <= timedelta(0):
        raise InvalidInput("must be a positive timedelta", path=within_name, value=duration)
    return now + duration


def promised_data(order: Order) -> dict[str, str]:
    """What a message says about waiting lines: the latest promised date, if any (E1)."""
    dates = [line.promised_date for line in order.lines if line.promised_date is not None]
    if not dates:
        return {}
    return {"promised_ship_date": max(dates).isoformat()}


class ServiceBase:
    """The gateways, the store and the unit-of-work plumbing every operation uses."""

    def __init__(
        self,
        store: Store | str | os.PathLike[str] | None = None,
        *,
        clock: Clock | None = None,
        ids: IdGenerator | None = None,
        publisher: EventPublisher | None = None,
        warehouse: WarehouseGateway | None = None,
        storefront: StorefrontFeed | None = None,
        safety_stock: SafetyStockPolicy | None = None,
        supplier: SupplierGateway | None = None,
        supply_shares: SupplyShares | None = None,
        routing: RoutingProfile | Mapping[Channel, RoutingProfile] | None = None,
        store_credit_bonus: Decimal | str = Decimal("0.10"),
        notifier: CustomerNotifier | None = None,
        handling_days: int = 1,
        lifecycles: Lifecycles | None = None,
        order_checks: Sequence[OrderCheck] | None = None,
        triggers: Sequence[TriggerRule] = (),
        staff: StaffNotifier | None = None,
        invoicing: InvoicingSettings | None = None,
        payments: PaymentGateway | None = None,
        accounting: AccountingGateway | None = None,
        retries: int = 3,
    ) -> None:
        if isinstance(store, str | os.PathLike):
            store = SqliteStore(store)  # a file path: the state lives in that SQLite file
        self.store: Store = store if store is not None else MemoryStore()
        # Checked once: a runtime Protocol check costs microseconds on every call.
        self._scoped_store = self.store if isinstance(self.store, StockScopedStore) else None
        # On the memory store every write this service makes reaches the index before
        # the store lock is released, and no product is ever removed: a product the
        # index knows is in the store, so reads may take it from the index. (Writes
        # that bypass this service only leave the index missing products, which are
        # then read from the store. A SQL store makes no such promise: its index is
        # updated before the commit that may still fail, and other processes write.)
        self._index_vouches_for_products = type(self.store) is MemoryStore
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.ids: IdGenerator = ids if ids is not None else UuidIds()
        self.publisher: EventPublisher = (
            publisher if publisher is not None else RecordingPublisher()
        )
        self.warehouse: WarehouseGateway = warehouse if warehouse is not None else MemoryWarehouse()
        self.storefront: StorefrontFeed = (
            storefront if storefront is not None else RecordingStorefront()
        )
        self.supplier: SupplierGateway | None = supplier
        self.notifier: CustomerNotifier = (
            notifier if notifier is not None else RecordingCustomerNotifier()
        )
        if (
            isinstance(handling_days, bool)
            or not isinstance(handling_days, int)
            or not (0 <= handling_days <= 60)
        ):
            raise InvalidInput(
                "must be a whole number of days from 0 to 60",
                path="handling_days",
                value=handling_days,
            )
        self.handling_days = handling_days
        """Days between goods arriving from a supplier and a backorder shipping (E1)."""
        if safety_stock is not None and not isinstance(safety_stock, SafetyStockPolicy):
            raise InvalidInput("must be a SafetyStockPolicy", path="safety_stock")
        self.safety_stock: SafetyStockPolicy = (
            SafetyStockPolicy() if safety_stock is None else safety_stock
        )
        if supply_shares is not None and not isinstance(supply_shares, SupplyShares):
            raise InvalidInput("must be a SupplyShares", path="supply_shares")
        self.supply_shares: SupplyShares = (
            SupplyShares() if supply_shares is None else supply_shares
        )
        self._routing = _routing_table(routing)
        if lifecycles is not None and not isinstance(lifecycles, Lifecycles):
            raise InvalidInput("must be a Lifecycles", path="lifecycles")
        self.lifecycles: Lifecycles = Lifecycles() if lifecycles is None else lifecycles
        """The transition tables orders, lines, shipments and returns follow (C1-C3)."""
        self.order_checks: tuple[OrderCheck, ...] = _checks(order_checks)
        """The checks a new order passes before routing; a failing one holds it (C1)."""
        self.triggers: tuple[TriggerRule, ...] = _triggers(triggers)
        """The staff trigger rules asked about every order a call touches (C5)."""
        self.staff: StaffNotifier = staff if staff is not None else RecordingStaffNotifier()
        if invoicing is not None and not isinstance(invoicing, InvoicingSettings):
            raise InvalidInput("must be an InvoicingSettings", path="invoicing", value=invoicing)
        self.invoicing: InvoicingSettings | None = invoicing
        """How invoices and credit notes are issued (F1-F4, F6); ``None``: omskit issues none."""
        self.payments: PaymentGateway | None = _gateway(payments, PaymentGateway, "payments")
        """The payment provider: authorise at placement, capture and refund at settlement (F5)."""
        self.accounting: AccountingGateway = (
            _gateway(accounting, AccountingGateway, "accounting") or RecordingAccounting()
        )
        """Where issued invoices, credit notes and payments are posted (F2, F6)."""
        self.store_credit_bonus: Decimal = _bonus(store_credit_bonus)
        """The bonus on store credit offered instead of a refused cancel (D2), e.g. 0.10."""
        if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 20:
            raise InvalidInput("must be a whole number from 0 to 20", path="retries", value=retries)
        self.retries = retries
        """How many times a call the store refused with ConcurrencyConflict is run again."""
        # Writers hold this lock from applying their changes to the index until their
        # commit, so the index always reflects the committed state in commit order.
        self._index_lock = threading.RLock()
        self._index = self._build_index()

    # ------------------------------------------------------------------ plumbing

    def _event(self, cls: type[DomainEvent], **fields: Any) -> DomainEvent:
        return cls(event_id=self.ids.new_id("EV-"), occurred_at=self.clock.now(), **fields)

    def _run(
        self,
        work: Callable[[UnitOfWork, list[DomainEvent]], T],
        *,
        skus: Collection[str] | None = None,
    ) -> T:
        """Run ``work`` in one unit of work, write its events to the outbox, commit, relay.

        The unit of work is wrapped so that every stock, hold, location,
        product and order write is recorded; the availability index applies
        those changes and its deltas become ``AvailabilityChanged`` events in
        the same transaction. If the commit fails the index is restored.

        ``skus``, when given, promises that ``work`` touches the stock of
        those SKUs only (and rows of its own): a store that can
        (:class:`~omskit.ports.StockScopedStore`) then runs it beside calls
        on other SKUs. A :class:`~omskit.errors.ConcurrencyConflict` from the
        store (a lock wait past its timeout, a deadlock, a concurrent insert
        or version change) rolled everything back, so ``work`` runs again in
        a new unit of work, up to ``Oms(retries=...)`` times, after a short
        random pause that grows with each attempt.
        """
        attempt = 0
        while True:
            try:
                result, events, raised, ended = self._commit(work, skus)
                break
            except ConcurrencyConflict:
                if attempt >= self.retries:
                    raise
                attempt += 1
                time.sleep(random.uniform(0, 0.002 * 2**attempt))
        # The change is committed and its events are safe in the outbox; a
        # failing publisher or storefront must not make the caller retry a
        # call that succeeded. The next call (or relay_events()) delivers them.
        self._quietly(self.relay_events, "event delivery failed; events stay in the outbox")
        if raised:
            self._deliver_quietly()
        if any(isinstance(event, InvoiceIssued) for event in events):
            self._settle_quietly()
        if ended:
            self._void_unused(ended)
        return result

    def _open(self, skus: Collection[str] | None) -> UnitOfWork:
        """A unit of work, confined to the stock of ``skus`` when given and the store can."""
        if skus is not None and self._scoped_store is not None:
            return self._scoped_store.stock_unit_of_work(skus)
        return self.store.unit_of_work()

    def _read(self) -> UnitOfWork:
        """A unit of work that only reads.

        On a store that can (:class:`~omskit.ports.StockScopedStore`), it is
        a stock unit of work on no SKU: it runs beside placements and holds
        instead of waiting for them, and sees what they committed.
        """
        return self._open(())

    def _commit(
        self, work: Callable[[UnitOfWork, list[DomainEvent]], T], skus: Collection[str] | None
    ) -> tuple[T, list[DomainEvent], list[Task], list[str]]:
        """One attempt of :meth:`_run`: the work, its documents, tasks and events, committed."""
        events: list[DomainEvent] = []
        # Issuing documents reads and updates the year's distance sales, which no
        # SKU covers, so with invoicing on every call runs alone.
        with self._open(None if self.invoicing else skus) as raw:
            uow = TrackingUnitOfWork(raw)
            result = work(uow, events)
            touched = _touched_orders(events)
            ended = self._issue_documents(uow, touched, events) if self.invoicing else []
            raised = self._raise_tasks(uow, touched, events) if self.triggers else []
            with self._index_lock:
                update = self._index.apply(uow.changes)
                try:
                    events.extend(
                        self._event(
                            AvailabilityChanged,
                            sku=delta.sku,
                            channel=delta.channel.value,
                            previous=delta.previous,
                            current=delta.current,
                        )
                        for delta in update.deltas
                    )
                    raw.outbox.append(events)
                    raw.commit()
                except BaseException:
                    update.undo()
                    raise
        return result, events, raised, ended

    def _issue_documents(
        self, uow: UnitOfWork, order_ids: Sequence[str], events: list[DomainEvent]
    ) -> list[str]:
        """Issue the documents ``order_ids`` need now; return the cancelled orders among them."""
        return []

    def _void_unused(self, order_ids: Sequence[str]) -> None:
        """Void the authorisations of cancelled orders nothing was captured from."""

    def _settle_quietly(self) -> None:
        """Settle issued documents after the commit; a failure waits for the next try."""

    def _raise_tasks(
        self, uow: UnitOfWork, order_ids: Iterable[str], events: list[DomainEvent]
    ) -> list[Task]:
        """Raise the tasks ``Oms(triggers=...)`` ask for on ``order_ids``; return them.

        In the caller's unit of work, so a task is stored with the change that
        made its condition true, and only once per rule and subject.
        """
        now = self.clock.now()
        raised: list[Task] = []
        for order_id in order_ids:
            order = uow.orders.find(order_id)
            if order is None:
                continue
            for match in matches(self.triggers, order, now):
                if uow.tasks.find(match.rule.name, match.subject) is not None:
                    continue
                task = Task(
                    self.ids.new_id("T-"),
                    match.rule.name,
                    match.subject,
                    match.title,
                    match.rule.severity,
                    now,
                )
                uow.tasks.add(task)
                events.append(
                    self._event(
                        TaskRaised,
                        task_id=task.task_id,
                        rule=task.rule,
                        subject=task.subject,
                        order_id=order_id,
                        severity=task.severity,
                    )
                )
                raised.append(task)
        return raised

    def deliver_tasks(self) -> int:
        """Hand raised tasks that are not delivered yet to the staff notifier; return how many.

        Tasks are marked delivered only after the notifier took them, so an
        outage loses nothing: this method raises and the tasks go out on the
        next call (at least once; a task's ``task_id`` identifies it). After a
        service call or a sweep the failure is logged instead.
        """
        with self.store.unit_of_work() as uow:
            pending = uow.tasks.undelivered()
            for task in pending:
                self.staff.raise_task(task)
            if pending:
                uow.tasks.mark_delivered([task.task_id for task in pending])
                uow.commit()
        return len(pending)

    def _deliver_quietly(self) -> None:
        self._quietly(self.deliver_tasks, "staff task delivery failed; tasks wait for the next try")

    @staticmethod
    def _quietly(action: Callable[[], object], failure: str) -> None:
        """Run ``action`` after a commit; a failure is logged as ``failure``, never raised."""
        try:
            action()
        except Exception:
            _log.warning(failure, exc_info=True)

    def close(self) -> None:
        """Close the store's connections, if it has any (the SQLite and PostgreSQL stores do).

        For a service that opened its own store (``Oms("shop.db")``) or was
        handed one it now owns. Calls after ``close`` fail with
        :class:`~omskit.errors.OmsError` on a closed SQL store; closing twice
        does nothing more. An ``Oms`` is also a context manager that closes
        on leaving the ``with`` block.
        """
        close = getattr(self.store, "close", None)
        if callable(close):
            close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def routing_profile(self, channel: Channel) -> RoutingProfile:
        """The routing profile orders from ``channel`` are routed with.

        Configured with ``Oms(routing=...)``: one profile for every channel, or
        a mapping per channel; channels it does not name use
        :func:`~omskit.routing.profile.default_profile`.
        """
        _require(channel, Channel, "channel")
        return self._profile_for(channel)

    def _profile_for(self, channel: Channel) -> RoutingProfile:
        return self._routing.get(channel) or self._routing[None]

    # ------------------------------------------------------------------ the index

    def _build_index(self) -> AvailabilityIndex:
        with self.store.unit_of_work() as uow:
            return self._index_from(uow)

    def _index_from(self, uow: UnitOfWork) -> AvailabilityIndex:
        return AvailabilityIndex.build(
            locations=uow.locations.list(),
            products=uow.products.list(),
            positions=uow.stock.list(),
            holds=uow.reservations.list(),
            orders=uow.orders.list(),
            policy=self.safety_stock,
        )

    def rebuild_availability_index(self) -> int:
        """Rebuild the availability index from the store; return the positions it holds.

        The index is kept up to date by every call of this service. Rebuild it
        when something else wrote to the store (another process, a restore
        from backup); :meth:`check_availability_index` tells whether it must.
        """
        # Lock order as in _run: the store's unit of work first, then the index.
        with self.store.unit_of_work() as uow, self._index_lock:
            self._index = self._index_from(uow)
            return len(self._index)

    def check_availability_index(self) -> tuple[IndexMismatch, ...]:
        """Compare the availability index with a full recomputation from the store.

        Returns every figure that differs (empty when the index is right):
        each (SKU, channel) total and per-location figure, and the backordered
        units per SKU. The recomputation reads every position, so this is
        for tests, audits and health checks, not for every request.
        """
        with self.store.unit_of_work() as uow, self._index_lock:
            return self._index.verify(
                locations=uow.locations.list(),
                products=uow.products.list(),
                positions=uow.stock.list(),
                holds=uow.reservations.list(),
                orders=uow.orders.list(),
                now=self.clock.now(),
            )

    def relay_events(self, *, batch: int = 100) -> int:
        """Deliver outbox events that are not yet delivered; return how many went out.

        Every event goes to the publisher; ``AvailabilityChanged`` events also
        go to the storefront feed and ``CustomerMessage`` events to the
        customer notifier. Events are marked delivered only after all of them
        accepted the batch, so an outage of any loses nothing: this method
        raises, the events stay in the outbox and go out on the next call (at
        least once; consumers de-duplicate on ``event_id``). After a service
        call the failure is logged on the ``omskit`` logger instead, because
        the call itself succeeded.
        """
        sent = 0
        while True:
            # The relay touches no stock: on a store that can, it runs beside stock
            # calls, and the outbox hands each pending event to one relay at a time.
            with self._open(()) as uow:
                pending = uow.outbox.pending(limit=batch)
                if not pending:
                    return sent
                for event in pending:
                    self.publisher.publish(event)
                changes = [e for e in pending if isinstance(e, AvailabilityChanged)]
                if changes:
                    self.storefront.publish(changes)
                for message in pending:
                    if isinstance(message, CustomerMessage):
                        self.notifier.notify(
                            message.customer_id,
                            template=message.template,
                            channels=frozenset(NotificationChannel(c) for c in message.channels),
                            data=message.fields,
                        )
                uow.outbox.mark_published([e.event_id for e in pending])
                uow.commit()
            sent += len(pending)
            if len(pending) < batch:  # the outbox had no more: no need to look again
                return sent

    def _book(
        self,
        uow: UnitOfWork,
        position: StockPosition,
        quantity: int,
        reason: MovementReason,
        reference: str | None,
        *,
        allocated: int = 0,
        corrects: str | None = None,
    ) -> tuple[StockPosition, StockMovement]:
        """Move ``position``'s on-hand by ``quantity``, save it and append the ledger entry.

        Returns the new position and the entry.
        """
        moved = position.moved(on_hand=quantity, allocated=allocated)
        uow.stock.save(moved)
        movement = StockMovement(
            self.ids.new_id("MV-"),
            moved.sku,
            moved.location_id,
            quantity,
            reason,
            self.clock.now(),
            reference,
            corrects,
        )
        uow.ledger.append(movement)
        return moved, movement

    def _release(
        self,
        uow: UnitOfWork,
        reservation: Reservation,
        why: str,
        events: list[DomainEvent],
        *,
        quantity: int | None = None,
    ) -> None:
        """Release ``quantity`` units (all when ``None``) of a reservation or hold."""
        units = reservation.quantity if quantity is None else quantity
        position = uow.stock.get(reservation.sku, reservation.location_id)
        uow.stock.save(position.moved(reserved=-units))
        uow.reservations.remove(reservation.reservation_id)
        if units < reservation.quantity:
            uow.reservations.add(attrs.evolve(reservation, quantity=reservation.quantity - units))
        events.append(
            self._event(
                StockReleased,
                reservation_id=reservation.reservation_id,
                sku=reservation.sku,
                location_id=reservation.location_id,
                quantity=units,
                why=why,
                order_id=reservation.order_id,
                cart_id=reservation.cart_id,
            )
        )

    def _sweep(
        self, uow: UnitOfWork, skus: Iterable[str], events: list[DomainEvent], now: datetime
    ) -> None:
        """Remove the holds of ``skus`` that expired by ``now``, so counters tell the truth.

        Availability answers never wait for this (expired holds stop counting
        at their expiry instant); a write sweeps first so that its own checks
        and the stored ``reserved`` agree with the clock.
        """
        for sku in sorted(set(skus)):
            for hold in uow.reservations.expired(now, sku=sku):
                self._release(uow, hold, "expired", events)

    def _hand_to_warehouse(self, shipments: Sequence[Shipment], order: Order) -> None:
        """Release ``shipments`` to the warehouse: all, or (best effort) none of them."""
        accepted: list[Shipment] = []
        try:
            for shipment in shipments:
                self.warehouse.release(shipment, order)
                accepted.append(shipment)
        except Exception:
            for shipment in accepted:
                with contextlib.suppress(Exception):
                    self.warehouse.cancel(shipment.shipment_id)
            raise

    def _ship_separately(
        self,
        uow: UnitOfWork,
        order: Order,
        line: OrderLine,
        allocations: Sequence[Allocation],
    ) -> tuple[Shipment, ...]:
        """Shipments of their own for new ``allocations`` of ``line``, the order being released.

        One shipment per location (``<order_id>-S<n>``, numbered on from the
        order's shipments); the line's reservations become allocations. The
        caller hands the shipments to the warehouse.
        """
        existing = len(uow.shipments.for_order(order.order_id))
        now = self.clock.now()
        shipments = tuple(
            Shipment(
                f"{order.order_id}-S{number}",
                order.order_id,
                allocation.location_id,
                (ShipmentLine(line.line_id, line.sku, allocation.quantity),),
                now,
            )
            for number, allocation in enumerate(
                sorted(allocations, key=lambda a: a.location_id), existing + 1
            )
        )
        for shipment in shipments:
            uow.shipments.add(shipment)
        for reservation in uow.reservations.for_order(order.order_id):
            if reservation.line_id == line.line_id:
                self._allocate_reserved(uow, reservation)
        return shipments

    @staticmethod
    def _allocate_reserved(uow: UnitOfWork, reservation: Reservation) -> None:
        """The warehouse owns a reservation's units now: reserved becomes allocated."""
        position = uow.stock.get(reservation.sku, reservation.location_id)
        uow.stock.save(
            position.moved(reserved=-reservation.quantity, allocated=reservation.quantity)
        )
        uow.reservations.remove(reservation.reservation_id)

    def _reserve(
        self,
        uow: UnitOfWork,
        order: Order,
        line: OrderLine,
        location_id: str,
        quantity: int,
        events: list[DomainEvent],
    ) -> None:
        """Reserve ``quantity`` of ``line`` at ``location_id``; announce it (``StockReserved``)."""
        uow.stock.save(uow.stock.get(line.sku, location_id).moved(reserved=quantity))
        uow.reservations.add(
            Reservation(
                self.ids.new_id("R-"),
                line.sku,
                location_id,
                quantity,
                self.clock.now(),
                order_id=order.order_id,
                line_id=line.line_id,
            )
        )
        events.append(
            self._event(
                StockReserved,
                sku=line.sku,
                location_id=location_id,
                quantity=quantity,
                order_id=order.order_id,
            )
        )

    def _future_supply(self, sku: str) -> FutureSupply:
        with self._index_lock:
            self._index.require(sku)
            promised = self._index.waiting(sku)
        orders = self.supplier.open_purchase_orders(sku=sku) if self.supplier is not None else ()
        return future_supply(sku, orders, shares=self.supply_shares, promised=promised)

    def _shelf(self, uow: UnitOfWork, sku: str) -> dict[str, Any]:
        """How pre-orders of ``sku`` are dated: the units on the shelf and the release day.

        Empty for a product that is released: its waiting lines take supply only.
        """
        product = uow.products.get(sku)
        if not product.before_release(self.clock.now().date()):
            return {}
        on_hand = sum(position.free for position in uow.stock.for_sku(sku))
        return {"on_hand": on_hand, "not_before": product.release_date}

    def _promise(
        self,
        supply: FutureSupply,
        lines: Sequence[OrderLine],
        *,
        after: int,
        on_hand: int = 0,
        not_before: date | None = None,
    ) -> list[OrderLine]:
        """``lines`` (waiting, oldest first) with the ship date their waiting units get (E1).

        The claims queue behind ``after`` units. For pre-orders, ``on_hand``
        units already on the shelf ship on the release day ``not_before``;
        the rest take future supply (its date plus handling), never before
        ``not_before``.
        """
        waiting = [line for line in lines if line.unallocated_quantity]
        claims = [line.unallocated_quantity for line in waiting]
        dates = supply.dates_for(claims, after=after - on_hand)
        promised: dict[str, date | None] = {}
        running = after
        for line, claim, day in zip(waiting, claims, dates, strict=True):
            running += claim
            ship = None if day is None else day + timedelta(days=self.handling_days)
            if not_before is not None and running <= on_hand:
                ship = not_before
            elif ship is not None and not_before is not None:
                ship = max(ship, not_before)
            promised[line.line_id] = ship
        return [
            attrs.evolve(line, promised_date=promised[line.line_id])
            if line.line_id in promised
            else line
            for line in lines
        ]

    def _tell_customer(
        self,
        uow: UnitOfWork,
        order: Order,
        template: str,
        events: list[DomainEvent],
        data: Mapping[str, str] | None = None,
    ) -> None:
        """Write ``template`` about ``order`` for its customer, if it has one, to the outbox.

        The message is a :class:`~omskit.events.CustomerMessage` in the same
        unit of work as the change, so it goes out exactly when the change is
        committed; the relay hands it to the notifier at least once.
        """
        if order.customer_id is None:
            return
        customer = uow.customers.find(order.customer_id)
        if customer is None:
            return
        fields = {"order_id": order.order_id, "external_ref": order.external_ref, **(data or {})}
        events.append(
            self._event(
                CustomerMessage,
                customer_id=customer.customer_id,
                order_id=order.order_id,
                template=template,
                channels=sorted(channel.value for channel in customer.notify_by),
                data=[MessageField(name, value) for name, value in sorted(fields.items())],
            )
        )

    def _transition(
        self, order: Order, event: str, events: list[DomainEvent], **changes: Any
    ) -> Order:
        """Move ``order`` by ``event`` of the order table, with ``changes`` applied.

        The row's guards are asked about the order as the move leaves it.
        """
        after = order.evolve(**changes) if changes else order
        target = self.lifecycles.order.target(
            order.status, event, entity_id=order.order_id, subject=after
        )
        events.append(
            self._event(
                OrderStatusChanged,
                order_id=order.order_id,
                previous=order.status,
                current=target,
                event=event,
            )
        )
        return after.evolve(status=target, version=order.version + 1)

    def _rolled_up(self, order: Order, events: list[DomainEvent], **changes: Any) -> Order:
        """``order`` with ``changes``; a waiting order's status follows its lines (C3).

        An allocated, backordered or pre-ordered order whose lines now roll up
        to another of these (some line allocated, say, or a re-route that
        found no stock) moves there; any other order keeps its status. The
        version goes up by one either way.
        """
        if order.status in (
            OrderStatus.ALLOCATED,
            OrderStatus.BACKORDERED,
            OrderStatus.PRE_ORDERED,
        ):
            event = order_event_for_lines(changes.get("lines", order.lines))
            row = self.lifecycles.order.row(order.status, event)
            if row is not None and row.target is not order.status:
                return self._transition(order, event, events, **changes)
        return order.evolve(version=order.version + 1, **changes)

    def _line_to(
        self, order_id: str, line: OrderLine, status: LineStatus, **changes: Any
    ) -> OrderLine:
        """``line`` moved into ``status`` by the line table (no move if it is there already)."""
        after = attrs.evolve(line, status=status, **changes)
        if status is not line.status:
            self.lifecycles.line.target(
                line.status,
                line_event(status),
                entity_id=f"{order_id}/{line.line_id}",
                subject=after,
            )
        return after

    def _shipment_to(self, shipment: Shipment, event: str) -> ShipmentStatus:
        """The status ``event`` moves ``shipment`` into, by the shipment table."""
        target: ShipmentStatus = self.lifecycles.shipment.target(
            shipment.status, event, entity_id=shipment.shipment_id, subject=shipment
        )
        return target
