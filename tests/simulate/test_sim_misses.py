"""The benchmark's account of what it missed (``detour.simulate.misses``): the planted scenarios
found only below place N, and the stage where each missed one stopped, as ``detour trace`` says."""

from __future__ import annotations

from dataclasses import replace

import pytest

from detour.detectors import is_lead, run_detectors
from detour.detectors.trace_pair import ORDER
from detour.engine import get_engine
from detour.simulate.accuracy import matches
from detour.simulate.misses import NO_CANDIDATE, NOT_SCORED, ranked_out, why_missed
from detour.simulate.truth import Scenario, Truth

# The stages ``detour trace`` reports for routes (``detectors.trace``'s docstring) and for pairs.
ROUTE_STAGES = {
    "scoring", "best reading", "one origin", "one destination", "route's codes combined", "threshold",
    "one explanation", "alert",
}  # fmt: skip
STAGES = ROUTE_STAGES | set(ORDER) | {NO_CANDIDATE, NOT_SCORED}


def _alert(kind: str, origin: str, hub: str | None, dest: str, hs: str, score: float) -> dict:
    return {"kind": kind, "origin": origin, "hub": hub, "destination": dest, "hs": [hs], "start": 2022,
            "end": 2023, "score": score}  # fmt: skip


def test_a_scenario_found_below_place_n_is_reported_with_its_rank_and_the_bar():
    scenarios = [
        Scenario("S01", "phantom_export", "DEU", None, "ARM", ["854231"], 2022, 2023, 2e6),
        Scenario("S02", "transshipment", "USA", "GEO", "RUS", ["851762"], 2022, 2024, 5e6),
    ]
    truth = Truth(1, scenarios)
    alerts = [
        _alert("phantom_export", "DEU", None, "ARM", "854239", 80.0),
        _alert("unit_value", "CHN", None, "TUR", "853400", 70.0),  # matches nothing: takes place 2
        _alert("transshipment", "USA", "GEO", "RUS", "851762", 60.0),
    ]
    out = ranked_out(alerts, truth)
    assert [(m["id"], m["rank"], m["score"], m["nth_score"]) for m in out] == [("S02", 2, 60.0, 70.0)]
    # In the first N it is no longer below it; beyond 3N it is missed, not ranked out.
    assert ranked_out([alerts[0], alerts[2], alerts[1]], truth) == []
    filler = [_alert("unit_value", "CHN", None, "TUR", "853400", 65.0)] * 4
    assert ranked_out(alerts[:2] + filler + alerts[2:], truth) == []


@pytest.fixture(scope="module")
def traced(small_ingest, small_run):
    store, _ = small_ingest
    truth = Truth.read(small_run.truth_path)
    engine = get_engine("duckdb")
    found = run_detectors(engine, store, leads=True)
    alerts = [a.to_dict() for a in found if not is_lead(a)]
    # Every scenario traced, as if the run had found none of them and its alerts were leads (the
    # small world's detectors find every scenario, so a lead list of its alerts matches them all).
    everything = why_missed(engine, store, truth, [], alerts)
    # The same scenarios with their hub or partner moved to a country the run flagged nothing
    # through: each must be traced to a stage short of an alert.
    named = {c for a in alerts for c in (a["origin"], a["hub"], a["destination"])}
    countries = sorted({s.origin for s in truth.scenarios} | {s.destination for s in truth.scenarios})
    moved = []
    for s in truth.scenarios:
        others = [c for c in countries if c not in (s.origin, s.hub, s.destination)]
        other = next((c for c in others if c not in named), others[0])
        moved.append(replace(s, hub=other) if s.hub is not None else replace(s, destination=other))
    elsewhere = why_missed(engine, store, Truth(truth.seed, moved), [], [])
    engine.close()
    return truth, alerts, everything, moved, elsewhere


@pytest.mark.slow
def test_every_missed_scenario_is_traced_to_a_stage_the_trace_knows(traced):
    truth, _, everything, _, _ = traced
    assert sorted(m["id"] for m in everything) == sorted(s.id for s in truth.scenarios)
    for m in everything:
        assert m["stage"] in STAGES, m
        assert m["verdict"], m


@pytest.mark.slow
def test_the_trace_agrees_with_the_run_on_what_was_flagged(traced):
    """A scenario the full run flagged is flagged by its trace, at the stage 'alert'; and a route
    a trace flags is among the run's alerts (the trace sees the run's evidence, over one hub)."""
    truth, alerts, everything, _, _ = traced
    by_id = {m["id"]: m for m in everything}
    hit = [s for s in truth.scenarios if any(matches(a, s) for a in alerts)]
    assert hit, "the small world should have flagged scenarios"
    for s in hit:
        assert by_id[s.id]["flagged"] and by_id[s.id]["stage"] == "alert", by_id[s.id]
    flagged_routes = {(a["kind"], a["origin"], a["hub"], a["destination"]) for a in alerts}
    for s in truth.scenarios:
        m = by_id[s.id]
        if s.hub is not None and m["flagged"]:
            assert (s.kind, s.origin, s.hub, s.destination) in flagged_routes, m


@pytest.mark.slow
def test_a_scenario_a_lead_matches_carries_the_leads_score(traced):
    truth, alerts, everything, _, _ = traced
    for m in everything:
        s = next(s for s in truth.scenarios if s.id == m["id"])
        lead = next((a for a in alerts if matches(a, s)), None)
        assert m["lead"] == (None if lead is None else lead["score"]), m
    assert any(m["lead"] is not None for m in everything)


@pytest.mark.slow
def test_a_route_or_pair_nothing_was_flagged_on_stops_short_of_an_alert(traced):
    _, alerts, _, moved, elsewhere = traced
    assert len(elsewhere) == len(moved)
    flagged = {(a["kind"], a["origin"], a["hub"], a["destination"]) for a in alerts}
    for m in elsewhere:
        if (m["kind"], m["origin"], m["hub"], m["destination"]) in flagged:
            continue
        assert m["stage"] in STAGES and m["stage"] != "alert" and not m["flagged"], m
        assert m["lead"] is None
        assert m["verdict"].startswith(("Not flagged", "No ")), m
