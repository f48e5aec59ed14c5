"""Products as routing, packing and tax need them."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

import attrs

from omskit.errors import InvalidInput
from omskit.model._checks import (
    identifier,
    instance_of,
    non_negative_int,
    optional_calendar_date,
    optional_instance_of,
    positive_int,
    text,
)

__all__ = ["Dimensions", "Product", "TaxCategory"]


class TaxCategory(StrEnum):
    """Which VAT rate of the country of supply applies to a product (F3)."""

    STANDARD = "standard"
    REDUCED = "reduced"
    ZERO = "zero"


@attrs.frozen
class Dimensions:
    """Outer size of one unit, in whole millimetres."""

    length_mm: int = attrs.field(validator=positive_int)
    width_mm: int = attrs.field(validator=positive_int)
    height_mm: int = attrs.field(validator=positive_int)

    @property
    def volume_cm3(self) -> float:
        """Volume in cubic centimetres."""
        return self.length_mm * self.width_mm * self.height_mm / 1000.0


def _optional_cap(_instance: object, attribute: attrs.Attribute[int | None], value: object) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise InvalidInput(
            "must be a non-negative integer or None", path=attribute.name, value=value
        )


@attrs.frozen
class Product:
    """A sellable item, identified by its SKU.

    ``weight_grams`` and ``dimensions`` drive shipping cost, CO2 and box
    choice; ``fragile`` and ``hazardous`` require matching location
    capabilities; ``tax_category`` selects the VAT rate.
    """

    sku: str = attrs.field(validator=identifier)
    name: str = attrs.field(validator=text)
    weight_grams: int = attrs.field(default=0, validator=non_negative_int)
    dimensions: Dimensions | None = attrs.field(
        default=None, validator=optional_instance_of(Dimensions)
    )
    fragile: bool = attrs.field(default=False, validator=instance_of(bool))
    hazardous: bool = attrs.field(default=False, validator=instance_of(bool))
    tax_category: TaxCategory = attrs.field(
        default=TaxCategory.STANDARD, validator=instance_of(TaxCategory)
    )
    waiting_cap: int | None = attrs.field(default=None, validator=_optional_cap)
    """At most this many units of the SKU may wait for supply (pre-ordered or
    backordered) at once (E3); ``None``: no cap, ``0``: no pre-orders at all."""
    release_date: date | None = attrs.field(default=None, validator=optional_calendar_date)
    """The first day the product may ship (a launch or street date). Before it,
    orders for the product are pre-orders: they wait, even when stock is on
    hand, and their promised ship date is at least this day (E1)."""

    def before_release(self, day: date) -> bool:
        """Whether ``day`` is before the product's release date (its orders are pre-orders)."""
        return self.release_date is not None and day < self.release_date
