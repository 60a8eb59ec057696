"""Mapped CSV sources: Eurostat-, national- and IMF-shaped files through YAML mappings."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from detour.errors import ConfigError, InputError
from detour.ingest import ingest_paths
from detour.store import Store

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "roundabout"


def rows(store_dir) -> list[tuple]:
    files = [str(p) for p in Store(store_dir).parquet_files()]
    return duckdb.sql(f"SELECT source, year, month, reporter, partner, flow, hs, round(value_usd, 2), value_basis "
                      f"FROM read_parquet({files}) ORDER BY ALL").fetchall()


def test_eurostat_monthly_in_eur(tmp_path, store_dir):
    f = tmp_path / "eurostat.csv"
    f.write_text("reporter,partner,flow,year_month,value_eur,source_folder\n"
                 "\"Germany (incl. German Democratic Republic 'DD' from 1991)\",Kyrgyzstan,EXPORT,2022-03,1000,x\n"
                 "\"European Union - 27 countries (AT, BE, BG)\",Kyrgyzstan,EXPORT,2022-03,5000,x\n"
                 "Czechia,Russian Federation (Russia),EXPORT,2023-12,200,x\n")
    [rep] = ingest_paths(store_dir, [f], "csv", mapping=EXAMPLES / "eurostat_exports.yaml", progress=False)
    assert rep.dropped == {"mapping drop rule": 1}
    assert rows(store_dir) == [("eurostat", 2022, 3, "DEU", "KGZ", "export", "TOTAL", 1053.0, "FOB"),
                               ("eurostat", 2023, 12, "CZE", "RUS", "export", "TOTAL", 216.26, "FOB")]


def test_imf_wide_file_is_unpivoted(tmp_path, store_dir):
    f = tmp_path / "imf.csv"
    f.write_text('\ufeff"DATASET","COUNTRY.ID","COUNTERPART_COUNTRY.ID","TRADE_FLOW.ID","2021","2022","2023"\n'
                 '"IMF","RUS","KGZ","MG","337.9","788.5",""\n'
                 '"IMF","RUS","TX899","MG","1","2","3"\n'
                 '"IMF","RUS","ARM","XG","1890.75","2777.2","4642.4"\n')
    [rep] = ingest_paths(store_dir, [f], "csv", mapping=EXAMPLES / "imf_russia.yaml", progress=False)
    assert rep.dropped == {"not a country": 3} and rep.rows_written == 5
    got = {(r[1], r[4], r[5]): r[7] for r in rows(store_dir)}
    assert got[(2022, "KGZ", "import")] == 788.5e6 and (2023, "KGZ", "import") not in got
    assert got[(2023, "ARM", "export")] == 4642.4e6


def test_unknown_country_is_an_error_with_its_line(tmp_path, store_dir):
    f = tmp_path / "eurostat.csv"
    f.write_text("reporter,partner,flow,year_month,value_eur,source_folder\n"
                 "Austria,Armenia,EXPORT,2019-01,1,x\nAustria,Atlantis,EXPORT,2019-01,1,x\n")
    with pytest.raises(InputError, match="line 3: unknown partner"):
        ingest_paths(store_dir, [f], "csv", mapping=EXAMPLES / "eurostat_exports.yaml", progress=False)


def test_year_without_exchange_rate(tmp_path, store_dir):
    f = tmp_path / "eurostat.csv"
    f.write_text("reporter,partner,flow,year_month,value_eur,source_folder\nAustria,Armenia,EXPORT,2031-01,1,x\n")
    with pytest.raises(InputError, match="no exchange rate"):
        ingest_paths(store_dir, [f], "csv", mapping=EXAMPLES / "eurostat_exports.yaml", progress=False)


def test_bad_mappings(tmp_path, store_dir):
    f = tmp_path / "x.csv"
    f.write_text("a,b\n1,2\n")
    m = tmp_path / "m.yaml"
    m.write_text("source: x\ncolumns: {colour: a}\n")
    with pytest.raises(ConfigError, match="unknown fields"):
        ingest_paths(store_dir, [f], "csv", mapping=m, progress=False)
    m.write_text("source: x\ncolumns: {reporter: nope, partner: b, flow: a, value: a, year: a}\nconstants: {hs: TOTAL}\n")
    with pytest.raises(InputError, match="line 1: columns named in m.yaml are missing: reporter"):
        ingest_paths(store_dir, [f], "csv", mapping=m, progress=False)
    with pytest.raises(ConfigError, match="needs --mapping"):
        ingest_paths(store_dir, [f], "csv", progress=False)
