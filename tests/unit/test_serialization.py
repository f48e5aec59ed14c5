"""Serialization: every omskit value survives JSON, and bad data names its field."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from typing import Any, ClassVar

import attrs
import cattrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import omskit.model
from omskit import events
from omskit.errors import DefinitionError, InvalidInput
from omskit.events import EVENT_TYPES, DomainEvent, OrderAllocated, OrderPlaced
from omskit.geo import GeoPoint
from omskit.model import (
    Address,
    Allocation,
    Channel,
    Customer,
    Delivery,
    DocumentKind,
    Invoice,
    OrderFlag,
    OrderLineRequest,
    OrderRequest,
    PurchaseOrder,
)
from omskit.money import Money
from omskit.serialization import from_data, from_json, make_converter, to_data, to_json
from omskit.testing import strategies as oms_st

CONV = make_converter()

# (class, strategy) for every public model class, Money, GeoPoint and every event class.
ROUND_TRIP_CASES: list[tuple[type[Any], st.SearchStrategy[Any]]] = [
    (omskit.model.Address, oms_st.addresses()),
    (omskit.model.Allocation, oms_st.allocations()),
    (omskit.model.BoxSize, oms_st.box_sizes()),
    (omskit.model.CancellationRecord, oms_st.cancellation_records()),
    (omskit.model.Carrier, oms_st.carriers()),
    (omskit.model.Customer, oms_st.customers()),
    (omskit.model.Delivery, oms_st.deliveries()),
    (omskit.model.Dimensions, oms_st.dimensions()),
    (omskit.model.Invoice, oms_st.invoices()),
    (omskit.model.InvoiceLine, oms_st.invoice_lines()),
    (omskit.model.Location, oms_st.locations()),
    (omskit.model.PaymentSplit, oms_st.payment_splits()),
    (omskit.model.Order, oms_st.orders()),
    (omskit.model.OrderLine, oms_st.order_lines()),
    (omskit.model.OrderLineRequest, oms_st.order_line_requests()),
    (omskit.model.OrderRequest, oms_st.order_requests()),
    (omskit.model.Payment, oms_st.payments()),
    (omskit.model.Product, oms_st.products()),
    (omskit.model.PurchaseOrder, oms_st.purchase_orders()),
    (omskit.model.PurchaseOrderLine, oms_st.purchase_order_lines()),
    (omskit.model.Reservation, oms_st.reservations()),
    (omskit.model.Return, oms_st.returns()),
    (omskit.model.ReturnLine, oms_st.return_lines()),
    (omskit.model.Shipment, oms_st.shipments()),
    (omskit.model.ShipmentLine, oms_st.shipment_lines()),
    (omskit.model.StockKey, oms_st.stock_keys()),
    (omskit.model.StockMovement, oms_st.stock_movements()),
    (omskit.model.StockPosition, oms_st.stock_positions()),
    (omskit.model.Task, oms_st.tasks()),
    (omskit.model.TrackingEvent, oms_st.tracking_events()),
    (Money, oms_st.money()),
    (GeoPoint, oms_st.geo_points()),
    (events.AvailabilityChanged, oms_st.availability_changed_events()),
    (events.InvoiceIssued, oms_st.invoice_issued_events()),
    (events.InvoiceSettled, oms_st.invoice_settled_events()),
    (events.PaymentAuthorised, oms_st.payment_authorised_events()),
    (events.PaymentDeclined, oms_st.payment_declined_events()),
    (events.CancellationRequested, oms_st.cancellation_requested_events()),
    (events.CancelOfferTaken, oms_st.cancel_offer_taken_events()),
    (events.DeliveryChanged, oms_st.delivery_changed_events()),
    (events.HoldReleased, oms_st.hold_released_events()),
    (events.TaskRaised, oms_st.task_raised_events()),
    (events.CustomerMessage, oms_st.customer_message_events()),
    (events.LineAdded, oms_st.line_added_events()),
    (events.ShipDatePromised, oms_st.ship_date_promised_events()),
    (events.LineBackordered, oms_st.line_backordered_events()),
    (events.LinesCancelled, oms_st.lines_cancelled_events()),
    (events.MasterDataChanged, oms_st.master_data_changed_events()),
    (events.OrderAllocated, oms_st.order_allocated_events()),
    (events.OrderPlaced, oms_st.order_placed_events()),
    (events.OrderReleased, oms_st.order_released_events()),
    (events.OrderStatusChanged, oms_st.order_status_changed_events()),
    (events.ShipmentStatusChanged, oms_st.shipment_status_changed_events()),
    (events.StockReceived, oms_st.stock_received_events()),
    (events.StockReserved, oms_st.stock_reserved_events()),
    (events.StockSold, oms_st.stock_sold_events()),
    (omskit.model.RoutingRecord, oms_st.routing_records()),
    (events.StockHeld, oms_st.stock_held_events()),
    (events.StockReleased, oms_st.stock_released_events()),
    (events.StockAdjusted, oms_st.stock_adjusted_events()),
    (omskit.model.Quote, oms_st.quotes()),
    (events.QuoteCreated, oms_st.quote_created_events()),
    (events.QuoteStatusChanged, oms_st.quote_status_changed_events()),
]

MODEL_ENUMS = [
    obj
    for obj in (getattr(omskit.model, name) for name in omskit.model.__all__)
    if isinstance(obj, type) and issubclass(obj, Enum)
]

EVENT_CLASSES = [
    obj
    for obj in (getattr(events, name) for name in events.__all__)
    if isinstance(obj, type) and issubclass(obj, DomainEvent) and obj is not DomainEvent
]

JSON_TYPES = (dict, list, str, int, float, bool, type(None))


def assert_plain_json(data: object, where: str = "$") -> None:
    """Only builtin JSON types (no str subclasses such as StrEnum, no tuples)."""
    assert type(data) in JSON_TYPES, f"{where} is a {type(data).__name__}"
    if isinstance(data, dict):
        for key, value in data.items():
            assert type(key) is str, f"{where} has a {type(key).__name__} key"
            assert_plain_json(value, f"{where}.{key}")
    elif isinstance(data, list):
        for index, item in enumerate(data):
            assert_plain_json(item, f"{where}[{index}]")


def through_json(data: object) -> Any:
    return json.loads(json.dumps(data, allow_nan=False))


# --------------------------------------------------------------------------- round trips


def test_round_trip_cases_cover_every_public_model_class_and_event() -> None:
    covered = {cls for cls, _ in ROUND_TRIP_CASES}
    model_classes = {
        obj
        for obj in (getattr(omskit.model, name) for name in omskit.model.__all__)
        if isinstance(obj, type) and attrs.has(obj)
    }
    assert model_classes - covered == set()
    assert (set(EVENT_TYPES.values()) | set(EVENT_CLASSES)) - covered == set()


@pytest.mark.parametrize(
    ("cls", "strategy"), ROUND_TRIP_CASES, ids=[cls.__name__ for cls, _ in ROUND_TRIP_CASES]
)
def test_value_survives_json_round_trip(cls: type[Any], strategy: st.SearchStrategy[Any]) -> None:
    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(strategy)
    def check(value: Any) -> None:
        assert isinstance(value, cls)
        data = to_data(value, converter=CONV)
        assert_plain_json(data)
        back = from_data(through_json(data), cls, converter=CONV)
        assert back == value
        assert type(back) is cls

    check()


def test_every_event_class_is_registered_in_event_types() -> None:
    assert {cls.event_type: cls for cls in EVENT_CLASSES} == dict(EVENT_TYPES)


@settings(max_examples=30, deadline=None)
@given(oms_st.domain_events())
def test_event_read_as_domain_event_is_dispatched_on_its_tag(event: DomainEvent) -> None:
    data = through_json(to_data(event, converter=CONV))
    assert data["event_type"] == type(event).event_type
    back = from_data(data, DomainEvent, converter=CONV)
    assert type(back) is type(event)
    assert back == event


@pytest.mark.parametrize("enum_cls", MODEL_ENUMS, ids=lambda e: e.__name__)
def test_enum_members_are_written_as_their_plain_values(enum_cls: type[Enum]) -> None:
    for member in enum_cls:
        data = to_data(member, converter=CONV)
        assert type(data) is str
        assert data == member.value
        assert from_data(data, enum_cls, converter=CONV) is member


@settings(max_examples=20, deadline=None)
@given(oms_st.order_requests())
def test_json_text_round_trip_of_order_request(request: OrderRequest) -> None:
    text = to_json(request, converter=CONV)
    assert from_json(text, OrderRequest, converter=CONV) == request
    assert from_json(text.encode(), OrderRequest, converter=CONV) == request


def test_converter_is_new_for_every_call_and_never_the_global_one() -> None:
    first, second = make_converter(), make_converter()
    assert first is not second
    assert cattrs.global_converter not in (first, second)
    assert isinstance(first, cattrs.Converter)


def test_module_functions_work_without_a_converter() -> None:
    money = Money("19.99", "EUR")
    assert to_data(money) == {"amount": "19.99", "currency": "EUR"}
    assert from_data({"amount": "19.99", "currency": "EUR"}, Money) == money


# --------------------------------------------------------------------------- shapes


def test_money_amount_is_a_string_that_keeps_its_exact_scale() -> None:
    for amount in ("19.90", "0.00", "1000", "-3.125", "0.0000001", "1E+3"):
        data = to_data(Money(Decimal(amount), "EUR"), converter=CONV)
        assert data == {"amount": str(Decimal(amount)), "currency": "EUR"}
        back = from_data(data, Money, converter=CONV)
        assert back.amount.as_tuple() == Decimal(amount).as_tuple()


def test_money_amount_may_be_a_json_integer_but_never_a_float() -> None:
    assert from_data({"amount": 5, "currency": "JPY"}, Money, converter=CONV) == Money(5, "JPY")
    with pytest.raises(InvalidInput) as info:
        from_data({"amount": 19.99, "currency": "EUR"}, Money, converter=CONV)
    assert info.value.path == "amount"
    assert "not float" in info.value.reason


@pytest.mark.parametrize("amount", ["NaN", "Infinity", " 1", "1_000", "1,5", "", "0x10", "--1"])
def test_money_amount_must_be_a_plain_decimal_string(amount: str) -> None:
    with pytest.raises(InvalidInput) as info:
        from_data({"amount": amount, "currency": "EUR"}, Money, converter=CONV)
    assert info.value.path == "amount"


def test_datetime_is_iso_8601_with_its_offset_and_z_is_accepted() -> None:
    moment = datetime(
        2024, 5, 1, 12, 30, 15, 123456, tzinfo=timezone(timedelta(hours=5, minutes=30))
    )
    data = to_data(moment, converter=CONV)
    assert data == "2024-05-01T12:30:15.123456+05:30"
    assert from_data(data, datetime, converter=CONV) == moment
    assert from_data("2024-05-01T07:00:15Z", datetime, converter=CONV) == datetime(
        2024, 5, 1, 7, 0, 15, tzinfo=UTC
    )


def test_date_is_year_month_day() -> None:
    assert to_data(date(2024, 2, 29), converter=CONV) == "2024-02-29"
    assert from_data("2024-02-29", date, converter=CONV) == date(2024, 2, 29)
    for bad in ("20240229", "2023-02-29", "2024-W09-4", 20240229):
        with pytest.raises(InvalidInput):
            from_data(bad, date, converter=CONV)


def test_frozensets_are_sorted_lists_and_tuples_are_lists() -> None:
    request = OrderRequest(
        channel=Channel.WEB,
        external_ref="r1",
        currency="EUR",
        lines=(OrderLineRequest("a", 1, Money("1.00", "EUR")),),
        delivery=Delivery.collect_at("store-1"),
        flags=frozenset({OrderFlag.VIP, OrderFlag.GIFT, OrderFlag.REPLACEMENT}),
    )
    data = to_data(request, converter=CONV)
    assert data["flags"] == ["gift", "replacement", "vip"]
    assert isinstance(data["lines"], list)
    assert data["delivery"] == {
        "method": "collect",
        "address": None,
        "pickup_location_id": "store-1",
    }


def test_event_data_starts_with_its_tag() -> None:
    event = OrderAllocated(
        event_id="e1",
        occurred_at=datetime(2024, 1, 1, tzinfo=UTC),
        order_id="o1",
        line_id="1",
        sku="sku-1",
        allocations=(Allocation("dc-1", 2),),
    )
    data = to_data(event, converter=CONV)
    assert next(iter(data)) == "event_type"
    assert data == {
        "event_type": "order_allocated",
        "event_id": "e1",
        "occurred_at": "2024-01-01T00:00:00+00:00",
        "order_id": "o1",
        "line_id": "1",
        "sku": "sku-1",
        "allocations": [{"location_id": "dc-1", "quantity": 2}],
    }
    # The tag is optional when the class is named, but must match it.
    untagged = {key: value for key, value in data.items() if key != "event_type"}
    assert from_data(untagged, OrderAllocated, converter=CONV) == event
    with pytest.raises(InvalidInput) as info:
        from_data(data, OrderPlaced, converter=CONV)
    assert info.value.path == "event_type"


@attrs.frozen(kw_only=True)
class ParcelWeighed(DomainEvent):
    """An event defined by an integrator."""

    event_type: ClassVar[str] = "parcel_weighed"

    shipment_id: str
    grams: int


def test_converter_reads_integrator_events_given_to_it() -> None:
    conv = make_converter(event_types={**EVENT_TYPES, "parcel_weighed": ParcelWeighed})
    event = ParcelWeighed(
        event_id="e9", occurred_at=datetime(2024, 1, 1, tzinfo=UTC), shipment_id="s1", grams=1200
    )
    data = through_json(to_data(event, converter=conv))
    assert data["event_type"] == "parcel_weighed"
    assert from_data(data, DomainEvent, converter=conv) == event
    with pytest.raises(InvalidInput) as info:
        from_data(data, DomainEvent, converter=CONV)  # the default converter does not know it
    assert info.value.path == "event_type"


def test_event_types_whose_tag_does_not_match_the_class_are_refused() -> None:
    with pytest.raises(DefinitionError, match="order_placed"):
        make_converter(event_types={"placed": OrderPlaced})
    with pytest.raises(DefinitionError, match="not a DomainEvent"):
        make_converter(event_types={"money": Money})  # type: ignore[dict-item]


# --------------------------------------------------------------------------- error paths


def order_request_data() -> dict[str, Any]:
    request = OrderRequest(
        channel=Channel.WEB,
        external_ref="web-1001",
        currency="EUR",
        lines=[
            OrderLineRequest("sku-1", 2, Money("19.90", "EUR")),
            OrderLineRequest("sku-2", 1, Money("5.00", "EUR"), discount=Money("1.00", "EUR")),
            OrderLineRequest("sku-3", 3, Money("2.50", "EUR")),
        ],
        delivery=Delivery.ship_to(Address("Damrak 1", "1012 LG", "Amsterdam", "NL")),
        customer_id="c-42",
        placed_at=datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
    )
    data: dict[str, Any] = through_json(to_data(request, converter=CONV))
    return data


def broken(change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    data = order_request_data()
    change(data)
    return data


BAD_ORDER_REQUESTS: list[tuple[str, Callable[[dict[str, Any]], object], str, str]] = [
    (
        "zero quantity rejected by the line validator",
        lambda d: d["lines"][2].update(quantity=0),
        "lines[2].quantity",
        "positive integer",
    ),
    (
        "amount that is not a number",
        lambda d: d["lines"][1]["unit_price"].update(amount="abc"),
        "lines[1].unit_price.amount",
        "decimal number",
    ),
    ("missing currency key", lambda d: d.pop("currency"), "currency", "required"),
    ("unknown channel", lambda d: d.update(channel="fax"), "channel", "'web'"),
    (
        "naive datetime",
        lambda d: d.update(placed_at="2024-05-01T09:30:00"),
        "placed_at",
        "UTC offset",
    ),
    (
        "unknown country in a nested address",
        lambda d: d["delivery"]["address"].update(country="XX"),
        "delivery.address.country",
        "ISO 3166-1",
    ),
    (
        "unknown currency inside Money",
        lambda d: d["lines"][0]["unit_price"].update(currency="EURO"),
        "lines[0].unit_price.currency",
        "ISO 4217",
    ),
    (
        "line currency differs from the order (cross-field rule of the parent)",
        lambda d: [line["unit_price"].update(currency="USD") for line in d["lines"][:1]],
        "lines[0].unit_price.currency",
        "order currency",
    ),
    (
        "discount in another currency (cross-field rule of the line)",
        lambda d: d["lines"][1]["discount"].update(currency="USD"),
        "lines[1].discount.currency",
        "currency",
    ),
    (
        "quantity as a string",
        lambda d: d["lines"][0].update(quantity="2"),
        "lines[0].quantity",
        "must be an integer, not str",
    ),
    (
        "quantity as a boolean",
        lambda d: d["lines"][0].update(quantity=True),
        "lines[0].quantity",
        "not bool",
    ),
    ("identifier as a number", lambda d: d.update(external_ref=1001), "external_ref", "string"),
    ("lines as a string", lambda d: d.update(lines="sku-1"), "lines", "list"),
    ("no lines", lambda d: d.update(lines=[]), "lines", "at least one line"),
    ("line that is not an object", lambda d: d["lines"].__setitem__(1, 7), "lines[1]", "object"),
    (
        "misspelt field",
        lambda d: d["lines"][0].update(quantitiy=3),
        "lines[0].quantitiy",
        "not a field of OrderLineRequest",
    ),
    (
        "collect without a pickup location",
        lambda d: d["delivery"].update(method="collect"),
        "delivery.pickup_location_id",
        "pickup location",
    ),
    ("flags as a string", lambda d: d.update(flags="vip"), "flags", "list"),
    ("unknown flag", lambda d: d.update(flags=["vip", "urgent"]), "flags[1]", "'gift'"),
    (
        "missing nested key",
        lambda d: d["delivery"]["address"].pop("city"),
        "delivery.address.city",
        "required",
    ),
    (
        "latitude out of range",
        lambda d: d["delivery"]["address"].update(point={"lat": 91, "lon": 0}),
        "delivery.address.point.lat",
        "between",
    ),
]


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [case[1:] for case in BAD_ORDER_REQUESTS],
    ids=[case[0] for case in BAD_ORDER_REQUESTS],
)
def test_bad_order_request_names_the_field_from_the_root(
    change: Callable[[dict[str, Any]], object], path: str, words: str
) -> None:
    with pytest.raises(InvalidInput) as info:
        from_data(broken(change), OrderRequest, converter=CONV)
    assert info.value.path == path
    assert words in info.value.reason
    assert str(info.value).startswith(f"{path}: ")


def test_every_problem_is_reported_in_the_message_and_the_first_in_the_path() -> None:
    def change(d: dict[str, Any]) -> None:
        d["lines"][0]["quantity"] = "two"
        d["lines"][2]["sku"] = ""
        d["flags"] = ["nope"]

    with pytest.raises(InvalidInput) as info:
        from_data(broken(change), OrderRequest, converter=CONV)
    assert info.value.path == "lines[0].quantity"
    assert "and 2 more" in info.value.reason
    assert "lines[2].sku" in info.value.reason
    assert "flags[0]" in info.value.reason


def test_root_that_is_not_an_object_has_an_empty_path() -> None:
    with pytest.raises(InvalidInput) as info:
        from_data(["not", "an", "order"], OrderRequest, converter=CONV)
    assert info.value.path == ""
    assert "OrderRequest" in info.value.reason


def test_credit_note_without_the_invoice_it_corrects_is_refused() -> None:
    data: dict[str, Any] = {
        "number": "CN-1",
        "kind": "credit_note",
        "order_id": "o1",
        "currency": "EUR",
        "lines": [
            {
                "description": "Mug",
                "quantity": 1,
                "unit_price": {"amount": "10.00", "currency": "EUR"},
                "vat_rate": "0.21",
                "net": {"amount": "10.00", "currency": "EUR"},
                "vat": {"amount": "2.10", "currency": "EUR"},
            }
        ],
        "issued_at": "2024-01-01T00:00:00+00:00",
    }
    with pytest.raises(InvalidInput) as info:
        from_data(data, Invoice, converter=CONV)
    assert info.value.path == "corrects"
    data["corrects"] = "INV-1"
    with pytest.raises(InvalidInput) as info:
        from_data(data, Invoice, converter=CONV)
    assert info.value.path == "reason"
    data["reason"] = "returned"
    credit_note = from_data(data, Invoice, converter=CONV)
    assert credit_note.kind is DocumentKind.CREDIT_NOTE
    assert (credit_note.corrects, credit_note.reason) == ("INV-1", "returned")
    data["lines"][0]["vat_rate"] = "1.5"
    with pytest.raises(InvalidInput) as info:
        from_data(data, Invoice, converter=CONV)
    assert info.value.path == "lines[0].vat_rate"


def test_bad_date_in_purchase_order_names_the_field() -> None:
    data = {
        "po_id": "po-1",
        "supplier_id": "sup-1",
        "location_id": "dc-1",
        "expected_on": "2024-13-01",
        "lines": [{"sku": "a", "quantity": 5}],
    }
    with pytest.raises(InvalidInput) as info:
        from_data(data, PurchaseOrder, converter=CONV)
    assert info.value.path == "expected_on"


def test_customer_cross_field_rule_surfaces_with_its_own_path() -> None:
    data = {"customer_id": "c1", "name": "Ann", "notify_by": ["sms"]}
    with pytest.raises(InvalidInput) as info:
        from_data(data, Customer, converter=CONV)
    assert info.value.path == "phone"
    assert "SMS" in info.value.reason


@pytest.mark.parametrize(
    ("data", "path"),
    [
        (None, ""),
        ({}, "event_type"),
        ({"event_type": "order_shipped"}, "event_type"),
        ({"event_type": 3}, "event_type"),
        ({"event_type": "order_placed", "event_id": "e1"}, "occurred_at"),
        (
            {
                "event_type": "order_allocated",
                "event_id": "e1",
                "occurred_at": "2024-01-01T00:00:00Z",
                "order_id": "o1",
                "line_id": "1",
                "sku": "s",
                "allocations": [{"location_id": "dc", "quantity": 0}],
            },
            "allocations[0].quantity",
        ),
    ],
)
def test_bad_event_data_names_the_field(data: object, path: str) -> None:
    with pytest.raises(InvalidInput) as info:
        from_data(data, DomainEvent, converter=CONV)
    assert info.value.path == path


@pytest.mark.parametrize("text", ["", "{", "[1,]", '{"channel": NaN}', "Infinity"])
def test_text_that_is_not_json_is_invalid_input(text: str) -> None:
    with pytest.raises(InvalidInput) as info:
        from_json(text, OrderRequest, converter=CONV)
    assert info.value.path == ""
    assert "JSON" in info.value.reason


# --------------------------------------------------------------------------- nothing else escapes

json_junk = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
    | st.sampled_from(["web", "EUR", "NL", "ship", "2024-01-01T00:00:00Z", "1.5", "sku-1"]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=100, deadline=None)
@given(json_junk)
def test_random_junk_raises_only_invalid_input(junk: object) -> None:
    with pytest.raises(InvalidInput):
        from_data(junk, OrderRequest, converter=CONV)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            found += _paths(item, (*prefix, index))
    return found


@st.composite
def damaged_order_requests(draw: st.DrawFn) -> tuple[str, Any]:
    """Valid order request data with one subtree replaced by junk or one key dropped.

    Returns the top-level field that was damaged, and the data.
    """
    data = through_json(to_data(draw(oms_st.order_requests(max_lines=3)), converter=CONV))
    target = draw(st.sampled_from(_paths(data)[1:]))
    parent = data
    for step in target[:-1]:
        parent = parent[step]
    if isinstance(parent, dict) and draw(st.booleans()):
        del parent[target[-1]]
    else:
        parent[target[-1]] = draw(json_junk)
    return target[0], data


@settings(max_examples=80, deadline=None)
@given(damaged_order_requests())
def test_damaged_order_request_is_read_or_refused_at_the_damaged_field(
    damage: tuple[str, Any],
) -> None:
    field, data = damage
    outcome: object
    try:
        outcome = from_data(data, OrderRequest, converter=CONV)
    except InvalidInput as error:
        outcome = error
    if isinstance(outcome, InvalidInput):
        top = outcome.path.split(".")[0].split("[")[0]
        # A changed order currency is reported on the lines that no longer match it.
        assert top == field or (field, top) == ("currency", "lines"), outcome
        assert outcome.reason
    else:
        assert isinstance(outcome, OrderRequest)
