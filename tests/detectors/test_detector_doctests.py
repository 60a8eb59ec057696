"""The ``>>>`` examples in the detectors' docstrings run (they pin the statistics' small cases)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import numpy as np
import pytest

import detour.detectors
from detour.detectors.scoring import expected_max

MODULES = sorted(
    m.name.removeprefix("detour.detectors.")
    for m in pkgutil.walk_packages(detour.detectors.__path__, "detour.detectors.")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"detour.detectors.{name}")
    result = doctest.testmod(module)
    assert result.failed == 0


def test_expected_max_matches_simulated_maxima() -> None:
    """The look-elsewhere charge is the mean of the best of ``m`` noise z's, checked against the
    simulated maxima of standard normals (not their asymptote ``sqrt(2 ln m)``, which is 1.18 for
    two where the mean is 0.56)."""
    rng = np.random.default_rng(7)
    m = np.array([1, 2, 3, 5, 10, 40])
    simulated = np.array([rng.standard_normal((200_000, k)).max(axis=1).mean() for k in m])
    assert np.allclose(expected_max(m), simulated, atol=0.01)
    assert expected_max(np.array([np.nan, 0.0]))[0] == 0.0 == expected_max(np.array([0.0]))[0]
