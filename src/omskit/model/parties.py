"""Customers and addresses."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, Final

import attrs

from omskit.countries import COUNTRY_CODES
from omskit.errors import InvalidInput
from omskit.geo import GeoPoint
from omskit.model._checks import (
    country,
    identifier,
    instance_of,
    items_of,
    optional_instance_of,
    optional_text,
    text,
    to_frozenset,
)

__all__ = ["Address", "Customer", "CustomerType", "NotificationChannel", "is_vat_id"]

_VAT_ID: Final = re.compile(r"^([A-Z]{2})[0-9A-Z]{2,13}$")
_VAT_PREFIXES: Final = (COUNTRY_CODES - {"GR"}) | {"EL", "XI"}
_POSTAL_CODE: Final = re.compile(r"^[0-9A-Za-z][0-9A-Za-z -]{0,11}$")


def is_vat_id(value: object) -> bool:
    """Whether ``value`` has the shape of a VAT id: country prefix then 2-13 letters/digits.

    Greece uses the prefix ``EL`` (``GR`` is refused) and Northern Ireland
    ``XI``. This checks the format only, not that the number is registered
    (that needs the tax authority, e.g. VIES).
    """
    if not isinstance(value, str):
        return False
    match = _VAT_ID.fullmatch(value)
    return match is not None and match.group(1) in _VAT_PREFIXES


def _vat_id(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not is_vat_id(value):
        raise InvalidInput(
            "must be a VAT id: a country prefix and 2-13 letters or digits, e.g. 'NL123456789B01'",
            path=attribute.name,
            value=value,
        )


def _postal_code(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not _POSTAL_CODE.fullmatch(value):
        raise InvalidInput(
            "must be 1-12 letters, digits, spaces or dashes", path=attribute.name, value=value
        )


def _email(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (
        not isinstance(value, str) or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value)
    ):
        raise InvalidInput("must be an e-mail address", path=attribute.name, value=value)


def _phone(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (
        not isinstance(value, str) or not re.fullmatch(r"\+?[0-9][0-9 ()-]{5,19}", value)
    ):
        raise InvalidInput("must be a phone number", path=attribute.name, value=value)


@attrs.frozen
class Address:
    """A postal address. ``point`` is optional; routing uses it when present."""

    line1: str = attrs.field(validator=text)
    postal_code: str = attrs.field(validator=_postal_code)
    city: str = attrs.field(validator=text)
    country: str = attrs.field(validator=country)
    name: str | None = attrs.field(default=None, validator=optional_text)
    line2: str | None = attrs.field(default=None, validator=optional_text)
    point: GeoPoint | None = attrs.field(default=None, validator=optional_instance_of(GeoPoint))


class CustomerType(StrEnum):
    """Consumer or business: drives invoicing (F1) and VAT (F3)."""

    B2C = "b2c"
    B2B = "b2b"


class NotificationChannel(StrEnum):
    """How a customer wants to hear from us (C6)."""

    EMAIL = "email"
    SMS = "sms"
    PUSH = "push"


@attrs.frozen
class Customer:
    """A buyer. B2B customers may carry a VAT id (needed for reverse charge)."""

    customer_id: str = attrs.field(validator=identifier)
    name: str = attrs.field(validator=text)
    customer_type: CustomerType = attrs.field(
        default=CustomerType.B2C, validator=instance_of(CustomerType)
    )
    email: str | None = attrs.field(default=None, validator=_email)
    phone: str | None = attrs.field(default=None, validator=_phone)
    vat_id: str | None = attrs.field(default=None, validator=_vat_id)
    notify_by: frozenset[NotificationChannel] = attrs.field(
        default=frozenset(),
        converter=to_frozenset,
        validator=items_of(NotificationChannel),
    )
    payment_terms_days: int = attrs.field(default=0)

    @payment_terms_days.validator
    def _check_terms(self, attribute: attrs.Attribute[int], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 365:
            raise InvalidInput(
                "must be a whole number of days from 0 to 365", path=attribute.name, value=value
            )

    def __attrs_post_init__(self) -> None:
        if self.vat_id is not None and self.customer_type is not CustomerType.B2B:
            raise InvalidInput(
                "only a B2B customer carries a VAT id", path="vat_id", value=self.vat_id
            )
        if NotificationChannel.EMAIL in self.notify_by and self.email is None:
            raise InvalidInput("e-mail notifications need an e-mail address", path="email")
        if NotificationChannel.SMS in self.notify_by and self.phone is None:
            raise InvalidInput("SMS notifications need a phone number", path="phone")

    @property
    def is_business(self) -> bool:
        """Whether the customer is a business (B2B)."""
        return self.customer_type is CustomerType.B2B
