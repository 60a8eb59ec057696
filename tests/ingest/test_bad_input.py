"""Each bad input gets a clear error naming file, line and problem, and the store is unchanged."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest

from detour.errors import InputError
from detour.ingest import ingest_paths
from tests.comtrade_fixture import API_COLUMNS, row, write


def snapshot(store_dir: Path) -> dict[str, str]:
    if not store_dir.exists():
        return {}
    return {str(p.relative_to(store_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(store_dir.rglob("*")) if p.is_file() and p.name != ".lock"}


@pytest.fixture
def seeded(tmp_path, store_dir):
    """A store that already holds one good file, so 'unchanged' means something."""
    ingest_paths(store_dir, [write(tmp_path / "good.csv", [row(2020, "SRB", "X", "BGR", "930630", 5.0)])],
                 "comtrade", progress=False)
    return snapshot(store_dir)


def good_rows(n: int = 5) -> list[dict]:
    return [row(2021, "SRB", "X", "CZE", f"93063{i}", 10.0 + i) for i in range(n)]


def expect_error(store_dir, before, path, *needles, fmt="comtrade"):
    with pytest.raises(InputError) as info:
        ingest_paths(store_dir, [path], fmt, progress=False)
    text = str(info.value)
    assert str(path) in text
    for needle in needles:
        assert needle in text, text
    assert snapshot(store_dir) == before
    return info.value


def test_unknown_country_code(tmp_path, store_dir, seeded):
    rows = good_rows()
    rows[3] = dict(rows[3], partnerCode=9998, partnerISO="")
    err = expect_error(store_dir, seeded, write(tmp_path / "x.csv", rows), "line 5", "unknown partner code")
    assert err.rows[0].line == 5


def test_non_numeric_and_negative_values(tmp_path, store_dir, seeded):
    rows = good_rows()
    rows[1] = dict(rows[1], primaryValue="12,5x", fobvalue="12,5x")
    rows[2] = dict(rows[2], primaryValue=-3, fobvalue=-3)
    err = expect_error(store_dir, seeded, write(tmp_path / "x.csv", rows), "line 3: non-numeric value",
                       "line 4: negative value")
    assert err.counts == {"non-numeric value": 1, "negative value": 1}


def test_malformed_row(tmp_path, store_dir, seeded):
    path = write(tmp_path / "x.csv", good_rows())
    lines = path.read_text().splitlines()
    lines[3] = ",".join(lines[3].split(",")[:10])
    path.write_text("\n".join(lines) + "\n")
    expect_error(store_dir, seeded, path, "line 4", "malformed row")


def test_wrong_encoding(tmp_path, store_dir, seeded):
    path = write(tmp_path / "x.csv", good_rows())
    text = path.read_bytes().replace(b"goods", "Côte".encode("latin-1"), 1)
    path.write_bytes(text)
    expect_error(store_dir, seeded, path, "line 2", "not valid UTF-8")


def test_truncated_gzip(tmp_path, store_dir, seeded):
    path = write(tmp_path / "x.csv.gz", good_rows(2000), gz=True)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    expect_error(store_dir, seeded, path, "gzip")


def test_empty_file(tmp_path, store_dir, seeded):
    path = tmp_path / "empty.csv"
    path.write_text("")
    expect_error(store_dir, seeded, path, "file is empty")


def test_header_only(tmp_path, store_dir, seeded):
    path = tmp_path / "header.csv"
    path.write_text(",".join(API_COLUMNS) + "\n")
    expect_error(store_dir, seeded, path, "no data rows")


def test_binary_file(tmp_path, store_dir, seeded):
    path = tmp_path / "blob.csv"
    path.write_bytes(bytes(range(256)) * 50)
    expect_error(store_dir, seeded, path, "binary file")


def test_gzip_of_binary(tmp_path, store_dir, seeded):
    path = tmp_path / "blob.csv.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(b"\x00\x01\x02" * 1000)
    expect_error(store_dir, seeded, path, "binary file")


def test_not_a_comtrade_file(tmp_path, store_dir, seeded):
    path = tmp_path / "other.csv"
    path.write_text("a,b,c\n1,2,3\n")
    expect_error(store_dir, seeded, path, "line 1", "missing columns")


def test_duplicate_declaration(tmp_path, store_dir, seeded):
    rows = good_rows() + [good_rows()[0]]
    expect_error(store_dir, seeded, write(tmp_path / "x.csv", rows), "line 7", "duplicate declaration", "line 2")


def test_bad_file_in_a_batch_keeps_earlier_files_whole(tmp_path, store_dir, seeded):
    ok = write(tmp_path / "ok.csv", good_rows())
    bad = write(tmp_path / "bad.csv", [dict(good_rows()[0], refYear="20x1", period="20x1")])
    with pytest.raises(InputError, match="invalid year"):
        ingest_paths(store_dir, [ok, bad], "comtrade", progress=False)
    files = __import__("json").loads((store_dir / "catalog.json").read_text())["files"]
    assert [Path(f["path"]).name for f in files] == ["good.csv", "ok.csv"]


def test_skip_invalid_reports_counts_by_reason(tmp_path, store_dir, seeded):
    rows = good_rows(6)
    rows[1] = dict(rows[1], partnerCode=9998, partnerISO="")
    rows[2] = dict(rows[2], primaryValue=-1, fobvalue=-1)
    rows[3] = dict(rows[3], netWgt="heavy")
    rows.append(dict(rows[0]))
    path = write(tmp_path / "x.csv", rows)
    lines = path.read_text().splitlines()
    lines.insert(3, "garbage,row")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError):
        ingest_paths(store_dir, [path], "comtrade", progress=False)
    [rep] = ingest_paths(store_dir, [path], "comtrade", skip_invalid=True, progress=False)
    assert rep.skipped == {"unknown partner code": 1, "negative value": 1, "non-numeric netWgt": 1,
                           "duplicate declaration": 1, "malformed row": 1}
    assert rep.rows_written == 3
    import duckdb

    from detour.store import Store

    files = [str(p) for p in Store(store_dir).parquet_files() if "2021" in str(p)]
    # Provenance is the physical line, corrected for the malformed line the parser skipped.
    assert [r[0] for r in duckdb.sql(f"SELECT row FROM read_parquet({files}) ORDER BY row").fetchall()] == [2, 7, 8]


def test_breakdown_rows_without_their_total(tmp_path, store_dir, seeded):
    """A flow present only as transport-mode rows (a filtered extract) would be lost and then
    look undeclared; beside its total, the same breakdown is simply dropped."""
    rows = [row(2021, "USA", "X", "FRA", "930690", 100.0),             # line 2: total
            row(2021, "USA", "X", "FRA", "930690", 60.0, mot=1000),    # line 3: beside its total
            row(2021, "USA", "X", "DEU", "930690", 30.0, mot=1000),    # line 4: no total
            row(2021, "USA", "X", "DEU", "930690", 20.0, mot=2000),    # line 5: no total
            row(2021, "FRA", "M", "USA", "930690", 105.0, month=3),    # line 6: monthly total
            row(2021, "FRA", "M", "USA", "930690", 5.0, month=3, customs="C01")]  # line 7: beside it
    path = write(tmp_path / "filtered.csv", rows)
    expect_error(store_dir, seeded, path, "filtered.csv", "line 4", "no total row", "breakdown without its total")
    [rep] = ingest_paths(store_dir, [path], "comtrade", skip_invalid=True, progress=False)
    assert rep.skipped == {"breakdown without total row": 2}
    assert rep.dropped == {"breakdown beside total": 2}
    assert rep.rows_written == 2
