"""Report sections for checked claims: the claim as data, its grade, the verdict and the legs."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from detour.report.charts import fragment
from detour.report.html import Section, table_html

VERDICT_COLOURS = {"supported": "#1a7f37", "partly supported": "#9a6700", "not supported": "#57606a",
                   "contradicted": "#cf222e", "not testable": "#8250df"}


def _parties(ps: list[dict] | None) -> str:
    return ", ".join(f"{p['name']}" + (f" ({p['iso3']})" if p.get("iso3") and p["iso3"] != p["name"] else "")
                     for p in ps or []) or "—"


def legs_chart(series: dict[str, dict[str, list]]) -> str:
    series = {k: v for k, v in series.items() if v and len(v.get("year", [])) > 0}
    if not series:
        return "<p class='meta'>No declarations on any leg: nothing to chart.</p>"
    fig = make_subplots(rows=1, cols=len(series), subplot_titles=list(series))
    for i, (name, s) in enumerate(series.items(), start=1):
        df = pd.DataFrame(s)
        if df.empty:
            continue
        fig.add_trace(go.Bar(x=df.year, y=df.export_value, name="declared by exporters", marker_color="#1f77b4",
                             showlegend=i == 1, legendgroup="x"), row=1, col=i)
        fig.add_trace(go.Bar(x=df.year, y=df.import_value, name="declared by importers", marker_color="#ff7f0e",
                             showlegend=i == 1, legendgroup="m"), row=1, col=i)
    fig.update_layout(barmode="group", height=330, margin=dict(t=50, b=30), legend=dict(orientation="h", y=-0.15))
    fig.update_yaxes(title_text="USD", col=1)
    return fragment(fig)


def claim_section(result: dict[str, Any], n: int) -> Section:
    stored, a = result["claim"], result["assessment"]
    c = stored["claim"]
    facts = pd.DataFrame([
        ("kind", c["kind"]), ("supplier", _parties(c.get("supplier"))), ("via", _parties(c.get("via"))),
        ("recipient", _parties(c.get("recipient"))),
        ("goods", f"{', '.join(c['items']['words'])} → HS {', '.join(c['items']['hs']) or '—'}; "
                  f"ML {', '.join(c['items']['ml']) or '—'}"),
        ("period", " – ".join(filter(None, [c["period"].get("start"), c["period"].get("end")])) or "not stated"),
        ("modality", ", ".join(c.get("modality") or []) or "—"),
        ("claimant", _parties([c["claimant"]]) if c.get("claimant") else "—"),
        ("channel", _parties([c["channel"]]) if c.get("channel") else "—"),
        ("status", c["status"]), ("hedges", ", ".join(c.get("hedges") or []) or "—"),
        ("Admiralty grade", stored["grade"]), ("marking", str(stored.get("marking", {}).get("read", ""))),
        ("warnings", "; ".join(c.get("warnings") or []) or "—"),
    ], columns=["field", "value"])
    colour = VERDICT_COLOURS.get(a["verdict"], "#333")
    verdict = (f"<p class='verdict' style='color:{colour}'>Verdict: {html.escape(a['verdict'])} "
               f"(confidence {a['confidence']}/100)</p><ul>"
               + "".join(f"<li>{html.escape(r)}</li>" for r in a["reasons"]) + "</ul>")
    quotes = "".join(f"<blockquote>{html.escape(e['sentence'])}</blockquote>" for e in c.get("evidence") or [])
    settle = "<p><b>What data would settle it:</b></p><ul>" + "".join(
        f"<li>{html.escape(s)}</li>" for s in a.get("settle") or []) + "</ul>"
    body = (quotes + table_html(facts) + verdict + legs_chart(a.get("series") or {})
            + "<h3>Evidence declarations</h3>" + table_html(pd.DataFrame(a.get("evidence") or []), 30) + settle)
    return Section(f"claim-{n}", f"Claim {n}: {c['kind']} — {_parties(c.get('supplier'))} → "
                                 f"{_parties(c.get('recipient'))}", body)


def claim_sections(results: list[dict[str, Any]]) -> list[Section]:
    return [claim_section(r, i) for i, r in enumerate(results, start=1)]
