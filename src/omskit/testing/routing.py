"""A test kit for routing strategy authors: stock networks, orders and a contract suite.

Hypothesis strategies build small, valid *routing cases* (a
:class:`RoutingCase`: locations with capabilities and capacities, products,
sellable stock per SKU and location, open workload, an order and its
delivery point) through the real constructors.

:class:`RoutingStrategyContract` is a suite of properties every strategy
must keep, whatever it prefers. Subclass it in your own test module under a
``Test`` name and say how to make your strategy::

    from omskit.testing.routing import RoutingStrategyContract

    class TestMostStockFirst(RoutingStrategyContract):
        def make_strategy(self):
            return most_stock_first

pytest then runs every property against your strategy: it is
deterministic, scores every candidate with a number or ``Excluded``, never
picks a location without sellable stock, never allocates more than ordered
or available, accounts for every unit (allocated plus unfulfilled equals
ordered), never gives units to a candidate it excluded, keeps the profile's
split limit, does not depend on the order the candidates come in, scores
each candidate on its own (unless it says ``pointwise = False``), and
decides through the engine's express path as through the general one.
Override :meth:`RoutingStrategyContract.make_profile` to check a whole
profile instead (weighted, with filters, another ``max_splits``), and
:meth:`RoutingStrategyContract.cases` to check it on other networks (e.g.
``routing_cases(within_km=15)`` when your rules turn on a few km).

Needs the ``testing`` extra (Hypothesis); pytest is only needed to run it.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import UTC, datetime

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omskit.geo import GeoPoint
from omskit.model import (
    Address,
    Capability,
    Channel,
    Delivery,
    Location,
    LocationKind,
    Order,
    OrderLine,
    Product,
)
from omskit.money import Money
from omskit.routing import engine
from omskit.routing.decision import RoutingDecision
from omskit.routing.engine import route
from omskit.routing.profile import RoutingProfile
from omskit.routing.strategy import (
    CandidateView,
    LineContext,
    RoutingStrategy,
    check_scores,
    pointwise,
)

__all__ = [
    "RoutingCase",
    "RoutingStrategyContract",
    "routing_cases",
    "stock_networks",
]

_PLACED_AT = datetime(2026, 1, 5, 9, tzinfo=UTC)
_CAPABILITIES = (
    Capability.SHIP,
    Capability.CLICK_AND_COLLECT,
    Capability.HANDLES_FRAGILE,
    Capability.HANDLES_HAZARDOUS,
    Capability.RECEIVE_TRANSFERS,
)


@attrs.frozen
class RoutingCase:
    """Everything :func:`~omskit.routing.engine.route` needs, for one order."""

    order: Order
    origin: GeoPoint | None
    locations: tuple[Location, ...]
    products: Mapping[str, Product]
    stock: Mapping[str, tuple[tuple[Location, int], ...]]
    workload: Mapping[str, int]

    def sellable(self) -> dict[tuple[str, str], int]:
        """Sellable units per (SKU, location id)."""
        return {
            (sku, location.location_id): units
            for sku, pairs in self.stock.items()
            for location, units in pairs
        }

    def pickup(self) -> Location | None:
        """The pickup location of a click & collect order (``None`` otherwise)."""
        pickup_id = self.order.delivery.pickup_location_id
        return next((loc for loc in self.locations if loc.location_id == pickup_id), None)

    def shuffled(self, seed: int) -> RoutingCase:
        """The same case with every SKU's candidates in another order."""
        rng = random.Random(seed)
        stock = {}
        for sku, pairs in self.stock.items():
            listed = list(pairs)
            rng.shuffle(listed)
            stock[sku] = tuple(listed)
        return attrs.evolve(self, stock=stock)


def _points(within_km: float | None = None) -> st.SearchStrategy[GeoPoint]:
    # Millidegrees over the Netherlands: cheap to draw, and they shrink to round numbers.
    if within_km is None:
        return st.builds(
            lambda lat, lon: GeoPoint(lat / 1000, lon / 1000),
            st.integers(50_800, 53_500),
            st.integers(3_400, 7_200),
        )
    # A square of ``within_km`` a side north-east of Utrecht (a degree of latitude is
    # about 111 km, of longitude there about 68 km), in hundredths of a km.
    steps = max(1, round(within_km * 100))
    return st.builds(
        lambda north, east: GeoPoint(52.09 + north / 11_100, 5.12 + east / 6_800),
        st.integers(0, steps),
        st.integers(0, steps),
    )


