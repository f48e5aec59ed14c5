"""The operations of the state machine: repository calls with the model's expectation."""

from __future__ import annotations

from abc import ABC, abstractmethod

import attrs
from hypothesis import strategies as st

from omskit.errors import AlreadyExists, ConcurrencyConflict, NotFound, OmsError
from omskit.events import DomainEvent
from omskit.model import (
    Channel,
    Order,
    OrderStatus,
    Quote,
    QuoteStatus,
    Reservation,
    ReturnStatus,
    ShipmentStatus,
    StockMovement,
)
from omskit.ports import UnitOfWork
from omskit.testing.contracts._builders import (
    a_cancellation,
    a_customer,
    a_location,
    a_movement,
    a_position,
    a_product,
    a_quote,
    a_reservation,
    a_return,
    a_shipment,
    a_task,
    an_event,
    an_invoice,
    an_order,
)
from omskit.testing.contracts._dump import (
    CHANNELS,
    CUSTOMER_IDS,
    LOCATION_IDS,
    ORDER_IDS,
    SERIES,
    SKUS,
)
from omskit.testing.contracts._model import Model


@attrs.frozen
class Expect:
    """What an operation should do: raise ``error``, or return ``result``."""

    error: type[OmsError] | None = None
    result: object = None


class Op(ABC):
    """One repository call, applied to the store and (as the expectation) to the model."""

    @abstractmethod
    def on_model(self, model: Model) -> Expect:
        """What the call should do, worked out on the plain model (which it updates)."""

    @abstractmethod
    def on_store(self, uow: UnitOfWork) -> object:
        """Make the call on the store under test; return its answer."""


@attrs.frozen
class AddLocation(Op):
    location_id: str
    name: str

    def on_model(self, model: Model) -> Expect:
        model.locations[self.location_id] = a_location(self.location_id, self.name)
        return Expect()

    def on_store(self, uow: UnitOfWork) -> object:
        uow.locations.add(a_location(self.location_id, self.name))
        return None


@attrs.frozen
class GetLocation(Op):
    location_id: str

    def on_model(self, model: Model) -> Expect:
        found = model.locations.get(self.location_id)
        return Expect(NotFound) if found is None else Expect(result=found)

    def on_store(self, uow: UnitOfWork) -> object:
        return uow.locations.get(self.location_id)


@attrs.frozen
class AddProduct(Op):
    sku: str
    name: str

    def on_model(self, model: Model) -> Expect:
        model.products[self.sku] = a_product(self.sku, self.name)
        return Expect()

    def on_store(self, uow: UnitOfWork) -> object:
        uow.products.add(a_product(self.sku, self.name))
        return None


@attrs.frozen
class AddCustomer(Op):
    customer_id: str
    name: str

    def on_model(self, model: Model) -> Expect:
        model.customers[self.customer_id] = a_customer(self.customer_id, self.name)
        return Expect()

    def on_store(self, uow: UnitOfWork) -> object:
        uow.customers.add(a_customer(self.customer_id, self.name))
        return None


@attrs.frozen
class SaveStock(Op):
    sku: str
    location_id: str
    on_hand: int

    def on_model(self, model: Model) -> Expect:
        model.stock[(self.sku, self.location_id)] = a_position(
            self.sku, self.location_id, self.on_hand
        )
        return Expect()

    def on_store(self, uow: UnitOfWork) -> object:
        uow.stock.save(a_position(self.sku, self.location_id, self.on_hand))
        return None


@attrs.frozen
class GetStock(Op):
    sku: str
    location_id: str

    def on_model(self, model: Model) -> Expect:
        key = (self.sku, self.location_id)
        return Expect(result=model.stock.get(key, a_position(*key)))

    def on_store(self, uow: UnitOfWork) -> object:
        return uow.stock.get(self.sku, self.location_id)


