"""Routing: shipping cost against a hindsight MIP optimum, decisions per second, custom rules.

Run through ``python benchmarks/run.py routing``; the workload, the MIP and
the fairness rule are described in ``benchmarks/README.md``. Three parts:

- **cost**: a batch of orders planned together with ``default_profile()``
  (:func:`omskit.routing.replay.replay` with ``batch=True``, that is
  :func:`omskit.routing.batch.route_batch`), against the hindsight optimum
  of the same batch from a mixed-integer program that must fill exactly the
  units the router filled on every order line; the same batch routed in
  turn (each order consuming what it allocates, as the live router does)
  is measured the same way and reported beside it (``cost_ratio_in_turn_*``);
- **speed**: decisions per second through the public API
  (``Oms.plan_routing``), through ``route()`` directly, and of a naive router
  written here, on the same requests;
- **custom rule**: "nearest unless fewer than 5 units" as one user strategy
  against the built-in ``[min_stock(5), nearest]`` profile, same orders,
  same allocations.

The solver is HiGHS through ``highspy`` (the ``bench`` dependency group).
Why highspy rather than scipy: ``scipy.optimize.milp`` runs the same HiGHS
MIP solver but hides most of it; ``highspy`` is a much smaller install
(one wheel plus numpy instead of all of scipy) and gives direct access to
what this benchmark reports and needs: the model status, the MIP dual bound
and gap, node counts, a time limit, and a warm start (``setSolution``) with
the router's own plan, which is feasible by construction. Both are HiGHS,
so the optimum would be the same with either.

The cost part routes each batch in this process while worker processes
(spawned, one HiGHS thread each) solve the MIPs of the batches already
routed; nothing there is timed against anything else. The speed part starts
when every solve has ended. Its timed loops run with the garbage collector
disabled (as ``timeit`` does); sides rotate which goes first in each round;
medians are reported.
"""

from __future__ import annotations

import cProfile
import gc
import itertools
import multiprocessing
import os
import pstats
import random
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter
from typing import Any

from omskit import Oms
from omskit.adapters.memory import ManualClock, SequentialIds
from omskit.geo import GeoPoint, haversine_km
from omskit.model import (
    Address,
    Capability,
    Channel,
    Delivery,
    Location,
    LocationKind,
    Order,
    OrderLineRequest,
    OrderRequest,
    Product,
)
from omskit.money import Money
from omskit.routing import (
    DistanceCostModel,
    Excluded,
    RoutingDecision,
    RoutingProfile,
    default_profile,
    route,
)
from omskit.routing.builtins import min_stock, nearest
from omskit.routing.replay import replay

highspy: Any
try:  # the MIP solver is optional: the ``bench`` dependency group
    import highspy as _highspy
except ImportError:  # pragma: no cover - depends on the environment
    highspy = None
else:
    highspy = _highspy

INSTALL_HINT = ".venv/bin/python -m pip install --group bench -e ."
HERE = Path(__file__).resolve().parent
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CURRENCY = "EUR"
UNIT_PRICE = Money("10.00", CURRENCY)

# ---------------------------------------------------------------------- the generator

CITIES: tuple[tuple[str, float, float, int], ...] = (
    # name, latitude, longitude, approximate population
    ("Amsterdam", 52.370, 4.895, 930_000),
    ("Rotterdam", 51.922, 4.479, 665_000),
    ("Den Haag", 52.078, 4.288, 560_000),
    ("Utrecht", 52.091, 5.122, 375_000),
    ("Eindhoven", 51.441, 5.478, 245_000),
    ("Groningen", 53.219, 6.567, 235_000),
    ("Tilburg", 51.561, 5.092, 225_000),
    ("Almere", 52.351, 5.264, 220_000),
    ("Breda", 51.589, 4.776, 185_000),
    ("Nijmegen", 51.842, 5.853, 180_000),
    ("Apeldoorn", 52.211, 5.970, 165_000),
    ("Arnhem", 51.985, 5.899, 165_000),
    ("Haarlem", 52.387, 4.646, 160_000),
    ("Enschede", 52.221, 6.894, 160_000),
    ("Zwolle", 52.517, 6.083, 130_000),
    ("Leeuwarden", 53.201, 5.799, 125_000),
    ("Maastricht", 50.851, 5.691, 120_000),
)
CITY_CUM_WEIGHTS = list(itertools.accumulate(population for *_, population in CITIES))
LOCATION_JITTER_DEG = (0.04, 0.06)
"""Standard deviation (lat, lon) of a location around its city: about 4.5 km and 4 km."""
CUSTOMER_JITTER_DEG = (0.10, 0.15)
"""Standard deviation (lat, lon) of a delivery address around its city: about 11 km and 10 km."""
DC_SHARE = 0.04
"""Share of the locations that are distribution centres (at least 1); the rest are stores."""
DC_STOCK_WEIGHT = 8
"""A distribution centre receives 8 times the units of a store when stock is spread."""
ZIPF_EXPONENT = 1.0
QUANTITY_WEIGHTS = {1: 60, 2: 25, 3: 10, 4: 5}
"""Units per order line: 1 (60%), 2 (25%), 3 (10%), 4 (5%); mean 1.6."""
WEIGHT_GRAMS = (100, 5000)
EXPECTATION_SAMPLE = 20_000
"""Orders simulated (own random stream) to estimate the expected demand per SKU rank."""
MIN_STOCK_UNITS = 5
MIP_REL_GAP = 1e-4
"""HiGHS's default relative MIP gap, set explicitly."""
ROUTING_MODES = ("batch", "in_turn")
"""How the cost part routes each batch: planned together (the headline), then in turn."""
SOLVER_THREADS: int | None = None
"""HiGHS threads per solve (set to 1 in the solver worker processes)."""

TARGETS: dict[str, tuple[str, float]] = {
    "cost_ratio_vs_optimum_t1.5": ("<=", 1.06),
    "cost_ratio_vs_optimum_t3.0": ("<=", 1.02),
    "decisions_per_s": (">=", 20_000),
    "speedup_vs_naive": (">=", 4),
    "custom_rule_overhead": ("<=", 1.3),
}


@dataclass(frozen=True)
class MipLimits:
    lp_s: float
    rens_s: float
    full_s: float
    per_order_s: float
    rens_cheapest: int
    """Locations per order, besides the LP's and the router's, the restricted MIP may use."""


@dataclass(frozen=True)
class CostSpec:
    orders: int
    locations: int
    skus: int
    seeds: int
    tightness: tuple[float, ...]
    lines: tuple[int, int]
    """Lines per order, uniform in this range (inclusive)."""
    limits: MipLimits
    solver_processes: int
    """Worker processes solving MIPs while the next batches are routed."""
    solver_threads: int | None
    """HiGHS threads per solve (None: HiGHS's default, all cores)."""


@dataclass(frozen=True)
class SpeedSpec:
    locations: int
    skus: int
    lines: int
    requests: int
    rounds: int
    stock_orders: int
    """Stock is ``stock_tightness`` x the expected demand of this many orders."""
    stock_tightness: float
    profile_requests: int
    """Orders routed once under cProfile (after the timings)."""


@dataclass(frozen=True)
class Config:
    cost: CostSpec
    speed: SpeedSpec


