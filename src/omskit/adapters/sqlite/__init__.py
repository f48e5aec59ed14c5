"""The SQLite adapter: omskit's state in one file, with the standard library's ``sqlite3``.

:class:`SqliteStore` implements :class:`~omskit.ports.Store` and every
repository of the unit of work, the transactional outbox included; the
schema is created and migrated by omskit (:mod:`omskit.adapters.sqlite.schema`).
``Oms("shop.db")`` opens one.
"""

from omskit.adapters.sqlite.schema import MIGRATIONS, Migration, migrate
from omskit.adapters.sqlite.store import SqliteStore, SqliteUnitOfWork

__all__ = ["MIGRATIONS", "Migration", "SqliteStore", "SqliteUnitOfWork", "migrate"]
