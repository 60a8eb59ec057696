"""The command line as a user runs it: real subprocesses, JSON on stdout, errors on stderr."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.comtrade_fixture import row, write

ROOT = Path(__file__).resolve().parents[2]


def detour(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "detour", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"detour {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


@pytest.fixture
def files(tmp_path):
    a = write(tmp_path / "a.csv", [row(2022, "SRB", "X", "BGR", "930630", 500.0),
                                   row(2022, "SRB", "X", "W00", "930630", 900.0),
                                   row(2022, "BGR", "M", "SRB", "930630", 530.0),
                                   row(2022, "BGR", "X", "UKR", "930630", 450.0)])
    return a


def test_ingest_mirror_store_json(tmp_path, files):
    store = str(tmp_path / "s")
    out = json.loads(detour("--store", store, "ingest", str(files), "--output", "json").stdout)
    assert out[0]["status"] == "ingested" and out[0]["rows_written"] == 3
    assert out[0]["dropped"] == {"partner World": 1}
    again = json.loads(detour("--store", store, "ingest", str(files), "-o", "json").stdout)
    assert again[0]["status"] == "unchanged"
    rows = json.loads(detour("--store", store, "mirror", "--format", "json").stdout)
    by = {(r["exporter"], r["importer"]): r for r in rows}
    assert set(by) == {("SRB", "BGR"), ("BGR", "UKR")}
    srb = by[("SRB", "BGR")]
    for key in ("year", "exporter", "importer", "hs", "export_value", "import_value", "gap", "flags"):
        assert key in srb
    assert srb["export_value"] == 500.0 and srb["import_value"] == 530.0 and srb["flags"] == []
    bgr = by[("BGR", "UKR")]
    assert bgr["import_value"] is None and bgr["flags"] == ["importer_not_reporting_year"]
    info = json.loads(detour("--store", store, "store", "--format", "json").stdout)
    assert info["rows"] == 3 and info["sources"]["comtrade"]["years"] == [2022]
    csv_out = detour("--store", store, "mirror", "--format", "csv", "--exporter", "SRB").stdout.splitlines()
    assert csv_out[0].startswith("year,exporter,importer,hs,export_value") and len(csv_out) == 2


def test_bad_file_exits_2_with_file_and_line(tmp_path):
    bad = write(tmp_path / "bad.csv", [dict(row(2022, "SRB", "X", "BGR", "930630", 5.0), primaryValue=-5.0)])
    proc = detour("--store", str(tmp_path / "s"), "ingest", str(bad), check=False)
    assert proc.returncode == 2
    assert str(bad) in proc.stderr and "line 2: negative value" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "s" / "catalog.json").exists()


def test_every_command_has_help_and_example():
    top = detour("--help").stdout
    commands = [c for c in ("ingest", "store", "mirror", "reliability", "report", "demo", "fetch") if c in top]
    assert len(commands) == 7
    readme = (ROOT / "README.md").read_text()
    for command in commands:
        assert f"detour {command}" in readme or "detour --store" in readme, command
        assert "Example" in detour(command, "--help").stdout or command == "fetch"
