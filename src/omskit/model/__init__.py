"""The omskit domain model: immutable, validated attrs classes grouped by aggregate.

Value objects and aggregate snapshots are frozen; a change makes a new
instance (``attrs.evolve`` or a named method), validated like the original.
"""

from omskit.model.aftersales import (
    CancelAlternative,
    CancellationRecord,
    CancelReason,
    Return,
    ReturnLine,
    ReturnStatus,
    Task,
    TaskSeverity,
)
from omskit.model.billing import (
    DocumentKind,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from omskit.model.catalog import Dimensions, Product, TaxCategory
from omskit.model.channels import Channel
from omskit.model.fulfilment import (
    BoxSize,
    Carrier,
    PickingMethod,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
    TrackingEvent,
    TrackingStatus,
    TransportMode,
)
from omskit.model.locations import Capability, Location, LocationKind
from omskit.model.orders import (
    Allocation,
    Delivery,
    DeliveryMethod,
    HoldReason,
    LineStatus,
    Order,
    OrderFlag,
    OrderLine,
    OrderLineRequest,
    OrderRequest,
    OrderStatus,
    RoutingRecord,
)
from omskit.model.parties import Address, Customer, CustomerType, NotificationChannel, is_vat_id
from omskit.model.quotes import Quote, QuoteStatus
from omskit.model.stock import (
    MovementReason,
    PurchaseOrder,
    PurchaseOrderLine,
    Reservation,
    StockKey,
    StockMovement,
    StockPosition,
    SupplyKind,
)

__all__ = [
    "Address",
    "Allocation",
    "BoxSize",
    "CancelAlternative",
    "CancelReason",
    "CancellationRecord",
    "Capability",
    "Carrier",
    "Channel",
    "Customer",
    "CustomerType",
    "Delivery",
    "DeliveryMethod",
    "HoldReason",
    "Dimensions",
    "DocumentKind",
    "Invoice",
    "InvoiceLine",
    "LineStatus",
    "Location",
    "LocationKind",
    "MovementReason",
    "NotificationChannel",
    "Order",
    "OrderFlag",
    "OrderLine",
    "OrderLineRequest",
    "OrderRequest",
    "OrderStatus",
    "Payment",
    "PaymentMethod",
    "PaymentStatus",
    "PickingMethod",
    "Product",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "Quote",
    "QuoteStatus",
    "Reservation",
    "Return",
    "ReturnLine",
    "ReturnStatus",
    "RoutingRecord",
    "Shipment",
    "ShipmentLine",
    "ShipmentStatus",
    "StockKey",
    "StockMovement",
    "StockPosition",
    "SupplyKind",
    "Task",
    "TaskSeverity",
    "TaxCategory",
    "TrackingEvent",
    "TrackingStatus",
    "TransportMode",
    "is_vat_id",
]
