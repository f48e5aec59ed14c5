"""The incremental availability index: deltas, expiries, undo, and equality with a recomputation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omskit.availability import (
    AvailabilityDelta,
    AvailabilityIndex,
    ChangeSet,
    SafetyStockPolicy,
    recompute_availability,
    waiting_units,
    workload_lines,
)
from omskit.errors import InvalidInput, NotFound
from omskit.geo import GeoPoint
from omskit.model import (
    Allocation,
    Capability,
    Channel,
    Delivery,
    LineStatus,
    Location,
    LocationKind,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    Reservation,
    StockPosition,
)
from omskit.money import Money

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CAPS = {Capability.SHIP, Capability.CLICK_AND_COLLECT}
DC = Location(
    "DC",
    "DC",
    LocationKind.DISTRIBUTION_CENTRE,
    GeoPoint(51.5, 5.0),
    "NL",
    {Capability.SHIP, Capability.HANDLES_FRAGILE},
)
AMS = Location("AMS", "Amsterdam", LocationKind.STORE, GeoPoint(52.37, 4.89), "NL", CAPS)
WEB_ONLY = Location(
    "WEB",
    "Web DC",
    LocationKind.WAREHOUSE,
    GeoPoint(52.0, 5.0),
    "NL",
    {Capability.SHIP},
    channels={Channel.WEB},
)
BEANS = Product("BEANS", "Beans")
CUPS = Product("CUPS", "Cups", fragile=True)
STORES_12 = SafetyStockPolicy.from_dict({"rule": [{"location_kind": "store", "percent": "12"}]})


def index(*positions: StockPosition, policy: SafetyStockPolicy | None = None) -> AvailabilityIndex:
    return AvailabilityIndex.build(
        locations=[DC, AMS, WEB_ONLY], products=[BEANS, CUPS], positions=positions, policy=policy
    )


def apply(ix: AvailabilityIndex, *positions: StockPosition) -> tuple[AvailabilityDelta, ...]:
    changes = ChangeSet()
    for position in positions:
        changes.position(position)
    return ix.apply(changes).deltas


def hold(rid: str, quantity: int, minutes: int, sku: str = "BEANS", at: str = "AMS") -> Reservation:
    return Reservation(
        rid, sku, at, quantity, NOW, expires_at=NOW + timedelta(minutes=minutes), cart_id="C1"
    )


def test_a_stock_change_reports_each_channel_whose_total_moved() -> None:
    ix = index(StockPosition("BEANS", "WEB", 4))
    deltas = apply(ix, StockPosition("BEANS", "WEB", 10))
    assert deltas == (AvailabilityDelta("BEANS", Channel.WEB, 4, 10),)
    assert ix.total("BEANS", Channel.WEB, now=NOW) == 10
    assert ix.total("BEANS", Channel.MARKETPLACE, now=NOW) == 0


def test_safety_stock_and_reservations_shape_every_total() -> None:
    ix = index(StockPosition("BEANS", "AMS", 50, reserved=10), policy=STORES_12)
    # 12% of 50 rounds up to 6 held back; 50 - 10 - 6 = 34 sellable.
    assert ix.total("BEANS", Channel.WEB, now=NOW) == 34
    entry = ix.availability("BEANS", Channel.WEB, now=NOW).by_location[0]
    assert (entry.on_hand, entry.sellable, entry.held_back) == (50, 34, 6)


def test_a_fragile_product_counts_only_where_it_can_be_handled() -> None:
    ix = index(StockPosition("CUPS", "AMS", 5), StockPosition("CUPS", "DC", 3))
    assert ix.total("CUPS", Channel.WEB, now=NOW) == 3
    assert ix.sellable_at("CUPS", "AMS", Channel.WEB, now=NOW) == 0
    assert ix.sellable_at("CUPS", "DC", Channel.WEB, now=NOW) == 3


def test_an_unchanged_total_reports_no_delta() -> None:
    ix = index(StockPosition("BEANS", "DC", 5, reserved=5))
    assert apply(ix, StockPosition("BEANS", "DC", 4, reserved=4)) == ()


def test_a_hold_stops_counting_at_its_expiry_instant_without_a_sweep() -> None:
    ix = index()
    changes = ChangeSet()
    changes.position(StockPosition("BEANS", "DC", 10, reserved=3))
    changes.hold_added(hold("H1", 3, 15, at="DC"))
    ix.apply(changes)
    expiry = NOW + timedelta(minutes=15)
    assert ix.total("BEANS", Channel.WEB, now=expiry - timedelta(microseconds=1)) == 7
    assert ix.total("BEANS", Channel.WEB, now=expiry) == 10
    assert ix.availability("BEANS", Channel.WEB, now=expiry).total == 10
    assert ix.sellable_at("BEANS", "DC", Channel.WEB, now=expiry) == 10
    assert ix.expired_holds(expiry) == ("H1",)
    assert ix.expired_holds(expiry - timedelta(seconds=1)) == ()


def test_sweeping_an_expired_hold_reports_the_stored_total_catching_up() -> None:
    ix = index()
    changes = ChangeSet()
    changes.position(StockPosition("BEANS", "DC", 10, reserved=3))
    changes.hold_added(hold("H1", 3, 15, at="DC"))
    ix.apply(changes)
    sweep = ChangeSet()
    sweep.position(StockPosition("BEANS", "DC", 10))
    sweep.hold_removed(hold("H1", 3, 15, at="DC"))
    update = ix.apply(sweep)
    assert AvailabilityDelta("BEANS", Channel.WEB, 7, 10) in update.deltas
    assert ix.expired_holds(NOW + timedelta(days=1)) == ()


def test_undo_restores_every_figure() -> None:
    ix = index(StockPosition("BEANS", "AMS", 8), policy=STORES_12)
    before = {c: ix.availability("BEANS", c, now=NOW) for c in Channel}
    changes = ChangeSet()
    changes.position(StockPosition("BEANS", "AMS", 20, reserved=2))
    changes.position(StockPosition("BEANS", "DC", 4))
    changes.hold_added(hold("H1", 2, 5))
    changes.location(Location("AMS", "Amsterdam", LocationKind.STORE, AMS.point, "NL", set()))
    changes.product(Product("BEANS", "Beans", hazardous=True))
    update = ix.apply(changes)
    assert update.deltas
    update.undo()
    assert {c: ix.availability("BEANS", c, now=NOW) for c in Channel} == before
    assert ix.expired_holds(NOW + timedelta(days=1)) == ()
    assert len(ix) == 1


def test_a_location_that_stops_shipping_leaves_the_totals() -> None:
    ix = index(StockPosition("BEANS", "AMS", 8))
    changes = ChangeSet()
    changes.location(Location("AMS", "Amsterdam", LocationKind.STORE, AMS.point, "NL", set()))
    deltas = ix.apply(changes).deltas
    assert AvailabilityDelta("BEANS", Channel.WEB, 8, 0) in deltas
    assert ix.total("BEANS", Channel.WEB, now=NOW) == 0


def test_an_unknown_sku_is_not_found_and_a_known_one_without_stock_is_zero() -> None:
    ix = index()
    with pytest.raises(NotFound):
        ix.total("NOPE", Channel.WEB, now=NOW)
    assert ix.total("BEANS", Channel.WEB, now=NOW) == 0
    assert ix.availability("BEANS", Channel.WEB, now=NOW).by_location == ()
    assert ix.sellable_at("BEANS", "NOWHERE", Channel.WEB, now=NOW) == 0


def test_a_change_set_that_is_not_one_is_refused() -> None:
    with pytest.raises(InvalidInput):
        index().apply({"positions": []})  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        AvailabilityIndex("12%")  # type: ignore[arg-type]


def test_a_hold_added_and_removed_in_one_change_set_cancels_out() -> None:
    changes = ChangeSet()
    changes.hold_added(hold("H1", 1, 5))
    changes.hold_removed(hold("H1", 1, 5))
    order_reservation = Reservation("R1", "BEANS", "DC", 1, NOW, order_id="O1")
    changes.hold_added(order_reservation)
    changes.hold_removed(order_reservation)
    assert not changes
    changes.position(StockPosition("BEANS", "DC", 1))
    assert changes
    changes.clear()
    assert not changes


def test_backordered_units_of_live_orders_are_counted_per_sku() -> None:
    order = _order(OrderStatus.BACKORDERED, [("BEANS", 3), ("BEANS", 2), ("CUPS", 1)])
    assert waiting_units(order) == {"BEANS": 5, "CUPS": 1}
    assert waiting_units(_order(OrderStatus.CANCELLED, [("BEANS", 3)])) == {}
    ix = index()
    changes = ChangeSet()
    changes.order(order)
    ix.apply(changes)
    assert ix.waiting("BEANS") == 5
    changes = ChangeSet()
    changes.order(_order(OrderStatus.CANCELLED, [("BEANS", 3)]))
    ix.apply(changes)
    assert ix.waiting("BEANS") == 0


def _order(status: OrderStatus, lines: list[tuple[str, int]]) -> Order:
    return Order(
        "O1",
        Channel.WEB,
        "W1",
        "EUR",
        tuple(
            OrderLine(f"L{n}", sku, qty, Money("1.00", "EUR"), status=LineStatus.BACKORDERED)
            for n, (sku, qty) in enumerate(lines, 1)
        ),
        Delivery.collect_at("AMS"),
        NOW,
        status=status,
    )


# --------------------------------------------------------------------------- properties

positions_st = st.builds(
    lambda sku, loc, free, reserved, allocated: StockPosition(
        sku, loc, free + reserved + allocated, reserved, allocated
    ),
    st.sampled_from(["BEANS", "CUPS", "GHOST"]),
    st.sampled_from(["DC", "AMS", "WEB", "UNREGISTERED"]),
    st.integers(0, 30),
    st.integers(0, 10),
    st.integers(0, 10),
)
policies = st.sampled_from(
    [
        None,
        STORES_12,
        SafetyStockPolicy.from_dict(
            {
                "rule": [
                    {"units": 2},
                    {"sku": "BEANS", "location_id": "AMS", "percent": "50"},
                    {"channel": "marketplace", "location_kind": "store", "units": 30},
                ]
            }
        ),
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    policy=policies,
    initial=st.lists(positions_st, max_size=8),
    steps=st.lists(st.lists(positions_st, min_size=1, max_size=4), max_size=6),
)
def test_applied_changes_always_equal_a_fresh_build(
    policy: SafetyStockPolicy | None,
    initial: list[StockPosition],
    steps: list[list[StockPosition]],
) -> None:
    ix = index(*initial, policy=policy)
    state = {(p.sku, p.location_id): p for p in initial}
    for step in steps:
        totals = {(s, c): _total(ix, s, c) for s in ("BEANS", "CUPS", "GHOST") for c in Channel}
        deltas = apply(ix, *step)
        for p in step:
            state[(p.sku, p.location_id)] = p
        for delta in deltas:
            assert totals[(delta.sku, delta.channel)] == delta.previous
            assert delta.current == _total(ix, delta.sku, delta.channel) != delta.previous
        moved = {(d.sku, d.channel) for d in deltas}
        for key, previous in totals.items():
            if key not in moved:
                assert _total(ix, *key) == previous
    assert (
        ix.verify(
            locations=[DC, AMS, WEB_ONLY],
            products=[BEANS, CUPS],
            positions=state.values(),
            now=NOW,
        )
        == ()
    )


def _total(ix: AvailabilityIndex, sku: str, channel: Channel) -> int:
    try:
        return ix.total(sku, channel, now=NOW)
    except NotFound:  # a SKU with neither a product nor stock yet
        return 0


def test_verify_reports_a_figure_that_drifted() -> None:
    ix = index(StockPosition("BEANS", "DC", 5))
    mismatches = ix.verify(
        locations=[DC, AMS, WEB_ONLY],
        products=[BEANS, CUPS],
        positions=[StockPosition("BEANS", "DC", 7)],
        orders=[_order(OrderStatus.BACKORDERED, [("CUPS", 2)])],
        now=NOW,
    )
    drifted = {(m.sku, m.channel, m.indexed, m.recomputed) for m in mismatches}
    assert ("BEANS", Channel.WEB, 5, 7) in drifted
    assert ("CUPS", None, 0, 2) in drifted


def test_the_recomputation_takes_expired_holds_off_reserved() -> None:
    positions = [StockPosition("BEANS", "DC", 10, reserved=4)]
    holds = [hold("H1", 3, 10, at="DC"), hold("H2", 1, 30, at="DC")]
    later = NOW + timedelta(minutes=10)
    figures = recompute_availability(
        "BEANS", Channel.WEB, positions, {"DC": DC}, holds=holds, now=later
    )
    assert figures.total == 9


def test_a_build_takes_only_holds_and_their_expiry_counts() -> None:
    positions = [StockPosition("BEANS", "DC", 10, reserved=5)]
    order_reservation = Reservation("R1", "BEANS", "DC", 2, NOW, order_id="O1")
    ix = AvailabilityIndex.build(
        locations=[DC],
        products=[BEANS],
        positions=positions,
        holds=[hold("H1", 3, 10, at="DC"), order_reservation],
    )
    later = NOW + timedelta(minutes=10)
    assert ix.total("BEANS", Channel.WEB, now=later) == 8
    assert ix.expired_holds(later) == ("H1",)
    assert ix.skus() == ("BEANS",)


def test_undoing_a_new_product_a_new_sku_and_a_hold_removal_restores_them() -> None:
    ix = index()
    first = ChangeSet()
    first.position(StockPosition("BEANS", "DC", 6, reserved=2))
    first.hold_added(hold("H1", 2, 5, at="DC"))
    ix.apply(first)
    changes = ChangeSet()
    changes.product(Product("NEW", "New"))
    changes.hold_added(hold("H2", 1, 5, sku="NEW", at="DC"))
    changes.position(StockPosition("NEW", "DC", 1, reserved=1))
    changes.hold_removed(hold("H1", 2, 5, at="DC"))
    changes.position(StockPosition("BEANS", "DC", 6))
    ix.apply(changes).undo()
    with pytest.raises(NotFound):
        ix.total("NEW", Channel.WEB, now=NOW)
    later = NOW + timedelta(minutes=5)
    assert ix.expired_holds(later) == ("H1",)
    assert ix.total("BEANS", Channel.WEB, now=NOW) == 4
    assert ix.total("BEANS", Channel.WEB, now=later) == 6


def test_redefining_a_location_recomputes_its_skus_and_can_be_undone() -> None:
    ix = index(StockPosition("CUPS", "AMS", 5))
    assert ix.total("CUPS", Channel.WEB, now=NOW) == 0
    fragile_ams = attrs.evolve(AMS, capabilities=CAPS | {Capability.HANDLES_FRAGILE})
    changes = ChangeSet()
    changes.location(fragile_ams)
    update = ix.apply(changes)
    assert AvailabilityDelta("CUPS", Channel.WEB, 0, 5) in update.deltas
    assert ix.location("AMS") == fragile_ams
    update.undo()
    assert ix.total("CUPS", Channel.WEB, now=NOW) == 0
    assert ix.location("AMS") == AMS
    assert ix.location("NOWHERE") is None


def test_verify_flags_a_sku_the_index_never_saw() -> None:
    ix = index()
    mismatches = ix.verify(
        locations=[DC],
        products=[BEANS, CUPS, Product("LATE", "Registered elsewhere")],
        positions=[],
        now=NOW,
    )
    assert {(m.sku, m.indexed) for m in mismatches} == {("LATE", -1)}


def test_open_lines_per_location_are_tallied_and_verified() -> None:
    allocated = attrs.evolve(
        _order(OrderStatus.ALLOCATED, [("BEANS", 2), ("CUPS", 1)]),
        lines=(
            OrderLine(
                "L1",
                "BEANS",
                2,
                Money("1.00", "EUR"),
                status=LineStatus.ALLOCATED,
                allocations=[Allocation("DC", 1), Allocation("AMS", 1)],
            ),
            OrderLine(
                "L2",
                "CUPS",
                1,
                Money("1.00", "EUR"),
                status=LineStatus.ALLOCATED,
                allocations=[Allocation("DC", 1)],
            ),
        ),
    )
    assert workload_lines(allocated) == {"DC": 2, "AMS": 1}
    ix = index()
    changes = ChangeSet()
    changes.order(allocated)
    ix.apply(changes)
    assert ix.workload() == {"DC": 2, "AMS": 1}
    state = {"locations": [DC, AMS, WEB_ONLY], "products": [BEANS, CUPS], "positions": []}
    assert ix.verify(**state, orders=[allocated], now=NOW) == ()  # type: ignore[arg-type]
    drift = ix.verify(**state, orders=[], now=NOW)  # type: ignore[arg-type]
    assert {(m.sku, m.indexed, m.recomputed) for m in drift} == {("DC", 2, 0), ("AMS", 1, 0)}
    changes = ChangeSet()
    changes.order(attrs.evolve(allocated, status=OrderStatus.CANCELLED))
    ix.apply(changes).undo()
    assert ix.workload() == {"DC": 2, "AMS": 1}
