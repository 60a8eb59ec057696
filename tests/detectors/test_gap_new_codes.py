"""Mirror gaps in a code HS2022 created n:n (8806, drones): the pair's mirror in the code's bound
(light aircraft and cameras) is the gap's history, so a drone phantom export that opens after
2022 is judged like any other, and a pair whose mirror always disagreed stays quiet."""

from __future__ import annotations

import numpy as np
import pytest

from detour.detectors import run_detectors
from detour.detectors.trace_pair import trace_pair
from detour.engine import get_engine
from tests.detectors.world import YEARS, World

DRONE = "880622"  # unmanned aircraft of 0.25–7 kg (HS2022); bound: 852580, 880211, 880220
NEW = {y for y in YEARS if y >= 2022}


def drone_world(seed: int = 31) -> World:
    w = World(seed=seed).background()
    rng = np.random.default_rng(seed)
    # Ordinary trade in the drone code from 2022, both sides declaring it, and in its bound's codes
    # (cameras, light aircraft) in every year: the code's life starts in 2022, as in real files.
    for e, i in (("CHN", "USA"), ("CHN", "DEU"), ("USA", "JPN"), ("FRA", "ITA"), ("CHN", "TUR")):
        w.flow(e, i, DRONE, {y: 6e6 * np.exp(rng.normal(0, 0.1)) for y in sorted(NEW)})
    for e, i in (("JPN", "USA"), ("CHN", "KOR"), ("DEU", "FRA"), ("FRA", "ARM")):
        w.flow(e, i, "852580", {y: 5e6 * np.exp(rng.normal(0, 0.1)) for y in YEARS})
    # Planted: DEU declares drones to KAZ from 2023 that KAZ never records. The pair never traded
    # light aircraft or cameras, so no drones before 2022 either: the gap opened from nothing.
    w.flow("DEU", "KAZ", DRONE, {2023: 9e6, 2024: 1.1e7}, m_years=set())
    # Look-alike: FRA's exports to ARM have never been recorded by ARM in the bound's cameras, and
    # its drones are not either. The mirror of the pair always disagreed: no break.
    w.flows[("FRA", "ARM", "852580")].m_years = set()
    w.flow("FRA", "ARM", DRONE, {2022: 4e6, 2023: 7e6, 2024: 8e6}, m_years=set())
    return w


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return drone_world().ingest(tmp_path_factory.mktemp("drones"))


@pytest.fixture(scope="module")
def alerts(store):
    return run_detectors(get_engine("duckdb"), store, kinds=["phantom_export"])


def test_a_drone_phantom_export_is_judged_against_the_bounds_mirror(alerts):
    found = [a for a in alerts if (a.origin, a.destination) == ("DEU", "KAZ")]
    assert len(found) == 1, [a.to_dict() for a in alerts]
    a = found[0]
    assert a.hs == (DRONE,) and (a.start, a.end) == (2023, 2024)
    assert 1.8e7 < a.value_usd < 2.2e7  # both years declared, none recorded
    assert {e.hs for e in a.evidence} == {DRONE}  # the bound is history, not evidence


def test_a_pair_whose_mirror_always_disagreed_stays_quiet(alerts):
    assert [a.to_dict() for a in alerts if (a.origin, a.destination) == ("FRA", "ARM")] == []


def test_the_trace_shows_which_years_are_the_bounds(store):
    t = trace_pair(get_engine("duckdb"), store, "DEU", "KAZ", kinds=["phantom_export"])
    years = {r["year"]: r for r in t.to_dict()["series"] if r["hs"] == DRONE}
    assert [y for y, r in sorted(years.items()) if r["bound"]] == [y for y in YEARS if y < 2022]
    assert not any(years[y]["held"] for y in YEARS if y < 2022)
    assert years[2023]["held"] and years[2024]["held"]
