"""CEPII BACI yearly files: thousand USD and tonnes become USD and kg; side tables are used."""

from __future__ import annotations

import duckdb
import pytest

from detour.analysis.mirror import mirror
from detour.engine import get_engine
from detour.errors import InputError
from detour.ingest import ingest_paths
from detour.store import Store


@pytest.fixture
def baci_dir(tmp_path):
    d = tmp_path / "BACI_HS17_V202301"
    d.mkdir()
    (d / "BACI_HS17_Y2021_V202301.csv").write_text(
        "t,i,j,k,v,q\n2021,842,251,10121,12.5,3.2\n2021,251,842,930690,1.000,         NA\n"
        "2021,688,100,930630,250.25,40.5\n")
    (d / "country_codes_V202301.csv").write_text(
        "country_code,country_name_abbreviation,country_name_full,iso_2digit_alpha,iso_3digit_alpha\n"
        "842,USA,United States of America,US,USA\n251,France,France,FR,FRA\n688,Serbia,Serbia,RS,SRB\n"
        "100,Bulgaria,Bulgaria,BG,BGR\n")
    (d / "product_codes_HS17_V202301.csv").write_text("code,description\n010121,Horses\n930690,Ammunition\n"
                                                     "930630,Cartridges\n")
    return d


def test_units_classification_and_codes(baci_dir, store_dir):
    [rep] = ingest_paths(store_dir, [baci_dir / "BACI_HS17_Y2021_V202301.csv"], "baci", progress=False)
    assert rep.rows_written == 3
    files = [str(p) for p in Store(store_dir).parquet_files()]
    got = duckdb.sql(f"SELECT reporter, partner, hs, classification, value_usd, net_kg, flow, value_basis "
                     f"FROM read_parquet({files}) ORDER BY hs").fetchall()
    assert got == [("USA", "FRA", "010121", "H5", 12500.0, 3200.0, "export", "FOB"),
                   ("SRB", "BGR", "930630", "H5", 250250.0, 40500.0, "export", "FOB"),
                   ("FRA", "USA", "930690", "H5", 1000.0, None, "export", "FOB")]
    # BACI is reconciled: the mirror view, built from declarations, leaves it out.
    assert mirror(get_engine("duckdb"), Store(store_dir)).empty


def test_product_not_in_side_table(baci_dir, store_dir):
    path = baci_dir / "BACI_HS17_Y2021_V202301.csv"
    path.write_text(path.read_text() + "2021,842,251,999999,1,1\n")
    with pytest.raises(InputError, match="line 5: product not in the BACI product table"):
        ingest_paths(store_dir, [path], "baci", progress=False)
