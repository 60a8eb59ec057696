"""Transshipment: planted routes found; each innocent look-alike stays quiet."""

from __future__ import annotations

import pytest

from tests.detectors.conftest import involves
from tests.detectors.scenarios import LOOKALIKES


def _kind(alerts, kind):
    return [a for a in alerts if a.kind == kind]


def test_planted_route_same_year(world_alerts):
    found = [
        a
        for a in _kind(world_alerts("transshipment"), "transshipment")
        if (a.origin, a.hub, a.destination) == ("DEU", "ARM", "RUS")
    ]
    assert len(found) == 1
    a = found[0]
    assert a.hs == ("854231",) and a.start == 2022 and a.end == 2024
    assert a.score >= 45
    # Diverted value: about the onward leg's three years (5.5M a year), not more than the inbound leg.
    assert 1.2e7 < a.value_usd < 1.8e7
    assert "stopped" in a.explanation
    legs = {(e.reporter, e.partner, e.flow) for e in a.evidence}
    assert {
        ("DEU", "ARM", "export"),
        ("ARM", "DEU", "import"),
        ("ARM", "RUS", "export"),
        ("RUS", "ARM", "import"),
        ("DEU", "RUS", "export"),
    } <= legs


def test_planted_route_onward_leg_a_year_later(world_alerts):
    found = [
        a
        for a in _kind(world_alerts("transshipment"), "transshipment")
        if (a.origin, a.hub, a.destination) == ("KOR", "KAZ", "RUS")
    ]
    assert len(found) == 1
    assert found[0].start == 2022 and "never existed" in found[0].explanation


def test_planted_routes_rank_first(world_alerts):
    top = _kind(world_alerts("transshipment"), "transshipment")[:2]
    assert {(a.origin, a.hub, a.destination) for a in top} == {("DEU", "ARM", "RUS"), ("KOR", "KAZ", "RUS")}


@pytest.mark.parametrize("name", list(LOOKALIKES["transshipment"]))
def test_lookalike_stays_quiet(world_alerts, name):
    o, h, hs = LOOKALIKES["transshipment"][name]
    hits = [
        a
        for a in _kind(world_alerts("transshipment"), "transshipment")
        if a.origin == o and a.hub == h and hs in a.hs
    ]
    assert hits == [], f"{name}: {[a.to_dict() for a in hits]}"


def test_scope_filters(world_store):
    from detour.detectors import run_detectors
    from detour.engine import get_engine

    store = world_store("transshipment")
    only = run_detectors(get_engine("duckdb"), store, kinds=["transshipment"], hubs=["kaz"])
    assert {a.hub for a in only} == {"KAZ"}
    assert (
        run_detectors(get_engine("duckdb"), store, kinds=["transshipment"], origins=["DEU"], since=2023) == []
    )
    assert involves(only[0], "KOR", "RUS", "853224")
