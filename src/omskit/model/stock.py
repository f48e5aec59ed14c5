"""Stock: positions per (SKU, location), reservations, the ledger and future supply."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import attrs

from omskit.errors import InvalidInput
from omskit.model._checks import (
    aware_datetime,
    calendar_date,
    identifier,
    instance_of,
    items_of,
    non_negative_int,
    optional_aware_datetime,
    optional_identifier,
    optional_text,
    positive_int,
    to_tuple,
)

__all__ = [
    "MovementReason",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "Reservation",
    "StockKey",
    "StockMovement",
    "StockPosition",
    "SupplyKind",
]


@attrs.frozen(order=True)
class StockKey:
    """The key of a stock position: a SKU at a location. Orders by (sku, location_id)."""

    sku: str = attrs.field(validator=identifier)
    location_id: str = attrs.field(validator=identifier)

    def __str__(self) -> str:
        return f"{self.sku}@{self.location_id}"


@attrs.frozen
class StockPosition:
    """What one location holds of one SKU.

    ``on_hand`` is physically there; ``reserved`` is promised to placed orders
    and cart holds; ``allocated`` is released to the warehouse for picking.
    The sellable quantity is ``on_hand - reserved - allocated`` (never
    negative); safety stock is applied on top by the availability layer.
    """

    sku: str = attrs.field(validator=identifier)
    location_id: str = attrs.field(validator=identifier)
    on_hand: int = attrs.field(default=0, validator=non_negative_int)
    reserved: int = attrs.field(default=0, validator=non_negative_int)
    allocated: int = attrs.field(default=0, validator=non_negative_int)

    def __attrs_post_init__(self) -> None:
        if self.reserved + self.allocated > self.on_hand:
            raise InvalidInput(
                f"reserved ({self.reserved}) + allocated ({self.allocated}) exceed on hand "
                f"({self.on_hand}) for {self.sku}@{self.location_id}",
                path="reserved",
            )

    def moved(self, *, on_hand: int = 0, reserved: int = 0, allocated: int = 0) -> StockPosition:
        """Return this position with the signed changes applied, validated like a new one.

        A change that would make a quantity negative, or reserve and allocate
        more than is on hand, raises :class:`~omskit.errors.InvalidInput`.
        """
        return StockPosition(
            self.sku,
            self.location_id,
            self.on_hand + on_hand,
            self.reserved + reserved,
            self.allocated + allocated,
        )

    @property
    def key(self) -> StockKey:
        """The (sku, location) key."""
        return StockKey(self.sku, self.location_id)

    @property
    def free(self) -> int:
        """Units on hand not reserved or allocated."""
        return self.on_hand - self.reserved - self.allocated


@attrs.frozen
class Reservation:
    """Units of a SKU held at a location for an order line or a cart.

    A reservation with ``expires_at`` is a cart hold: it stops counting at
    that instant. A hold for a shopping cart names its ``cart_id``; an order's
    reservation names ``order_id`` and ``line_id``. One reservation never
    names both an order and a cart.
    """

    reservation_id: str = attrs.field(validator=identifier)
    sku: str = attrs.field(validator=identifier)
    location_id: str = attrs.field(validator=identifier)
    quantity: int = attrs.field(validator=positive_int)
    created_at: datetime = attrs.field(validator=aware_datetime)
    order_id: str | None = attrs.field(default=None, validator=optional_identifier)
    line_id: str | None = attrs.field(default=None, validator=optional_identifier)
    expires_at: datetime | None = attrs.field(default=None, validator=optional_aware_datetime)
    cart_id: str | None = attrs.field(default=None, validator=optional_identifier)

    def __attrs_post_init__(self) -> None:
        if self.expires_at is not None and self.expires_at <= self.created_at:
            raise InvalidInput("must be after created_at", path="expires_at", value=self.expires_at)
        if self.cart_id is not None and self.order_id is not None:
            raise InvalidInput(
                "a reservation holds stock for an order or for a cart, not both", path="cart_id"
            )

    @property
    def is_hold(self) -> bool:
        """Whether this is a cart hold (it has an expiry), not an order's reservation."""
        return self.expires_at is not None

    def is_active(self, now: datetime) -> bool:
        """Whether the reservation still counts at ``now``."""
        return self.expires_at is None or now < self.expires_at


