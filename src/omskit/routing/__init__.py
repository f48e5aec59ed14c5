"""Order routing: which location ships each order line (brief section B).

:func:`route` runs an order through a :class:`RoutingProfile` (rules that
score or exclude candidate locations, ranked or weighted) and the split
planner, and returns a :class:`RoutingDecision` that explains itself;
:func:`route_batch` plans a batch of held orders together. A
strategy is any callable satisfying :class:`RoutingStrategy`; a
:class:`StrategyRegistry` names them for profile documents.
"""

from omskit.routing.batch import BatchPlan, route_batch
from omskit.routing.cost import CostModel, DistanceCostModel
from omskit.routing.decision import CandidateNote, LineDecision, RoutingDecision
from omskit.routing.engine import route
from omskit.routing.planner import Plan, PlanLine, plan_order
from omskit.routing.profile import (
    Combine,
    LineRanking,
    Objective,
    RankedCandidate,
    RoutingProfile,
    Rule,
    default_profile,
)
from omskit.routing.registry import StrategyRegistry, builtin_registry, strategy_factory
from omskit.routing.strategy import (
    CandidateView,
    Excluded,
    LineContext,
    RoutingStrategy,
    pointwise,
)

__all__ = [
    "BatchPlan",
    "CandidateNote",
    "CandidateView",
    "Combine",
    "CostModel",
    "DistanceCostModel",
    "Excluded",
    "LineContext",
    "LineDecision",
    "LineRanking",
    "Objective",
    "Plan",
    "PlanLine",
    "RankedCandidate",
    "RoutingDecision",
    "RoutingProfile",
    "RoutingStrategy",
    "Rule",
    "StrategyRegistry",
    "builtin_registry",
    "default_profile",
    "plan_order",
    "pointwise",
    "route",
    "route_batch",
    "strategy_factory",
]
