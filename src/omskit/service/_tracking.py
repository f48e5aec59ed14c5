"""A unit of work that records what availability depends on, as it is written.

The service wraps every unit of work in a :class:`TrackingUnitOfWork`, so no
operation can forget to tell the availability index about a stock position,
a cart hold, a location, a product or an order it saved: the writes
themselves fill the :class:`~omskit.availability.index.ChangeSet`.
"""

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Self

from omskit.availability.index import ChangeSet
from omskit.model import Location, Order, OrderStatus, Product, Reservation, StockPosition
from omskit.ports import (
    CancellationLog,
    CustomerRepository,
    InvoiceRepository,
    LocationRepository,
    OrderRepository,
    Outbox,
    PaymentRepository,
    ProductRepository,
    QuoteRepository,
    ReservationRepository,
    ReturnRepository,
    ShipmentRepository,
    StockLedger,
    StockRepository,
    TaskRepository,
    UnitOfWork,
)

__all__ = ["TrackingUnitOfWork"]


class _Stock:
    def __init__(self, inner: StockRepository, changes: ChangeSet) -> None:
        self._inner, self._changes = inner, changes

    def get(self, sku: str, location_id: str) -> StockPosition:
        return self._inner.get(sku, location_id)

    def save(self, position: StockPosition) -> None:
        self._inner.save(position)
        self._changes.position(position)

    def for_sku(self, sku: str) -> Sequence[StockPosition]:
        return self._inner.for_sku(sku)

    def list(self) -> Sequence[StockPosition]:
        return self._inner.list()


class _Reservations:
    def __init__(self, inner: ReservationRepository, changes: ChangeSet) -> None:
        self._inner, self._changes = inner, changes

    def add(self, reservation: Reservation) -> None:
        self._inner.add(reservation)
        self._changes.hold_added(reservation)

    def get(self, reservation_id: str) -> Reservation:
        return self._inner.get(reservation_id)

    def remove(self, reservation_id: str) -> None:
        reservation = self._inner.get(reservation_id)
        self._inner.remove(reservation_id)
        self._changes.hold_removed(reservation)

    def for_order(self, order_id: str) -> Sequence[Reservation]:
        return self._inner.for_order(order_id)

    def for_cart(self, cart_id: str) -> Sequence[Reservation]:
        return self._inner.for_cart(cart_id)

    def expired(self, now: datetime, *, sku: str | None = None) -> Sequence[Reservation]:
        return self._inner.expired(now, sku=sku)

    def list(self) -> Sequence[Reservation]:
        return self._inner.list()


class _Locations:
    def __init__(self, inner: LocationRepository, changes: ChangeSet) -> None:
        self._inner, self._changes = inner, changes

    def get(self, location_id: str) -> Location:
        return self._inner.get(location_id)

    def find(self, location_id: str) -> Location | None:
        return self._inner.find(location_id)

    def add(self, location: Location) -> None:
        self._inner.add(location)
        self._changes.location(location)

    def list(self) -> Sequence[Location]:
        return self._inner.list()


class _Products:
    def __init__(self, inner: ProductRepository, changes: ChangeSet) -> None:
        self._inner, self._changes = inner, changes

    def get(self, sku: str) -> Product:
        return self._inner.get(sku)

    def find(self, sku: str) -> Product | None:
        return self._inner.find(sku)

    def add(self, product: Product) -> None:
        self._inner.add(product)
        self._changes.product(product)

    def list(self) -> Sequence[Product]:
        return self._inner.list()


class _Orders:
    def __init__(self, inner: OrderRepository, changes: ChangeSet) -> None:
        self._inner, self._changes = inner, changes

    def get(self, order_id: str) -> Order:
        return self._inner.get(order_id)

    def find(self, order_id: str) -> Order | None:
        return self._inner.find(order_id)

    def find_by_reference(self, channel: str, external_ref: str) -> Order | None:
        return self._inner.find_by_reference(channel, external_ref)

    def add(self, order: Order) -> None:
        self._inner.add(order)
        self._changes.order(order)

    def update(self, order: Order, *, expected_version: int) -> None:
        self._inner.update(order, expected_version=expected_version)
        self._changes.order(order)

    def list(self, *, status: OrderStatus | None = None) -> Sequence[Order]:
        return self._inner.list(status=status)


class TrackingUnitOfWork:
    """A :class:`~omskit.ports.UnitOfWork` that records availability changes in ``changes``.

    Entering and leaving is the caller's business: it wraps a unit of work
    that is already open.
    """

    def __init__(self, inner: UnitOfWork) -> None:
        self.inner = inner
        self.changes = ChangeSet()
        self._stock = _Stock(inner.stock, self.changes)
        self._reservations = _Reservations(inner.reservations, self.changes)
        self._locations = _Locations(inner.locations, self.changes)
        self._products = _Products(inner.products, self.changes)
        self._orders = _Orders(inner.orders, self.changes)

    @property
    def locations(self) -> LocationRepository:
        """The locations, recording every definition added."""
        return self._locations

    @property
    def products(self) -> ProductRepository:
        """The products, recording every definition added."""
        return self._products

    @property
    def customers(self) -> CustomerRepository:
        """The customers (not tracked)."""
        return self.inner.customers

    @property
    def stock(self) -> StockRepository:
        """The stock positions, recording every save."""
        return self._stock

    @property
    def reservations(self) -> ReservationRepository:
        """The reservations, recording holds added and removed."""
        return self._reservations

    @property
    def ledger(self) -> StockLedger:
        """The stock ledger (not tracked)."""
        return self.inner.ledger

    @property
    def orders(self) -> OrderRepository:
        """The orders, recording every order saved (for backordered demand)."""
        return self._orders

    @property
    def shipments(self) -> ShipmentRepository:
        """The shipments (not tracked)."""
        return self.inner.shipments

    @property
    def invoices(self) -> InvoiceRepository:
        """The invoices (not tracked)."""
        return self.inner.invoices

    @property
    def payments(self) -> PaymentRepository:
        """The payments (not tracked)."""
        return self.inner.payments

    @property
    def returns(self) -> ReturnRepository:
        """The returns (not tracked)."""
        return self.inner.returns

    @property
    def quotes(self) -> QuoteRepository:
        """The quotes (not tracked: a quote reserves no stock)."""
        return self.inner.quotes

    @property
    def cancellations(self) -> CancellationLog:
        """The cancellation log (not tracked)."""
        return self.inner.cancellations

    @property
    def tasks(self) -> TaskRepository:
        """The staff tasks (not tracked)."""
        return self.inner.tasks

    @property
    def outbox(self) -> Outbox:
        """The outbox (not tracked)."""
        return self.inner.outbox

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def commit(self) -> None:
        """Commit the wrapped unit of work."""
        self.inner.commit()

    def rollback(self) -> None:
        """Roll the wrapped unit of work back and forget the recorded changes."""
        self.inner.rollback()
        self.changes.clear()
