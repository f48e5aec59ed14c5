"""The extension point of routing: a strategy scores or excludes every candidate in one call.

A routing strategy is any callable that takes the line being routed (a
:class:`LineContext`) and the candidate locations for it (a sequence of
:class:`CandidateView`) and returns one score per candidate, in the same
order: a number (lower is better) or an :class:`Excluded` with the reason.
A plain function qualifies::

    >>> from omskit.routing.strategy import Excluded
    >>> def nearest_unless_low(line, candidates):
    ...     return [
    ...         Excluded("fewer than 5 units") if c.sellable - line.sku_quantity < 5
    ...         else c.distance_km or 0.0
    ...         for c in candidates
    ...     ]

One call per line, not per location: a strategy can compute whatever it
needs once and score every candidate in a loop or a comprehension. A
strategy must be deterministic (same input, same scores) and must not
mutate its inputs; it never chooses quantities, the planner does. It
scores each candidate on its own: a candidate's score depends on the line
and that candidate, not on which other candidates are in the call. The
engine relies on that to score, on most lines, only the locations that
could fill the whole order; a strategy whose scores compare
candidates with each other declares ``pointwise = False`` (an attribute of
the function or class) and is then always called with every candidate (see
:func:`pointwise`). Hard constraints (the location serves the channel, can
ship, handles fragile or hazardous goods, has sellable stock) are applied
before any strategy runs: a strategy only ever sees eligible candidates,
and at least one (a line without any is not scored).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from itertools import compress, repeat
from numbers import Real
from operator import not_
from typing import NamedTuple, Protocol, cast, overload, runtime_checkable

import attrs

from omskit.errors import DefinitionError, InvalidInput
from omskit.geo import GeoPoint
from omskit.model import Location, Order, OrderLine, Product

__all__ = [
    "CandidateView",
    "Candidates",
    "Excluded",
    "LineContext",
    "RoutingStrategy",
    "Score",
    "check_scores",
    "checked_scores",
    "check_strategy",
    "pointwise",
]


class Excluded:
    """A strategy's verdict that a candidate must not fulfil the line, and why.

    Immutable; equal when the reasons are. A plain class rather than an
    attrs one: strategies make one per excluded candidate, so it is kept
    cheap to make. ``Excluded(reason)`` returns the same value for the same
    reason (for the first 4,096 distinct reasons), so a strategy
    that excludes half its candidates with one fixed reason pays a dictionary
    lookup per candidate, not a new object; compare verdicts with ``==``,
    never ``is``.
    """

    __slots__ = ("reason",)
    reason: str

    def __new__(cls, reason: str) -> Excluded:
        """The verdict with ``reason`` (a non-blank string)."""
        if cls is Excluded and type(reason) is str:
            found = _INTERNED.get(reason)
            if found is not None:
                return found
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidInput("must be a non-blank string", path="reason", value=reason)
        made = object.__new__(cls)
        object.__setattr__(made, "reason", reason)
        if cls is Excluded and type(reason) is str and len(_INTERNED) < _INTERNED_LIMIT:
            _INTERNED[reason] = made
        return made

    def __setattr__(self, name: str, value: object) -> None:
        raise attrs.exceptions.FrozenInstanceError()

    def __delattr__(self, name: str) -> None:
        raise attrs.exceptions.FrozenInstanceError()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Excluded) or other.__class__ is not self.__class__:
            return NotImplemented
        return self.reason == other.reason

    def __hash__(self) -> int:
        return hash((self.__class__, self.reason))

    def __repr__(self) -> str:
        return f"Excluded(reason={self.reason!r})"

    def __reduce__(self) -> tuple[type[Excluded], tuple[str]]:
        return (self.__class__, (self.reason,))


_INTERNED: dict[str, Excluded] = {}
_INTERNED_LIMIT = 4096
"""Distinct reasons :class:`Excluded` keeps one value of (later ones are made afresh)."""


Score = float | int | Excluded
"""What a strategy returns per candidate: a number (lower is better) or :class:`Excluded`."""


class _ViewFields(NamedTuple):
    location: Location
    sellable: int
    distance_km: float | None


_ViewFields.location.__doc__ = "The candidate location."
_ViewFields.sellable.__doc__ = """Units of the line's SKU this location may sell, before this order.

