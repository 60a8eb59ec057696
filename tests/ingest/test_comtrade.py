"""Real-shaped Comtrade+ files reproduce exactly the declared values."""

from __future__ import annotations

import duckdb
import pytest

from detour.engine import get_engine
from detour.ingest import ingest_paths
from detour.store import Store
from tests.comtrade_fixture import row, write


def stored(store_dir) -> list[tuple]:
    files = [str(p) for p in Store(store_dir).parquet_files()]
    if not files:
        return []
    return duckdb.sql(f"SELECT year, month, reporter, partner, flow, hs, value_usd, value_basis, net_kg "
                      f"FROM read_parquet({files}) ORDER BY ALL").fetchall()


QUIRKY = [
    row(2022, "USA", "X", "FRA", "930690", 1000.0),             # Comtrade code 842, ISO 840
    row(2022, "USA", "X", "FRA", "930690", 700.0, mot=1000),    # transport split beside the total
    row(2022, "USA", "X", "FRA", "930690", 300.0, mot=2100),
    row(2022, "USA", "X", "FRA", "930690", 1000.0, customs="C01"),
    row(2022, "USA", "X", "FRA", "930690", 400.0, partner2="DEU"),
    row(2022, "USA", "X", "W00", "930690", 5000.0),             # partner World
    row(2022, "USA", "X", "FRA", "TOTAL", 99999.0, aggr=0),     # commodity aggregates
    row(2022, "USA", "X", "FRA", "93", 1000.0),
    row(2022, "USA", "X", "FRA", "9306", 1000.0),
    row(2022, "FRA", "M", "USA", "930690", 1080.0),             # France 251, CIF
    row(2022, "ITA", "X", "CHE", "854231", 55.5, kg=0.2),       # Italy 381 → Switzerland 757
    row(2022, "NOR", "M", "IND", "854231", 12.0),               # Norway 579 ← India 699
    row(2022, "TWN", "X", "USA", "854232", 7.0),                # Other Asia, nes 490 / S19
    row(2022, "TWN", "RX", "USA", "854232", 3.0),               # re-export kept apart
    row(2022, "USA", "RM", "TWN", "854232", 2.0),               # re-import
    row(2022, "FRA", "XIP", "USA", "930690", 9.0),              # processing: not a sale
]

EXPECTED = [
    (2022, None, "FRA", "USA", "import", "930690", 1080.0, "CIF", 108.0),
    (2022, None, "ITA", "CHE", "export", "854231", 55.5, "FOB", 0.2),
    (2022, None, "NOR", "IND", "import", "854231", 12.0, "CIF", 1.2),
    (2022, None, "TWN", "USA", "export", "854232", 7.0, "FOB", 0.7),
    (2022, None, "TWN", "USA", "re-export", "854232", 3.0, "FOB", 0.3),
    (2022, None, "USA", "FRA", "export", "930690", 1000.0, "FOB", 100.0),
    (2022, None, "USA", "TWN", "re-import", "854232", 2.0, "CIF", 0.2),
]


@pytest.mark.parametrize("bulk,gz", [(False, False), (True, False), (False, True), (True, True)])
def test_quirky_file_reproduces_declared_values(tmp_path, store_dir, bulk, gz):
    path = write(tmp_path / ("f.tsv.gz" if gz else "f.tsv" if bulk else "f.csv"), QUIRKY, bulk=bulk, gz=gz)
    [report] = ingest_paths(store_dir, [path], "comtrade", progress=False)
    assert stored(store_dir) == EXPECTED
    assert report.rows_read == len(QUIRKY) and report.rows_written == len(EXPECTED)
    assert report.dropped == {"breakdown beside total": 4, "partner World": 1, "commodity aggregate": 2,
                              "processing flow": 1}
    # The chapter total is kept apart, never among the declarations (``stored`` above).
    assert report.chapter_rows == 1
    assert chapters(store_dir) == [(2022, None, "USA", "FRA", "export", "93", 1000.0, "FOB", 100.0)]


def chapters(store_dir) -> list[tuple]:
    files = [str(p) for p in Store(store_dir).parquet_files(dataset="chapters")]
    if not files:
        return []
    return duckdb.sql(f"SELECT year, month, reporter, partner, flow, hs, value_usd, value_basis, net_kg "
                      f"FROM read_parquet({files}) ORDER BY ALL").fetchall()


def test_a_bad_chapter_total_is_an_error_and_nothing_is_written(tmp_path, store_dir):
    from detour.errors import InputError

    rows = QUIRKY + [row(2022, "DEU", "X", "FRA", "85", -5.0)]
    with pytest.raises(InputError) as err:
        ingest_paths(store_dir, [write(tmp_path / "bad.csv", rows)], "comtrade", progress=False)
    assert err.value.rows[0].line == len(rows) + 1 and "negative value" in err.value.rows[0].reason
    assert stored(store_dir) == [] and chapters(store_dir) == []


def test_replacing_a_file_replaces_its_chapter_totals(tmp_path, store_dir):
    ingest_paths(store_dir, [write(tmp_path / "a.csv", QUIRKY)], "comtrade", progress=False)
    revised = [dict(r) for r in QUIRKY]
    revised[7]["primaryValue"] = revised[7]["fobvalue"] = 2500.0  # the chapter-93 total
    path = write(tmp_path / "b.csv", revised)
    ingest_paths(store_dir, [path], "comtrade", replace=True, progress=False)
    assert [r[6] for r in chapters(store_dir)] == [2500.0]
    on_disk = sorted((store_dir / "chapters").rglob("*.parquet"))
    assert on_disk == sorted(Store(store_dir).parquet_files(dataset="chapters"))


