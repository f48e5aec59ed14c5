"""Plumbing shared by the operations of :class:`omskit.service.Oms`."""

import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from omskit.adapters.memory import (
    MemoryStore,
    MemoryWarehouse,
    RecordingPublisher,
    RecordingStorefront,
    SystemClock,
    UuidIds,
)
from omskit.availability import Availability, SafetyStockPolicy, compute_availability
from omskit.errors import InvalidInput
from omskit.events import (
    AvailabilityChanged,
    DomainEvent,
    OrderStatusChanged,
)
from omskit.lifecycle import (
    ORDER_LIFECYCLE,
)
from omskit.model import (
    Channel,
    MovementReason,
    Order,
    StockMovement,
    StockPosition,
)
from omskit.model._checks import check_identifier
from omskit.ports import (
    Clock,
    EventPublisher,
    IdGenerator,
    Store,
    StorefrontFeed,
    SupplierGateway,
    UnitOfWork,
    WarehouseGateway,
)

__all__ = ["ServiceBase"]

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


class ServiceBase:
    """The gateways, the store and the unit-of-work plumbing every operation uses."""

    def __init__(
        self,
        store: Store | None = None,
        *,
        clock: Clock | None = None,
        ids: IdGenerator | None = None,
        publisher: EventPublisher | None = None,
        warehouse: WarehouseGateway | None = None,
        storefront: StorefrontFeed | None = None,
        safety_stock: SafetyStockPolicy | None = None,
        supplier: SupplierGateway | None = None,
    ) -> None:
        self.store: Store = store if store is not None else MemoryStore()
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
        if safety_stock is not None and not isinstance(safety_stock, SafetyStockPolicy):
            raise InvalidInput("must be a SafetyStockPolicy", path="safety_stock")
        self.safety_stock: SafetyStockPolicy = (
            SafetyStockPolicy() if safety_stock is None else safety_stock
        )

    # ------------------------------------------------------------------ plumbing

    def _event(self, cls: type[DomainEvent], **fields: Any) -> DomainEvent:
        return cls(event_id=self.ids.new_id("EV-"), occurred_at=self.clock.now(), **fields)

    def _run(self, work: Callable[[UnitOfWork, list[DomainEvent]], T]) -> T:
        """Run ``work`` in one unit of work, write its events to the outbox, commit, relay."""
        events: list[DomainEvent] = []
        with self.store.unit_of_work() as uow:
            result = work(uow, events)
            uow.outbox.append(events)
            uow.commit()
        try:
            self.relay_events()
        except Exception:
            # The change is committed and its events are safe in the outbox; a
            # failing publisher or storefront must not make the caller retry a
            # call that succeeded. The next call (or relay_events()) delivers them.
            _log.warning("event delivery failed; events stay in the outbox", exc_info=True)
        return result

    def relay_events(self, *, batch: int = 100) -> int:
        """Deliver outbox events that are not yet delivered; return how many went out.

        Every event goes to the publisher; ``AvailabilityChanged`` events also
        go to the storefront feed. Events are marked delivered only after both
        accepted the batch, so an outage of either loses nothing: this method
        raises, the events stay in the outbox and go out on the next call (at
        least once; consumers de-duplicate on ``event_id``). After a service
        call the failure is logged on the ``omskit`` logger instead, because
        the call itself succeeded.
        """
        sent = 0
        while True:
            with self.store.unit_of_work() as uow:
                pending = uow.outbox.pending(limit=batch)
                if not pending:
                    return sent
                for event in pending:
                    self.publisher.publish(event)
                changes = [e for e in pending if isinstance(e, AvailabilityChanged)]
                if changes:
                    self.storefront.publish(changes)
                uow.outbox.mark_published([e.event_id for e in pending])
                uow.commit()
            sent += len(pending)

    def _book(
        self,
        uow: UnitOfWork,
        position: StockPosition,
        quantity: int,
        reason: MovementReason,
        reference: str | None,
        *,
        allocated: int = 0,
    ) -> StockPosition:
        """Move ``position``'s on-hand by ``quantity``, save it and append the ledger entry."""
        moved = position.moved(on_hand=quantity, allocated=allocated)
        uow.stock.save(moved)
        uow.ledger.append(
            StockMovement(
                self.ids.new_id("MV-"),
                moved.sku,
                moved.location_id,
                quantity,
                reason,
                self.clock.now(),
                reference,
            )
        )
        return moved

    def _availability(self, uow: UnitOfWork, sku: str, channel: Channel) -> Availability:
        locations = {loc.location_id: loc for loc in uow.locations.list()}
        return compute_availability(
            sku,
            channel,
            uow.stock.for_sku(sku),
            locations,
            self.safety_stock,
            uow.products.find(sku),
        )

    def _skus_at(self, uow: UnitOfWork, location_id: str) -> list[str]:
        return sorted({p.sku for p in uow.stock.list() if p.location_id == location_id})

    def _availability_snapshot(
        self, uow: UnitOfWork, skus: Iterable[str]
    ) -> dict[tuple[str, Channel], int]:
        return {
            (sku, channel): self._availability(uow, sku, channel).total
            for sku in skus
            for channel in Channel
        }

    def _availability_events(
        self, uow: UnitOfWork, before: dict[tuple[str, Channel], int], events: list[DomainEvent]
    ) -> None:
        for (sku, channel), previous in before.items():
            current = self._availability(uow, sku, channel).total
            if current != previous:
                events.append(
                    self._event(
                        AvailabilityChanged,
                        sku=sku,
                        channel=channel.value,
                        previous=previous,
                        current=current,
                    )
                )

    def _transition(
        self, order: Order, event: str, events: list[DomainEvent], **changes: Any
    ) -> Order:
        target = ORDER_LIFECYCLE.target(order.status, event, entity_id=order.order_id)
        events.append(
            self._event(
                OrderStatusChanged,
                order_id=order.order_id,
                previous=order.status,
                current=target,
                event=event,
            )
        )
        return order.evolve(status=target, version=order.version + 1, **changes)
