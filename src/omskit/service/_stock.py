"""Catalogue and stock operations of the order management system."""

from collections.abc import Sequence

from omskit.availability import Availability
from omskit.availability.product_page import ProductPage, product_page
from omskit.errors import InsufficientStock, InvalidInput
from omskit.events import (
    DomainEvent,
    MasterDataChanged,
    StockReceived,
    StockSold,
)
from omskit.geo import GeoPoint
from omskit.model import (
    Channel,
    Customer,
    Location,
    MovementReason,
    Product,
    StockMovement,
    StockPosition,
)
from omskit.ports import (
    UnitOfWork,
)
from omskit.service._base import ServiceBase, _check_id, _check_quantity, _require

__all__ = ["StockOperations"]


class StockOperations(ServiceBase):
    """Catalogue and stock operations of the order management system."""

    # ------------------------------------------------------------------ catalogue

    def register_location(self, location: Location) -> Location:
        """Add a location or replace its definition (same ``location_id``)."""
        _require(location, Location, "location")

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> Location:
            before = self._availability_snapshot(uow, self._skus_at(uow, location.location_id))
            uow.locations.add(location)
            events.append(self._event(MasterDataChanged, kind="location", key=location.location_id))
            self._availability_events(uow, before, events)
            return location

        return self._run(work)

    def register_product(self, product: Product) -> Product:
        """Add a product or replace its definition (same ``sku``)."""
        _require(product, Product, "product")

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> Product:
            uow.products.add(product)
            events.append(self._event(MasterDataChanged, kind="product", key=product.sku))
            return product

        return self._run(work)

    def register_customer(self, customer: Customer) -> Customer:
        """Add a customer or replace their details (same ``customer_id``)."""
        _require(customer, Customer, "customer")

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> Customer:
            uow.customers.add(customer)
            events.append(self._event(MasterDataChanged, kind="customer", key=customer.customer_id))
            return customer

        return self._run(work)

    # ------------------------------------------------------------------ stock

    def receive_stock(
        self, sku: str, location_id: str, quantity: int, *, reference: str | None = None
    ) -> StockPosition:
        """Book ``quantity`` units of ``sku`` as received at ``location_id``.

        Appends a ledger entry, raises on-hand stock and pushes the new
        availability to the storefront.
        """
        _check_id(sku, "sku")
        _check_id(location_id, "location_id")
        _check_quantity(quantity)
        if reference is not None and (not isinstance(reference, str) or not reference.strip()):
            raise InvalidInput("must be a non-blank string", path="reference", value=reference)

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> StockPosition:
            uow.products.get(sku)
            uow.locations.get(location_id)
            before = self._availability_snapshot(uow, [sku])
            position = self._book(
                uow, uow.stock.get(sku, location_id), quantity, MovementReason.RECEIPT, reference
            )
            events.append(
                self._event(
                    StockReceived,
                    sku=sku,
                    location_id=location_id,
                    quantity=quantity,
                    on_hand=position.on_hand,
                    reference=reference,
                )
            )
            self._availability_events(uow, before, events)
            return position

        return self._run(work)

    def record_pos_sale(
        self, sku: str, location_id: str, quantity: int, *, receipt: str
    ) -> StockPosition:
        """Book a sale at a store's till (A3): on-hand drops and the web shop hears at once.

        The till sells from the shelf, so only units that are not reserved or
        allocated can go (safety stock is exactly what the shelf keeps for
        walk-in customers). Selling more raises
        :class:`~omskit.errors.InsufficientStock` and changes nothing.
        """
        _check_id(sku, "sku")
        _check_id(location_id, "location_id")
        _check_quantity(quantity)
        _check_id(receipt, "receipt")

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> StockPosition:
            uow.products.get(sku)
            uow.locations.get(location_id)
            before = self._availability_snapshot(uow, [sku])
            position = uow.stock.get(sku, location_id)
            if quantity > position.free:
                raise InsufficientStock(
                    sku=sku, location_id=location_id, requested=quantity, available=position.free
                )
            position = self._book(
                uow, position, -quantity, MovementReason.POS_SALE, f"receipt {receipt}"
            )
            events.append(
                self._event(
                    StockSold,
                    sku=sku,
                    location_id=location_id,
                    quantity=quantity,
                    on_hand=position.on_hand,
                    receipt=receipt,
                )
            )
            self._availability_events(uow, before, events)
            return position

        return self._run(work)

    def product_page(
        self,
        sku: str,
        channel: Channel,
        *,
        near: GeoPoint | None = None,
        low_stock_below: int = 5,
    ) -> ProductPage:
        """What a product page shows about ``sku`` for ``channel`` (A4).

        The sellable total, each location's status, the nearest click &
        collect locations with stock (from ``near``), the delivery options,
        and the future supply the supplier gateway reports (for pre-orders).
        """
        _check_id(sku, "sku")
        _require(channel, Channel, "channel")
        if near is not None:
            _require(near, GeoPoint, "near")
        with self.store.unit_of_work() as uow:
            uow.products.get(sku)
            availability = self._availability(uow, sku, channel)
            locations = {loc.location_id: loc for loc in uow.locations.list()}
        supply = self.supplier.open_purchase_orders(sku=sku) if self.supplier is not None else ()
        return product_page(
            availability,
            locations,
            near=near,
            low_stock_below=low_stock_below,
            supply=supply,
        )

    def stock_position(self, sku: str, location_id: str) -> StockPosition:
        """The stock position of ``sku`` at ``location_id`` (zero if never stocked)."""
        _check_id(sku, "sku")
        _check_id(location_id, "location_id")
        with self.store.unit_of_work() as uow:
            uow.products.get(sku)
            uow.locations.get(location_id)
            return uow.stock.get(sku, location_id)

    def stock_ledger(self, sku: str, location_id: str) -> Sequence[StockMovement]:
        """The ledger entries of ``sku`` at ``location_id``, oldest first.

        Their quantities always add up to the position's on-hand stock.
        """
        _check_id(sku, "sku")
        _check_id(location_id, "location_id")
        with self.store.unit_of_work() as uow:
            uow.products.get(sku)
            uow.locations.get(location_id)
            return uow.ledger.for_key(sku, location_id)

    def availability(self, sku: str, channel: Channel) -> Availability:
        """Sellable units of ``sku`` for ``channel``, net of reservations, per location."""
        _check_id(sku, "sku")
        _require(channel, Channel, "channel")
        with self.store.unit_of_work() as uow:
            uow.products.get(sku)
            return self._availability(uow, sku, channel)
