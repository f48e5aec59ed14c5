"""Opening an order from its request: the trusted construction equals the validated one.

``Order.from_request`` and ``OrderLine.from_request`` skip the validators the
request already passed; these tests hold them to what ``Order(...)`` and
``OrderLine(...)`` build from the same values, errors included.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs
import pytest
from hypothesis import given

from omskit.errors import InvalidInput
from omskit.model import (
    Address,
    Channel,
    Delivery,
    Order,
    OrderLine,
    OrderLineRequest,
    OrderRequest,
)
from omskit.model.orders import MAX_LINES, _field_setters
from omskit.money import Money
from omskit.testing.strategies import aware_datetimes, identifiers, order_requests

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def validated(order_id: str, request: OrderRequest, placed_at: datetime) -> Order:
    """The order ``Order.from_request`` promises, built through every validator."""
    return Order(
        order_id=order_id,
        channel=request.channel,
        external_ref=request.external_ref,
        currency=request.currency,
        lines=[
            OrderLine(str(number), line.sku, line.quantity, line.unit_price, line.discount)
            for number, line in enumerate(request.lines, 1)
        ],
        delivery=request.delivery,
        placed_at=request.placed_at or placed_at,
        customer_id=request.customer_id,
        flags=request.flags,
        payment_authorised=request.payment_authorised,
    )


def fields_of(value: Any) -> dict[str, tuple[type, Any]]:
    """Every field with its type and value, nested lines included."""
    return {
        field.name: (type(getattr(value, field.name)), getattr(value, field.name))
        for field in attrs.fields(type(value))
    }


def request(**changes: Any) -> OrderRequest:
    kwargs: dict[str, Any] = {
        "channel": Channel.WEB,
        "external_ref": "cart-1",
        "currency": "EUR",
        "lines": [OrderLineRequest("SKU-1", 2, Money("9.99", "EUR"))],
        "delivery": Delivery.ship_to(Address("Damrak 1", "1012 LG", "Amsterdam", "NL")),
    }
    kwargs.update(changes)
    return OrderRequest(**kwargs)


@given(request=order_requests(), order_id=identifiers(), placed_at=aware_datetimes())
def test_an_opened_order_equals_the_validated_one(
    request: OrderRequest, order_id: str, placed_at: datetime
) -> None:
    opened = Order.from_request(order_id, request, placed_at=placed_at)
    expected = validated(order_id, request, placed_at)
    assert opened == expected
    assert hash(opened) == hash(expected)
    assert fields_of(opened) == fields_of(expected)
    for line, wanted in zip(opened.lines, expected.lines, strict=True):
        assert fields_of(line) == fields_of(wanted)
        attrs.validate(line)  # every validator still accepts what it holds
    attrs.validate(opened)
    assert opened.matches(request)
    assert opened.evolve() == opened  # a change re-validates it like any order


@given(line=order_requests(max_lines=1).map(lambda r: r.lines[0]), line_id=identifiers())
def test_an_opened_line_equals_the_validated_one(line: OrderLineRequest, line_id: str) -> None:
    opened = OrderLine.from_request(line_id, line)
    expected = OrderLine(line_id, line.sku, line.quantity, line.unit_price, line.discount)
    assert fields_of(opened) == fields_of(expected)
    attrs.validate(opened)


@pytest.mark.parametrize("order_id", ["", " O-1", "O 1", "x" * 129, None, 7])
def test_a_bad_order_id_is_refused_as_the_validated_order_refuses_it(order_id: Any) -> None:
    with pytest.raises(InvalidInput) as expected:
        validated(order_id, request(), NOW)
    with pytest.raises(InvalidInput) as got:
        Order.from_request(order_id, request(), placed_at=NOW)
    assert (got.value.path, str(got.value)) == (expected.value.path, str(expected.value))
    assert got.value.path == "order_id"


@pytest.mark.parametrize("placed_at", [datetime(2024, 5, 1, 12), "2024-05-01T12:00Z", None])
def test_a_bad_placing_time_is_refused_as_the_validated_order_refuses_it(placed_at: Any) -> None:
    with pytest.raises(InvalidInput) as expected:
        validated("O-1", request(), placed_at)
    with pytest.raises(InvalidInput) as got:
        Order.from_request("O-1", request(), placed_at=placed_at)
    assert (got.value.path, str(got.value)) == (expected.value.path, str(expected.value))
    assert got.value.path == "placed_at"


def test_the_order_id_is_checked_before_the_placing_time() -> None:
    with pytest.raises(InvalidInput) as got:
        Order.from_request("", request(), placed_at=datetime(2024, 5, 1))
    assert got.value.path == "order_id"


def test_the_requests_own_placing_time_needs_no_other() -> None:
    earlier = datetime(2024, 4, 1, tzinfo=UTC)
    opened = Order.from_request("O-1", request(placed_at=earlier), placed_at=None)  # type: ignore[arg-type]
    assert opened.placed_at == earlier


@pytest.mark.parametrize("line_id", ["", "a b", None])
def test_a_bad_line_id_is_refused_with_its_path(line_id: Any) -> None:
    with pytest.raises(InvalidInput) as got:
        OrderLine.from_request(line_id, OrderLineRequest("SKU-1", 1, Money("1", "EUR")))
    assert got.value.path == "line_id"


@attrs.frozen
class TaggedLineRequest(OrderLineRequest):
    tag: str = "x"


@attrs.frozen
class TaggedRequest(OrderRequest):
    tag: str = "x"


def test_requests_of_subclasses_open_through_the_validators() -> None:
    line = TaggedLineRequest("SKU-1", 2, Money("9.99", "EUR"))
    tagged = TaggedRequest(Channel.WEB, "cart-1", "EUR", [line], request().delivery, placed_at=NOW)
    assert Order.from_request("O-1", tagged, placed_at=NOW) == validated("O-1", tagged, NOW)
    mixed = request(lines=[OrderLineRequest("SKU-2", 1, Money("1", "EUR")), line])
    assert Order.from_request("O-1", mixed, placed_at=NOW) == validated("O-1", mixed, NOW)
    assert OrderLine.from_request("3", line) == OrderLine("3", "SKU-1", 2, Money("9.99", "EUR"))


def test_with_validators_disabled_opening_checks_what_init_checks() -> None:
    with attrs.validators.disabled():
        # __init__ skips its validators then; opening does the same, no more.
        opened = Order.from_request("", request(), placed_at=NOW)
        line = OrderLine.from_request("", OrderLineRequest("SKU-1", 1, Money("1", "EUR")))
    assert opened.order_id == ""
    assert line.line_id == ""


def test_trusted_construction_must_name_every_field_in_order() -> None:
    with pytest.raises(TypeError, match="order_id"):
        _field_setters(Order, "channel order_id")


def test_the_longest_request_opens_every_line() -> None:
    lines = [OrderLineRequest(f"SKU-{n}", 1, Money("1", "EUR")) for n in range(MAX_LINES)]
    opened = Order.from_request("O-1", request(lines=lines), placed_at=NOW)
    assert [line.line_id for line in opened.lines] == [str(n) for n in range(1, MAX_LINES + 1)]
    assert opened == validated("O-1", request(lines=lines), NOW)
