"""Price gates added on 7 Dec 2026. A price premium that carries a cheap corridor through the
world's price and beyond is found; a cheap corridor that merely came to the world's price stays
quiet; a code HS2022 narrowed is never compared across the revision; and before the revision
its prices are unknown for an exporter that moved most of its trade in it to 8806 (a drone maker
declared its drones there), while an exporter whose trade in it fell with no drones to take it up
keeps readable prices.

The gate after a price break (``unit_value.off_line``) asks the corridor to sit away from the
world median, so that a seller moving from cheap grades to the usual goods is not read as a
premium. A corridor that always sold at 0.45 times the world price and then at 1.35 times did
not come to the world's price: it went through it (the simulator's seed 250 planted such a
premium, USA → Brazil in 854800 at three times the price, and the 1.5-times rule missed it).
"""

from __future__ import annotations

import functools

import pytest

from tests.detectors.world import UNIT_VALUE, World, pair_alerts

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
    return pair_alerts(alerts, "unit_value", origin, destination)


def test_a_premium_through_the_world_price_is_found(crossing_alerts):
    found = _prices(crossing_alerts, "USA", "BRA")
    assert found and (found[0].start, found[0].end) == (2022, 2024)
    assert "rose" in found[0].explanation


def test_a_corridor_that_came_to_the_world_price_stays_quiet(crossing_alerts):
    assert _prices(crossing_alerts, "FRA", "EGY") == []


@functools.cache
def _revision_world() -> World:
    w = World(seed=47).background(goods=("880220", "940360"))
    # Every corridor's light aircraft (8802.20) lost their drones to 8806 in 2022: the goods left
    # in the code are dearer, and the world median of its price triples.
    for (_, _, hs), f in w.flows.items():
        if hs == "880220":
            f.uv = {y: 50.0 if y < 2022 else 150.0 for y in w.years}
    # Look-alike: USA -> BRA sold the same aircraft parts at the same price all along (it never
    # carried drones); against the new world median its price reads as a fall to a third.
    g = w.flow("USA", "BRA", "880220", 2e7)
    g.uv = {y: 50.0 for y in w.years}
    return w


@pytest.fixture(scope="module")
def revision_alerts(tmp_path_factory):
    return _revision_world().detect(tmp_path_factory.mktemp("revision"))


def test_a_narrowed_code_s_price_is_not_compared_across_the_revision(revision_alerts):
    assert _prices(revision_alerts, "USA", "BRA") == []


@functools.cache
def _drone_house_world() -> World:
    w = World(seed=48).background(goods=("880220", "940360"))
    for key in [k for k in w.flows if k[0] in ("CHN", "RUS") and k[2] == "880220"]:
        del w.flows[key]
    # CHN declared its drones under 8802.20 before HS2022: six buyers took USD 20M a year, and
    # from 2022 the drones went to 8806.21 while 8802.20 kept a tenth (the light aircraft).
    for buyer in ("ARE", "EGY", "VNM", "BRA", "IND", "KAZ"):
        w.flow("CHN", buyer, "880220", {y: 2e7 if y < 2022 else 2e6 for y in w.years})
        w.flow("CHN", buyer, "880621", {y: 1.8e7 for y in w.years if y >= 2022})
    # Look-alike: CHN -> ARM's 8802.20 price tripled in 2020-2021 with the drones in its mix;
    # ARM bought no drones after 2022, so the corridor itself never shows them.
    f = w.flow("CHN", "ARM", "880220", 8e6)
    f.uv = {y: (150.0 if y in (2020, 2021) else 50.0) for y in w.years}
    # Planted: the same price episode from an exporter whose 8802.20 trade fell in 2022 with no
    # drones to take it up (sanctions): its price before 2022 is a price.
    for buyer in ("ARE", "EGY", "VNM", "BRA", "IND", "KAZ"):
        w.flow("RUS", buyer, "880220", {y: 2e7 if y < 2022 else 2e6 for y in w.years})
    g = w.flow("RUS", "ARM", "880220", 8e6)
    g.uv = {y: (150.0 if y in (2020, 2021) else 50.0) for y in w.years}
    return w


@pytest.fixture(scope="module")
def drone_house_alerts(tmp_path_factory):
    return _drone_house_world().detect(tmp_path_factory.mktemp("drone_house"))


def test_an_exporter_that_moved_its_trade_in_a_code_to_8806_had_no_price_there_before(drone_house_alerts):
    assert _prices(drone_house_alerts, "CHN", "ARM") == []


def test_a_fall_at_the_revision_without_drones_leaves_the_price_readable(drone_house_alerts):
    found = _prices(drone_house_alerts, "RUS", "ARM")
    assert found and (found[0].start, found[0].end) == (2020, 2021)
