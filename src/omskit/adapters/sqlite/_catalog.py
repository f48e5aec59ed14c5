"""Locations, products, customers, stock, reservations and the ledger in SQLite."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from omskit.adapters._sql import Repo
from omskit.errors import AlreadyExists, NotFound
from omskit.model import (
    Customer,
    Location,
    Product,
    Reservation,
    StockMovement,
    StockPosition,
)

__all__ = [
    "SqliteCustomerRepository",
    "SqliteLocationRepository",
    "SqliteProductRepository",
    "SqliteReservationRepository",
    "SqliteStockLedger",
    "SqliteStockRepository",
]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(moment: datetime) -> int:
    """``moment`` (timezone-aware) as whole microseconds since 1970 UTC: exact and sortable."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


class SqliteLocationRepository(Repo):
    """Locations in SQLite."""

    def get(self, location_id: str) -> Location:
        """Return the location; raises NotFound."""
        return self._get("locations", "location_id", location_id, Location, "location")

    def find(self, location_id: str) -> Location | None:
        """Return the location or None."""
        return self._find("locations", "location_id", location_id, Location)

    def add(self, location: Location) -> None:
        """Insert or replace the location."""
        self._s.execute(
            "INSERT INTO locations (location_id, data) VALUES (?, ?)"
            " ON CONFLICT (location_id) DO UPDATE SET data = excluded.data",
            (location.location_id, self._s.dumps(location)),
        )

    def list(self) -> Sequence[Location]:
        """Every location by id."""
        return self._s.load_all(
            self._s.rows("SELECT data FROM locations ORDER BY location_id"), Location
        )


class SqliteProductRepository(Repo):
    """Products in SQLite."""

    def get(self, sku: str) -> Product:
        """Return the product; raises NotFound."""
        return self._get("products", "sku", sku, Product, "product")

    def find(self, sku: str) -> Product | None:
        """Return the product or None."""
        return self._find("products", "sku", sku, Product)

    def add(self, product: Product) -> None:
        """Insert or replace the product."""
        self._s.execute(
            "INSERT INTO products (sku, data) VALUES (?, ?)"
            " ON CONFLICT (sku) DO UPDATE SET data = excluded.data",
            (product.sku, self._s.dumps(product)),
        )

    def list(self) -> Sequence[Product]:
        """Every product by SKU."""
        return self._s.load_all(self._s.rows("SELECT data FROM products ORDER BY sku"), Product)


class SqliteCustomerRepository(Repo):
    """Customers in SQLite."""

    def get(self, customer_id: str) -> Customer:
        """Return the customer; raises NotFound."""
        return self._get("customers", "customer_id", customer_id, Customer, "customer")

    def find(self, customer_id: str) -> Customer | None:
        """Return the customer or None."""
        return self._find("customers", "customer_id", customer_id, Customer)

    def add(self, customer: Customer) -> None:
        """Insert or replace the customer."""
        self._s.execute(
            "INSERT INTO customers (customer_id, data) VALUES (?, ?)"
            " ON CONFLICT (customer_id) DO UPDATE SET data = excluded.data",
            (customer.customer_id, self._s.dumps(customer)),
        )


class SqliteStockRepository(Repo):
    """Stock positions in SQLite, one row per (SKU, location) with its counters."""

    def get(self, sku: str, location_id: str) -> StockPosition:
        """Return the position (all zero when none is stored)."""
        row = self._s.one(
            "SELECT data FROM stock WHERE sku = ? AND location_id = ?", (sku, location_id)
        )
        return (
            StockPosition(sku, location_id) if row is None else self._s.load(row[0], StockPosition)
        )

    def save(self, position: StockPosition) -> None:
        """Insert or replace the position."""
        self._s.execute(
            "INSERT INTO stock (sku, location_id, on_hand, reserved, allocated, data)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sku, location_id) DO UPDATE SET"
            " on_hand = excluded.on_hand, reserved = excluded.reserved,"
            " allocated = excluded.allocated, data = excluded.data",
            (
                position.sku,
                position.location_id,
                position.on_hand,
                position.reserved,
                position.allocated,
                self._s.dumps(position),
            ),
        )

    def for_sku(self, sku: str) -> Sequence[StockPosition]:
        """Stored positions of one SKU by location id."""
        rows = self._s.rows("SELECT data FROM stock WHERE sku = ? ORDER BY location_id", (sku,))
        return self._s.load_all(rows, StockPosition)

    def list(self) -> Sequence[StockPosition]:
        """Every stored position by (sku, location id)."""
        rows = self._s.rows("SELECT data FROM stock ORDER BY sku, location_id")
        return self._s.load_all(rows, StockPosition)


