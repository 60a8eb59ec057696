"""``detour trace ORIGIN PARTNER``: a declared pair traced through the phantom-export,
undeclared-export and unit-value detectors agrees with the full run, and says where a look-alike
stopped and why."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from detour.cli.detect import app
from detour.detectors.gaps import ADDED_FLOOR
from detour.detectors.routes.reason import NO_REASON
from detour.detectors.scoring import MIN_PART, Params
from detour.detectors.trace import trace_route
from detour.detectors.trace_pair import COLUMNS, PAIR_KINDS, trace_pair
from detour.engine import get_engine
from detour.errors import ConfigError
from detour.model.codes import country_name


@pytest.fixture(scope="module")
def engine():
    return get_engine("duckdb")


def _row(t, kind, hs):
    rows = t.rows[(t.rows.kind == kind) & (t.rows.hs == hs)]
    assert len(rows) == 1, t.rows[["kind", "hs", "stage"]]
    return rows.iloc[0]


@pytest.mark.parametrize("world", ["gaps", "unit_value", "mixed"])
def test_trace_agrees_with_the_full_run(world_store, world_alerts, engine, world):
    """Every pair alert of a full run is the alert its pair's trace makes, field for field."""
    alerts = [a for a in world_alerts(world) if a.kind in PAIR_KINDS]
    assert alerts, "the fixture world must hold pair alerts"
    for alert in alerts:
        t = trace_pair(engine, world_store(world), alert.origin, alert.destination)
        assert t.flagged, t.verdicts
        traced = {a.id: a for a in t.alerts}
        assert alert.id in traced, (alert.to_dict(), [a.to_dict() for a in t.alerts])
        assert traced[alert.id].to_dict() == alert.to_dict()
        assert t.verdicts[alert.kind].startswith(f"Flagged as {alert.kind}")
        assert f"score {alert.score:.1f}" in t.verdicts[alert.kind]
        mine = t.rows[(t.rows.kind == alert.kind) & (t.rows.stage == "alert")]
        assert set(mine.hs) == set(alert.hs)
        assert (mine.evidence >= t.min_z).all()


def test_importer_hiding_the_chapter(world_store, engine):
    t = trace_pair(engine, world_store("gaps"), "ITA", "IND", kinds=["phantom_export"])
    assert not t.flagged and t.candidates == {"phantom_export": 1}
    row = _row(t, "phantom_export", "930690")
    assert row.stage == "persistence"
    assert row.unknown.startswith("2020–2024: India declared no imports in chapter 93")
    assert "a chapter it hides" in row.unknown
    assert "stopped at 'persistence'" in t.verdicts["phantom_export"]
    assert "nobody could see" in t.verdicts["phantom_export"]


@pytest.mark.parametrize(
    "kind,origin,partner,hs",
    [("phantom_export", "JPN", "VNM", "854231"), ("undeclared_export", "VNM", "JPN", "854231")],
)
def test_partner_that_did_not_report(world_store, engine, kind, origin, partner, hs):
    t = trace_pair(engine, world_store("gaps"), origin, partner, kinds=[kind])
    row = _row(t, kind, hs)
    assert row.stage == "persistence"
    assert row.unknown == f"2023–2024: {country_name('VNM')} did not report"


@pytest.mark.parametrize(
    "kind,origin,partner,hs,words",
    [
        ("phantom_export", "DEU", "KOR", "852691", "South Korea recorded it late"),
        ("undeclared_export", "ITA", "EGY", "854231", "Italy declared it late"),
    ],
)
def test_recorded_late(world_store, engine, kind, origin, partner, hs, words):
    """A new flow one side registered late: a clear break, cut by the recorded-late rule (and, for
    Italy's chips to Egypt, goods that ship there freely, by the want of a reason to hide them)."""
    t = trace_pair(engine, world_store("gaps"), origin, partner, kinds=[kind])
    assert not t.flagged
    row = _row(t, kind, hs)
    assert row.late is True and row.added == pytest.approx(1.0)
    assert row.z_break >= Params().min_z > row.z  # the break alone would have passed
    assert row.reason == ("civil_goods" if kind == "undeclared_export" else "")
    hidden = NO_REASON if row.reason else 1.0
    assert row.z == pytest.approx(row.z_break * ADDED_FLOOR * hidden, abs=2e-3)
    assert row.stage == ("threshold" if row.z >= MIN_PART else "code too weak")
    assert words in row.detail and words in t.verdicts[kind]


