"""The PostgreSQL adapter: omskit's state in a PostgreSQL database, with psycopg 3.

:class:`PostgresStore` implements :class:`~omskit.ports.Store` and every
repository of the unit of work, the transactional outbox included, with the
same repository classes (and so the same SQL) as
:mod:`omskit.adapters.sqlite`; the schema is created and migrated by omskit
(:mod:`omskit.adapters.postgres.schema`). Needs the ``postgres`` extra
(``pip install omskit[postgres]``).
"""

from omskit.adapters.postgres.schema import MIGRATIONS, migrate
from omskit.adapters.postgres.store import PostgresStore, PostgresUnitOfWork

__all__ = ["MIGRATIONS", "PostgresStore", "PostgresUnitOfWork", "migrate"]
