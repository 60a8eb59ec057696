"""``detour simulate OUTDIR --seed N``: write a simulated Comtrade+ panel and its answer key.

Progress goes to stderr; the summary goes to stdout as a table or, with ``--format json``, as
one JSON object (``SimulationResult.to_dict()`` plus the planted kinds). Ingest the files with
``detour ingest OUTDIR/comtrade/* --format comtrade``; ``OUTDIR/truth.json`` says what was planted.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from detour.errors import ConfigError

app = typer.Typer(help="Simulate Comtrade+ panels with planted diversion, decoys and reporting quirks.")


def parse_span(text: str) -> tuple[int, int]:
    """``2016-2024`` → (2016, 2024)."""
    first, _, last = text.partition("-")
    try:
        lo, hi = int(first), int(last or first)
    except ValueError:
        raise ConfigError(f"bad year range {text!r}", hint="write years like 2016-2024") from None
    if not (1990 <= lo and hi - lo >= 3 and hi <= 2100):
        raise ConfigError(f"bad year range {text!r}", hint="give at least four years, e.g. 2016-2024")
    return lo, hi


@app.command()
def simulate(
    ctx: typer.Context,
    out_dir: Annotated[Path, typer.Argument(help="Directory for the Comtrade+ files and truth.json.")],
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed; the same seed writes the same bytes.")
    ] = 0,
    countries: Annotated[
        int, typer.Option("--countries", help="Number of countries (named hubs first).")
    ] = 70,
    products: Annotated[
        int, typer.Option("--products", help="Number of HS6 codes (watch-list first).")
    ] = 300,
    years: Annotated[str, typer.Option("--years", help="Year range, e.g. 2016-2024.")] = "2016-2024",
    scale: Annotated[float, typer.Option("--scale", help="Multiplies the number of trading flows.")] = 1.0,
    format: Annotated[str | None, typer.Option("--format", help="table or json.")] = None,
) -> None:
    """Write a simulated Comtrade+ panel with planted diversion scenarios into OUT_DIR."""
    from detour.simulate import simulate as run_simulation  # lazy: keeps `detour --help` fast

    obj = ctx.obj if isinstance(ctx.obj, dict) else {}
    fmt = (format or obj.get("format") or "table").lower()
    if fmt not in ("table", "json"):
        raise ConfigError(f"unknown format {fmt!r}", hint="use --format table or --format json")
    if countries < 12 or products < 24 or scale <= 0:
        raise ConfigError(
            "world too small", hint="use at least --countries 12 --products 24 and a positive --scale"
        )
    span = parse_span(years)
    stages = 4 + span[1] - span[0] + 1
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=fmt == "json") as bar:
        task = bar.add_task("simulate", total=stages)

        def step(label: str) -> None:
            bar.update(task, advance=1, description=f"simulate: {label}")

        result = run_simulation(
            out_dir, seed, countries=countries, products=products, years=span, scale=scale, progress=step
        )
        bar.update(task, completed=stages)
    truth = json.loads(result.truth_path.read_text(encoding="utf-8"))
    kinds = Counter(s["kind"] for s in truth["scenarios"])
    decoys = Counter(d["kind"] for d in truth["decoys"])
    if fmt == "json":
        typer.echo(
            json.dumps(
                {
                    **result.to_dict(),
                    "scenario_kinds": dict(sorted(kinds.items())),
                    "decoy_kinds": dict(sorted(decoys.items())),
                },
                indent=2,
            )
        )
        return
    table = Table(title=f"Simulated Comtrade+ panel (seed {seed})", show_header=False)
    for name, value in (
        ("directory", str(result.out_dir)),
        ("files", str(len(result.paths))),
        ("rows written", f"{result.rows_written:,}"),
        ("declarations", f"{result.declarations:,}"),
        ("scenarios", ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))),
        ("decoys", ", ".join(f"{k.split(':')[1]} {v}" for k, v in sorted(decoys.items()))),
        ("truth", str(result.truth_path)),
        ("seconds", f"{result.seconds:.1f}"),
    ):
        table.add_row(name, value)
    Console().print(table)