FULL = Config(
    cost=CostSpec(200, 50, 500, 5, (1.5, 3.0), (1, 5), MipLimits(30, 20, 25, 10, 4), 2, 1),
    speed=SpeedSpec(100, 500, 3, 300, 5, 2000, 3.0, 200),
)
QUICK = Config(
    cost=CostSpec(20, 10, 50, 2, (1.5, 3.0), (1, 5), MipLimits(5, 5, 5, 5, 4), 1, None),
    speed=SpeedSpec(20, 100, 3, 40, 3, 200, 3.0, 20),
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Network:
    locations: list[Location]
    products: dict[str, Product]
    by_popularity: list[str]
    """SKUs, most popular first (SKU of rank r has weight 1 / r**s)."""


@dataclass(frozen=True)
class OrderSpec:
    ref: str
    point: GeoPoint
    city: str
    lines: tuple[tuple[str, int], ...]
    """(sku, quantity); the SKUs of one order are distinct."""

    def request(self) -> OrderRequest:
        return OrderRequest(
            channel=Channel.WEB,
            external_ref=self.ref,
            currency=CURRENCY,
            lines=[OrderLineRequest(sku, quantity, UNIT_PRICE) for sku, quantity in self.lines],
            delivery=Delivery.ship_to(
                Address("Benchmarkstraat 1", "1000 AA", self.city, "NL", point=self.point)
            ),
        )

    def order(self) -> Order:
        return Order.from_request("PLAN", self.request(), placed_at=NOW)


def _near_city(rng: random.Random, jitter: tuple[float, float]) -> tuple[str, GeoPoint]:
    name, lat, lon, _ = rng.choices(CITIES, cum_weights=CITY_CUM_WEIGHTS)[0]
    return name, GeoPoint(
        round(lat + rng.gauss(0, jitter[0]), 5), round(lon + rng.gauss(0, jitter[1]), 5)
    )


def make_network(locations: int, skus: int, rng: random.Random) -> Network:
    """Stores and DCs around Dutch cities (by population); every one ships everything."""
    dcs = max(1, round(locations * DC_SHARE))
    everything = {
        Capability.SHIP,
        Capability.HANDLES_FRAGILE,
        Capability.HANDLES_HAZARDOUS,
    }
    built = []
    for number in range(locations):
        city, point = _near_city(rng, LOCATION_JITTER_DEG)
        is_dc = number < dcs
        built.append(
            Location(
                location_id=f"DC-{number:03d}" if is_dc else f"ST-{number:03d}",
                name=f"{'DC' if is_dc else 'Store'} {city} {number}",
                kind=LocationKind.DISTRIBUTION_CENTRE if is_dc else LocationKind.STORE,
                point=point,
                country="NL",
                capabilities=everything if is_dc else everything | {Capability.CLICK_AND_COLLECT},
            )
        )
    products = {
        f"SKU-{number:05d}": Product(
            f"SKU-{number:05d}", f"Product {number}", weight_grams=rng.randint(*WEIGHT_GRAMS)
        )
        for number in range(skus)
    }
    by_popularity = list(products)
    rng.shuffle(by_popularity)
    return Network(built, products, by_popularity)


def zipf_cum_weights(count: int) -> list[float]:
    return list(itertools.accumulate(1.0 / rank**ZIPF_EXPONENT for rank in range(1, count + 1)))


def _order_lines(
    rng: random.Random, skus: int, cum: list[float], lines: tuple[int, int]
) -> list[tuple[int, int]]:
    """(popularity rank, quantity) per line; distinct ranks, Zipf popularity."""
    count = min(rng.randint(*lines), skus)
    ranks: list[int] = []
    while len(ranks) < count:
        rank = rng.choices(range(skus), cum_weights=cum)[0]
        if rank not in ranks:
            ranks.append(rank)
    quantities = rng.choices(
        list(QUANTITY_WEIGHTS), weights=list(QUANTITY_WEIGHTS.values()), k=count
    )
    return list(zip(ranks, quantities, strict=True))


def expected_units_per_order(skus: int, lines: tuple[int, int], seed: int) -> list[float]:
    """Mean units per order of the SKU of each popularity rank, from a large simulated sample."""
    rng = random.Random(f"{seed}:expectation:{skus}:{lines}")
    cum = zipf_cum_weights(skus)
    totals = [0] * skus
    for _ in range(EXPECTATION_SAMPLE):
        for rank, quantity in _order_lines(rng, skus, cum, lines):
            totals[rank] += quantity
    return [total / EXPECTATION_SAMPLE for total in totals]


def make_orders(
    network: Network, count: int, lines: tuple[int, int], rng: random.Random, prefix: str
) -> list[OrderSpec]:
    cum = zipf_cum_weights(len(network.by_popularity))
    orders = []
    for number in range(count):
        city, point = _near_city(rng, CUSTOMER_JITTER_DEG)
        picked = _order_lines(rng, len(network.by_popularity), cum, lines)
        orders.append(
            OrderSpec(
                f"{prefix}-{number:05d}",
                point,
                city,
                tuple((network.by_popularity[rank], quantity) for rank, quantity in picked),
            )
        )
    return orders


def make_stock(
    network: Network,
    expected_per_order: Sequence[float],
    orders: int,
    tightness: float,
    rng: random.Random,
) -> dict[tuple[str, str], int]:
    """``tightness`` x the expected demand of ``orders`` orders per SKU, spread over locations.

    The total per SKU is rounded stochastically (so its expectation is exact);
    each unit goes to a location drawn with weight 8 for a DC, 1 for a store.
    """
    ids = [location.location_id for location in network.locations]
    cum = list(
        itertools.accumulate(
            DC_STOCK_WEIGHT if loc.kind is LocationKind.DISTRIBUTION_CENTRE else 1
            for loc in network.locations
        )
    )
    stock: dict[tuple[str, str], int] = {}
    for rank, sku in enumerate(network.by_popularity):
        want = tightness * orders * expected_per_order[rank]
        units = int(want) + (rng.random() < want - int(want))
        for location_id, placed in sorted(
            Counter(rng.choices(ids, cum_weights=cum, k=units)).items()
        ):
            stock[(sku, location_id)] = placed
    return stock


def stock_mapping(
    network: Network, stock: Mapping[tuple[str, str], int]
) -> dict[str, list[tuple[Location, int]]]:
    """``route()``'s stock argument: SKU -> (location, sellable units), by location id."""
    by_id = {location.location_id: location for location in network.locations}
    mapping: dict[str, list[tuple[Location, int]]] = {}
    for (sku, location_id), units in sorted(stock.items()):
        mapping.setdefault(sku, []).append((by_id[location_id], units))
    return mapping


def cost_table(
    network: Network, orders: Sequence[OrderSpec], model: DistanceCostModel
) -> list[dict[str, int]]:
    """Per order, the cost in cents of one shipment from each location (as the router prices it)."""
    return [
        {
            location.location_id: model.shipment_cost(
                location=location, origin=order.point, weight_grams=0
            ).to_minor()
            for location in network.locations
        }
        for order in orders
    ]


# ---------------------------------------------------------------------- checking plans


def check_decisions(
    label: str,
    orders: Sequence[OrderSpec],
    decisions: Sequence[RoutingDecision],
    stock: Mapping[tuple[str, str], int],
    costs: Sequence[Mapping[str, int]] | None,
    max_shipments: int,
    consume: bool,
) -> tuple[list[str], dict[tuple[str, str], int]]:
    """Check quantities, stock (consumed in sequence when ``consume``), shipments and cost.

    Returns the errors and the units taken per (sku, location).
    """
    errors: list[str] = []
    taken: Counter[tuple[str, str]] = Counter()
    for number, (order, decision) in enumerate(zip(orders, decisions, strict=True)):
        this_order: Counter[tuple[str, str]] = Counter()
        if len(decision.lines) != len(order.lines):
            errors.append(f"{label} {order.ref}: {len(decision.lines)} line decisions")
            continue
        for (sku, quantity), line in zip(order.lines, decision.lines, strict=True):
            if line.sku != sku or line.allocated + line.unfulfilled != quantity:
                errors.append(
                    f"{label} {order.ref} {sku}: allocated {line.allocated} + unfulfilled "
                    f"{line.unfulfilled} != {quantity}"
                )
            for allocation in line.allocations:
                this_order[(sku, allocation.location_id)] += allocation.quantity
        if decision.shipment_count > max_shipments:
            errors.append(f"{label} {order.ref}: {decision.shipment_count} shipments")
        for key, units in this_order.items():
            already = taken[key] if consume else 0
            if already + units > stock.get(key, 0):
                errors.append(
                    f"{label} {order.ref}: takes {units} of {key} with "
                    f"{stock.get(key, 0) - already} left"
                )
        if consume:
            taken.update(this_order)
        if costs is not None:
            used = {location_id for _, location_id in this_order}
            expected = sum(costs[number][loc] for loc in used)
            got = 0 if decision.cost is None else decision.cost.to_minor()
            if got != expected:
                errors.append(f"{label} {order.ref}: cost {got} cents, shipments cost {expected}")
    return errors, dict(taken)


# ---------------------------------------------------------------------- the MIP


@contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """HiGHS prints its banner on stdout (file descriptor 1) when the first Highs is made.

    Only the first ``Highs()`` of a process prints it: :func:`solver_version`
    makes that one, before any solver thread runs.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def solver_version() -> str | None:
    """The solver's name and version (``None`` when highspy is missing)."""
    global _VERSION
    if highspy is None:
        return None
    if _VERSION is None:
        with stdout_to_stderr():
            solver = highspy.Highs()
        _VERSION = f"HiGHS {solver.version()} (highspy)"
    return _VERSION


_VERSION: str | None = None


@dataclass
class MipResult:
    status: str
    optimal: bool
    objective_cents: float | None
    dual_bound_cents: float | None
    gap: float | None
    seconds: float
    nodes: int
    columns: int
    binaries: int
    rows: int
    shipments: int | None
    errors: list[str]
    plan: list[dict[tuple[int, str], float]] | None = None
    """Per order, (line, location) -> units of the best solution found."""
    used: list[set[str]] | None = None
    """Per order, the locations with y > 0 in that solution (fractional for an LP)."""


def solve_mip(
    orders: Sequence[OrderSpec],
    stock: Mapping[tuple[str, str], int],
    costs: Sequence[Mapping[str, int]],
    fills: Sequence[Sequence[int]],
    warm: Sequence[Mapping[tuple[int, str], float]],
    max_shipments: int,
    time_limit_s: float,
    allowed: Sequence[Collection[str]] | None = None,
    relax: bool = False,
) -> MipResult:
    """The hindsight optimum of the batch (see the README for the formulation).

    ``fills[o][i]`` is the number of units line ``i`` of order ``o`` must
    receive (what the router gave it); ``warm[o]`` a feasible plan,
    (line, location) -> units, passed to HiGHS as a starting solution.
    ``allowed[o]``, if given, restricts the locations order ``o`` may use
    (a heuristic restriction, for a starting solution only).
    """
    assert highspy is not None
    by_sku: dict[str, list[str]] = {}
    for sku, location_id in sorted(stock):
        by_sku.setdefault(sku, []).append(location_id)
    ys: list[tuple[int, str]] = []  # (order, location)
    y_index: dict[tuple[int, str], int] = {}
    for o, order in enumerate(orders):
        where = {
            location_id
            for (sku, _), fill in zip(order.lines, fills[o], strict=True)
            if fill
            for location_id in by_sku.get(sku, ())
        }
        if allowed is not None:
            where &= set(allowed[o])
        for location_id in sorted(where):
            y_index[(o, location_id)] = len(ys)
            ys.append((o, location_id))
    xs: list[tuple[int, int, str, int]] = []  # (order, line, location, upper bound)
    for o, order in enumerate(orders):
        for i, (sku, _) in enumerate(order.lines):
            fill = fills[o][i]
            if not fill:
                continue
            for location_id in by_sku.get(sku, ()):
                if (o, location_id) in y_index:
                    xs.append((o, i, location_id, min(fill, stock[(sku, location_id)])))
    ny, nx = len(ys), len(xs)
    col_cost = [float(costs[o][loc]) for o, loc in ys] + [0.0] * nx
    col_lower = [0.0] * (ny + nx)
    col_upper = [1.0] * ny + [float(x[3]) for x in xs]
    starts: list[int] = []
    index: list[int] = []
    value: list[float] = []
    row_lower: list[float] = []
    row_upper: list[float] = []
    inf = highspy.kHighsInf

    def row(entries: Sequence[tuple[int, float]], low: float, high: float) -> None:
        starts.append(len(index))
        for column, coefficient in entries:
            index.append(column)
            value.append(coefficient)
        row_lower.append(low)
        row_upper.append(high)

    # Each line gets exactly the units the router gave it.
    per_line: dict[tuple[int, int], list[int]] = {}
    for column, (o, i, _, _) in enumerate(xs, start=ny):
        per_line.setdefault((o, i), []).append(column)
    for (o, i), columns in per_line.items():
        row([(c, 1.0) for c in columns], fills[o][i], fills[o][i])
    # A location ships units of an order only if it ships for that order (y = 1).
    for column, (o, _, location_id, upper) in enumerate(xs, start=ny):
        row([(column, 1.0), (y_index[(o, location_id)], -float(upper))], -inf, 0.0)
    # Stock per (SKU, location) over the whole batch.
    per_position: dict[tuple[str, str], list[int]] = {}
    for column, (o, i, location_id, _) in enumerate(xs, start=ny):
        per_position.setdefault((orders[o].lines[i][0], location_id), []).append(column)
    for key, columns in per_position.items():
        if sum(col_upper[c] for c in columns) > stock[key]:
            row([(c, 1.0) for c in columns], -inf, float(stock[key]))
    # At most max_shipments locations per order.
    per_order: dict[int, list[int]] = {}
    for column, (o, _) in enumerate(ys):
        per_order.setdefault(o, []).append(column)
    for columns in per_order.values():
        if len(columns) > max_shipments:
            row([(c, 1.0) for c in columns], -inf, float(max_shipments))
    starts.append(len(index))

    lp = highspy.HighsLp()
    lp.num_col_ = ny + nx
    lp.num_row_ = len(row_lower)
    lp.col_cost_ = col_cost
    lp.col_lower_ = col_lower
    lp.col_upper_ = col_upper
    lp.row_lower_ = row_lower
    lp.row_upper_ = row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = ny + nx
    lp.a_matrix_.num_row_ = len(row_lower)
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    binary = highspy.HighsVarType.kContinuous if relax else highspy.HighsVarType.kInteger
    lp.integrality_ = [binary] * ny + [highspy.HighsVarType.kContinuous] * nx

    solver = highspy.Highs()  # the banner came out with the first one (solver_version)
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("time_limit", float(time_limit_s))
    solver.setOptionValue("mip_rel_gap", MIP_REL_GAP)
    solver.setOptionValue("random_seed", 0)
    if SOLVER_THREADS is not None:
        solver.setOptionValue("threads", SOLVER_THREADS)
    solver.passModel(lp)
    start_values = [0.0] * (ny + nx)
    for o, warm_plan in enumerate(warm):
        for _, location_id in warm_plan:
            start_values[y_index[(o, location_id)]] = 1.0
    for column, (o, i, location_id, _) in enumerate(xs, start=ny):
        start_values[column] = float(warm[o].get((i, location_id), 0))
    solution = highspy.HighsSolution()
    solution.col_value = start_values
    solution.value_valid = True
    solver.setSolution(solution)
    started = perf_counter()
    solver.run()
    seconds = perf_counter() - started
    status = solver.getModelStatus()
    info = solver.getInfo()
    text = solver.modelStatusToString(status)
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    errors: list[str] = []
    shipments = None
    objective = None
    plan: list[dict[tuple[int, str], float]] | None = None
    used: list[set[str]] | None = None
    if has_solution:
        values = list(solver.getSolution().col_value)
        plan = [{} for _ in orders]
        used = [set() for _ in orders]
        for column, (o, location_id) in enumerate(ys):
            if values[column] > 1e-6:
                used[o].add(location_id)
        for column, (o, i, location_id, _) in enumerate(xs, start=ny):
            if values[column] > 1e-9:
                plan[o][(i, location_id)] = values[column]
        objective = info.objective_function_value
        shipments = 0
        recomputed = 0
        for column, (o, location_id) in enumerate(ys):
            if values[column] > 0.5:
                shipments += 1
                recomputed += costs[o][location_id]
        if not relax and abs(recomputed - objective) > 0.5:
            errors.append(f"MIP objective {objective} != cost of its shipments {recomputed}")
        if not relax:
            errors.extend(
                _check_mip_solution(values, ys, xs, y_index, orders, stock, fills, max_shipments)
            )
    return MipResult(
        status=text,
        optimal=status == highspy.HighsModelStatus.kOptimal,
        objective_cents=objective,
        dual_bound_cents=info.mip_dual_bound if has_solution else None,
        gap=info.mip_gap if has_solution else None,
        seconds=seconds,
        nodes=int(info.mip_node_count),
        columns=ny + nx,
        binaries=ny,
        rows=len(row_lower),
        shipments=shipments,
        errors=errors,
        plan=plan,
        used=used,
    )


def _check_mip_solution(
    values: Sequence[float],
    ys: Sequence[tuple[int, str]],
    xs: Sequence[tuple[int, int, str, int]],
    y_index: Mapping[tuple[int, str], int],
    orders: Sequence[OrderSpec],
    stock: Mapping[tuple[str, str], int],
    fills: Sequence[Sequence[int]],
    max_shipments: int,
) -> list[str]:
    """Check the solver's answer against the constraints, independently of the model rows."""
    tolerance = 1e-6
    errors = []
    ny = len(ys)
    filled: defaultdict[tuple[int, int], float] = defaultdict(float)
    used: defaultdict[tuple[str, str], float] = defaultdict(float)
    for column, (o, i, location_id, _) in enumerate(xs, start=ny):
        units = values[column]
        if units > tolerance and values[y_index[(o, location_id)]] < 0.5:
            errors.append(f"MIP ships {units} from {location_id} for order {o} without y")
        filled[(o, i)] += units
        used[(orders[o].lines[i][0], location_id)] += units
    for o, order in enumerate(orders):
        for i in range(len(order.lines)):
            if abs(filled[(o, i)] - fills[o][i]) > tolerance:
                errors.append(
                    f"MIP fills {filled[(o, i)]} of order {o} line {i}, not {fills[o][i]}"
                )
    for key, units in used.items():
        if units > stock[key] + tolerance:
            errors.append(f"MIP takes {units} of {key}, stock {stock[key]}")
    per_order = Counter(o for column, (o, _) in enumerate(ys) if values[column] > 0.5)
    errors.extend(
        f"MIP uses {count} locations for order {o}"
        for o, count in per_order.items()
        if count > max_shipments
    )
    return errors[:10]


# ---------------------------------------------------------------------- part 1: cost


@dataclass(frozen=True)
class Batch:
    """One routed batch as plain data, for a solver process."""

    label: str
    orders: list[OrderSpec]
    stock: dict[tuple[str, str], int]
    costs: list[dict[str, int]]
    fills: list[list[int]]
    """Units the router gave each line (the MIPs must give the same)."""
    warm: list[dict[tuple[int, str], int]]
    """The router's plan: per order, (line, location) -> units."""
    router_cents: list[int]
    """The router's cost per order."""
    max_shipments: int
    together: bool = False
    """Planned as a batch (each order saw what all the others left), not in turn."""


def per_order_optimum(batch: Batch, limit_s: float) -> tuple[dict[str, Any], list[str]]:
    """Each order's own optimum against the stock left when the router routed it.

    In turn, that is what the earlier orders left; for a batch planned
    together, what all the other orders of the batch leave.

    Same fill per line and shipment limit as the batch MIP, one order at a
    time: it separates what the planner leaves on the table per order from
    what only hindsight (knowing the later orders) can save.
    """
    left = dict(batch.stock)
    if batch.together:
        # Each order saw the stock all the others left: take every order's plan now and
        # give each its own units back while it is solved.
        for order, taken in zip(batch.orders, batch.warm, strict=True):
            for (i, location_id), units in taken.items():
                left[(order.lines[i][0], location_id)] -= units
    where: dict[str, list[str]] = {}
    for sku, location_id in sorted(batch.stock):
        where.setdefault(sku, []).append(location_id)
    total = 0.0
    above = 0
    not_optimal = 0
    errors: list[str] = []
    started = perf_counter()
    for number, order in enumerate(batch.orders):
        router = batch.router_cents[number]
        fills = [batch.fills[number]]
        own: Counter[tuple[str, str]] = Counter()
        if batch.together:
            for (i, location_id), units in batch.warm[number].items():
                own[(order.lines[i][0], location_id)] += units
        if any(fills[0]):
            snapshot = {
                (sku, location_id): left[(sku, location_id)] + own[(sku, location_id)]
                for sku, _ in order.lines
                for location_id in where.get(sku, ())
                if left[(sku, location_id)] + own[(sku, location_id)] > 0
            }
            warm = [batch.warm[number]]
            mip = solve_mip(
                [order], snapshot, [batch.costs[number]], fills, warm, batch.max_shipments, limit_s
            )
            errors.extend(f"per-order MIP {order.ref}: {e}" for e in mip.errors[:3])
            not_optimal += not mip.optimal
            best = mip.objective_cents if mip.objective_cents is not None else router
            if best > router + 0.5:
                errors.append(f"per-order MIP {order.ref}: {best} cents, router {router}")
            above += router > best + 0.5
            total += best
        if not batch.together:
            for (i, location_id), units in batch.warm[number].items():
                left[(order.lines[i][0], location_id)] -= units
    return {
        "per_order_optimum_eur": total / 100,
        "orders_above_per_order_optimum": above,
        "per_order_mips_not_optimal": not_optimal,
        "per_order_seconds": perf_counter() - started,
    }, errors


def analyse(batch: Batch, limits: MipLimits) -> tuple[dict[str, Any], list[str]]:
    """The hindsight optimum of one routed batch, and the per-order optima (in a worker).

    Three solver stages: the LP relaxation (a first lower bound and the
    locations its solution uses); a restricted MIP over the LP's locations,
    the router's and the ``rens_cheapest`` cheapest stocking locations per
    order (a RENS-style neighbourhood: a good plan in seconds, where the full
    MIP spends its first half minute in root cuts); then the full MIP started
    from the better of that plan and the router's, which improves it and
    proves the bound. Only the full MIP's bound counts as the optimum's bound.
    """
    errors: list[str] = []
    router_cents = sum(batch.router_cents)
    args = (batch.orders, batch.stock, batch.costs, batch.fills)
    lp = solve_mip(*args, batch.warm, batch.max_shipments, limits.lp_s, relax=True)
    warm: Sequence[Mapping[tuple[int, str], float]] = batch.warm
    rens = None
    if lp.used is not None:
        allowed = []
        for o, order in enumerate(batch.orders):
            skus = {sku for sku, _ in order.lines}
            costs = batch.costs[o]

            def by_cost(loc: str, costs: Mapping[str, int] = costs) -> tuple[int, str]:
                return (costs[loc], loc)

            stocking = sorted(
                (loc for loc in costs if any((sku, loc) in batch.stock for sku in skus)),
                key=by_cost,
            )
            allowed.append(
                lp.used[o]
                | {location_id for _, location_id in batch.warm[o]}
                | set(stocking[: limits.rens_cheapest])
            )
        rens = solve_mip(*args, batch.warm, batch.max_shipments, limits.rens_s, allowed=allowed)
        errors.extend(f"restricted MIP {batch.label}: {e}" for e in rens.errors)
        if rens.plan is not None and (rens.objective_cents or 0) < router_cents:
            warm = rens.plan
    mip = solve_mip(*args, warm, batch.max_shipments, limits.full_s)
    errors.extend(f"MIP {batch.label}: {e}" for e in mip.errors)
    candidates = [router_cents]
    if mip.objective_cents is not None:
        candidates.append(round(mip.objective_cents))
    else:
        errors.append(f"MIP {batch.label}: no solution ({mip.status})")
    if rens is not None and rens.objective_cents is not None and not rens.errors:
        candidates.append(round(rens.objective_cents))
    best = min(candidates)
    bounds = [b for b in (mip.dual_bound_cents, lp.objective_cents) if b is not None]
    bound = max(bounds) if bounds else None
    if bound is not None and bound > router_cents + 0.5:
        errors.append(f"MIP {batch.label}: bound {bound} above the router's plan {router_cents}")
    seconds = mip.seconds + lp.seconds + (rens.seconds if rens is not None else 0.0)
    figures: dict[str, Any] = {
        "mip_cost_eur": best / 100,
        "mip_dual_bound_eur": None if bound is None else bound / 100,
        "mip_shipments": mip.shipments,
        "ratio": router_cents / best if best else None,
        "ratio_vs_dual_bound": router_cents / bound if bound else None,
        "mip_status": mip.status,
        "mip_optimal": mip.optimal,
        "mip_gap": (best - bound) / best if best and bound is not None else None,
        "mip_seconds": seconds,
        "mip_stages": {
            "lp_relaxation": {
                "status": lp.status,
                "bound_eur": _cents(lp.objective_cents),
                "seconds": lp.seconds,
            },
            "restricted": None
            if rens is None
            else {
                "status": rens.status,
                "cost_eur": _cents(rens.objective_cents),
                "seconds": rens.seconds,
                "columns": rens.columns,
            },
            "full": {
                "status": mip.status,
                "cost_eur": _cents(mip.objective_cents),
                "bound_eur": _cents(mip.dual_bound_cents),
                "gap": mip.gap,
                "seconds": mip.seconds,
                "nodes": mip.nodes,
            },
        },
        "mip_columns": mip.columns,
        "mip_binaries": mip.binaries,
        "mip_rows": mip.rows,
    }
    per_order, per_order_errors = per_order_optimum(batch, limits.per_order_s)
    errors.extend(f"{batch.label}: {e}" for e in per_order_errors)
    figures.update(per_order)
    figures["router_over_per_order_optimum"] = (
        router_cents / (per_order["per_order_optimum_eur"] * 100)
        if per_order["per_order_optimum_eur"]
        else None
    )
    return figures, errors


def _cents(value: float | None) -> float | None:
    return None if value is None else value / 100


def _solver_process(threads: int | None) -> None:
    """Worker set-up: HiGHS threads per solve (1 when two processes share the 2 cores)."""
    global SOLVER_THREADS
    SOLVER_THREADS = threads
    solver_version()  # its banner goes to stderr


def run_cost(spec: CostSpec, seed: int, solve: bool) -> tuple[dict[str, Any], list[str]]:
    """Route every batch in this process; solve its MIPs in worker processes meanwhile.

    Nothing in this part is timed against anything else (``route_seconds``
    is informational and runs beside the solvers); the speed part starts
    after every solve has ended.
    """
    profile = default_profile()
    model = profile.cost_model
    assert isinstance(model, DistanceCostModel)
    expected = expected_units_per_order(spec.skus, spec.lines, seed)
    errors: list[str] = []
    runs: dict[str, list[dict[str, Any]]] = {
        f"{prefix}t{t}": [] for prefix in ("", "in_turn_") for t in spec.tightness
    }
    pending: list[tuple[str, dict[str, Any], Future[tuple[dict[str, Any], list[str]]]]] = []
    pool = (
        ProcessPoolExecutor(
            max_workers=spec.solver_processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_solver_process,
            initargs=(spec.solver_threads,),
        )
        if solve
        else None
    )
    try:
        for number in range(spec.seeds):
            label = f"{seed}:cost:{number}"
            network = make_network(spec.locations, spec.skus, random.Random(f"{label}:network"))
            orders = make_orders(
                network, spec.orders, spec.lines, random.Random(f"{label}:orders"), "C"
            )
            costs = cost_table(network, orders, model)
            demand: Counter[str] = Counter()
            for order in orders:
                for sku, quantity in order.lines:
                    demand[sku] += quantity
            for tightness in spec.tightness:
                stock_rng = random.Random(f"{label}:stock:{tightness}")
                stock = make_stock(network, expected, spec.orders, tightness, stock_rng)
                for mode in ROUTING_MODES:
                    prefix = "" if mode == "batch" else "in_turn_"
                    name = f"{label} t{tightness}" + ("" if mode == "batch" else " in turn")
                    started = perf_counter()
                    report = replay(
                        [order.order() for order in orders],
                        stock=stock_mapping(network, stock),
                        products=network.products,
                        profiles=[profile],
                        batch=mode == "batch",
                    )
                    route_seconds = perf_counter() - started
                    outcome = report.outcomes[0]
                    decisions = outcome.decisions
                    plan_errors, _ = check_decisions(
                        f"cost {name}",
                        orders,
                        decisions,
                        stock,
                        costs,
                        profile.max_shipments,
                        consume=True,
                    )
                    errors.extend(plan_errors[:10])
                    per_order_cents = [
                        0 if d.cost is None else d.cost.to_minor() for d in decisions
                    ]
                    router_cents = sum(per_order_cents)
                    fills = [[line.allocated for line in d.lines] for d in decisions]
                    stocked: Counter[str] = Counter()
                    for (sku, _), units in stock.items():
                        stocked[sku] += units
                    figures: dict[str, Any] = {
                        "seed": label,
                        "mode": mode,
                        "tightness": tightness,
                        "orders": len(orders),
                        "lines": sum(len(order.lines) for order in orders),
                        "units_ordered": sum(demand.values()),
                        "units_stocked": sum(stock.values()),
                        "positions": len(stock),
                        "router_filled_units": sum(map(sum, fills)),
                        "router_unfilled_units": outcome.unfulfilled_units,
                        "min_unfilled_units": sum(
                            max(0, units - stocked[sku]) for sku, units in demand.items()
                        ),
                        "router_cost_eur": router_cents / 100,
                        "router_shipments": outcome.shipments,
                        "router_split_orders": outcome.split_orders,
                        "router_greedy_plans": sum(not d.exact for d in decisions),
                        "route_seconds": route_seconds,
                    }
                    runs[f"{prefix}t{tightness}"].append(figures)
                    log(
                        f"  cost {name}: router EUR {router_cents / 100:.2f} "
                        f"({route_seconds:.1f} s)"
                    )
                    if pool is not None:
                        batch = Batch(
                            name,
                            orders,
                            stock,
                            costs,
                            fills,
                            [
                                {
                                    (i, allocation.location_id): allocation.quantity
                                    for i, line in enumerate(d.lines)
                                    for allocation in line.allocations
                                }
                                for d in decisions
                            ],
                            per_order_cents,
                            profile.max_shipments,
                            together=mode == "batch",
                        )
                        pending.append((name, figures, pool.submit(analyse, batch, spec.limits)))
        for name, figures, future in pending:
            solved, solve_errors = future.result()
            figures.update(solved)
            errors.extend(solve_errors)
            log(
                f"  MIP {name}: optimum EUR {_fmt(solved['mip_cost_eur'], '.2f')} "
                f"({solved['mip_status']}, {solved['mip_seconds']:.1f} s, gap "
                f"{_fmt(solved['mip_gap'], '.2%')}): ratio {_fmt(solved['ratio'], '.4f')}"
                f"-{_fmt(solved['ratio_vs_dual_bound'], '.4f')}; router / per-order optimum "
                f"{_fmt(solved['router_over_per_order_optimum'], '.4f')}"
            )
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    summary: dict[str, Any] = {}
    for key, seeds in runs.items():
        ratios = [s["ratio"] for s in seeds if s.get("ratio") is not None]
        bounds = [s["ratio_vs_dual_bound"] for s in seeds if s.get("ratio_vs_dual_bound")]
        per_order = [s.get("router_over_per_order_optimum") for s in seeds]
        summary[key] = {
            "mean_ratio": statistics.fmean(ratios) if solve and ratios else None,
            "max_ratio": max(ratios) if solve and ratios else None,
            "mean_ratio_vs_dual_bound": statistics.fmean(bounds) if solve and bounds else None,
            "all_optimal": all(s.get("mip_optimal") for s in seeds) if solve else None,
            "max_mip_gap": max((s.get("mip_gap") or 0.0 for s in seeds), default=None)
            if solve
            else None,
            "mean_router_over_per_order_optimum": statistics.fmean(
                [r for r in per_order if r is not None]
            )
            if solve and all(r is not None for r in per_order)
            else None,
            "orders_above_per_order_optimum": sum(
                s.get("orders_above_per_order_optimum", 0) for s in seeds
            ),
            "mip_seconds_total": sum(s.get("mip_seconds", 0.0) for s in seeds),
            "router_unfilled_units": sum(s["router_unfilled_units"] for s in seeds),
            "min_unfilled_units": sum(s["min_unfilled_units"] for s in seeds),
            "seeds": seeds,
        }
    return summary, errors


# ---------------------------------------------------------------------- part 2: speed


def naive_route(
    lines: Sequence[tuple[str, int]],
    origin: GeoPoint,
    locations: Sequence[Location],
    stock: Mapping[str, Mapping[str, int]],
) -> list[tuple[list[tuple[str, int]], int]]:
    """Per line: haversine to every location, sort, the nearest with enough stock, else split.

    No precomputation is shared between lines or orders; no shipment limit,
    no consolidation of lines. Returns (allocations, unfulfilled) per line.
    """
    result = []
    for sku, quantity in lines:
        held = stock.get(sku, {})
        ranked = sorted(
            (haversine_km(origin.lat, origin.lon, loc.point.lat, loc.point.lon), loc.location_id)
            for loc in locations
        )
        chosen = next((lid for _, lid in ranked if held.get(lid, 0) >= quantity), None)
        if chosen is not None:
            result.append(([(chosen, quantity)], 0))
            continue
        need = quantity
        taken = []
        for _, lid in ranked:
            units = held.get(lid, 0)
            if units > 0:
                take = min(units, need)
                taken.append((lid, take))
                need -= take
                if need == 0:
                    break
        result.append((taken, need))
    return result


def nearest_unless_fewer_than_5(line: Any, candidates: Sequence[Any]) -> list[Any]:
    """min_stock(5) + nearest as ONE user strategy, as the strategy docs write it."""
    quantity = line.sku_quantity
    return [
        Excluded("fewer than 5 units")
        if c.sellable - quantity < MIN_STOCK_UNITS
        else (c.distance_km if c.distance_km is not None else 0.0)
        for c in candidates
    ]


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    gc.disable()
    try:
        started = perf_counter()
        result = work()
        elapsed = perf_counter() - started
    finally:
        gc.enable()
    return elapsed, result


def _allocations(decision: RoutingDecision) -> tuple[Any, ...]:
    return tuple((line.allocations, line.unfulfilled) for line in decision.lines)


def profile_route(
    orders: Sequence[Order],
    profile: RoutingProfile,
    stock: Mapping[str, Sequence[tuple[Location, int]]],
    products: Mapping[str, Product],
    top: int = 20,
) -> dict[str, Any]:
    """cProfile one pass of route() over ``orders``: hot functions and time per module."""
    profiler = cProfile.Profile()
    profiler.enable()
    for order in orders:
        route(
            order,
            profile=profile,
            origin=order.delivery.address.point if order.delivery.address else None,
            stock=stock,
            products=products,
        )
    profiler.disable()
    stats = pstats.Stats(profiler)
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in raw.values())

    def name(key: tuple[str, int, str]) -> str:
        file, line, function = key
        if file == "~":
            return function
        path = Path(file)
        parts = path.parts
        if "omskit" in parts:
            short = "/".join(parts[parts.index("omskit") :])
        elif "site-packages" in parts:
            short = "/".join(parts[parts.index("site-packages") + 1 :])
        else:
            short = path.name
        return f"{short}:{line}({function})"

    def entry(key: tuple[str, int, str]) -> dict[str, Any]:
        _, calls, tottime, cumtime, _ = raw[key]
        return {
            "function": name(key),
            "calls": calls,
            "calls_per_order": calls / len(orders),
            "tottime_s": tottime,
            "tottime_pct": 100 * tottime / total,
            "cumtime_s": cumtime,
            "cumtime_pct": 100 * cumtime / total,
        }

    by_tottime = sorted(raw, key=lambda k: raw[k][2], reverse=True)[:top]
    by_cumtime = sorted(raw, key=lambda k: raw[k][3], reverse=True)[:top]
    modules: defaultdict[str, float] = defaultdict(float)
    for key, (_, _, tottime, _, _) in raw.items():
        modules[name(key).split(":")[0] if key[0] != "~" else "(builtins)"] += tottime
    return {
        "orders": len(orders),
        "profiled_seconds": total,
        "profiled_us_per_order": total / len(orders) * 1e6,
        "note": "cProfile inflates call-heavy code; use the shares, not the absolute times",
        "by_tottime": [entry(key) for key in by_tottime],
        "by_cumtime": [entry(key) for key in by_cumtime],
        "by_module_tottime_pct": {
            module: 100 * seconds / total
            for module, seconds in sorted(modules.items(), key=lambda item: -item[1])[:15]
        },
    }


