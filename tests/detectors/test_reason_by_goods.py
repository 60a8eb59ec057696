"""A reason to detour depends on the goods and on who sits at either end (6 Dec 2026, third round).

Dual-use goods (processors, capacitors) ship freely except to the destinations of concern, so a
route of them elsewhere has no reason to go round; military goods need a licence everywhere, but
allies (the sanctions coalition) buy them openly; goods from a country of concern keep a reason
wherever they go (import bans); and a country is of concern only from the year its restrictions
began. Each route below is the same shape (a new flow of USD 6M a year into an unlisted hub,
forwarded to the destination, no direct trade, from 2022 unless ``CUT`` says otherwise), so only
the reason differs.
"""

from __future__ import annotations

import functools

import pytest

from tests.detectors.scenarios import step
from tests.detectors.world import World

ROUTES = {
    # (origin, hub, destination, goods)
    "dual-use to a destination of concern": ("KOR", "MNG", "RUS", "854231"),
    "dual-use elsewhere": ("JPN", "KHM", "BRA", "854239"),
    "dual-use from a country of concern": ("RUS", "LAO", "ITA", "853224"),
    "arms to a conflict zone": ("SRB", "NPL", "EGY", "930690"),
    "arms to an ally": ("BRA", "PRY", "POL", "930630"),
    "dual-use to Russia before its restrictions": ("VNM", "BTN", "RUS", "852691"),
}
CUT = {"dual-use to Russia before its restrictions": 2019}  # first year of the route; else 2022


@functools.cache
def _world() -> World:
    w = World(seed=38).background()
    for name, (o, h, d, hs) in ROUTES.items():
        for key in [k for k in w.flows if k[0] == o and k[1] == d and k[2][:2] == hs[:2]]:
            del w.flows[key]  # no direct trade in the chapter: no open channel either
        w.flow(o, h, hs, step(0, 6e6, CUT.get(name, 2022)))
        w.flow(h, d, hs, step(0, 6e6, CUT.get(name, 2022)))
    return w


@pytest.fixture(scope="module")
def alerts(tmp_path_factory):
    return _world().detect(tmp_path_factory.mktemp("reason_by_goods"))


def _score(alerts, name: str) -> float:
    o, h, d, _ = ROUTES[name]
    found = [
        a.score for a in alerts if a.kind == "transshipment" and (a.origin, a.hub, a.destination) == (o, h, d)
    ]
    return max(found, default=0.0)


def test_dual_use_goods_go_round_only_to_a_destination_of_concern(alerts):
    concern = _score(alerts, "dual-use to a destination of concern")
    assert concern >= 50
    # The same route to Brazil keeps half its evidence: processors ship to Brazil openly.
    assert _score(alerts, "dual-use elsewhere") < 0.7 * concern


def test_a_destination_is_of_concern_from_the_year_its_restrictions_began(alerts):
    # Processors sent round to Russia from 2019 had no more reason to go round than to Brazil
    # (Russia's comprehensive restrictions began in 2022, ``hubs.yaml``).
    concern = _score(alerts, "dual-use to a destination of concern")
    early = _score(alerts, "dual-use to Russia before its restrictions")
    assert 0 < early < 0.8 * concern  # without the dates: about the same score


def test_goods_from_a_country_of_concern_keep_their_reason(alerts):
    assert _score(alerts, "dual-use from a country of concern") >= 50


def test_arms_go_round_to_a_conflict_zone_but_not_to_an_ally(alerts):
    conflict = _score(alerts, "arms to a conflict zone")
    assert conflict >= 50
    assert _score(alerts, "arms to an ally") < 0.7 * conflict
