"""Safety stock (A2): how many units of a location's stock are held back from a channel.

A :class:`SafetyStockPolicy` is a collection of :class:`SafetyRule` values. Each rule
has a *scope* (which stock it covers) and an *amount* (how much of it is held
back). The scope fields are ``location_kind``, ``location_id``, ``sku`` and
``channel``; a field left ``None`` means "any". The amount is either
``percent`` of the location's on-hand stock or a fixed number of ``units``,
exactly one of the two.

The brief's example keeps 12% of every store's stock for walk-in customers:
a store with 50 on hand holds back 6 units (12% of 50 is 6), so the web shop
may sell 44; a distribution centre holds back nothing::

    >>> from omskit.availability.safety import SafetyStockPolicy
    >>> policy = SafetyStockPolicy.from_toml('''
    ... [[rule]]
    ... location_kind = "store"
    ... percent = "12"
    ... ''')
    >>> from omskit.geo import GeoPoint
    >>> from omskit.model import Channel, Location, LocationKind
    >>> store = Location(location_id="STORE-AMS", name="Amsterdam", kind=LocationKind.STORE,
    ...                  point=GeoPoint(52.37, 4.89), country="NL")
    >>> policy.held_back(sku="GRINDER-C40", location=store, channel=Channel.WEB, on_hand=50)
    6
    >>> import attrs
    >>> dc = attrs.evolve(store, location_id="DC-UT", kind=LocationKind.DISTRIBUTION_CENTRE)
    >>> policy.held_back(sku="GRINDER-C40", location=dc, channel=Channel.WEB, on_hand=50)
    0

Precedence
----------
For a query ``(sku, location, channel)`` a rule *matches* when every scope
field it names equals the query's (``location_kind`` is compared with the
location's kind). Of the matching rules, the one with the highest precedence
decides alone; rules are never added up. When no rule matches, nothing is
held back.

==========  ===========================  =========================================
precedence  scope fields the rule names  level (:class:`SafetyLevel`)
==========  ===========================  =========================================
11 (wins)   sku, location_id, channel    ``SKU_LOCATION``, per channel
10          sku, location_id             ``SKU_LOCATION``
9           sku, location_kind, channel  ``SKU_LOCATION_KIND``, per channel
8           sku, location_kind           ``SKU_LOCATION_KIND``
7           sku, channel                 ``SKU``, per channel
6           sku                          ``SKU``
5           location_id, channel         ``LOCATION``, per channel
4           location_id                  ``LOCATION``
3           location_kind, channel       ``LOCATION_KIND``, per channel
2           location_kind                ``LOCATION_KIND``
1           channel                      ``DEFAULT``, per channel
0 (loses)   (none)                       ``DEFAULT``
==========  ===========================  =========================================

In words: precedence is ``2 * level + (1 if the rule names a channel)``. The
level orders the stock the rule is about, from the whole estate to one SKU at
one location (default < location kind < location < SKU < SKU at a location
kind < SKU at a location); naming a channel refines a rule *within* its level
and never lifts it above the next level. So a location rule without a channel
beats a location-kind rule for the web channel.

Two constraints keep the winner unambiguous:

- ``location_id`` and ``location_kind`` are mutually exclusive in one rule (a
  location has exactly one kind), so each precedence row fixes which fields
  are named, and at most one rule per row can match a query;
- two rules with the same scope make the policy unusable: building it raises
  :class:`~omskit.errors.DefinitionError` naming both rules.

A rule without a channel applies to every channel. To exempt a channel at some
level, give it its own rule with ``units = 0`` at that level. A sale at a
store's till takes goods off the shelf and is recorded as a stock movement;
it does not ask for available-to-promise, so the held-back units are exactly
what remains for walk-in customers.

Rounding and composition
------------------------
The held-back amount of a percentage rule is ``ceil(on_hand * percent / 100)``,
computed exactly (``Decimal`` and integer arithmetic, never floats) and rounded
*up*, so availability is never over-promised: 12% of 7 units is 0.84, so 1 unit
is held back. A units rule holds back ``min(units, on_hand)``. The amount is
never negative and never exceeds ``on_hand``.

Safety stock is computed from *on hand* and composes with reservations and
allocations by subtraction (:func:`sellable_after_safety`)::

    sellable = max(0, on_hand - reserved - allocated - held_back)

The buffer is a slice of physical stock that channel orders may not take;
reservations and allocations consume the rest.

Configuration documents
-----------------------
A policy is plain data. :meth:`SafetyStockPolicy.from_dict`,
:meth:`~SafetyStockPolicy.from_json` and :meth:`~SafetyStockPolicy.from_toml`
read a document with one key, ``rule``, a list of tables; :meth:`~SafetyStockPolicy.to_dict`,
:meth:`~SafetyStockPolicy.to_json` and :meth:`~SafetyStockPolicy.to_toml`
write it back. In TOML:

.. code-block:: toml

    [[rule]]                  # 12% of every store's stock
    location_kind = "store"
    percent = "12"

    [[rule]]                  # 2 grinders at the Amsterdam store
    location_id = "STORE-AMS"
    sku = "GRINDER-C40"
    units = 2

    [[rule]]                  # 1 unit of every SKU everywhere, from marketplace orders
    channel = "marketplace"
    units = 1

The same in JSON: ``{"rule": [{"location_kind": "store", "percent": "12"},
...]}``. Keys of a rule: ``location_kind`` (a :class:`~omskit.model.LocationKind`
value such as ``"store"``), ``location_id``, ``sku``, ``channel`` (a
:class:`~omskit.model.Channel` value such as ``"web"``), and exactly one of
``percent`` (a string such as ``"12.5"`` or an integer, 0 to 100) and
``units`` (an integer, 0 or more). Percentages given as floating-point
numbers (``12.5`` without quotes) are refused, because binary floats are not
exact. A bad document raises :class:`~omskit.errors.InvalidInput` whose
``path`` names the offending field, e.g. ``rule[2].percent``; duplicate scopes
raise :class:`~omskit.errors.DefinitionError`.

Speed
-----
The policy indexes its rules when it is built: by SKU, then by location id,
then by location kind and channel (rules naming no SKU and no location id are
resolved in advance for every kind and channel). A query is a handful of
dictionary look-ups whatever the number of rules: four for a SKU no rule
names at a location no rule names, never more than fifteen.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from decimal import Decimal
from enum import IntEnum
from typing import Any, Final, TypeAlias

import attrs

from omskit.errors import DefinitionError, InvalidInput
from omskit.model import Channel, Location, LocationKind, StockPosition
from omskit.model._checks import (
    items_of,
    optional_identifier,
    optional_instance_of,
    optional_non_negative_int,
    to_tuple,
)
from omskit.money import to_decimal

__all__ = [
    "RULE_KEYS",
    "SafetyLevel",
    "SafetyRule",
    "SafetyStockPolicy",
    "sellable_after_safety",
]

RULE_KEYS: Final = ("location_kind", "location_id", "sku", "channel", "percent", "units")
"""The keys a rule may have in a configuration document, in the order they are written."""

_PERCENT_TEXT: Final = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
_HUNDRED: Final = Decimal(100)

_Scope: TypeAlias = tuple[str | None, str | None, LocationKind | None, Channel | None]
"""(sku, location_id, location_kind, channel); ``None`` is "any"."""


class SafetyLevel(IntEnum):
    """How specific a rule's stock scope is, from the whole estate to one SKU at one location.

    A rule's precedence is ``2 * level`` plus one if it names a channel (see
    the table in :mod:`omskit.availability.safety`).
    """

    DEFAULT = 0
    """Every location and SKU."""
    LOCATION_KIND = 1
    """Every location of one kind (e.g. every store)."""
    LOCATION = 2
    """One location."""
    SKU = 3
    """One SKU everywhere."""
    SKU_LOCATION_KIND = 4
    """One SKU at every location of one kind."""
    SKU_LOCATION = 5
    """One SKU at one location."""


def _to_percent(value: object) -> Decimal | None:
    """Turn a percentage given as ``Decimal``, ``int`` or numeric string into a ``Decimal``."""
    if value is None:
        return None
    if isinstance(value, float):
        raise InvalidInput(
            "must be a Decimal, an int or a numeric string such as '12.5', not a float: "
            "binary floating point is not exact",
            path="percent",
            value=value,
        )
    if isinstance(value, str) and not _PERCENT_TEXT.fullmatch(value):
        raise InvalidInput(
            "must be a decimal number such as '12' or '12.5'", path="percent", value=value
        )
    return to_decimal(value, path="percent")


def _percent_range(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, Decimal) and not Decimal(0) <= value <= _HUNDRED:
        raise InvalidInput("must be between 0 and 100", path=attribute.name, value=value)


@attrs.frozen(kw_only=True)
class SafetyRule:
    """Hold back ``percent`` of on-hand stock, or ``units``, within a scope.

    The scope fields ``location_kind``, ``location_id``, ``sku`` and
    ``channel`` each default to ``None``, meaning "any"; ``location_id`` and
    ``location_kind`` cannot both be given. Exactly one of ``percent``
    (0 to 100, e.g. ``12`` for 12%; a ``Decimal``, ``int`` or numeric string,
    never a float) and ``units`` (an ``int`` of 0 or more) is required.

    >>> from omskit.model import LocationKind
    >>> rule = SafetyRule(location_kind=LocationKind.STORE, percent=12)
    >>> rule.held_back(50), rule.held_back(7)
    (6, 1)

    Invalid values raise :class:`~omskit.errors.InvalidInput` whose ``path``
    names the field (empty for a problem with the combination of fields).
    """

    location_kind: LocationKind | None = attrs.field(
        default=None, validator=optional_instance_of(LocationKind)
    )
    location_id: str | None = attrs.field(default=None, validator=optional_identifier)
    sku: str | None = attrs.field(default=None, validator=optional_identifier)
    channel: Channel | None = attrs.field(default=None, validator=optional_instance_of(Channel))
    percent: Decimal | None = attrs.field(
        default=None, converter=_to_percent, validator=_percent_range
    )
    units: int | None = attrs.field(default=None, validator=optional_non_negative_int)
    _numerator: int = attrs.field(init=False, repr=False, eq=False, default=0)
    _denominator: int = attrs.field(init=False, repr=False, eq=False, default=1)

    def __attrs_post_init__(self) -> None:
        if self.location_kind is not None and self.location_id is not None:
            raise InvalidInput(
                "names both location_id and location_kind; give one of them "
                "(a location has exactly one kind)"
            )
        if (self.percent is None) == (self.units is None):
            which = "both" if self.percent is not None else "neither"
            raise InvalidInput(f"must give exactly one of percent and units, not {which}")
        if self.percent is not None:
            numerator, denominator = self.percent.as_integer_ratio()
            object.__setattr__(self, "_numerator", numerator)
            object.__setattr__(self, "_denominator", denominator * 100)

    @property
    def level(self) -> SafetyLevel:
        """How specific the rule's stock scope is (channel aside)."""
        if self.sku is not None:
            if self.location_id is not None:
                return SafetyLevel.SKU_LOCATION
            if self.location_kind is not None:
                return SafetyLevel.SKU_LOCATION_KIND
            return SafetyLevel.SKU
        if self.location_id is not None:
            return SafetyLevel.LOCATION
        if self.location_kind is not None:
            return SafetyLevel.LOCATION_KIND
        return SafetyLevel.DEFAULT

    @property
    def precedence(self) -> int:
        """``2 * level``, plus one when the rule names a channel; the higher wins (0-11)."""
        return 2 * self.level + (self.channel is not None)

    @property
    def scope(self) -> _Scope:
        """The rule's scope as ``(sku, location_id, location_kind, channel)``."""
        return (self.sku, self.location_id, self.location_kind, self.channel)

    def matches(self, *, sku: str, location: Location, channel: Channel) -> bool:
        """Whether every scope field the rule names equals the query's."""
        return (
            (self.sku is None or self.sku == sku)
            and (self.location_id is None or self.location_id == location.location_id)
            and (self.location_kind is None or self.location_kind == location.kind)
            and (self.channel is None or self.channel == channel)
        )

    def held_back(self, on_hand: int) -> int:
        """Units of ``on_hand`` this rule holds back: ``0 <= result <= on_hand``.

        A percentage rounds up (``ceil``), so availability is never
        over-promised; a units rule holds back at most what is there.
        """
        _check_on_hand(on_hand)
        return self._amount(on_hand)

    def _amount(self, on_hand: int) -> int:
        if self.units is not None:
            return min(self.units, on_hand)
        return -(-on_hand * self._numerator // self._denominator)

    def describe(self) -> str:
        """The scope in words, e.g. ``location_kind=store, channel=web``."""
        named = [
            f"{name}={value!s}"
            for name, value in (
                ("location_kind", self.location_kind),
                ("location_id", self.location_id),
                ("sku", self.sku),
                ("channel", self.channel),
            )
            if value is not None
        ]
        return ", ".join(named) or "the default scope"

    def to_dict(self) -> dict[str, str | int]:
        """The rule as document data: the keys it names, enums as values, percent as a string."""
        data: dict[str, str | int] = {}
        if self.location_kind is not None:
            data["location_kind"] = self.location_kind.value
        if self.location_id is not None:
            data["location_id"] = self.location_id
        if self.sku is not None:
            data["sku"] = self.sku
        if self.channel is not None:
            data["channel"] = self.channel.value
        if self.percent is not None:
            data["percent"] = format(self.percent, "f")
        if self.units is not None:
            data["units"] = self.units
        return data

    @classmethod
    def from_dict(cls, data: object) -> SafetyRule:
        """Build a rule from document data (see :data:`RULE_KEYS` and the module docs).

        Raises :class:`~omskit.errors.InvalidInput` whose ``path`` is relative
        to the rule, e.g. ``percent``.
        """
        if not isinstance(data, Mapping):
            raise InvalidInput(
                f"must be a table of rule fields, not {type(data).__name__}", value=data
            )
        for key, value in data.items():
            if key not in RULE_KEYS:
                raise InvalidInput(
                    f"is not a safety rule field (known: {', '.join(sorted(RULE_KEYS))})",
                    path=str(key),
                )
            if value is None:
                raise InvalidInput("must not be null; leave the key out to mean 'any'", path=key)
        units = data.get("units")
        if isinstance(units, bool) or not (units is None or isinstance(units, int)):
            raise InvalidInput(
                f"must be an integer, not {type(units).__name__}", path="units", value=units
            )
        percent = data.get("percent")
        if isinstance(percent, bool) or not (percent is None or isinstance(percent, str | int)):
            if isinstance(percent, float):
                message = (
                    "must be a string such as '12.5' or an integer, not a float: binary "
                    "floating point is not exact, so write the percentage in quotes"
                )
            else:
                message = (
                    f"must be a string such as '12.5' or an integer, not {type(percent).__name__}"
                )
            raise InvalidInput(message, path="percent", value=percent)
        return cls(
            location_kind=_enum(LocationKind, data.get("location_kind"), "location_kind"),
            location_id=data.get("location_id"),
            sku=data.get("sku"),
            channel=_enum(Channel, data.get("channel"), "channel"),
            percent=percent,
            units=units,
        )


def _enum(kind: type[LocationKind] | type[Channel], value: object, path: str) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return kind(value)
        except ValueError:
            pass
    known = ", ".join(repr(member.value) for member in kind)
    raise InvalidInput(f"must be one of {known}", path=path, value=value)


def _check_on_hand(on_hand: object) -> None:
    if type(on_hand) is not int or on_hand < 0:  # exactly int: bool and floats are refused
        raise InvalidInput("must be a non-negative integer", path="on_hand", value=on_hand)


_ByChannel: TypeAlias = dict[Channel | None, SafetyRule]
"""Rules of one level and place, by the channel they name (``None``: no channel)."""


def _pick(table: _ByChannel | None, channel: Channel) -> SafetyRule | None:
    """The channel's own rule from ``table``, else its rule without a channel."""
    if table is None:
        return None
    rule = table.get(channel)
    return table.get(None) if rule is None else rule


@attrs.define
class _Tables:
    """Rules of one SKU (or of no SKU) indexed by location id and by location kind.

    ``by_kind[None]`` holds the rules that name neither a location nor a kind.
    """

    by_location: dict[str, _ByChannel] = attrs.Factory(dict)
    by_kind: dict[LocationKind | None, _ByChannel] = attrs.Factory(dict)

    def add(self, rule: SafetyRule) -> None:
        if rule.location_id is not None:
            table = self.by_location.setdefault(rule.location_id, {})
        else:
            table = self.by_kind.setdefault(rule.location_kind, {})
        table[rule.channel] = rule

    def find_by_kind(self, kind: LocationKind, channel: Channel) -> SafetyRule | None:
        rule = _pick(self.by_kind.get(kind), channel)
        return _pick(self.by_kind.get(None), channel) if rule is None else rule

    def find(self, location_id: str, kind: LocationKind, channel: Channel) -> SafetyRule | None:
        rule = _pick(self.by_location.get(location_id), channel)
        return self.find_by_kind(kind, channel) if rule is None else rule


@attrs.frozen
class SafetyStockPolicy:
    """Safety-stock rules, indexed for fast look-up; the most specific matching rule wins.

    See :mod:`omskit.availability.safety` for the precedence table, the
    rounding and the document format. An empty policy holds nothing back.

    Raises :class:`~omskit.errors.DefinitionError` when two rules have the
    same scope, naming both (``rule[0]`` and ``rule[3]``, counting from 0).
    """

    rules: tuple[SafetyRule, ...] = attrs.field(
        default=(), converter=to_tuple, validator=items_of(SafetyRule)
    )
    _by_sku: dict[str, _Tables] = attrs.field(init=False, repr=False, eq=False)
    _by_location: dict[str, _ByChannel] = attrs.field(init=False, repr=False, eq=False)
    _by_kind: dict[LocationKind, dict[Channel, SafetyRule]] = attrs.field(
        init=False, repr=False, eq=False
    )

    def __attrs_post_init__(self) -> None:
        seen: dict[_Scope, int] = {}
        for index, rule in enumerate(self.rules):
            first = seen.setdefault(rule.scope, index)
            if first != index:
                raise DefinitionError(
                    f"rule[{first}] and rule[{index}] have the same scope "
                    f"({rule.describe()}); give each scope one rule"
                )
        by_sku: dict[str, _Tables] = {}
        general = _Tables()
        for rule in self.rules:
            tables = general if rule.sku is None else by_sku.setdefault(rule.sku, _Tables())
            tables.add(rule)
        # Rules that name no SKU and no location id are resolved in advance for every
        # (kind, channel) pair: a query no SKU or location rule decides takes two look-ups.
        by_kind = {
            kind: {
                channel: winner
                for channel in Channel
                if (winner := general.find_by_kind(kind, channel)) is not None
            }
            for kind in LocationKind
        }
        object.__setattr__(self, "_by_sku", by_sku)
        object.__setattr__(self, "_by_location", general.by_location)
        object.__setattr__(self, "_by_kind", by_kind)

    def rule_for(self, *, sku: str, location: Location, channel: Channel) -> SafetyRule | None:
        """The rule that decides for ``sku`` at ``location`` for ``channel``, if any.

        Use it to explain a figure, or to cache the deciding rule per stock
        position and call :meth:`SafetyRule.held_back` as on-hand changes.
        A few dictionary look-ups (never more than fifteen), whatever the
        number of rules.
        """
        return self._find(sku, location, channel)

    def names_sku(self, sku: str) -> bool:
        """Whether any rule names ``sku``.

        When none does, the deciding rule depends only on the location and the
        channel, so a caller may reuse :meth:`rule_for` of one SKU for every
        other SKU that no rule names (the availability index does).
        """
        return sku in self._by_sku

    def _find(self, sku: str, location: Location, channel: Channel) -> SafetyRule | None:
        if self._by_sku:
            tables = self._by_sku.get(sku)
            if tables is not None:
                rule = tables.find(location.location_id, location.kind, channel)
                if rule is not None:
                    return rule
        if self._by_location:
            table = self._by_location.get(location.location_id)
            if table is not None:
                rule = table.get(channel)
                if rule is None:
                    rule = table.get(None)
                if rule is not None:
                    return rule
        return self._by_kind[location.kind].get(channel)

    def held_back(self, *, sku: str, location: Location, channel: Channel, on_hand: int) -> int:
        """Units of ``on_hand`` of ``sku`` at ``location`` held back from ``channel``.

        ``0 <= result <= on_hand``; 0 when no rule matches. Raises
        :class:`~omskit.errors.InvalidInput` (path ``on_hand``) for a negative
        or non-integer ``on_hand``.
        """
        # The hot path of every availability update: checks and arithmetic inlined.
        if type(on_hand) is not int or on_hand < 0:
            _check_on_hand(on_hand)
        rule = self._find(sku, location, channel)
        if rule is None:
            return 0
        units = rule.units
        if units is not None:
            return units if units < on_hand else on_hand
        return -(-on_hand * rule._numerator // rule._denominator)

    def sellable(self, position: StockPosition, *, location: Location, channel: Channel) -> int:
        """Units of ``position`` that ``channel`` may sell, after reservations and safety stock.

        ``max(0, on_hand - reserved - allocated - held_back)`` with
        ``held_back`` from :meth:`held_back`. ``location`` must be the
        position's location (else :class:`~omskit.errors.InvalidInput`).
        """
        if location.location_id != position.location_id:
            raise InvalidInput(
                f"is {location.location_id!r}, but the position is at {position.location_id!r}",
                path="location",
                value=location.location_id,
            )
        held = self.held_back(
            sku=position.sku, location=location, channel=channel, on_hand=position.on_hand
        )
        return sellable_after_safety(
            on_hand=position.on_hand,
            reserved=position.reserved,
            allocated=position.allocated,
            held_back=held,
        )

    # ------------------------------------------------------------------ documents

    def to_dict(self) -> dict[str, list[dict[str, str | int]]]:
        """The policy as document data ``{"rule": [...]}``; :meth:`from_dict` reads it back."""
        return {"rule": [rule.to_dict() for rule in self.rules]}

    def to_json(self) -> str:
        """The policy as a JSON document; :meth:`from_json` reads it back."""
        return json.dumps(self.to_dict(), indent=2)

    def to_toml(self) -> str:
        """The policy as a TOML document of ``[[rule]]`` tables; :meth:`from_toml` reads it back."""
        blocks = []
        for rule in self.rules:
            lines = ["[[rule]]"]
            for key, value in rule.to_dict().items():
                # Identifiers, enum values and plain decimals need no escapes; JSON's
                # string quoting is valid TOML for them.
                lines.append(f"{key} = {json.dumps(value)}")
            blocks.append("\n".join(lines) + "\n")
        return "\n".join(blocks)

    @classmethod
    def from_dict(cls, data: object) -> SafetyStockPolicy:
        """Build a policy from document data ``{"rule": [{...}, ...]}``.

        A missing ``rule`` key means no rules. Raises
        :class:`~omskit.errors.InvalidInput` with a path such as
        ``rule[2].percent`` for a bad document, and
        :class:`~omskit.errors.DefinitionError` for two rules with the same
        scope.
        """
        if not isinstance(data, Mapping):
            raise InvalidInput(
                f"must be a table with a 'rule' list, not {type(data).__name__}", value=data
            )
        for key in data:
            if key != "rule":
                raise InvalidInput(
                    "is not a safety stock policy field (known: rule)", path=str(key)
                )
        items = data.get("rule", [])
        if not isinstance(items, list | tuple):
            raise InvalidInput(
                f"must be a list of rule tables ([[rule]] in TOML), not {type(items).__name__}",
                path="rule",
                value=items,
            )
        return cls(_rules_from(items))

    @classmethod
    def from_json(cls, text: str) -> SafetyStockPolicy:
        """Build a policy from a JSON document (see :meth:`from_dict`)."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InvalidInput(f"is not valid JSON ({exc})") from None
        return cls.from_dict(data)

    @classmethod
    def from_toml(cls, text: str) -> SafetyStockPolicy:
        """Build a policy from a TOML document of ``[[rule]]`` tables (see :meth:`from_dict`)."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInput(f"is not valid TOML ({exc})") from None
        return cls.from_dict(data)


def _rules_from(items: Iterable[object]) -> list[SafetyRule]:
    rules = []
    for index, item in enumerate(items):
        try:
            rules.append(SafetyRule.from_dict(item))
        except InvalidInput as error:
            raise error.at(f"rule[{index}]") from None
    return rules


def sellable_after_safety(*, on_hand: int, reserved: int, allocated: int, held_back: int) -> int:
    """Units a channel may sell: ``max(0, on_hand - reserved - allocated - held_back)``.

    ``held_back`` is the safety stock computed from ``on_hand`` (see
    :meth:`SafetyStockPolicy.held_back`). Reservations and allocations do not
    eat into the buffer: it stays reserved for the shelf until on hand itself
    drops.
    """
    return max(0, on_hand - reserved - allocated - held_back)
