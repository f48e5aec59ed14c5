"""Candidate stock judged against the hard constraints, memoised per stock list.

The routing engine and its express path both read a SKU's stock list
through :func:`_eligible`: the locations that may fulfil a kind of line
(channel, product handling, pickup) with their units and unit vectors,
judged once per stock tuple and shared by every order that routes against
it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import cast

from omskit.availability.eligibility import exclusion
from omskit.errors import InvalidInput
from omskit.geo import _trig, _Vector
from omskit.model import Capability, Channel, Location, Product
from omskit.routing.planner import _Units

_VerdictKey = tuple[Channel, tuple[bool, bool], str | None, bool]
_Memo = dict[int, tuple[Location, str | None, _Vector]]
_VERDICTS: dict[_VerdictKey, _Memo] = {}
_VERDICTS_LIMIT = 65_536


def _verdicts(key: _VerdictKey) -> _Memo:
    """The memo of hard-constraint verdicts for one kind of line, shared across orders.

    ``key`` is what a verdict depends on besides the location: channel,
    product handling, pickup location, whether the pickup takes transfers.
    Entries are keyed by the location object's identity and keep the
    object, so a hit is checked to be the very same location (a changed
    location is judged afresh). Bounded: cleared at ``_VERDICTS_LIMIT``.
    """
    found = _VERDICTS.get(key)
    if found is None:
        if len(_VERDICTS) >= 256:
            _VERDICTS.clear()
        found = _VERDICTS[key] = {}
    elif len(found) >= _VERDICTS_LIMIT:
        found.clear()
    return found


def _judge(
    location: Location, key: _VerdictKey, product: Product, memo: _Memo
) -> tuple[Location, str | None, _Vector]:
    """The location's verdict for ``key`` and its unit vector, kept in ``memo``."""
    channel, _, pickup_id, no_transfers = key
    verdict = exclusion(location, channel=channel, product=product, pickup_location_id=pickup_id)
    if verdict is None and no_transfers and location.location_id != pickup_id:
        verdict = f"the pickup location {pickup_id} does not receive transfers"
    point = location.point
    found = memo[id(location)] = (location, verdict, _trig(point.lat, point.lon))
    return found


class _Eligible:
    """One SKU's stock list judged for one kind of line: the candidates with stock, and the rest.

    The columns are tuples (shared by every order that routes the same
    stock list, so nobody may change them); ``vectors`` are the candidates'
    unit vectors, for their distances to each order's delivery point;
    ``entries`` is the judged stock list itself (kept, see :func:`_eligible`).
    """

    __slots__ = (
        "_capable",
        "_held",
        "_location_of",
        "_vector_of",
        "entries",
        "hard",
        "ids",
        "locations",
        "snapshot",
        "total",
        "units",
        "vectors",
    )

    def __init__(
        self, entries: Sequence[tuple[Location, int]], key: _VerdictKey, product: Product
    ) -> None:
        memo = _verdicts(key)
        locations: list[Location] = []
        units: list[int] = []
        vectors: list[_Vector] = []
        hard: list[tuple[Location, int, str]] = []
        for location, sellable in entries:
            found = memo.get(id(location))
            if found is None or found[0] is not location:
                found = _judge(location, key, product, memo)
            reason = found[1]
            if reason is None and sellable > 0:
                locations.append(location)
                units.append(sellable)
                vectors.append(found[2])
            else:
                hard.append((location, sellable, reason or "no sellable stock"))
        self.entries = entries
        self.snapshot: list[tuple[Location, int]] | None = None
        """The judged pairs as a list, when the stock list given was not a tuple."""
        self.locations = tuple(locations)
        self.units = tuple(units)
        self.ids = tuple([location.location_id for location in locations])
        self.vectors = tuple(vectors)
        self.hard = tuple(hard)
        self.total = sum(units)
        """Every candidate's units together."""
        self._held: _Units | None = None
        self._vector_of: dict[str, _Vector] | None = None
        self._location_of: dict[str, Location] | None = None
        self._capable: dict[frozenset[Capability], frozenset[str]] = {}

    def held(self) -> _Units:
        """Units per candidate id, as the planner reads them (made once, never changed)."""
        if self._held is None:
            self._held = _Units(zip(self.ids, self.units, strict=True))
        return self._held

    def vector_of(self) -> dict[str, _Vector]:
        """Each candidate's unit vector by location id (made once, never changed)."""
        if self._vector_of is None:
            self._vector_of = dict(zip(self.ids, self.vectors, strict=True))
        return self._vector_of

    def location_of(self) -> dict[str, Location]:
        """Each candidate location by id (made once, never changed)."""
        if self._location_of is None:
            self._location_of = dict(zip(self.ids, self.locations, strict=True))
        return self._location_of

    def capable(self, needed: frozenset[Capability]) -> frozenset[str]:
        """The candidates whose location has every capability in ``needed`` (memoised)."""
        found = self._capable.get(needed)
        if found is None:
            found = self._capable[needed] = frozenset(
                [loc.location_id for loc in self.locations if needed <= loc.capabilities]
            )
        return found


