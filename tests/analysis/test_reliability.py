"""The reliability index singles out the reporter whose declarations disagree with everyone's."""

from __future__ import annotations

import random

from detour.analysis.reliability import reliability
from detour.ingest import ingest_paths
from detour.store import Store
from tests.comtrade_fixture import row, write

COUNTRIES = ["DEU", "FRA", "ITA", "POL", "CZE", "BGR", "SRB"]


def test_noisy_importer_is_least_reliable(tmp_path, store_dir, engine):
    rng = random.Random(5)
    rows = []
    for o in COUNTRIES:
        for d in COUNTRIES:
            if o == d:
                continue
            for k in range(12):
                hs = f"8542{k:02d}"
                fob = rng.uniform(1e4, 1e6)
                rows.append(row(2022, o, "X", d, hs, round(fob, 2)))
                # SRB misdeclares its imports by up to a factor of 3 either way; others add ~5% CIF.
                factor = rng.choice([1 / 3, 0.5, 2.0, 3.0]) if d == "SRB" else 1.05 * rng.uniform(0.98, 1.02)
                rows.append(row(2022, d, "M", o, hs, round(fob * factor, 2)))
    ingest_paths(store_dir, [write(tmp_path / "p.csv", rows)], "comtrade", progress=False)
    rel = reliability(engine, Store(store_dir), 2022)
    importers = rel[rel.role == "importer"].set_index("country")
    assert importers.reliability.idxmin() == "SRB"
    assert importers.loc["SRB", "reliability"] < 0.6
    assert (importers.drop("SRB").reliability > 0.9).all()
    exporters = rel[rel.role == "exporter"].set_index("country")
    assert (exporters.reliability > 0.9).all()  # the noise is not blamed on the exporters
    assert set(rel.coverage.dropna()) == {1.0}
