"""The session of a SQLite unit of work: its connection and ``BEGIN IMMEDIATE``."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

import cattrs

from omskit.adapters._sql import Decoded, Repo, SqlSession
from omskit.errors import ConcurrencyConflict, OmsError

__all__ = ["Decoded", "Repo", "Session", "is_locked"]


def is_locked(error: sqlite3.OperationalError) -> bool:
    """Whether ``error`` says another connection held the database longer than the timeout."""
    text = str(error).lower()
    return "locked" in text or "busy" in text


class Session(SqlSession):
    """The connection and converter of one SQLite unit of work, and its open/closed state."""

    def __init__(self, converter: cattrs.Converter, decoded: Decoded | None = None) -> None:
        super().__init__(converter, decoded)
        self.connection: sqlite3.Connection | None = None

    def check(self) -> sqlite3.Connection:
        """The connection, with a transaction open; OmsError outside a ``with`` block."""
        if not self.active or self.connection is None:
            raise OmsError("use the unit of work inside a 'with' block before reading or writing")
        if not self.connection.in_transaction:
            self.begin()
        return self.connection

    def begin(self) -> None:
        """``BEGIN IMMEDIATE``: take the write lock now, waiting up to the busy timeout."""
        assert self.connection is not None
        try:
            self.connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if is_locked(error):
                raise ConcurrencyConflict(
                    "the database stayed locked by another writer for longer than the "
                    "busy timeout; retry later",
                    kind="database",
                ) from error
            raise

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        """Run one statement in the transaction."""
        return self.check().execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement once per parameter row, in the transaction."""
        self.check().executemany(sql, rows)