_ELIGIBLE: dict[tuple[int, _VerdictKey], _Eligible] = {}
_ELIGIBLE_LIMIT = 4096


def _eligible(
    entries: Sequence[tuple[Location, int]], key: _VerdictKey, product: Product
) -> _Eligible:
    """``entries`` judged for ``key``; memoised per stock sequence.

    A tuple of (location, units) pairs cannot change, so its verdicts can be
    kept while the tuple lives: entries are keyed by its identity and keep
    it alive, so no other object can take that identity while the entry
    stands. Any other sequence (a list the caller may change) is keyed by
    its identity too, but a hit counts only when its pairs are still those
    judged (a snapshot of them is kept and compared, a C-speed walk that
    passes over identical pairs; a list is compared as it is, without a
    copy). Bounded: cleared at ``_ELIGIBLE_LIMIT``
    entries.
    """
    memo_key = (id(entries), key)
    found = _ELIGIBLE.get(memo_key)
    if type(entries) is tuple:
        if found is not None and found.entries is entries:
            return found
        _pairs(entries, product.sku)
        judged = entries
        snapshot = None
    elif type(entries) is list:
        # Compared with the list of the pairs judged: the pairs still in place compare
        # by identity, so an unchanged list costs no copy.
        if found is not None and found.snapshot == entries:
            return found
        judged = _pairs(entries, product.sku)
        snapshot = list(judged)
    else:
        judged = _pairs(entries, product.sku)
        if found is not None and found.entries == judged:
            return found
        snapshot = None
    if len(_ELIGIBLE) >= _ELIGIBLE_LIMIT:
        _ELIGIBLE.clear()
    found = _ELIGIBLE[memo_key] = _Eligible(judged, key, product)
    found.snapshot = snapshot
    return found


def _pairs(entries: object, sku: str) -> tuple[tuple[Location, int], ...]:
    """``entries`` as (location, sellable units) pairs, each location once.

    Raises :class:`~omskit.errors.InvalidInput` at the first entry that is
    not such a pair (``stock.SKU[2]``, ``stock.SKU[2][1]``) or that names a
    location listed before it: a SKU's stock list holds one row per location.
    """
    path = f"stock.{sku}"
    try:
        rows = tuple(cast("Iterable[Iterable[object]]", entries))
    except TypeError:
        raise InvalidInput(
            "must be a sequence of (location, sellable units) pairs", path=path
        ) from None
    pairs: list[tuple[Location, int]] = []
    seen: set[str] = set()
    for index, row in enumerate(rows):
        at = f"{path}[{index}]"
        try:
            location, units = cast("tuple[object, object]", tuple(row))
        except (TypeError, ValueError):
            raise InvalidInput("must be a (location, sellable units) pair", path=at) from None
        if not isinstance(location, Location):
            raise InvalidInput(
                f"must be a Location, not {type(location).__name__}", path=f"{at}[0]"
            )
        if type(units) is not int:
            raise InvalidInput("must be a whole number of units", path=f"{at}[1]", value=units)
        location_id = location.location_id
        if location_id in seen:
            raise InvalidInput(
                f"lists location {location_id!r} again: one row per location", path=at
            )
        seen.add(location_id)
        # The row itself when it is a pair already: a memo hit compares the rows by identity.
        pair = cast("tuple[Location, int]", row) if type(row) is tuple else (location, units)
        pairs.append(pair)
    return tuple(pairs)
