"""Two schemes on one declared pair, years apart, are two alerts (``phantom_export.pair_episodes``).

The simulator's seed 288 planted two undeclared exports from Israel to Saudi Arabia: HS 9306 in
2018–2019 and HS 3604 in 2021–2022. The detector combined every code of a pair into one alert
(2018–2022, both codes), so one of the two findings was lost and the alert's years spanned the
quiet year between them. Codes whose gaps ran in overlapping or adjacent years stay one alert.
"""

from __future__ import annotations

import functools

import pytest

from tests.detectors.world import World, pair_alerts


@functools.cache
def _world() -> World:
    w = World(seed=48).background(goods=("930690", "930630", "360200", "940360"))
    # Planted: Czechia sold Egypt ammunition in 2018-2019 and other arms parts in 2022-2024,
    # and declared neither; Egypt recorded both.
    w.flow("CZE", "EGY", "930690", {2018: 8e6, 2019: 8e6}, x_years=set())
    w.flow("CZE", "EGY", "930630", {y: 8e6 for y in (2022, 2023, 2024)}, x_years=set())
    # Planted: one scheme in two codes with overlapping years is one alert.
    w.flow("POL", "EGY", "930690", {y: 6e6 for y in (2021, 2022, 2023)}, x_years=set())
    w.flow("POL", "EGY", "360200", {y: 6e6 for y in (2022, 2023, 2024)}, x_years=set())
    return w


@pytest.fixture(scope="module")
def episode_alerts(tmp_path_factory):
    return _world().detect(tmp_path_factory.mktemp("episodes"))


def _undeclared(alerts, origin, destination):
    return sorted(pair_alerts(alerts, "undeclared_export", origin, destination), key=lambda a: a.start)


def test_two_schemes_years_apart_are_two_alerts(episode_alerts):
    found = _undeclared(episode_alerts, "CZE", "EGY")
    assert [(a.hs, a.start, a.end) for a in found] == [(("930690",), 2018, 2019), (("930630",), 2022, 2024)]


def test_one_scheme_in_two_codes_is_one_alert(episode_alerts):
    found = _undeclared(episode_alerts, "POL", "EGY")
    assert [(a.hs, a.start, a.end) for a in found] == [(("360200", "930690"), 2021, 2024)]
