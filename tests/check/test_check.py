"""Claims against a real-shaped panel: verdicts, evidence, and 'not testable' when data is absent."""

from __future__ import annotations

import pytest

from detour.check import check_claim, goods
from detour.ingest import ingest_paths
from detour.model.claim import Claim, Items, Party, Period
from detour.service import Context
from tests.comtrade_fixture import row, write

SRB, CZE, BGR, UKR, DEU = (Party(n, i) for n, i in (("Serbia", "SRB"), ("Czechia", "CZE"), ("Bulgaria", "BGR"),
                                                      ("Ukraine", "UKR"), ("Germany", "DEU")))


def panel_rows() -> list[dict]:
    rows = []
    for year in range(2017, 2025):
        surge = year >= 2022
        for hub in ("CZE", "BGR"):
            v = 2e6 if surge else 1e5
            rows += [row(year, "SRB", "X", hub, "930690", v), row(year, hub, "M", "SRB", "930690", v * 1.05)]
            w = 5e6 if surge else 2e5
            rows += [row(year, hub, "X", "UKR", "930690", w), row(year, "UKR", "M", hub, "930690", w * 1.05)]
        # An unrelated, steady flow so every reporter reports something every year.
        rows += [row(year, "DEU", "X", "SRB", "847130", 3e6), row(year, "SRB", "M", "DEU", "847130", 3.1e6)]
        rows += [row(year, "SRB", "X", "DEU", "930630", 4e5 if year < 2023 else 5e4),
                 row(year, "DEU", "M", "SRB", "930630", (4e5 if year < 2023 else 5e4) * 1.04)]
    return rows


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("check")
    ingest_paths(tmp / "store", [write(tmp / "p.csv", panel_rows())], "comtrade", progress=False)
    return Context.create(tmp / "store", "duckdb")


def claim(**kw) -> Claim:
    base = dict(kind="assembly", supplier=(SRB,), recipient=(UKR,), via=(CZE, BGR),
                items=Items(("ammunition",), ("9306",), ("ML3",)), period=Period("2022-01-01", "2024-12-31"),
                modality=("covert", "falsified documents"), status="alleged", published="2025-05-30")
    base.update(kw)
    return Claim(**base)


def test_route_claim_supported_with_evidence(ctx):
    a = check_claim(ctx, claim())
    assert a["verdict"] == "supported", a["reasons"]
    answers = {q["leg"]: q["answer"] for q in a["questions"]}
    assert answers["SRB → BGR+CZE"] == "rises" and answers["BGR+CZE → UKR"] == "rises"
    assert answers["SRB → UKR"] == "none"
    assert 0 < a["confidence"] <= 95 and a["settle"]
    ev = a["evidence"]
    assert {e["reporter"] for e in ev} >= {"SRB", "CZE", "BGR", "UKR"}
    assert all({"year", "reporter", "partner", "flow", "hs", "value"} <= set(e) for e in ev)


def test_goods_outside_the_store_are_not_testable(ctx):
    a = check_claim(ctx, claim(items=Items(("drones",), ("8806",), ("ML10",))))
    assert a["verdict"] == "not testable" and a["confidence"] == 0
    assert any("8806" in s for s in a["settle"])


def test_claim_without_goods_is_not_testable(ctx):
    assert check_claim(ctx, claim(items=Items(("help",), (), ())))["verdict"] == "not testable"


def test_period_outside_the_store_is_not_testable(ctx):
    a = check_claim(ctx, claim(period=Period("2030-01-01", "2030-12-31")))
    assert a["verdict"] == "not testable"


def test_covert_claim_without_declared_trade_is_not_supported_never_contradicted(ctx):
    a = check_claim(ctx, claim(via=(), recipient=(DEU,), supplier=(SRB,), items=Items(("rifles",), ("9301",), ())))
    assert a["verdict"] in ("not supported", "not testable")
    assert a["verdict"] != "contradicted"


def test_reported_rise_that_was_a_fall_is_contradicted(ctx):
    c = claim(kind="supply", via=(), recipient=(DEU,), items=Items(("ammunition",), ("930630",), ()),
              modality=(), period=Period("2023-01-01", "2024-12-31"), status="reported")
    assert check_claim(ctx, c)["verdict"] == "contradicted"


def test_denial_of_a_supported_supply_is_contradicted(ctx):
    assert check_claim(ctx, claim(status="denied"))["verdict"] == "contradicted"


def test_goods_fall_back_to_military_list():
    assert goods(claim(items=Items(("shells",), (), ("ML3",)))) == ["9306"]
    assert goods(claim(items=Items(("parts",), ("930591",), ()))) == ["9305"]


def test_a_matching_lead_lifts_not_supported_to_partly_supported(tmp_path):
    """Egypt recorded Italian cartridges two years before Italy declared them (the gap world's
    late-registration shape, in arms): too weak for an alert (a late registration looks the
    same), a lead. Italy's other ammunition to Egypt runs flat and large, so a covert-supply claim
    over the heading has no rising leg and no mirror gap of its own: only the lead speaks. (The
    gap world's own late record, chips, is no lead: chips ship freely to Egypt, so Italy had no
    reason to hide them, ``gap_reason``.)"""
    from tests.detectors.scenarios import gap_world
    from tests.detectors.world import YEARS

    w = gap_world()
    for hs in ("930630", "930690"):
        w.flows.pop(("ITA", "EGY", hs), None)
    w.flow("ITA", "EGY", "930690", 2e7)
    late = {y: (1e6 if y >= 2019 else 0.0) for y in YEARS}
    w.flow("ITA", "EGY", "930630", late, x_years=set(range(2021, 2025)))
    store = w.ingest(tmp_path)
    c = claim(kind="supply", supplier=(Party("Italy", "ITA"),), recipient=(Party("Egypt", "EGY"),), via=(),
              items=Items(("cartridges",), ("9306",), ()), period=Period("2019-01-01", "2024-12-31"))
    a = check_claim(Context.create(store.root, "duckdb"), c)
    assert a["alerts"] == []
    assert [(x["kind"], x["origin"], x["destination"], x["hs"]) for x in a["leads"]] == [
        ("undeclared_export", "ITA", "EGY", ["930630"])
    ]
    assert all(x["score"] < 25 for x in a["leads"])
    assert a["verdict"] == "partly supported", a["reasons"]
    assert any("lead(s)" in r for r in a["reasons"])


def test_a_claimed_route_no_alert_names_is_traced(ctx):
    """Germany is named as a second assembler; Serbia's sales to it fell and it sold Ukraine nothing,
    so the check says why the route detectors did not flag that route (``detour trace``)."""
    a = check_claim(ctx, claim(via=(CZE, DEU)))
    named = {(x["origin"], x["hub"], x["destination"]) for x in a["alerts"] + a["leads"]}
    traced = {(t["origin"], t["hub"], t["destination"]): t for t in a["traces"]}
    assert ("SRB", "DEU", "UKR") in traced and not traced[("SRB", "DEU", "UKR")]["flagged"]
    assert set(traced).isdisjoint(named)
    assert list(traced[("SRB", "DEU", "UKR")]["verdicts"]) == ["transformation"]  # an assembly claim
    why = "route SRB → DEU → UKR (detour trace): transformation: No transformation candidate"
    assert any(r.startswith(why) for r in a["reasons"]), a["reasons"]


def test_a_claims_detector_run_and_its_traces_share_one_panel(ctx, panel_builds):
    """The claim above runs the detectors once and traces a route: one panel serves both."""
    a = check_claim(ctx, claim(via=(CZE, DEU)))
    assert a["traces"] and len(panel_builds) == 1

