"""An undeclared export needs a reason to hide it (``gap_reason``, added on 7 Dec 2026).

An importer's record with nothing declared beside it is covert supply when the exporter had
something to hide: arms anywhere, dual-use goods where restrictions binding the exporter close
the direct channel. Chips that ship freely to the importer have a commoner cause: the importer
names the country of origin, so chips of German make that came through a distributor elsewhere
are recorded against Germany and declared to the importer by nobody.
"""

from __future__ import annotations

import functools

import pytest

from tests.detectors.scenarios import step
from tests.detectors.world import World, pair_alerts


@functools.cache
def _world() -> World:
    w = World(seed=49).background(goods=("854231", "930690", "940360"))
    for country in ("JPN", "RUS", "EGY"):
        w.drop(country, "854231")
        w.drop(country, "930690")
    # Every party reports other trade in the chapters all along, so their silences are observed.
    for a, b, hs in (
        ("KOR", "JPN", "854231"),
        ("KOR", "RUS", "854231"),
        ("DEU", "BRA", "854231"),
        ("ITA", "EGY", "930690"),
        ("DEU", "ITA", "930690"),
        ("JPN", "KOR", "854231"),
    ):
        w.flow(a, b, hs, 3e6)
    # Look-alike: JPN records German chips from 2021 that Germany never declared to Japan.
    w.flow("DEU", "JPN", "854231", step(0, 8e5, 2021), x_years=set())
    # Planted: RUS records German chips from 2023 that Germany never declared (restricted goods).
    w.flow("DEU", "RUS", "854231", step(0, 8e5, 2023), x_years=set())
    # Planted: EGY records German ammunition from 2021 that Germany never declared.
    w.flow("DEU", "EGY", "930690", step(0, 1.5e6, 2021), x_years=set())
    return w


@pytest.fixture(scope="module")
def hide_alerts(tmp_path_factory):
    return _world().detect(tmp_path_factory.mktemp("hide"))


def _undeclared(alerts, destination):
    return pair_alerts(alerts, "undeclared_export", "DEU", destination)


def test_dual_use_goods_hidden_from_a_destination_of_concern_are_found(hide_alerts):
    found = _undeclared(hide_alerts, "RUS")
    assert found and found[0].start == 2023


def test_arms_left_out_of_the_declarations_are_found_anywhere(hide_alerts):
    found = _undeclared(hide_alerts, "EGY")
    assert found and found[0].start == 2021


def test_chips_that_ship_freely_have_no_reason_to_be_hidden(hide_alerts):
    assert _undeclared(hide_alerts, "JPN") == []
