"""Routing profiles (B1, B3): ranked or weighted rules, as plain data.

A :class:`RoutingProfile` is a named, versioned list of rules with a way to
combine them, a split limit, an objective and a cost model. It ranks the
candidates of one line (:meth:`RoutingProfile.rank`); the planner
(:mod:`omskit.routing.planner`) then chooses quantities per location.

Combining rules
---------------
``ranked`` (the default)
    The first rule decides; each later rule only breaks the ties of the
    rules before it; the location id breaks what is left. The brief's hybrid
    rule is ``[min_stock(5), specialisation, nearest]``: two filters, then
    distance.
``weighted``
    Each rule with a ``weight`` has its scores normalised over the line's
    candidates that no rule excludes (the best becomes 0, the worst 1) and
    the weighted sum decides, ties broken by location id: a candidate that
    can never ship does not move the others. Rules without a weight only
    filter.

Any rule may exclude a candidate (``Excluded``); an excluded candidate is
never used, and the explanation names the rule and its reason.

The objective
-------------
Plans are compared on the fewest unfulfilled units, then the fewest
shipments (at most ``1 + max_splits``), then either the rules' preference
(``objective = "preference"``, the default: units taken from better-ranked
locations first) with the shipping cost breaking ties, or the shipping cost
(``objective = "cost"``) with the preference breaking ties.

Documents
---------
A profile is plain data. In TOML::

    name = "store-friendly"
    version = 3
    max_splits = 2

    [[rule]]
    use = "min_stock"
    units = 5

    [[rule]]
    use = "specialisation"

    [[rule]]
    use = "nearest"

    [cost]              # optional: the default cost model's parameters
    currency = "EUR"
    fixed = "4.50"
    per_km = "0.02"

An optional ``[scarcity]`` table adds a scarcity charge
(:mod:`omskit.routing.scarcity`): per unit taken from a reserved location
(by default the distribution centres), ``price`` times how scarce the SKU
is against its demand forecast, counted with the shipping cost, so the
stock later orders need to ship in one parcel is kept for them.

Keys of a rule: ``use`` (a name in the strategy registry), ``name`` (the
rule's name in explanations, when it is not ``use``: two rules made by one
factory need two names), ``weight`` (for ``combine = "weighted"``) and the
factory's own parameters (so a factory cannot take a parameter named
``use``, ``name`` or ``weight``). Errors name the field: ``rule[1].use``,
``rule[0].units``, ``cost.fixed``.

:meth:`RoutingProfile.to_dict` writes a profile built in code as such a
document: a rule made from the registry as it was made, a built-in
strategy with its parameters (its ``to_rule()``), any other strategy by
the name the registry holds that very object under (``to_dict(registry)``;
the built-ins by default). Anything else raises
:class:`~omskit.errors.DefinitionError` rather than writing a rule that
would read back as another: register your strategy and pass the registry,
or give your configurable strategy a ``to_rule()`` method returning its
rule table (``{"use": ..., **params}``).
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from itertools import compress, filterfalse, islice, repeat
from operator import eq, itemgetter, lt, not_
from types import FunctionType
from typing import Any, NamedTuple, TypeVar, cast

import attrs

from omskit.errors import DefinitionError, InvalidInput, OmsError
from omskit.model._checks import check_identifier
from omskit.routing._memo import IdentityMemo
from omskit.routing.builtins import Column, fast_column
from omskit.routing.cost import CostModel, DistanceCostModel
from omskit.routing.registry import StrategyRegistry, builtin_registry
from omskit.routing.scarcity import Scarcity
from omskit.routing.strategy import (
    Candidates,
    CandidateView,
    Excluded,
    LineContext,
    RoutingStrategy,
    _checked_flags,
    check_strategy,
)

__all__ = [
    "Combine",
    "LineRanking",
    "Objective",
    "RankedCandidate",
    "RoutingProfile",
    "Rule",
    "default_profile",
]

MAX_SPLITS_LIMIT = 10
"""The largest ``max_splits`` a profile accepts."""


class Combine(StrEnum):
    """How a profile combines its rules."""

    RANKED = "ranked"
    WEIGHTED = "weighted"


class Objective(StrEnum):
    """What decides between plans with as many shipments."""

    PREFERENCE = "preference"
    COST = "cost"


def _weight(value: object) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise InvalidInput(
            "must be a positive decimal (a string such as '0.7')", path="weight", value=value
        )
    try:
        weight = Decimal(value)
    except InvalidOperation:
        raise InvalidInput("must be a positive decimal", path="weight", value=value) from None
    if not weight.is_finite() or weight <= 0 or weight > _MAX_WEIGHT:
        raise InvalidInput(
            f"must be a positive decimal of at most {_MAX_WEIGHT}", path="weight", value=value
        )
    return weight


_MAX_WEIGHT = Decimal(10) ** 6
"""The largest weight (weights only compare with each other: a million to one is plenty)."""


@attrs.frozen
class Rule:
    """One rule of a profile: a named strategy, its parameters and (weighted) its weight.

    Two rules are equal when their names and weights are and their
    strategies are the same setting: the same rule table (a strategy with a
    ``to_rule()`` method, such as every configured built-in), else the same
    factory name and parameters (a factory's product, read from a document
    twice), else equal objects (a function: the same one). ``use`` and
    ``params`` record how the registry made the strategy, for
    :meth:`to_dict`; a rule whose strategy is replaced (``attrs.evolve``) no
    longer claims them. ``made`` (the strategy they made, by default
    ``strategy``) and ``by_factory`` are set by the registry paths
    (:meth:`RoutingProfile.of`, :meth:`RoutingProfile.from_dict`).
    """

    name: str
    strategy: RoutingStrategy = attrs.field(eq=False)
    params: tuple[tuple[str, Any], ...] = attrs.field(default=(), eq=False)
    """The parameters the factory was called with (for :meth:`RoutingProfile.to_dict`)."""
    weight: Decimal | None = attrs.field(default=None, converter=_weight)
    use: str | None = attrs.field(default=None, eq=False, kw_only=True)
    """The registry name the strategy was made from (``None``: given as a strategy)."""
    _made: object = attrs.field(default=None, eq=False, kw_only=True, repr=False, alias="made")
    """The strategy ``use`` and ``params`` made (``None``: this rule's own)."""
    _by_factory: bool = attrs.field(
        default=False, eq=False, kw_only=True, repr=False, alias="by_factory"
    )
    """Whether ``use`` names a factory (whose every call makes a new strategy)."""
    _setting: object = attrs.field(init=False, hash=False, repr=False)
    """What equality compares of the strategy (see above)."""
    _column: Callable[[LineContext, Candidates], Column | None] | None = attrs.field(
        init=False, eq=False, repr=False
    )
    """The built-in strategy's quicker way to a checked column (see :func:`fast_column`)."""

    def __attrs_post_init__(self) -> None:
        check_identifier(self.name, "name")
        check_strategy(self.strategy, name=self.name)
        object.__setattr__(self, "_column", fast_column(self.strategy))
        if self.use is not None and self._made is None:
            object.__setattr__(self, "_made", self.strategy)
        setting: object = ("object", self.strategy)
        table = _own_rule(self.strategy)
        if table is not None:
            setting = ("rule", table)
        elif self._by_factory and self._from_registry:
            setting = ("registry", self.use, self.params)
        object.__setattr__(self, "_setting", setting)

    @property
    def _from_registry(self) -> bool:
        """Whether ``use`` and ``params`` made this very strategy."""
        return self.use is not None and self._made is self.strategy

    def to_dict(self, registry: StrategyRegistry | None = None) -> dict[str, Any]:
        """The rule as a profile document's rule table (see :mod:`omskit.routing.profile`).

        A rule made by the registry is written as it was made; a strategy
        with a ``to_rule()`` method as that returns; any other strategy by
        the name ``registry`` (default: the built-ins) holds that very
        object under, so the document reads back as this rule. Raises
        :class:`~omskit.errors.DefinitionError` for a strategy none of these
        describe.
        """
        strategy = self.strategy
        table: dict[str, Any]
        if self._from_registry:
            table = {"use": self.use, **dict(self.params)}
        elif callable(getattr(strategy, "to_rule", None)):
            table = dict(strategy.to_rule())  # type: ignore[attr-defined]
            if not isinstance(table.get("use"), str):
                raise DefinitionError(
                    f"rule {self.name!r}: to_rule() must return a table with a 'use' name"
                )
        else:
            known = _registry(registry).name_of(strategy)
            if known is None:
                raise DefinitionError(
                    f"rule {self.name!r} has a strategy ({_described(strategy)}) that is not "
                    "document data: register it and pass that registry to to_dict(), make "
                    "the rule with the registry, or give the strategy a to_rule() method "
                    "returning its rule table"
                )
            table = {"use": known}
        if table["use"] != self.name:
            table["name"] = self.name
        if self.weight is not None:
            table["weight"] = str(self.weight)
        return table


@attrs.frozen
class RankedCandidate:
    """One candidate of a line, with every rule's score and its place in the ranking."""

    candidate: CandidateView
    scores: tuple[float | Excluded, ...]
    """One per rule, in rule order."""
    key: tuple[float, ...]
    """The sort key (lower is better); empty for an excluded candidate."""
    excluded_by: str | None = None
    """The first rule that excluded the candidate."""
    reason: str | None = None

    @property
    def location_id(self) -> str:
        """The candidate's location id."""
        return self.candidate.location_id

    @property
    def excluded(self) -> bool:
        """Whether a rule excluded the candidate."""
        return self.excluded_by is not None


class _Scored(NamedTuple):
    """A line's candidates scored by every rule of a profile, not yet ranked (see ``rank``)."""

    candidates: Candidates
    columns: list[Sequence[float | Excluded]]
    alike: list[bool | None]
    """Per column: whether it scores every candidate alike (``None``: not known)."""
    first_exclusion: dict[int, int]
    """Excluded candidate position -> number of the first rule that excluded it."""
    flags: list[bool] | None
    """Which candidates the one rule that excludes any excluded (``None``: none, or two)."""
    kept: Sequence[int]
    """The positions no rule excluded, in candidate order."""

    def by_distance(self, km: Sequence[float]) -> bool:
        """Whether the kept candidates rank by ``km``, then id, because of their scores.

        True when some column scores every kept candidate its very distance
        and every other column scores them all alike: the sort key is then
        the distance, then the id. (Other ways a ranking may follow distance
        are left to a check of the finished ranking.)
        """
        kept = self.kept
        distances = list(map(km.__getitem__, kept))
        found = False
        for column, same in zip(self.columns, self.alike, strict=True):
            if same:
                continue
            values = cast("list[float]", list(map(column.__getitem__, kept)))
            if values == distances:
                found = True
            elif values and min(values) != max(values):
                return False
        return found


@attrs.frozen
class LineRanking:
    """The candidates of one line, best first, and the ones the rules excluded.

    Held as columns (one score column per rule, candidate positions in
    ranking order); :attr:`ranked` and :attr:`excluded` give the same as
    :class:`RankedCandidate` values.
    """

    candidates: Candidates
    columns: tuple[Sequence[float | Excluded], ...]
    """One score column per rule, in rule order; each in candidate order."""
    order: tuple[int, ...]
    """Positions (in ``candidates``) of the ranked candidates, best first."""
    exclusions: tuple[tuple[int, int], ...]
    """(candidate position, number of the first rule that excluded it), by location id."""
    rule_names: tuple[str, ...]
    weighted: bool = False
    """Whether the key is one weighted score rather than one score per rule."""
    totals: Sequence[float] = ()
    """The weighted score per candidate (weighted profiles only)."""

    @property
    def ranked_ids(self) -> tuple[str, ...]:
        """The ranked candidates' location ids, best first."""
        return tuple(map(self.candidates.location_ids.__getitem__, self.order))

    def scores(self, position: int) -> tuple[float | Excluded, ...]:
        """Every rule's score for the candidate at ``position``."""
        return tuple([column[position] for column in self.columns])

    def key(self, position: int) -> tuple[float, ...]:
        """The sort key of a ranked candidate (lower is better)."""
        if self.weighted:
            return (self.totals[position],)
        return cast("tuple[float, ...]", self.scores(position))

    @property
    def ranked(self) -> tuple[RankedCandidate, ...]:
        """The ranked candidates, best first."""
        views = self.candidates.views()
        return tuple(RankedCandidate(views[i], self.scores(i), self.key(i)) for i in self.order)

    @property
    def excluded(self) -> tuple[RankedCandidate, ...]:
        """The candidates a rule excluded, by location id."""
        views = self.candidates.views()
        found = []
        for position, rule in self.exclusions:
            verdict = cast("Excluded", self.columns[rule][position])
            found.append(
                RankedCandidate(
                    views[position],
                    self.scores(position),
                    (),
                    self.rule_names[rule],
                    verdict.reason,
                )
            )
        return tuple(found)

    def deciding_rule(self) -> str | None:
        """The rule that put the best candidate ahead of the second, if any did.

        ``None`` with fewer than two candidates; ``"location id"`` when every
        rule tied.
        """
        if len(self.order) < 2:
            return None
        first, second = self.order[0], self.order[1]
        if self.weighted:
            return "weighted score" if self.totals[first] != self.totals[second] else "location id"
        # The keys of the two, compared rule by rule without building them.
        for index, column in enumerate(self.columns):
            if column[first] != column[second]:
                return self.rule_names[index]
        return "location id"


def _max_splits(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SPLITS_LIMIT:
        raise InvalidInput(
            f"must be an integer from 0 to {MAX_SPLITS_LIMIT}", path="max_splits", value=value
        )
    return value


_E = TypeVar("_E", Combine, Objective)


def _combine(value: object) -> Combine:
    return _member(Combine, value, "combine")


def _objective(value: object) -> Objective:
    return _member(Objective, value, "objective")


def _member(enum: type[_E], value: object, path: str) -> _E:
    try:
        return enum(value)  # type: ignore[arg-type]
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise InvalidInput(f"must be one of {allowed}", path=path, value=value) from None


def _cost_model(value: object) -> CostModel:
    if not callable(getattr(value, "shipment_cost", None)):
        raise InvalidInput(
            "must be a cost model (an object with shipment_cost(location=, origin=, "
            f"weight_grams=)), not {type(value).__name__}",
            path="cost_model",
        )
    return cast("CostModel", value)


def _version(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput("must be a positive integer", path="version", value=value)
    return value


def _rules(value: Iterable[Rule]) -> tuple[Rule, ...]:
    rules = tuple(value)
    if not rules:
        raise InvalidInput("a profile needs at least one rule", path="rule")
    for index, rule in enumerate(rules):
        if not isinstance(rule, Rule):
            raise InvalidInput(f"must be a Rule, not {type(rule).__name__}", path=f"rule[{index}]")
    return rules


@attrs.frozen
class RoutingProfile:
    """A named, versioned way of routing: rules, how to combine them, limits and costs.

    See :mod:`omskit.routing.profile` for the semantics and the document
    format. Build one in code with :meth:`of`, or from data with
    :meth:`from_dict`, :meth:`from_json` or :meth:`from_toml`.
    """

    name: str = attrs.field()
    rules: tuple[Rule, ...] = attrs.field(converter=_rules)
    version: int = attrs.field(default=1, converter=_version)
    combine: Combine = attrs.field(default=Combine.RANKED, converter=_combine)
    max_splits: int = attrs.field(default=2, converter=_max_splits)
    """At most ``1 + max_splits`` shipments per order."""
    objective: Objective = attrs.field(default=Objective.PREFERENCE, converter=_objective)
    cost_model: CostModel = attrs.field(
        factory=DistanceCostModel, hash=False, converter=_cost_model
    )
    scarcity: Scarcity | None = attrs.field(default=None)
    """A charge per unit taken from reserved locations, counted with the cost (see
    :mod:`omskit.routing.scarcity`); ``None``: no charge."""
    _names: tuple[str, ...] = attrs.field(init=False, eq=False, repr=False)

    @name.validator
    def _check_name(self, _attribute: attrs.Attribute[str], value: str) -> None:
        check_identifier(value, "name")

    def __attrs_post_init__(self) -> None:
        if self.combine is Combine.WEIGHTED and not any(r.weight for r in self.rules):
            raise InvalidInput("a weighted profile needs at least one rule with a weight")
        if self.combine is Combine.RANKED:
            for index, rule in enumerate(self.rules):
                if rule.weight is not None:
                    raise InvalidInput(
                        "a weight only counts in a weighted profile", path=f"rule[{index}].weight"
                    )
        if self.scarcity is not None:
            if not isinstance(self.scarcity, Scarcity):
                raise InvalidInput("must be a Scarcity", path="scarcity")
            currency = getattr(self.cost_model, "currency", self.scarcity.price.currency)
            if self.scarcity.price.currency != currency:
                raise InvalidInput(
                    f"is in {self.scarcity.price.currency}, but the cost model is in {currency}",
                    path="scarcity.price",
                )
        names = tuple(rule.name for rule in self.rules)
        if len(set(names)) != len(names):
            raise InvalidInput("names a rule twice; give each rule once", path="rule")
        object.__setattr__(self, "_names", names)

    @property
    def max_shipments(self) -> int:
        """The most shipments one order may be split into."""
        return 1 + self.max_splits

    @property
    def label(self) -> str:
        """``name@version``, as decisions record it."""
        return f"{self.name}@{self.version}"

    @classmethod
    def of(
        cls,
        name: str,
        rules: Sequence[str | RoutingStrategy | Rule | tuple[str, RoutingStrategy]],
        *,
        registry: StrategyRegistry | None = None,
        **options: Any,
    ) -> RoutingProfile:
        """Build a profile in code: rules as registry names, strategies or :class:`Rule` values.

        A bare strategy is named after the name ``registry`` holds it under,
        else its ``__name__``, else its rule's ``use`` (a lambda needs a
        ``(name, strategy)`` pair); options are the
        other fields (``version``, ``combine``, ``max_splits``, ``objective``,
        ``cost_model``, ``scarcity``).
        """
        registry = _registry(registry)
        for key in options:
            if key not in _OPTIONS:
                raise InvalidInput(
                    f"is not a routing profile option (known: {', '.join(sorted(_OPTIONS))})",
                    path=str(key),
                )
        if isinstance(rules, str | bytes) or not isinstance(rules, Iterable):
            raise InvalidInput("must be a list of rules", path="rule")
        built: list[Rule] = []
        for index, item in enumerate(rules):
            try:
                built.append(_rule_of(item, registry))
            except InvalidInput as error:
                raise error.at(f"rule[{index}]") from None
        return cls(name, tuple(built), **options)

    # ------------------------------------------------------------------ ranking

    def rank(self, line: LineContext, candidates: Sequence[CandidateView]) -> LineRanking:
        """Score every candidate with every rule (one call per rule) and rank them.

        Candidates are ranked by their scores in rule order (ranked) or by
        the weighted sum of the normalised scores (weighted), then by
        location id. Raises :class:`~omskit.errors.DefinitionError` when a
        strategy returns something other than one number or ``Excluded``
        per candidate.
        """
        return self._finish(self._score(line, candidates))

    def _score(self, line: LineContext, candidates: Sequence[CandidateView]) -> _Scored:
        """The first half of :meth:`rank`: every rule's checked column, and who is kept."""
        columns_of = Candidates.of(candidates)
        count = len(columns_of.locations)
        columns: list[Sequence[float | Excluded]] = []
        first_exclusion: dict[int, int] = {}
        flags: list[bool] | None = None  # see _Scored.flags
        alike: list[bool | None] = []
        for number, rule in enumerate(self.rules):
            if not count:
                # No candidate: nothing to score (a strategy is never called with none).
                columns.append([])
                alike.append(None)
                continue
            fast = None if rule._column is None else rule._column(line, columns_of)
            flagged: list[bool] | None = None
            if fast is None:
                # The check flags the excluded candidates as it goes (a loop in C).
                column, flagged = _checked_flags(
                    rule.strategy(line, columns_of), count, name=rule.name
                )
                excludes = flagged is not None
                alike.append(None)
            else:
                column, excludes, same = fast
                alike.append(same)
            columns.append(column)
            if excludes:
                if flagged is None:
                    # Loops in C: a flag per candidate, then the positions flagged.
                    flagged = list(map(isinstance, column, repeat(Excluded)))
                if first_exclusion:
                    # An earlier rule's exclusion stands: it is the first.
                    later = dict.fromkeys(compress(range(count), flagged), number)
                    later.update(first_exclusion)
                    first_exclusion, flags = later, None
                else:
                    first_exclusion = dict.fromkeys(compress(range(count), flagged), number)
                    flags = flagged
        kept: Sequence[int]
        if not first_exclusion:
            kept = range(count)
        elif flags is not None:
            kept = list(compress(range(count), map(not_, flags)))
        else:
            kept = list(filterfalse(first_exclusion.__contains__, range(count)))
        return _Scored(columns_of, columns, alike, first_exclusion, flags, kept)

    def _finish(self, scored: _Scored) -> LineRanking:
        """The second half of :meth:`rank`: the kept candidates in order, the exclusions."""
        columns_of, columns, alike, first_exclusion, flags, kept = scored
        count = len(columns_of.locations)
        ids = columns_of.location_ids
        totals: list[float] = []
        if self.combine is Combine.WEIGHTED:
            normalised = [_normalise(column, kept) for column in columns]
            weights = [
                (float(rule.weight), normalised[r])
                for r, rule in enumerate(self.rules)
                if rule.weight is not None
            ]
            totals = [sum(w * column[p] for w, column in weights) for p in range(count)]
            sorting: list[Sequence[Any]] = [totals]
        else:
            # A column that scores every kept candidate alike cannot change the order (a
            # built-in says whether it does; a constant one left in sorts the same).
            # (A lone column is kept as it is: sorting by equal values leaves the ids to decide.)
            sorting = (
                list(columns)
                if len(columns) == 1
                else [
                    column
                    for column, same in zip(columns, alike, strict=True)
                    if count
                    and not (_constant(column, kept, first_exclusion) if same is None else same)
                ]
            )
        order = _ranked(sorting, ids, kept)
        exclusions: tuple[tuple[int, int], ...]
        if not first_exclusion:
            exclusions = ()
        elif flags is not None and _ascending(ids):
            # One rule excluded, position by position: in id order already.
            exclusions = tuple(first_exclusion.items())
        else:
            by_id = sorted(first_exclusion, key=ids.__getitem__)
            exclusions = tuple(zip(by_id, map(first_exclusion.__getitem__, by_id), strict=True))
        return LineRanking(
            columns_of,
            tuple(columns),
            order,
            exclusions,
            self._names,
            weighted=self.combine is Combine.WEIGHTED,
            totals=totals,
        )

    # ------------------------------------------------------------------ documents

    def to_dict(self, registry: StrategyRegistry | None = None) -> dict[str, Any]:
        """The profile as document data; :meth:`from_dict` (with ``registry``) reads it back.

        ``registry`` (default: the built-ins) names the strategies given as
        objects (see :meth:`Rule.to_dict`). Raises
        :class:`~omskit.errors.DefinitionError` for a profile whose cost
        model is not a :class:`~omskit.routing.cost.DistanceCostModel` (the
        only one a document can describe), or with a rule that is not
        document data.
        """
        known = _registry(registry)
        rules = [rule.to_dict(known) for rule in self.rules]
        data: dict[str, Any] = {
            "name": self.name,
            "version": self.version,
            "combine": self.combine.value,
            "max_splits": self.max_splits,
            "objective": self.objective.value,
            "rule": rules,
        }
        if not isinstance(self.cost_model, DistanceCostModel):
            raise DefinitionError(
                f"profile {self.name!r} has a cost model that is not document data"
            )
        if self.cost_model != DistanceCostModel():
            data["cost"] = self.cost_model.to_dict()
        if self.scarcity is not None:
            data["scarcity"] = self.scarcity.to_dict()
        return data

    def to_json(self, registry: StrategyRegistry | None = None) -> str:
        """The profile as a JSON document (see :meth:`to_dict`)."""
        return json.dumps(self.to_dict(registry), indent=2)

    def to_toml(self, registry: StrategyRegistry | None = None) -> str:
        """The profile as a TOML document (see :meth:`to_dict`); :meth:`from_toml` reads it.

        Top-level fields first, then one ``[[rule]]`` table per rule, then
        the ``[cost]`` and ``[scarcity]`` tables (nested tables inline).
        """
        data = self.to_dict(registry)
        out = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in data.items() if k not in _TABLES]
        for rule in data["rule"]:
            out += [
                "",
                "[[rule]]",
                *(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in rule.items()),
            ]
        for name in ("cost", "scarcity"):
            if name in data:
                out += ["", f"[{name}]"]
                out += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in data[name].items()]
        return "\n".join(out) + "\n"

    @classmethod
    def from_dict(cls, data: object, *, registry: StrategyRegistry | None = None) -> RoutingProfile:
        """Build a profile from document data (see the module docstring).

        Rules are looked up in ``registry`` (default: the built-ins). Raises
        :class:`~omskit.errors.InvalidInput` with the path of the bad field;
        an unknown strategy name lists the known ones.
        """
        if not isinstance(data, Mapping):
            raise InvalidInput(f"must be a table, not {type(data).__name__}", value=data)
        known = {
            "name",
            "version",
            "combine",
            "max_splits",
            "objective",
            "rule",
            "cost",
            "scarcity",
        }
        for key in data:
            if key not in known:
                raise InvalidInput(
                    f"is not a routing profile field (known: {', '.join(sorted(known))})",
                    path=str(key),
                )
        registry = _registry(registry)
        if "name" not in data:
            raise InvalidInput("is required", path="name")
        items = data.get("rule", [])
        if not isinstance(items, list | tuple):
            raise InvalidInput("must be a list of rule tables ([[rule]])", path="rule")
        rules = [_rule_from(item, index, registry) for index, item in enumerate(items)]
        cost_table = data.get("cost")
        cost_model = _cost_from(cost_table)
        # (The fields' converters check combine and objective.)
        options: dict[str, Any] = {
            key: data[key]
            for key in ("version", "max_splits", "combine", "objective")
            if key in data
        }
        if "scarcity" in data:
            currency = cost_model.currency if isinstance(cost_model, DistanceCostModel) else "EUR"
            options["scarcity"] = Scarcity.from_dict(data["scarcity"], currency=currency)
        return cls(data["name"], tuple(rules), cost_model=cost_model, **options)

    @classmethod
    def from_json(cls, text: str, *, registry: StrategyRegistry | None = None) -> RoutingProfile:
        """Build a profile from a JSON document (see :meth:`from_dict`)."""
        if not isinstance(text, str | bytes | bytearray):
            raise InvalidInput(f"must be JSON text, not {type(text).__name__}")
        try:
            data = json.loads(text)
        except RecursionError:
            raise InvalidInput("is not a profile document (nested too deeply)") from None
        except ValueError as exc:
            raise InvalidInput(f"is not valid JSON ({exc})") from None
        return cls.from_dict(data, registry=registry)

    @classmethod
    def from_toml(cls, text: str, *, registry: StrategyRegistry | None = None) -> RoutingProfile:
        """Build a profile from a TOML document (see :meth:`from_dict`)."""
        if not isinstance(text, str):
            raise InvalidInput(f"must be TOML text, not {type(text).__name__}")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInput(f"is not valid TOML ({exc})") from None
        return cls.from_dict(data, registry=registry)


_last = itemgetter(-1)

_ASCENDING: IdentityMemo[tuple[str, ...], bool] = IdentityMemo(4096)


def _ascending(ids: Sequence[str]) -> bool:
    """Whether ``ids`` are in strictly ascending order (memoised for a tuple, which cannot change).

    The engine's candidate ids are a tuple per stock list, shared by every
    order that routes against it. Other sequences answer ``False`` (sorting
    them costs about what checking would).
    """
    if type(ids) is not tuple:
        return False
    return _ASCENDING.get(ids, _strictly_ascending)


def _strictly_ascending(ids: tuple[str, ...]) -> bool:
    return all(map(lt, ids, islice(ids, 1, None)))


def _ranked(
    sorting: Sequence[Sequence[Any]], ids: Sequence[str], kept: Sequence[int]
) -> tuple[int, ...]:
    """The ``kept`` positions by their values in ``sorting``, then location id, then position.

    With one sorting column whose kept values all differ (the usual case:
    distances), the values alone decide: the positions are sorted by that
    column directly, without a key tuple per candidate.
    """
    if len(sorting) == 1:
        column = sorting[0]
        order = sorted(kept, key=column.__getitem__)
        values = list(map(column.__getitem__, order))
        if not any(map(eq, values, islice(values, 1, None))):
            return tuple(order)
    entries = [(*[column[p] for column in sorting], ids[p], p) for p in kept]
    return tuple(map(_last, sorted(entries)))


def _constant(
    column: Sequence[float | Excluded], kept: Sequence[int], excluded: Mapping[int, int]
) -> bool:
    if not excluded:
        numbers = cast("Sequence[float]", column)
        return min(numbers) == max(numbers)
    values = set(map(column.__getitem__, kept))
    return len(values) <= 1


def _own_rule(strategy: object) -> dict[str, Any] | None:
    """The strategy's own rule table (its ``to_rule()``), if it gives one."""
    to_rule = getattr(strategy, "to_rule", None)
    if not callable(to_rule):
        return None
    try:
        table = to_rule()
    except DefinitionError:
        return None  # (it cannot describe itself: compared as an object)
    return dict(table) if isinstance(table, Mapping) else None


def _rule_of(item: object, registry: StrategyRegistry) -> Rule:
    """One item of :meth:`RoutingProfile.of` as a rule."""
    if isinstance(item, Rule):
        return item
    if isinstance(item, str):
        return Rule(item, registry.create(item), use=item, by_factory=registry.is_factory(item))
    if isinstance(item, tuple):
        if len(item) != 2 or not isinstance(item[0], str):
            raise InvalidInput("must be a (name, strategy) pair", value=item)
        return Rule(item[0], item[1])
    if not callable(item):
        raise InvalidInput(
            f"must be a strategy name, a strategy, a (name, strategy) pair or a Rule, "
            f"not {type(item).__name__}"
        )
    label = registry.name_of(item) or getattr(item, "__name__", None)
    if label is None:
        table = _own_rule(item)
        label = None if table is None else table.get("use")
    if not isinstance(label, str):
        label = type(item).__name__.lower()
    if label == "<lambda>":
        raise InvalidInput("is a lambda, which has no name: give it as a (name, strategy) pair")
    return Rule(label, item)


_TABLES = frozenset({"rule", "cost", "scarcity"})
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _toml_string(key)


def _toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    return (
        '"'
        + "".join(
            _ESCAPES.get(c) or (f"\\u{ord(c):04X}" if c < " " or c == "\x7f" else c) for c in text
        )
        + '"'
    )


def _toml_value(value: object) -> str:
    """A value of a profile document as TOML (inline arrays and tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return repr(value) if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, datetime | date | time):
        return value.isoformat()  # (TOML's offset or local date-times, dates and times)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, Decimal):
        return _toml_string(str(value))
    if isinstance(value, list | tuple):
        return "[" + ", ".join(map(_toml_value, value)) + "]"
    if isinstance(value, Mapping):
        items = ", ".join(f"{_toml_key(str(k))} = {_toml_value(v)}" for k, v in value.items())
        return "{" + items + "}"
    raise DefinitionError(f"{value!r} ({type(value).__name__}) has no TOML form")


def _registry(registry: object) -> StrategyRegistry:
    """``registry``, or the built-ins for ``None``; anything else is refused."""
    if registry is None:
        return builtin_registry()
    if not isinstance(registry, StrategyRegistry):
        raise InvalidInput(
            f"must be a StrategyRegistry, not {type(registry).__name__}", path="registry"
        )
    return registry


def _described(strategy: object) -> str:
    if isinstance(strategy, FunctionType):
        return f"function {strategy.__qualname__}"
    return f"a {type(strategy).__qualname__}"


def _normalise(column: Sequence[float | Excluded], kept: Sequence[int]) -> list[float]:
    """The scores scaled to 0 (best) .. 1 (worst) over the ``kept`` positions; 0 elsewhere.

    Halved first, so that the span of two scores near the float limits
    (``1e308`` and ``-1e308``) stays finite.
    """
    scaled = [0.0] * len(column)
    if not kept:
        return scaled
    numbers = [float(cast("float", column[position])) / 2 for position in kept]
    low, high = min(numbers), max(numbers)
    span = high - low
    if span:
        for position, number in zip(kept, numbers, strict=True):
            scaled[position] = (number - low) / span
    return scaled


def _rule_from(item: object, index: int, registry: StrategyRegistry) -> Rule:
    path = f"rule[{index}]"
    if isinstance(item, str):
        item = {"use": item}
    if not isinstance(item, Mapping):
        raise InvalidInput(f"must be a rule table, not {type(item).__name__}", path=path)
    use = item.get("use")
    if not isinstance(use, str):
        raise InvalidInput("must name a strategy", path=f"{path}.use", value=use)
    name = item.get("name", use)
    if not isinstance(name, str):
        raise InvalidInput("must be a rule name", path=f"{path}.name", value=name)
    params = {k: v for k, v in item.items() if k not in ("use", "weight", "name")}
    for key in params:
        if not isinstance(key, str):
            raise InvalidInput("a rule setting is named by a string", path=path, value=key)
    try:
        strategy = registry.create(use, **params)
        return Rule(
            name,
            strategy,
            tuple(sorted(params.items())),
            item.get("weight"),
            use=use,
            by_factory=registry.is_factory(use),
        )
    except InvalidInput as error:
        raise error.at(path) from None
    except OmsError as error:
        if isinstance(error, LookupError):
            raise InvalidInput(str(error), path=f"{path}.use", value=use) from None
        raise


def _cost_from(table: object) -> CostModel:
    if table is None:
        return DistanceCostModel()
    try:
        return DistanceCostModel.from_dict(table)
    except InvalidInput as error:
        raise error.at("cost") from None


_OPTIONS: frozenset[str] = frozenset(
    field.name for field in attrs.fields(RoutingProfile) if field.init
) - {
    "name",
    "rules",
}
"""The keyword options of :meth:`RoutingProfile.of`: the profile's fields besides name and rules."""


def default_profile() -> RoutingProfile:
    """The default routing of omskit: ``[specialisation, nearest]`` with the cost objective.

    The fewest shipments first, then the lowest shipping cost of the default
    :class:`~omskit.routing.cost.DistanceCostModel`; specialised handling is
    a filter and distance breaks the remaining ties.
    """
    return RoutingProfile.of(
        "default", ["specialisation", "nearest"], objective=Objective.COST, max_splits=2
    )
