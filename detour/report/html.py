"""Self-contained HTML report: plotly.js inlined once from the installed package, no CDN."""

from __future__ import annotations

import datetime as dt
import html
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from plotly.offline import get_plotlyjs

from detour import __version__


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    html: str
    intro: str = ""


def table_html(df: pd.DataFrame, max_rows: int = 50) -> str:
    """A plain HTML table; numbers right-aligned, lists joined, values escaped."""
    if df.empty:
        return "<p>None.</p>"
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for row in df.head(max_rows).itertuples(index=False):
        cells = []
        for v in row:
            if isinstance(v, float):
                cells.append(f'<td class="num">{"" if pd.isna(v) else f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3f}"}</td>')
            elif isinstance(v, int):
                cells.append(f'<td class="num">{v}</td>')
            elif isinstance(v, list | tuple):
                cells.append(f"<td>{html.escape(', '.join(map(str, v)))}</td>")
            else:
                cells.append(f"<td>{html.escape('' if v is None else str(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = f"<p class='meta'>{len(df) - max_rows} more rows not shown.</p>" if len(df) > max_rows else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


def write_report(path: Path, title: str, sections: list[Section], *, store: str = "", engine: str = "") -> Path:
    env = Environment(loader=PackageLoader("detour.report", "templates"), autoescape=select_autoescape(["html"]))
    text = env.get_template("report.html").render(
        title=title, sections=sections, plotly_js=get_plotlyjs(), version=__version__, store=store, engine=engine,
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path
