"""AvailabilityIndex against recomputing availability from raw stock positions.

Run through ``python benchmarks/run.py availability``; the workload is
described in ``benchmarks/README.md``. Both implementations replay the same
pre-generated operation sequence on the same starting state; every query's
answer is compared, and the index is checked against a recomputation at the
end. Timed loops run with the garbage collector disabled (as ``timeit``
does), so a collection of the large heap cannot land in one side's timing.
"""

from __future__ import annotations

import gc
import itertools
import random
import statistics
import sys
import tracemalloc
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from time import perf_counter
from typing import Any

from omskit.availability import (
    AvailabilityIndex,
    ChangeSet,
    SafetyStockPolicy,
    compute_availability,
    recompute_availability,
)
from omskit.geo import GeoPoint
from omskit.model import Capability, Channel, Location, LocationKind, Product, StockPosition

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
CHANNELS: tuple[Channel, ...] = tuple(Channel)

ZIPF_EXPONENT = 1.0
"""SKU popularity: the SKU of popularity rank r is picked with weight 1 / r**s."""
DC_SHARE = 0.03
"""Share of locations that are distribution centres (at least 2); the rest are stores."""
FRAGILE_LOCATION_SHARE = 0.20
FRAGILE_SKU_SHARE = 0.05
STORE_SAFETY_PERCENT = "12"
SKU_RULES_PER_KIND = 4
"""SKU-specific unit rules of each of three shapes (all channels, at DCs, marketplace)."""
EVENT_KINDS = ("receipt", "sale", "reservation", "release")
INITIAL_ON_HAND_MAX = 40
RECEIPT_MAX = 12
SALE_MAX = 3
RESERVATION_MAX = 3
SAMPLE_SKUS = 200
"""Random SKUs checked (besides every SKU an event touched) where a full verify is too slow."""

Op = tuple[str, Channel, StockPosition | None]
"""(sku, channel, new position): a query when the position is None, else a stock event."""


# ---------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class NetworkSpec:
    name: str
    locations: int
    skus: int
    density: float
    """Share of the locations each SKU is stocked at (a random subset per SKU)."""
    build_rounds: int
    measure_memory: bool
    full_verify: bool
    """Run AvailabilityIndex.verify over the whole state (else check a sample of SKUs)."""


@dataclass(frozen=True)
class ScenarioSpec:
    name: str
    network: str
    ops: int
    query_share: float
    target: float | None

    @property
    def key(self) -> str:
        return f"atp_speedup_{self.name}"


@dataclass(frozen=True)
class Config:
    networks: tuple[NetworkSpec, ...]
    scenarios: tuple[ScenarioSpec, ...]
    rounds: int
    memory_network: str
    """The network whose bytes per position is reported at the top level."""


FULL = Config(
    networks=(
        NetworkSpec("100loc", 100, 10_000, 0.5, 3, True, True),
        NetworkSpec("1000loc", 1000, 10_000, 0.2, 3, False, False),
    ),
    scenarios=(
        ScenarioSpec("100loc_90q10e", "100loc", 20_000, 0.9, 20),
        ScenarioSpec("100loc_50q50e", "100loc", 20_000, 0.5, None),
        ScenarioSpec("1000loc_90q10e", "1000loc", 4_000, 0.9, 100),
    ),
    rounds=5,
    memory_network="100loc",
)

