"""Order routing: which location ships each order line (brief section B)."""

from omskit.routing.decision import CandidateNote, LineDecision, RoutingDecision
from omskit.routing.nearest import Candidate, route_nearest

__all__ = ["Candidate", "CandidateNote", "LineDecision", "RoutingDecision", "route_nearest"]
