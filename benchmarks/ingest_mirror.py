"""Ingest and mirror benchmarks at real Comtrade HS6 scale (issue 2 targets).

Prints figures and ratios against baselines run in the same process:

| benchmark     | measured against                                  | target        |
| ingest speed  | DuckDB's bare CSV→Parquet copy of the same file   | ≤ 2×          |
| mirror time   | a bare DuckDB scan of the same store              | ≤ 8×          |
| mirror time   | plain pandas groupby + outer merge                | ≥ 10× faster  |
| peak memory   | (process RSS during ingest and mirror)            | ≤ 2 GB        |
| Spark local   | DuckDB mirror time                                | report ratio  |
| 10 years      | mirror over ~190M rows, DuckDB memory_limit 4 GB  | completes     |

The mirror is timed four ways:
- *cold*: the store's declarations are paired, and its CIF/FOB margin model and coverage
  fitted, and all three cached under STORE/derived/ by this run; the view is written;
- *warm*: the caches are reused, as every later query on the same store version does; the
  whole view (all columns, all rows) is written to Parquet;
- *computed*: warm, and the view is consumed by an aggregate instead of written, as the bare
  scan consumes the store and the pandas baseline builds its frame in memory;
- *corridor*: one exporter's view written, filters pushed down to the cached pairs.

Usage: python benchmarks/ingest_mirror.py [--rows 19000000] [--work DIR] [--spark] [--ten-years]
                                          [--skip-pandas] [--reuse-store]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb  # noqa: E402
import pandas as pd  # noqa: E402

from benchmarks.measure import measure, timed  # noqa: E402
from benchmarks.world import write_world  # noqa: E402
from detour.analysis.mirror import DERIVED, MirrorQuery, mirror_table, write_mirror  # noqa: E402
from detour.engine import get_engine  # noqa: E402
from detour.ingest import ingest_paths  # noqa: E402
from detour.store import Store  # noqa: E402


def bare_copy(csv: Path, out: Path) -> None:
    duckdb.connect().execute(f"COPY (SELECT * FROM read_csv('{csv}')) TO '{out}' (FORMAT parquet)")


def bare_scan(store: Store) -> tuple:
    files = [str(p) for p in store.parquet_files()]
    return duckdb.connect().execute(
        f"SELECT count(*), sum(value_usd), max(reporter), max(partner), max(hs), max(flow), max(year) "
        f"FROM read_parquet({files})").fetchall()[0]


def detour_mirror(engine_name: str, store: Store, out: Path, q: MirrorQuery | None = None) -> int:
    eng = get_engine(engine_name)
    eng.write_parquet(mirror_table(eng, store, q or MirrorQuery()), out)
    return 0


def detour_mirror_computed(engine_name: str, store: Store) -> tuple:
    """The whole mirror view computed and consumed by an aggregate, as the bare scan consumes
    the store: nothing written (the pandas baseline writes nothing either)."""
    eng = get_engine(engine_name)
    t = mirror_table(eng, store, MirrorQuery())
    return tuple(eng.execute(t.aggregate(n=t.count(), gap=t.gap.sum(), x=t.export_value.sum(),
                                         m=t.import_value.sum())).iloc[0])


def drop_cache(store: Store) -> None:
    shutil.rmtree(store.root / DERIVED, ignore_errors=True)


def pandas_mirror(store: Store) -> int:
    files = [str(p) for p in store.parquet_files()]
    df = pd.concat([pd.read_parquet(f, columns=["year", "reporter", "partner", "flow", "hs", "value_usd"])
                    for f in files], ignore_index=True)
    x = df[df.flow == "export"].groupby(["year", "reporter", "partner", "hs"], as_index=False)["value_usd"].sum()
    m = df[df.flow == "import"].groupby(["year", "reporter", "partner", "hs"], as_index=False)["value_usd"].sum()
    x.columns = ["year", "exporter", "importer", "hs", "export_value"]
    m.columns = ["year", "importer", "exporter", "hs", "import_value"]
    j = x.merge(m, on=["year", "exporter", "importer", "hs"], how="outer")
    j["gap"] = j.import_value - j.export_value
    return len(j)


def ten_years(store: Store, work: Path, limit: str = "4GB", reuse: bool = False) -> dict:
    """A 10-year store from the one-year parts (years rewritten), mirrored under a memory cap."""
    big = Store(work / "store10")
    if not (reuse and big.exists()):
        make_ten_years(store, big)
    os.environ["DETOUR_MEMORY_LIMIT"] = limit
    out = work / "mirror10"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(big.root / DERIVED, ignore_errors=True)  # a cold run: the margin model is fitted too
    try:
        with measure() as m:
            res = write_mirror(get_engine("duckdb"), big, out)
    finally:
        os.environ.pop("DETOUR_MEMORY_LIMIT", None)
    rows = sum(f.rows_written for f in big.files())
    return {"rows": rows, "mirror_seconds": round(m.seconds, 1), "peak_rss_mb": round(m.peak_rss_mb),
            "mirror_rows": res["rows"], "duckdb_memory_limit": limit}


def make_ten_years(store: Store, big: Store) -> None:
    shutil.rmtree(big.root, ignore_errors=True)
    src = [str(p) for p in store.parquet_files()]
    from detour.store.catalog import FileEntry

    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    with big.writer() as w:
        staged = []
        stage = w.new_staging_dir("ten")
        for k, year in enumerate(range(2015, 2025)):
            part = stage / f"{year}.parquet"
            con.execute(f"COPY (SELECT * REPLACE ({year}::SMALLINT AS year, value_usd * (1 + {k} * 0.03) AS value_usd)"
                        f" FROM read_parquet({src})) TO '{part}' (FORMAT parquet, COMPRESSION zstd)")
            staged.append((part, year, int(con.execute(f"SELECT count(*) FROM '{part}'").fetchall()[0][0])))
        entry = FileEntry(sha256="0" * 64, path="generated", source="comtrade", format="comtrade", seq=0,
                          ingested_at=0.0, rows_written=sum(s[2] for s in staged))
        w.commit(entry, staged, [])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=19_000_000)
    ap.add_argument("--work", type=Path, default=Path("benchmarks/out"))
    ap.add_argument("--spark", action="store_true", help="also time the mirror on Spark local[2]")
    ap.add_argument("--ten-years", action="store_true", help="also mirror a 10-year (~190M row) store")
    ap.add_argument("--skip-pandas", action="store_true")
    ap.add_argument("--reuse-store", action="store_true", help="keep the stores of an earlier run (no ingest figures)")
    ap.add_argument("--ten-years-limit", default="4GB", help="DuckDB memory_limit for the 10-year mirror")
    ap.add_argument("--skip-mirror", action="store_true", help="leave out the one-year mirror timings")
    args = ap.parse_args()
    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    csv = work / f"world_{args.rows}.csv"
    if not csv.exists():
        g = timed(lambda: write_world(csv, rows=args.rows))
        print(f"generated {csv} ({csv.stat().st_size / 2**30:.1f} GiB) in {g.seconds:.1f}s", file=sys.stderr)
    res: dict = {"rows": args.rows, "csv_gib": round(csv.stat().st_size / 2**30, 2)}

    store = Store(work / "store")

    def show(key: str) -> None:  # partial figures survive a later failure (e.g. Spark running out of heap)
        print(json.dumps({key: res[key]}), file=sys.stderr, flush=True)

    if not (args.reuse_store and store.exists()):
        bare = timed(lambda: bare_copy(csv, work / "bare.parquet"))
        shutil.rmtree(store.root, ignore_errors=True)
        ing = timed(lambda: ingest_paths(store.root, [csv], "comtrade", progress=False))
        res["ingest"] = {"bare_copy_s": round(bare.seconds, 1), "detour_s": round(ing.seconds, 1),
                         "ratio": round(ing.seconds / bare.seconds, 2), "target": "<= 2",
                         "rows_written": ing.result[0].rows_written, "peak_rss_mb": round(ing.peak_rss_mb)}
        show("ingest")

    if not args.skip_mirror:
        scan = timed(lambda: bare_scan(store))
        drop_cache(store)
        cold = timed(lambda: detour_mirror("duckdb", store, work / "mirror.parquet"))
    mir = timed(lambda: detour_mirror("duckdb", store, work / "mirror.parquet"))
    comp = timed(lambda: detour_mirror_computed("duckdb", store))
    if not args.skip_mirror:
        files = [str(p) for p in store.parquet_files()]
        exporter = duckdb.connect().execute(f"SELECT reporter FROM read_parquet({files}) WHERE flow = 'export' "
                                            "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
        one = timed(lambda: detour_mirror("duckdb", store, work / "mirror_one.parquet", MirrorQuery(exporter=exporter)))
        res["mirror"] = {"bare_scan_s": round(scan.seconds, 2), "cold_s": round(cold.seconds, 1),
                         "cold_ratio_vs_scan": round(cold.seconds / scan.seconds, 1),
                         "detour_s": round(mir.seconds, 1), "ratio_vs_scan": round(mir.seconds / scan.seconds, 1),
                         "computed_s": round(comp.seconds, 2),
                         "computed_ratio_vs_scan": round(comp.seconds / scan.seconds, 1),
                         "target_vs_scan": "<= 8", f"corridor_{exporter}_s": round(one.seconds, 2),
                         "corridor_ratio_vs_scan": round(one.seconds / scan.seconds, 1),
                         "peak_rss_mb": round(max(cold.peak_rss_mb, mir.peak_rss_mb))}
        if not args.skip_pandas:
            pdm = timed(lambda: pandas_mirror(store))
            res["mirror"].update({"pandas_s": round(pdm.seconds, 1),
                                  "speedup_vs_pandas": round(pdm.seconds / mir.seconds, 1),
                                  "computed_speedup_vs_pandas": round(pdm.seconds / comp.seconds, 1),
                                  "cold_speedup_vs_pandas": round(pdm.seconds / cold.seconds, 1),
                                  "target_vs_pandas": ">= 10", "pandas_peak_rss_mb": round(pdm.peak_rss_mb)})
        show("mirror")
    if args.spark:
        get_engine("spark").connect()  # JVM start-up is not mirror time
        shutil.rmtree(work / "mirror_spark.parquet", ignore_errors=True)
        sp = timed(lambda: detour_mirror("spark", store, work / "mirror_spark.parquet"))
        res["spark"] = {"spark_local_s": round(sp.seconds, 1), "duckdb_s": round(mir.seconds, 1),
                        "ratio_spark_vs_duckdb": round(sp.seconds / mir.seconds, 1),
                        "driver_memory": os.environ.get("DETOUR_SPARK_DRIVER_MEMORY", "2g"),
                        "note": "both warm: the margin model cached by the DuckDB run is shared"}
        show("spark")
    if args.ten_years:
        res["ten_years"] = ten_years(store, work, args.ten_years_limit, args.reuse_store)
        show("ten_years")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
