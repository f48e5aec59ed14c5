"""Oms.plan_routing: the memory store's short cuts answer and fail exactly as the store reads do.

On the memory store ``plan_routing`` takes products the availability index
knows from the index instead of reading them from the store. Each test runs
the same call on an ``Oms`` over a plain ``MemoryStore`` (the short cut), over
a ``MemoryStore`` subclass and over SQLite (both read every product from the
store, the path that was the only one before) and wants the same answer or
the same error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from omskit import (
    Address,
    Capability,
    Channel,
    Delivery,
    GeoPoint,
    InvalidInput,
    Location,
    LocationKind,
    Money,
    NotFound,
    Oms,
    OmsError,
    Order,
    OrderLineRequest,
    OrderRequest,
    Product,
)
from omskit.adapters.memory import ManualClock, MemoryStore, SequentialIds
from omskit.adapters.sqlite import SqliteStore
from omskit.model import Customer
from omskit.routing.decision import RoutingDecision

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
HOME = Address("Damrak 1", "1012 LG", "Amsterdam", "NL", point=GeoPoint(52.375, 4.89))


class PlainMemoryStore(MemoryStore):
    """A memory store the service does not recognise: it reads every product from it."""


class NaiveClock:
    def now(self) -> datetime:
        return datetime(2026, 1, 5, 9, 0)  # no time zone: the mistake under test


def stocked(oms: Oms) -> Oms:
    oms.register_location(
        Location(
            "DC",
            "DC Tilburg",
            LocationKind.DISTRIBUTION_CENTRE,
            GeoPoint(51.5555, 5.0913),
            "NL",
            capabilities={Capability.SHIP},
        )
    )
    oms.register_location(
        Location(
            "AMS",
            "Store Amsterdam",
            LocationKind.STORE,
            GeoPoint(52.3702, 4.8952),
            "NL",
            {Capability.SHIP, Capability.CLICK_AND_COLLECT},
            channels={Channel.WEB, Channel.MARKETPLACE},
        )
    )
    oms.register_location(
        Location(
            "UTR",
            "Store Utrecht",
            LocationKind.STORE,
            GeoPoint(52.0907, 5.1214),
            "NL",
            {Capability.SHIP},
        )
    )
    oms.register_product(Product("BEANS", "Beans 1 kg"))
    oms.register_product(Product("KETTLE", "Kettle"))
    oms.register_product(Product("DRIPPER", "Dripper", release_date=date(2026, 3, 1)))
    oms.register_customer(Customer("C-1", "Ada"))
    oms.receive_stock("BEANS", "AMS", 3)
    oms.receive_stock("BEANS", "DC", 20)
    oms.receive_stock("KETTLE", "UTR", 1)
    oms.receive_stock("DRIPPER", "DC", 10)
    return oms


Build = Callable[..., Oms]


@pytest.fixture
def builds(tmp_path: Path) -> Iterator[dict[str, Build]]:
    opened: list[Oms] = []

    def make(store: Callable[[], Any]) -> Build:
        def build(**settings: Any) -> Oms:
            settings.setdefault("clock", ManualClock(NOW))
            oms = Oms(store(), ids=SequentialIds(), **settings)
            opened.append(oms)
            return oms

        return build

    counter = iter(range(1000))
    yield {
        "memory": make(MemoryStore),
        "plain memory": make(PlainMemoryStore),
        "sqlite": make(lambda: SqliteStore(tmp_path / f"oms-{next(counter)}.db")),
    }
    for oms in opened:
        oms.close()


def order(lines: list[tuple[str, int]], **changes: Any) -> OrderRequest:
    kwargs: dict[str, Any] = {
        "channel": Channel.WEB,
        "external_ref": "W-1",
        "currency": "EUR",
        "lines": [OrderLineRequest(sku, qty, Money("4.50", "EUR")) for sku, qty in lines],
        "delivery": Delivery.ship_to(HOME),
    }
    kwargs.update(changes)
    return OrderRequest(**kwargs)


def outcome(decision: RoutingDecision) -> tuple[Any, ...]:
    return (
        decision.explain(),
        [
            (line.sku, line.unfulfilled, [(a.location_id, a.quantity) for a in line.allocations])
            for line in decision.lines
        ],
    )


def failure(call: Callable[[OrderRequest], object], request_: OrderRequest) -> tuple[Any, ...]:
    """What ``call(request_)`` raises: its class, message, path and fields."""
    with pytest.raises(OmsError) as raised:
        call(request_)
    error = raised.value
    return type(error), str(error), getattr(error, "path", None), vars(error)


GOOD = [
    order([("BEANS", 2)]),
    order([("BEANS", 5), ("KETTLE", 1), ("BEANS", 1)]),
    order([("DRIPPER", 1), ("BEANS", 1)]),  # a pre-order line: no stock before release
    order([("KETTLE", 2)], customer_id="C-1"),
    order([("BEANS", 1)], delivery=Delivery.collect_at("AMS")),
    order([("BEANS", 1)], channel=Channel.MARKETPLACE, placed_at=NOW),
]


@pytest.mark.parametrize("request_", GOOD, ids=range(len(GOOD)))
def test_every_store_plans_the_same_routes(
    builds: dict[str, Build], request_: OrderRequest
) -> None:
    plans = {
        name: outcome(stocked(build()).plan_routing(request_)) for name, build in builds.items()
    }
    assert plans["memory"] == plans["plain memory"] == plans["sqlite"]


BAD = [
    order([("NOPE", 1)]),
    order([("BEANS", 1), ("BEANS", 2), ("NOPE", 1)]),
    order([("NOPE", 1), ("ALSO-NOPE", 1)]),
    order([("NOPE", 1)], customer_id="C-404"),
    order([("BEANS", 1)], customer_id="C-404"),
    order([("BEANS", 1)], delivery=Delivery.collect_at("NOWHERE")),
    order([("BEANS", 1)], delivery=Delivery.collect_at("UTR")),
    order([("BEANS", 1)], delivery=Delivery.collect_at("AMS"), channel=Channel.PHONE),
]


@pytest.mark.parametrize("request_", BAD, ids=range(len(BAD)))
def test_a_bad_request_fails_as_placing_it_fails_on_every_store(
    builds: dict[str, Build], request_: OrderRequest
) -> None:
    failures = {}
    for name, build in builds.items():
        oms = stocked(build())
        failures[name] = failure(oms.plan_routing, request_)
        assert failure(oms.place_order, request_) == failures[name]
    assert failures["memory"] == failures["plain memory"] == failures["sqlite"]
    assert failures["memory"][0] in (NotFound, InvalidInput)


def test_an_unknown_product_is_named_by_its_first_line(builds: dict[str, Build]) -> None:
    oms = stocked(builds["memory"]())
    with pytest.raises(NotFound) as raised:
        oms.plan_routing(order([("BEANS", 1), ("NOPE", 1), ("NOPE", 2)]))
    assert (raised.value.path, raised.value.key) == ("lines[1].sku", "NOPE")


def test_a_clock_without_a_time_zone_fails_as_placing_fails(builds: dict[str, Build]) -> None:
    for build in builds.values():
        oms = stocked(build())
        oms.clock = NaiveClock()
        planned = failure(oms.plan_routing, order([("BEANS", 1)]))
        assert planned == failure(oms.place_order, order([("BEANS", 1)]))
        assert planned[2] == "placed_at"


def test_not_a_request_is_refused(builds: dict[str, Build]) -> None:
    oms = builds["memory"]()
    with pytest.raises(InvalidInput) as raised:
        oms.plan_routing("W-1")  # type: ignore[arg-type]
    assert raised.value.path == "request"


def test_a_product_only_the_store_knows_is_checked_in_the_store() -> None:
    """Two services on one memory store: the second's index misses the first's products."""
    for store in (MemoryStore(), PlainMemoryStore()):
        second = Oms(store, clock=ManualClock(NOW), ids=SequentialIds())
        stocked(Oms(store, clock=ManualClock(NOW), ids=SequentialIds()))
        # Known to the store, so the request is valid; the stale index has no stock row.
        with pytest.raises(NotFound) as raised:
            second.plan_routing(order([("BEANS", 1)]))
        assert (raised.value.key, raised.value.path) == ("BEANS", "")
        with pytest.raises(NotFound) as unknown:
            second.plan_routing(order([("NOPE", 1)]))
        assert unknown.value.path == "lines[0].sku"
        second.rebuild_availability_index()
        assert second.plan_routing(order([("BEANS", 1)])).lines[0].unfulfilled == 0


def test_a_read_leaves_nothing_behind(builds: dict[str, Build]) -> None:
    oms = stocked(builds["memory"]())
    before = oms.stock_position("BEANS", "AMS")
    oms.plan_routing(order([("BEANS", 3)]))
    assert oms.stock_position("BEANS", "AMS") == before
    assert oms.orders() == ()
    assert oms.check_availability_index() == ()


@pytest.mark.parametrize("request_", GOOD, ids=range(len(GOOD)))
def test_the_plan_is_what_placing_the_order_reserves(
    builds: dict[str, Build], request_: OrderRequest
) -> None:
    for build in builds.values():
        oms = stocked(build())
        plan = oms.plan_routing(request_)
        placed = oms.place_order(request_)
        assert [
            sorted((a.location_id, a.quantity) for a in line.allocations) for line in plan.lines
        ] == [
            sorted((a.location_id, a.quantity) for a in line.allocations) for line in placed.lines
        ]
        assert placed.routing is not None
        explained = placed.routing.explanation.replace(placed.order_id, "PLAN", 1)
        assert explained == plan.explain()


def test_a_product_before_its_release_date_is_planned_from_nowhere(
    builds: dict[str, Build],
) -> None:
    for build in builds.values():
        plan = stocked(build()).plan_routing(order([("DRIPPER", 2), ("BEANS", 1)]))
        assert [(line.sku, line.unfulfilled) for line in plan.lines] == [
            ("DRIPPER", 2),
            ("BEANS", 0),
        ]


def planned_and_replayed(oms: Oms, request_: OrderRequest) -> tuple[list[Any], list[Any]]:
    """Where ``plan_routing`` and ``replay_routing`` (the same order, placed now) route it."""
    past = Order.from_request("P-1", request_, placed_at=oms.clock.now())
    report = oms.replay_routing([past], [oms.routing_profile(Channel.WEB)])
    (replayed,) = report.outcomes[0].decisions
    return outcome(oms.plan_routing(request_))[1], outcome(replayed)[1]


def test_replay_sees_the_stock_planning_and_placing_see_once_a_cart_hold_expired(
    builds: dict[str, Build],
) -> None:
    request_ = order([("BEANS", 2)])
    for name, build in builds.items():
        clock = ManualClock(NOW)
        oms = stocked(build(clock=clock))
        oms.hold_stock(
            "BEANS",
            3,
            channel=Channel.WEB,
            cart_id="CART-1",
            location_id="AMS",
            ttl=timedelta(minutes=1),
        )
        # While the hold lasts, Amsterdam has nothing to sell: both ship from the DC.
        assert planned_and_replayed(oms, request_) == ([("BEANS", 0, [("DC", 2)])],) * 2, name
        clock.advance(timedelta(minutes=5))
        # Expired (not yet swept): Amsterdam's three units are sellable again, for both.
        assert planned_and_replayed(oms, request_) == ([("BEANS", 0, [("AMS", 2)])],) * 2, name
        placed = oms.place_order(request_)
        assert [(a.location_id, a.quantity) for a in placed.lines[0].allocations] == [("AMS", 2)]
