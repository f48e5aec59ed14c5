"""Rules every store adapter enforces the same way: fixed owners, references, requests, versions."""

from __future__ import annotations

from omskit.errors import ConcurrencyConflict, InvalidInput
from omskit.model import Order, Quote

__all__ = ["check_version", "same_owner", "same_reference", "same_request"]


def same_owner(stored: str, new: str) -> None:
    """The order an entity belongs to never changes: InvalidInput when ``new`` differs."""
    if stored != new:
        raise InvalidInput(
            "the order an entity belongs to never changes", path="order_id", value=new
        )


def same_reference(stored: tuple[str, str], order: Order) -> None:
    """A stored order keeps its (channel, external_ref): InvalidInput when ``order`` moved it."""
    if stored != (str(order.channel), order.external_ref):
        raise InvalidInput(
            "the channel and external reference of a stored order never change",
            path="external_ref",
            value=order.external_ref,
        )


def same_request(stored: Quote, quote: Quote) -> None:
    """A stored quote keeps its request: InvalidInput when ``quote`` has another one."""
    if stored.request != quote.request:
        raise InvalidInput(
            "the request of a stored quote never changes; make a new quote instead",
            path="request",
        )


def check_version(stored: int, expected: int, kind: str, key: str) -> None:
    """Optimistic concurrency: refuse a write made from an older version of the entity."""
    if stored != expected:
        raise ConcurrencyConflict(
            f"{kind} {key!r} is at version {stored}, not {expected}; reload and retry",
            kind=kind,
            key=key,
        )
