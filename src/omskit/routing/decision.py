"""Routing decisions that explain themselves (DESIGN rule 9)."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from omskit.model import Allocation
from omskit.money import Money

__all__ = ["ALL_EXCLUDED", "NO_STOCK", "CandidateNote", "LineDecision", "RoutingDecision"]


NO_STOCK = "no eligible location has sellable stock"
"""A line's ``decided_by`` when no eligible location holds any of its SKU."""
ALL_EXCLUDED = "every eligible location with stock is excluded by a rule"
"""A line's ``decided_by`` when the profile's rules exclude every candidate."""


@attrs.frozen
class CandidateNote:
    """What the router thought of one location for one line.

    ``taken`` is how many units it assigned there; ``reason`` says why in
    words a person understands.
    """

    location_id: str
    distance_km: float | None
    sellable: int
    taken: int
    excluded: bool
    reason: str
    scores: tuple[tuple[str, float | None], ...] = ()
    """Each rule's score for this candidate, by rule name (``None``: the rule excluded it)."""
    excluded_by: str | None = None
    """The rule that excluded the candidate, or ``"eligibility"`` for a hard constraint."""
    rank: int | None = None
    """The candidate's place in the line's ranking (0 is best), if it was ranked."""


Notes = tuple[CandidateNote, ...]


@attrs.frozen(eq=False)
class LineDecision:
    """Where one order line ships from, and what is left unfilled.

    ``candidates`` (and ``deciding_rule``) may be given as the value or as a
    function that makes it: the engine passes functions, so a decision
    nobody reads the explanation of costs no notes; the first read makes
    them and keeps them. Equality compares the notes too.
    """

    line_id: str
    sku: str
    quantity: int
    allocations: tuple[Allocation, ...]
    unfulfilled: int
    _notes: Notes | Callable[[], Notes] = attrs.field(alias="candidates", repr=False)
    decided_by: str
    _deciding_rule: str | Callable[[], str | None] | None = attrs.field(
        default=None, alias="deciding_rule", repr=False
    )

    @property
    def candidates(self) -> Notes:
        """What the router thought of every candidate location, best ranked first."""
        notes = self._notes
        if callable(notes):
            notes = notes()
            object.__setattr__(self, "_notes", notes)
        return notes

    @property
    def deciding_rule(self) -> str | None:
        """The rule that put the best candidate ahead of the second (``None``: fewer than two).

        Like :attr:`candidates`, it may be given as a function that finds it,
        called on the first read.
        """
        rule = self._deciding_rule
        if callable(rule):
            rule = rule()
            object.__setattr__(self, "_deciding_rule", rule)
        return rule

    @property
    def allocated(self) -> int:
        """Units assigned to locations."""
        return sum(a.quantity for a in self.allocations)

    def _values(self) -> tuple[object, ...]:
        return (
            self.line_id,
            self.sku,
            self.quantity,
            self.allocations,
            self.unfulfilled,
            self.candidates,
            self.decided_by,
            self.deciding_rule,
        )

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, LineDecision)
        return self._values() == other._values()

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self) -> int:
        return hash(self._values())


@attrs.frozen
class RoutingDecision:
    """The routing of a whole order: one :class:`LineDecision` per line."""

    order_id: str
    strategy: str
    lines: tuple[LineDecision, ...]
    profile: str = ""
    """``name@version`` of the routing profile that decided."""
    cost: Money | None = None
    """The estimated shipping cost of the plan (zero when nothing ships; ``None`` then for a
    cost model without a ``currency``)."""
    decided_by: str = ""
    """What set the chosen plan apart from the runner-up (e.g. the fewest shipments)."""
    exact: bool = True
    """Whether the exact split search found the plan (else the greedy fallback did)."""
    scarcity_charge: Money | None = None
    """The profile's scarcity charge for the plan (``None`` without one; not in ``cost``)."""

    @property
    def shipment_count(self) -> int:
        """How many distinct locations ship something."""
        return len({a.location_id for line in self.lines for a in line.allocations})

    @property
    def fully_allocated(self) -> bool:
        """Whether every unit of every line has a location."""
        return all(line.unfulfilled == 0 for line in self.lines)

    def explain(self) -> str:
        """A readable, multi-line account of the decision (for logs and the demo).

        One line for the order (shipments, cost, what decided), then per
        order line where it ships from, why when that is not the order's
        reason (a split, no stock), the rule that ranked its best candidate
        first (when that candidate ships it), and every candidate with its
        scores and verdict.
        """
        out = [f"order {self.order_id} routed by {self.profile or self.strategy}:"]
        if self.decided_by:
            cost = f", cost {self.cost}" if self.cost is not None else ""
            if self.scarcity_charge is not None:
                cost += f", scarcity charge {self.scarcity_charge}"
            search = "" if self.exact else " (greedy fallback)"
            shipments = self.shipment_count
            reason = f"decided by {self.decided_by}" if shipments else self.decided_by
            out.append(f"  {shipments} shipment(s){cost}; {reason}{search}")
        append = out.append
        for line in self.lines:
            where = ", ".join(f"{a.quantity} from {a.location_id}" for a in line.allocations)
            status = where or "nothing allocated"
            if line.unfulfilled:
                status += f"; {line.unfulfilled} unfulfilled"
            why = [] if line.decided_by in ("", self.decided_by) else [line.decided_by]
            rule = line.deciding_rule
            if rule is not None and any(n.rank == 0 and n.taken for n in line.candidates):
                why.append(f"best ranked by {rule}")
            if why:
                status += f" ({'; '.join(why)})"
            append(f"  line {line.line_id} {line.sku} x{line.quantity}: {status}")
            for note in line.candidates:
                km = note.distance_km
                text = (
                    f"    - {note.location_id:<14} {'' if km is None else f'{km:7.1f} km '}"
                    f"sellable {note.sellable:>4}: {note.reason}"
                )
                if note.scores:
                    text += (
                        " ["
                        + " ".join(
                            [
                                f"{name}={'x' if value is None else f'{value:.4g}'}"
                                for name, value in note.scores
                            ]
                        )
                        + "]"
                    )
                append(text)
        return "\n".join(out)
