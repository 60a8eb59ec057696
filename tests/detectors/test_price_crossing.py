"""A price premium that carries a cheap corridor through the world's price and beyond is found;
a cheap corridor that merely came to the world's price stays quiet.

The gate after a price break (``unit_value.off_line``) asks the corridor to sit away from the
world median, so that a seller moving from cheap grades to the usual goods is not read as a
premium. A corridor that always sold at 0.45 times the world price and then at 1.35 times did
not come to the world's price: it went through it (the simulator's seed 250 planted such a
premium, USA → Brazil in 854800 at three times the price, and the 1.5-times rule missed it).
"""

from __future__ import annotations

import functools

import pytest

from tests.detectors.world import UNIT_VALUE, World

WORLD_PRICE = UNIT_VALUE["853224"]


@functools.cache
def _world() -> World:
    w = World(seed=46).background(goods=("853224", "940360"))
    # Planted: USA -> BRA always sold cheap grades (0.45x the world price); from 2022 the same
    # goods at three times that price (1.35x the world's), at the same value.
    f = w.flow("USA", "BRA", "853224", 2e7)
    f.uv = {y: WORLD_PRICE * (1.35 if y >= 2022 else 0.45) for y in w.years}
    # Look-alike: FRA -> EGY moved from cheap grades to the usual ones (0.45x -> 1.05x).
    g = w.flow("FRA", "EGY", "853224", 2e7)
    g.uv = {y: WORLD_PRICE * (1.05 if y >= 2022 else 0.45) for y in w.years}
    return w


@pytest.fixture(scope="module")
def crossing_alerts(tmp_path_factory):
    return _world().detect(tmp_path_factory.mktemp("crossing"))


def _prices(alerts, origin, destination):
    return [a for a in alerts if a.kind == "unit_value" and (a.origin, a.destination) == (origin, destination)]


def test_a_premium_through_the_world_price_is_found(crossing_alerts):
    found = _prices(crossing_alerts, "USA", "BRA")
    assert found and (found[0].start, found[0].end) == (2022, 2024)
    assert "rose" in found[0].explanation


def test_a_corridor_that_came_to_the_world_price_stays_quiet(crossing_alerts):
    assert _prices(crossing_alerts, "FRA", "EGY") == []
