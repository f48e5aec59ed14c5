"""Orders, shipments, returns, quotes and cancellation records in SQLite."""

from __future__ import annotations

from collections.abc import Sequence

from omskit.adapters._rules import check_version, same_owner, same_reference, same_request
from omskit.adapters._sql import Repo
from omskit.errors import AlreadyExists, NotFound
from omskit.model import (
    CancellationRecord,
    Order,
    OrderStatus,
    Quote,
    QuoteStatus,
    Return,
    Shipment,
)

__all__ = [
    "SqliteCancellationLog",
    "SqliteOrderRepository",
    "SqliteQuoteRepository",
    "SqliteReturnRepository",
    "SqliteShipmentRepository",
]


class SqliteOrderRepository(Repo):
    """Orders in SQLite, with an optimistic version column."""

    def get(self, order_id: str) -> Order:
        """Return the order; raises NotFound."""
        return self._get("orders", "order_id", order_id, Order, "order")

    def find(self, order_id: str) -> Order | None:
        """Return the order or None."""
        return self._find("orders", "order_id", order_id, Order)

    def find_by_reference(self, channel: str, external_ref: str) -> Order | None:
        """Return the order placed under (channel, external_ref), or None."""
        row = self._s.one(
            "SELECT data FROM orders WHERE channel = ? AND external_ref = ?",
            (str(channel), external_ref),
        )
        return None if row is None else self._s.load(row[0], Order)

    def add(self, order: Order) -> None:
        """Store a new order; raises AlreadyExists for a taken id or reference."""
        channel = str(order.channel)
        if self._s.exists("orders", "order_id", order.order_id):
            raise AlreadyExists(kind="order", key=order.order_id)
        taken = self._s.one(
            "SELECT 1 FROM orders WHERE channel = ? AND external_ref = ?",
            (channel, order.external_ref),
        )
        if taken is not None:
            raise AlreadyExists(kind="order reference", key=f"{channel}/{order.external_ref}")
        self._s.execute(
            "INSERT INTO orders (order_id, channel, external_ref, status, version, data)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                order.order_id,
                channel,
                order.external_ref,
                order.status.value,
                order.version,
                self._s.dumps(order),
            ),
        )

    def update(self, order: Order, *, expected_version: int) -> None:
        """Replace the stored order; raises ConcurrencyConflict on a version mismatch."""
        row = self._s.one(
            "SELECT channel, external_ref, version FROM orders WHERE order_id = ?",
            (order.order_id,),
        )
        if row is None:
            raise NotFound(kind="order", key=order.order_id)
        same_reference((row[0], row[1]), order)
        check_version(int(row[2]), expected_version, "order", order.order_id)
        self._s.execute(
            "UPDATE orders SET status = ?, version = ?, data = ? WHERE order_id = ?",
            (order.status.value, order.version, self._s.dumps(order), order.order_id),
        )

    def list(self, *, status: OrderStatus | None = None) -> Sequence[Order]:
        """Orders, optionally in one status, by id."""
        if status is None:
            return self._s.load_all(
                self._s.rows("SELECT data FROM orders ORDER BY order_id"), Order
            )
        rows = self._s.rows(
            "SELECT data FROM orders WHERE status = ? ORDER BY order_id", (status.value,)
        )
        return tuple(o for o in self._s.load_all(rows, Order) if o.status is status)


class SqliteShipmentRepository(Repo):
    """Shipments in SQLite."""

    def add(self, shipment: Shipment) -> None:
        """Store a new shipment; raises AlreadyExists."""
        if self._s.exists("shipments", "shipment_id", shipment.shipment_id):
            raise AlreadyExists(kind="shipment", key=shipment.shipment_id)
        self._s.execute(
            "INSERT INTO shipments (shipment_id, order_id, data) VALUES (?, ?, ?)",
            (shipment.shipment_id, shipment.order_id, self._s.dumps(shipment)),
        )

    def get(self, shipment_id: str) -> Shipment:
        """Return the shipment; raises NotFound."""
        return self._get("shipments", "shipment_id", shipment_id, Shipment, "shipment")

    def update(self, shipment: Shipment) -> None:
        """Replace a stored shipment; raises NotFound."""
        same_owner(self.get(shipment.shipment_id).order_id, shipment.order_id)
        self._s.execute(
            "UPDATE shipments SET data = ? WHERE shipment_id = ?",
            (self._s.dumps(shipment), shipment.shipment_id),
        )

    def for_order(self, order_id: str) -> Sequence[Shipment]:
        """Shipments of an order by id."""
        rows = self._s.rows(
            "SELECT data FROM shipments WHERE order_id = ? ORDER BY shipment_id", (order_id,)
        )
        return self._s.load_all(rows, Shipment)


