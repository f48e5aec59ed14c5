"""The one error tree of omskit.

Every error omskit raises on purpose descends from :class:`OmsError`. Each
branch also subclasses the builtin exception it resembles, so callers that
already catch ``ValueError`` or ``LookupError`` keep working::

    OmsError (Exception)
    ├── InvalidInput (ValueError)            bad data from outside; carries ``path``
    ├── DomainRuleViolation (ValueError)     a business rule forbids the request
    │   ├── InsufficientStock                ``sku``, ``location_id``, ``requested``, ``available``
    │   ├── IllegalTransition                ``entity``, ``entity_id``, ``state``, ``event``
    │   │   └── GuardRefused                 ... and ``guard``, ``description``
    │   ├── CancelRefused                    ``order_id``, ``stage``, ``reason``
    │   └── ChangeRefused                    ``order_id``, ``stage``, ``reason``
    ├── NotFound (LookupError)               ``kind``, ``key``
    │   └── UnknownName                      ``kind``, ``key``, ``known`` (a registry look-up)
    ├── Conflict (ValueError)                the request clashes with stored state
    │   ├── AlreadyExists                    ``kind``, ``key``
    │   └── IdempotencyConflict              ``channel``, ``external_ref``, ``existing_order_id``
    ├── ConcurrencyConflict (RuntimeError)   a concurrent writer won; retry the call
    ├── GatewayError (RuntimeError)          an external system failed; ``gateway``
    └── DefinitionError (TypeError)          a bad lifecycle table, registry or configuration

Errors carry structured fields (use them in code) and a message a person can
read (use it in logs). Adapters translate driver errors into this vocabulary.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AlreadyExists",
    "CancelRefused",
    "ChangeRefused",
    "ConcurrencyConflict",
    "Conflict",
    "DefinitionError",
    "DomainRuleViolation",
    "GatewayError",
    "GuardRefused",
    "IdempotencyConflict",
    "IllegalTransition",
    "InsufficientStock",
    "InvalidInput",
    "NotFound",
    "OmsError",
    "UnknownName",
]


class OmsError(Exception):
    """Root of every error omskit raises on purpose.

    ``message`` is the human-readable text; subclasses add structured fields.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuild without calling __init__ (subclasses take keyword-only fields),
        # so errors survive pickling across process pools and task queues.
        return (_rebuild, (type(self), self.args, dict(vars(self))))

    def details(self) -> dict[str, Any]:
        """Return the structured fields of this error as a plain dict (for logs and APIs)."""
        return {
            key: value
            for key, value in vars(self).items()
            if not key.startswith("_") and key not in {"message", "args"}
        }


def _rebuild(cls: type[OmsError], args: tuple[Any, ...], state: dict[str, Any]) -> OmsError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class InvalidInput(OmsError, ValueError):
    """Data from outside omskit is malformed or out of range.

    ``path`` names the offending field, e.g. ``lines[2].quantity``; it is empty
    when the whole value is wrong. ``value`` is the rejected value, when known.
    """

    def __init__(self, message: str, *, path: str = "", value: Any = None) -> None:
        self.path = path
        self.value = value
        super().__init__(f"{path}: {message}" if path else message)
        self.reason = message

    def at(self, prefix: str) -> InvalidInput:
        """Return a copy of this error whose ``path`` is nested under ``prefix``."""
        if not prefix:
            return self
        path = f"{prefix}{'' if self.path.startswith('[') or not self.path else '.'}{self.path}"
        return InvalidInput(self.reason, path=path, value=self.value)


class DomainRuleViolation(OmsError, ValueError):
    """A well-formed request that a business rule forbids."""


class InsufficientStock(DomainRuleViolation):
    """Fewer units can be taken than were asked for.

    Routing never raises this (running out of stock is a routing *result*);
    explicit stock operations such as a manual reservation do, and so does
    placing an order whose waiting units would pass the product's
    ``waiting_cap`` (then ``location_id`` is ``None`` and ``available`` is
    how many more units may still wait).
    """

    def __init__(
        self, *, sku: str, location_id: str | None, requested: int, available: int
    ) -> None:
        self.sku = sku
        self.location_id = location_id
        self.requested = requested
        self.available = available
        where = f" at location {location_id!r}" if location_id else ""
        super().__init__(
            f"insufficient stock of {sku!r}{where}: requested {requested}, available {available}"
        )


