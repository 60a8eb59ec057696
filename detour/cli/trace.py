"""``detour trace``: why a route (three countries) or a declared pair (two) was flagged, or why not.

The table is for a person at an 80-column terminal or a pipe: a verdict per detector, then a few
essential columns per candidate code (kind, HS, years, the main z's, the evidence, the stage),
and under it one numbered line per code with the other figures and the reason in words.
``--format json`` and ``--format csv`` carry every field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import numpy as np
import pandas as pd
import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from detour.cli.data import ctx_of
from detour.cli.output import SHORT_KIND, Format, emit
from detour.errors import ConfigError

if TYPE_CHECKING:
    from detour.detectors.trace import RouteTrace
    from detour.detectors.trace_pair import PairTrace


def trace(
    ctx: typer.Context,
    countries: Annotated[
        list[str],
        typer.Argument(
            metavar="ORIGIN [HUB] DESTINATION",
            help="ISO3 codes: ORIGIN HUB DESTINATION traces a route (e.g. SRB CZE UKR), ORIGIN PARTNER a "
            "declared pair (e.g. DEU ARM)",
        ),
    ],
    watchlist: Annotated[
        list[str] | None,
        typer.Option("--watchlist", "-w", help="Watch-list name or YAML file, as for detect"),
    ] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            help="With three countries transshipment and/or transformation; with two phantom_export, "
            "undeclared_export and/or unit_value (default: all that apply)"
        ),
    ] = None,
    since: Annotated[int | None, typer.Option(help="Only patterns starting in or after this year")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table | csv | json")] = Format.table,
    limit: Annotated[int, typer.Option(help="Candidate codes shown in the table (0 = all)")] = 15,
) -> None:
    """Why a route or a declared pair was flagged, or why not: the evidence and the stage where it stopped.

    Three countries trace a route (transshipment, transformation); two a pair (gaps, unit values).

    Example: detour trace SRB CZE UKR --format json; detour trace DEU ARM
    """
    if len(countries) not in (2, 3):
        raise ConfigError(
            f"trace takes two countries (ORIGIN PARTNER) or three (ORIGIN HUB DESTINATION), "
            f"got {len(countries)}",
            hint="e.g. detour trace DEU ARM, or detour trace SRB CZE UKR",
        )
    c = ctx_of(ctx)
    names = " → ".join(x.upper() for x in countries)
    result: RouteTrace | PairTrace
    with Console(stderr=True).status(f"tracing {names}"):
        if len(countries) == 3:
            from detour.detectors.trace import trace_route

            result = trace_route(c.engine, c.store, *countries, kinds=kind, watchlist=watchlist, since=since)
        else:
            from detour.detectors.trace_pair import trace_pair

            result = trace_pair(c.engine, c.store, *countries, kinds=kind, watchlist=watchlist, since=since)
    if fmt is Format.json:
        emit(result.to_dict(), fmt)
        return
    if fmt is Format.csv:
        emit(result.rows, fmt)
        return
    console = Console()
    unit = "code pairs" if len(countries) == 3 else "codes"
    for k, sentence in result.verdicts.items():
        n = result.candidates.get(k, 0)
        console.print(f"[bold]{k}[/bold] ({n} candidate {unit}): {escape(sentence)}")
    shown = result.rows.head(limit or None)
    if not len(shown):
        return
    table, lines = _route_table(shown) if len(countries) == 3 else _pair_table(shown)
    console.print(table)
    for i, line in enumerate(lines, 1):
        console.print(f"[dim]{i}. {escape(line)}[/dim]")
    if len(result.rows) > len(shown):
        Console(stderr=True).print(
            f"[dim]{len(result.rows) - len(shown)} more; use --format json or csv for all[/dim]"
        )


def _table(title: str, heads: tuple[str, ...], left: tuple[str, ...]) -> Table:
    # No vertical rules and tight padding: the essentials fit 80 columns without truncation.
    table = Table(title=title, box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False)
    for col in heads:
        table.add_column(col, justify="left" if col in left else "right", overflow="fold")
    return table


def _f(v: float, fmt: str = ".2f") -> str:
    return "" if pd.isna(v) else format(v, fmt)


def _route_table(rows: pd.DataFrame) -> tuple[Table, list[str]]:
    from detour.detectors.pair_reasons import usd

    table = _table(
        "code pairs, best evidence first",
        ("#", "kind", "HS in → out", "years", "z in", "z out", "evid.", "stage"),
        ("kind", "HS in → out", "stage"),
    )
    lines = []
    for i, r in enumerate(rows.itertuples(), 1):
        hs = r.hs_in if r.hs_in == r.hs_out else f"{r.hs_in}→{r.hs_out}"
        table.add_row(
            str(i), SHORT_KIND[r.kind], hs, f"{r.t1}/{r.t2}", _f(r.z_in), _f(r.z_out), _f(r.evidence), r.stage
        )
        figures = (
            f"{r.kind} HS {r.hs_in} → {r.hs_out}: hub {_f(r.hub_weight)}, reason {_f(r.reason)}, "
            f"fit {_f(r.fit)}, support {_f(r.support)}, z_fit {_f(r.z_fit)}, prior {_f(r.prior)}"
        )
        if np.isfinite(float(getattr(r, "price_ratio", np.nan))):
            figures += f", price out/in {_f(r.price_ratio)}"
        chapter = float(getattr(r, "open_chapter", 0.0) or 0.0)
        if chapter > 0:  # context, never a discount (``routes.reason.open_chapter``)
            figures += f"; open trade in the rest of the chapter {usd(chapter)} a year (no discount)"
        lines.append(figures + (f"; {r.detail}" if r.detail else ""))
    return table, lines


def _pair_table(rows: pd.DataFrame) -> tuple[Table, list[str]]:
    table = _table(
        "candidate codes, best first",
        ("#", "kind", "HS", "years", "z break", "z", "evid.", "stage"),
        ("kind", "HS", "stage"),
    )
    lines = []
    for i, r in enumerate(rows.itertuples(), 1):
        years = str(r.start) if r.start == r.end else f"{r.start}–{r.end}"
        kind = SHORT_KIND[r.kind]
        table.add_row(str(i), kind, r.hs, years, _f(r.z_break), _f(r.z), _f(r.evidence), r.stage)
        lines.append(f"{r.kind} HS {r.hs}: {r.detail}")
    return table, lines
