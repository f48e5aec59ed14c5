"""What the SQL stores share: the session a repository talks to, JSON in and out, shared checks.

The SQLite and PostgreSQL adapters run the same repository classes (in
:mod:`omskit.adapters.sqlite`) over a :class:`SqlSession`: the repositories
write portable SQL with ``?`` placeholders and ``INSERT ... ON CONFLICT``
upserts; each adapter's session runs it on its own connection (the
PostgreSQL one turns ``?`` into psycopg's ``%s``).
"""

from __future__ import annotations

import threading
import weakref
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import Any, Generic, Protocol, Self, TypeVar, cast

import cattrs

from omskit.errors import NotFound, OmsError
from omskit.serialization import from_json, to_json

__all__ = ["Closable", "ConnectionPerThread", "Cursor", "Decoded", "Repo", "SqlSession"]

T = TypeVar("T")


class Closable(Protocol):
    """A database connection, as far as closing it goes."""

    def close(self) -> None:
        """Close the connection."""


C = TypeVar("C", bound=Closable)


def _close_all(connections: list[Any]) -> None:
    while connections:
        connections.pop().close()


class ConnectionPerThread(Generic[C]):
    """The base of the SQL stores: a connection per thread, all closed by :meth:`close`."""

    def _start_connections(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[C] = []
        self._closed = False
        self._finalizer = weakref.finalize(self, _close_all, self._connections)

    def _known(self) -> C | None:
        """The calling thread's connection, if it has one; OmsError once the store is closed."""
        if self._closed:
            raise OmsError(f"{self!r} is closed; open a new {type(self).__name__}")
        connection: C | None = getattr(self._local, "connection", None)
        return connection

    def _keep(self, connection: C) -> C:
        """Remember ``connection`` as the calling thread's (closed with the store)."""
        with self._lock:
            self._connections.append(connection)
        self._local.connection = connection
        return connection

    def close(self) -> None:
        """Close every connection of this store; using it afterwards raises OmsError."""
        self._closed = True
        with self._lock:
            self._finalizer()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class Cursor(Protocol):
    """The part of a DB-API cursor the repositories use."""

    @property
    def rowcount(self) -> int:
        """Rows the last statement changed."""

    def fetchone(self) -> Any:
        """The next row or ``None``."""

    def fetchall(self) -> list[Any]:
        """Every remaining row."""


class Decoded:
    """Entities already read back from JSON, by (class, text), shared by a store's units of work.

    Entities are immutable, so the same text always stands for an equal
    value and handing out one instance twice is safe; reading it back is the
    costly part of a read. Bounded: emptied when it holds ``size`` entries.
    """

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._values: dict[tuple[type[Any], str], Any] = {}

    def get(self, cls: type[T], text: str, load: Callable[[str, type[T]], T]) -> T:
        """The ``cls`` stored as ``text``, read with ``load`` unless it was read before."""
        key = (cls, text)
        found = self._values.get(key)
        if found is None:
            found = load(text, cls)
            if len(self._values) >= self._size:
                self._values.clear()
            self._values[key] = found
        return cast(T, found)


class SqlSession(ABC):
    """The converter of one unit of work and its open/closed state; subclasses run the SQL."""

    claim_rows = ""
    """What a query that claims rows for this transaction ends with (PostgreSQL's
    ``FOR UPDATE SKIP LOCKED``; nothing where a unit of work runs alone anyway)."""

    def __init__(self, converter: cattrs.Converter, decoded: Decoded | None = None) -> None:
        self.converter = converter
        self.decoded = decoded if decoded is not None else Decoded()
        self.active = False

    @abstractmethod
    def begin(self) -> None:
        """Open the transaction (and take the store's write lock)."""

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        """Run one statement in the transaction (opening it if needed)."""

    @abstractmethod
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement once per parameter row, in the transaction."""

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Every row ``sql`` returns."""
        return self.execute(sql, params).fetchall()

    def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first row ``sql`` returns, or ``None``."""
        return self.execute(sql, params).fetchone()

    def dumps(self, value: object) -> str:
        """``value`` as JSON text."""
        return to_json(value, converter=self.converter)

    def load(self, text: str, cls: type[T]) -> T:
        """The ``cls`` stored as ``text``."""
        return self.decoded.get(cls, text, self._from_json)

    def _from_json(self, text: str, cls: type[T]) -> T:
        return from_json(text, cls, converter=self.converter)

    def load_all(self, rows: Iterable[Any], cls: type[T]) -> tuple[T, ...]:
        """The ``cls`` values in the first column of ``rows``."""
        return tuple(self.load(row[0], cls) for row in rows)

    def data(self, table: str, key_column: str, key: str) -> str | None:
        """The ``data`` of the row of ``table`` whose ``key_column`` is ``key``."""
        row = self.one(f"SELECT data FROM {table} WHERE {key_column} = ?", (key,))
        return None if row is None else str(row[0])

    def exists(self, table: str, key_column: str, key: str) -> bool:
        """Whether ``table`` has a row whose ``key_column`` is ``key``."""
        return self.one(f"SELECT 1 FROM {table} WHERE {key_column} = ?", (key,)) is not None

    def existing(self, table: str, key_column: str, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` ``table`` has a row for, in one query per 500 keys."""
        found: set[str] = set()
        for chunk in _chunks(keys):
            marks = ", ".join("?" * len(chunk))
            rows = self.rows(
                f"SELECT {key_column} FROM {table} WHERE {key_column} IN ({marks})", chunk
            )
            found.update(str(row[0]) for row in rows)
        return found

    def mark(self, table: str, key_column: str, flag: str, keys: Sequence[str], kind: str) -> None:
        """Set ``flag`` on the rows of ``keys``, all or none: an unknown key raises NotFound."""
        found = self.existing(table, key_column, keys)
        for key in keys:
            if key not in found:
                raise NotFound(kind=kind, key=key)
        for chunk in _chunks(keys):
            marks = ", ".join("?" * len(chunk))
            self.execute(f"UPDATE {table} SET {flag} = 1 WHERE {key_column} IN ({marks})", chunk)


_CHUNK = 500
"""Keys per ``IN (...)`` list: well under SQLite's limit of bound parameters."""


def _chunks(keys: Sequence[str]) -> list[Sequence[str]]:
    return [keys[start : start + _CHUNK] for start in range(0, len(keys), _CHUNK)]


class Repo:
    """The base of the SQL repositories: a session and the get/find by key they share."""

    def __init__(self, session: SqlSession) -> None:
        self._s = session

    def _get(self, table: str, key_column: str, key: str, cls: type[T], kind: str) -> T:
        found = self._find(table, key_column, key, cls)
        if found is None:
            raise NotFound(kind=kind, key=key)
        return found

    def _find(self, table: str, key_column: str, key: str, cls: type[T]) -> T | None:
        text = self._s.data(table, key_column, key)
        return None if text is None else self._s.load(text, cls)
