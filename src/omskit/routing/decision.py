"""Routing decisions that explain themselves (DESIGN rule 9)."""

from __future__ import annotations

import attrs

from omskit.model import Allocation

__all__ = ["CandidateNote", "LineDecision", "RoutingDecision"]


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


@attrs.frozen
class LineDecision:
    """Where one order line ships from, and what is left unfilled."""

    line_id: str
    sku: str
    quantity: int
    allocations: tuple[Allocation, ...]
    unfulfilled: int
    candidates: tuple[CandidateNote, ...]
    decided_by: str

    @property
    def allocated(self) -> int:
        """Units assigned to locations."""
        return sum(a.quantity for a in self.allocations)


@attrs.frozen
class RoutingDecision:
    """The routing of a whole order: one :class:`LineDecision` per line."""

    order_id: str
    strategy: str
    lines: tuple[LineDecision, ...]

    @property
    def shipment_count(self) -> int:
        """How many distinct locations ship something."""
        return len({a.location_id for line in self.lines for a in line.allocations})

    @property
    def fully_allocated(self) -> bool:
        """Whether every unit of every line has a location."""
        return all(line.unfulfilled == 0 for line in self.lines)

    def explain(self) -> str:
        """A readable, multi-line account of the decision (for logs and the demo)."""
        out = [f"order {self.order_id} routed by {self.strategy}:"]
        for line in self.lines:
            where = ", ".join(f"{a.quantity} from {a.location_id}" for a in line.allocations)
            status = where or "nothing allocated"
            if line.unfulfilled:
                status += f"; {line.unfulfilled} unfulfilled"
            out.append(f"  line {line.line_id} {line.sku} x{line.quantity}: {status}")
            for note in line.candidates:
                distance = "" if note.distance_km is None else f"{note.distance_km:7.1f} km "
                out.append(
                    f"    - {note.location_id:<14} {distance}"
                    f"sellable {note.sellable:>4}: {note.reason}"
                )
        return "\n".join(out)