They are the units sellable to the order's channel. Lines of one order
that share a SKU share this stock; the planner, not the strategy, decides
how much each line takes."""
_ViewFields.distance_km.__doc__ = (
    "Great-circle distance to the delivery point (``None`` when the order has none)."
)


class CandidateView(_ViewFields):
    """One eligible location for one line, as strategies see it (an immutable triple).

    ``CandidateView(location, sellable, distance_km)``; compares as the tuple
    ``(location, sellable, distance_km)``. The fields are read as fast as a
    tuple is indexed (a named tuple's), since a strategy reads them once per
    candidate. Views are made only when a strategy iterates or indexes its
    candidates: the built-in strategies read the columns of
    :class:`Candidates` instead.
    """

    __slots__ = ()

    # The named tuple's own field readers, named here so that the reference documents them.
    location = _ViewFields.location
    sellable = _ViewFields.sellable
    distance_km = _ViewFields.distance_km

    @property
    def location_id(self) -> str:
        """The location's id."""
        return self[0].location_id

    def __repr__(self) -> str:
        return (
            f"CandidateView(location={self[0].location_id!r}, sellable={self[1]!r}, "
            f"distance_km={self[2]!r})"
        )


_new_view = tuple.__new__


class Candidates(Sequence[CandidateView]):
    """The eligible candidates of one line: a sequence of views, and the same data as columns.

    The engine passes one of these to every strategy. Iterating or indexing
    yields :class:`CandidateView` values (made once, on first use); a
    strategy that wants speed reads the columns, which are plain sequences
    in candidate order::

        def nearest_store_first(line, candidates):
            c = Candidates.of(candidates)
            return [
                (0.0 if loc.kind is LocationKind.STORE else 1.0) + (km or 0.0)
                for loc, km in zip(c.locations, c.distance_km)
            ]

    :meth:`of` accepts any sequence of views, so a strategy written this way
    also works when a test calls it with a plain list.
    """

    __slots__ = ("_views", "distance_km", "location_ids", "locations", "sellable")

    def __init__(
        self,
        locations: Sequence[Location],
        sellable: Sequence[int],
        distance_km: Sequence[float | None],
        location_ids: Sequence[str] | None = None,
    ) -> None:
        if not len(locations) == len(sellable) == len(distance_km):
            raise InvalidInput("the columns of Candidates must have the same length")
        self.locations = locations
        """The candidate locations."""
        self.sellable = sellable
        """Sellable units per candidate (see :attr:`CandidateView.sellable`)."""
        self.distance_km = distance_km
        """Great-circle km per candidate (``None`` when the order has no delivery point)."""
        self.location_ids = (
            [loc.location_id for loc in locations] if location_ids is None else location_ids
        )
        """The location id per candidate."""
        self._views: list[CandidateView] | None = None

    @classmethod
    def of(cls, candidates: Sequence[CandidateView]) -> Candidates:
        """``candidates`` as columns (itself if it already is a :class:`Candidates`)."""
        if type(candidates) is Candidates or isinstance(candidates, Candidates):
            return candidates
        views = list(candidates)
        return cls(
            [v.location for v in views], [v.sellable for v in views], [v.distance_km for v in views]
        )

    def views(self) -> list[CandidateView]:
        """Every candidate as a :class:`CandidateView`, in order."""
        if self._views is None:
            self._views = list(
                map(
                    _new_view,
                    repeat(CandidateView),
                    # The columns have one length (checked when made); a strict zip would
                    # make a new tuple per view where this one reuses its own.
                    zip(self.locations, self.sellable, self.distance_km, strict=False),
                )
            )
        return self._views

    def __len__(self) -> int:
        return len(self.locations)

    @overload
    def __getitem__(self, index: int) -> CandidateView: ...

    @overload
    def __getitem__(self, index: slice) -> list[CandidateView]: ...

    def __getitem__(self, index: int | slice) -> CandidateView | list[CandidateView]:
        return self.views()[index]

    def __iter__(self) -> Iterator[CandidateView]:
        return iter(self.views())

    def __repr__(self) -> str:
        return f"Candidates({', '.join(self.location_ids)})"


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
    def sku_quantity(self) -> int:
        """Units the whole order asks of the line's SKU: this line's and any other line's.

        Lines of one order that share a SKU share its stock (see
        :attr:`CandidateView.sellable`), so a rule about what a location keeps
        after the order (as ``min_stock``) reads this, not :attr:`quantity`.
        """
        sku = self.line.sku
        lines = self.order.lines
        if len(lines) == 1:
            return self.line.quantity
        return sum([line.quantity for line in lines if line.sku == sku])

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


def pointwise(strategy: object) -> bool:
    """Whether ``strategy`` scores each candidate on its own (unless it says ``pointwise = False``).

    ``True`` for every built-in and for any strategy without the attribute.
    The router reads it once per profile (the first time the profile
    routes), so declare it with the strategy, not later::

        >>> def relative_distance(line, candidates):
        ...     nearest = min(c.distance_km or 0.0 for c in candidates)
        ...     return [(c.distance_km or 0.0) - nearest for c in candidates]
        >>> relative_distance.pointwise = False
        >>> pointwise(relative_distance)
        False
    """
    return getattr(strategy, "pointwise", True) is not False


def check_strategy(strategy: object, *, name: str) -> RoutingStrategy:
    """Return ``strategy`` if it can be called as ``strategy(line, candidates)``.

    Raises :class:`~omskit.errors.DefinitionError` naming ``name`` otherwise,
    so a bad registration fails when it is made, not in the middle of an order.
    """
    if not callable(strategy):
        raise DefinitionError(f"routing strategy {name!r} is not callable: {strategy!r}")
    if isinstance(strategy, type):
        raise DefinitionError(
            f"routing strategy {name!r} is the class {strategy.__name__}, not a strategy: "
            "give an instance, or register the class as a factory (factory=True)"
        )
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


_FLOAT = {float}
_FLOAT_OR_EXCLUDED = {float, Excluded}


def check_scores(scores: object, count: int, *, name: str) -> list[float | Excluded]:
    """Validate what a strategy returned for ``count`` candidates; return it as a list.

    Every entry must be a finite number (any real: ``int``, ``float``,
    ``Decimal``, ``Fraction``, NumPy's scalars; taken as a float) or an
    :class:`Excluded`, and there must be exactly one per candidate. Raises
    :class:`~omskit.errors.DefinitionError` naming the strategy: a strategy
    that answers nonsense is a programming error, not a routing result.
    """
    return checked_scores(scores, count, name=name)[0]


def checked_scores(scores: object, count: int, *, name: str) -> tuple[list[float | Excluded], bool]:
    """:func:`check_scores`, and whether any candidate was excluded."""
    values, flags = _checked_flags(scores, count, name=name)
    return values, flags is not None


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


def _checked_flags(
    scores: object, count: int, *, name: str
) -> tuple[list[float | Excluded], list[bool] | None]:
    """:func:`check_scores`, and which candidates are excluded (``None``: none is)."""
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
    types = set(map(type, values))
    if types <= _FLOAT and math.isfinite(sum(values)):
        return cast("list[float | Excluded]", values), None  # finite floats: the usual answer
    if types <= _FLOAT_OR_EXCLUDED:
        # Only floats and Excluded (of those very types): the others are the numbers.
        flags = list(map(isinstance, values, repeat(Excluded)))
        if math.isfinite(sum(compress(values, map(not_, flags)))):
            # (All floats would have passed above unless their sum overflowed: so some are
            # Excluded here.)
            return cast("list[float | Excluded]", values), flags
    checked: list[float | Excluded] = []
    excluded = False
    for index, value in enumerate(values):
        if isinstance(value, Excluded):
            checked.append(value)
            excluded = True
        elif not isinstance(value, bool) and isinstance(value, Real | Decimal):
            try:
                number = float(value)
            except OverflowError:
                number = math.inf
            except ValueError:  # a signalling NaN
                number = math.nan
            if not math.isfinite(number):
                raise DefinitionError(
                    f"routing strategy {name!r} returned {_short(value)} for candidate {index}: "
                    "a score must be a finite number"
                )
            checked.append(number)
        else:
            raise DefinitionError(
                f"routing strategy {name!r} returned {value!r} for candidate {index}; "
                "expected a number or Excluded(reason)"
            )
    return checked, list(map(isinstance, checked, repeat(Excluded))) if excluded else None