def test_replace_reads_a_known_file_again(tmp_path, store_dir):
    """A store written before the reader kept chapter totals has none: ``--replace`` reads the same
    file again (ingest alone leaves a known file alone), in place of its own earlier entry."""
    import json

    path = write(tmp_path / "a.csv", QUIRKY)
    ingest_paths(store_dir, [path], "comtrade", progress=False)
    before = stored(store_dir)
    # Make the store look like one written before chapter totals were kept.
    catalog = json.loads((store_dir / "catalog.json").read_text())
    for f in catalog["files"]:
        for part in f.pop("chapters"):
            (store_dir / part["path"]).unlink()
    (store_dir / "catalog.json").write_text(json.dumps(catalog))
    assert chapters(store_dir) == []
    [same] = ingest_paths(store_dir, [path], "comtrade", progress=False)
    assert same.status == "unchanged" and chapters(store_dir) == []
    [again] = ingest_paths(store_dir, [path], "comtrade", replace=True, progress=False)
    assert again.status == "replaced" and again.chapter_rows == 1
    assert chapters(store_dir) == [(2022, None, "USA", "FRA", "export", "93", 1000.0, "FOB", 100.0)]
    assert stored(store_dir) == before  # the detail once, not twice
    store = Store(store_dir)
    assert len(store.files()) == 1
    on_disk = sorted(p for d in ("declarations", "chapters") for p in (store_dir / d).rglob("*.parquet"))
    assert on_disk == sorted(store.parquet_files() + store.parquet_files(dataset="chapters"))


def test_numeric_codes_without_iso_columns(tmp_path, store_dir):
    rows = [row(2021, "USA", "X", "ITA", "930690", 5.0, iso=False), row(2021, "TWN", "M", "CHE", "930690", 6.0, iso=False)]
    ingest_paths(store_dir, [write(tmp_path / "a.csv", rows)], "comtrade", progress=False)
    assert [(r[2], r[3]) for r in stored(store_dir)] == [("TWN", "CHE"), ("USA", "ITA")]


def test_monthly_rows_keep_month_and_annual_refmonth_52_does_not(tmp_path, store_dir):
    rows = [row(2023, "DEU", "X", "ARM", "854231", 10.0, month=m) for m in (1, 2, 12)]
    ingest_paths(store_dir, [write(tmp_path / "m.csv", rows)], "comtrade", progress=False)
    assert [r[1] for r in stored(store_dir)] == [1, 2, 12]


def test_idempotent_and_replace(tmp_path, store_dir):
    path = write(tmp_path / "a.csv", QUIRKY)
    ingest_paths(store_dir, [path], "comtrade", progress=False)
    catalog = (store_dir / "catalog.json").read_bytes()
    [again] = ingest_paths(store_dir, [path], "comtrade", progress=False)
    assert again.status == "unchanged"
    assert (store_dir / "catalog.json").read_bytes() == catalog
    # A revised file for the same reporter-years refuses to double count unless told to replace.
    revised = [dict(r) for r in QUIRKY]
    revised[0]["primaryValue"] = revised[0]["fobvalue"] = 1234.0
    path2 = write(tmp_path / "b.csv", revised)
    from detour.errors import InputError

    with pytest.raises(InputError, match="double count"):
        ingest_paths(store_dir, [path2], "comtrade", progress=False)
    [rep] = ingest_paths(store_dir, [path2], "comtrade", replace=True, progress=False)
    assert rep.status == "replaced" and len(rep.replaced) == 1
    values = {(r[2], r[3], r[4]): r[6] for r in stored(store_dir)}
    assert values[("USA", "FRA", "export")] == 1234.0 and len(stored(store_dir)) == len(EXPECTED)


def test_engine_reads_only_catalogued_parts(tmp_path, store_dir):
    ingest_paths(store_dir, [write(tmp_path / "a.csv", QUIRKY)], "comtrade", progress=False)
    stray = store_dir / "declarations" / "source=comtrade" / "year=2022" / "part-stray.parquet"
    duckdb.sql(f"COPY (SELECT * FROM read_parquet('{Store(store_dir).parquet_files()[0]}')) TO '{stray}'")
    eng = get_engine("duckdb")
    assert eng.execute(eng.declarations(Store(store_dir)).count()) == len(EXPECTED)


def test_a_directory_stands_for_its_data_files(tmp_path, store_dir):
    d = tmp_path / "downloads"
    (d / "2021").mkdir(parents=True)
    write(d / "2021" / "fra.csv", [row(2021, "FRA", "M", "USA", "930690", 10.0)])
    write(d / "usa.csv", [row(2021, "USA", "X", "FRA", "930690", 9.0)])
    (d / ".partial.csv").write_text("not data")
    (d / "country_codes_V202401.csv").write_text("not data either")
    (d / "notes.md").write_text("readme")
    reports = ingest_paths(store_dir, [d], "comtrade", progress=False)
    assert [r.path.split("/")[-1] for r in reports] == ["fra.csv", "usa.csv"]
    assert sorted(r[2] for r in stored(store_dir)) == ["FRA", "USA"]
    empty = tmp_path / "empty"
    empty.mkdir()
    from detour.errors import InputError

    with pytest.raises(InputError, match="no data files"):
        ingest_paths(store_dir, [empty], "comtrade", progress=False)