QUICK = Config(
    networks=(
        NetworkSpec("100loc", 20, 300, 0.5, 1, True, True),
        NetworkSpec("1000loc", 50, 300, 0.2, 1, True, True),
    ),
    scenarios=(
        ScenarioSpec("100loc_90q10e", "100loc", 500, 0.9, 20),
        ScenarioSpec("100loc_50q50e", "100loc", 500, 0.5, None),
        ScenarioSpec("1000loc_90q10e", "1000loc", 500, 0.9, 100),
    ),
    rounds=3,
    memory_network="100loc",
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------- the network


@dataclass
class Network:
    spec: NetworkSpec
    locations: list[Location]
    products: list[Product]
    policy: SafetyStockPolicy
    positions: list[StockPosition]
    """The starting state, one position per stocked (sku, location)."""
    raw: dict[str, dict[str, StockPosition]]
    """The baseline's state: sku -> location id -> current position."""
    stocked: dict[str, tuple[str, ...]]
    """Where each SKU is stocked (never changes: events touch existing positions only)."""

    @property
    def locations_by_id(self) -> dict[str, Location]:
        return {location.location_id: location for location in self.locations}

    def describe(self) -> dict[str, Any]:
        kinds = Counter(location.kind.value for location in self.locations)
        return {
            "locations": len(self.locations),
            "stores": kinds[LocationKind.STORE.value],
            "distribution_centres": kinds[LocationKind.DISTRIBUTION_CENTRE.value],
            "fragile_handling_locations": sum(
                location.can(Capability.HANDLES_FRAGILE) for location in self.locations
            ),
            "skus": len(self.products),
            "fragile_skus": sum(product.fragile for product in self.products),
            "density": self.spec.density,
            "positions": len(self.positions),
            "positions_per_sku": len(self.positions) / len(self.products),
            "safety_rules": len(self.policy.rules),
        }


def make_network(spec: NetworkSpec, seed: int) -> Network:
    rng = random.Random(f"{seed}:network:{spec.name}")
    dcs = max(2, round(spec.locations * DC_SHARE))
    fragile_handlers = set(
        rng.sample(range(spec.locations), round(spec.locations * FRAGILE_LOCATION_SHARE))
    )
    locations = []
    for number in range(spec.locations):
        is_dc = number < dcs
        capabilities = {Capability.SHIP}
        if not is_dc:
            capabilities.add(Capability.CLICK_AND_COLLECT)
        if number in fragile_handlers:
            capabilities.add(Capability.HANDLES_FRAGILE)
        locations.append(
            Location(
                location_id=f"DC-{number:04d}" if is_dc else f"ST-{number:04d}",
                name=f"{'Distribution centre' if is_dc else 'Store'} {number}",
                kind=LocationKind.DISTRIBUTION_CENTRE if is_dc else LocationKind.STORE,
                point=GeoPoint(rng.uniform(50.8, 53.5), rng.uniform(3.4, 7.2)),
                country="NL",
                capabilities=capabilities,
                channels=frozenset(Channel),
            )
        )
    products = [
        Product(
            sku=f"SKU-{number:06d}",
            name=f"Product {number}",
            weight_grams=rng.randint(50, 5000),
            fragile=rng.random() < FRAGILE_SKU_SHARE,
        )
        for number in range(spec.skus)
    ]
    ruled = rng.sample([product.sku for product in products], 3 * SKU_RULES_PER_KIND)
    rules: list[dict[str, str | int]] = [
        {"location_kind": "store", "percent": STORE_SAFETY_PERCENT}
    ]
    for sku in ruled[:SKU_RULES_PER_KIND]:
        rules.append({"sku": sku, "units": 3})
    for sku in ruled[SKU_RULES_PER_KIND : 2 * SKU_RULES_PER_KIND]:
        rules.append({"sku": sku, "location_kind": "distribution_centre", "units": 10})
    for sku in ruled[2 * SKU_RULES_PER_KIND :]:
        rules.append({"sku": sku, "channel": "marketplace", "units": 1})
    policy = SafetyStockPolicy.from_dict({"rule": rules})

    per_sku = max(1, round(spec.density * spec.locations))
    location_ids = [location.location_id for location in locations]
    positions = []
    raw: dict[str, dict[str, StockPosition]] = {}
    stocked: dict[str, tuple[str, ...]] = {}
    randint = rng.randint
    for product in products:
        sku = product.sku
        at = sorted(rng.sample(range(spec.locations), per_sku))
        row: dict[str, StockPosition] = {}
        for number in at:
            on_hand = randint(0, INITIAL_ON_HAND_MAX)
            reserved = randint(0, on_hand // 4)
            allocated = randint(0, (on_hand - reserved) // 8)
            position = StockPosition(sku, location_ids[number], on_hand, reserved, allocated)
            positions.append(position)
            row[position.location_id] = position
        raw[sku] = row
        stocked[sku] = tuple(row)
    return Network(spec, locations, products, policy, positions, raw, stocked)


def build_index(network: Network) -> AvailabilityIndex:
    return AvailabilityIndex.build(
        locations=network.locations,
        products=network.products,
        positions=network.positions,
        policy=network.policy,
    )


def measure_build(network: Network) -> tuple[AvailabilityIndex, list[float]]:
    """Build the index ``build_rounds`` times; return the last index and every duration."""
    samples = []
    index = None
    for _ in range(network.spec.build_rounds):
        index = None
        gc.collect()
        start = perf_counter()
        index = build_index(network)
        samples.append(perf_counter() - start)
    assert index is not None
    return index, samples


def measure_bytes_per_position(network: Network) -> tuple[int, float]:
    """Traced memory retained by a freshly built index, in total and per position."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        index = build_index(network)
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(index) == len(network.positions)
    del index
    return retained, retained / len(network.positions)


# ---------------------------------------------------------------------- the workload


@dataclass
class Workload:
    ops: list[Op]
    reset: list[StockPosition]
    """The starting positions of every (sku, location) an event touches."""
    event_kinds: dict[str, int]

    @property
    def queries(self) -> int:
        return sum(1 for _, _, position in self.ops if position is None)

    @property
    def events(self) -> int:
        return len(self.ops) - self.queries


def zipf_cum_weights(count: int) -> list[float]:
    return list(itertools.accumulate(1.0 / rank**ZIPF_EXPONENT for rank in range(1, count + 1)))


def make_workload(network: Network, spec: ScenarioSpec, seed: int) -> Workload:
    """A seeded random mix of queries and stock events with Zipf-like SKU popularity.

    Events are generated against a simulation of the state, so each new
    position keeps ``reserved + allocated <= on_hand``.
    """
    rng = random.Random(f"{seed}:workload:{spec.name}")
    by_popularity = [product.sku for product in network.products]
    rng.shuffle(by_popularity)
    picks = rng.choices(by_popularity, cum_weights=zipf_cum_weights(len(by_popularity)), k=spec.ops)
    state: dict[tuple[str, str], tuple[int, int, int]] = {}
    kinds: Counter[str] = Counter()
    ops: list[Op] = []
    for sku in picks:
        if rng.random() < spec.query_share:
            ops.append((sku, rng.choice(CHANNELS), None))
            continue
        location_id = rng.choice(network.stocked[sku])
        key = (sku, location_id)
        if key in state:
            on_hand, reserved, allocated = state[key]
        else:
            start = network.raw[sku][location_id]
            on_hand, reserved, allocated = start.on_hand, start.reserved, start.allocated
        free = on_hand - reserved - allocated
        kind = rng.choice(EVENT_KINDS)
        if kind == "sale" and free > 0:
            on_hand -= rng.randint(1, min(free, SALE_MAX))
        elif kind == "reservation" and free > 0:
            reserved += rng.randint(1, min(free, RESERVATION_MAX))
        elif kind == "release" and reserved > 0:
            reserved -= rng.randint(1, reserved)
        else:
            kind = "receipt"  # also the fallback when a sale or reservation finds nothing free
            on_hand += rng.randint(1, RECEIPT_MAX)
        kinds[kind] += 1
        state[key] = (on_hand, reserved, allocated)
        position = StockPosition(sku, location_id, on_hand, reserved, allocated)
        ops.append((sku, CHANNELS[0], position))
    reset = [network.raw[sku][location_id] for sku, location_id in state]
    return Workload(ops, reset, {kind: kinds[kind] for kind in EVENT_KINDS})


# ---------------------------------------------------------------------- the two implementations


class Baseline:
    """Recompute from raw positions on every query; an event replaces one raw position."""

    def __init__(self, network: Network) -> None:
        self.raw = {sku: dict(row) for sku, row in network.raw.items()}
        self.locations_by_id = network.locations_by_id
        self.products = {product.sku: product for product in network.products}
        self.policy = network.policy

    def replay(self, ops: list[Op]) -> tuple[float, list[int]]:
        raw, locations, products = self.raw, self.locations_by_id, self.products
        policy = self.policy
        answers: list[int] = []
        append = answers.append
        gc.collect()
        gc.disable()
        try:
            start = perf_counter()
            for sku, channel, position in ops:
                if position is None:
                    append(
                        compute_availability(
                            sku, channel, raw[sku].values(), locations, policy, products[sku]
                        ).total
                    )
                else:
                    raw[sku][position.location_id] = position
            elapsed = perf_counter() - start
        finally:
            gc.enable()
        return elapsed, answers

    def reset(self, positions: Iterable[StockPosition]) -> None:
        for position in positions:
            self.raw[position.sku][position.location_id] = position

    def positions(self) -> list[StockPosition]:
        return [position for row in self.raw.values() for position in row.values()]


def replay_index(index: AvailabilityIndex, ops: list[Op]) -> tuple[float, list[int]]:
    total, apply = index.total, index.apply
    answers: list[int] = []
    append = answers.append
    gc.collect()
    gc.disable()
    try:
        start = perf_counter()
        for sku, channel, position in ops:
            if position is None:
                append(total(sku, channel, now=NOW))
            else:
                changes = ChangeSet()
                changes.position(position)
                apply(changes)
        elapsed = perf_counter() - start
    finally:
        gc.enable()
    return elapsed, answers


def reset_index(index: AvailabilityIndex, positions: Iterable[StockPosition]) -> None:
    changes = ChangeSet()
    for position in positions:
        changes.position(position)
    index.apply(changes)


# ---------------------------------------------------------------------- checking


def check_state(
    index: AvailabilityIndex, network: Network, baseline: Baseline, touched: set[str], seed: int
) -> dict[str, Any]:
    """Compare the index with a from-scratch recomputation over the baseline's final state."""
    if network.spec.full_verify:
        mismatches = index.verify(
            locations=network.locations,
            products=network.products,
            positions=baseline.positions(),
            now=NOW,
        )
        return {
            "mode": "full (AvailabilityIndex.verify)",
            "skus_checked": len(network.products),
            "mismatches": len(mismatches),
            "examples": [repr(m)[:300] for m in mismatches[:3]],
        }
    rng = random.Random(f"{seed}:sample:{network.spec.name}")
    skus = sorted(touched | set(rng.sample([p.sku for p in network.products], SAMPLE_SKUS)))
    examples: list[str] = []
    mismatched = 0
    for sku in skus:
        for channel in CHANNELS:
            expected = recompute_availability(
                sku,
                channel,
                baseline.raw[sku].values(),
                baseline.locations_by_id,
                policy=network.policy,
                product=baseline.products[sku],
                now=NOW,
            )
            indexed = index.availability(sku, channel, now=NOW)
            total = index.total(sku, channel, now=NOW)
            if indexed != expected or total != expected.total:
                mismatched += 1
                if len(examples) < 3:
                    examples.append(f"{sku}/{channel}: index {total}, recomputed {expected.total}")
    return {
        "mode": "sample (every SKU an event touched + random SKUs, all channels, "
        "index.availability and index.total vs recompute_availability)",
        "skus_checked": len(skus),
        "mismatches": mismatched,
        "examples": examples,
    }


# ---------------------------------------------------------------------- running


def run_scenario(
    spec: ScenarioSpec,
    network: Network,
    index: AvailabilityIndex,
    baseline: Baseline,
    rounds: int,
    seed: int,
    final: bool,
) -> tuple[dict[str, Any], list[str], set[str]]:
    """Time both implementations over the same sequence; ``final``: leave the end state."""
    workload = make_workload(network, spec, seed)
    errors: list[str] = []
    queries_only = [op for op in workload.ops if op[2] is None]
    events_only = [op for op in workload.ops if op[2] is not None]
    # Index time split (same ops, replayed apart), for explaining the mix; not the headline.
    query_samples, event_samples = [], []
    for _ in range(rounds):
        query_samples.append(replay_index(index, queries_only)[0])
        event_samples.append(replay_index(index, events_only)[0])
        reset_index(index, workload.reset)

    baseline_samples: list[float] = []
    index_samples: list[float] = []
    expected: list[int] | None = None
    mismatched_answers = 0
    for number in range(rounds):
        # Alternate which side goes first, so drift on the shared machine hits both.
        order = ("baseline", "index") if number % 2 == 0 else ("index", "baseline")
        answers: dict[str, list[int]] = {}
        for side in order:
            if side == "baseline":
                elapsed, answers[side] = baseline.replay(workload.ops)
                baseline_samples.append(elapsed)
            else:
                elapsed, answers[side] = replay_index(index, workload.ops)
                index_samples.append(elapsed)
        if expected is None:
            expected = answers["baseline"]
        for side in ("baseline", "index"):
            got = answers[side]
            if got != expected:
                differing = sum(a != b for a, b in zip(got, expected, strict=True))
                mismatched_answers += differing
                errors.append(f"{spec.name} round {number}: {side} differs on {differing} queries")
        if not (final and number == rounds - 1):
            baseline.reset(workload.reset)
            reset_index(index, workload.reset)
        log(
            f"  {spec.name} round {number + 1}/{rounds}: baseline {baseline_samples[-1]:.3f} s, "
            f"index {index_samples[-1]:.4f} s"
        )

    baseline_median = statistics.median(baseline_samples)
    index_median = statistics.median(index_samples)
    ops, queries, events = len(workload.ops), workload.queries, workload.events
    figures: dict[str, Any] = {
        "network": network.spec.name,
        "locations": len(network.locations),
        "skus": len(network.products),
        "positions": len(network.positions),
        "density": network.spec.density,
        "ops": ops,
        "queries": queries,
        "events": events,
        "query_share": spec.query_share,
        "event_kinds": workload.event_kinds,
        "positions_touched_by_events": len(workload.reset),
        "rounds": rounds,
        "baseline_seconds_median": baseline_median,
        "index_seconds_median": index_median,
        "baseline_seconds": baseline_samples,
        "index_seconds": index_samples,
        "speedup": baseline_median / index_median,
        "speedup_per_round": [b / i for b, i in zip(baseline_samples, index_samples, strict=True)],
        "baseline_us_per_op": baseline_median / ops * 1e6,
        "index_us_per_op": index_median / ops * 1e6,
        "index_us_per_query": statistics.median(query_samples) / max(queries, 1) * 1e6,
        "index_us_per_event": statistics.median(event_samples) / max(events, 1) * 1e6,
        "index_answers_compared": queries * rounds,
        "answers_mismatched": mismatched_answers,
        "target": spec.target,
    }
    touched = {position.sku for position in workload.reset}
    return figures, errors, touched


def run(*, quick: bool, seed: int) -> dict[str, Any]:
    config = QUICK if quick else FULL
    networks: dict[str, dict[str, Any]] = {}
    scenarios: dict[str, dict[str, Any]] = {}
    errors: list[str] = []
    bytes_per_position: dict[str, float] = {}
    for net_spec in config.networks:
        log(f"{net_spec.name}: generating {net_spec.locations} locations x {net_spec.skus} SKUs")
        start = perf_counter()
        network = make_network(net_spec, seed)
        generated = perf_counter() - start
        figures = network.describe()
        figures["generate_seconds"] = generated
        if net_spec.measure_memory:
            log(f"{net_spec.name}: measuring index memory with tracemalloc")
            retained, per_position = measure_bytes_per_position(network)
            figures["index_traced_bytes"] = retained
            figures["bytes_per_stock_position"] = per_position
            bytes_per_position[net_spec.name] = per_position
        log(f"{net_spec.name}: building the index ({len(network.positions)} positions)")
        index, build_samples = measure_build(network)
        figures["build_seconds_median"] = statistics.median(build_samples)
        figures["build_seconds"] = build_samples
        figures["build_us_per_position"] = (
            statistics.median(build_samples) / len(network.positions) * 1e6
        )
        baseline = Baseline(network)
        own = [s for s in config.scenarios if s.network == net_spec.name]
        touched: set[str] = set()
        for number, scenario in enumerate(own):
            log(f"{scenario.name}: {scenario.ops} ops, {config.rounds} rounds")
            timed, scenario_errors, skus = run_scenario(
                scenario, network, index, baseline, config.rounds, seed, number == len(own) - 1
            )
            scenarios[scenario.name] = timed
            errors.extend(scenario_errors)
            touched |= skus
        log(f"{net_spec.name}: checking the index's final state")
        start = perf_counter()
        check = check_state(index, network, baseline, touched, seed)
        check["seconds"] = perf_counter() - start
        figures["verify"] = check
        if check["mismatches"]:
            errors.append(
                f"{net_spec.name}: {check['mismatches']} mismatches against recomputation"
            )
        networks[net_spec.name] = figures
        del index, baseline, network
        gc.collect()

    identical = not errors
    result: dict[str, Any] = {
        scenario.key: scenarios[scenario.name]["speedup"] for scenario in config.scenarios
    }
    result["results_identical"] = identical
    result["bytes_per_stock_position"] = bytes_per_position[config.memory_network]
    result["bytes_per_stock_position_network"] = config.memory_network
    targets: dict[str, Any] = {}
    for scenario in config.scenarios:
        if scenario.target is not None:
            value = scenarios[scenario.name]["speedup"]
            targets[scenario.key] = {
                "target": scenario.target,
                "value": value,
                "met": value >= scenario.target,
            }
    targets["results_identical"] = {"target": True, "value": identical, "met": identical}
    result["targets"] = targets
    result["rounds"] = config.rounds
    result["workload"] = {
        "now": NOW.isoformat(),
        "zipf_exponent": ZIPF_EXPONENT,
        "channels": [channel.value for channel in CHANNELS],
        "event_kinds": list(EVENT_KINDS),
        "store_safety_percent": STORE_SAFETY_PERCENT,
        "sku_rules": 3 * SKU_RULES_PER_KIND,
        "fragile_sku_share": FRAGILE_SKU_SHARE,
        "fragile_location_share": FRAGILE_LOCATION_SHARE,
        "dc_share": DC_SHARE,
        "speedup": "median baseline seconds / median index seconds, same op sequence",
    }
    result["networks"] = networks
    result["scenarios"] = scenarios
    result["errors"] = errors
    return result


# ---------------------------------------------------------------------- the table


def render(result: Mapping[str, Any]) -> str:
    scenarios: Mapping[str, Mapping[str, Any]] = result["scenarios"]
    networks: Mapping[str, Mapping[str, Any]] = result["networks"]
    quick = " (QUICK: sizes too small for meaningful ratios)" if result.get("quick") else ""
    lines = [
        f"availability benchmark{quick} - Python {result.get('python', '?')}, "
        f"seed {result.get('seed', '?')}, median of {result['rounds']} rounds",
        "",
    ]
    header = (
        f"{'scenario':<16}{'locs':>6}{'SKUs':>7}{'positions':>11}{'dens':>6}{'ops':>7}"
        f"{'base s':>9}{'index s':>9}{'base us/op':>11}{'idx us/op':>10}{'speedup':>9}"
        f"{'target':>8}  met"
    )
    lines += [header, "-" * len(header)]
    for name, s in scenarios.items():
        target = s["target"]
        met = "-" if target is None else ("yes" if s["speedup"] >= target else "NO")
        lines.append(
            f"{name:<16}{s['locations']:>6}{s['skus']:>7}{s['positions']:>11}{s['density']:>6.0%}"
            f"{s['ops']:>7}{s['baseline_seconds_median']:>9.3f}{s['index_seconds_median']:>9.4f}"
            f"{s['baseline_us_per_op']:>11.1f}{s['index_us_per_op']:>10.2f}"
            f"{s['speedup']:>8.1f}x{'-' if target is None else f'>={target:g}':>8}  {met}"
        )
    lines += ["", "index time split (same ops replayed apart): us per query / us per event"]
    for name, s in scenarios.items():
        lines.append(
            f"  {name:<16}{s['index_us_per_query']:>8.2f} / {s['index_us_per_event']:.2f}"
            f"   ({s['queries']} queries, {s['events']} events: {s['event_kinds']})"
        )
    lines += ["", "networks:"]
    for name, n in networks.items():
        memory = (
            f", {n['bytes_per_stock_position']:.1f} B/position"
            if "bytes_per_stock_position" in n
            else ""
        )
        verify = n["verify"]
        lines.append(
            f"  {name:<8} {n['locations']} locations ({n['stores']} stores, "
            f"{n['distribution_centres']} DCs, {n['fragile_handling_locations']} fragile-capable), "
            f"{n['skus']} SKUs ({n['fragile_skus']} fragile), {n['positions']} positions, "
            f"build {n['build_seconds_median']:.2f} s "
            f"({n['build_us_per_position']:.1f} us/position)"
            f"{memory}; verify {verify['mode'].split(' ')[0]} over {verify['skus_checked']} SKUs: "
            f"{verify['mismatches']} mismatches"
        )
    lines += [
        "",
        f"bytes_per_stock_position ({result['bytes_per_stock_position_network']}): "
        f"{result['bytes_per_stock_position']:.1f}",
        f"results_identical: {result['results_identical']}",
    ]
    return "\n".join(lines)
