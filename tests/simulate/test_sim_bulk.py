"""The real-scale fast path writes ingestible Comtrade+ files with the traps beside the detail."""

from __future__ import annotations

from detour.ingest import ingest_paths
from detour.simulate import simulate_world_rows
from detour.store.catalog import Store


def test_fast_path_volume_and_ingest(tmp_path):
    r = simulate_world_rows(tmp_path / "bulk", 3, reporters=30, products=80, rows=20_000, files=3)
    assert len(r.paths) == 3 and 17_000 < r.declarations < 23_000
    assert r.rows_written > r.declarations  # World rows and transport-mode splits beside the totals
    reports = ingest_paths(Store(tmp_path / "store"), r.paths, fmt="comtrade", progress=False)
    assert sum(x.rows_written for x in reports) == r.declarations
    assert all(x.dropped.get("partner World") and x.dropped.get("breakdown beside total") for x in reports)
    assert not any(x.skipped for x in reports)


def test_fast_path_pads_beyond_the_tables(tmp_path):
    r = simulate_world_rows(tmp_path, 1, reporters=120, products=400, rows=5_000, files=2, gzip=True)
    assert all(p.name.endswith(".txt.gz") and p.read_bytes()[:2] == b"\x1f\x8b" for p in r.paths)
    assert r.declarations > 0
