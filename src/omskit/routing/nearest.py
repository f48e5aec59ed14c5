"""The first router: nearest location that can fulfil each line.

For each line, in line order, candidates are ranked by great-circle distance
from the delivery point (the pickup store for click & collect), ties broken
by location id. The nearest location with enough sellable stock for the
whole line wins; when none has enough, the line is split over the nearest
locations in turn, and what no location can supply is left unfulfilled (a
result, not an error). Locations that do not serve the order's channel,
cannot ship (the pickup store of a click & collect order need not), or cannot
handle a fragile or hazardous product are excluded
(:func:`~omskit.availability.eligibility.exclusion`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from omskit.availability.eligibility import exclusion
from omskit.geo import GeoPoint
from omskit.model import Allocation, Location, Order, Product
from omskit.routing.decision import CandidateNote, LineDecision, RoutingDecision

__all__ = ["Candidate", "route_nearest"]


@attrs.frozen
class Candidate:
    """A location that holds a SKU, with its sellable quantity."""

    location: Location
    sellable: int


def route_nearest(
    order: Order,
    *,
    origin: GeoPoint | None,
    candidates: Mapping[str, Sequence[Candidate]],
    products: Mapping[str, Product],
) -> RoutingDecision:
    """Route every line of ``order`` to the nearest location(s) with stock.

    ``candidates`` maps each SKU to the locations holding it; ``origin`` is
    the delivery point (``None``: rank by location id only). Stock taken by
    one line is not offered to a later line of the same SKU.
    """
    remaining: dict[tuple[str, str], int] = {}
    decisions: list[LineDecision] = []
    for line in order.lines:
        product = products.get(line.sku)
        ranked: list[tuple[float | None, Candidate]] = []
        notes: dict[str, CandidateNote] = {}
        for candidate in candidates.get(line.sku, ()):
            location = candidate.location
            key = (line.sku, location.location_id)
            available = remaining.setdefault(key, max(0, candidate.sellable))
            distance = None if origin is None else origin.distance_km(location.point)
            reason = exclusion(
                location,
                channel=order.channel,
                product=product,
                pickup_location_id=order.delivery.pickup_location_id,
            )
            if reason is not None:
                notes[location.location_id] = CandidateNote(
                    location.location_id, distance, available, 0, True, "excluded: " + reason
                )
            elif available <= 0:
                notes[location.location_id] = CandidateNote(
                    location.location_id, distance, 0, 0, True, "excluded: no sellable stock"
                )
            else:
                ranked.append((distance, candidate))
        ranked.sort(
            key=lambda item: (item[0] if item[0] is not None else 0.0, item[1].location.location_id)
        )

        whole = next(
            (
                c
                for _, c in ranked
                if remaining[(line.sku, c.location.location_id)] >= line.quantity
            ),
            None,
        )
        chosen: list[tuple[Candidate, int]] = []
        if whole is not None:
            decided_by = "nearest with enough stock for the whole line"
            chosen.append((whole, line.quantity))
        elif ranked:
            decided_by = "no single location has enough; split over the nearest"
            need = line.quantity
            for _, c in ranked:
                take = min(need, remaining[(line.sku, c.location.location_id)])
                chosen.append((c, take))
                need -= take
                if need == 0:
                    break
        else:
            decided_by = "no eligible location has sellable stock"
        taken = {c.location.location_id: t for c, t in chosen}
        need = line.quantity - sum(taken.values())
        allocations: list[Allocation] = []
        nearer_than_choice = True
        for distance, c in ranked:
            loc_id = c.location.location_id
            available = remaining[(line.sku, loc_id)]
            if loc_id in taken:
                reason = f"chosen for {taken[loc_id]} unit(s)"
                nearer_than_choice = False
            elif nearer_than_choice:
                reason = f"skipped: only {available} sellable, line needs {line.quantity}"
            else:
                reason = (
                    "not needed: ranked after the chosen location(s)"
                    if origin is None
                    else "not needed: a nearer location fulfils the line"
                    if whole is not None
                    else "not needed: nearer locations cover the line"
                )
            notes[loc_id] = CandidateNote(
                loc_id, distance, available, taken.get(loc_id, 0), False, reason
            )
        for loc_id, quantity in taken.items():
            allocations.append(Allocation(loc_id, quantity))
            remaining[(line.sku, loc_id)] -= quantity
        decisions.append(
            LineDecision(
                line.line_id,
                line.sku,
                line.quantity,
                tuple(allocations),
                need,
                tuple(notes[k] for k in sorted(notes, key=lambda k: _rank(notes[k]))),
                decided_by,
            )
        )
    return RoutingDecision(order.order_id, "nearest", tuple(decisions))


def _rank(note: CandidateNote) -> tuple[bool, float, str]:
    return (
        note.excluded,
        note.distance_km if note.distance_km is not None else 0.0,
        note.location_id,
    )
