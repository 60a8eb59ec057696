"""Analysis commands: ``mirror``, ``reliability``, ``report``, ``demo``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from detour import service
from detour.cli.data import ctx_of
from detour.cli.output import Format, emit

MIRROR_COLUMNS = ["year", "exporter", "importer", "hs", "export_value", "import_value", "reexport_value",
                  "cif_fob_margin", "gap", "log_ratio", "flags"]


def register(app: typer.Typer) -> None:
    app.command("mirror")(mirror)
    app.command("reliability")(reliability)
    app.command("report")(report)
    app.command("demo")(demo)


def mirror(
    ctx: typer.Context,
    year: Annotated[int | None, typer.Option(help="Only this year")] = None,
    exporter: Annotated[str | None, typer.Option(help="Exporter ISO3")] = None,
    importer: Annotated[str | None, typer.Option(help="Importer ISO3")] = None,
    hs: Annotated[str | None, typer.Option(help="HS code prefix, e.g. 9306 or 8542.31")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table | csv | json")] = Format.table,
) -> None:
    """Mirror view: exporter's and importer's declarations of each flow, side by side.

    Example: detour mirror --year 2022 --exporter SRB --hs 9306 --format json
    """
    df = service.mirror(ctx_of(ctx), year=year, exporter=exporter, importer=importer, hs=hs)
    emit(df, fmt, title="mirror", columns=MIRROR_COLUMNS)


def reliability(
    ctx: typer.Context,
    year: Annotated[int | None, typer.Option(help="Only this year")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table | csv | json")] = Format.table,
) -> None:
    """Reporter reliability index per country, year and role (BACI-style two-way model).

    Example: detour reliability --year 2021
    """
    emit(service.reliability(ctx_of(ctx), year), fmt, title="reporter reliability")


def report(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="HTML file to write")] = Path("detour-report.html"),
    alerts: Annotated[bool, typer.Option(help="Run the detectors and add their alerts")] = True,
    article: Annotated[list[Path] | None, typer.Option(help="Articles whose claims to check and add")] = None,
    published: Annotated[str | None, typer.Option(help="Publication date of the articles, YYYY-MM-DD")] = None,
) -> None:
    """Write the HTML report: mirror gaps of the top corridors, reliability, alerts, claim checks.

    Example: detour report --out report.html
    """
    path = service.report(ctx_of(ctx), out, with_alerts=alerts, articles=article or [], published=published)
    print(path)


def demo(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="Directory for the sample, the store and the report")] = Path("demo-output"),
    seed: Annotated[int, typer.Option(help="Seed of the deterministic sample")] = 2025,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table | json summary")] = Format.table,
) -> None:
    """Build a deterministic Comtrade+ sample with every real-file quirk, ingest it, and report.

    Example: detour demo --out demo-output
    """
    result = service.demo(out, seed=seed, engine=(ctx.obj or {}).get("engine"))
    if fmt is Format.json:
        emit(result, fmt)
    else:
        Console(stderr=True).print(f"[green]demo done[/green] in {result['seconds']:.1f}s: "
                                   f"{result['rows_written']:,} declarations, {result['alerts']} alerts")
        print(result["report"])
