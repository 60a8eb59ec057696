"""Alert sections of the HTML report: for each alert a Sankey of the route, the yearly series of
each leg as each side declared it (for unit-value alerts also the unit value each side declared,
USD per kg, on a second axis), and the evidence table.

The fragment never embeds plotly.js: the report page includes it once, inline.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from detour.analysis.declarations import annual
from detour.analysis.mirror import mirror_pairs
from detour.engine.base import Engine
from detour.model.alert import Alert
from detour.model.codes import country_name
from detour.store.catalog import Store

MAX_ALERTS = 25
COLORS = {"x": "#1f77b4", "m": "#ff7f0e"}


def _fragment(fig: go.Figure) -> str:
    return pio.to_html(fig, full_html=False, include_plotlyjs=False, config={"displaylogo": False})


def legs(alert: Alert) -> list[tuple[str, str]]:
    """(exporter, importer) legs of an alert's route, direct leg last."""
    if alert.hub is not None and alert.destination is not None:
        return [(alert.origin, alert.hub), (alert.hub, alert.destination), (alert.origin, alert.destination)]
    return [(alert.origin, alert.destination or alert.origin)]


def fetch_legs(alerts: list[Alert], engine: Engine, store: Store) -> pd.DataFrame:
    """Yearly exporter- and importer-declared values (and net weights) of every alert's legs, in
    one query."""
    countries = sorted({c for a in alerts for leg in legs(a) for c in leg})
    codes = sorted({h for a in alerts for h in a.hs})
    decl = engine.declarations(store)
    decl = decl.filter(decl.hs.isin(codes) & decl.reporter.isin(countries) & decl.partner.isin(countries))
    p = mirror_pairs(annual(decl))
    p = p.select(
        "year",
        "exporter",
        "importer",
        "hs",
        x=p.export_value.fill_null(0) + p.reexport_value.fill_null(0),
        m=p.import_value.fill_null(0),
        x_kg=p.export_kg.fill_null(0),
        m_kg=p.import_kg.fill_null(0),
    )
    return engine.execute(p.filter((p.x > 0) | (p.m > 0)).order_by(["exporter", "importer", "hs", "year"]))


def sankey(alert: Alert, series: pd.DataFrame) -> go.Figure:
    """Route volumes over the alert's years: the larger declaration of each leg."""
    yrs = series[series.year.between(alert.start, alert.end)]
    nodes: list[str] = []
    src, dst, val, lab = [], [], [], []

    def node(name: str) -> int:
        if name not in nodes:
            nodes.append(name)
        return nodes.index(name)

    for e, i in legs(alert):
        s = yrs[(yrs.exporter == e) & (yrs.importer == i)]
        total = float(s[["x", "m"]].max(axis=1).sum())
        if alert.hub is None:  # one leg: split what both sides saw from what only one side declared
            both = float(s[["x", "m"]].min(axis=1).sum())
            for label, v in (("recorded by both sides", both), ("declared by one side only", total - both)):
                if v > 0:
                    src.append(node(country_name(e)))
                    dst.append(node(f"{country_name(i)}: {label}"))
                    val.append(v)
                    lab.append(label)
        elif total > 0:
            src.append(node(country_name(e)))
            dst.append(node(country_name(i)))
            val.append(total)
            lab.append("direct" if (e, i) == (alert.origin, alert.destination) else "via hub")
    fig = go.Figure(
        go.Sankey(
            node=dict(label=nodes, pad=18, thickness=14),
            link=dict(source=src, target=dst, value=val, label=lab),
        )
    )
    fig.update_layout(
        title_text=f"USD {alert.start}–{alert.end}, HS {', '.join(alert.hs)}",
        height=300,
        margin=dict(t=40, b=10, l=10, r=10),
    )
    return fig


