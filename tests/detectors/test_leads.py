"""Leads (``run_detectors(leads=True)``, ``detect --leads``): evidence under the threshold, kept
after every alert without changing any alert.

The gap world's late-recording look-alike on the phantom side (a flow the importer registered
only from its third year) has evidence under the threshold: no alert, but a lead with the
threshold's own words.
"""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from detour.cli.detect import app
from detour.detectors import Params, is_lead, run_detectors
from detour.detectors.scoring import LEAD_Z, Z_CLEAR, Z_MIN, to_score
from detour.engine import get_engine


def test_leads_follow_the_alerts_and_change_none_of_them(world_store, world_alerts):
    store = world_store("gaps")
    alerts = world_alerts("gaps")
    ranked = run_detectors(get_engine("duckdb"), store, leads=True)
    head = [a for a in ranked if not is_lead(a)]
    leads = [a for a in ranked if is_lead(a)]
    assert [(a.id, a.score, a.explanation) for a in head] == [(a.id, a.score, a.explanation) for a in alerts]
    assert ranked == head + leads  # every lead after every alert
    # ITA -> EGY's late record (undeclared, 854231) kept no lead: chips ship freely to Egypt, so
    # Italy had no reason to hide them (``gap_reason``), and its evidence fell under the floor.
    assert {(a.kind, a.origin, a.destination) for a in leads} == {("phantom_export", "DEU", "KOR")}
    floor = to_score(LEAD_Z, "phantom_export")
    assert all(floor <= a.score < 25 for a in leads)
    assert all(a.explanation.startswith("Lead, under the evidence threshold: ") for a in leads)
    assert not any(a.explanation.startswith("Lead") for a in head)


def test_a_lower_lead_floor_keeps_more_and_the_threshold_still_rules(world_store):
    assembly = world_store("transformation")
    default = run_detectors(get_engine("duckdb"), assembly, leads=True)
    lower = run_detectors(get_engine("duckdb"), assembly, params=Params(lead_z=0.5))
    assert {a.id for a in default} < {a.id for a in lower}
    assert [a.id for a in lower if not is_lead(a)] == [a.id for a in default if not is_lead(a)]
    store = world_store("gaps")
    some = run_detectors(get_engine("duckdb"), store, leads=True)
    # A stricter threshold turns alerts into leads; nothing under the floor is kept.
    strict = run_detectors(get_engine("duckdb"), store, params=Params(min_z=20.0, lead_z=2.5))
    assert {a.id for a in strict} == {a.id for a in some}
    assert sum(is_lead(a, Params(min_z=20.0)) for a in strict) > sum(is_lead(a) for a in some)


def test_score_is_continuous_and_monotone_through_the_threshold():
    zs = np.linspace(0.01, 30, 3000)
    for kind in Z_CLEAR:
        s = np.array([to_score(z, kind) for z in zs])
        assert (np.diff(s) >= 0).all(), kind
        assert abs(to_score(Z_MIN - 1e-9, kind) - to_score(Z_MIN, kind)) < 0.01
        assert to_score(LEAD_Z, kind) == round(25 * LEAD_Z / Z_MIN, 2)


def test_detect_cli_lists_leads_only_when_asked(world_store):
    store = world_store("gaps")

    def run(*extra):
        result = CliRunner().invoke(
            app, ["detect", *extra], obj={"store": store.root, "engine": "duckdb"}
        )
        assert result.exit_code == 0, result.output
        return result.stdout

    plain = json.loads(run("--format", "json"))
    with_leads = json.loads(run("--format", "json", "--leads"))
    assert [a["id"] for a in with_leads[: len(plain)]] == [a["id"] for a in plain]
    assert len(with_leads) == len(plain) + 1 and all(a["score"] < 25 for a in with_leads[len(plain) :])
    assert "1 lead (" in run("--leads") and "lead" not in run()
