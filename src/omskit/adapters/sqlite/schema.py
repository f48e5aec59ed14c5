"""The SQLite schema of omskit: a ``schema_version`` table and forward migrations.

Every entity is stored as the JSON omskit's converter writes
(:func:`omskit.serialization.to_json`) in a ``data`` column, beside the
columns repositories look things up by (SKU, location, order id, channel and
external reference, status, version, series counters; a hold's expiry as
whole microseconds since 1970 UTC, exact and sortable). Sequence columns
(``seq``) keep the order things were added in, where a repository promises
"oldest first" or "in the order they were issued".

:data:`MIGRATIONS` is the ordered list of forward migrations. Opening a
store applies, in one ``BEGIN IMMEDIATE`` transaction, every migration whose
version is above the highest one recorded in ``schema_version``, so two
processes opening a new file at once migrate it exactly once. A file whose
schema is newer than this omskit knows is refused. A new release never edits
a published migration: it appends one with the next version.

No foreign keys are declared: the ports let a shipment, payment or invoice
name an order the store does not hold (the memory store accepts it too), so
references between aggregates are the service's to keep. Connections turn
``foreign_keys`` on all the same, for migrations that add constraints.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from omskit.adapters._migrations import Migration, apply, checked

__all__ = ["MIGRATIONS", "Migration", "migrate", "schema_version"]


_INITIAL = (
    """CREATE TABLE locations (
        location_id TEXT PRIMARY KEY, data TEXT NOT NULL) WITHOUT ROWID""",
    """CREATE TABLE products (sku TEXT PRIMARY KEY, data TEXT NOT NULL) WITHOUT ROWID""",
    """CREATE TABLE customers (
        customer_id TEXT PRIMARY KEY, data TEXT NOT NULL) WITHOUT ROWID""",
    """CREATE TABLE stock (
        sku TEXT NOT NULL, location_id TEXT NOT NULL,
        on_hand INTEGER NOT NULL, reserved INTEGER NOT NULL, allocated INTEGER NOT NULL,
        data TEXT NOT NULL, PRIMARY KEY (sku, location_id)) WITHOUT ROWID""",
    """CREATE TABLE reservations (
        reservation_id TEXT PRIMARY KEY, sku TEXT NOT NULL, location_id TEXT NOT NULL,
        quantity INTEGER NOT NULL, order_id TEXT, cart_id TEXT, expires_us INTEGER,
        data TEXT NOT NULL) WITHOUT ROWID""",
    "CREATE INDEX reservations_by_order ON reservations (order_id) WHERE order_id IS NOT NULL",
    "CREATE INDEX reservations_by_cart ON reservations (cart_id) WHERE cart_id IS NOT NULL",
    "CREATE INDEX holds_by_sku ON reservations (sku, expires_us) WHERE expires_us IS NOT NULL",
    """CREATE TABLE ledger (
        seq INTEGER PRIMARY KEY, movement_id TEXT NOT NULL UNIQUE,
        sku TEXT NOT NULL, location_id TEXT NOT NULL, quantity INTEGER NOT NULL,
        data TEXT NOT NULL)""",
    "CREATE INDEX ledger_by_key ON ledger (sku, location_id, seq)",
    """CREATE TABLE orders (
        order_id TEXT PRIMARY KEY, channel TEXT NOT NULL, external_ref TEXT NOT NULL,
        status TEXT NOT NULL, version INTEGER NOT NULL, data TEXT NOT NULL,
        UNIQUE (channel, external_ref)) WITHOUT ROWID""",
    "CREATE INDEX orders_by_status ON orders (status, order_id)",
    """CREATE TABLE shipments (
        shipment_id TEXT PRIMARY KEY, order_id TEXT NOT NULL, data TEXT NOT NULL) WITHOUT ROWID""",
    "CREATE INDEX shipments_by_order ON shipments (order_id, shipment_id)",
    """CREATE TABLE invoices (
        seq INTEGER PRIMARY KEY, number TEXT NOT NULL UNIQUE, order_id TEXT NOT NULL,
        settled INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL)""",
    "CREATE INDEX invoices_by_order ON invoices (order_id, seq)",
    "CREATE INDEX invoices_unsettled ON invoices (seq) WHERE settled = 0",
    """CREATE TABLE invoice_series (
        series TEXT PRIMARY KEY, last_number INTEGER NOT NULL) WITHOUT ROWID""",
    """CREATE TABLE distance_sales (year INTEGER PRIMARY KEY, total TEXT NOT NULL)""",
    """CREATE TABLE payments (
        seq INTEGER PRIMARY KEY, payment_id TEXT NOT NULL UNIQUE, order_id TEXT NOT NULL,
        data TEXT NOT NULL)""",
    "CREATE INDEX payments_by_order ON payments (order_id, seq)",
    """CREATE TABLE returns (
        return_id TEXT PRIMARY KEY, order_id TEXT NOT NULL, data TEXT NOT NULL) WITHOUT ROWID""",
    "CREATE INDEX returns_by_order ON returns (order_id, return_id)",
    """CREATE TABLE quotes (
        quote_id TEXT PRIMARY KEY, channel TEXT NOT NULL, external_ref TEXT NOT NULL,
        customer_id TEXT, status TEXT NOT NULL, version INTEGER NOT NULL, data TEXT NOT NULL,
        UNIQUE (channel, external_ref)) WITHOUT ROWID""",
    "CREATE INDEX quotes_by_customer ON quotes (customer_id, quote_id)",
    """CREATE TABLE cancellations (
        seq INTEGER PRIMARY KEY, record_id TEXT NOT NULL, order_id TEXT NOT NULL,
        data TEXT NOT NULL)""",
    """CREATE TABLE tasks (
        task_id TEXT PRIMARY KEY, rule TEXT NOT NULL, subject TEXT NOT NULL,
        delivered INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL,
        UNIQUE (rule, subject)) WITHOUT ROWID""",
    "CREATE INDEX tasks_undelivered ON tasks (task_id) WHERE delivered = 0",
    """CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, event_type TEXT NOT NULL,
        published INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL)""",
    "CREATE INDEX outbox_pending ON outbox (seq) WHERE published = 0",
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "every repository of the unit of work and the outbox", _INITIAL),
)
"""The forward migrations of this omskit release, oldest first."""

_VERSION_TABLE = """CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY, description TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))"""


def schema_version(connection: sqlite3.Connection) -> int:
    """The highest migration applied to the database of ``connection`` (0 for a new file)."""
    found = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if found is None:
        return 0
    row = connection.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()
    return int(row[0])


def migrate(
    connection: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS
) -> tuple[int, ...]:
    """Bring the database up to the last of ``migrations``; return the versions applied now.

    ``connection`` must be in autocommit mode (``isolation_level=None``) with
    no transaction open. All pending migrations run in one ``BEGIN
    IMMEDIATE`` transaction: all of them are applied or none. Raises
    :class:`~omskit.errors.OmsError` when the file's schema is newer than
    ``migrations`` (written by a later omskit) and
    :class:`~omskit.errors.DefinitionError` for a badly numbered list.
    """
    steps = checked(migrations)
    connection.execute("BEGIN IMMEDIATE")
    try:
        connection.execute(_VERSION_TABLE)
        applied = apply(steps, schema_version(connection), connection.execute)
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return tuple(applied)
