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
    app.command("roundabout")(roundabout)


def _years(text: str | None) -> list[int] | None:
    if not text:
        return None
    if "-" in text:
        a, b = text.split("-", 1)
        return list(range(int(a), int(b) + 1))
    return [int(y) for y in text.split(",")]


def roundabout(
    ctx: typer.Context,
    hub: Annotated[list[str], typer.Option(help="Candidate hubs, ISO3 (repeat or comma-separate)")],
    destination: Annotated[str, typer.Option("--destination", "-d", help="Destination ISO3, e.g. RUS")],
    origins: Annotated[str, typer.Option(help="Origin group: coalition | eu27")] = "coalition",
    watchlist: Annotated[str | None, typer.Option(help="Watched goods (default: TOTAL, for total-goods data)")] = None,
    pre: Annotated[str | None, typer.Option(help="Years before, e.g. 2019-2021")] = None,
    post: Annotated[str | None, typer.Option(help="Years after, e.g. 2022-2023")] = None,
    pooled: Annotated[str | None, typer.Option(help="Hubs whose phantom share is pooled, e.g. ARM,KAZ,KGZ")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table | csv | json")] = Format.table,
) -> None:
    """Rank hubs for rerouting the origins' trade to a destination, with phantom shares.

    Example: detour roundabout --hub ARM,GEO,KAZ,KGZ,UZB -d RUS --origins eu27 --pre 2019-2021 --post 2022-2023
    """
    hubs = [h for item in hub for h in item.split(",") if h]
    result = service.roundabout(ctx_of(ctx), hubs, destination, origins, watchlist, _years(pre), _years(post),
                                pooled=pooled.split(",") if pooled else None)
    if fmt is Format.json:
        emit(result, fmt)
        return
    if fmt is Format.csv:
        emit(result["ranks"], fmt)
        return

    def musd(v: float | None) -> float | None:
        return None if v is None else round(v / 1e6, 1)

    rows = [{"hub": r["hub"], "+origins→hub USDm/yr": musd(r["additional_origin_exports"]),
             "+hub→dest USDm/yr": musd(r["additional_hub_exports"]), "capacity USDm/yr": musd(r["rerouting_capacity"]),
             "origins→hub growth": r["origin_growth"], "phantom share": r["phantom_share"]} for r in result["ranks"]]
    emit(rows, fmt, title=f"hubs for rerouting to {result['destination']} "
                          f"(direct fall {musd(result['ranks'][0]['direct_fall']) if result['ranks'] else '—'} USDm/yr)")
    if fmt is Format.table:
        Console().print(f"pooled phantom share of {', '.join(result['pooled_hubs'])}: "
                        f"{result['pooled_phantom_share']}")


def mirror(
    ctx: typer.Context,
    year: Annotated[int | None, typer.Option(help="Only this year")] = None,
    exporter: Annotated[str | None, typer.Option(help="Exporter ISO3")] = None,
    importer: Annotated[str | None, typer.Option(help="Importer ISO3")] = None,
    hs: Annotated[str | None, typer.Option(help="HS code prefix, e.g. 9306 or 8542.31")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Write the view to this new directory as Parquet, one file per year, a year at a time "
             "(for the whole world; prints a summary instead of rows)")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table | csv | json")] = Format.table,
) -> None:
    """Mirror view: exporter's and importer's declarations of each flow, side by side.

    Example: detour mirror --year 2022 --exporter SRB --hs 9306 --format json
    Whole world, any size: detour mirror --out mirror-parquet
    """
    if out is not None:
        res = service.write_mirror(ctx_of(ctx), out, year=year, exporter=exporter, importer=importer, hs=hs)
        emit(res if fmt is Format.json else [res], fmt, title="mirror written")
        return
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
