"""Commands that put data into the store and describe it: ``ingest``, ``store``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from detour import service
from detour.cli.output import Format, emit


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
    app.command("store")(store)


def ctx_of(ctx: typer.Context) -> service.Context:
    obj = ctx.obj or {}
    return service.Context.create(obj.get("store"), obj.get("engine"))


def ingest(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files to ingest (CSV/TSV, optionally .gz), or directories of them")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="Input format: comtrade | baci | csv")] = "comtrade",
    mapping: Annotated[Path | None, typer.Option(help="YAML column mapping (for --format csv)")] = None,
    skip_invalid: Annotated[bool, typer.Option(help="Skip bad rows and report counts by reason")] = False,
    replace: Annotated[bool, typer.Option(help="Supersede stored files covering the same reporter-years")] = False,
    output: Annotated[Format, typer.Option("--output", "-o", help="Report format: table | csv | json")] = Format.table,
) -> None:
    """Ingest trade files into the store: atomic per file, idempotent, validated.

    Example: detour ingest comtrade_2022.csv.gz --format comtrade
    A directory stands for its data files: detour ingest downloads/comtrade/ --format comtrade
    """
    reports = service.ingest(ctx_of(ctx), paths, fmt, mapping=mapping, skip_invalid=skip_invalid, replace=replace)
    emit(reports, output, title="ingest", columns=["path", "status", "source", "rows_read", "rows_written",
                                                    "chapter_rows", "dropped", "skipped", "years", "replaced"])


def store(
    ctx: typer.Context,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table | json")] = Format.table,
) -> None:
    """Describe the store: files, rows, sources and years.

    Example: detour store --format json
    """
    emit(service.store_info(ctx_of(ctx)), fmt)
