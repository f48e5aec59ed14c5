"""The examples in module docstrings run and print what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "omskit.availability.supply",
    "omskit.routing.cost",
    "omskit.routing.strategy",
]


@pytest.mark.parametrize("name", MODULES)
def test_the_module_examples_hold(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
