"""A pair whose mirror matched on a real flow for years has shown its own noise (``gaps.LONG_FLOOR``,
added on 7 Dec 2026).

The floor of a mirror ratio's noise (``gap_sigma_floor``, 0.15 in log units) guards histories
that say little: two years of agreement, or years in which neither side traded (a ratio of two
empty records is 0 by construction, not a measurement). A pair that matched within a few per
cent on a flow of millions for five years or more has measured its noise; there the floor is
``LONG_FLOOR`` (0.1). The simulator's planted phantom exports on old, large flows (the importer
records the old trade and part of the extra) had evidence of 4-4.5 under the old floor, below
chance gaps of new small flows with nothing recorded.
"""

from __future__ import annotations

import functools

import pytest

from tests.detectors.world import World, pair_alerts


@functools.cache
def _world() -> World:
    w = World(seed=50).background(goods=("854239", "940360"))
    years = w.years
    for country in ("DEU", "KAZ", "FRA", "UZB"):
        w.drop(country, "854239")
    # Both hubs report other trade in the chapter all along (their silences are observed).
    w.flow("KOR", "KAZ", "854239", 3e6)
    w.flow("KOR", "UZB", "854239", 3e6)
    w.flow("DEU", "BRA", "854239", 3e6)
    w.flow("FRA", "BRA", "854239", 3e6)
    # Planted: DEU has sold KAZ chips for years (USD 20M, both sides agree); from 2022 DEU declares
    # twice that and KAZ records 1.3 times the old flow: a third of the extra never arrived.
    f = w.flow("DEU", "KAZ", "854239", {y: 2e7 if y < 2022 else 4e7 for y in years})
    f.recorded = {y: 0.65 for y in years if y >= 2022}
    # Look-alike: the same shortfall on a flow FRA -> UZB that began in 2020, two matched years
    # before it: too short a history to know the pair's own noise.
    g = w.flow("FRA", "UZB", "854239", {y: (2e7 if y < 2022 else 4e7) for y in years if y >= 2020})
    g.recorded = {y: 0.65 for y in years if y >= 2022}
    return w


@pytest.fixture(scope="module")
def floor_alerts(tmp_path_factory):
    return _world().detect(tmp_path_factory.mktemp("floor"))


def _phantoms(alerts, origin, destination):
    return pair_alerts(alerts, "phantom_export", origin, destination)


def test_a_shortfall_on_a_long_matched_flow_is_found(floor_alerts):
    found = _phantoms(floor_alerts, "DEU", "KAZ")
    assert found and found[0].start == 2022


def test_the_same_shortfall_on_a_short_history_stays_quiet(floor_alerts):
    assert _phantoms(floor_alerts, "FRA", "UZB") == []
