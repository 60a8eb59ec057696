"""Mirror view on a real-shaped Comtrade+ panel; the same assertions on DuckDB and Spark."""

from __future__ import annotations

import math

import pytest

from detour.analysis.mirror import MirrorQuery, mirror
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
    world = (math.log(1.05) + math.log(200 / 190)) / 2
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