def run_speed(spec: SpeedSpec, seed: int) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    errors: list[str] = []
    lines = (spec.lines, spec.lines)
    network = make_network(spec.locations, spec.skus, random.Random(f"{seed}:speed:network"))
    expected = expected_units_per_order(spec.skus, lines, seed)
    stock = make_stock(
        network,
        expected,
        spec.stock_orders,
        spec.stock_tightness,
        random.Random(f"{seed}:speed:stock"),
    )
    orders = make_orders(network, spec.requests, lines, random.Random(f"{seed}:speed:orders"), "S")
    log(
        f"speed: {spec.locations} locations, {spec.skus} SKUs, {len(stock)} positions; "
        "registering them in an Oms"
    )
    started = perf_counter()
    oms = Oms(clock=ManualClock(NOW), ids=SequentialIds())
    for product in network.products.values():
        oms.register_product(product)
    for location in network.locations:
        oms.register_location(location)
    for (sku, location_id), units in sorted(stock.items()):
        oms.receive_stock(sku, location_id, units, reference="BENCH")
    setup_seconds = perf_counter() - started
    requests = [order.request() for order in orders]
    plain_orders = [order.order() for order in orders]
    mapping = stock_mapping(network, stock)
    products = network.products
    profile = default_profile()
    naive_stock: dict[str, dict[str, int]] = {}
    for (sku, location_id), units in stock.items():
        naive_stock.setdefault(sku, {})[location_id] = units
    points = [order.point for order in orders]
    locations = network.locations

    def via_oms() -> list[RoutingDecision]:
        plan = oms.plan_routing
        return [plan(request) for request in requests]

    def via_route() -> list[RoutingDecision]:
        return [
            route(order, profile=profile, origin=point, stock=mapping, products=products)
            for order, point in zip(plain_orders, points, strict=True)
        ]

    def via_naive() -> list[Any]:
        return [naive_route(order.lines, order.point, locations, naive_stock) for order in orders]

    builtin = RoutingProfile.of(
        "builtin-hybrid", [("min_stock", min_stock(MIN_STOCK_UNITS)), ("nearest", nearest)]
    )
    custom = RoutingProfile.of("custom-hybrid", [nearest_unless_fewer_than_5])

    def hybrid(chosen: RoutingProfile) -> Callable[[], list[RoutingDecision]]:
        def work() -> list[RoutingDecision]:
            return [
                route(order, profile=chosen, origin=point, stock=mapping, products=products)
                for order, point in zip(plain_orders, points, strict=True)
            ]

        return work

    sides: dict[str, Callable[[], Any]] = {
        "oms_plan_routing": via_oms,
        "route": via_route,
        "naive": via_naive,
        "builtin_min_stock_nearest": hybrid(builtin),
        "custom_strategy": hybrid(custom),
    }
    samples: dict[str, list[float]] = {side: [] for side in sides}
    answers: dict[str, Any] = {}
    names = list(sides)
    for number in range(spec.rounds):
        shift = number % len(names)
        for side in names[shift:] + names[:shift]:
            elapsed, result = timed(sides[side])
            samples[side].append(elapsed)
            if side not in answers:
                answers[side] = result
            elif side != "naive" and result != answers[side]:
                errors.append(f"speed round {number}: {side} answered differently than round 0")
        log(
            f"  speed round {number + 1}/{spec.rounds}: "
            + ", ".join(f"{side} {samples[side][-1]:.3f} s" for side in names)
        )

    # Correctness: the public API and route() agree; every plan respects stock.
    if answers["oms_plan_routing"] != answers["route"]:
        differing = sum(
            a != b for a, b in zip(answers["oms_plan_routing"], answers["route"], strict=True)
        )
        errors.append(f"Oms.plan_routing and route() differ on {differing} of {len(orders)} orders")
    model = profile.cost_model
    assert isinstance(model, DistanceCostModel)
    costs = cost_table(network, orders, model)
    for side in ("oms_plan_routing", "route", "builtin_min_stock_nearest", "custom_strategy"):
        default_side = side in ("oms_plan_routing", "route")
        found, _ = check_decisions(
            f"speed {side}",
            orders,
            answers[side],
            stock,
            costs if default_side else None,
            (profile if default_side else builtin).max_shipments,
            consume=False,
        )
        errors.extend(found[:10])
    naive_cents = 0
    for order, plan, cost in zip(orders, answers["naive"], costs, strict=True):
        used = set()
        for (sku, quantity), (allocations, unfilled) in zip(order.lines, plan, strict=True):
            if sum(units for _, units in allocations) + unfilled != quantity:
                errors.append(f"naive {order.ref} {sku}: wrong quantities")
            for location_id, units in allocations:
                used.add(location_id)
                if units > naive_stock[sku].get(location_id, 0):
                    errors.append(f"naive {order.ref} {sku}: takes {units} from {location_id}")
        naive_cents += sum(cost[loc] for loc in used)
    route_cents = sum(d.cost.to_minor() for d in answers["route"] if d.cost is not None)
    identical = [
        _allocations(a) == _allocations(b)
        for a, b in zip(
            answers["builtin_min_stock_nearest"], answers["custom_strategy"], strict=True
        )
    ]
    if not all(identical):
        errors.append(
            f"custom strategy and [min_stock(5), nearest] allocate differently on "
            f"{identical.count(False)} of {len(identical)} orders"
        )

    medians = {side: statistics.median(values) for side, values in samples.items()}
    count = len(orders)
    per_round = {
        side: [samples["naive"][n] / samples[side][n] for n in range(spec.rounds)]
        for side in ("oms_plan_routing", "route")
    }
    candidates = [
        sum(1 for note in line.candidates if not note.excluded)
        for d in answers["route"]
        for line in d.lines
    ]
    figures: dict[str, Any] = {
        "locations": spec.locations,
        "skus": spec.skus,
        "positions": len(stock),
        "units_stocked": sum(stock.values()),
        "lines_per_order": spec.lines,
        "requests": count,
        "rounds": spec.rounds,
        "stock": f"{spec.stock_tightness} x the expected demand of {spec.stock_orders} orders",
        "oms_setup_seconds": setup_seconds,
        "candidates_per_line_mean": statistics.fmean(candidates),
        "seconds_median": medians,
        "seconds": samples,
        "us_per_decision": {side: medians[side] / count * 1e6 for side in medians},
        "decisions_per_s": {side: count / medians[side] for side in medians},
        "speedup_vs_naive_per_round": per_round,
        "greedy_plans": sum(not d.exact for d in answers["route"]),
        "shipments_per_order": {
            "route": statistics.fmean(d.shipment_count for d in answers["route"]),
            "naive": statistics.fmean(
                len({loc for allocations, _ in plan for loc, _ in allocations})
                for plan in answers["naive"]
            ),
        },
        "naive_cost_over_route_cost": naive_cents / route_cents if route_cents else None,
        "unfulfilled_units": {
            "route": sum(line.unfulfilled for d in answers["route"] for line in d.lines),
            "naive": sum(unfilled for plan in answers["naive"] for _, unfilled in plan),
        },
        "custom_rule": {
            "builtin_profile": "[min_stock(5), nearest] (ranked, max_splits 2, preference)",
            "custom_profile": "[nearest_unless_fewer_than_5] (one user function)",
            "orders_with_identical_allocations": identical.count(True),
            "orders_compared": len(identical),
            "custom_over_builtin_per_round": [
                c / b
                for c, b in zip(
                    samples["custom_strategy"], samples["builtin_min_stock_nearest"], strict=True
                )
            ],
        },
        "naive_router": "measured on the same requests, routing only (no Oms): per line, "
        "haversine to every location, sort, nearest with enough stock, else split nearest-first",
    }
    log(f"profiling route() over {spec.profile_requests} orders")
    profiled = profile_route(plain_orders[: spec.profile_requests], profile, mapping, products)
    return figures, profiled, errors


