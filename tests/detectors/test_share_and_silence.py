"""Evidence rules added on 6 Dec 2026, each planted case beside its look-alike.

- a destination's extra imports must come mostly from the hub: a market that opens from nothing
  with many suppliers at once is no route through any one of them;
- a reporter's silence in a chapter says something when no other partner traded with it there
  (a lone covert flow), and nothing when several partners did (a chapter hidden everywhere);
- a code HS2022 narrowed (8802.20) carried a corridor's drones before the revision when the
  corridor trades 8806 from 2022: its price there is a mix, not a price.

The rule on hub totals that could show a route (``routes.hub_weight``, ``routes.visible``) is
covered by its doctests and by ``test_route_evidence.py``.
"""

from __future__ import annotations

import functools

import pytest

from detour.detectors.routes import profile_fit
from tests.detectors.scenarios import step
from tests.detectors.world import World, route_profiles


@functools.cache
def _market_world() -> World:
    w = World(seed=41).background(goods=("930690", "854231", "940360"))
    # Look-alike: EGY buys no ammunition until 2022, then from six suppliers at once, KAZ among
    # them; KAZ (no other trade in ammunition, so its totals move) took FRA's the same year.
    for country in ("EGY", "KAZ", "VNM", "ARM"):
        w.drop(country, "930690")
    # All four report other trade in chapter 93 all along (cartridges), so their silence about
    # ammunition before 2022 is an observed absence, not a hidden chapter.
    for a, b in (("ITA", "EGY"), ("ITA", "VNM"), ("KAZ", "RUS"), ("ARM", "RUS")):
        w.flow(a, b, "930630", 2e6)
    for s in ("DEU", "ITA", "POL", "CZE", "KOR", "KAZ"):
        w.flow(s, "EGY", "930690", step(0, 5e6))
    w.flow("FRA", "KAZ", "930690", step(0, 5e6))
    # Planted: VNM buys no ammunition until 2022, then only through ARM, which took FRA's.
    w.flow("FRA", "ARM", "930690", step(0, 5e6))
    w.flow("ARM", "VNM", "930690", step(0, 5e6))
    return w


@pytest.fixture(scope="module")
def market_alerts(tmp_path_factory):
    return _market_world().detect(tmp_path_factory.mktemp("market"))


def _routes(alerts, hub, destination):
    return [a for a in alerts if a.kind == "transshipment" and (a.hub, a.destination) == (hub, destination)]


def test_a_route_that_supplies_a_new_market_alone_is_found(market_alerts):
    found = _routes(market_alerts, "ARM", "VNM")
    assert found and found[0].origin == "FRA"


def test_one_supplier_among_many_to_a_new_market_is_no_route(market_alerts):
    assert _routes(market_alerts, "KAZ", "EGY") == []


@functools.cache
def _silence_world() -> World:
    w = World(seed=42).background(goods=("854231", "940360"))
    # Planted: SVK exports no propellants to anyone on record; from 2020 UKR records them from
    # SVK, which declares none (it reports its other trade every year).
    w.flow("SVK", "DEU", "854231", 4e6)
    w.flow("SVK", "UKR", "360200", step(0, 4e6, 2020), x_years=set())
    # Look-alike: HUN hides chapter 36 from everyone, every year; three partners record its
    # propellants, and the one to UKR grows from 2020.
    w.flow("HUN", "DEU", "854231", 4e6)
    for partner in ("POL", "CZE"):
        w.flow("HUN", partner, "360200", 3e6)
    w.flow("HUN", "UKR", "360200", step(1e6, 5e6, 2020))
    for y in w.years:
        w.silence("HUN", y, "X", "36")
    return w


@pytest.fixture(scope="module")
def silence_alerts(tmp_path_factory):
    return _silence_world().detect(tmp_path_factory.mktemp("silence"))


def _undeclared(alerts, origin):
    return [a for a in alerts if a.kind == "undeclared_export" and a.origin == origin]


