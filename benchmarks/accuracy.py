"""Detection accuracy on simulated panels: Detour against two naive baselines.

For each seed: ``detour.simulate`` writes a Comtrade+ panel with planted diversion, decoys and
reporting quirks; it is ingested into a fresh store; ``detour.detectors.run_detectors`` and the
naive baselines of ``detour.simulate.baselines`` (largest mirror gaps, largest co-surges) run on
that store; each ranked list is scored by ``detour.simulate.accuracy`` (matching rule in its
docstring): precision@N, recall@3N (N = planted scenarios) and decoys among the first N. Detour
is scored twice from one run: its alerts (``detect``) and its alerts followed by its leads
(``detect --leads``, evidence under the threshold, every lead ranked after every alert).

If the detectors cannot be imported the script says so on stderr and exits with status 2: it
never prints figures it did not measure.

Usage: python benchmarks/accuracy.py [--seeds 1,2,3,4,5] [--countries 70] [--products 300]
                                     [--scale 1.0] [--work DIR] [--engine duckdb] [--format json]
                                     [--no-hs-revision] [--why]
       python benchmarks/accuracy.py --merge A.json B.json [--format json]

Besides the figures it tabulates the planted scenarios found only below place N (rank and score
against the N-th alert's), and with ``--why`` traces each scenario no alert of the first 3N
matched to the detector stage where it stopped (``detour.simulate.misses``, ``detour trace``
for each: measured 218 s for 52 misses over forty seeds, against 3,335 s of detection).

``--merge`` pools earlier runs' JSON output (``--format json``), e.g. seeds run in two processes
at once on a two-core machine, and prints the figures of the whole as if one run had made them.
Every pooled figure comes with its 95% interval over seeds (the seeds resampled, ``seed_interval``
in ``detour.simulate.accuracy``): with twenty seeds of twelve scenarios it is several points wide.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from detour.errors import DetourError  # noqa: E402
from detour.simulate.accuracy import LEADS, DetectorsMissing, benchmark, load_detectors, merge  # noqa: E402

METHODS = ("detour", LEADS, "mirror gap", "co-surge")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", default="1,2,3,4,5", help="comma list of seeds (at least 5 for a fair figure)")
    ap.add_argument("--countries", type=int, default=70)
    ap.add_argument("--products", type=int, default=300)
    ap.add_argument("--years", default="2016-2024")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--scenarios", type=int, default=None, help="scenarios per seed (default 12)")
    ap.add_argument("--engine", default="duckdb")
    ap.add_argument("--no-hs-revision", action="store_true",
                    help="diagnostic: every HS code exists every year (no HS2022 break for 8806/8807/8803)")
    ap.add_argument(
        "--work", type=Path, default=None, help="keep panels and stores here (default: a temp dir)"
    )
    ap.add_argument(
        "--why", action="store_true",
        help="trace every planted scenario missed within 3N to the detector stage where it stopped",
    )
    ap.add_argument("--format", choices=("table", "json"), default="table")
    ap.add_argument(
        "--merge", type=Path, nargs="+", default=None, metavar="JSON",
        help="pool earlier runs' --format json output instead of running (no other option applies)",
    )
    return ap.parse_args(argv)


def print_table(result: dict) -> None:
    table = Table(title=f"Accuracy on simulated panels, seeds {','.join(map(str, result['seeds']))}")
    for col in ("method", "precision@N", "recall@3N", "decoys in top N", "N (pooled)"):
        table.add_column(col, justify="left" if col == "method" else "right")

    def figure(p: dict, key: str) -> str:
        lo, hi = p.get(f"{key}_95", (p[key], p[key]))
        return f"{p[key]:.3f} ({lo:.2f}-{hi:.2f})"

    for m in METHODS:
        p = result["pooled"][m]
        table.add_row(
            m, figure(p, "precision_at_n"), figure(p, "recall_at_3n"), str(p["decoys_at_n"]), str(p["n"])
        )
    table.caption = "in brackets: 95% interval over seeds (the seeds resampled)"
    Console().print(table)
    per = Table(title="Per seed: precision@N / recall@3N (decoys in top N)")
    per.add_column("seed")
    for m in METHODS:
        per.add_column(m, justify="right")
    per.add_column("detour alerts + leads", justify="right")
    per.add_column("detour seconds", justify="right")
    for run in result["runs"]:
        s = run["scores"]
        per.add_row(
            str(run["seed"]),
            *[
                f"{s[m]['precision_at_n']:.2f} / {s[m]['recall_at_3n']:.2f} ({s[m]['decoys_at_n']})"
                for m in METHODS
            ],
            f"{s['detour']['alerts']} + {s[LEADS]['alerts'] - s['detour']['alerts']}",
            f"{run['timings']['detour']:.0f}",
        )
    Console().print(per)
    kinds = Table(title="Detour recall@3N by kind (found / planted, all seeds)")
    kinds.add_column("kind")
    kinds.add_column("alerts", justify="right")
    kinds.add_column("alerts + leads", justify="right")
    totals: dict[str, list[int]] = {}
    for run in result["runs"]:
        for kind, (found, planted) in run["scores"]["detour"]["by_kind"].items():
            t = totals.setdefault(kind, [0, 0, 0])
            t[0], t[1], t[2] = t[0] + found, t[1] + planted, t[2] + run["scores"][LEADS]["by_kind"][kind][0]
    for kind, (found, planted, with_leads) in totals.items():
        kinds.add_row(kind, f"{found} / {planted}", f"{with_leads} / {planted}")
    Console().print(kinds)
    # What took the planted scenarios' places: the first N's alerts that match none, by kind.
    others: dict[str, int] = {}
    for run in result["runs"]:
        for kind, count in run["scores"]["detour"].get("unmatched_kinds", {}).items():
            others[kind] = others.get(kind, 0) + count
    n = sum(r["n"] for r in result["runs"])
    if others and n:
        top = Table(title="Detour: alerts in the top N that match no planted scenario, by kind (all seeds)")
        top.add_column("kind")
        top.add_column("in the top N", justify="right")
        for kind, count in sorted(others.items()):
            top.add_row(kind, str(count))
        hits = sum(r["scores"]["detour"]["hits_at_n"] for r in result["runs"])
        found = sum(r["scores"]["detour"]["found_at_3n"] for r in result["runs"])
        top.caption = (
            f"{n - hits} of {n} places hold no planted scenario's first alert; precision@N could reach "
            f"{found / n:.3f} at most "
            "(every scenario found within 3N ranked first)"
        )
        Console().print(top)
    print_misses(result)


def print_misses(result: dict) -> None:
    """The planted scenarios outside the first N: found below it (every run records them), and
    missed within 3N with the stage where each stopped (runs made with ``--why``)."""
    runs = result["runs"]
    below = [m for r in runs for m in r.get("ranked_out", [])]
    if below:
        t = Table(title="Detour: planted scenarios found below place N (within 3N), by kind")
        for col in ("kind", "scenarios", "ranks (1 = first)", "score against the N-th alert's"):
            t.add_column(col, justify="left" if col == "kind" else "right")
        for kind in sorted({m["kind"] for m in below}):
            ms = [m for m in below if m["kind"] == kind]
            ranks = sorted(m["rank"] + 1 for m in ms)
            gaps = sorted(m["nth_score"] - m["score"] for m in ms)
            t.add_row(
                kind, str(len(ms)), f"{ranks[0]}-{ranks[-1]} (median {ranks[len(ranks) // 2]})",
                f"{gaps[len(gaps) // 2]:.1f} under (median)",
            )
        Console().print(t)
    traced = [r for r in runs if "missed" in r]
    if not traced:
        return
    missed = [m for r in traced for m in r["missed"]]
    if not missed:
        Console().print(f"Detour: no planted scenario missed within 3N ({len(traced)} seeds traced)")
        return
    t = Table(
        title=f"Detour: planted scenarios missed within 3N, where they stopped ({len(traced)} seeds traced)"
    )
    for col in ("stage", "missed", "of which a lead", "kinds"):
        t.add_column(col, justify="right" if col in ("missed", "of which a lead") else "left")
    for stage in sorted({m["stage"] for m in missed}, key=lambda st: -sum(m["stage"] == st for m in missed)):
        ms = [m for m in missed if m["stage"] == stage]
        kinds = sorted({m["kind"] for m in ms})
        t.add_row(
            stage,
            str(len(ms)),
            str(sum(m["lead"] is not None for m in ms)),
            ", ".join(f"{k} {sum(m['kind'] == k for m in ms)}" for k in kinds),
        )
    t.caption = (
        "'alert': the trace flags the countries, but the alert is beyond 3N or names other years or goods"
    )
    Console().print(t)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    err = Console(stderr=True)
    if args.merge:
        try:
            result = merge([json.loads(Path(f).read_text()) for f in args.merge])
        except (OSError, ValueError, KeyError, DetourError) as exc:
            err.print(f"[red]cannot merge:[/red] {exc}")
            return 2
        show(result, args.format)
        return 0
    try:
        load_detectors()
    except DetectorsMissing as exc:
        err.print(f"[red]cannot measure accuracy:[/red] {exc}")
        return 2
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    if len(seeds) < 5:
        err.print(f"[yellow]warning:[/yellow] {len(seeds)} seeds; use at least 5 for a figure worth quoting")
    lo, _, hi = args.years.partition("-")
    work = args.work or Path(tempfile.mkdtemp(prefix="detour-accuracy-"))
    try:
        with err.status("simulating, ingesting and detecting...") as status:
            result = benchmark(
                seeds,
                work,
                countries=args.countries,
                products=args.products,
                years=(int(lo), int(hi or lo)),
                scale=args.scale,
                n_scenarios=args.scenarios,
                engine=args.engine,
                hs_revision=not args.no_hs_revision,
                why=args.why,
                progress=lambda msg: status.update(msg),
            )
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    show(result, args.format)
    return 0


def show(result: dict, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(result, indent=2, default=str))
    else:
        print_table(result)


if __name__ == "__main__":
    sys.exit(main())