class SqliteReservationRepository(Repo):
    """Reservations and cart holds in SQLite."""

    def add(self, reservation: Reservation) -> None:
        """Store a new reservation; raises AlreadyExists."""
        if self._s.exists("reservations", "reservation_id", reservation.reservation_id):
            raise AlreadyExists(kind="reservation", key=reservation.reservation_id)
        self._s.execute(
            "INSERT INTO reservations (reservation_id, sku, location_id, quantity, order_id,"
            " cart_id, expires_us, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                reservation.reservation_id,
                reservation.sku,
                reservation.location_id,
                reservation.quantity,
                reservation.order_id,
                reservation.cart_id,
                None if reservation.expires_at is None else _micros(reservation.expires_at),
                self._s.dumps(reservation),
            ),
        )

    def get(self, reservation_id: str) -> Reservation:
        """Return the reservation; raises NotFound."""
        return self._get(
            "reservations", "reservation_id", reservation_id, Reservation, "reservation"
        )

    def remove(self, reservation_id: str) -> None:
        """Delete the reservation; raises NotFound."""
        deleted = self._s.execute(
            "DELETE FROM reservations WHERE reservation_id = ?", (reservation_id,)
        )
        if deleted.rowcount == 0:
            raise NotFound(kind="reservation", key=reservation_id)

    def for_order(self, order_id: str) -> Sequence[Reservation]:
        """Reservations of an order by id."""
        rows = self._s.rows(
            "SELECT data FROM reservations WHERE order_id = ? ORDER BY reservation_id",
            (order_id,),
        )
        return self._s.load_all(rows, Reservation)

    def for_cart(self, cart_id: str) -> Sequence[Reservation]:
        """Holds of a cart by id."""
        rows = self._s.rows(
            "SELECT data FROM reservations WHERE cart_id = ? ORDER BY reservation_id", (cart_id,)
        )
        return self._s.load_all(rows, Reservation)

    def expired(self, now: datetime, *, sku: str | None = None) -> Sequence[Reservation]:
        """Holds that stopped counting at or before ``now`` (of one SKU, if given), by id."""
        if sku is None:
            rows = self._s.rows(
                "SELECT data FROM reservations WHERE expires_us IS NOT NULL AND expires_us <= ?"
                " ORDER BY reservation_id",
                (_micros(now),),
            )
        else:
            rows = self._s.rows(
                "SELECT data FROM reservations WHERE sku = ? AND expires_us IS NOT NULL"
                " AND expires_us <= ? ORDER BY reservation_id",
                (sku, _micros(now)),
            )
        return self._s.load_all(rows, Reservation)

    def list(self) -> Sequence[Reservation]:
        """Every reservation by id."""
        rows = self._s.rows("SELECT data FROM reservations ORDER BY reservation_id")
        return self._s.load_all(rows, Reservation)


class SqliteStockLedger(Repo):
    """The append-only stock ledger in SQLite."""

    def append(self, movement: StockMovement) -> None:
        """Append a movement; raises AlreadyExists on a reused id."""
        if self._s.exists("ledger", "movement_id", movement.movement_id):
            raise AlreadyExists(kind="stock movement", key=movement.movement_id)
        self._s.execute(
            "INSERT INTO ledger (movement_id, sku, location_id, quantity, data)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                movement.movement_id,
                movement.sku,
                movement.location_id,
                movement.quantity,
                self._s.dumps(movement),
            ),
        )

    def get(self, movement_id: str) -> StockMovement:
        """Return one movement; raises NotFound."""
        return self._get("ledger", "movement_id", movement_id, StockMovement, "stock movement")

    def for_key(self, sku: str, location_id: str) -> Sequence[StockMovement]:
        """Movements of one SKU at one location, oldest first."""
        rows = self._s.rows(
            "SELECT data FROM ledger WHERE sku = ? AND location_id = ? ORDER BY seq",
            (sku, location_id),
        )
        return self._s.load_all(rows, StockMovement)

    def balance(self, sku: str, location_id: str) -> int:
        """Sum of the movements of one SKU at one location."""
        row = self._s.one(
            "SELECT COALESCE(SUM(quantity), 0) FROM ledger WHERE sku = ? AND location_id = ?",
            (sku, location_id),
        )
        return int(row[0])
