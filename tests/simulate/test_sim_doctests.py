"""The ``>>>`` examples in the simulator's docstrings run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["catalogue", "truth", "accuracy", "panel", "bulk"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"detour.simulate.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