@attrs.frozen
class AddReservation(Op):
    reservation_id: str
    sku: str
    location_id: str
    quantity: int
    order_id: str | None

    def _reservation(self) -> Reservation:
        return a_reservation(
            self.reservation_id,
            sku=self.sku,
            location_id=self.location_id,
            quantity=self.quantity,
            order_id=self.order_id,
        )

    def on_model(self, model: Model) -> Expect:
        if self.reservation_id in model.reservations:
            return Expect(AlreadyExists)
        model.reservations[self.reservation_id] = self._reservation()
        return Expect()

    def on_store(self, uow: UnitOfWork) -> object:
        uow.reservations.add(self._reservation())
        return None


@attrs.frozen
class RemoveReservation(Op):
    reservation_id: str

    def on_model(self, model: Model) -> Expect:
        if model.reservations.pop(self.reservation_id, None) is None:
            return Expect(NotFound)
        return Expect()

    def on_store(self, uow: UnitOfWork) -> object:
        uow.reservations.remove(self.reservation_id)
        return None


@attrs.frozen
class AppendMovement(Op):
    movement_id: str
    sku: str
    location_id: str
    quantity: int

    def _movement(self) -> StockMovement:
        return a_movement(
            self.movement_id, sku=self.sku, location_id=self.location_id, quantity=self.quantity
        )

    def on_model(self, model: Model) -> Expect:
        if any(m.movement_id == self.movement_id for m in model.movements):
            return Expect(AlreadyExists)
        model.movements.append(self._movement())
        return Expect()

    def on_store(self, uow: UnitOfWork) -> object:
        uow.ledger.append(self._movement())
        return None


@attrs.frozen
class Balance(Op):
    sku: str
    location_id: str

    def on_model(self, model: Model) -> Expect:
        key = (self.sku, self.location_id)
        return Expect(
            result=sum(m.quantity for m in model.movements if (m.sku, m.location_id) == key)
        )

    def on_store(self, uow: UnitOfWork) -> object:
        return uow.ledger.balance(self.sku, self.location_id)


@attrs.frozen
class AddOrder(Op):
    order_id: str
    channel: Channel
    external_ref: str

    def _order(self) -> Order:
        return an_order(self.order_id, external_ref=self.external_ref, channel=self.channel)

    def on_model(self, model: Model) -> Expect:
        taken = {(o.channel, o.external_ref) for o in model.orders.values()}
        if self.order_id in model.orders or (self.channel, self.external_ref) in taken:
            return Expect(AlreadyExists)
        model.orders[self.order_id] = self._order()
        return Expect()

    def on_store(self, uow: UnitOfWork) -> object:
        uow.orders.add(self._order())
        return None


@attrs.frozen
class UpdateOrder(Op):
    """Move an order to ``status``; ``stale`` offers a version other than the stored one."""

    order_id: str
    status: OrderStatus
    stale: bool

    def on_model(self, model: Model) -> Expect:
        current = model.orders.get(self.order_id)
        if current is None:
            return Expect(NotFound)
        if self.stale:
            return Expect(ConcurrencyConflict)
        model.orders[self.order_id] = attrs.evolve(
            current, status=self.status, version=current.version + 1
        )
        return Expect()

    def on_store(self, uow: UnitOfWork) -> object:
        current = uow.orders.find(self.order_id) or an_order(self.order_id)
        expected = current.version + (1 if self.stale else 0)
        changed = attrs.evolve(current, status=self.status, version=expected + 1)
        uow.orders.update(changed, expected_version=expected)
        return None


@attrs.frozen
class GetOrder(Op):
    order_id: str

    def on_model(self, model: Model) -> Expect:
        found = model.orders.get(self.order_id)
        return Expect(NotFound) if found is None else Expect(result=found)

    def on_store(self, uow: UnitOfWork) -> object:
        return uow.orders.get(self.order_id)


