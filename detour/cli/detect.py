"""Detection commands: ``detect`` (alerts), ``hub`` (EBRD-style hub view) and ``trace`` (why a route
or a declared pair was flagged or not; in ``detour.cli.trace``)."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from detour import service
from detour.cli.data import ctx_of
from detour.cli.output import SHORT_KIND, Format, emit
from detour.cli.trace import trace
from detour.model.alert import Alert

app = typer.Typer(help="Find diversion patterns: alerts and hub views.")
CSV_COLUMNS = [
    "id",
    "kind",
    "score",
    "origin",
    "hub",
    "destination",
    "hs",
    "start",
    "end",
    "value_usd",
    "explanation",
]


def register(root: typer.Typer) -> None:
    root.command("detect")(detect)
    root.command("hub")(hub)
    root.command("trace")(trace)


def _countries(values: list[str] | None) -> list[str] | None:
    """Repeated options and comma-separated lists both work: ``--origin DEU,FRA --origin POL``."""
    if not values:
        return None
    return sorted({c.strip().upper() for v in values for c in v.split(",") if c.strip()})


@contextmanager
def _progress() -> Iterator[Any]:
    """A rich progress bar on stderr; the callback matches ``run_detectors(progress=...)``."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("detecting", total=1)

        def update(step: str, done: int, total: int) -> None:
            bar.update(task, description=step, completed=done, total=total)

        yield update


def _emit_alerts(alerts: list[Alert], fmt: Format, limit: int | None) -> None:
    if fmt is Format.json:
        json.dump([a.to_dict() for a in alerts], sys.stdout, indent=1)
        sys.stdout.write("\n")
        return
    if fmt is Format.csv:
        w = csv.writer(sys.stdout)
        w.writerow(CSV_COLUMNS)
        for a in alerts:
            d = a.to_dict()
            w.writerow([";".join(d[c]) if c == "hs" else ("" if d[c] is None else d[c]) for c in CSV_COLUMNS])
        return
    from detour.detectors import is_lead

    n_leads = sum(is_lead(a) for a in alerts)
    n_alerts = len(alerts) - n_leads
    title = f"{n_alerts} alert{'s' if n_alerts != 1 else ''}"
    if n_leads:
        title += f" and {n_leads} lead{'s' if n_leads != 1 else ''} (score under 25: under the threshold)"
    # Compact enough for an 80-column terminal or a pipe: short kinds, codes one per line, values
    # in millions, the id's first 8 hex digits (as in the HTML report's anchors, the full id is in
    # --format json and csv).
    table = Table(title=title, box=box.SIMPLE_HEAD, show_lines=False, pad_edge=False)
    for col, just in (
        ("score", "right"),
        ("kind", "left"),
        ("route", "left"),
        ("hs", "left"),
        ("years", "left"),
        ("USD m", "right"),
        ("id", "left"),
    ):
        table.add_column(col, justify=just, no_wrap=col != "hs")  # type: ignore[arg-type]
    for a in alerts[:limit] if limit else alerts:
        route = "→".join(c for c in (a.origin, a.hub, a.destination) if c)
        years = f"{a.start}" if a.start == a.end else f"{a.start}–{str(a.end)[2:]}"
        table.add_row(
            f"{a.score:.1f}",
            SHORT_KIND[a.kind],
            route,
            "\n".join(a.hs),
            years,
            f"{a.value_usd / 1e6:,.1f}",
            a.id[:8],
            style="dim" if is_lead(a) else None,
        )
    Console().print(table)
    if limit and len(alerts) > limit:
        Console(stderr=True).print(
            f"[dim]{len(alerts) - limit} more alerts; use --format json or csv for all[/dim]"
        )


def detect(
    ctx: typer.Context,
    watchlist: Annotated[
        list[str] | None,
        typer.Option(
            "--watchlist",
            "-w",
            help="Watch-list name (default, arms, chpl, all) or YAML file; repeat to combine",
        ),
    ] = None,
    origin: Annotated[
        list[str] | None, typer.Option(help="Only these origins (ISO3; repeat or comma-separate)")
    ] = None,
    hub: Annotated[list[str] | None, typer.Option(help="Only these hubs (or declared partners)")] = None,
    destination: Annotated[list[str] | None, typer.Option(help="Only these destinations")] = None,
    since: Annotated[int | None, typer.Option(help="Only patterns starting in or after this year")] = None,
    kind: Annotated[list[str] | None, typer.Option(help="Only these detectors (repeat)")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table | csv | json")] = Format.table,
    limit: Annotated[int, typer.Option(help="Rows shown in the table (0 = all)")] = 50,
    leads: Annotated[
        bool,
        typer.Option(
            "--leads",
            help="Also list leads: evidence under the threshold (z 2.5-3.5), scored under 25, last",
        ),
    ] = False,
) -> None:
    """Run the diversion detectors over the store; alerts sorted by score, best first.

    Example: detour detect --watchlist arms --hub SRB --since 2022 --format json
    """
    with _progress() as update:
        alerts = service.detect(
            ctx_of(ctx),
            watchlist,
            origins=_countries(origin),
            hubs=_countries(hub),
            destinations=_countries(destination),
            since=since,
            kinds=kind,
            leads=leads,
            progress=update,
        )
    _emit_alerts(alerts, fmt, limit or None)


def hub(
    ctx: typer.Context,
    iso3: Annotated[str, typer.Argument(help="The hub country, ISO3 (e.g. ARM)")],
    destination: Annotated[str, typer.Option("--destination", "-d", help="Destination ISO3 (e.g. RUS)")],
    break_year: Annotated[
        int, typer.Option("--break-year", "--since", help="First year after the break")
    ] = 2022,
    origin: Annotated[
        list[str] | None, typer.Option(help="Origins (default: the sanctions coalition)")
    ] = None,
    watchlist: Annotated[str, typer.Option("--watchlist", "-w", help="Watched goods")] = "default",
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table | csv | json")] = Format.table,
) -> None:
    """Hub view: origins → hub → destination before and after a break, watched vs other goods.

    Example: detour hub ARM --destination RUS --break-year 2022
    """
    from detour.analysis.hub import hub_view

    c = ctx_of(ctx)
    with Console(stderr=True).status(f"hub view of {iso3.upper()}"):
        view = hub_view(
            c.engine,
            c.store,
            iso3,
            destination,
            origins=_countries(origin),
            watchlist=watchlist,
            break_year=break_year,
        )
    if fmt is Format.json:
        emit(view.to_dict(), fmt)
        return
    emit(list(view.rows), fmt, title=f"{view.hub} → {view.destination}, break {view.break_year}")
    if fmt is Format.table:
        summary = {
            "substitution_ratio": view.substitution_ratio,
            "phantom_share": view.phantom_share,
            "difference_in_differences": view.did,
            **view.figures,
        }
        Console().print_json(json.dumps(summary))


register(app)
