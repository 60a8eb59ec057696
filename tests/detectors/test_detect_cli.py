"""``detour detect`` and ``detour hub``: table, JSON and CSV output over a real store."""

from __future__ import annotations

import csv
import io
import json

import typer
from typer.testing import CliRunner

from detour.cli.detect import app, register
from detour.model.alert import Alert


def _invoke(store, *args):
    result = CliRunner().invoke(app, list(args), obj={"store": store.root, "engine": "duckdb"})
    assert result.exit_code == 0, result.output
    return result


def test_json_is_the_alert_contract_sorted_by_score(world_store, world_alerts):
    out = json.loads(_invoke(world_store("mixed"), "detect", "--format", "json").stdout)
    assert [a["id"] for a in out] == [a.id for a in world_alerts("mixed")]
    assert [a["score"] for a in out] == sorted((a["score"] for a in out), reverse=True)
    assert all(Alert.from_dict(a).id == a["id"] for a in out)


def test_filters_and_csv(world_store):
    text = _invoke(
        world_store("mixed"),
        "detect",
        "--format",
        "csv",
        "--kind",
        "phantom_export",
        "--kind",
        "undeclared_export",
        "--origin",
        "pol,tur",
    ).stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {(r["kind"], r["origin"], r["destination"]) for r in rows} == {
        ("phantom_export", "POL", "KAZ"),
        ("undeclared_export", "TUR", "UKR"),
    }
    assert all(r["hub"] == "" for r in rows)


def test_hub_filter_matches_declared_partner_of_gap_alerts(world_store):
    out = json.loads(_invoke(world_store("mixed"), "detect", "--format", "json", "--hub", "KAZ").stdout)
    assert [(a["kind"], a["destination"]) for a in out] == [("phantom_export", "KAZ")]


def test_table_goes_to_stdout(world_store):
    out = _invoke(world_store("mixed"), "detect", "--watchlist", "arms", "--since", "2023").stdout
    assert "1 alert" in out and "TUR" in out and "854231" not in out  # only the 2023 undeclared flow


def test_hub_view_json(world_store):
    d = json.loads(
        _invoke(world_store("mixed"), "hub", "ARM", "--destination", "RUS", "--format", "json").stdout
    )
    assert d["hub"] == "ARM" and d["destination"] == "RUS" and d["break_year"] == 2022
    assert d["substitution_ratio"] is not None and len(d["rows"]) == 6


def test_register_adds_the_detection_commands():
    root = typer.Typer()
    register(root)
    assert {c.name for c in root.registered_commands} == {"detect", "hub", "trace"}
