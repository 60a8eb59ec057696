"""Mirror view on a real-shaped Comtrade+ panel; the same assertions on DuckDB and Spark."""

from __future__ import annotations

import math
import shutil

import pandas as pd
import pytest

from detour.analysis.cif_fob import BIN, bin_of, median_of_bins
from detour.analysis.mirror import DERIVED, MirrorQuery, _Cache, mirror, write_mirror
from detour.engine import get_engine
from detour.errors import DetourError
from detour.ingest import ingest_paths
from detour.store import Store
from tests.comtrade_fixture import row, write


@pytest.fixture
def panel(tmp_path, store_dir):
    rows = [
        # USA→FRA: the total, its transport-mode split, and the World aggregate beside it.
        row(2021, "USA", "X", "FRA", "930690", 100.0),
        row(2021, "USA", "X", "FRA", "930690", 60.0, mot=1000),
        row(2021, "USA", "X", "FRA", "930690", 40.0, mot=2000),
        row(2021, "USA", "X", "W00", "930690", 300.0),
        row(2021, "USA", "X", "FRA", "93", 100.0),
        row(2021, "FRA", "M", "USA", "930690", 105.0),
        # DEU→CZE matched; SRB→CZE declared by SRB only, while CZE reports chapter 93.
        row(2021, "DEU", "X", "CZE", "930690", 190.0),
        row(2021, "CZE", "M", "DEU", "930690", 200.0),
        row(2021, "SRB", "X", "CZE", "930630", 50.0),
        # SRB→BGR: BGR declares no imports at all in 2021 (exports only).
        row(2021, "SRB", "X", "BGR", "930630", 40.0),
        row(2021, "BGR", "X", "UKR", "930630", 30.0),
        # ITA declares exports only in chapter 85; UKR records imports of 93 from ITA.
        row(2021, "ITA", "X", "UKR", "854231", 10.0),
        row(2021, "UKR", "M", "ITA", "930690", 77.0),
        # Taiwan as "Other Asia, nes" re-exporting to India (Comtrade code 699).
        row(2021, "TWN", "RX", "IND", "854231", 12.0),
    ]
    monthly = [row(2021, "FRA", "M", "USA", "930690", 50.0, month=m) for m in (1, 2)]
    write(tmp_path / "a.csv", rows)
    write(tmp_path / "b.tsv", monthly, bulk=True)
    ingest_paths(store_dir, [tmp_path / "a.csv", tmp_path / "b.tsv"], "comtrade", progress=False)
    return Store(store_dir)


def _by_key(df):
    return {(r.exporter, r.importer, r.hs): r for r in df.itertuples()}


def test_mirror_values_flags_and_margin(engine, panel):
    df = mirror(engine, panel, MirrorQuery(year=2021))
    rows = _by_key(df)
    usa = rows[("USA", "FRA", "930690")]
    # Declared values exactly: no World row, no transport split, no chapter aggregate, annual beats monthly.
    assert usa.export_value == 100.0 and usa.import_value == 105.0
    assert usa.flags == []
    # Only two matched flows: the world median of ln(M/X) is the margin.
    exact = (math.log(1.05) + math.log(200 / 190)) / 2
    # Medians are read off histograms of ln(CIF/FOB) in bins of BIN (cif_fob docstring).
    world = median_of_bins([(bin_of(math.log(1.05)), 1), (bin_of(math.log(200 / 190)), 1)])
    assert abs(world - exact) <= BIN / 2
    assert usa.cif_fob_margin == pytest.approx(math.exp(world) - 1)
    assert usa.gap == pytest.approx(105 / math.exp(world) - 100)
    assert usa.log_ratio == pytest.approx(math.log(105 / math.exp(world) / 100))
    cze = rows[("SRB", "CZE", "930630")]
    assert cze.export_value == 50.0 and math.isnan(cze.import_value) and cze.flags == []
    bgr = rows[("SRB", "BGR", "930630")]
    assert bgr.flags == ["importer_not_reporting_year"]
    ita = rows[("ITA", "UKR", "930690")]
    assert math.isnan(ita.export_value) and ita.import_value == 77.0
    assert ita.flags == ["exporter_not_reporting_chapter"]
    twn = rows[("TWN", "IND", "854231")]
    assert twn.reexport_value == 12.0 and math.isnan(twn.export_value)
    assert len(df) == 8