def _channels() -> st.SearchStrategy[frozenset[Channel]]:
    every = frozenset(Channel)
    return st.integers(0, 2 ** len(Channel) + 8).map(
        lambda bits: (
            every
            if bits >= 2 ** len(Channel) or bits == 0
            else frozenset(c for n, c in enumerate(Channel) if bits >> n & 1)
        )
    )


@st.composite
def _locations(draw: st.DrawFn, count: int, within_km: float | None = None) -> tuple[Location, ...]:
    locations = []
    for number in range(count):
        flags = draw(st.integers(0, 63))  # one draw: a bit per capability, most ship
        capabilities = {c for bit, c in enumerate(_CAPABILITIES) if flags >> bit & 1}
        if flags & 32 or flags & 1:
            capabilities.add(Capability.SHIP)
        locations.append(
            Location(
                f"LOC-{number}",
                f"Location {number}",
                draw(st.sampled_from(LocationKind)),
                draw(_points(within_km)),
                "NL",
                capabilities,
                channels=draw(_channels()),
                daily_capacity=draw(st.none() | st.integers(1, 200)),
            )
        )
    return tuple(locations)


@st.composite
def stock_networks(
    draw: st.DrawFn,
    *,
    max_locations: int = 8,
    max_skus: int = 4,
    within_km: float | None = None,
) -> tuple[tuple[Location, ...], dict[str, Product], dict[str, tuple[tuple[Location, int], ...]]]:
    """Locations, products and sellable stock: ``(locations, products, stock)``.

    Stock maps each SKU to some of the locations with 0-25 sellable units
    (a listed location may hold none). Locations lie anywhere in the
    Netherlands, or with ``within_km`` in a square that many km a side (for
    a strategy whose rules turn on short distances).
    """
    locations = draw(_locations(draw(st.integers(1, max_locations)), within_km))
    products = {}
    for number in range(draw(st.integers(1, max_skus))):
        sku = f"SKU-{number}"
        products[sku] = Product(
            sku,
            f"Item {number}",
            weight_grams=draw(st.integers(0, 5000)),
            fragile=draw(st.booleans()),
            hazardous=draw(st.integers(0, 5)) == 0,
        )
    stock = {}
    for sku in products:
        held = draw(st.lists(st.sampled_from(locations), unique_by=lambda loc: loc.location_id))
        stock[sku] = tuple((location, draw(st.integers(0, 25))) for location in held)
    return locations, products, stock


@st.composite
def routing_cases(
    draw: st.DrawFn,
    *,
    max_lines: int = 4,
    max_locations: int = 8,
    max_skus: int = 4,
    within_km: float | None = None,
) -> RoutingCase:
    """A stock network (see :func:`stock_networks`) and an order of 1-``max_lines`` lines."""
    locations, products, stock = draw(
        stock_networks(max_locations=max_locations, max_skus=max_skus, within_km=within_km)
    )
    skus = sorted(products)
    lines = tuple(
        OrderLine(str(n), draw(st.sampled_from(skus)), draw(st.integers(1, 12)), Money("1", "EUR"))
        for n in range(1, draw(st.integers(1, max_lines)) + 1)
    )
    collect_points = [loc for loc in locations if loc.can(Capability.CLICK_AND_COLLECT)]
    if collect_points and draw(st.integers(0, 3)) == 0:
        pickup = draw(st.sampled_from(collect_points))
        delivery = Delivery.collect_at(pickup.location_id)
        origin: GeoPoint | None = pickup.point
    else:
        origin = draw(st.none() | _points(within_km))
        delivery = Delivery.ship_to(Address("Street 1", "1000 AA", "Town", "NL", point=origin))
    order = Order(
        "O-CASE",
        draw(st.sampled_from(Channel)),
        "CASE-1",
        "EUR",
        lines,
        delivery,
        _PLACED_AT,
    )
    workload = {
        loc.location_id: draw(st.integers(0, 300)) for loc in locations if draw(st.booleans())
    }
    return RoutingCase(order, origin, locations, products, stock, workload)


