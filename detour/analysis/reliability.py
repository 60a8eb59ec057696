"""Reporter reliability per country and year, in the manner of BACI and the Growth Lab.

For every matched flow the CIF/FOB-adjusted absolute discrepancy ``d = |ln(M / (X (1+m)))|``
is attributed to the two reporters: ``d_ijk ≈ a_i + b_j``, where ``a_i`` is country i's error as
an exporter and ``b_j`` country j's error as an importer (BACI, Gaulier & Zignago 2010, fit the
same two-way model). The engine aggregates flows to (year, exporter, importer) cells: value-
weighted mean ``d`` and flow counts. The small two-way fixed-effects fit then runs here in
numpy by alternating weighted means (a few hundred countries; converges in a few dozen rounds).

Output per (country, year, role): the estimated error, ``reliability = exp(-error)`` in (0, 1],
the number of matched flows it rests on, and the mirror coverage: the share of the value its
partners declared with it that it declared too.
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from detour.analysis.cif_fob import attach_margin
from detour.analysis.mirror import prepare
from detour.engine.base import Engine
from detour.store.catalog import Store

ROUNDS = 50


def pair_cells(pairs: ibis.Table) -> ibis.Table:
    both = (pairs.export_value > 0) & (pairs.import_value > 0)
    d = ((pairs.import_value / pairs.margin_log.exp()) / pairs.export_value).ln().abs()
    w = pairs.export_value + pairs.import_value
    p = pairs.mutate(_d=ibis.cases((both, d), else_=ibis.null("float64")), _w=ibis.cases((both, w), else_=0.0))
    return p.group_by(["year", "exporter", "importer"]).aggregate(
        dw=(p._d * p._w).sum(), w=p._w.sum(), n=p._d.count(),
        x_total=p.export_value.sum(), m_total=p.import_value.sum(),
        x_matched=ibis.cases((both, p.export_value), else_=0.0).sum(),
        m_matched=ibis.cases((both, p.import_value), else_=0.0).sum(),
    )


def fit_two_way(cells: pd.DataFrame) -> pd.DataFrame:
    """Alternating weighted means for d_ij = a_i + b_j on one year's cells."""
    c = cells[cells["n"] > 0].copy()
    if c.empty:
        return pd.DataFrame(columns=["country", "role", "error", "flows"])
    c["d"] = c["dw"] / c["w"]
    c["wt"] = np.log1p(c["n"])
    a = pd.Series(c["d"].mean() / 2, index=c["exporter"].unique())
    b = pd.Series(c["d"].mean() / 2, index=c["importer"].unique())
    for _ in range(ROUNDS):
        r = c["d"] - b.reindex(c["importer"]).to_numpy()
        a = (r * c["wt"]).groupby(c["exporter"]).sum() / c["wt"].groupby(c["exporter"]).sum()
        a = a.clip(lower=0)
        r = c["d"] - a.reindex(c["exporter"]).to_numpy()
        b = (r * c["wt"]).groupby(c["importer"]).sum() / c["wt"].groupby(c["importer"]).sum()
        b = b.clip(lower=0)
    flows_x = c.groupby("exporter")["n"].sum()
    flows_m = c.groupby("importer")["n"].sum()
    out = [pd.DataFrame({"country": a.index, "role": "exporter", "error": a.values, "flows": flows_x[a.index].values}),
           pd.DataFrame({"country": b.index, "role": "importer", "error": b.values, "flows": flows_m[b.index].values})]
    return pd.concat(out, ignore_index=True)


def reliability(engine: Engine, store: Store, year: int | None = None) -> pd.DataFrame:
    prep = prepare(engine, store, year)
    pairs = attach_margin(prep.pairs, *prep.model.tables(), prep.model.world)
    cells = engine.execute(pair_cells(pairs))
    frames = []
    for y, group in cells.groupby("year"):
        fit = fit_two_way(group)
        if fit.empty:
            continue
        # Coverage: of the value partners declared with this country, the share it declared too.
        cov_x = group.groupby("exporter")[["m_matched", "m_total"]].sum()
        cov_m = group.groupby("importer")[["x_matched", "x_total"]].sum()
        fit["year"] = int(y)
        fit["coverage"] = [
            _share(cov_x, row.country, "m_matched", "m_total") if row.role == "exporter"
            else _share(cov_m, row.country, "x_matched", "x_total") for row in fit.itertuples()]
        frames.append(fit)
    if not frames:
        return pd.DataFrame(columns=["year", "country", "role", "error", "reliability", "flows", "coverage"])
    df = pd.concat(frames, ignore_index=True)
    df["reliability"] = np.exp(-df["error"])
    return df[["year", "country", "role", "error", "reliability", "flows", "coverage"]].sort_values(
        ["year", "reliability"], ascending=[True, False]).reset_index(drop=True)


def _share(frame: pd.DataFrame, country: str, num: str, den: str) -> float | None:
    if country not in frame.index:
        return None
    total = frame.at[country, den]
    return None if not total else float(frame.at[country, num] / total)
