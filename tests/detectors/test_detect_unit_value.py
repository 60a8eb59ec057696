"""Unit-value jumps: a corridor's price premium found; world price moves, dear corridors and
tiny flows stay quiet."""

from __future__ import annotations

import pytest

from tests.detectors.conftest import involves
from tests.detectors.scenarios import LOOKALIKES


def _kind(alerts):
    return [a for a in alerts if a.kind == "unit_value"]


def test_planted_premium(world_alerts):
    found = _kind(world_alerts("unit_value"))
    assert [(a.origin, a.destination, a.hs) for a in found] == [("CHN", "RUS", ("880730",))]
    a = found[0]
    assert (a.start, a.end) == (2022, 2024) and a.score >= 40
    assert "rose" in a.explanation and "3.6 times" in a.explanation


@pytest.mark.parametrize("name", list(LOOKALIKES["unit_value"]))
def test_lookalike_stays_quiet(world_alerts, name):
    o, d, hs = LOOKALIKES["unit_value"][name]
    assert not [a for a in _kind(world_alerts("unit_value")) if involves(a, o, d, hs)]
