"""Allegations end to end: extract → grade → store → check → STIX, through the service layer."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
import stix2

from detour import claims_service as cs
from detour.ingest import ingest_paths
from detour.service import Context
from tests.check.test_check import panel_rows
from tests.comtrade_fixture import write

ARTICLE = Path(str(resources.files("detour.data").joinpath("samples/article_serbia.txt")))


@pytest.fixture
def ctx(tmp_path, monkeypatch):
    monkeypatch.delenv("DETOUR_CLAIMS_DB", raising=False)
    monkeypatch.delenv("DETOUR_PASSWORD", raising=False)
    monkeypatch.setenv("DETOUR_USER", "analyst")
    ingest_paths(tmp_path / "store", [write(tmp_path / "p.csv", panel_rows())], "comtrade", progress=False)
    return Context.create(tmp_path / "store", "duckdb")


def test_extract_saves_graded_claims_once(ctx):
    first = cs.extract(ctx, str(ARTICLE))
    assert first and all(c["grade"][0] in "ABCDEF" and c["grade"][1] in "123456" for c in first)
    svr = next(c for c in first if c["claimant"] and c["claimant"]["name"] == "SVR")
    assert svr["grade"] == "F4"  # unknown source; hedged allegation
    assert {p["iso3"] for p in svr["via"]} == {"CZE", "BGR"}
    again = cs.extract(ctx, str(ARTICLE))
    assert [c["id"] for c in again] == [c["id"] for c in first]
    assert len(cs.list_claims(ctx)) == len(first)


def test_check_article_records_assessments_and_history(ctx):
    result = cs.check_article(ctx, str(ARTICLE))
    verdicts = {r["claim"]["claim"]["kind"] + "/" + r["claim"]["claim"]["status"]: r["assessment"]["verdict"]
                for r in result["results"]}
    # The panel has Serbian ammunition (930690) flowing to CZE/BGR and on to Ukraine from 2022.
    assert verdicts["supply/reported"] == "supported"           # "exports to CZ and BG rose in 2023"
    assert verdicts["halt/reported"] == "contradicted"          # "halted late 2022" yet exports rose
    assert verdicts["assembly/alleged"] == "not testable"       # heavy-weapon parts: no 9305 in the store
    one = result["results"][0]["claim"]["id"]
    shown = cs.show(ctx, one)
    assert shown["assessments"] and shown["assessments"][0]["verdict"] == result["results"][0]["assessment"]["verdict"]


def test_an_articles_claims_share_one_detector_panel(ctx, panel_builds):
    """The claims of one article are checked on one panel, built once, and each claim's assessment
    is the one it gets when checked alone (on panels of its own)."""
    together = cs.check_article(ctx, str(ARTICLE))
    assert len(panel_builds) == 1
    panel_builds.clear()

    def essentials(a: dict) -> tuple:
        return (a["verdict"], a["confidence"], sorted(a.get("reasons", [])),
                [x["id"] for x in a["alerts"]], [x["id"] for x in a["leads"]],
                [t["sentence"] for t in a["traces"]])

    for r in together["results"]:
        alone = cs.check(ctx, r["claim"]["id"], record=False)
        assert essentials(alone["assessment"]) == essentials(r["assessment"])
    assert len(panel_builds) > 1  # alone, every claim that reaches the detectors builds its own


def test_stix_bundle_round_trips(ctx):
    cs.check_article(ctx, str(ARTICLE))
    text = cs.export_stix(ctx)
    bundle = stix2.parse(text, allow_custom=True)
    kinds = {o.type for o in bundle.objects}
    assert {"report", "relationship", "opinion", "note", "marking-definition"} <= kinds
    again = json.loads(stix2.parse(text, allow_custom=True).serialize())
    assert {o["id"] for o in again["objects"]} == {o.id for o in bundle.objects}
    assert all(0 <= o.confidence <= 100 for o in bundle.objects if o.type in ("opinion", "note")
               and hasattr(o, "confidence"))


def test_edit_is_kept_in_history(ctx):
    [first, *_] = cs.extract(ctx, str(ARTICLE))
    cs.edit(ctx, first["id"], "status", "confirmed")
    shown = cs.show(ctx, first["id"])
    assert shown["claim"]["status"] == "confirmed"
    assert shown["history"][-1]["field"] == "status"


def test_stored_claims_checked_together_share_one_panel(ctx, panel_builds):
    """``claims check ID ID …`` and ``--all``: one panel for all, each assessment as alone, each
    recorded once."""
    ids = [c["id"] for c in cs.extract(ctx, str(ARTICLE))]
    assert len(ids) >= 2
    together = cs.check_many(ctx, ids)
    assert [r["claim"]["id"] for r in together] == ids
    assert len(panel_builds) == 1
    panel_builds.clear()
    for r in together:
        alone = cs.check(ctx, r["claim"]["id"], record=False)
        assert alone["assessment"]["verdict"] == r["assessment"]["verdict"]
        assert alone["assessment"]["confidence"] == r["assessment"]["confidence"]
        assert len(cs.show(ctx, r["claim"]["id"])["assessments"]) == 1  # recorded once, by the batch
    # --all: every claim the user may read
    assert [r["claim"]["id"] for r in cs.check_many(ctx, None, record=False)] == ids


def test_a_batch_with_an_unknown_claim_records_nothing(ctx):
    ids = [c["id"] for c in cs.extract(ctx, str(ARTICLE))]
    with pytest.raises(Exception, match="claim-does-not-exist"):
        cs.check_many(ctx, [ids[0], "claim-does-not-exist"])
    assert cs.show(ctx, ids[0])["assessments"] == []


def test_claims_check_cli_takes_several_ids_or_all(ctx):
    import subprocess
    import sys

    def run(*args: str) -> subprocess.CompletedProcess:
        cmd = [sys.executable, "-m", "detour", "--store", str(ctx.store.root), "claims", "check", *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=600)

    ids = [c["id"] for c in cs.extract(ctx, str(ARTICLE))]
    res = run(*ids[:2], "--format", "json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert [r["claim"]["id"] for r in out] == ids[:2] and all("verdict" in r["assessment"] for r in out)
    res = run("--all", "--format", "table")
    assert res.returncode == 0, res.stderr
    assert "claims checked" in res.stdout and ids[-1] in res.stdout
    res = run(ids[0], "--all")
    assert res.returncode != 0 and "not both" in res.stderr