class SqliteReturnRepository(Repo):
    """Returns in SQLite."""

    def add(self, return_: Return) -> None:
        """Store a new return; raises AlreadyExists."""
        if self._s.exists("returns", "return_id", return_.return_id):
            raise AlreadyExists(kind="return", key=return_.return_id)
        self._s.execute(
            "INSERT INTO returns (return_id, order_id, data) VALUES (?, ?, ?)",
            (return_.return_id, return_.order_id, self._s.dumps(return_)),
        )

    def get(self, return_id: str) -> Return:
        """Return the return; raises NotFound."""
        return self._get("returns", "return_id", return_id, Return, "return")

    def update(self, return_: Return) -> None:
        """Replace a stored return; raises NotFound."""
        same_owner(self.get(return_.return_id).order_id, return_.order_id)
        self._s.execute(
            "UPDATE returns SET data = ? WHERE return_id = ?",
            (self._s.dumps(return_), return_.return_id),
        )

    def for_order(self, order_id: str) -> Sequence[Return]:
        """Returns of an order by id."""
        rows = self._s.rows(
            "SELECT data FROM returns WHERE order_id = ? ORDER BY return_id", (order_id,)
        )
        return self._s.load_all(rows, Return)


class SqliteQuoteRepository(Repo):
    """Quotes in SQLite, with an optimistic version column."""

    def add(self, quote: Quote) -> None:
        """Store a new quote; raises AlreadyExists for a taken id or reference."""
        channel, ref = str(quote.request.channel), quote.request.external_ref
        if self._s.exists("quotes", "quote_id", quote.quote_id):
            raise AlreadyExists(kind="quote", key=quote.quote_id)
        if self._s.one(
            "SELECT 1 FROM quotes WHERE channel = ? AND external_ref = ?", (channel, ref)
        ):
            raise AlreadyExists(kind="quote reference", key=f"{channel}/{ref}")
        self._s.execute(
            "INSERT INTO quotes (quote_id, channel, external_ref, customer_id, status, version,"
            " data) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                quote.quote_id,
                channel,
                ref,
                quote.customer_id,
                quote.status.value,
                quote.version,
                self._s.dumps(quote),
            ),
        )

    def get(self, quote_id: str) -> Quote:
        """Return the quote; raises NotFound."""
        return self._get("quotes", "quote_id", quote_id, Quote, "quote")

    def find_by_reference(self, channel: str, external_ref: str) -> Quote | None:
        """Return the quote of (channel, external_ref), or None."""
        row = self._s.one(
            "SELECT data FROM quotes WHERE channel = ? AND external_ref = ?",
            (str(channel), external_ref),
        )
        return None if row is None else self._s.load(row[0], Quote)

    def update(self, quote: Quote, *, expected_version: int) -> None:
        """Replace the stored quote; raises ConcurrencyConflict on a version mismatch."""
        stored = self.get(quote.quote_id)
        same_request(stored, quote)
        check_version(stored.version, expected_version, "quote", quote.quote_id)
        self._s.execute(
            "UPDATE quotes SET status = ?, version = ?, data = ? WHERE quote_id = ?",
            (quote.status.value, quote.version, self._s.dumps(quote), quote.quote_id),
        )

    def list(
        self, *, status: QuoteStatus | None = None, customer_id: str | None = None
    ) -> Sequence[Quote]:
        """Quotes, optionally in one status and of one customer, by id."""
        where, params = [], []
        if status is not None:
            where.append("status = ?")
            params.append(status.value)
        if customer_id is not None:
            where.append("customer_id = ?")
            params.append(customer_id)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self._s.rows(f"SELECT data FROM quotes{clause} ORDER BY quote_id", params)
        return self._s.load_all(rows, Quote)


class SqliteCancellationLog(Repo):
    """Cancellation records in SQLite."""

    def add(self, record: CancellationRecord) -> None:
        """Append a record."""
        self._s.execute(
            "INSERT INTO cancellations (record_id, order_id, data) VALUES (?, ?, ?)",
            (record.record_id, record.order_id, self._s.dumps(record)),
        )

    def list(self) -> Sequence[CancellationRecord]:
        """Every record, oldest first."""
        rows = self._s.rows("SELECT data FROM cancellations ORDER BY seq")
        return self._s.load_all(rows, CancellationRecord)
