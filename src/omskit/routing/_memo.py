"""A bounded memo of values derived from objects that never change, kept per object."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

_K = TypeVar("_K")
_V = TypeVar("_V")


class IdentityMemo(Generic[_K, _V]):
    """``make(key)`` per key object, found by identity; cleared when ``limit`` entries are kept.

    Only for keys that cannot change (a tuple, a frozen profile). Each entry
    keeps its key alive, so no other object can take that identity while
    the entry stands; a hit checks the key is the very object.
    """

    __slots__ = ("_limit", "_table")

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._table: dict[int, tuple[_K, _V]] = {}

    def get(self, key: _K, make: Callable[[_K], _V]) -> _V:
        """The value made for ``key``, made now if it is not kept."""
        found = self._table.get(id(key))
        if found is not None and found[0] is key:
            return found[1]
        value = make(key)
        if len(self._table) >= self._limit:
            self._table.clear()
        self._table[id(key)] = (key, value)
        return value
