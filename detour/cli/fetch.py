"""``detour fetch``: download source data from remote APIs, then ingest it into the store.

Progress goes to stderr; the summary goes to stdout as a table or, with ``--format json``, as
one JSON object ``{"fetch": {...}, "ingest": [...]}``.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from detour import settings
from detour.errors import ConfigError
from detour.fetch.comtrade_api import (
    COMTRADE_FIELDS,
    FREE_TIER_MAX_RECORDS,
    PREMIUM_MAX_RECORDS,
    ComtradeClient,
    FetchResult,
    fetch_comtrade,
)
from detour.fetch.comtrade_chunks import DEFAULT_FLOWS
from detour.fetch.comtrade_merge import merge_for_ingest

app = typer.Typer(
    help="Download trade data from remote APIs (UN Comtrade+) and ingest it.", no_args_is_help=True
)


@app.callback()
def fetch() -> None:
    """Download trade data from remote APIs (UN Comtrade+) and ingest it."""


def split_list(values: list[str] | None) -> list[str]:
    """Repeatable options that may also hold comma lists → flat list of non-empty items."""
    return [item.strip() for value in values or [] for item in value.split(",") if item.strip()]


def parse_years(text: str) -> list[int]:
    """``2019-2023``, ``2021,2022`` or a mix (``2015,2019-2021``) → sorted distinct years."""
    years: set[int] = set()
    for part in split_list([text]):
        first, sep, last = part.partition("-")
        try:
            lo, hi = int(first), int(last if sep else first)
        except ValueError:
            raise ConfigError(
                f"bad year range {part!r}", hint="write years like 2019-2023 or 2021,2022"
            ) from None
        if not (1962 <= lo <= hi <= 2100):
            raise ConfigError(f"bad year range {part!r}", hint="years run 1962-2100, low to high")
        years.update(range(lo, hi + 1))
    if not years:
        raise ConfigError("no years given", hint="write years like 2019-2023 or 2021,2022")
    return sorted(years)


def _report_dict(report: Any) -> Any:
    if hasattr(report, "to_dict"):
        return report.to_dict()
    if dataclasses.is_dataclass(report) and not isinstance(report, type):
        return dataclasses.asdict(report)
    return str(report)


def _print_table(result: FetchResult, reports: list[Any]) -> None:
    table = Table(title="Comtrade+ fetch", show_header=False)
    for name, value in (
        ("download directory", str(result.out_dir)),
        ("chunk files", str(len(result.paths))),
        ("fetched now", str(result.fetched)),
        ("already on disk", str(result.skipped)),
        ("split (record cap)", str(result.split)),
        ("API requests", str(result.requests)),
        ("rows fetched", str(result.rows_fetched)),
        ("ingested files", str(len(reports)) if reports else "-"),
    ):
        table.add_row(name, value)
    Console().print(table)


@app.command("comtrade")
def comtrade(
    ctx: typer.Context,
    reporter: Annotated[
        list[str], typer.Option("--reporter", "-r", help="Reporter ISO3; repeat or comma list.")
    ],
    hs: Annotated[
        list[str], typer.Option("--hs", help="HS codes (2, 4 or 6 digits, or TOTAL); repeat or comma list.")
    ],
    years: Annotated[str, typer.Option("--years", "-y", help="Years, e.g. 2019-2023 or 2021,2022.")],
    partner: Annotated[
        list[str] | None, typer.Option("--partner", "-p", help="Partner ISO3 (W00 = World); default all.")
    ] = None,
    freq: Annotated[str, typer.Option("--freq", help="A (annual) or M (monthly).")] = "A",
    flow: Annotated[str, typer.Option("--flow", help="Flow codes, comma list.")] = ",".join(DEFAULT_FLOWS),
    breakdown: Annotated[
        str, typer.Option("--breakdown", help="classic (totals) or plus (by transport mode, customs...).")
    ] = "classic",
    expand: Annotated[
        bool, typer.Option("--expand/--no-expand", help="Also fetch the HS6 codes under 2/4-digit codes.")
    ] = True,
    out: Annotated[Path | None, typer.Option("--out", help="Download directory.")] = None,
    ingest: Annotated[
        bool, typer.Option("--ingest/--no-ingest", help="Ingest the files into the store.")
    ] = True,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace", help="Let the new files supersede stored files for the same reporter-years."
        ),
    ] = False,
    max_codes: Annotated[
        int | None,
        typer.Option("--max-codes", min=1, help="Most HS codes per request (default: from the cap)."),
    ] = None,
    min_interval: Annotated[
        float, typer.Option("--min-interval", min=0, help="Seconds between API calls (be gentle).")
    ] = 1.0,
    premium: Annotated[
        bool, typer.Option("--premium", help="Premium key: 250,000 records per call.")
    ] = False,
    fmt: Annotated[str | None, typer.Option("--format", help="table or json.")] = None,
) -> None:
    """Download UN Comtrade+ records (needs DETOUR_COMTRADE_KEY); re-running resumes."""
    obj = ctx.obj if isinstance(ctx.obj, dict) else {}
    store = Path(obj.get("store") or settings.store_dir())
    fmt = (fmt or obj.get("format") or "table").lower()
    if fmt not in ("table", "json"):
        raise ConfigError(f"unknown format {fmt!r}", hint="use --format table or --format json")
    out_dir = out or store / "downloads" / "comtrade"
    reporters, partners, codes = split_list(reporter), split_list(partner) or None, split_list(hs)
    year_list, flows = parse_years(years), split_list([flow])
    max_records = PREMIUM_MAX_RECORDS if premium else FREE_TIER_MAX_RECORDS
    client = ComtradeClient(max_records=max_records, min_interval=min_interval)
    err = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with client, Progress(*columns, console=err, transient=fmt == "json") as bar:
        task = bar.add_task("Comtrade+ chunks", total=None)

        def advance(done: int, total: int, label: str) -> None:
            bar.update(task, completed=done, total=total, description=f"Comtrade+ {label}")

        result = fetch_comtrade(
            reporters, partners, codes, year_list, freq=freq, out_dir=out_dir, progress=advance,
            flows=flows, breakdown=breakdown, client=client, expand=expand, hs_group_size=max_codes,
        )  # fmt: skip
    reports: list[Any] = []
    merged: list[Path] = []
    if ingest and result.paths:
        from detour.ingest import ingest_paths  # lazy: ingest pulls in the engine

        # The store holds one file per reporter-year slice; chunks cut it by HS code and partner.
        merged = merge_for_ingest(result.out_dir, result.paths, COMTRADE_FIELDS)
        reports = ingest_paths(store, merged, fmt="comtrade", replace=replace, progress=fmt != "json")
    if fmt == "json":
        summary = {
            "fetch": result.to_dict(),
            "merged": [str(p) for p in merged],
            "ingest": [_report_dict(r) for r in reports],
        }
        typer.echo(json.dumps(summary, indent=2, default=str))
    else:
        _print_table(result, reports)
