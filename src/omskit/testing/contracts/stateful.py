"""A Hypothesis state machine: the store under test, the memory store and a plain model agree.

Each step is one unit of work of up to eight random repository calls, ended
in one of the ways :class:`Ending` lists (commit, leave without commit, an
exception half way, commit or roll back at a cut). The same calls run on the
store under test and on a :class:`~omskit.adapters.memory.MemoryStore`;
every call must answer (or raise) what a plain model derived from the
Protocol docstrings says, and after every step both stores must read back
the same state as the model.
"""

from __future__ import annotations

import contextlib
from enum import Enum
from typing import ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from omskit.adapters.memory import MemoryStore
from omskit.ports import Store, UnitOfWork
from omskit.testing.contracts._base import StoreContract, StoreFactory
from omskit.testing.contracts._builders import Boom
from omskit.testing.contracts._dump import dump
from omskit.testing.contracts._model import Model
from omskit.testing.contracts._operations import Op, operations

__all__ = ["Ending", "StoreAgreesWithMemoryContract", "agreement_machine"]


class Ending(Enum):
    """How a generated unit of work ends."""

    COMMIT = "commit at the end"
    LEAVE = "leave the block without commit"
    RAISE = "raise at the cut"
    COMMIT_AT_CUT = "commit at the cut, leave without commit"
    ROLLBACK_AT_CUT = "roll back at the cut, commit at the end"


def _apply(op: Op, uow: UnitOfWork, model: Model) -> None:
    """Run ``op`` on the store and check it did what the model says (raise or return)."""
    expected = op.on_model(model)
    if expected.error is None:
        assert op.on_store(uow) == expected.result, op
    else:
        with pytest.raises(expected.error):
            op.on_store(uow)


def _run_unit_of_work(store: Store, model: Model, ops: list[Op], ending: Ending, cut: int) -> Model:
    """Run ``ops`` in one unit of work ended as ``ending``; return the model of what stays.

    Every call is checked against ``model`` as it runs; with
    ``Ending.RAISE`` the block raises ``Boom`` at ``cut``.
    """
    durable = model
    pending = model.copy()
    with store.unit_of_work() as uow:
        for index in range(len(ops) + 1):
            if index == cut:
                if ending is Ending.RAISE:
                    raise Boom
                if ending is Ending.COMMIT_AT_CUT:
                    uow.commit()
                    durable = pending.copy()
                if ending is Ending.ROLLBACK_AT_CUT:
                    uow.rollback()
                    pending = durable.copy()
            if index < len(ops):
                _apply(ops[index], uow, pending)
        if ending in (Ending.COMMIT, Ending.ROLLBACK_AT_CUT):
            uow.commit()
            durable = pending
    return durable


class _Agreement(RuleBasedStateMachine):
    """Random units of work on the store under test and the memory store; all three agree."""

    factory: ClassVar[StoreFactory]

    def __init__(self) -> None:
        super().__init__()
        self.store = type(self).factory()
        self.memory = MemoryStore()
        self.model = Model()

    @rule(
        ops=st.lists(operations, max_size=8), ending=st.sampled_from(Ending), cut=st.integers(0, 8)
    )
    def unit_of_work(self, ops: list[Op], ending: Ending, cut: int) -> None:
        """Run the same unit of work on both stores, each checked call by call."""
        cut = min(cut, len(ops))
        if ending is Ending.RAISE:
            for store in (self.store, self.memory):
                with pytest.raises(Boom):
                    _run_unit_of_work(store, self.model, ops, ending, cut)
        else:
            _run_unit_of_work(self.memory, self.model, ops, ending, cut)
            self.model = _run_unit_of_work(self.store, self.model, ops, ending, cut)

    @invariant()
    def stores_equal_model(self) -> None:
        """Both stores read back what the model holds."""
        expected = self.model.dump()
        assert dump(self.store) == expected
        assert dump(self.memory) == expected

    def teardown(self) -> None:
        """Close the store under test if it can be closed."""
        close = getattr(self.store, "close", None)
        if callable(close):
            with contextlib.suppress(Exception):
                close()


def agreement_machine(factory: StoreFactory) -> type[RuleBasedStateMachine]:
    """The state machine that drives stores made by ``factory`` and the memory store alike."""
    return type("StoreAgainstMemory", (_Agreement,), {"factory": staticmethod(factory)})


class StoreAgreesWithMemoryContract(StoreContract):
    """The store under test, the memory store and a plain model agree after every unit of work.

    ``stateful_settings`` bounds the run (examples and steps); lower it for a
    slow store, raise it in a nightly job.
    """

    stateful_settings: ClassVar[settings] = settings(
        max_examples=40,
        stateful_step_count=15,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    """How many random runs (and steps per run) the state machine makes."""

    def test_the_store_agrees_with_the_memory_store_and_a_plain_model(
        self, store_factory: StoreFactory
    ) -> None:
        """Random units of work, every ending: every answer and the state afterwards agree."""
        run_state_machine_as_test(agreement_machine(store_factory), settings=self.stateful_settings)
