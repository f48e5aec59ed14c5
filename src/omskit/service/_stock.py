"""Catalogue and stock operations of the order management system."""

from collections.abc import Sequence

from omskit.errors import InsufficientStock, InvalidInput
from omskit.events import (
    DomainEvent,
    MasterDataChanged,
    StockAdjusted,
    StockReceived,
    StockSold,
)
from omskit.model import (
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
            uow.locations.add(location)
            events.append(self._event(MasterDataChanged, kind="location", key=location.location_id))
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
        _check_reference(reference)

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> StockPosition:
            uow.products.get(sku)
            uow.locations.get(location_id)
            self._sweep(uow, [sku], events, self.clock.now())
            position, _ = self._book(
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
            self._sweep(uow, [sku], events, self.clock.now())
            position = uow.stock.get(sku, location_id)
            if quantity > position.free:
                raise InsufficientStock(
                    sku=sku, location_id=location_id, requested=quantity, available=position.free
                )
            position, _ = self._book(
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
            return position

        return self._run(work)

    def adjust_stock(
        self,
        sku: str,
        location_id: str,
        quantity: int,
        *,
        reason: MovementReason = MovementReason.ADJUSTMENT,
        reference: str | None = None,
    ) -> StockPosition:
        """Book a counted difference, damage or write-off: on-hand changes by ``quantity``.

        ``quantity`` is signed and not zero. ``reason`` is ``ADJUSTMENT``
        (default) or ``RETURN`` (goods back on the shelf). A decrease may only
        take units that are not reserved or allocated, else
        :class:`~omskit.errors.InsufficientStock` and nothing changes.
        """
        _check_id(sku, "sku")
        _check_id(location_id, "location_id")
        _check_signed(quantity)
        if reason not in (MovementReason.ADJUSTMENT, MovementReason.RETURN):
            raise InvalidInput(
                "must be MovementReason.ADJUSTMENT or MovementReason.RETURN (receipts, sales, "
                "transfers and corrections have their own operations)",
                path="reason",
                value=reason,
            )
        _check_reference(reference)

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> StockPosition:
            uow.products.get(sku)
            uow.locations.get(location_id)
            self._sweep(uow, [sku], events, self.clock.now())
            return self._adjust(uow, sku, location_id, quantity, reason, reference, events)

        return self._run(work)

    def _adjust(
        self,
        uow: UnitOfWork,
        sku: str,
        location_id: str,
        quantity: int,
        reason: MovementReason,
        reference: str | None,
        events: list[DomainEvent],
        *,
        corrects: str | None = None,
    ) -> StockPosition:
        position = uow.stock.get(sku, location_id)
        if -quantity > position.free:
            raise InsufficientStock(
                sku=sku, location_id=location_id, requested=-quantity, available=position.free
            )
        moved, movement = self._book(uow, position, quantity, reason, reference, corrects=corrects)
        events.append(
            self._event(
                StockAdjusted,
                sku=sku,
                location_id=location_id,
                quantity=quantity,
                on_hand=moved.on_hand,
                reason=reason.value,
                movement_id=movement.movement_id,
                reference=reference,
            )
        )
        return moved

    def transfer_stock(
        self,
        sku: str,
        from_location_id: str,
        to_location_id: str,
        quantity: int,
        *,
        reference: str | None = None,
    ) -> tuple[StockPosition, StockPosition]:
        """Move ``quantity`` free units of ``sku`` from one location to another.

        Two ledger entries (``TRANSFER_OUT`` and ``TRANSFER_IN``) in one unit
        of work; returns both new positions. Only free units move
        (:class:`~omskit.errors.InsufficientStock` otherwise). For stock that
        travels for days, book the transfer when it arrives and report it as
        in-transit supply meanwhile.
        """
        _check_id(sku, "sku")
        _check_id(from_location_id, "from_location_id")
        _check_id(to_location_id, "to_location_id")
        _check_quantity(quantity)
        _check_reference(reference)
        if from_location_id == to_location_id:
            raise InvalidInput(
                "must differ from from_location_id", path="to_location_id", value=to_location_id
            )

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> tuple[StockPosition, StockPosition]:
            uow.products.get(sku)
            uow.locations.get(from_location_id)
            uow.locations.get(to_location_id)
            self._sweep(uow, [sku], events, self.clock.now())
            ref = reference or f"transfer {from_location_id} -> {to_location_id}"
            out = self._adjust(
                uow, sku, from_location_id, -quantity, MovementReason.TRANSFER_OUT, ref, events
            )
            into = self._adjust(
                uow, sku, to_location_id, quantity, MovementReason.TRANSFER_IN, ref, events
            )
            return out, into

        return self._run(work)

    def correct_movement(self, movement_id: str, *, reference: str | None = None) -> StockMovement:
        """Reverse a ledger entry by appending its opposite; history is never edited.

        The correction entry names the movement it reverses (``corrects``).
        A movement is corrected at most once, and a correction is not itself
        corrected (book a new movement instead): both raise
        :class:`~omskit.errors.InvalidInput`. Undoing a receipt whose units
        are reserved raises :class:`~omskit.errors.InsufficientStock`.
        """
        _check_id(movement_id, "movement_id")
        _check_reference(reference)

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> StockMovement:
            original = uow.ledger.get(movement_id)
            if original.reason is MovementReason.CORRECTION:
                raise InvalidInput(
                    "is itself a correction; book a new movement instead",
                    path="movement_id",
                    value=movement_id,
                )
            history = uow.ledger.for_key(original.sku, original.location_id)
            if any(m.corrects == movement_id for m in history):
                raise InvalidInput(
                    "has already been corrected", path="movement_id", value=movement_id
                )
            self._sweep(uow, [original.sku], events, self.clock.now())
            self._adjust(
                uow,
                original.sku,
                original.location_id,
                -original.quantity,
                MovementReason.CORRECTION,
                reference or f"corrects {movement_id}",
                events,
                corrects=movement_id,
            )
            return uow.ledger.for_key(original.sku, original.location_id)[-1]

        return self._run(work)

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


def _check_reference(reference: object) -> None:
    if reference is not None and (not isinstance(reference, str) or not reference.strip()):
        raise InvalidInput("must be a non-blank string", path="reference", value=reference)


def _check_signed(quantity: object) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity == 0:
        raise InvalidInput("must be a non-zero integer", path="quantity", value=quantity)
    return quantity
