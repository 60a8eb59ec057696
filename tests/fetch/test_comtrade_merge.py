"""Merging chunk files into one file per reporter-year, the unit the store ingests."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

from detour.cli.fetch import app
from detour.fetch import COMTRADE_FIELDS, fetch_comtrade, merge_for_ingest
from detour.fetch.comtrade_merge import DECLARATION


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == COMTRADE_FIELDS
        return list(reader)


def _no_repeats(rows: list[dict[str, str]]) -> None:
    counts = Counter(tuple(r[k] for k in DECLARATION) for r in rows)
    assert max(counts.values()) == 1


def test_one_file_per_reporter_year_holding_every_chunk(comtrade, make_client, tmp_path: Path) -> None:
    hs = ["930100", "930200", "930310", "930320", "930330"]
    result = fetch_comtrade(
        ["USA", "FRA"],
        ["UKR", "SRB"],
        hs,
        [2021, 2022],
        out_dir=tmp_path,
        client=make_client(),
        hs_group_size=2,
    )
    merged = merge_for_ingest(tmp_path, result.paths, COMTRADE_FIELDS)
    assert [p.name for p in merged] == [
        "A-251-2021.csv",
        "A-251-2022.csv",
        "A-842-2021.csv",
        "A-842-2022.csv",
    ]
    assert sum(len(_read(p)) for p in merged) == result.rows_fetched == 2 * 2 * 5 * 2 * 4
    for path in merged:
        rows = _read(path)
        _no_repeats(rows)
        assert {r["cmdCode"] for r in rows} == set(hs)
        assert len({(r["reporterCode"], r["refYear"]) for r in rows}) == 1


def test_later_runs_add_codes_and_newer_rows_win(comtrade, make_client, tmp_path: Path) -> None:
    first = fetch_comtrade(
        ["SRB"], ["BGR"], ["930690"], [2022], flows=["X"], out_dir=tmp_path, client=make_client()
    )
    comtrade.revision = 1  # a later data release: same declarations, revised values
    second = fetch_comtrade(
        ["SRB"], None, ["930690", "930630"], [2022], flows=["X"], out_dir=tmp_path, client=make_client()
    )
    (merged,) = merge_for_ingest(tmp_path, second.paths, COMTRADE_FIELDS)
    rows = _read(merged)
    _no_repeats(rows)
    old = {r["primaryValue"] for r in _read(first.paths[0])}
    new = {(r["partnerCode"], r["cmdCode"]): r["primaryValue"] for r in _read(second.paths[0])}
    assert {(r["partnerCode"], r["cmdCode"]): r["primaryValue"] for r in rows} == new
    assert not old & set(new.values())


def test_classic_and_plus_runs_merge_without_double_totals(comtrade, make_client, tmp_path: Path) -> None:
    fetch_comtrade(["SRB"], ["BGR"], ["930690"], [2022], flows=["X"], out_dir=tmp_path, client=make_client())
    plus = fetch_comtrade(
        ["SRB"],
        ["BGR"],
        ["930690"],
        [2022],
        flows=["X"],
        breakdown="plus",
        out_dir=tmp_path,
        client=make_client(),
    )
    (merged,) = merge_for_ingest(tmp_path, plus.paths, COMTRADE_FIELDS)
    rows = _read(merged)
    _no_repeats(rows)
    assert sorted(r["motCode"] for r in rows) == ["0", "1000", "2100", "3200"]


def test_cli_ingests_merged_files_and_reruns_are_unchanged(comtrade, tmp_path: Path) -> None:
    args = [
        "comtrade",
        "-r",
        "SRB",
        "-p",
        "BGR,CZE",
        "--hs",
        "930690,930630,930621",
        "--years",
        "2022",
        "--max-codes",
        "1",
        "--min-interval",
        "0",
        "--format",
        "json",
    ]

    def run(*extra: str) -> dict:
        result = CliRunner().invoke(app, [*args, *extra], obj={"store": tmp_path / "store"})
        assert result.exit_code == 0, (result.output, result.exception)
        return json.loads(result.stdout)

    summary = run()
    assert summary["fetch"]["fetched"] == 3 and len(summary["merged"]) == 1
    (report,) = summary["ingest"]
    assert report["status"] == "ingested" and report["rows_written"] == 3 * 2 * 4
    assert run()["ingest"][0]["status"] == "unchanged"
    args[6] = "930690,930630,930621,930629"  # one more code for the same reporter-year
    bigger = CliRunner().invoke(app, args, obj={"store": tmp_path / "store"})
    assert bigger.exit_code != 0 and "--replace" in str(bigger.exception)
    replaced = run("--replace")["ingest"][0]
    assert replaced["status"] == "replaced" and replaced["rows_written"] == 4 * 2 * 4
