"""Plotly figures for the HTML report. Each returns an HTML fragment without plotly.js."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots


def fragment(fig: go.Figure) -> str:
    return pio.to_html(fig, full_html=False, include_plotlyjs=False, config={"displaylogo": False})


def top_corridors(mirror: pd.DataFrame, n: int = 6) -> list[tuple[str, str]]:
    """Corridors with the largest declared trade (max of both sides), over all years."""
    m = mirror.assign(size=mirror[["export_value", "import_value"]].max(axis=1))
    ranked = m.groupby(["exporter", "importer"])["size"].sum().sort_values(ascending=False)
    return list(ranked.head(n).index)


def mirror_gap_chart(mirror: pd.DataFrame, corridors: list[tuple[str, str]]) -> str:
    """Per corridor: exporter-declared FOB vs importer-declared CIF by year, and the gap share."""
    if not corridors:
        return "<p>No mirror data.</p>"
    rows = (len(corridors) + 1) // 2
    fig = make_subplots(rows=rows, cols=2, subplot_titles=[f"{o} → {d}" for o, d in corridors],
                        specs=[[{"secondary_y": True}] * 2] * rows, vertical_spacing=0.12 / max(rows, 1) * 2)
    for i, (o, d) in enumerate(corridors):
        c = mirror[(mirror.exporter == o) & (mirror.importer == d)]
        y = c.groupby("year")[["export_value", "import_value", "gap"]].sum(min_count=1).sort_index()
        share = y["gap"] / y[["export_value", "import_value"]].max(axis=1)
        r, col = i // 2 + 1, i % 2 + 1
        first = i == 0
        fig.add_trace(go.Bar(x=y.index, y=y["export_value"], name="declared by exporter (FOB)",
                             marker_color="#1f77b4", showlegend=first, legendgroup="x"), row=r, col=col)
        fig.add_trace(go.Bar(x=y.index, y=y["import_value"], name="declared by importer (CIF)",
                             marker_color="#ff7f0e", showlegend=first, legendgroup="m"), row=r, col=col)
        fig.add_trace(go.Scatter(x=y.index, y=share, name="CIF/FOB-adjusted gap share", mode="lines+markers",
                                 line_color="#2ca02c", showlegend=first, legendgroup="g"),
                      row=r, col=col, secondary_y=True)
    fig.update_layout(barmode="group", height=320 * rows, margin=dict(t=60, b=30),
                      legend=dict(orientation="h", y=1.04 + 0.02 * rows))
    fig.update_yaxes(title_text="USD", secondary_y=False)
    fig.update_yaxes(title_text="gap share", secondary_y=True, tickformat=".0%", range=[-1, 1])
    return fragment(fig)


def reliability_chart(rel: pd.DataFrame, n: int = 25) -> str:
    """Heatmap of reporter reliability (exp(-error)) by country and year, as exporter and importer."""
    if rel.empty:
        return "<p>Not enough matched flows to estimate reliability.</p>"
    fig = make_subplots(rows=1, cols=2, subplot_titles=["as exporter", "as importer"], horizontal_spacing=0.12)
    for j, role in enumerate(("exporter", "importer")):
        r = rel[rel.role == role]
        worst = r.groupby("country")["reliability"].mean().sort_values().head(n).index
        grid = r[r.country.isin(worst)].pivot_table(index="country", columns="year", values="reliability")
        grid = grid.loc[[c for c in worst if c in grid.index]]
        fig.add_trace(go.Heatmap(z=grid.values, x=[str(c) for c in grid.columns], y=list(grid.index),
                                 zmin=0, zmax=1, colorscale="RdYlGn", showscale=j == 1,
                                 colorbar=dict(title="reliability")), row=1, col=j + 1)
    fig.update_layout(height=max(360, 22 * n), margin=dict(t=50, b=30))
    return fragment(fig)
