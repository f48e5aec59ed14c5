"""Customers, addresses and VAT ids."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from omskit.errors import InvalidInput
from omskit.geo import GeoPoint
from omskit.model import Address, Customer, CustomerType, NotificationChannel, is_vat_id


def assert_names(error: InvalidInput, path: str) -> None:
    """The error names the offending field and reads as a phrase."""
    assert error.path == path
    assert str(error) == f"{path}: {error.reason}"
    assert " " in error.reason


def address(**changes: Any) -> Address:
    kwargs: dict[str, Any] = {
        "line1": "Damrak 1",
        "postal_code": "1012 LG",
        "city": "Amsterdam",
        "country": "NL",
    }
    kwargs.update(changes)
    return Address(**kwargs)


def customer(**changes: Any) -> Customer:
    kwargs: dict[str, Any] = {"customer_id": "C-1", "name": "Anna de Vries"}
    kwargs.update(changes)
    return Customer(**kwargs)


# --- VAT ids ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "NL123456789B01",
        "DE123456789",
        "BE0123456789",
        "EL123456789",  # Greece uses EL, not its ISO code
        "XI123456789",  # Northern Ireland
        "ATU12345678",
        "CHE123456789",
        "FR12",
        "NL1234567890123",
    ],
)
def test_is_vat_id_accepts_a_country_prefix_and_2_to_13_letters_or_digits(value: str) -> None:
    assert is_vat_id(value)


@pytest.mark.parametrize(
    "value",
    [
        "nl123456789B01",
        "NL123456789b01",
        "NL1",
        "NL12345678901234",
        "NL 123456789B01",
        "NL-123456789",
        "ZZ123456789",
        "EU123456789",
        "123456789",
        "",
        None,
        123456789,
    ],
)
def test_is_vat_id_refuses_wrong_shapes_unknown_prefixes_and_non_strings(value: object) -> None:
    assert not is_vat_id(value)


def test_is_vat_id_refuses_a_trailing_newline() -> None:
    assert not is_vat_id("NL123456789B01\n")


# --- Address ----------------------------------------------------------------------------


def test_a_valid_address_keeps_its_values_and_optional_parts_default_to_none() -> None:
    home = address()
    assert (home.line1, home.postal_code, home.city, home.country) == (
        "Damrak 1",
        "1012 LG",
        "Amsterdam",
        "NL",
    )
    assert (home.name, home.line2, home.point) == (None, None, None)


def test_an_address_may_carry_a_name_second_line_and_point() -> None:
    point = GeoPoint(52.3756, 4.8971)
    home = address(name="Anna de Vries", line2="3rd floor", point=point)
    assert (home.name, home.line2, home.point) == ("Anna de Vries", "3rd floor", point)


@pytest.mark.parametrize("postal_code", ["1012 LG", "10115", "SW1A 1AA", "1000-001", "D02"])
def test_address_accepts_postal_codes_of_many_countries(postal_code: str) -> None:
    assert address(postal_code=postal_code).postal_code == postal_code


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("line1", ""),
        ("line1", "   "),
        ("line1", "x" * 501),
        ("postal_code", ""),
        ("postal_code", " 1012"),
        ("postal_code", "1012#LG"),
        ("postal_code", "1234567890123"),
        ("postal_code", 1012),
        ("city", None),
        ("country", "nl"),
        ("country", "EL"),
        ("name", ""),
        ("line2", "  "),
        ("point", (52.0, 4.0)),
    ],
)
def test_address_refuses_bad_values_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        address(**{field: value})
    assert_names(caught.value, field)


def test_address_refuses_a_postal_code_with_a_trailing_newline() -> None:
    with pytest.raises(InvalidInput) as caught:
        address(postal_code="1012 LG\n")
    assert_names(caught.value, "postal_code")


# --- Customer ---------------------------------------------------------------------------


def test_a_customer_is_a_consumer_by_default() -> None:
    person = customer()
    assert person.customer_type is CustomerType.B2C
    assert not person.is_business
    assert person.notify_by == frozenset()
    assert person.payment_terms_days == 0


def test_a_business_customer_may_carry_a_vat_id() -> None:
    firm = customer(customer_type=CustomerType.B2B, vat_id="NL123456789B01")
    assert firm.is_business
    assert firm.vat_id == "NL123456789B01"


def test_a_business_customer_may_have_no_vat_id() -> None:
    assert customer(customer_type=CustomerType.B2B).vat_id is None


def test_a_greek_business_customer_uses_the_el_prefix() -> None:
    firm = customer(customer_type=CustomerType.B2B, vat_id="EL094014201")
    assert firm.vat_id == "EL094014201"


def test_a_consumer_may_not_carry_a_vat_id() -> None:
    with pytest.raises(InvalidInput, match="only a B2B customer carries a VAT id") as caught:
        customer(vat_id="NL123456789B01")
    assert_names(caught.value, "vat_id")
    assert caught.value.value == "NL123456789B01"


def test_a_badly_formed_vat_id_is_refused_with_an_example() -> None:
    with pytest.raises(InvalidInput, match="NL123456789B01") as caught:
        customer(customer_type=CustomerType.B2B, vat_id="123")
    assert_names(caught.value, "vat_id")


def test_email_notifications_need_an_email_address() -> None:
    with pytest.raises(InvalidInput, match="need an e-mail address") as caught:
        customer(notify_by={NotificationChannel.EMAIL}, phone="+31 6 12345678")
    assert_names(caught.value, "email")


def test_sms_notifications_need_a_phone_number() -> None:
    with pytest.raises(InvalidInput, match="need a phone number") as caught:
        customer(notify_by={NotificationChannel.SMS}, email="anna@example.nl")
    assert_names(caught.value, "phone")


def test_notifications_are_accepted_with_the_contact_details_they_need() -> None:
    person = customer(
        notify_by=[NotificationChannel.EMAIL, NotificationChannel.SMS, NotificationChannel.PUSH],
        email="anna@example.nl",
        phone="+31 6 12345678",
    )
    assert person.notify_by == frozenset(NotificationChannel)


def test_push_notifications_need_neither_email_nor_phone() -> None:
    assert customer(notify_by={NotificationChannel.PUSH}).notify_by == {NotificationChannel.PUSH}


@pytest.mark.parametrize("email", ["anna@example.nl", "a.b+tag@sub.example.co.uk"])
def test_customer_accepts_email_addresses(email: str) -> None:
    assert customer(email=email).email == email


@pytest.mark.parametrize("phone", ["+31612345678", "+31 6 12345678", "020-1234567", "06 12345678"])
def test_customer_accepts_phone_numbers(phone: str) -> None:
    assert customer(phone=phone).phone == phone


@pytest.mark.parametrize("days", [0, 14, 30, 365])
def test_payment_terms_run_from_0_to_365_days(days: int) -> None:
    assert customer(payment_terms_days=days).payment_terms_days == days


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("customer_id", ""),
        ("name", " "),
        ("customer_type", "b2b"),
        ("email", "anna"),
        ("email", "anna@example"),
        ("email", "anna @example.nl"),
        ("email", "anna@@example.nl"),
        ("phone", "12345"),
        ("phone", "phone me"),
        ("phone", "+31 6 1234 5678 9012 345"),
        ("notify_by", ["email"]),
        ("payment_terms_days", -1),
        ("payment_terms_days", 366),
        ("payment_terms_days", True),
        ("payment_terms_days", "30"),
        ("payment_terms_days", 30.0),
    ],
)
def test_customer_refuses_bad_values_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        customer(**{field: value})
    assert caught.value.path.startswith(field)
    assert str(caught.value) == f"{caught.value.path}: {caught.value.reason}"
    assert " " in caught.value.reason


def test_customer_is_frozen() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        customer().email = "x@example.nl"  # type: ignore[misc]
