"""A small world builds (its speed is measured by benchmarks, not asserted here), and the CLI
shell prints a machine-readable summary."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from detour.cli.simulate import app
from detour.simulate import simulate


def test_small_world_builds(tmp_path):
    result = simulate(tmp_path, 11, countries=16, products=30, years=(2019, 2023))
    assert result.scenarios > 0 and result.rows_written > result.declarations > 0


def test_cli_json_summary(tmp_path):
    out = tmp_path / "panel"
    res = CliRunner().invoke(
        app,
        [
            str(out),
            "--seed", "5", "--countries", "16", "--products", "30", "--years", "2019-2023", "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["seed"] == 5 and summary["truth"] == str(out / "truth.json")
    assert all((out / "comtrade").joinpath(p.split("/")[-1]).exists() for p in summary["paths"])
    assert sum(summary["scenario_kinds"].values()) == summary["scenarios"]


def test_cli_rejects_a_bad_year_range(tmp_path):
    res = CliRunner().invoke(app, [str(tmp_path), "--years", "2020-2021"])
    assert res.exit_code != 0
    assert "four years" in str(res.exception) or "four years" in res.output