# ---------------------------------------------------------------------- running


def run(*, quick: bool, seed: int) -> dict[str, Any]:
    config = QUICK if quick else FULL
    version = solver_version()
    solve = version is not None
    if not solve:
        message = (
            "routing benchmark: the MIP solver (highspy) is not installed; install the "
            f"benchmark dependencies with:\n    {INSTALL_HINT}"
        )
        if not quick:
            raise SystemExit(message + "\n(or run with --quick, which skips the MIP part)")
        log(message + "\n--quick: skipping the MIP part (cost ratios are null)")
    errors: list[str] = []
    log(
        f"cost: {config.cost.seeds} seeds x {config.cost.orders} orders, "
        f"{config.cost.locations} locations, {config.cost.skus} SKUs, tightness "
        f"{', '.join(map(str, config.cost.tightness))}"
    )
    started = perf_counter()
    cost, cost_errors = run_cost(config.cost, seed, solve)
    cost_seconds = perf_counter() - started
    errors.extend(cost_errors)
    speed, profiled, speed_errors = run_speed(config.speed, seed)
    errors.extend(speed_errors)

    medians = speed["seconds_median"]
    values: dict[str, Any] = {
        f"cost_ratio_vs_optimum_t{t}": cost[f"t{t}"]["mean_ratio"] for t in config.cost.tightness
    }
    in_turn = {
        f"cost_ratio_in_turn_t{t}": cost[f"in_turn_t{t}"]["mean_ratio"]
        for t in config.cost.tightness
    }
    values["decisions_per_s"] = speed["decisions_per_s"]["oms_plan_routing"]
    values["speedup_vs_naive"] = medians["naive"] / medians["oms_plan_routing"]
    values["custom_rule_overhead"] = (
        medians["custom_strategy"] / medians["builtin_min_stock_nearest"]
    )
    result: dict[str, Any] = dict(values)
    result.update(in_turn)
    result["decisions_per_s_route"] = speed["decisions_per_s"]["route"]
    result["decisions_per_s_naive"] = speed["decisions_per_s"]["naive"]
    result["speedup_vs_naive_route"] = medians["naive"] / medians["route"]
    result["plans_feasible"] = not any(e.startswith(("cost ", "speed ", "naive ")) for e in errors)
    result["allocations_identical"] = not any(e.startswith("custom strategy") for e in errors)
    targets: dict[str, Any] = {}
    for key, (comparison, target) in TARGETS.items():
        value = values.get(key)
        met = (
            None if value is None else (value <= target if comparison == "<=" else value >= target)
        )
        targets[key] = {"target": target, "comparison": comparison, "value": value, "met": met}
        if key.startswith("cost_ratio"):
            # value: against the best plan found; upper: against the solver's proven bound.
            # The true ratio lies between; "certain" says both ends agree on "met".
            upper = cost[f"t{key.rsplit('_t', 1)[1]}"]["mean_ratio_vs_dual_bound"]
            targets[key]["value_vs_dual_bound"] = upper
            targets[key]["certain"] = (
                None if value is None or upper is None else (upper <= target) == met
            )
    for key in ("plans_feasible", "allocations_identical"):
        targets[key] = {
            "target": True,
            "comparison": "==",
            "value": result[key],
            "met": result[key],
        }
    result["targets"] = targets
    result["mip_skipped"] = not solve
    result["omskit_commit"] = _commit()
    result["mip"] = {
        "solver": version,
        "skipped": not solve,
        "reason": None if solve else f"highspy is not installed ({INSTALL_HINT})",
        "limits_s": {
            "lp_relaxation": config.cost.limits.lp_s,
            "restricted": config.cost.limits.rens_s,
            "full": config.cost.limits.full_s,
            "per_order": config.cost.limits.per_order_s,
        },
        "restricted_cheapest_locations": config.cost.limits.rens_cheapest,
        "solver_processes": config.cost.solver_processes,
        "threads_per_solve": config.cost.solver_threads,
        "mip_rel_gap": MIP_REL_GAP,
        "stages": "1. LP relaxation (a first bound; its support); 2. restricted MIP over the "
        "LP's locations, the router's and the cheapest stocking locations of each order "
        "(RENS-style, warm-started with the router's plan); 3. the full MIP warm-started "
        "with the better plan of the two; optimum = best plan found, bound = the full "
        "MIP's dual bound (or the LP bound, whichever is higher)",
        "formulation": "min sum c[o,l] y[o,l]; y[o,l] binary (location l ships for order o), "
        "x[o,i,l] >= 0 continuous units of line i from l; sum_l x[o,i,l] = fill[o,i]; "
        "x[o,i,l] <= min(fill[o,i], stock[s,l]) y[o,l]; sum_{o,i: sku s} x[o,i,l] <= "
        "stock[s,l]; sum_l y[o,l] <= 3; c[o,l] = DistanceCostModel cents (4.50 + 0.02 x "
        "1.3 x great-circle km, rounded half up)",
        "fairness": "fill[o,i] = the units the router gave line i of order o: the optimum "
        "delivers exactly the same units per order line, so both plans have the same "
        "unfilled units (router_unfilled_units; min_unfilled_units is the fewest any "
        "plan could leave, ignoring the shipment limit)",
    }
    result["cost"] = {
        "orders": config.cost.orders,
        "locations": config.cost.locations,
        "skus": config.cost.skus,
        "lines_per_order": list(config.cost.lines),
        "seeds": config.cost.seeds,
        "profile": "default_profile() (specialisation, nearest; objective cost; max_splits 2)",
        "routing": "t*: omskit.routing.replay.replay(batch=True), the batch planned together "
        "(route_batch); in_turn_t*: replay(), orders in sequence, stock consumed",
        "seconds": cost_seconds,
        **cost,
    }
    result["speed"] = speed
    result["profile_route"] = profiled
    result["workload"] = {
        "cities": [name for name, *_ in CITIES],
        "location_jitter_deg": LOCATION_JITTER_DEG,
        "customer_jitter_deg": CUSTOMER_JITTER_DEG,
        "dc_share": DC_SHARE,
        "dc_stock_weight": DC_STOCK_WEIGHT,
        "zipf_exponent": ZIPF_EXPONENT,
        "quantity_weights": QUANTITY_WEIGHTS,
        "weight_grams": WEIGHT_GRAMS,
        "expectation_sample_orders": EXPECTATION_SAMPLE,
        "now": NOW.isoformat(),
    }
    result["errors"] = errors
    return result


