"""Quick start: place one order and follow it to the customer's door.

Run it with ``python examples/quickstart.py``; the test suite runs it too.
"""

from __future__ import annotations

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
    Oms,
    OrderLineRequest,
    OrderRequest,
    OrderStatus,
    Product,
)
from omskit.adapters.memory import ManualClock, SequentialIds


def main() -> OrderStatus:
    oms = Oms(clock=ManualClock(), ids=SequentialIds())

    oms.register_product(Product("MUG-01", "Stoneware mug", weight_grams=400))
    oms.register_location(
        Location(
            "DC-UTRECHT",
            "DC Utrecht",
            LocationKind.DISTRIBUTION_CENTRE,
            GeoPoint(52.09, 5.12),
            "NL",
            capabilities={Capability.SHIP},
        )
    )
    oms.receive_stock("MUG-01", "DC-UTRECHT", 50, reference="PO-1")

    request = OrderRequest(
        channel=Channel.WEB,
        external_ref="SHOP-1001",
        currency="EUR",
        lines=[OrderLineRequest("MUG-01", 2, Money("12.50", "EUR"))],
        delivery=Delivery.ship_to(
            Address("Stationsplein 1", "3511 ED", "Utrecht", "NL", point=GeoPoint(52.09, 5.11))
        ),
    )
    order = oms.place_order(request)
    print(f"{order.order_id}: {order.status.value}, total {order.total}")
    print("sellable online:", oms.availability("MUG-01", Channel.WEB).total)

    for shipment in oms.release_order(order.order_id):
        oms.record_picking(shipment.shipment_id)
        oms.record_packed(shipment.shipment_id)
        oms.record_shipped(shipment.shipment_id, tracking_number="3S0001")
        oms.record_delivered(shipment.shipment_id)

    status = oms.get_order(order.order_id).status
    print(f"{order.order_id}: {status.value}")

    try:
        OrderLineRequest("MUG-01", 0, Money("12.50", "EUR"))
    except InvalidInput as error:
        print(f"refused: {error} (field {error.path!r})")
    return status


if __name__ == "__main__":
    main()
