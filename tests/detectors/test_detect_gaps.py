"""Phantom and undeclared exports: planted gaps found; CIF/FOB margins, hidden chapters,
silent years and one-year holes stay quiet."""

from __future__ import annotations

import pytest

from tests.detectors.scenarios import LOOKALIKES


def _kind(alerts, kind):
    return [a for a in alerts if a.kind == kind]


def test_planted_phantom_export(world_alerts):
    found = _kind(world_alerts("gaps"), "phantom_export")
    assert [(a.origin, a.hub, a.destination, a.hs) for a in found] == [("POL", None, "KAZ", ("854239",))]
    a = found[0]
    assert (a.start, a.end) == (2022, 2024) and a.score >= 60
    assert 2.4e7 < a.value_usd < 2.9e7  # three years of 9M declared, none recorded
    assert {e.flow for e in a.evidence if e.year >= 2022} == {"export"}  # the importer's side is silent


def test_planted_undeclared_exports(world_alerts):
    found = {(a.origin, a.destination): a for a in _kind(world_alerts("gaps"), "undeclared_export")}
    assert set(found) == {("TUR", "UKR"), ("SRB", "CZE")}
    assert (found["TUR", "UKR"].start, found["TUR", "UKR"].end) == (2023, 2024)
    assert found["SRB", "CZE"].start == 2022 and found["SRB", "CZE"].hub is None
    assert "never declared" in found["SRB", "CZE"].explanation


@pytest.mark.parametrize(
    "kind,name", [(k, n) for k in ("phantom_export", "undeclared_export") for n in LOOKALIKES[k]]
)
def test_lookalike_stays_quiet(world_alerts, kind, name):
    o, d, hs = LOOKALIKES[kind][name]
    hits = [
        a for a in _kind(world_alerts("gaps"), kind) if a.origin == o and a.destination == d and hs in a.hs
    ]
    assert hits == [], f"{name}: {[a.to_dict() for a in hits]}"


def test_nothing_else_in_the_gap_world(world_alerts):
    assert {a.kind for a in world_alerts("gaps")} == {"phantom_export", "undeclared_export"}
