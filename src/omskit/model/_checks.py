"""Validators shared by the model classes.

Each validator raises :class:`~omskit.errors.InvalidInput` whose ``path`` is
the attribute name, so a bad constructor argument names itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from enum import Enum
from typing import Any, Final

import attrs

from omskit.countries import is_country_code
from omskit.errors import InvalidInput
from omskit.money import CURRENCY_EXPONENTS

_IDENTIFIER: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@#+-]{0,127}")


def check_identifier(value: object, path: str) -> str:
    """Return ``value`` if it is an identifier, else raise :class:`InvalidInput` at ``path``.

    An identifier is 1-128 characters of letters, digits and ``._:/@#+-``,
    starting with a letter or digit.
    """
    if not isinstance(value, str) or not _IDENTIFIER.fullmatch(value):
        raise InvalidInput(
            "must be 1-128 characters of letters, digits and ._:/@#+- starting with a letter "
            "or digit",
            path=path,
            value=value,
        )
    return value


def identifier(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An identifier (see :func:`check_identifier`)."""
    check_identifier(value, attribute.name)


def text(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A non-blank string of at most 500 characters."""
    if not isinstance(value, str) or not value.strip() or len(value) > 500:
        raise InvalidInput(
            "must be a non-blank string of at most 500 characters",
            path=attribute.name,
            value=value,
        )


def long_text(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A non-blank string of at most 200 000 characters (a report, an explanation)."""
    if not isinstance(value, str) or not value.strip() or len(value) > 200_000:
        raise InvalidInput(
            "must be a non-blank string of at most 200000 characters",
            path=attribute.name,
            value=value,
        )


def positive_int(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An ``int`` greater than zero (``bool`` is refused)."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInput("must be a positive integer", path=attribute.name, value=value)


def non_negative_int(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An ``int`` of zero or more (``bool`` is refused)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput("must be a non-negative integer", path=attribute.name, value=value)


def country(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An ISO 3166-1 alpha-2 code in upper case, e.g. ``NL``."""
    if not is_country_code(value):
        raise InvalidInput(
            "must be an ISO 3166-1 alpha-2 country code such as 'NL'",
            path=attribute.name,
            value=value,
        )


def currency_code(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An active ISO 4217 currency code such as ``EUR``."""
    if not isinstance(value, str) or value not in CURRENCY_EXPONENTS:
        raise InvalidInput(
            "is not an active ISO 4217 currency code", path=attribute.name, value=value
        )


def calendar_date(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A ``date`` that is not a ``datetime``."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidInput("must be a date (not a datetime)", path=attribute.name, value=value)


def state(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A lifecycle state: a member of an enum whose values are text (omskit's or a shop's)."""
    if not isinstance(value, Enum) or not isinstance(value.value, str):
        raise InvalidInput(
            "must be a state: a member of an enum with text values, such as OrderStatus",
            path=attribute.name,
            value=value,
        )


def check_aware_datetime(value: object, path: str) -> datetime:
    """Return ``value`` if it is a timezone-aware ``datetime``; else InvalidInput at ``path``."""
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidInput("must be a timezone-aware datetime", path=path, value=value)
    return value


def aware_datetime(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A timezone-aware ``datetime``."""
    check_aware_datetime(value, attribute.name)


Validator = Callable[[object, "attrs.Attribute[Any]", object], None]


def optional(check: Validator) -> Validator:
    """Wrap a validator so that ``None`` is also accepted."""

    def check_optional(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            check(instance, attribute, value)

    check_optional.__doc__ = f"``None`` or {check.__name__}."
    return check_optional


def instance_of(
    kind: type | tuple[type, ...],
) -> Callable[[object, attrs.Attribute[Any], object], None]:
    """A value of ``kind`` (``bool`` is not accepted where ``int`` is asked)."""

    def check(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _kinds(kind)):
            raise InvalidInput(
                f"must be {_describe(kind)}, not {type(value).__name__}",
                path=attribute.name,
                value=value,
            )

    return check


def optional_instance_of(
    kind: type | tuple[type, ...],
) -> Callable[[object, attrs.Attribute[Any], object], None]:
    """``None`` or a value of ``kind``."""
    return optional(instance_of(kind))


def items_of(
    kind: type | tuple[type, ...],
) -> Callable[[object, attrs.Attribute[Any], object], None]:
    """A tuple or frozenset whose every item is a ``kind``; the path names the bad item."""

    def check(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, tuple | frozenset):
            raise InvalidInput("must be a tuple or frozenset", path=attribute.name, value=value)
        for index, item in enumerate(value):
            if not isinstance(item, kind):
                raise InvalidInput(
                    f"must be {_describe(kind)}, not {type(item).__name__}",
                    path=f"{attribute.name}[{index}]",
                    value=item,
                )

    return check


def to_tuple(values: Iterable[Any]) -> tuple[Any, ...]:
    """Freeze any iterable (but not a string) into a tuple; validators check the items."""
    if isinstance(values, str) or not isinstance(values, Iterable):
        return values  # type: ignore[return-value]  # the attribute's validator reports it
    return tuple(values)


def to_frozenset(values: Iterable[Any]) -> frozenset[Any]:
    """Freeze any iterable (but not a string) into a frozenset; validators check the items."""
    if isinstance(values, str) or not isinstance(values, Iterable):
        return values  # type: ignore[return-value]  # the attribute's validator reports it
    return frozenset(values)


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _describe(kind: type | tuple[type, ...]) -> str:
    return " or ".join(k.__name__ for k in _kinds(kind))


optional_identifier = optional(identifier)
optional_text = optional(text)
optional_non_negative_int = optional(non_negative_int)
optional_calendar_date = optional(calendar_date)
optional_aware_datetime = optional(aware_datetime)