@attrs.frozen
class AddShipment(Op):
    shipment_id: str
    order_id: str

    def on_model(self, model: Model) -> Expect:
        if self.shipment_id in model.shipments:
            return Expect(AlreadyExists)
        model.shipments[self.shipment_id] = a_shipment(self.shipment_id, order_id=self.order_id)
        return Expect()

    def on_store(self, uow: UnitOfWork) -> object:
        uow.shipments.add(a_shipment(self.shipment_id, order_id=self.order_id))
        return None


@attrs.frozen
class UpdateShipment(Op):
    shipment_id: str
    status: ShipmentStatus

    def on_model(self, model: Model) -> Expect:
        current = model.shipments.get(self.shipment_id)
        if current is None:
            return Expect(NotFound)
        model.shipments[self.shipment_id] = attrs.evolve(current, status=self.status)
        return Expect()

    def on_store(self, uow: UnitOfWork) -> object:
        try:
            current = uow.shipments.get(self.shipment_id)
        except NotFound:
            current = a_shipment(self.shipment_id)
        uow.shipments.update(attrs.evolve(current, status=self.status))
        return None


@attrs.frozen
class AddInvoice(Op):
    number: str
    order_id: str

    def on_model(self, model: Model) -> Expect:
        if self.number in model.invoices:
            return Expect(AlreadyExists)
        model.invoices[self.number] = an_invoice(self.number, order_id=self.order_id)
        return Expect()

    def on_store(self, uow: UnitOfWork) -> object:
        uow.invoices.add(an_invoice(self.number, order_id=self.order_id))
        return None


@attrs.frozen
class NextNumber(Op):
    series: str

    def on_model(self, model: Model) -> Expect:
        model.counters[self.series] = model.counters.get(self.series, 0) + 1
        return Expect(result=model.counters[self.series])

    def on_store(self, uow: UnitOfWork) -> object:
        return uow.invoices.next_number(self.series)


@attrs.frozen
class AddReturn(Op):
    return_id: str
    order_id: str

    def on_model(self, model: Model) -> Expect:
        if self.return_id in model.returns:
            return Expect(AlreadyExists)
        model.returns[self.return_id] = a_return(self.return_id, order_id=self.order_id)
        return Expect()

    def on_store(self, uow: UnitOfWork) -> object:
        uow.returns.add(a_return(self.return_id, order_id=self.order_id))
        return None


@attrs.frozen
class UpdateReturn(Op):
    return_id: str
    status: ReturnStatus

    def on_model(self, model: Model) -> Expect:
        current = model.returns.get(self.return_id)
        if current is None:
            return Expect(NotFound)
        model.returns[self.return_id] = attrs.evolve(current, status=self.status)
        return Expect()

    def on_store(self, uow: UnitOfWork) -> object:
        try:
            current = uow.returns.get(self.return_id)
        except NotFound:
            current = a_return(self.return_id)
        uow.returns.update(attrs.evolve(current, status=self.status))
        return None


@attrs.frozen
class AddQuote(Op):
    """Add a quote; a reused id or (channel, reference) is refused."""

    quote_id: str
    channel: Channel
    external_ref: str
    customer_id: str | None

    def _quote(self) -> Quote:
        return a_quote(
            self.quote_id,
            external_ref=self.external_ref,
            channel=self.channel,
            customer_id=self.customer_id,
        )

    def on_model(self, model: Model) -> Expect:
        taken = {(q.request.channel, q.request.external_ref) for q in model.quotes.values()}
        if self.quote_id in model.quotes or (self.channel, self.external_ref) in taken:
            return Expect(AlreadyExists)
        model.quotes[self.quote_id] = self._quote()
        return Expect()

    def on_store(self, uow: UnitOfWork) -> object:
        uow.quotes.add(self._quote())
        return None


