"""Run every benchmark in turn (``make bench``): each prints its own figures and ratios.

1. ``ingest_mirror.py``: ingest and mirror at one Comtrade year (19M rows), the 10-year mirror
   under a 4 GB cap, and Spark local against DuckDB;
2. ``detect_speed.py``: detection over 10 years at Comtrade scale, default watch-list and all
   products;
3. ``accuracy.py``: precision@N and recall@3N on simulated worlds, seeds 1-5, against the
   naive baselines.

They take a long while at full scale (an hour or more on 2 cores) and need ~60 GB of free disk
for the generated files. ``--quick`` runs each at a small scale to check the scripts work; its
figures are not the issue targets' figures.

Usage: python benchmarks/run_all.py [--quick] [--skip ingest_mirror,detect_speed,accuracy]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

FULL = {
    "ingest_mirror": ["--rows", "19000000", "--ten-years", "--spark"],
    "detect_speed": ["--all-products"],
    "accuracy": ["--seeds", "1,2,3,4,5"],
}
QUICK = {
    "ingest_mirror": ["--rows", "500000", "--work", "/tmp/detour-bench-quick", "--ten-years"],
    "detect_speed": ["--rows", "2000000", "--work", "/tmp/detour-bench-quick-detect"],
    "accuracy": ["--seeds", "1,2,3,4,5", "--countries", "40", "--products", "120"],
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small scale: checks the scripts, not the targets")
    ap.add_argument("--skip", default="", help="comma list of benchmarks to leave out")
    args = ap.parse_args()
    plan = QUICK if args.quick else FULL
    skip = {s for s in args.skip.split(",") if s}
    failed = []
    for name, extra in plan.items():
        if name in skip:
            continue
        cmd = [sys.executable, str(HERE / f"{name}.py"), *extra]
        print(f"\n== {name}: {' '.join(cmd[1:])}", file=sys.stderr, flush=True)
        start = time.perf_counter()
        rc = subprocess.call(cmd)
        print(f"== {name}: exit {rc} after {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
        if rc:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
