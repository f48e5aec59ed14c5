"""The extension point of routing: a strategy scores or excludes every candidate in one call.

A routing strategy is any callable that takes the line being routed (a
:class:`LineContext`) and the candidate locations for it (a sequence of
:class:`CandidateView`) and returns one score per candidate, in the same
order: a number (lower is better) or an :class:`Excluded` with the reason.
A plain function qualifies::

    >>> from omskit.routing.strategy import Excluded
    >>> def nearest_unless_low(line, candidates):
    ...     return [
    ...         Excluded("fewer than 5 units") if c.sellable - line.quantity < 5
    ...         else c.distance_km or 0.0
    ...         for c in candidates
    ...     ]

One call per line, not per location: a strategy can compute whatever it
needs once and score every candidate in a loop or a comprehension. A
strategy must be deterministic (same input, same scores) and must not
mutate its inputs; it never chooses quantities, the planner does. Hard
constraints (the location serves the channel, can ship, handles fragile or
hazardous goods, has sellable stock) are applied before any strategy runs:
a strategy only ever sees eligible candidates.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping, Sequence
from typing import Protocol, cast, runtime_checkable

import attrs

from omskit.errors import DefinitionError, InvalidInput
from omskit.geo import GeoPoint
from omskit.model import Location, Order, OrderLine, Product

__all__ = [
    "CandidateView",
    "Excluded",
    "LineContext",
    "RoutingStrategy",
    "Score",
    "check_scores",
    "check_strategy",
]


@attrs.frozen
class Excluded:
    """A strategy's verdict that a candidate must not fulfil the line, and why."""

    reason: str

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise InvalidInput("must be a non-blank string", path="reason", value=self.reason)


Score = float | int | Excluded
"""What a strategy returns per candidate: a number (lower is better) or :class:`Excluded`."""


@attrs.frozen
class CandidateView:
    """One eligible location for one line, as strategies see it."""

    location: Location
    sellable: int
    """Units of the line's SKU this location may sell to the order's channel, before this order.

    Lines of one order that share a SKU share this stock; the planner, not
    the strategy, decides how much each line takes.
    """
    distance_km: float | None
    """Great-circle distance to the delivery point (``None`` when the order has none)."""

    @property
    def location_id(self) -> str:
        """The location's id."""
        return self.location.location_id


@attrs.frozen
class LineContext:
    """The line being routed, with what a strategy may want to know about the order."""

    order: Order
    line: OrderLine
    product: Product
    origin: GeoPoint | None
    """The delivery point: the address, or the pickup store for click & collect."""
    workload: Mapping[str, int] = attrs.field(factory=dict)
    """Open order lines per location id (for load balancing); missing means none."""

    @property
    def sku(self) -> str:
        """The line's SKU."""
        return self.line.sku

    @property
    def quantity(self) -> int:
        """Units the line asks for."""
        return self.line.quantity

    @property
    def weight_grams(self) -> int:
        """Weight of the whole line."""
        return self.product.weight_grams * self.line.quantity


@runtime_checkable
class RoutingStrategy(Protocol):
    """Scores (lower is better) or excludes every candidate of a line, in candidate order."""

    def __call__(
        self, line: LineContext, candidates: Sequence[CandidateView], /
    ) -> Sequence[Score]:
        """One score per candidate, in candidate order."""
        ...


def check_strategy(strategy: object, *, name: str) -> RoutingStrategy:
    """Return ``strategy`` if it can be called as ``strategy(line, candidates)``.

    Raises :class:`~omskit.errors.DefinitionError` naming ``name`` otherwise,
    so a bad registration fails when it is made, not in the middle of an order.
    """
    if not callable(strategy):
        raise DefinitionError(f"routing strategy {name!r} is not callable: {strategy!r}")
    try:
        signature = inspect.signature(strategy)
    except (TypeError, ValueError):  # a builtin without a signature: trust it
        return strategy
    try:
        signature.bind(object(), ())
    except TypeError:
        raise DefinitionError(
            f"routing strategy {name!r} must accept (line, candidates); "
            f"its signature is {signature}"
        ) from None
    return strategy


def check_scores(scores: object, count: int, *, name: str) -> list[float | Excluded]:
    """Validate what a strategy returned for ``count`` candidates; return it as a list.

    Every entry must be a finite number or an :class:`Excluded`, and there
    must be exactly one per candidate. Raises
    :class:`~omskit.errors.DefinitionError` naming the strategy: a strategy
    that answers nonsense is a programming error, not a routing result.
    """
    try:
        values = list(scores)  # type: ignore[call-overload]
    except TypeError:
        raise DefinitionError(
            f"routing strategy {name!r} returned {type(scores).__name__}, not a sequence of scores"
        ) from None
    if len(values) != count:
        raise DefinitionError(
            f"routing strategy {name!r} returned {len(values)} scores for {count} candidates"
        )
    if all(type(v) is float and v - v == 0 for v in values):  # finite floats: the usual answer
        return cast("list[float | Excluded]", values)
    checked: list[float | Excluded] = []
    for index, value in enumerate(values):
        if isinstance(value, Excluded):
            checked.append(value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            if not math.isfinite(value):
                raise DefinitionError(
                    f"routing strategy {name!r} returned {value!r} for candidate {index}"
                )
            checked.append(float(value))
        else:
            raise DefinitionError(
                f"routing strategy {name!r} returned {value!r} for candidate {index}; "
                "expected a number or Excluded(reason)"
            )
    return checked