def test_a_lone_undeclared_flow_is_found(silence_alerts):
    found = _undeclared(silence_alerts, "SVK")
    assert [(a.destination, a.hs, a.start) for a in found] == [("UKR", ("360200",), 2020)]


def test_a_chapter_hidden_from_every_partner_stays_quiet(silence_alerts):
    assert _undeclared(silence_alerts, "HUN") == []


@functools.cache
def _carry_world() -> World:
    w = World(seed=43).background(goods=("880220", "940360"))
    # Look-alike: USA → SRB declared its drones under 8802.20 before HS2022 (the corridor trades
    # 8806.21 from 2022): 8802.20's price there swung with the mix of drones and light aircraft,
    # dear in 2019-2020 and back to the usual price from 2021.
    f = w.flow("USA", "SRB", "880220", 8e6)
    f.uv = {y: (200.0 if y in (2019, 2020) else 50.0) for y in w.years}
    w.flow("USA", "SRB", "880621", {y: 3e6 for y in w.years if y >= 2022})
    # Planted: the same price episode on a corridor that trades no drones.
    g = w.flow("USA", "BRA", "880220", 8e6)
    g.uv = {y: (200.0 if y in (2019, 2020) else 50.0) for y in w.years}
    return w


@pytest.fixture(scope="module")
def carry_alerts(tmp_path_factory):
    return _carry_world().detect(tmp_path_factory.mktemp("carry"))


def _prices(alerts, destination):
    return [a for a in alerts if a.kind == "unit_value" and (a.origin, a.destination) == ("USA", destination)]


def test_a_price_episode_in_an_old_aircraft_code_is_found(carry_alerts):
    found = _prices(carry_alerts, "BRA")
    assert found and (found[0].start, found[0].end) == (2019, 2020)


def test_the_price_of_a_code_that_carried_a_corridors_drones_is_not_read(carry_alerts):
    assert _prices(carry_alerts, "SRB") == []


def test_a_small_residual_after_a_route_ended_does_not_spoil_its_fit():
    # Components 8M and 20M, products 16M and 52M, then 0.5M of components and no products.
    ended = profile_fit(route_profiles([8e6, 20e6, 0.5e6], [16e6, 52e6, 0.0]), 1.0, 10.0, False)
    # The same route whose components run on at their size without products: a poor fit.
    runs_on = profile_fit(route_profiles([8e6, 20e6, 20e6], [16e6, 52e6, 0.0]), 1.0, 10.0, False)
    assert ended[0] > 0.95 and runs_on[0] < 0.8


@functools.cache
def _lifetime_world() -> World:
    w = World(seed=44).background(goods=("930690", "360200", "940360"))
    for country in ("SVK", "UKR"):
        w.drop(country, "930690")
        w.drop(country, "360200")
    w.flow("ITA", "UKR", "930630", 2e6)  # UKR reports its other chapter-93 imports all along
    # Planted: GBR began selling SVK propellants in 2019 (USD 0.3-0.45M a year, nothing before),
    # then 8M and 20M in 2022-2023 while SVK's ammunition to UKR appeared (16M, 50M).
    w.flow("GBR", "SVK", "360200", {2019: 3e5, 2020: 4.3e5, 2021: 4.4e5, 2022: 8e6, 2023: 2e7, 2024: 6e5})
    w.flow("SVK", "UKR", "930690", {2022: 1.6e7, 2023: 5e7})
    w.flow("SVK", "POL", "930630", 2e6)  # SVK reports its other chapter-93 exports all along
    return w


def test_a_route_on_a_small_earlier_flow_is_found(tmp_path_factory):
    # A scenario check (tuning seed 21's GBR -> SVK -> UKR in small): the route rides on a flow of
    # a few hundred thousand that began three years before it, and leaves a residual year.
    alerts = _lifetime_world().detect(tmp_path_factory.mktemp("lifetime"))
    found = [a for a in alerts if a.kind == "transformation" and (a.origin, a.hub) == ("GBR", "SVK")]
    assert found and found[0].destination == "UKR"