# Every subclass runs the same inherited test functions on its own instance, which
# Hypothesis reports as "differing executors"; each subclass is a test of its own.
_CONTRACT_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors],
)


def _lines(case: RoutingCase) -> list[tuple[LineContext, list[CandidateView]]]:
    """Each line of the case as a strategy sees it: its context and its candidates.

    The candidates are the ones the engine gives a strategy: the eligible
    locations with sellable stock (channel, shipping, handling judged as
    :func:`~omskit.routing.engine.route` judges them), with its distances.
    A line without any is left out: no strategy is called for it.
    """
    cache = engine._OrderCache(case.order, case.origin, case.pickup())
    found = []
    for line in case.order.lines:
        product = case.products[line.sku]
        candidates, _ = cache.split(product, case.stock.get(line.sku, ()), None)
        if len(candidates):
            context = LineContext(case.order, line, product, case.origin, case.workload)
            found.append((context, candidates.views()))
    return found


_POINTWISE_HINT = (
    "a strategy whose scores compare the candidates with each other must say "
    "pointwise = False (see omskit.routing.strategy.pointwise)"
)


class RoutingStrategyContract:
    """Properties every routing strategy keeps. Subclass it under a ``Test`` name.

    Implement :meth:`make_strategy` (or :meth:`make_profile`). ``max_splits``
    is the split limit of the profile the strategy is checked in.
    """

    max_splits: int = 2

    def make_strategy(self) -> RoutingStrategy:
        """The strategy under test (a new one or a shared one: it must be pure)."""
        raise NotImplementedError("implement make_strategy() or make_profile()")

    def make_profile(self) -> RoutingProfile:
        """The profile the strategy is checked in: the strategy alone, ``max_splits`` splits.

        The rule is named after the strategy (its ``__name__``, else ``under_test``).
        """
        strategy = self.make_strategy()
        name = getattr(strategy, "__name__", None)
        if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
            name = "under_test"
        return RoutingProfile.of("contract", [(name, strategy)], max_splits=self.max_splits)

    def cases(self) -> st.SearchStrategy[RoutingCase]:
        """The cases every property is checked on: override for denser or larger networks.

        By default :func:`routing_cases`; e.g. ``routing_cases(within_km=15)``
        for a strategy whose rules turn on a few km.
        """
        return routing_cases()

    def route_case(
        self, case: RoutingCase, profile: RoutingProfile | None = None
    ) -> RoutingDecision:
        """Route ``case`` with :meth:`make_profile` (or ``profile``), as ``Oms`` routes it.

        A click & collect order is routed with its pickup location, so a store
        that takes no transfers hands over only its own stock.
        """
        return route(
            case.order,
            profile=profile or self.make_profile(),
            origin=case.origin,
            stock=case.stock,
            products=case.products,
            workload=case.workload,
            pickup=case.pickup(),
        )

    @_CONTRACT_SETTINGS
    @given(data=st.data(), seed=st.integers(0, 1000))
    def test_it_is_deterministic_whatever_the_order_of_the_candidates(
        self, data: st.DataObject, seed: int
    ) -> None:
        """Same input, same decision; candidates listed in another order, same allocations."""
        case = data.draw(self.cases(), label="case")
        first = self.route_case(case)
        assert self.route_case(case) == first, (
            "the same case routed twice gave two decisions: a strategy must be deterministic "
            "(no randomness, no clock, no state kept between calls)"
        )
        again = self.route_case(case.shuffled(seed))
        assert [line.allocations for line in again.lines] == [
            line.allocations for line in first.lines
        ], (
            "listing the candidates in another order changed the allocations: a score must not "
            "depend on a candidate's position"
        )

    @_CONTRACT_SETTINGS
    @given(data=st.data())
    def test_it_scores_every_candidate_with_a_number_or_excluded(self, data: st.DataObject) -> None:
        """One finite number or ``Excluded`` per candidate, for every rule."""
        case = data.draw(self.cases(), label="case")
        profile = self.make_profile()
        for context, views in _lines(case):
            for rule in profile.rules:
                check_scores(rule.strategy(context, views), len(views), name=rule.name)

    @_CONTRACT_SETTINGS
    @given(data=st.data(), seed=st.integers(0, 1000))
    def test_it_scores_each_candidate_on_its_own(self, data: st.DataObject, seed: int) -> None:
        """A candidate's score does not depend on the others in the call, nor on their order.

        The engine scores first only the locations that could fill the whole
        order (see :func:`~omskit.routing.strategy.pointwise`): each score of
        a shuffled part of the candidates (at least one: no strategy is
        called without), and of each candidate alone, must be the one the
        candidate gets among all of them. A strategy that says
        ``pointwise = False`` is only checked for the order: all the
        candidates, shuffled, get the same scores.
        """
        case = data.draw(self.cases(), label="case")
        rng = random.Random(seed)
        profile = self.make_profile()
        for context, views in _lines(case):
            for rule in profile.rules:
                scores = check_scores(rule.strategy(context, views), len(views), name=rule.name)
                positions = list(range(len(views)))
                rng.shuffle(positions)
                on_its_own = pointwise(rule.strategy)
                if on_its_own:
                    # A non-empty part: no strategy is ever called without a candidate.
                    positions = positions[: rng.randint(1, len(positions))]
                part = [views[p] for p in positions]
                again = check_scores(rule.strategy(context, part), len(part), name=rule.name)
                if not on_its_own:
                    assert again == [scores[p] for p in positions], (
                        f"rule {rule.name!r} gives the candidates other scores when they come "
                        "in another order: a score must not depend on a candidate's position"
                    )
                    continue
                assert again == [scores[p] for p in positions], (
                    f"rule {rule.name!r} scores a candidate differently among other candidates; "
                    + _POINTWISE_HINT
                )
                for view, score in zip(views, scores, strict=True):
                    alone = check_scores(rule.strategy(context, [view]), 1, name=rule.name)
                    assert alone == [score], (
                        f"rule {rule.name!r} scores {view.location_id} {alone[0]!r} alone but "
                        f"{score!r} among the others; " + _POINTWISE_HINT
                    )

    @_CONTRACT_SETTINGS
    @given(data=st.data())
    def test_it_decides_as_the_general_engine_does(self, data: st.DataObject) -> None:
        """The engine's express path for one-location orders decides as ranking everything does."""
        case = data.draw(self.cases(), label="case")
        profile = self.make_profile()
        quick = self.route_case(case, profile)
        with engine.general_engine_only():
            plain = self.route_case(case, profile)
        message = (
            "the engine's express path and its general one decided differently: is the strategy "
            "deterministic, and does it score each candidate on its own? (" + _POINTWISE_HINT + ")"
        )
        assert quick == plain, message
        assert quick.explain() == plain.explain(), message

    @_CONTRACT_SETTINGS
    @given(data=st.data())
    def test_its_decisions_keep_the_invariants(self, data: st.DataObject) -> None:
        """Units add up, stock is never overdrawn, exclusions and the split limit hold.

        - allocated + unfulfilled = ordered, with no empty allocation;
        - no location gives more of a SKU than it may sell, over all lines,
          and none without sellable stock gives anything;
        - a candidate a rule or a hard constraint excluded gets nothing;
        - at most ``1 + max_splits`` locations ship;
        - a one-line order that one eligible, unexcluded location can fill
          whole is filled.
        """
        case = data.draw(self.cases(), label="case")
        profile = self.make_profile()
        decision = self.route_case(case, profile)
        assert [line.line_id for line in decision.lines] == [
            line.line_id for line in case.order.lines
        ]
        sellable = case.sellable()
        taken: dict[tuple[str, str], int] = {}
        for ordered, line in zip(case.order.lines, decision.lines, strict=True):
            assert all(a.quantity > 0 for a in line.allocations)
            assert line.unfulfilled >= 0
            assert line.allocated + line.unfulfilled == ordered.quantity
            chosen = {a.location_id for a in line.allocations}
            for note in line.candidates:
                if note.excluded:
                    assert note.location_id not in chosen
                    assert note.taken == 0
            for allocation in line.allocations:
                key = (line.sku, allocation.location_id)
                taken[key] = taken.get(key, 0) + allocation.quantity
        for key, units in taken.items():
            assert sellable.get(key, 0) > 0, f"{key} has no sellable stock"
            assert units <= sellable[key]
        assert decision.shipment_count <= profile.max_shipments
        if len(decision.lines) == 1:
            line = decision.lines[0]
            if any(not n.excluded and n.sellable >= line.quantity for n in line.candidates):
                assert line.unfulfilled == 0
