"""The strategy registry: names for routing strategies and their factories (DESIGN rule 7).

A :class:`StrategyRegistry` is an explicit object, never a module-level
dict. ``register(name, strategy)`` checks the strategy when it is
registered and refuses a duplicate name; it doubles as a decorator::

    >>> registry = builtin_registry()
    >>> @registry.register("closest_store_first")
    ... def closest_store_first(line, candidates):
    ...     return [0.0 if c.location.kind.value == "store" else 1.0 for c in candidates]
    >>> registry.lookup("closest_store_first") is closest_store_first
    True

A *factory* makes a configured strategy from keyword parameters (as a
routing profile document names them): register it with ``factory=True``
and build strategies with :meth:`StrategyRegistry.create`::

    >>> registry.create("min_stock", units=5)
    MinStock(units=5)

Third-party strategies are loaded from the entry-point group
``omskit.routing_strategies`` only when :meth:`StrategyRegistry.load_entry_points`
is called; an entry point that names a factory marks it with
:func:`strategy_factory`.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from importlib.metadata import entry_points
from typing import Any, Final, TypeVar, overload

import attrs

from omskit.errors import DefinitionError, InvalidInput, OmsError, UnknownName
from omskit.routing import builtins
from omskit.routing.strategy import RoutingStrategy, check_strategy

__all__ = [
    "ENTRY_POINT_GROUP",
    "StrategyRegistry",
    "builtin_registry",
    "strategy_factory",
]

ENTRY_POINT_GROUP: Final = "omskit.routing_strategies"
"""The entry-point group third-party packages register strategies under."""

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_FACTORY_MARK: Final = "__omskit_strategy_factory__"

F = TypeVar("F", bound=Callable[..., Any])


def strategy_factory(factory: F) -> F:
    """Mark ``factory`` as a strategy factory (for entry points and ``register``)."""
    setattr(factory, _FACTORY_MARK, True)
    return factory


@attrs.frozen
class _Entry:
    name: str
    target: Callable[..., Any]
    factory: bool


class StrategyRegistry:
    """Routing strategies and strategy factories by name.

    Names are lower-case identifiers (``[a-z][a-z0-9_]*``). A fresh registry
    is empty; :func:`builtin_registry` returns one with omskit's built-ins.
    """

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}

    @overload
    def register(
        self, name: str, strategy: None = None, *, factory: bool = False
    ) -> Callable[[F], F]: ...

    @overload
    def register(self, name: str, strategy: F, *, factory: bool = False) -> F: ...

    def register(
        self, name: str, strategy: F | None = None, *, factory: bool = False
    ) -> F | Callable[[F], F]:
        """Register ``strategy`` (or, as a decorator, the function it decorates) under ``name``.

        ``factory=True`` (or a target marked with :func:`strategy_factory`)
        registers a factory: a callable taking keyword parameters and
        returning a strategy. Raises :class:`~omskit.errors.DefinitionError`
        for a bad name, a duplicate name or a strategy that cannot be called
        as ``strategy(line, candidates)``.
        """
        if strategy is None:

            def decorate(target: F) -> F:
                return self.register(name, target, factory=factory)

            return decorate
        if not isinstance(name, str) or not _NAME.match(name):
            raise DefinitionError(
                f"a routing strategy name must match [a-z][a-z0-9_]*, not {name!r}"
            )
        if name in self._entries:
            raise DefinitionError(f"a routing strategy named {name!r} is already registered")
        is_factory = factory or bool(getattr(strategy, _FACTORY_MARK, False))
        if is_factory:
            if not callable(strategy):
                raise DefinitionError(f"strategy factory {name!r} is not callable: {strategy!r}")
        else:
            check_strategy(strategy, name=name)
        self._entries[name] = _Entry(name, strategy, is_factory)
        return strategy

    def names(self) -> tuple[str, ...]:
        """Every registered name, sorted."""
        return tuple(sorted(self._entries))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._entries

    def name_of(self, strategy: object) -> str | None:
        """The name ``strategy`` itself (not a factory) is registered under, else ``None``.

        By identity, the first name in sorted order when it has two.
        """
        for name in self.names():
            entry = self._entries[name]
            if not entry.factory and entry.target is strategy:
                return name
        return None

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._entries)

    def is_factory(self, name: str) -> bool:
        """Whether ``name`` is a factory (it needs :meth:`create`)."""
        return self._entry(name).factory

    def _entry(self, name: str) -> _Entry:
        entry = self._entries.get(name) if isinstance(name, str) else None
        if entry is None:
            raise UnknownName(kind="routing strategy", key=str(name), known=self.names())
        return entry

    def lookup(self, name: str) -> Callable[..., Any]:
        """The strategy or factory registered under ``name``.

        Raises :class:`~omskit.errors.UnknownName` (a
        :class:`~omskit.errors.NotFound`) that lists the known names.
        """
        return self._entry(name).target

    def create(self, name: str, **params: Any) -> RoutingStrategy:
        """A ready strategy: the one registered, or the factory's product for ``params``.

        Parameters for a plain strategy, or parameters a factory does not
        take, raise :class:`~omskit.errors.InvalidInput` naming them.
        """
        entry = self._entry(name)
        if not entry.factory:
            if params:
                given = ", ".join(sorted(params))
                raise InvalidInput(
                    f"routing strategy {name!r} takes no parameters, got {given}",
                    path=sorted(params)[0],
                )
            return entry.target
        _check_parameters(name, entry.target, params)
        try:
            built = entry.target(**params)
        except OmsError:
            raise
        except (TypeError, ValueError, ArithmeticError) as error:
            # A factory that checks its parameters with plain Python errors: still a typed one.
            raise InvalidInput(
                f"routing strategy {name!r} refused its parameters: {error}"
            ) from None
        return check_strategy(built, name=name)

    def load_entry_points(self, group: str = ENTRY_POINT_GROUP) -> tuple[str, ...]:
        """Register every strategy that installed packages declare under ``group``.

        Returns the names it added, sorted. All or nothing: every entry point
        is loaded and checked first, and only when all of them are good are
        they registered. A name that is already registered (or declared
        twice), an entry point that fails to import and one that is not a
        strategy raise :class:`~omskit.errors.DefinitionError` naming that
        entry point, and the registry is left as it was.
        """
        staged = self.copy()
        for point in sorted(entry_points(group=group), key=lambda p: p.name):
            try:
                target = point.load()
            except Exception as error:
                raise DefinitionError(
                    f"routing strategy entry point {point.name!r} ({point.value}) failed to "
                    f"load: {error}"
                ) from error
            try:
                staged.register(point.name, target)
            except DefinitionError as error:
                raise DefinitionError(
                    f"routing strategy entry point {point.name!r} ({point.value}) cannot be "
                    f"registered: {error}"
                ) from error
        added = tuple(sorted(set(staged._entries) - set(self._entries)))
        self._entries = staged._entries
        return added

    def copy(self) -> StrategyRegistry:
        """An independent registry with the same entries (extend it without touching this one)."""
        clone = StrategyRegistry()
        clone._entries = dict(self._entries)
        return clone

    def __repr__(self) -> str:
        return f"StrategyRegistry({', '.join(self.names())})"


def _check_parameters(name: str, factory: Callable[..., Any], params: dict[str, Any]) -> None:
    """Raise :class:`InvalidInput` at the first parameter ``factory`` does not take or needs.

    A factory whose signature cannot be read is left to its own call.
    """
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        return
    accepted = signature.parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values()):
        return
    named = [
        p.name
        for p in accepted.values()
        if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    ]
    for key in sorted(params):
        if key not in named:
            known = ", ".join(named) or "none"
            raise InvalidInput(
                f"is not a parameter of routing strategy {name!r} (known: {known})", path=key
            )
    for key in named:
        if key not in params and accepted[key].default is inspect.Parameter.empty:
            raise InvalidInput(f"is required by routing strategy {name!r}", path=key)


def builtin_registry() -> StrategyRegistry:
    """A new registry holding omskit's built-in strategies and factories.

    ``nearest``, ``load_balancing``, ``specialisation`` and ``cost`` are
    ready strategies (``specialisation`` and ``cost`` with their defaults);
    ``co2``, ``priority``, ``min_stock`` are factories, as are
    ``specialisation_with`` and ``cost_with`` for configured variants.
    """
    registry = StrategyRegistry()
    registry.register("nearest", builtins.nearest)
    registry.register("load_balancing", builtins.load_balancing)
    registry.register("specialisation", builtins.Specialisation())
    registry.register("cost", builtins.Cost())
    registry.register("co2", builtins.co2, factory=True)
    registry.register("priority", builtins.priority, factory=True)
    registry.register("min_stock", builtins.min_stock, factory=True)
    registry.register("specialisation_with", builtins.specialisation, factory=True)
    registry.register("cost_with", builtins.cost, factory=True)
    return registry
