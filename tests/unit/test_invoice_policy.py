"""Invoice-trigger policies: by customer type, overridden per customer, channel or product (F1)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from omskit import Channel, Customer, CustomerType, Delivery, InvalidInput, Money, Order, Product
from omskit.invoicing import DefaultInvoicePolicy, InvoiceDecision, InvoiceMoment, InvoicePolicy
from omskit.model import OrderLine

M = InvoiceMoment
SHOP = Customer("C-1", "Ann")
FIRM = Customer("B-1", "Acme BV", customer_type=CustomerType.B2B, vat_id="NL123456789B01")
PRODUCTS: Mapping[str, Product] = {
    sku: Product(sku, sku.title()) for sku in ("BEANS", "GIFTCARD", "KIT")
}


def order(*skus: str, channel: Channel = Channel.WEB) -> Order:
    return Order(
        "O-1",
        channel,
        "W-1",
        "EUR",
        [OrderLine(str(n), sku, 1, Money("10.00", "EUR")) for n, sku in enumerate(skus, 1)],
        Delivery.collect_at("AMS"),
        datetime(2026, 1, 5, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("customer", "moment", "reason"),
    [
        (SHOP, M.AT_SHIPMENT, "a b2c customer is invoiced at_shipment"),
        (FIRM, M.AT_ORDER, "a b2b customer is invoiced at_order"),
        (None, M.AT_SHIPMENT, "a guest is invoiced at_shipment"),
    ],
)
def test_by_default_consumers_are_invoiced_at_shipment_and_businesses_at_order(
    customer: Customer | None, moment: InvoiceMoment, reason: str
) -> None:
    decision = DefaultInvoicePolicy().decide(order("BEANS"), customer, PRODUCTS)
    assert decision == InvoiceDecision(moment, reason)


POLICY = DefaultInvoicePolicy.from_data(
    {
        "by_customer_type": {"b2c": "at_delivery", "b2b": "at_order"},
        "by_channel": {"marketplace": "at_order"},
        "by_customer": {"B-1": "at_shipment"},
        "by_product": {"GIFTCARD": "at_order", "KIT": "at_delivery"},
    }
)


@pytest.mark.parametrize(
    ("the_order", "customer", "moment", "why"),
    [
        (order("BEANS"), SHOP, M.AT_DELIVERY, "a b2c customer"),
        (order("BEANS"), FIRM, M.AT_SHIPMENT, "customer B-1"),  # customer beats type
        (order("BEANS", channel=Channel.MARKETPLACE), SHOP, M.AT_ORDER, "marketplace channel"),
        (order("BEANS", channel=Channel.MARKETPLACE), FIRM, M.AT_SHIPMENT, "customer B-1"),
        (order("GIFTCARD"), SHOP, M.AT_ORDER, "product GIFTCARD"),
        (order("GIFTCARD", "KIT"), SHOP, M.AT_DELIVERY, "product KIT"),  # the latest wins
        (order("KIT", "GIFTCARD"), None, M.AT_DELIVERY, "product KIT"),
        (order("GIFTCARD", channel=Channel.MARKETPLACE), SHOP, M.AT_ORDER, "marketplace"),
    ],
)
def test_overrides_apply_by_customer_then_channel_then_product(
    the_order: Order, customer: Customer | None, moment: InvoiceMoment, why: str
) -> None:
    decision = POLICY.decide(the_order, customer, PRODUCTS)
    assert decision.moment is moment
    assert why in decision.reason


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"by_colour": {}}, "policy"),
        ({"by_channel": {"fax": "at_order"}}, "by_channel.fax"),
        ({"by_channel": {"web": "at_payday"}}, "by_channel.web"),
        ({"by_customer": {"not an id": "at_order"}}, "by_customer.not an id"),
        ({"by_product": ["KIT"]}, "by_product"),
        ({"by_customer_type": {"b2c": "at_order"}}, "by_customer_type.b2b"),
        ({"by_customer_type": {"b2x": "at_order", "b2b": "at_order"}}, "by_customer_type.b2x"),
        ("at_order", "policy"),
    ],
)
def test_bad_policy_data_names_its_path(data: Any, path: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        DefaultInvoicePolicy.from_data(data)
    assert caught.value.path == path


def test_a_policy_of_your_own_satisfies_the_protocol() -> None:
    class EverythingAtDelivery:
        def decide(
            self, order: Order, customer: Customer | None, products: Mapping[str, Product]
        ) -> InvoiceDecision:
            return InvoiceDecision(InvoiceMoment.AT_DELIVERY, "cash on delivery shop")

    assert isinstance(EverythingAtDelivery(), InvoicePolicy)
    assert isinstance(DefaultInvoicePolicy(), InvoicePolicy)
    assert not isinstance(object(), InvoicePolicy)


def test_moments_are_ordered_from_the_earliest() -> None:
    assert list(InvoiceMoment) == [M.AT_ORDER, M.AT_SHIPMENT, M.AT_DELIVERY]