@attrs.frozen
class UpdateQuote(Op):
    """Move a quote to ``status``; ``stale`` offers a version other than the stored one."""

    quote_id: str
    status: QuoteStatus
    stale: bool

    def on_model(self, model: Model) -> Expect:
        current = model.quotes.get(self.quote_id)
        if current is None:
            return Expect(NotFound)
        if self.stale:
            return Expect(ConcurrencyConflict)
        model.quotes[self.quote_id] = self._moved(current, current.version)
        return Expect()

    def _moved(self, quote: Quote, version: int) -> Quote:
        closing = a_quote("Q-0", status=self.status)
        return attrs.evolve(
            quote,
            status=self.status,
            order_id=closing.order_id,
            closed_at=closing.closed_at,
            version=version + 1,
        )

    def on_store(self, uow: UnitOfWork) -> object:
        try:
            current = uow.quotes.get(self.quote_id)
        except NotFound:
            current = a_quote(self.quote_id)
        expected = current.version + (1 if self.stale else 0)
        uow.quotes.update(self._moved(current, expected), expected_version=expected)
        return None


@attrs.frozen
class GetQuote(Op):
    quote_id: str

    def on_model(self, model: Model) -> Expect:
        found = model.quotes.get(self.quote_id)
        return Expect(NotFound) if found is None else Expect(result=found)

    def on_store(self, uow: UnitOfWork) -> object:
        return uow.quotes.get(self.quote_id)


@attrs.frozen
class AddCancellation(Op):
    record_id: str
    order_id: str

    def on_model(self, model: Model) -> Expect:
        model.cancellations.append(a_cancellation(self.record_id, order_id=self.order_id))
        return Expect()

    def on_store(self, uow: UnitOfWork) -> object:
        uow.cancellations.add(a_cancellation(self.record_id, order_id=self.order_id))
        return None


@attrs.frozen
class AddTask(Op):
    """Add a task; a reused id or (rule, subject) is refused."""

    task_id: str
    subject: str

    def on_model(self, model: Model) -> Expect:
        if self.task_id in model.tasks or any(
            t.subject == self.subject for t in model.tasks.values()
        ):
            return Expect(AlreadyExists)
        model.tasks[self.task_id] = a_task(self.task_id, subject=self.subject)
        return Expect()

    def on_store(self, uow: UnitOfWork) -> object:
        uow.tasks.add(a_task(self.task_id, subject=self.subject))
        return None


@attrs.frozen
class DeliverTasks(Op):
    """Mark tasks delivered; an unknown id refuses the whole batch."""

    task_ids: tuple[str, ...]

    def on_model(self, model: Model) -> Expect:
        if set(self.task_ids) - set(model.tasks):
            return Expect(NotFound)
        model.delivered.update(self.task_ids)
        return Expect()

    def on_store(self, uow: UnitOfWork) -> object:
        uow.tasks.mark_delivered(list(self.task_ids))
        return None


@attrs.frozen
class AppendEvents(Op):
    """Append a batch; a reused id, in the outbox or in the batch, refuses the whole batch."""

    event_ids: tuple[str, ...]
    order_id: str

    def _events(self) -> list[DomainEvent]:
        return [an_event(event_id, order_id=self.order_id) for event_id in self.event_ids]

    def on_model(self, model: Model) -> Expect:
        stored = {e.event_id for e in model.outbox}
        if stored & set(self.event_ids) or len(set(self.event_ids)) < len(self.event_ids):
            return Expect(AlreadyExists)
        model.outbox.extend(self._events())
        return Expect()

    def on_store(self, uow: UnitOfWork) -> object:
        uow.outbox.append(self._events())
        return None


@attrs.frozen
class MarkPublished(Op):
    """Mark a batch published; an unknown id refuses the whole batch."""

    event_ids: tuple[str, ...]

    def on_model(self, model: Model) -> Expect:
        if set(self.event_ids) - {e.event_id for e in model.outbox}:
            return Expect(NotFound)
        model.published.update(self.event_ids)
        return Expect()

    def on_store(self, uow: UnitOfWork) -> object:
        uow.outbox.mark_published(list(self.event_ids))
        return None


