"""Rendering of command results: a rich table for people, CSV or JSON for programs.

Data goes to stdout; progress and logs go to stderr, so ``--format json | jq`` always works.
"""

from __future__ import annotations

import json
import math
import sys
from enum import StrEnum
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table

# Alert kinds as a table column shows them (narrow enough for 80 columns, still words).
SHORT_KIND = {
    "transshipment": "transship",
    "transformation": "assembly",
    "phantom_export": "phantom",
    "undeclared_export": "undeclared",
    "unit_value": "price",
}


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if hasattr(value, "tolist"):
        return jsonable(value.tolist())
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [jsonable(r) for r in df.astype(object).where(df.notna(), None).to_dict(orient="records")]


def emit(data: pd.DataFrame | list[dict[str, Any]] | dict[str, Any], fmt: Format | str, *,
         title: str | None = None, columns: list[str] | None = None, limit: int | None = 200) -> None:
    fmt = Format(fmt)
    if isinstance(data, dict):
        text = json.dumps(jsonable(data), indent=2, default=str)
        if fmt is Format.table:
            Console().print_json(text)
        else:
            print(text)
        return
    df = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    if columns:
        df = df[[c for c in columns if c in df.columns]]
    if fmt is Format.json:
        json.dump(records(df), sys.stdout, indent=1, default=str)
        sys.stdout.write("\n")
    elif fmt is Format.csv:
        out = df.copy()
        for col in out.columns:
            if out[col].map(lambda v: isinstance(v, list | tuple)).any():
                out[col] = out[col].map(lambda v: ";".join(map(str, v)) if isinstance(v, list | tuple) else v)
        out.to_csv(sys.stdout, index=False)
    else:
        table = Table(title=title, show_lines=False)
        for col in df.columns:
            table.add_column(str(col), justify="right" if pd.api.types.is_numeric_dtype(df[col]) else "left")
        shown = df if limit is None else df.head(limit)
        for row in shown.itertuples(index=False):
            table.add_row(*[_cell(v) for v in row])
        console = Console()
        console.print(table)
        if limit is not None and len(df) > limit:
            Console(stderr=True).print(f"[dim]{len(df) - limit} more rows; use --format csv or json for all[/dim]")


def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float):
        return f"{v:,.4f}" if abs(v) < 10 else f"{v:,.0f}"
    if isinstance(v, dict):
        return ", ".join(f"{k}={_cell(x)}" for k, x in v.items())
    if isinstance(v, list | tuple):
        ints = [x for x in v if isinstance(x, int)]
        if len(ints) == len(v) > 2 and ints == list(range(ints[0], ints[-1] + 1)):
            return f"{ints[0]}–{ints[-1]}"
        return ", ".join(_cell(x) for x in v)
    return str(v)