class MovementReason(StrEnum):
    """Why on-hand stock changed (the stock ledger's vocabulary)."""

    RECEIPT = "receipt"
    """Goods received (purchase order, return to stock, initial count)."""
    POS_SALE = "pos_sale"
    """Sold at a store till."""
    SHIPMENT = "shipment"
    ADJUSTMENT = "adjustment"
    """Counted difference, damage, write-off."""
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    RETURN = "return"
    CORRECTION = "correction"
    """A reversing entry that corrects an earlier one."""


@attrs.frozen
class StockMovement:
    """One entry of the append-only stock ledger. ``quantity`` is the signed change."""

    movement_id: str = attrs.field(validator=identifier)
    sku: str = attrs.field(validator=identifier)
    location_id: str = attrs.field(validator=identifier)
    quantity: int = attrs.field(validator=instance_of(int))
    reason: MovementReason = attrs.field(validator=instance_of(MovementReason))
    at: datetime = attrs.field(validator=aware_datetime)
    reference: str | None = attrs.field(default=None, validator=optional_text)
    corrects: str | None = attrs.field(default=None, validator=optional_identifier)
    """The ``movement_id`` this entry reverses, for a ``CORRECTION`` entry."""

    def __attrs_post_init__(self) -> None:
        if (self.corrects is None) != (self.reason is not MovementReason.CORRECTION):
            raise InvalidInput(
                "a correction names the movement it reverses, and only a correction does",
                path="corrects",
                value=self.corrects,
            )

    @quantity.validator
    def _non_zero(self, attribute: attrs.Attribute[int], value: int) -> None:
        if value == 0:
            raise InvalidInput("must not be zero", path=attribute.name, value=value)


class SupplyKind(StrEnum):
    """Kinds of future supply (A6)."""

    PURCHASE_ORDER = "purchase_order"
    IN_TRANSIT = "in_transit"


@attrs.frozen
class PurchaseOrderLine:
    """Units of a SKU expected from a supplier. ``received`` counts what arrived."""

    sku: str = attrs.field(validator=identifier)
    quantity: int = attrs.field(validator=positive_int)
    received: int = attrs.field(default=0, validator=non_negative_int)

    def __attrs_post_init__(self) -> None:
        if self.received > self.quantity:
            raise InvalidInput("cannot exceed the ordered quantity", path="received")

    @property
    def outstanding(self) -> int:
        """Units still to arrive."""
        return self.quantity - self.received


@attrs.frozen
class PurchaseOrder:
    """An open purchase order or in-transit shipment from a supplier (A6, E1-E3)."""

    po_id: str = attrs.field(validator=identifier)
    supplier_id: str = attrs.field(validator=identifier)
    location_id: str = attrs.field(validator=identifier)
    expected_on: date = attrs.field(validator=calendar_date)
    lines: tuple[PurchaseOrderLine, ...] = attrs.field(
        converter=to_tuple, validator=items_of(PurchaseOrderLine)
    )
    kind: SupplyKind = attrs.field(
        default=SupplyKind.PURCHASE_ORDER, validator=instance_of(SupplyKind)
    )

    def __attrs_post_init__(self) -> None:
        if not self.lines:
            raise InvalidInput("must have at least one line", path="lines")
        skus = [line.sku for line in self.lines]
        if len(set(skus)) != len(skus):
            raise InvalidInput("must not repeat a SKU", path="lines")

    def outstanding(self, sku: str) -> int:
        """Units of ``sku`` still to arrive on this purchase order."""
        return sum(line.outstanding for line in self.lines if line.sku == sku)
