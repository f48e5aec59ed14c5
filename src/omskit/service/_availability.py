"""Availability answers and cart holds: what can be sold, and keeping it for a shopper."""

from datetime import datetime, timedelta

from omskit.availability import Availability
from omskit.availability.eligibility import can_sell
from omskit.availability.product_page import ProductPage, product_page
from omskit.availability.supply import FutureSupply
from omskit.errors import InsufficientStock, InvalidInput
from omskit.events import DomainEvent, StockHeld
from omskit.geo import GeoPoint
from omskit.model import Channel, Location, Reservation
from omskit.ports import UnitOfWork
from omskit.service._base import ServiceBase, _check_id, _check_quantity, _require, expiry

__all__ = ["DEFAULT_HOLD", "AvailabilityOperations"]

DEFAULT_HOLD = timedelta(minutes=15)
"""How long a cart hold lasts when the caller names no expiry."""


class AvailabilityOperations(ServiceBase):
    """Availability answers (A1, A4, A6) and cart holds (A5)."""

    # ------------------------------------------------------------------ answers

    def availability(self, sku: str, channel: Channel) -> Availability:
        """Sellable units of ``sku`` for ``channel`` now, net of reservations, per location.

        Answered from the availability index (no scan of the store); a cart
        hold stops counting at its expiry instant.
        """
        _check_id(sku, "sku")
        _require(channel, Channel, "channel")
        with self._index_lock:
            return self._index.availability(sku, channel, now=self.clock.now())

    def sellable(self, sku: str, channel: Channel) -> int:
        """The sellable total of ``sku`` for ``channel`` now: one look-up in the index."""
        _check_id(sku, "sku")
        _require(channel, Channel, "channel")
        with self._index_lock:
            return self._index.total(sku, channel, now=self.clock.now())

    def future_supply(self, sku: str) -> FutureSupply:
        """Open purchase orders and in-transit stock of ``sku`` that may back pre-orders (A6).

        Asks the supplier gateway (none configured: no supply), counts each
        kind at its share (``Oms(supply_shares=...)``) and nets out the units
        already promised to backordered lines.
        """
        _check_id(sku, "sku")
        return self._future_supply(sku)

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
        and the future supply that may still be promised (for pre-orders).
        """
        _check_id(sku, "sku")
        _require(channel, Channel, "channel")
        if near is not None:
            _require(near, GeoPoint, "near")
        with self._index_lock:
            availability = self._index.availability(sku, channel, now=self.clock.now())
            locations: dict[str, Location] = {}
            for entry in availability.by_location:
                location = self._index.location(entry.location_id)
                if location is not None:
                    locations[entry.location_id] = location
        return product_page(
            availability,
            locations,
            near=near,
            low_stock_below=low_stock_below,
            future=self.future_supply(sku),
        )

    # ------------------------------------------------------------------ cart holds

    def hold_stock(
        self,
        sku: str,
        quantity: int,
        *,
        channel: Channel,
        cart_id: str,
        location_id: str | None = None,
        ttl: timedelta | None = None,
        expires_at: datetime | None = None,
    ) -> tuple[Reservation, ...]:
        """Hold ``quantity`` units of ``sku`` for a shopping cart until they expire (A5).

        The hold takes sellable units for ``channel`` (after safety stock):
        at ``location_id`` if given (a click & collect store), else from the
        locations with the most sellable units first (ties by location id),
        spread over several when one does not have them all. It lasts ``ttl``
        (default 15 minutes) or until ``expires_at``; name at most one. An
        expired hold stops counting at its expiry instant. All or nothing:
        :class:`~omskit.errors.InsufficientStock` when fewer units are
        sellable, and nothing is held. Place the order with
        ``place_order(request, cart_id=...)`` to turn the holds into the
        order's reservations.
        """
        _check_id(sku, "sku")
        _check_quantity(quantity)
        _require(channel, Channel, "channel")
        _check_id(cart_id, "cart_id")
        if location_id is not None:
            _check_id(location_id, "location_id")
        now = self.clock.now()
        until = expiry(
            now, until=("expires_at", expires_at), within=("ttl", ttl), default=DEFAULT_HOLD
        )

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> tuple[Reservation, ...]:
            product = uow.products.get(sku)
            if location_id is not None:
                uow.locations.get(location_id)
            self._sweep(uow, [sku], events, now)
            free: list[tuple[int, str]] = []
            for position in uow.stock.for_sku(sku):
                location = uow.locations.find(position.location_id)
                if location is None or location_id not in (None, location.location_id):
                    continue
                if not can_sell(location, channel=channel, product=product):
                    continue
                units = self.safety_stock.sellable(position, location=location, channel=channel)
                if units > 0:
                    free.append((units, position.location_id))
            free.sort(key=lambda item: (-item[0], item[1]))
            available = sum(units for units, _ in free)
            if available < quantity:
                raise InsufficientStock(
                    sku=sku, location_id=location_id, requested=quantity, available=available
                )
            holds = []
            left = quantity
            for units, where in free:
                take = min(units, left)
                holds.append(self._hold(uow, sku, where, take, cart_id, now, until, events))
                left -= take
                if not left:
                    break
            return tuple(holds)

        return self._run(work, skus=(sku,))

    def _hold(
        self,
        uow: UnitOfWork,
        sku: str,
        location_id: str,
        quantity: int,
        cart_id: str,
        now: datetime,
        until: datetime,
        events: list[DomainEvent],
    ) -> Reservation:
        hold = Reservation(
            self.ids.new_id("H-"),
            sku,
            location_id,
            quantity,
            now,
            expires_at=until,
            cart_id=cart_id,
        )
        uow.stock.save(uow.stock.get(sku, location_id).moved(reserved=quantity))
        uow.reservations.add(hold)
        events.append(
            self._event(
                StockHeld,
                reservation_id=hold.reservation_id,
                sku=sku,
                location_id=location_id,
                quantity=quantity,
                cart_id=cart_id,
                expires_at=until,
            )
        )
        return hold

    def release_hold(self, reservation_id: str, *, quantity: int | None = None) -> int:
        """Let go of a cart hold, wholly or ``quantity`` units of it; return the units released.

        Raises :class:`~omskit.errors.NotFound` for an unknown hold and
        :class:`~omskit.errors.InvalidInput` for an order's reservation (cancel
        the order instead) or for more units than the hold has; nothing changes.
        """
        _check_id(reservation_id, "reservation_id")
        if quantity is not None:
            _check_quantity(quantity)

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> int:
            hold = uow.reservations.get(reservation_id)
            if not hold.is_hold:
                raise InvalidInput(
                    "is an order's reservation, not a cart hold; cancel the order instead",
                    path="reservation_id",
                    value=reservation_id,
                )
            if quantity is not None and quantity > hold.quantity:
                raise InvalidInput(
                    f"cannot release {quantity} units of a hold of {hold.quantity}",
                    path="quantity",
                    value=quantity,
                )
            why = "released" if hold.is_active(self.clock.now()) else "expired"
            units = hold.quantity if quantity is None else quantity
            self._release(uow, hold, why, events, quantity=units)
            return units

        return self._run(work)

    def release_cart(self, cart_id: str) -> int:
        """Let go of every hold of a cart; return the units released (0 if it had none)."""
        _check_id(cart_id, "cart_id")

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> int:
            holds = uow.reservations.for_cart(cart_id)
            now = self.clock.now()
            for hold in holds:
                self._release(uow, hold, "released" if hold.is_active(now) else "expired", events)
            return sum(hold.quantity for hold in holds)

        return self._run(work)

    def expire_holds(self) -> int:
        """Remove every cart hold that has expired; return how many were removed.

        Answers never wait for this: an expired hold stops counting at its
        expiry instant. Run it periodically (every minute, say) so the stored
        counters catch up and the storefront hears about the units that came
        free (``AvailabilityChanged`` events).
        """

        def work(uow: UnitOfWork, events: list[DomainEvent]) -> int:
            holds = uow.reservations.expired(self.clock.now())
            for hold in holds:
                self._release(uow, hold, "expired", events)
            return len(holds)

        return self._run(work)
