"""JSON-compatible data for every omskit value, and back, through cattrs.

:func:`make_converter` builds a fresh :class:`cattrs.Converter` that turns the
model classes (:mod:`omskit.model`), :class:`~omskit.money.Money`,
:class:`~omskit.geo.GeoPoint` and the domain events (:mod:`omskit.events`)
into plain ``dict``/``list``/``str``/``int``/``float``/``bool``/``None`` data
and back. The shapes are:

- ``Decimal`` is a string that keeps its exact scale (``"19.90"``); ``Money``
  is ``{"amount": "19.90", "currency": "EUR"}``. Floats are refused.
- ``datetime`` is an ISO 8601 string with a UTC offset; a naive one is
  refused. ``date`` is ``"YYYY-MM-DD"``.
- Enums are their values; tuples are lists; frozensets are sorted lists.
- An event carries its tag under ``"event_type"``; structuring to
  :class:`~omskit.events.DomainEvent` picks the class from the tag.

Structuring is strict: unknown keys, wrong types, missing fields and values
the model validators reject all raise :class:`~omskit.errors.InvalidInput`
whose ``path`` names the field from the root, e.g. ``lines[2].quantity``::

    >>> from omskit.money import Money
    >>> to_data(Money("19.90", "EUR"))
    {'amount': '19.90', 'currency': 'EUR'}
    >>> from_data({"amount": "abc", "currency": "EUR"}, Money)
    Traceback (most recent call last):
    ...
    omskit.errors.InvalidInput: amount: must be a decimal number such as '19.99'

There is no module-level converter: :func:`to_data` and friends build one per
call unless you pass ``converter=``; pass one (from :func:`make_converter`)
when you convert many values, since a converter generates and caches its
per-class code on first use.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum, IntEnum, StrEnum
from typing import Any, Final, TypeVar, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
    StructureHandlerNotFoundError,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn

from omskit.errors import DefinitionError, InvalidInput
from omskit.events import EVENT_TYPES, DomainEvent
from omskit.model import OrderStatus

__all__ = ["from_data", "from_json", "make_converter", "to_data", "to_json"]

T = TypeVar("T")

_EVENT_TAG: Final = "event_type"
_DECIMAL: Final = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_DATE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MAX_LISTED_PROBLEMS: Final = 3


# --------------------------------------------------------------------------- public API


def make_converter(
    *,
    event_types: Mapping[str, type[DomainEvent]] = EVENT_TYPES,
    order_states: Iterable[type[Enum]] = (),
) -> cattrs.Converter:
    """Return a new converter for omskit values (never a shared, global one).

    ``event_types`` maps each ``event_type`` tag to its event class; pass a
    larger mapping (``{**EVENT_TYPES, "my_event": MyEvent}``) to read and
    write your own :class:`~omskit.events.DomainEvent` subclasses. Raises
    :class:`~omskit.errors.DefinitionError` when a tag does not match its
    class's ``event_type``. ``order_states`` are your own enums of order
    states (see :class:`~omskit.lifecycle.Lifecycles`): an order status is
    read as an :class:`~omskit.model.OrderStatus` first, then as a member of
    these, in order.

    Structuring is strict: unknown keys, strings where numbers belong (and
    the reverse), floats for money and naive datetimes are all refused. The
    converter raises cattrs' own exception groups on bad data; use
    :func:`from_data` (``from_data(data, cls, converter=conv)``) to get an
    :class:`~omskit.errors.InvalidInput` with the path of the bad field.
    """
    events = _checked_event_types(event_types)
    conv = cattrs.Converter(detailed_validation=True, forbid_extra_keys=True)
    _register_scalars(conv)
    _register_collections(conv)
    _register_attrs_classes(conv)
    _register_events(conv, events)
    _register_order_states(conv, tuple(order_states))
    return conv


def _register_order_states(conv: cattrs.Converter, extra: tuple[type[Enum], ...]) -> None:
    for kind in extra:
        if not (isinstance(kind, type) and issubclass(kind, Enum)) or not all(
            isinstance(member.value, str) for member in kind
        ):
            raise DefinitionError(f"order states must be enums with text values, not {kind!r}")
    members: list[Enum] = [*OrderStatus]
    for kind in extra:
        members.extend(kind)

    def structure_state(value: object, _type: object) -> Enum:
        for member in members:
            if isinstance(value, str) and member.value == value:
                return member
        allowed = ", ".join(repr(member.value) for member in members)
        raise InvalidInput(f"must be one of {allowed}", value=value)

    # An order status is one of omskit's, else one of the shop's own states.
    conv.register_structure_hook(OrderStatus, structure_state)


def to_data(obj: object, *, converter: cattrs.Converter | None = None) -> Any:
    """Return ``obj`` as JSON-compatible data (dicts, lists, strings, numbers, ``None``).

    ``converter`` is a converter from :func:`make_converter`; without one, a
    new converter is made for this call (passing one is faster).
    """
    conv = converter if converter is not None else make_converter()
    return conv.unstructure(obj)


def from_data(data: object, cls: type[T], *, converter: cattrs.Converter | None = None) -> T:
    """Build a ``cls`` from JSON-compatible ``data``, validated like any constructor call.

    Raises :class:`~omskit.errors.InvalidInput` for any malformed data; its
    ``path`` names the first offending field from the root (``lines[2].quantity``,
    ``delivery.address.country``) and its message lists further problems.
    ``converter`` is a converter from :func:`make_converter`; without one, a
    new converter is made for this call (passing one is faster).
    """
    conv = converter if converter is not None else make_converter()
    try:
        result: T = conv.structure(data, cls)
    except StructureHandlerNotFoundError:
        raise  # ``cls`` is not a type this converter knows: a programming error
    except Exception as exc:  # every other failure is the data's fault
        raise _to_invalid_input(exc) from exc
    return result


def to_json(obj: object, *, converter: cattrs.Converter | None = None) -> str:
    """Return ``obj`` as a JSON document (see :func:`to_data`)."""
    return json.dumps(to_data(obj, converter=converter), ensure_ascii=False, allow_nan=False)


def from_json(text: str | bytes, cls: type[T], *, converter: cattrs.Converter | None = None) -> T:
    """Build a ``cls`` from a JSON document (see :func:`from_data`).

    Text that is not JSON (or uses ``NaN``/``Infinity``) raises
    :class:`~omskit.errors.InvalidInput` with an empty ``path``.
    """
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, TypeError, RecursionError) as exc:
        raise InvalidInput(f"is not a valid JSON document ({exc})") from exc
    return from_data(data, cls, converter=converter)


# --------------------------------------------------------------------------- scalars


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _kind(value: object) -> str:
    return type(value).__name__


def _structure_str(value: object, _type: object) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"must be a string, not {_kind(value)}", value=value)
    return value


def _structure_int(value: object, _type: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"must be an integer, not {_kind(value)}", value=value)
    return value


def _structure_float(value: object, _type: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"must be a number, not {_kind(value)}", value=value)
    try:
        return float(value)
    except OverflowError:
        raise InvalidInput("is too large", value=value) from None


def _structure_bool(value: object, _type: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(f"must be true or false, not {_kind(value)}", value=value)
    return value


def _structure_decimal(value: object, _type: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise InvalidInput(
            f"must be a decimal number in a string such as '19.99', not {_kind(value)}",
            value=value,
        )
    if isinstance(value, str) and not _DECIMAL.match(value):
        raise InvalidInput("must be a decimal number such as '19.99'", value=value)
    try:
        result = Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        raise InvalidInput("must be a decimal number such as '19.99'", value=value) from None
    if not result.is_finite():
        raise InvalidInput("must be a finite number", value=value)
    return result


def _unstructure_decimal(value: Decimal) -> str:
    # ``str`` keeps sign, digits and exponent, so ``Decimal(str(d))`` has d's exact scale.
    return str(value)


def _structure_datetime(value: object, _type: object) -> datetime:
    if not isinstance(value, str):
        raise InvalidInput(f"must be an ISO 8601 date-time string, not {_kind(value)}", value=value)
    try:
        result = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            "must be an ISO 8601 date-time such as '2024-05-01T12:00:00+00:00'", value=value
        ) from None
    if result.utcoffset() is None:
        raise InvalidInput(
            "must include a UTC offset (e.g. '+00:00' or 'Z'); naive date-times are ambiguous",
            value=value,
        )
    return result


def _unstructure_datetime(value: datetime) -> str:
    return value.isoformat()


def _structure_date(value: object, _type: object) -> date:
    if not isinstance(value, str) or not _DATE.match(value):
        raise InvalidInput("must be a date string such as '2024-05-01'", value=value)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("is not a valid calendar date", value=value) from None


def _unstructure_date(value: date) -> str:
    return value.isoformat()


def _structure_enum(value: object, cls: type[Enum]) -> Enum:
    for member in cls:
        if type(member.value) is type(value) and member.value == value:
            return member
    allowed = ", ".join(repr(member.value) for member in cls)
    raise InvalidInput(f"must be one of {allowed}", value=value)


def _unstructure_enum(value: Enum) -> Any:
    return value.value


def _register_scalars(conv: cattrs.Converter) -> None:
    # These go to cattrs' singledispatch table, which is consulted first and
    # honours subclasses: StrEnum/IntEnum/bool/datetime need their own entries
    # so that the str/int/date hooks do not catch them.
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(float, _structure_float)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(Decimal, _structure_decimal)
    conv.register_structure_hook(datetime, _structure_datetime)
    conv.register_structure_hook(date, _structure_date)
    conv.register_unstructure_hook(Decimal, _unstructure_decimal)
    conv.register_unstructure_hook(datetime, _unstructure_datetime)
    conv.register_unstructure_hook(date, _unstructure_date)
    for enum_base in (Enum, StrEnum, IntEnum):
        conv.register_structure_hook(enum_base, _structure_enum)
        conv.register_unstructure_hook(enum_base, _unstructure_enum)


# --------------------------------------------------------------------------- collections


def _is_homogeneous_tuple(type_: Any) -> bool:
    args = get_args(type_)
    return get_origin(type_) is tuple and len(args) == 2 and args[1] is Ellipsis


def _is_frozenset(type_: Any) -> bool:
    return get_origin(type_) is frozenset and len(get_args(type_)) == 1


def _structure_items(
    conv: cattrs.Converter, value: object, type_: Any, item_type: Any
) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise InvalidInput(f"must be a list, not {_kind(value)}", value=value)
    items: list[Any] = []
    errors: list[Exception] = []
    for index, item in enumerate(value):
        try:
            items.append(conv.structure(item, item_type))
        except Exception as exc:
            exc.add_note(
                IterableValidationNote(f"Structuring {type_} @ index {index}", index, item_type)
            )
            errors.append(exc)
    if errors:
        raise IterableValidationError(f"While structuring {type_!r}", errors, type_)
    return items


def _frozenset_sort_key(item: Any) -> str:
    return json.dumps(item, sort_keys=True, default=str)


def _register_collections(conv: cattrs.Converter) -> None:
    def tuple_structure(type_: Any) -> Callable[[Any, Any], tuple[Any, ...]]:
        (item_type, _) = get_args(type_)

        def structure(value: Any, _type: Any) -> tuple[Any, ...]:
            return tuple(_structure_items(conv, value, type_, item_type))

        return structure

    def frozenset_structure(type_: Any) -> Callable[[Any, Any], frozenset[Any]]:
        (item_type,) = get_args(type_)

        def structure(value: Any, _type: Any) -> frozenset[Any]:
            if isinstance(value, set | frozenset):
                value = list(value)
            return frozenset(_structure_items(conv, value, type_, item_type))

        return structure

    def tuple_unstructure(type_: Any) -> Callable[[Any], list[Any]]:
        (item_type, _) = get_args(type_)
        return lambda value: [conv.unstructure(item, unstructure_as=item_type) for item in value]

    def frozenset_unstructure(type_: Any) -> Callable[[Any], list[Any]]:
        (item_type,) = get_args(type_)

        def unstructure(value: Any) -> list[Any]:
            items = [conv.unstructure(item, unstructure_as=item_type) for item in value]
            return sorted(items, key=_frozenset_sort_key)

        return unstructure

    conv.register_structure_hook_factory(_is_homogeneous_tuple, tuple_structure)
    conv.register_structure_hook_factory(_is_frozenset, frozenset_structure)
    conv.register_unstructure_hook_factory(_is_homogeneous_tuple, tuple_unstructure)
    conv.register_unstructure_hook_factory(_is_frozenset, frozenset_unstructure)
    # A bare tuple or frozenset value (no type parameters) unstructured by its class.
    conv.register_unstructure_hook(tuple, lambda value: [conv.unstructure(item) for item in value])
    conv.register_unstructure_hook(
        frozenset,
        lambda value: sorted((conv.unstructure(item) for item in value), key=_frozenset_sort_key),
    )


# --------------------------------------------------------------------------- attrs classes


def _mapping_checked(
    cls: type[Any], structure: Callable[[Mapping[str, Any], Any], Any]
) -> Callable[[Any, Any], Any]:
    def checked(value: Any, type_: Any) -> Any:
        if not isinstance(value, Mapping):
            raise InvalidInput(
                f"must be an object with the fields of {cls.__name__}, not {_kind(value)}",
                value=value,
            )
        return structure(value, type_)

    return checked


def _is_plain_attrs(type_: Any) -> bool:
    return isinstance(type_, type) and attrs.has(type_) and not issubclass(type_, DomainEvent)


def _register_attrs_classes(conv: cattrs.Converter) -> None:
    def structure_factory(cls: type[Any]) -> Callable[[Any, Any], Any]:
        attrs.resolve_types(cls)
        return _mapping_checked(cls, make_dict_structure_fn(cls, conv))

    conv.register_structure_hook_factory(_is_plain_attrs, structure_factory)


# --------------------------------------------------------------------------- events


def _checked_event_types(
    event_types: Mapping[str, type[DomainEvent]],
) -> dict[str, type[DomainEvent]]:
    for tag, cls in event_types.items():
        if not (isinstance(cls, type) and issubclass(cls, DomainEvent)):
            raise DefinitionError(f"event type {tag!r} maps to {cls!r}, not a DomainEvent class")
        if cls.event_type != tag:
            raise DefinitionError(
                f"event type {tag!r} maps to {cls.__name__}, whose event_type is {cls.event_type!r}"
            )
    return dict(event_types)


def _is_event_class(type_: Any) -> bool:
    return isinstance(type_, type) and issubclass(type_, DomainEvent)


def _register_events(conv: cattrs.Converter, events: dict[str, type[DomainEvent]]) -> None:
    known = ", ".join(repr(tag) for tag in sorted(events))

    def concrete_structure(cls: type[DomainEvent]) -> Callable[[Any, Any], DomainEvent]:
        attrs.resolve_types(cls)
        fields = make_dict_structure_fn(cls, conv)

        def structure(value: Mapping[str, Any], type_: Any) -> DomainEvent:
            if _EVENT_TAG in value:
                tag = value[_EVENT_TAG]
                if tag != cls.event_type:
                    raise InvalidInput(
                        f"must be {cls.event_type!r} for {cls.__name__}", path=_EVENT_TAG, value=tag
                    )
                value = {key: item for key, item in value.items() if key != _EVENT_TAG}
            result: DomainEvent = fields(value, type_)
            return result

        return structure

    def structure_factory(cls: type[DomainEvent]) -> Callable[[Any, Any], DomainEvent]:
        if cls is not DomainEvent:
            return _mapping_checked(cls, concrete_structure(cls))

        def dispatch(value: Mapping[str, Any], _type: Any) -> DomainEvent:
            tag = value.get(_EVENT_TAG)
            if tag is None:
                raise InvalidInput(f"is required: one of {known}", path=_EVENT_TAG)
            if not isinstance(tag, str) or tag not in events:
                raise InvalidInput(f"must be one of {known}", path=_EVENT_TAG, value=tag)
            result: DomainEvent = conv.structure(value, events[tag])
            return result

        return _mapping_checked(cls, dispatch)

    def unstructure_factory(cls: type[DomainEvent]) -> Callable[[DomainEvent], dict[str, Any]]:
        attrs.resolve_types(cls)
        fields = make_dict_unstructure_fn(cls, conv)

        def unstructure(event: DomainEvent) -> dict[str, Any]:
            if type(event) is not cls:  # a field declared as a base class: use the real one
                result: dict[str, Any] = conv.unstructure(event, unstructure_as=type(event))
                return result
            return {_EVENT_TAG: cls.event_type, **fields(event)}

        return unstructure

    conv.register_structure_hook_factory(_is_event_class, structure_factory)
    conv.register_unstructure_hook_factory(_is_event_class, unstructure_factory)


# --------------------------------------------------------------------------- errors


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _problems(exc: BaseException, path: str) -> Iterator[InvalidInput]:
    """Flatten cattrs' exception groups into InvalidInput leaves with full paths.

    cattrs (detailed validation) raises a ClassValidationError per class whose
    sub-exceptions carry an AttributeValidationNote naming the attribute, and
    an IterableValidationError per list whose sub-exceptions carry an
    IterableValidationNote with the index. An exception raised by the class's
    ``__init__`` (a model validator) is in the group *without* a note; its own
    ``path`` is relative to that class.
    """
    if isinstance(exc, ClassValidationError | IterableValidationError):
        for sub in exc.exceptions:
            yield from _problems(sub, _sub_path(sub, path))
        return
    if isinstance(exc, InvalidInput):
        yield exc.at(path)
    elif isinstance(exc, ForbiddenExtraKeysError):
        for key in sorted(exc.extra_fields):
            yield InvalidInput(f"is not a field of {exc.cl.__name__}", path=_join(path, str(key)))
    elif isinstance(exc, KeyError):
        yield InvalidInput("is required", path=path)
    else:
        yield InvalidInput(f"is invalid ({_kind(exc)}: {exc})", path=path)


def _sub_path(sub: BaseException, path: str) -> str:
    for note in getattr(sub, "__notes__", ()):
        if isinstance(note, AttributeValidationNote):
            return _join(path, note.name)
        if isinstance(note, IterableValidationNote):
            return f"{path}[{note.index!r}]"
    return path


def _to_invalid_input(exc: Exception) -> InvalidInput:
    problems = list(_problems(exc, ""))
    if not problems:  # pragma: no cover - cattrs never raises an empty group
        return InvalidInput(f"is invalid ({exc})")
    first, rest = problems[0], problems[1:]
    reason = first.reason
    if rest:
        listed = "; ".join(str(problem) for problem in rest[:_MAX_LISTED_PROBLEMS])
        more = "; ..." if len(rest) > _MAX_LISTED_PROBLEMS else ""
        reason = f"{reason} (and {len(rest)} more: {listed}{more})"
    return InvalidInput(reason, path=first.path, value=first.value)