@attrs.frozen
class Pending(Op):
    limit: int

    def on_model(self, model: Model) -> Expect:
        pending = [e for e in model.outbox if e.event_id not in model.published]
        return Expect(result=tuple(pending[: self.limit]))

    def on_store(self, uow: UnitOfWork) -> object:
        return uow.outbox.pending(limit=self.limit)


skus = st.sampled_from(SKUS)

location_ids = st.sampled_from(LOCATION_IDS)

order_ids = st.sampled_from(ORDER_IDS)

names = st.sampled_from(["North", "South"])

event_batches = st.lists(st.sampled_from(["E-1", "E-2", "E-3"]), min_size=1, max_size=3).map(tuple)

operations: st.SearchStrategy[Op] = st.one_of(
    st.builds(AddLocation, location_ids, names),
    st.builds(GetLocation, location_ids),
    st.builds(AddProduct, skus, names),
    st.builds(AddCustomer, st.sampled_from(CUSTOMER_IDS), names),
    st.builds(SaveStock, skus, location_ids, st.integers(0, 5)),
    st.builds(GetStock, skus, location_ids),
    st.builds(
        AddReservation,
        st.sampled_from(["RES-1", "RES-2"]),
        skus,
        location_ids,
        st.integers(1, 3),
        st.none() | order_ids,
    ),
    st.builds(RemoveReservation, st.sampled_from(["RES-1", "RES-2"])),
    st.builds(
        AppendMovement,
        st.sampled_from(["M-1", "M-2", "M-3", "M-4"]),
        skus,
        location_ids,
        st.sampled_from([-3, -1, 1, 2, 5]),
    ),
    st.builds(Balance, skus, location_ids),
    st.builds(AddOrder, order_ids, st.sampled_from(CHANNELS), st.sampled_from(["R-1", "R-2"])),
    st.builds(
        UpdateOrder,
        order_ids,
        st.sampled_from([OrderStatus.ALLOCATED, OrderStatus.CANCELLED]),
        st.booleans(),
    ),
    st.builds(GetOrder, order_ids),
    st.builds(AddShipment, st.sampled_from(["S-1", "S-2"]), order_ids),
    st.builds(
        UpdateShipment,
        st.sampled_from(["S-1", "S-2"]),
        st.sampled_from([ShipmentStatus.PICKING, ShipmentStatus.SHIPPED]),
    ),
    st.builds(AddInvoice, st.sampled_from(["INV-1", "INV-2", "INV-3"]), order_ids),
    st.builds(NextNumber, st.sampled_from(SERIES)),
    st.builds(AddReturn, st.sampled_from(["RT-1", "RT-2"]), order_ids),
    st.builds(
        UpdateReturn,
        st.sampled_from(["RT-1", "RT-2"]),
        st.sampled_from([ReturnStatus.RECEIVED, ReturnStatus.REFUNDED]),
    ),
    st.builds(
        AddQuote,
        st.sampled_from(["Q-1", "Q-2", "Q-3"]),
        st.sampled_from(CHANNELS),
        st.sampled_from(["R-1", "R-2"]),
        st.none() | st.sampled_from(CUSTOMER_IDS),
    ),
    st.builds(
        UpdateQuote,
        st.sampled_from(["Q-1", "Q-2"]),
        st.sampled_from([QuoteStatus.ACCEPTED, QuoteStatus.EXPIRED]),
        st.booleans(),
    ),
    st.builds(GetQuote, st.sampled_from(["Q-1", "Q-2"])),
    st.builds(AddCancellation, st.sampled_from(["X-1", "X-2"]), order_ids),
    st.builds(AddTask, st.sampled_from(["T-1", "T-2"]), order_ids),
    st.builds(
        DeliverTasks, st.lists(st.sampled_from(["T-1", "T-2", "T-3"]), max_size=2).map(tuple)
    ),
    st.builds(AppendEvents, event_batches, order_ids),
    st.builds(MarkPublished, event_batches),
    st.builds(Pending, st.integers(1, 3)),
)