def test_constant_mirror_gap_and_exporter_hiding_the_chapter(world_store, engine):
    store = world_store("gaps")
    steady = _row(
        trace_pair(engine, store, "FRA", "EGY", kinds=["phantom_export"]), "phantom_export", "852691"
    )
    assert steady.stage == "code too weak" and steady.z_break < MIN_PART
    hidden = trace_pair(engine, store, "USA", "UKR", kinds=["undeclared_export"])
    row = _row(hidden, "undeclared_export", "930690")
    assert row.stage == "persistence" and "United States declared no exports in chapter 93" in row.unknown


def test_price_lookalikes_are_no_candidates(world_store, engine):
    t = trace_pair(engine, world_store("unit_value"), "KOR", "JPN", kinds=["unit_value"])
    assert t.candidates == {"unit_value": 0} and t.rows.empty
    assert t.verdicts["unit_value"].startswith("No unit_value candidate")
    nothing = trace_pair(engine, world_store("unit_value"), "POL", "NZL")  # no trade at all
    assert all("neither side declared any trade of watched goods" in v for v in nothing.verdicts.values())


def test_bad_input(world_store, engine):
    store = world_store("gaps")
    with pytest.raises(ConfigError, match="ISO3"):
        trace_pair(engine, store, "Germany", "ARM")
    with pytest.raises(ConfigError, match="three countries"):
        trace_pair(engine, store, "DEU", "ARM", kinds=["transshipment"])
    with pytest.raises(ConfigError, match="pair detectors only"):
        trace_pair(engine, store, "DEU", "ARM", kinds=["smuggling"])
    with pytest.raises(ConfigError, match="two countries"):
        trace_route(engine, store, "DEU", "ARM", "RUS", kinds=["phantom_export"])


def _invoke(store, *args):
    obj = {"store": store.root, "engine": "duckdb"}
    return CliRunner().invoke(app, ["trace", *args], obj=obj, env={"COLUMNS": "80"})


@pytest.mark.parametrize(
    "args,words",
    [
        (["DEU"], "two countries"),
        (["DEU", "ARM", "IND", "RUS"], "two countries"),
        (["DEU", "ARM", "--kind", "transformation"], "three countries"),
        (["SRB", "CZE", "UKR", "--kind", "unit_value"], "two countries"),
        (["DE", "ARM"], "ISO3"),
    ],
)
def test_cli_rejects_wrong_countries_for_kind(world_store, args, words):
    res = _invoke(world_store("gaps"), *args)
    assert res.exit_code != 0
    assert isinstance(res.exception, ConfigError) and words in str(res.exception)


def test_cli_json_csv_and_table(world_store):
    store = world_store("gaps")
    res = _invoke(store, "pol", "kaz", "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert (data["origin"], data["partner"], data["flagged"]) == ("POL", "KAZ", True)
    assert data["alerts"][0]["kind"] == "phantom_export" and data["rows"][0]["stage"] == "alert"
    assert set(COLUMNS) <= set(data["rows"][0])
    years = [s for s in data["series"] if s["hs"] == "854239"]
    assert [s["known"] for s in years if s["year"] >= 2022] == [True] * 3
    res = _invoke(store, "ITA", "IND", "--format", "csv")
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert list(rows[0]) == list(COLUMNS) and rows[0]["stage"] == "persistence"
    res = _invoke(store, "DEU", "KOR")
    assert res.exit_code == 0, res.output
    assert "stopped at 'threshold'" in res.stdout and "recorded it late" in res.stdout
    _readable_at_80(res.stdout)


def test_route_table_reads_at_80_columns(world_store):
    res = _invoke(world_store("transformation"), "CZE", "SRB", "UKR")
    assert res.exit_code == 0, res.output
    assert "Flagged as transformation" in res.stdout
    _readable_at_80(res.stdout)
    assert "360200→930690" in res.stdout and "alert" in res.stdout


def _readable_at_80(text: str) -> None:
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in text  # nothing truncated
    head = next(line for line in lines if line.lstrip().startswith("#"))
    assert "kind" in head and "evid." in head and "stage" in head