def timeseries(alert: Alert, series: pd.DataFrame) -> go.Figure:
    """Each leg's yearly value as each side declared it; for a unit-value alert also the unit value
    each side declared (USD per kg, the importer's CIF as declared), on a second axis."""
    prices = alert.kind == "unit_value"
    fig = make_subplots(specs=[[{"secondary_y": True}]]) if prices else go.Figure()
    for e, i in legs(alert):
        cols = ["x", "m", "x_kg", "m_kg"]
        s = series[(series.exporter == e) & (series.importer == i)].groupby("year")[cols].sum()
        for col, who, dash in (("x", f"{e} declared export", "solid"), ("m", f"{i} declared import", "dot")):
            fig.add_trace(
                go.Scatter(
                    x=s.index, y=s[col], mode="lines+markers", name=f"{e}→{i}: {who}", line=dict(dash=dash)
                )
            )
            if prices:
                kg = s[f"{col}_kg"]
                uv = (s[col] / kg.where(kg > 0)).dropna()
                fig.add_trace(
                    go.Scatter(
                        x=uv.index,
                        y=uv,
                        mode="lines+markers",
                        name=f"{e}→{i}: {who}, USD/kg",
                        line=dict(dash=dash, width=3),
                        marker=dict(symbol="diamond"),
                    ),
                    secondary_y=True,
                )
    if prices:
        fig.update_yaxes(title_text="USD/kg", secondary_y=True)
    fig.add_vrect(x0=alert.start - 0.5, x1=alert.end + 0.5, fillcolor="#d62728", opacity=0.08, line_width=0)
    fig.update_layout(
        height=320,
        margin=dict(t=30, b=30),
        yaxis_title="USD",
        xaxis=dict(dtick=1),
        legend=dict(orientation="h", y=-0.2),
    )
    return fig


def evidence_table(alert: Alert) -> str:
    head = "".join(f"<th>{h}</th>" for h in ("year", "reporter", "partner", "flow", "HS", "value (USD)"))
    body = "".join(
        f"<tr><td>{e.year}</td><td>{html.escape(e.reporter)}</td><td>{html.escape(e.partner)}</td>"
        f"<td>{html.escape(e.flow)}</td><td>{html.escape(e.hs)}</td><td class='num'>{e.value:,.0f}</td></tr>"
        for e in alert.evidence
    )
    return f"<table class='evidence'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_alert(alert: Alert, series: pd.DataFrame) -> str:
    route = " → ".join(html.escape(c) for c in (alert.origin, alert.hub, alert.destination) if c)
    mine = series[series.hs.isin(alert.hs)]
    return (
        f"<section class='alert' id='alert-{alert.id}'>"
        f"<h3>{html.escape(alert.kind.replace('_', ' '))}: {route} "
        f"<span class='meta'>score {alert.score:.1f} · HS {', '.join(alert.hs)} · "
        f"{alert.start}–{alert.end} · USD {alert.value_usd:,.0f} · id {alert.id}</span></h3>"
        f"<p>{html.escape(alert.explanation)}</p>"
        f"{_fragment(sankey(alert, mine))}{_fragment(timeseries(alert, mine))}"
        f"<details><summary>Evidence: {len(alert.evidence)} declarations</summary>"
        f"{evidence_table(alert)}</details>"
        "</section>"
    )


def render_alert_sections(
    alerts: list[Alert], engine: Engine, store: Store, *, limit: int = MAX_ALERTS
) -> str:
    """HTML fragment: one section per alert (the ``limit`` best), best first."""
    if not alerts:
        return "<p>No alerts: no watched flow moved beyond its own history and its look-alikes.</p>"
    shown = sorted(alerts, key=lambda a: (-a.score, a.id))[:limit]
    series = fetch_legs(shown, engine, store)
    more = (
        (
            f"<p class='meta'>{len(alerts) - limit} lower-scoring alerts not shown; "
            "run <code>detour detect --format json</code> for all.</p>"
        )
        if len(alerts) > limit
        else ""
    )
    return "".join(render_alert(a, series) for a in shown) + more


__all__ = ["render_alert_sections"]