def _commit() -> str | None:
    """The checked-out commit of the repository (read-only), with ``+dirty`` for local edits."""
    root = HERE.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+dirty-src" if dirty else "")


# ---------------------------------------------------------------------- the table


def _fmt(value: Any, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def render(result: Mapping[str, Any]) -> str:
    quick = " (QUICK: sizes too small for meaningful ratios)" if result.get("quick") else ""
    cost = result["cost"]
    mip = result["mip"]
    lines = [
        f"routing benchmark{quick} - Python {result.get('python', '?')}, "
        f"seed {result.get('seed', '?')}, omskit {result.get('omskit_commit') or '?'}",
        "",
        f"cost vs hindsight optimum: {cost['orders']} orders, {cost['locations']} locations, "
        f"{cost['skus']} SKUs, {cost['seeds']} seeds, default_profile() via replay(), "
        "planned as a batch (t*) and in turn (in_turn_t*); "
        f"solver: {mip['solver'] or 'none (MIP skipped: ' + INSTALL_HINT + ')'}",
    ]
    header = (
        f"{'plan':<8}{'tight':>5} {'seed':<16}{'router EUR':>11}{'optimum EUR':>12}{'ratio':>8}"
        f"{'vs bound':>9}{'r/per-order':>12}{'status':>9}{'gap':>8}{'solve s':>8}"
        f"{'ships r/o':>10}{'unfilled r/min':>15}"
    )
    lines += [header, "-" * len(header)]
    for key, summary in cost.items():
        if not (isinstance(summary, Mapping) and "seeds" in summary):
            continue
        for s in summary["seeds"]:
            lines.append(
                f"{s.get('mode', '-'):<8}{s['tightness']:>5} {s['seed']:<16}"
                f"{s['router_cost_eur']:>11.2f}"
                f"{_fmt(s.get('mip_cost_eur'), '.2f'):>12}{_fmt(s.get('ratio'), '.4f'):>8}"
                f"{_fmt(s.get('ratio_vs_dual_bound'), '.4f'):>9}"
                f"{_fmt(s.get('router_over_per_order_optimum'), '.4f'):>12}"
                f"{(s.get('mip_status') or '-')[:8]:>9}{_fmt(s.get('mip_gap'), '.1e'):>8}"
                f"{_fmt(s.get('mip_seconds'), '.1f'):>8}"
                f"{s['router_shipments']:>5}/{_fmt(s.get('mip_shipments'), 'd'):<4}"
                f"{s['router_unfilled_units']:>9}/{s['min_unfilled_units']:<5}"
            )
        lines.append(
            f"{key:>5} mean ratio {_fmt(summary['mean_ratio'], '.4f')}, max "
            f"{_fmt(summary['max_ratio'], '.4f')}, all optimal: {summary['all_optimal']}; "
            f"router / per-order optimum "
            f"{_fmt(summary['mean_router_over_per_order_optimum'], '.4f')}"
        )
    speed = result["speed"]
    lines += [
        "",
        f"speed: {speed['locations']} locations, {speed['skus']} SKUs, {speed['positions']} "
        f"positions, {speed['lines_per_order']}-line orders, {speed['requests']} requests, "
        f"median of {speed['rounds']} rounds "
        f"({speed['candidates_per_line_mean']:.1f} candidates per line)",
    ]
    header = f"{'side':<28}{'s/round':>9}{'us/decision':>13}{'decisions/s':>13}"
    lines += [header, "-" * len(header)]
    for side, seconds in speed["seconds_median"].items():
        lines.append(
            f"{side:<28}{seconds:>9.3f}{speed['us_per_decision'][side]:>13.1f}"
            f"{speed['decisions_per_s'][side]:>13.0f}"
        )
    lines += [
        f"naive cost / route cost on these requests: "
        f"{_fmt(speed['naive_cost_over_route_cost'], '.3f')}; shipments per order route "
        f"{speed['shipments_per_order']['route']:.2f}, naive "
        f"{speed['shipments_per_order']['naive']:.2f}",
        "",
        "targets:",
    ]
    for key, t in result["targets"].items():
        value = t["value"]
        shown = _fmt(value, ".4g") if isinstance(value, float) else str(value)
        met = "-" if t["met"] is None else ("yes" if t["met"] else "NO")
        note = ""
        if t.get("value_vs_dual_bound") is not None:
            note = f"   (vs the proven bound {t['value_vs_dual_bound']:.4f}"
            note += ")" if t["certain"] else "; NOT certain)"
        lines.append(f"  {key:<30}{t['comparison']:>3} {t['target']!s:<8}{shown:>12}  {met}{note}")
    profiled = result["profile_route"]
    lines += [
        "",
        f"route() profile ({profiled['orders']} orders, "
        f"{profiled['profiled_us_per_order']:.0f} us/order under cProfile), top by own time:",
    ]
    for e in profiled["by_tottime"][:12]:
        lines.append(
            f"  {e['tottime_pct']:5.1f}% own {e['cumtime_pct']:5.1f}% cum "
            f"{e['calls_per_order']:>8.1f} calls/order  {e['function']}"
        )
    return "\n".join(lines)
