"""The parallel pyarrow reader stores exactly what DuckDB's own reader stores, row numbers
included, and hands every file it cannot read to DuckDB's reader, which names the line."""

from __future__ import annotations

import gzip

import duckdb
import pytest

from detour.ingest import ingest_paths
from detour.ingest.arrow_source import ArrowSource
from detour.store import Store
from tests.comtrade_fixture import row, write
from tests.ingest.test_bad_input import expect_error, seeded  # noqa: F401 - fixture
from tests.ingest.test_comtrade import QUIRKY


def everything(store_dir) -> list[tuple]:
    files = [str(p) for p in Store(store_dir).parquet_files()]
    return duckdb.sql(f"SELECT * FROM read_parquet({files}) ORDER BY row").fetchall()


def many_rows(n: int) -> list[dict]:
    partners = ["FRA", "DEU", "CZE", "BGR", "USA", "IND", "CHE", "NOR"]
    return [row(2021, "SRB", "X", partners[i % 8], f"{930000 + i // 8:06d}", 10.0 + i) for i in range(n)]


@pytest.fixture
def spy(monkeypatch):
    """Counts the streams the pipeline opened."""
    opened: list[ArrowSource] = []
    register = ArrowSource.register

    def counting(self, con):
        opened.append(self)
        return register(self, con)

    monkeypatch.setattr(ArrowSource, "register", counting)
    return opened


@pytest.mark.parametrize("bulk,gz", [(False, False), (True, False), (False, True), (True, True)])
def test_same_rows_and_lines_as_duckdb_reader(tmp_path, monkeypatch, spy, bulk, gz):
    rows = QUIRKY + many_rows(30_000)  # several pyarrow blocks
    path = write(tmp_path / ("f.tsv.gz" if gz else "f.tsv" if bulk else "f.csv"), rows, bulk=bulk, gz=gz)
    [fast] = ingest_paths(tmp_path / "fast", [path], "comtrade", progress=False)
    assert len(spy) == 1 and fast.parser == "pyarrow"
    monkeypatch.setenv("DETOUR_PARALLEL_CSV", "0")
    [slow] = ingest_paths(tmp_path / "slow", [path], "comtrade", progress=False)
    assert len(spy) == 1 and slow.parser == "duckdb"
    assert everything(tmp_path / "fast") == everything(tmp_path / "slow")
    assert dict(fast.to_dict(), parser="") == dict(slow.to_dict(), parser="")
    lines = {r[-1] for r in everything(tmp_path / "fast")}  # provenance row = line, header = 1
    assert min(lines) == 2 and max(lines) == len(rows) + 1


@pytest.mark.parametrize("gz", [False, True])
def test_latin1_past_the_sniffer_names_its_line(tmp_path, store_dir, seeded, spy, gz):  # noqa: F811
    """Even in a column no reader uses: the file is not UTF-8, and its names may be garbled."""
    path = write(tmp_path / "x.csv", many_rows(40_000))
    lines = path.read_bytes().split(b"\n")
    lines[35_000] = lines[35_000].replace(b"goods", "Côte".encode("latin-1"), 1)  # 9 MB in, past the sniffer
    data = b"\n".join(lines)
    if gz:
        path = tmp_path / "x.csv.gz"
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    expect_error(store_dir, seeded, path, "line 35001: not valid UTF-8 at byte 91 (b'\\xf4te,')")
    assert len(spy) == 1


def test_malformed_row_deep_in_the_file(tmp_path, store_dir, seeded, spy):  # noqa: F811
    path = write(tmp_path / "x.csv", many_rows(40_000))
    lines = path.read_text().split("\n")
    lines[30_000] = ",".join(lines[30_000].split(",")[:10])
    path.write_text("\n".join(lines))
    expect_error(store_dir, seeded, path, "line 30001", "malformed row")


def test_quoted_newline_falls_back_and_keeps_values(tmp_path, store_dir, spy):
    rows = many_rows(10)
    rows[4] = dict(rows[4], cmdDesc="Parts of\nweapons")
    path = write(tmp_path / "x.csv", rows)
    [rep] = ingest_paths(store_dir, [path], "comtrade", progress=False)
    assert len(spy) == 1 and rep.parser == "duckdb" and rep.rows_written == 10
    values = sorted(r[9] for r in everything(store_dir))
    assert values == [10.0 + i for i in range(10)]
