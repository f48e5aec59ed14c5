"""omskit: an embeddable, framework-free Order Management System domain library.

Import :class:`Oms` for the application service, the model classes for its
inputs and outputs, and the errors to catch. Ports live in
:mod:`omskit.ports`, reference adapters in :mod:`omskit.adapters.memory`, the
converter in :mod:`omskit.serialization` and the test kit in
:mod:`omskit.testing`.
"""

from omskit._version import __version__
from omskit.availability import Availability, LocationAvailability
from omskit.errors import (
    AlreadyExists,
    CancelRefused,
    ChangeRefused,
    ConcurrencyConflict,
    Conflict,
    DefinitionError,
    DomainRuleViolation,
    GatewayError,
    GuardRefused,
    IdempotencyConflict,
    IllegalTransition,
    InsufficientStock,
    InvalidInput,
    NotFound,
    OmsError,
)
from omskit.geo import GeoPoint
from omskit.model import (
    Address,
    Allocation,
    Capability,
    Channel,
    Customer,
    CustomerType,
    Delivery,
    DeliveryMethod,
    Dimensions,
    HoldReason,
    LineStatus,
    Location,
    LocationKind,
    Order,
    OrderFlag,
    OrderLine,
    OrderLineRequest,
    OrderRequest,
    OrderStatus,
    Product,
    Quote,
    QuoteStatus,
    Shipment,
    ShipmentStatus,
    StockPosition,
    TaxCategory,
)
from omskit.money import Money
from omskit.routing import RoutingDecision
from omskit.service import Oms

__all__ = [
    "Address",
    "Allocation",
    "AlreadyExists",
    "Availability",
    "CancelRefused",
    "Capability",
    "ChangeRefused",
    "Channel",
    "ConcurrencyConflict",
    "Conflict",
    "Customer",
    "CustomerType",
    "DefinitionError",
    "Delivery",
    "DeliveryMethod",
    "Dimensions",
    "DomainRuleViolation",
    "GatewayError",
    "GeoPoint",
    "GuardRefused",
    "HoldReason",
    "IdempotencyConflict",
    "IllegalTransition",
    "InsufficientStock",
    "InvalidInput",
    "LineStatus",
    "Location",
    "LocationAvailability",
    "LocationKind",
    "Money",
    "NotFound",
    "Oms",
    "OmsError",
    "Order",
    "OrderFlag",
    "OrderLine",
    "OrderLineRequest",
    "OrderRequest",
    "OrderStatus",
    "Product",
    "Quote",
    "QuoteStatus",
    "RoutingDecision",
    "Shipment",
    "ShipmentStatus",
    "StockPosition",
    "TaxCategory",
    "__version__",
]
