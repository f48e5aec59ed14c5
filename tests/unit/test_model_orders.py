"""Orders: delivery rules, line requests, order requests, lines and the order aggregate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from omskit.errors import InvalidInput, NotFound
from omskit.model import (
    Address,
    Allocation,
    Channel,
    Delivery,
    DeliveryMethod,
    LineStatus,
    Order,
    OrderFlag,
    OrderLine,
    OrderLineRequest,
    OrderRequest,
    OrderStatus,
)
from omskit.model.orders import MAX_LINES
from omskit.money import Money

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
ADDRESS = Address("Damrak 1", "1012 LG", "Amsterdam", "NL")


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def assert_names(error: InvalidInput, path: str) -> None:
    """The error names the offending field and reads as a phrase."""
    assert error.path == path
    assert str(error) == f"{path}: {error.reason}"
    assert " " in error.reason


def line_request(**changes: Any) -> OrderLineRequest:
    kwargs: dict[str, Any] = {"sku": "SKU-1", "quantity": 3, "unit_price": eur("9.99")}
    kwargs.update(changes)
    return OrderLineRequest(**kwargs)


def order_request(**changes: Any) -> OrderRequest:
    kwargs: dict[str, Any] = {
        "channel": Channel.WEB,
        "external_ref": "cart-1",
        "currency": "EUR",
        "lines": (
            line_request(discount=eur("2.00")),
            line_request(sku="SKU-2", quantity=1, unit_price=eur("5.00")),
        ),
        "delivery": Delivery.ship_to(ADDRESS),
        "customer_id": "C-1",
        "flags": frozenset({OrderFlag.GIFT}),
    }
    kwargs.update(changes)
    return OrderRequest(**kwargs)


def order_line(**changes: Any) -> OrderLine:
    kwargs: dict[str, Any] = {
        "line_id": "1",
        "sku": "SKU-1",
        "quantity": 3,
        "unit_price": eur("9.99"),
    }
    kwargs.update(changes)
    return OrderLine(**kwargs)


def order(**changes: Any) -> Order:
    kwargs: dict[str, Any] = {
        "order_id": "O-1",
        "channel": Channel.WEB,
        "external_ref": "cart-1",
        "currency": "EUR",
        "lines": (order_line(),),
        "delivery": Delivery.ship_to(ADDRESS),
        "placed_at": NOW,
    }
    kwargs.update(changes)
    return Order(**kwargs)


# --- Delivery ---------------------------------------------------------------------------


def test_ship_to_builds_a_shipping_delivery_with_its_address() -> None:
    delivery = Delivery.ship_to(ADDRESS)
    assert delivery.method is DeliveryMethod.SHIP
    assert delivery.address == ADDRESS
    assert delivery.pickup_location_id is None


def test_collect_at_builds_a_click_and_collect_delivery() -> None:
    delivery = Delivery.collect_at("STORE-7")
    assert delivery.method is DeliveryMethod.COLLECT
    assert delivery.pickup_location_id == "STORE-7"
    assert delivery.address is None


def test_collect_at_may_carry_the_customers_address_for_the_invoice() -> None:
    assert Delivery.collect_at("STORE-7", address=ADDRESS).address == ADDRESS


def test_shipping_without_an_address_is_refused() -> None:
    with pytest.raises(InvalidInput, match="needs a delivery address") as caught:
        Delivery(DeliveryMethod.SHIP)
    assert_names(caught.value, "address")


def test_click_and_collect_without_a_pickup_location_is_refused() -> None:
    with pytest.raises(InvalidInput, match="needs a pickup location") as caught:
        Delivery(DeliveryMethod.COLLECT, address=ADDRESS)
    assert_names(caught.value, "pickup_location_id")


def test_a_shipped_delivery_with_a_pickup_location_is_refused() -> None:
    with pytest.raises(InvalidInput, match="has no pickup location") as caught:
        Delivery(DeliveryMethod.SHIP, address=ADDRESS, pickup_location_id="STORE-7")
    assert_names(caught.value, "pickup_location_id")


@pytest.mark.parametrize(
    ("field", "value"),
    [("method", "ship"), ("address", "Damrak 1"), ("pickup_location_id", "store 7")],
)
def test_delivery_refuses_bad_values_naming_the_field(field: str, value: object) -> None:
    kwargs: dict[str, Any] = {
        "method": DeliveryMethod.COLLECT,
        "pickup_location_id": "STORE-7",
        field: value,
    }
    with pytest.raises(InvalidInput) as caught:
        Delivery(**kwargs)
    assert_names(caught.value, field)


# --- OrderLineRequest -------------------------------------------------------------------


def test_a_valid_line_request_keeps_its_values() -> None:
    line = line_request(discount=eur("1.00"))
    assert (line.sku, line.quantity, line.unit_price, line.discount) == (
        "SKU-1",
        3,
        eur("9.99"),
        eur("1.00"),
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sku", ""),
        ("sku", "has space"),
        ("sku", "SKU-1 "),
        ("sku", "SKU-1\t"),
        ("sku", "-leading-dash"),
        ("sku", "x" * 129),
        ("sku", 5),
        ("quantity", 0),
        ("quantity", -1),
        ("quantity", True),
        ("quantity", "3"),
        ("quantity", 3.0),
        ("unit_price", eur("-0.01")),
        ("unit_price", Decimal("9.99")),
        ("unit_price", "9.99"),
        ("unit_price", eur("0.0000001")),
        ("discount", eur("-1.00")),
        ("discount", Decimal("1.00")),
    ],
)
def test_line_request_refuses_bad_values_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        line_request(**{field: value})
    assert_names(caught.value, field)


def test_line_request_refuses_a_sku_with_a_trailing_newline() -> None:
    with pytest.raises(InvalidInput) as caught:
        line_request(sku="SKU-1\n")
    assert_names(caught.value, "sku")


def test_line_request_accepts_sku_identifiers_with_punctuation() -> None:
    assert line_request(sku="ACME/mug:blue.XL#2").sku == "ACME/mug:blue.XL#2"


def test_line_request_refuses_a_discount_in_another_currency() -> None:
    with pytest.raises(InvalidInput, match="unit price's currency") as caught:
        line_request(discount=Money("1.00", "USD"))
    assert_names(caught.value, "discount.currency")


def test_line_request_refuses_a_discount_above_the_line_amount() -> None:
    with pytest.raises(InvalidInput, match="must not exceed the line amount") as caught:
        line_request(quantity=2, unit_price=eur("5.00"), discount=eur("10.01"))
    assert_names(caught.value, "discount")


def test_line_request_accepts_a_discount_of_the_whole_line() -> None:
    line = line_request(quantity=2, unit_price=eur("5.00"), discount=eur("10.00"))
    assert line.total.is_zero()


def test_line_request_total_is_quantity_times_price_less_discount() -> None:
    assert line_request(quantity=3, unit_price=eur("9.99")).total == eur("29.97")
    assert line_request(quantity=3, unit_price=eur("9.99"), discount=eur("2.00")).total == eur(
        "27.97"
    )


def test_line_request_total_is_not_rounded() -> None:
    assert line_request(quantity=3, unit_price=eur("0.333")).total.amount == Decimal("0.999")


# --- OrderRequest -----------------------------------------------------------------------


def test_a_valid_order_request_freezes_its_lines_and_flags() -> None:
    request = order_request(
        lines=[line_request()], flags=[OrderFlag.VIP, OrderFlag.VIP, OrderFlag.GIFT]
    )
    assert isinstance(request.lines, tuple)
    assert request.flags == frozenset({OrderFlag.VIP, OrderFlag.GIFT})
    assert request.placed_at is None


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("channel", "web", "channel"),
        ("external_ref", "", "external_ref"),
        ("external_ref", "cart 1", "external_ref"),
        ("currency", "EURO", "currency"),
        ("currency", None, "currency"),
        ("lines", (), "lines"),
        ("lines", "SKU-1", "lines"),
        ("lines", (line_request(), "SKU-2"), "lines[1]"),
        ("delivery", ADDRESS, "delivery"),
        ("customer_id", "", "customer_id"),
        ("flags", ["gift"], "flags[0]"),
        ("placed_at", datetime(2024, 5, 1, 12, 0), "placed_at"),
        ("placed_at", "2024-05-01T12:00:00Z", "placed_at"),
    ],
)
def test_order_request_refuses_bad_values_naming_the_field(
    field: str, value: object, path: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        order_request(**{field: value})
    assert_names(caught.value, path)


def test_order_request_refuses_a_line_in_another_currency_naming_the_line() -> None:
    lines = (line_request(), line_request(sku="SKU-2", unit_price=Money("5.00", "USD")))
    with pytest.raises(InvalidInput, match="differs from the order currency EUR") as caught:
        order_request(lines=lines)
    assert_names(caught.value, "lines[1].unit_price.currency")
    assert caught.value.value == "USD"


def test_order_request_accepts_up_to_the_maximum_number_of_lines() -> None:
    lines = [line_request(sku=f"SKU-{i}") for i in range(MAX_LINES)]
    assert len(order_request(lines=lines).lines) == MAX_LINES


def test_order_request_refuses_more_than_the_maximum_number_of_lines() -> None:
    lines = [line_request(sku=f"SKU-{i}") for i in range(MAX_LINES + 1)]
    with pytest.raises(InvalidInput, match=f"at most {MAX_LINES} lines") as caught:
        order_request(lines=lines)
    assert_names(caught.value, "lines")


# --- Allocation and OrderLine -----------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"), [("location_id", ""), ("location_id", None), ("quantity", 0)]
)
def test_allocation_refuses_bad_values_naming_the_field(field: str, value: object) -> None:
    kwargs: dict[str, Any] = {"location_id": "WH-1", "quantity": 1, field: value}
    with pytest.raises(InvalidInput) as caught:
        Allocation(**kwargs)
    assert_names(caught.value, field)


def test_a_new_order_line_is_open_unallocated_and_unshipped() -> None:
    line = order_line()
    assert line.status is LineStatus.OPEN
    assert line.allocations == ()
    assert line.allocated_quantity == 0
    assert line.unallocated_quantity == 3
    assert line.shipped_quantity == 0


def test_allocated_quantity_adds_up_the_allocations() -> None:
    line = order_line(quantity=5, allocations=[Allocation("WH-1", 2), Allocation("STORE-1", 1)])
    assert isinstance(line.allocations, tuple)
    assert line.allocated_quantity == 3
    assert line.unallocated_quantity == 2


def test_allocations_may_cover_the_whole_line() -> None:
    line = order_line(quantity=2, allocations=(Allocation("WH-1", 2),))
    assert line.unallocated_quantity == 0


def test_allocations_above_the_line_quantity_are_refused() -> None:
    with pytest.raises(InvalidInput, match=r"allocations \(4\) exceed the line quantity \(3\)"):
        order_line(allocations=(Allocation("WH-1", 2), Allocation("WH-2", 2)))


def test_shipping_more_than_the_line_quantity_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        order_line(shipped_quantity=4)
    assert_names(caught.value, "shipped_quantity")


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("line_id", "", "line_id"),
        ("sku", "a b", "sku"),
        ("quantity", 0, "quantity"),
        ("unit_price", eur("-1"), "unit_price"),
        ("discount", "1.00", "discount"),
        ("status", "open", "status"),
        ("allocations", (("WH-1", 1),), "allocations[0]"),
        ("shipped_quantity", -1, "shipped_quantity"),
        ("shipped_quantity", False, "shipped_quantity"),
    ],
)
def test_order_line_refuses_bad_values_naming_the_field(
    field: str, value: object, path: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        order_line(**{field: value})
    assert_names(caught.value, path)


@pytest.mark.parametrize(
    "discount",
    [eur("-1.00"), Money("1.00", "USD"), eur("30.00")],
    ids=["negative", "other-currency", "above-line-amount"],
)
def test_order_line_validates_its_discount_like_the_line_request(discount: Money) -> None:
    with pytest.raises(InvalidInput) as caught:
        order_line(quantity=1, unit_price=eur("10.00"), discount=discount)
    assert caught.value.path.startswith("discount")


def test_order_line_total_is_quantity_times_price_less_discount() -> None:
    assert order_line(quantity=3, unit_price=eur("9.99")).total == eur("29.97")
    assert order_line(quantity=3, unit_price=eur("9.99"), discount=eur("0.97")).total == eur(
        "29.00"
    )


def test_order_line_from_request_copies_the_request() -> None:
    request = line_request(discount=eur("1.50"))
    line = OrderLine.from_request("7", request)
    assert line.line_id == "7"
    assert (line.sku, line.quantity, line.unit_price, line.discount) == (
        request.sku,
        request.quantity,
        request.unit_price,
        request.discount,
    )
    assert line.matches(request)


@pytest.mark.parametrize(
    "changes",
    [
        {"sku": "SKU-OTHER"},
        {"quantity": 4},
        {"unit_price": eur("9.98")},
        {"discount": eur("0.01")},
    ],
    ids=["sku", "quantity", "unit_price", "discount"],
)
def test_order_line_does_not_match_a_request_that_differs(changes: dict[str, Any]) -> None:
    line = OrderLine.from_request("1", line_request())
    assert not line.matches(line_request(**changes))


def test_order_line_matches_equal_amounts_written_differently() -> None:
    line = OrderLine.from_request("1", line_request(unit_price=eur("9.9")))
    assert line.matches(line_request(unit_price=eur("9.90")))


# --- Order ------------------------------------------------------------------------------


def test_order_from_request_copies_the_request_and_starts_created() -> None:
    request = order_request()
    placed = Order.from_request("O-1", request, placed_at=NOW)
    assert placed.order_id == "O-1"
    assert (placed.channel, placed.external_ref, placed.currency) == (
        Channel.WEB,
        "cart-1",
        "EUR",
    )
    assert placed.customer_id == "C-1"
    assert placed.delivery == request.delivery
    assert placed.flags == frozenset({OrderFlag.GIFT})
    assert placed.status is OrderStatus.CREATED
    assert placed.version == 0
    assert placed.placed_at == NOW


@given(count=st.integers(1, 40))
def test_order_from_request_numbers_lines_one_two_three(count: int) -> None:
    lines = [line_request(sku=f"SKU-{i}", quantity=i + 1) for i in range(count)]
    placed = Order.from_request("O-1", order_request(lines=lines), placed_at=NOW)
    assert [line.line_id for line in placed.lines] == [str(i) for i in range(1, count + 1)]
    for line, request in zip(placed.lines, lines, strict=True):
        assert line.matches(request)
        assert line.status is LineStatus.OPEN


def test_order_from_request_prefers_the_requests_own_placed_at() -> None:
    earlier = NOW - timedelta(hours=3)
    placed = Order.from_request("O-1", order_request(placed_at=earlier), placed_at=NOW)
    assert placed.placed_at == earlier


def test_an_order_matches_the_request_it_was_placed_from() -> None:
    request = order_request()
    assert Order.from_request("O-1", request, placed_at=NOW).matches(request)


def test_an_order_still_matches_its_request_after_it_moved_on() -> None:
    request = order_request()
    placed = Order.from_request("O-1", request, placed_at=NOW)
    moved = placed.evolve(
        status=OrderStatus.ALLOCATED,
        version=3,
        lines=tuple(
            attrs.evolve(
                line,
                status=LineStatus.ALLOCATED,
                allocations=(Allocation("WH-1", line.quantity),),
            )
            for line in placed.lines
        ),
    )
    assert moved.matches(request)


def test_matching_ignores_placed_at() -> None:
    placed = Order.from_request("O-1", order_request(placed_at=NOW), placed_at=NOW)
    assert placed.matches(order_request(placed_at=NOW + timedelta(minutes=5)))
    assert placed.matches(order_request())


def _in_usd(request: OrderRequest) -> OrderRequest:
    return attrs.evolve(
        request,
        currency="USD",
        lines=tuple(
            attrs.evolve(
                line,
                unit_price=Money(line.unit_price.amount, "USD"),
                discount=None,
            )
            for line in request.lines
        ),
    )


_BASE_LINES = order_request().lines

DIFFERENT_REQUESTS: dict[str, dict[str, Any]] = {
    "channel": {"channel": Channel.PHONE},
    "external_ref": {"external_ref": "cart-2"},
    "customer_id": {"customer_id": "C-2"},
    "no customer_id": {"customer_id": None},
    "delivery": {"delivery": Delivery.collect_at("STORE-7")},
    "delivery address": {
        "delivery": Delivery.ship_to(Address("Coolsingel 40", "3011 AD", "Rotterdam", "NL"))
    },
    "flags": {"flags": frozenset({OrderFlag.VIP})},
    "no flags": {"flags": frozenset()},
    "fewer lines": {"lines": _BASE_LINES[:1]},
    "more lines": {"lines": (*_BASE_LINES, line_request(sku="SKU-3"))},
    "line sku": {"lines": (attrs.evolve(_BASE_LINES[0], sku="SKU-9"), _BASE_LINES[1])},
    "line quantity": {"lines": (_BASE_LINES[0], attrs.evolve(_BASE_LINES[1], quantity=2))},
    "line unit_price": {
        "lines": (_BASE_LINES[0], attrs.evolve(_BASE_LINES[1], unit_price=eur("5.01")))
    },
    "line discount": {"lines": (attrs.evolve(_BASE_LINES[0], discount=None), _BASE_LINES[1])},
}


@pytest.mark.parametrize("changes", DIFFERENT_REQUESTS.values(), ids=DIFFERENT_REQUESTS.keys())
def test_an_order_does_not_match_a_request_that_differs_in_any_field(
    changes: dict[str, Any],
) -> None:
    placed = Order.from_request("O-1", order_request(), placed_at=NOW)
    assert not placed.matches(order_request(**changes))


def test_an_order_does_not_match_the_same_request_in_another_currency() -> None:
    request = order_request()
    placed = Order.from_request("O-1", request, placed_at=NOW)
    usd = _in_usd(request)
    assert not placed.matches(usd)
    assert Order.from_request("O-1", usd, placed_at=NOW).matches(usd)


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("order_id", "", "order_id"),
        ("channel", "web", "channel"),
        ("external_ref", "a b", "external_ref"),
        ("currency", "EURO", "currency"),
        ("lines", (), "lines"),
        ("lines", (line_request(),), "lines[0]"),
        ("delivery", None, "delivery"),
        ("placed_at", datetime(2024, 5, 1, 12, 0), "placed_at"),
        ("placed_at", None, "placed_at"),
        ("customer_id", "", "customer_id"),
        ("flags", ["gift"], "flags[0]"),
        ("status", "created", "status"),
        ("version", -1, "version"),
        ("version", True, "version"),
    ],
)
def test_order_refuses_bad_values_naming_the_field(field: str, value: object, path: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        order(**{field: value})
    assert_names(caught.value, path)


def test_order_refuses_repeated_line_ids() -> None:
    lines = (order_line(line_id="1"), order_line(line_id="1", sku="SKU-2"))
    with pytest.raises(InvalidInput, match="line ids must be unique") as caught:
        order(lines=lines)
    assert_names(caught.value, "lines")


def test_order_refuses_a_line_in_another_currency_naming_the_line() -> None:
    lines = (order_line(), order_line(line_id="2", unit_price=Money("1.00", "USD")))
    with pytest.raises(InvalidInput) as caught:
        order(lines=lines)
    assert_names(caught.value, "lines[1].unit_price.currency")


def test_order_line_looks_up_a_line_by_id() -> None:
    placed = Order.from_request("O-1", order_request(), placed_at=NOW)
    assert placed.line("2").sku == "SKU-2"


def test_order_line_raises_not_found_for_an_unknown_line() -> None:
    with pytest.raises(NotFound) as caught:
        order().line("9")
    assert (caught.value.kind, caught.value.key) == ("order line", "O-1/9")


def test_order_total_adds_line_totals_after_discounts() -> None:
    placed = Order.from_request("O-1", order_request(), placed_at=NOW)
    # 3 x 9.99 - 2.00 + 1 x 5.00
    assert placed.total == eur("32.97")


def test_order_total_rounds_the_sum_not_each_line() -> None:
    lines = (
        order_line(line_id="1", quantity=1, unit_price=eur("0.005")),
        order_line(line_id="2", quantity=1, unit_price=eur("0.005")),
    )
    assert order(lines=lines).total.amount == Decimal("0.01")


def test_order_total_rounds_half_even_to_the_minor_unit() -> None:
    total = order(lines=(order_line(quantity=1, unit_price=eur("0.125")),)).total
    assert total.amount == Decimal("0.12")
    assert total.amount.as_tuple().exponent == -2


def test_order_total_in_yen_has_no_decimals() -> None:
    line = order_line(quantity=3, unit_price=Money("333.5", "JPY"))
    total = order(currency="JPY", lines=(line,)).total
    assert total == Money("1000", "JPY")
    assert total.amount.as_tuple().exponent == 0


@given(
    prices=st.lists(
        st.decimals(min_value=0, max_value=10000, places=4, allow_nan=False),
        min_size=1,
        max_size=30,
    ),
    quantity=st.integers(1, 50),
)
def test_order_total_is_the_rounded_sum_of_the_line_totals(
    prices: list[Decimal], quantity: int
) -> None:
    lines = tuple(
        order_line(line_id=str(i), quantity=quantity, unit_price=eur(str(price)))
        for i, price in enumerate(prices, 1)
    )
    total = order(lines=lines).total
    assert total.is_rounded()
    assert total == eur(str(sum(p * quantity for p in prices))).rounded()


def test_order_evolve_returns_a_changed_copy_and_leaves_the_original() -> None:
    original = order()
    changed = original.evolve(status=OrderStatus.ALLOCATED, version=1)
    assert (changed.status, changed.version) == (OrderStatus.ALLOCATED, 1)
    assert (original.status, original.version) == (OrderStatus.CREATED, 0)


@pytest.mark.parametrize(
    ("changes", "path"),
    [({"version": -1}, "version"), ({"lines": ()}, "lines"), ({"status": "packed"}, "status")],
)
def test_order_evolve_validates_like_a_new_order(changes: dict[str, Any], path: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        order().evolve(**changes)
    assert_names(caught.value, path)


def test_orders_lines_and_requests_are_frozen() -> None:
    placed = order()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        placed.status = OrderStatus.CANCELLED  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        placed.lines[0].quantity = 99  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        order_request().lines = ()  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        Delivery.ship_to(ADDRESS).address = None  # type: ignore[misc]