class IllegalTransition(DomainRuleViolation):
    """An event that the lifecycle table does not allow in the entity's current state."""

    def __init__(self, *, entity: str, entity_id: str, state: str, event: str) -> None:
        self.entity = entity
        self.entity_id = entity_id
        self.state = state
        self.event = event
        super().__init__(
            f"{entity} {entity_id!r} is {state!r}; the event {event!r} is not allowed there"
        )


class GuardRefused(IllegalTransition):
    """The table allows the event in this state, but one of the row's guards does not hold."""

    def __init__(
        self, *, entity: str, entity_id: str, state: str, event: str, guard: str, description: str
    ) -> None:
        self.entity = entity
        self.entity_id = entity_id
        self.state = state
        self.event = event
        self.guard = guard
        self.description = description
        why = f" ({description})" if description else ""
        DomainRuleViolation.__init__(
            self,
            f"{entity} {entity_id!r} is {state!r}; the event {event!r} needs "
            f"{guard!r}{why}, which does not hold",
        )


class CancelRefused(DomainRuleViolation):
    """A cancel request arrived after the point of no return (or the warehouse refused it)."""

    def __init__(self, *, order_id: str, stage: str, reason: str) -> None:
        self.order_id = order_id
        self.stage = stage
        self.reason = reason
        super().__init__(f"order {order_id!r} cannot be cancelled at stage {stage!r}: {reason}")


class ChangeRefused(DomainRuleViolation):
    """An order change (address, an added product) came too late, or the warehouse refused it."""

    def __init__(self, *, order_id: str, stage: str, reason: str) -> None:
        self.order_id = order_id
        self.stage = stage
        self.reason = reason
        super().__init__(f"order {order_id!r} cannot be changed at stage {stage!r}: {reason}")


class NotFound(OmsError, LookupError):
    """A referenced entity does not exist. ``kind`` names what was looked up.

    ``path`` names the request field that held the reference, when there was
    one (e.g. ``lines[1].sku``).
    """

    def __init__(self, *, kind: str, key: str, path: str = "") -> None:
        self.kind = kind
        self.key = key
        self.path = path
        where = f"{path}: " if path else ""
        super().__init__(f"{where}no {kind} with key {key!r}")


class UnknownName(NotFound):
    """A registry has nothing under the name asked for; ``known`` lists what it has."""

    def __init__(self, *, kind: str, key: str, known: tuple[str, ...]) -> None:
        super().__init__(kind=kind, key=key)
        self.known = known
        listed = ", ".join(known) if known else "none"
        self.message = f"no {kind} named {key!r}; known: {listed}"
        self.args = (self.message,)


class Conflict(OmsError, ValueError):
    """The request clashes with state that is already stored."""


class AlreadyExists(Conflict):
    """An entity with the same key is already registered with different data."""

    def __init__(self, *, kind: str, key: str) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"a different {kind} with key {key!r} already exists")


class IdempotencyConflict(Conflict):
    """A different request was sent under an idempotency key that is already used."""

    def __init__(self, *, channel: str, external_ref: str, existing_order_id: str) -> None:
        self.channel = channel
        self.external_ref = external_ref
        self.existing_order_id = existing_order_id
        super().__init__(
            f"channel {channel!r} already placed order {existing_order_id!r} under reference "
            f"{external_ref!r} with different content; use a new reference for a new order"
        )


class ConcurrencyConflict(OmsError, RuntimeError):
    """A concurrent writer changed the same data first; the call may be retried."""

    def __init__(self, message: str, *, kind: str = "", key: str = "") -> None:
        self.kind = kind
        self.key = key
        super().__init__(message)


class GatewayError(OmsError, RuntimeError):
    """An external system (warehouse, carrier, payment...) failed or answered nonsense."""

    def __init__(self, message: str, *, gateway: str) -> None:
        self.gateway = gateway
        super().__init__(f"{gateway}: {message}")


class DefinitionError(OmsError, TypeError):
    """A definition supplied by the integrator is unusable.

    Raised for bad lifecycle tables, bad strategy registrations and invalid
    configuration documents, at definition time rather than in the middle of
    an order.
    """
