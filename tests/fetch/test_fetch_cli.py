"""The ``fetch comtrade`` Typer command against the fake server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from detour.cli.fetch import app, parse_years, split_list
from detour.errors import ConfigError

ARGS = [
    "comtrade",
    "--reporter",
    "USA,FRA",
    "--partner",
    "UKR",
    "--hs",
    "9306",
    "--hs",
    "3602",
    "--years",
    "2022-2023",
    "--min-interval",
    "0",
    "--no-ingest",
]


def test_json_summary_on_stdout(comtrade, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [*ARGS, "--format", "json"], obj={"store": tmp_path})
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["fetch"]["fetched"] == 4 and summary["ingest"] == []
    assert summary["fetch"]["out_dir"] == str(tmp_path / "downloads" / "comtrade")
    assert all(Path(p).is_file() for p in summary["fetch"]["paths"])
    assert {s.params["cmdCode"] for s in comtrade.data_requests()} == {
        "9306,930621,930629,930630,930690,3602,360200"
    }


def test_no_expand_keeps_the_codes_as_given(comtrade, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [*ARGS, "--no-expand"], obj={"store": tmp_path})
    assert result.exit_code == 0, result.output
    assert {s.params["cmdCode"] for s in comtrade.seen} == {"9306,3602"}


def test_table_output_and_out_dir(comtrade, tmp_path: Path) -> None:
    out = tmp_path / "elsewhere"
    result = CliRunner().invoke(app, [*ARGS, "--out", str(out)], obj={"store": tmp_path})
    assert result.exit_code == 0, result.output
    assert "fetched now" in result.stdout and len(list(out.glob("*.csv"))) == 4


def test_store_falls_back_to_the_setting(comtrade, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DETOUR_STORE", str(tmp_path / "st"))
    result = CliRunner().invoke(app, [*ARGS, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "st" / "downloads" / "comtrade").glob("*.csv"))) == 4


def test_bad_key_exits_non_zero_with_the_hint(comtrade, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("DETOUR_COMTRADE_KEY", "wrong")
    result = CliRunner().invoke(app, ARGS, obj={"store": tmp_path})
    assert result.exit_code != 0 and "DETOUR_COMTRADE_KEY" in str(result.exception)


@given(st.integers(1962, 2100), st.integers(0, 20))
def test_year_ranges(first: int, span: int) -> None:
    last = min(2100, first + span)
    assert parse_years(f"{first}-{last}") == list(range(first, last + 1))
    assert parse_years(f"{last},{first}") == sorted({first, last})


@pytest.mark.parametrize("bad", ["", "2023-2019", "twenty", "1900", "2019-"])
def test_bad_years(bad: str) -> None:
    with pytest.raises(ConfigError):
        parse_years(bad)


def test_split_list() -> None:
    assert split_list(["USA, FRA", "SRB", " "]) == ["USA", "FRA", "SRB"]
    assert split_list(None) == []
