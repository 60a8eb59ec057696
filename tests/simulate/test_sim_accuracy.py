"""The accuracy harness: matching rule, scoring, naive baselines, and honesty when detectors are missing."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from detour.simulate.accuracy import DetectorsMissing, load_detectors, matches, score, touches
from detour.simulate.baselines import cosurge_alerts, mirror_gap_alerts
from detour.simulate.truth import Decoy, Scenario, Truth

S = Scenario("S01", "transshipment", "DEU", "ARM", "RUS", ["854231", "854232"], 2022, 2024, 5e6)
P = Scenario("S02", "phantom_export", "FRA", None, "KAZ", ["848210"], 2022, 2023, 2e6)
BASE = {
    "kind": "transshipment", "origin": "DEU", "hub": "ARM", "destination": "RUS",
    "hs": ["854239"],
    "start": 2023,
    "end": 2023,
    "score": 80.0,
}

# (what changes in the alert, does it still match S)
CASES = [
    ({}, True),
    ({"kind": "transformation"}, False),
    ({"origin": "FRA"}, False),
    ({"hub": "KAZ"}, False),
    ({"hub": None}, False),
    ({"destination": "BLR"}, False),
    ({"hs": ["854110"]}, False),  # same chapter, other heading
    ({"hs": ["930690", "854233"]}, True),  # one heading in common is enough
    ({"start": 2024, "end": 2025}, True),  # overlapping years
    ({"start": 2020, "end": 2021}, False),
]


@pytest.mark.parametrize(("change", "expected"), CASES)
def test_matching_rule(change, expected):
    assert matches({**BASE, **change}, S) is expected


def test_scenario_without_hub_ignores_the_alert_hub():
    alert = {
        "kind": "phantom_export", "origin": "FRA", "hub": "XXX", "destination": "KAZ",
        "hs": ["848210"],
        "start": 2022,
        "end": 2022,
    }
    assert matches(alert, P)
    assert not matches({**alert, "destination": "ARM"}, P)


def test_alert_objects_are_accepted():
    from detour.model.alert import Alert

    a = Alert("transshipment", "DEU", "ARM", "RUS", ("854231",), 2022, 2022, 90.0, 1e6, "x")
    assert matches(a, S) and matches(a.to_dict(), S)


def test_each_scenario_counts_once_and_precision_is_over_n():
    truth = Truth(1, [S, P])
    dup = dict(BASE)
    noise = {**BASE, "origin": "USA"}
    s = score(
        [
            dup, dup, noise, noise, noise,
            {
                **BASE,
                **{
                    "kind": "phantom_export", "origin": "FRA", "hub": None, "destination": "KAZ",
                    "hs": ["848250"],
                },
            },
        ],
        truth,
        "t",
    )
    assert (s.n, s.hits_at_n, s.precision_at_n) == (2, 1, 0.5)  # the second copy is not a second hit
    assert (s.found_at_3n, s.recall_at_3n) == (2, 1.0)  # P is found at rank 6 = 3N
    assert s.found == ["S01", "S02"] and s.by_kind["phantom_export"] == [1, 1]
    assert score([dup], truth, "t").precision_at_n == 0.5  # fewer than N alerts count as misses


def test_false_alarms_on_decoys_are_counted():
    nonrep = Decoy("D01", "decoy:non_reporter", ["RUS"], [], 2022, 2024)
    buying = Decoy("D02", "decoy:broad_buying", ["UKR", "POL", "CZE"], ["930690"], 2022, 2024)
    alarm = {
        "kind": "phantom_export", "origin": "CHN", "hub": None, "destination": "RUS",
        "hs": ["845710"],
        "start": 2023,
        "end": 2023,
    }
    assert touches(alarm, nonrep) and not touches({**alarm, "start": 2020, "end": 2021}, nonrep)
    surge = {
        "kind": "transshipment", "origin": "POL", "hub": "CZE", "destination": "UKR",
        "hs": ["930630"],
        "start": 2022,
        "end": 2022,
    }
    assert touches(surge, buying)
    assert not touches({**surge, "destination": "MDA"}, buying)  # not the buyer
    assert not touches({**surge, "origin": "USA", "hub": "TUR"}, buying)  # none of its suppliers
    s = score([alarm, surge], Truth(1, [S, P], [nonrep, buying]), "t")
    assert s.decoys_at_n == 2 and s.decoy_kinds == {"decoy:non_reporter": 1, "decoy:broad_buying": 1}
    assert s.unmatched_kinds == {"phantom_export": 1, "transshipment": 1}
    # An alert that matches a scenario is never counted as taking its place, nor is a chance one
    # beyond the first N.
    hit = {**BASE, "hs": ["854231"]}
    chance = {**surge, "origin": "USA", "hub": "TUR"}
    s = score([hit, chance, alarm], Truth(1, [S, P], [nonrep, buying]), "t")
    assert s.unmatched_kinds == {"transshipment": 1} and s.decoys_at_n == 0


def test_perfect_alerts_score_perfectly(small_panel):
    truth = small_panel.truth
    alerts = [{**s.to_dict(), "score": 100.0} for s in truth.scenarios]
    s = score(alerts, truth, "oracle")
    assert s.precision_at_n == 1.0 and s.recall_at_3n == 1.0 and s.decoys_at_n == 0


def test_naive_baselines_rank_the_store(small_ingest, small_panel):
    from detour.engine import get_engine

    store, _ = small_ingest
    engine = get_engine("duckdb")
    n = len(small_panel.truth.scenarios)
    for alerts in (mirror_gap_alerts(engine, store, 3 * n), cosurge_alerts(engine, store, 3 * n)):
        assert 0 < len(alerts) <= 3 * n
        assert [a["score"] for a in alerts] == sorted((a["score"] for a in alerts), reverse=True)
        for a in alerts:
            assert a["kind"] in ("phantom_export", "undeclared_export", "transshipment")
            assert len(a["hs"]) == 1 and a["start"] == a["end"]
        score(alerts, small_panel.truth, "naive")  # scores without error
    surges = cosurge_alerts(engine, store, 3 * n)
    assert all(a["origin"] != a["destination"] and a["start"] > small_panel.world.years[0] for a in surges)


def _benchmark_script():
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "accuracy.py"
    spec = importlib.util.spec_from_file_location("accuracy_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_missing_detectors_are_reported_never_faked(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "detour.detectors", None)  # import now raises ImportError
    with pytest.raises(DetectorsMissing):
        load_detectors()
    assert _benchmark_script().main(["--seeds", "1"]) == 2
    captured = capsys.readouterr()
    assert "cannot measure accuracy" in captured.err and "precision" not in captured.out


def _run(seed: int, hits: int, found: int, n: int = 12) -> dict:
    s = {"name": "detour", "n": n, "alerts": 40, "hits_at_n": hits, "found_at_3n": found, "decoys_at_n": 1,
         "precision_at_n": hits / n, "recall_at_3n": found / n}
    return {"seed": seed, "n": n, "scores": {"detour": s}, "timings": {"detour": 1.0}}


def test_the_pooled_interval_is_over_seeds_and_holds_the_figure():
    from detour.simulate.accuracy import mean_scores, pool, seed_interval

    assert seed_interval([9, 9, 9, 9], [12] * 4) == [0.75, 0.75]  # seeds that agree: no spread
    lo, hi = seed_interval([12, 6, 12, 6, 12, 6], [12] * 6)
    assert lo < 0.75 < hi and hi - lo > 0.15
    assert seed_interval([12, 6, 12, 6, 12, 6], [12] * 6) == [lo, hi]  # the same resamples every run
    # Twice the seeds, the same spread: a narrower interval.
    lo2, hi2 = seed_interval([12, 6] * 12, [12] * 24)
    assert hi2 - lo2 < hi - lo
    pooled = pool([_run(1, 12, 12), _run(2, 6, 9)])["detour"]
    assert pooled["precision_at_n"] == 18 / 24 and pooled["recall_at_3n"] == 21 / 24
    assert pooled["precision_at_n_95"] == [0.5, 1.0]
    assert mean_scores([])["precision_at_n_95"] == [0.0, 0.0]


def test_merge_pools_runs_and_refuses_a_seed_counted_twice(tmp_path, capsys):
    from detour.errors import DetourError
    from detour.simulate.accuracy import merge, pool

    opts = {"countries": 70, "products": 300}
    a = {"seeds": [1, 2], "options": opts, "runs": [_run(1, 12, 12), _run(2, 6, 9)]}
    b = {"seeds": [3], "options": opts, "runs": [_run(3, 9, 11)]}
    a["pooled"], b["pooled"] = pool(a["runs"]), pool(b["runs"])
    both = merge([a, b])
    assert both["seeds"] == [1, 2, 3] and both["pooled"]["detour"]["precision_at_n"] == 27 / 36
    with pytest.raises(DetourError, match="seed\\(s\\) 3"):
        merge([a, b, b])
    with pytest.raises(DetourError, match="other options"):
        merge([a, {**b, "options": {**opts, "countries": 40}}])
    files = []
    for name, r in (("a.json", a), ("b.json", b)):
        (tmp_path / name).write_text(json.dumps(r))
        files.append(str(tmp_path / name))
    script = _benchmark_script()
    assert script.main(["--merge", *files, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["pooled"]["detour"]["recall_at_3n"] == 32 / 36 and len(out["runs"]) == 3
    assert script.main(["--merge", files[0], files[0]]) == 2
    assert "cannot merge" in capsys.readouterr().err


def test_the_benchmark_tabulates_what_the_top_n_missed(capsys, monkeypatch):
    """Runs that carry ``ranked_out`` (every run) and ``missed`` (``--why``) get their two tables;
    runs without them (older JSON) print neither."""
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps at the terminal's width: one line per row
    script = _benchmark_script()
    below = {"kind": "transshipment", "rank": 13, "score": 41.0, "nth_score": 47.5}
    missed = [
        {"kind": "transformation", "stage": "one origin", "lead": None},
        {"kind": "transshipment", "stage": "threshold", "lead": 21.3},
        {"kind": "transformation", "stage": "threshold", "lead": None},
    ]
    runs = [
        {**_run(1, 10, 11), "ranked_out": [below], "missed": missed},
        {**_run(2, 12, 12), "ranked_out": []},
    ]
    script.print_misses({"runs": runs})
    out = capsys.readouterr().out
    assert "found below place N" in out and "14-14" in out and "6.5 under" in out
    assert "where they stopped (1 seeds traced)" in " ".join(out.split())  # titles wrap to the table
    threshold = next(line for line in out.splitlines() if "threshold" in line)
    assert "2" in threshold and "1" in threshold and "transformation 1, transshipment 1" in threshold
    script.print_misses({"runs": [_run(3, 12, 12)]})
    assert capsys.readouterr().out == ""
    script.print_misses({"runs": [{**_run(4, 12, 12), "ranked_out": [], "missed": []}]})
    assert "no planted scenario missed" in capsys.readouterr().out