def test_mirror_filters(engine, panel):
    df = mirror(engine, panel, MirrorQuery(exporter="srb", hs="9306"))
    assert sorted(df.importer) == ["BGR", "CZE"]
    assert mirror(engine, panel, MirrorQuery(year=2019)).empty


def _rows(df):
    cols = ["year", "exporter", "importer", "hs", "export_value", "import_value", "gap", "cif_fob_margin"]
    return df[cols].sort_values(cols[:4]).reset_index(drop=True)


def test_narrow_queries_agree_with_the_whole_view(engine, panel):
    """Year, corridor and HS queries push their filters down, yet use the store's one margin
    model: their rows are exactly the whole view's rows."""
    whole = mirror(engine, panel)
    for q in (MirrorQuery(year=2021), MirrorQuery(exporter="SRB"), MirrorQuery(importer="ukr"),
              MirrorQuery(hs="9306"), MirrorQuery(exporter="USA", importer="FRA", hs="93")):
        part = mirror(engine, panel, q)
        keep = whole
        if q.exporter:
            keep = keep[keep.exporter == q.exporter.upper()]
        if q.importer:
            keep = keep[keep.importer == q.importer.upper()]
        if q.hs:
            keep = keep[keep.hs.str.startswith(q.hs)]
        assert len(part) > 0
        pd.testing.assert_frame_equal(_rows(part), _rows(keep), check_dtype=False)
        assert list(part["flags"]) == list(keep.sort_values(["year", "exporter", "importer", "hs"])["flags"])


def test_margin_cache_follows_the_store_version(panel, tmp_path):
    engine = get_engine("duckdb")
    before = mirror(engine, panel)
    cached = sorted(p.name for p in (panel.root / DERIVED).glob("*.parquet"))
    assert [n.split("-")[0] for n in cached] == ["coverage", "margins", "pairs"]
    # A new file changes the catalogue: the next query refits, and the old cache goes away.
    write(tmp_path / "c.csv", [row(2021, "POL", "X", "NOR", "930690", 10.0),
                               row(2021, "NOR", "M", "POL", "930690", 30.0)])
    ingest_paths(panel.root, [tmp_path / "c.csv"], "comtrade", progress=False)
    after = mirror(engine, panel)
    now = sorted(p.name for p in (panel.root / DERIVED).glob("*.parquet"))
    assert now != cached and len(now) == 3 and not set(now) & set(cached)
    assert len(after) == len(before) + 1
    # Three matched flows now: the world median moved, and every row's margin with it.
    assert after.cif_fob_margin.iloc[0] != before.cif_fob_margin.iloc[0]


def test_write_mirror_year_by_year(engine, panel, tmp_path):
    out = tmp_path / "mirror.parquet"
    res = write_mirror(engine, panel, out)
    assert res["years"] == [2021] and (out / "_detour.json").exists()
    written = pd.read_parquet(out, partitioning=None)  # a file per year (a directory on Spark)
    assert len(written) == res["rows"] == len(mirror(engine, panel))
    with pytest.raises(DetourError, match="not empty"):
        write_mirror(engine, panel, out)
    assert not any(p.name.startswith(".mirror.parquet.partial") for p in tmp_path.iterdir())


@pytest.mark.parametrize("q", [MirrorQuery(), MirrorQuery(exporter="DEU"), MirrorQuery(year=2021, hs="9306")])
def test_cached_pairs_give_the_same_view_as_pairing_in_the_query(engine, panel, monkeypatch, q):
    """Also on a store Detour cannot write: the margin model is then fitted in a scratch
    directory that is gone before the view is read (Spark must not read it lazily)."""
    cached = mirror(engine, panel, q)
    assert (panel.root / DERIVED).is_dir() and any((panel.root / DERIVED).glob("pairs-*"))
    again = mirror(engine, panel, q)  # read from the cache this time
    monkeypatch.setattr(_Cache, "_publish", lambda self, name, write: None)  # as on a read-only store
    shutil.rmtree(panel.root / DERIVED)
    uncached = mirror(engine, panel, q)
    assert not (panel.root / DERIVED).exists()
    assert len(cached) > 0
    pd.testing.assert_frame_equal(cached, again)
    pd.testing.assert_frame_equal(cached, uncached)
