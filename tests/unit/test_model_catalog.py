"""Products, their dimensions and tax categories."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from omskit.errors import InvalidInput
from omskit.model import Dimensions, Product, TaxCategory


def assert_names(error: InvalidInput, path: str) -> None:
    """The error names the offending field and reads as a phrase."""
    assert error.path == path
    assert str(error) == f"{path}: {error.reason}"
    assert " " in error.reason


def product(**changes: Any) -> Product:
    kwargs: dict[str, Any] = {"sku": "MUG-1", "name": "Blue mug"}
    kwargs.update(changes)
    return Product(**kwargs)


def test_volume_is_length_times_width_times_height_in_cubic_centimetres() -> None:
    assert Dimensions(100, 200, 50).volume_cm3 == 1000.0
    assert Dimensions(1, 1, 1).volume_cm3 == 0.001


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("length_mm", 0),
        ("width_mm", -5),
        ("height_mm", True),
        ("length_mm", 10.5),
        ("width_mm", "10"),
    ],
)
def test_dimensions_refuse_anything_but_positive_whole_millimetres(
    field: str, value: object
) -> None:
    kwargs: dict[str, Any] = {"length_mm": 10, "width_mm": 10, "height_mm": 10, field: value}
    with pytest.raises(InvalidInput, match="must be a positive integer") as caught:
        Dimensions(**kwargs)
    assert_names(caught.value, field)


def test_a_product_defaults_to_weightless_sturdy_harmless_and_standard_rated() -> None:
    mug = product()
    assert mug.weight_grams == 0
    assert mug.dimensions is None
    assert mug.fragile is False
    assert mug.hazardous is False
    assert mug.tax_category is TaxCategory.STANDARD


def test_a_product_keeps_its_shipping_and_tax_attributes() -> None:
    size = Dimensions(120, 90, 90)
    vase = product(
        weight_grams=850,
        dimensions=size,
        fragile=True,
        hazardous=False,
        tax_category=TaxCategory.REDUCED,
    )
    assert (vase.weight_grams, vase.dimensions, vase.fragile, vase.tax_category) == (
        850,
        size,
        True,
        TaxCategory.REDUCED,
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sku", ""),
        ("sku", "blue mug"),
        ("name", ""),
        ("name", "x" * 501),
        ("weight_grams", -1),
        ("weight_grams", 1.5),
        ("weight_grams", False),
        ("dimensions", (10, 10, 10)),
        ("tax_category", "standard"),
    ],
)
def test_product_refuses_bad_values_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        product(**{field: value})
    assert_names(caught.value, field)


@pytest.mark.parametrize(("field", "value"), [("fragile", "yes"), ("hazardous", 1)])
def test_product_refuses_non_bool_flags_with_invalid_input_naming_the_field(
    field: str, value: object
) -> None:
    with pytest.raises(InvalidInput) as caught:
        product(**{field: value})
    assert_names(caught.value, field)


def test_product_is_frozen() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        product().fragile = True  # type: ignore[misc]
