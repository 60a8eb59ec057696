"""Ingesting the simulated files gives back exactly the declarations the simulator decided."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from detour.analysis.declarations import annual

KEY = ["year", "reporter", "partner", "flow", "hs"]


def test_every_file_ingests_and_every_trap_is_dropped(small_ingest, small_run):
    _, reports = small_ingest
    assert [r.status for r in reports] == ["ingested"] * len(small_run.paths)
    assert not any(r.skipped for r in reports)
    dropped = {
        k: sum(r.dropped.get(k, 0) for r in reports)
        for k in ("partner World", "breakdown beside total", "commodity aggregate")
    }
    assert all(v > 0 for v in dropped.values()), dropped
    assert sum(r.rows_written for r in reports) == small_run.declarations
    assert sum(r.rows_read for r in reports) == small_run.rows_written


def test_store_holds_exactly_the_declared_values(engine, small_ingest, small_panel):
    store, _ = small_ingest
    got = engine.execute(engine.declarations(store)).astype({"year": int})
    want = small_panel.expected()
    assert len(got) == len(want)
    both = want.merge(got, on=KEY, how="outer", suffixes=("_want", "_got"), indicator=True)
    assert (both._merge == "both").all()
    for col in ("value_usd", "net_kg", "qty"):
        a, b = both[f"{col}_want"].to_numpy(float), both[f"{col}_got"].to_numpy(float)
        assert ((a == b) | (np.isnan(a) & np.isnan(b))).all(), col
    assert (both.qty_unit_want.fillna("-") == both.qty_unit_got.fillna("-")).all()
    # the basis follows the flow: exporters FOB, importers CIF
    assert set(got.loc[got.flow == "import", "value_basis"]) == {"CIF"}
    assert set(got.loc[got.flow != "import", "value_basis"]) == {"FOB"}
    assert set(got.classification) == {"H5", "H6"}


def test_annual_view_sums_nothing_twice(engine, small_ingest, small_panel):
    store, _ = small_ingest
    ann = engine.execute(annual(engine.declarations(store)))
    want = small_panel.expected()
    assert len(ann) == len(want)
    assert ann.value_usd.sum() == want.value_usd.sum()
    assert pd.Series(ann.months).eq(0).all()


def test_chapter_totals_are_stored_apart_exactly(engine, small_ingest, small_rows):
    """Every chapter row of the files (``aggrLevel 2``, a real partner, no breakdown) is in the
    store's chapter totals with its value, and none of them among the declarations."""
    store, reports = small_ingest
    r = small_rows
    total = (r.partnerCode != "0") & (r.motCode == "0") & (r.customsCode == "C00")
    want = r[(r.cmdCode.str.len() == 2) & total]
    assert len(want) > 0
    assert sum(x.chapter_rows for x in reports) == len(want)
    got = engine.execute(engine.chapter_totals(store))
    assert len(got) == len(want)
    assert got.value_usd.sum() == pytest.approx(pd.to_numeric(want.primaryValue).sum())
    assert set(got.hs) == set(want.cmdCode)
    decl = engine.execute(engine.declarations(store))
    assert (decl.hs.str.len() == 6).all()
