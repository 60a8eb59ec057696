"""Routes origin → hub → destination: shared by the transshipment and transformation detectors.

Engine side (``route_candidates``): flow-years that surge (value at least ``growth`` times the
flow's mean of all earlier years, and at least ``min_value``) are found with one window pass;
inbound surges O→H are joined to outbound surges H→D in the same year or a year later, with
linked goods (the same HS6 for transshipment, component → product for transformation).

Pandas side (``score_routes``), per candidate route, for every admissible break year ``t``:

- ``z_in``: robust z of O→H at ``t`` on its own history;
- ``z_out``: robust z of H→D at ``t`` or ``t+1``, *minus the growth of the destination's imports
  of the same goods from everyone else* (a difference in differences, in log units, over the
  root sum of squares of both noises). A destination buying more from all its suppliers lifts
  every one of them and scores nothing;
- the direct flow O→D must have stopped (post median at most ``stop_ratio`` × pre median) or
  never been material (post median below ``min_value``); otherwise the route is not needed.

The route's evidence z is ``min(z_in, z_out)`` (both legs must move: a country's own
procurement surge has no onward leg), multiplied by ``1 + prior`` for a listed hub.
"""

from __future__ import annotations

from collections.abc import Callable

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from detour.detectors.base import Scope
from detour.detectors.panel import Panel
from detour.detectors.scoring import admissible, break_stats, excess, log_level, mask, matrix

Pred = Callable[[ir.StringValue], ir.BooleanValue]


def surges(panel: Panel) -> ibis.Table:
    p, prm = panel.pairs, panel.params
    w = ibis.window(group_by=[p.exporter, p.importer, p.hs], order_by=p.year, preceding=None, following=0)
    # A code's first year anywhere in the data: flows in a code HS revisions created are not "new".
    born = p.year.min().over(ibis.window(group_by=p.hs))
    t = p.mutate(prev_sum=p.v.sum().over(w) - p.v, born=born)
    prev_mean = t.prev_sum / ibis.greatest(t.year - t.born, 1)
    keep = (t.year - t.born >= prm.min_pre) & (t.v >= prm.min_value) & (t.v >= prm.growth * prev_mean)
    if prm.since is not None:
        keep &= t.year >= prm.since - 1  # an inbound leg may surge a year before the outbound one
    return t.filter(keep)


def route_candidates(panel: Panel, scope: Scope, inbound: Pred, outbound: Pred,
                     link: Callable[[ir.StringValue, ir.StringValue], ir.BooleanValue]) -> ibis.Table:
    s = surges(panel)
    a = s.filter(inbound(s.hs))
    if scope.origins is not None:
        a = a.filter(a.exporter.isin(sorted(scope.origins)))
    if scope.hubs is not None:
        a = a.filter(a.importer.isin(sorted(scope.hubs)))
    a = a.select(o=a.exporter, h=a.importer, hs_in=a.hs, t1=a.year)
    b = s.view()
    b = b.filter(outbound(b.hs))
    if scope.destinations is not None:
        b = b.filter(b.importer.isin(sorted(scope.destinations)))
    b = b.select(h2=b.exporter, d=b.importer, hs_out=b.hs, t2=b.year)
    j = a.join(b, [a.h == b.h2, link(a.hs_in, b.hs_out), b.t2 >= a.t1, b.t2 <= a.t1 + 1, a.o != b.d])
    return j.select("o", "h", "d", "hs_in", "hs_out").distinct()


def _legs(panel: Panel, cand: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    keys = pd.concat([
        cand[["o", "h", "hs_in"]].set_axis(["exporter", "importer", "hs"], axis=1),
        cand[["h", "d", "hs_out"]].set_axis(["exporter", "importer", "hs"], axis=1),
        cand[["o", "d", "hs_out"]].set_axis(["exporter", "importer", "hs"], axis=1),
    ]).drop_duplicates()
    rows = panel.series(keys, {"exporter": "exporter", "importer": "importer", "hs": "hs"})
    p = panel.pairs
    dest = cand[["d", "hs_out"]].drop_duplicates().set_axis(["importer", "hs"], axis=1)
    tot = p.semi_join(ibis.memtable(dest), ["importer", "hs"]).group_by(["importer", "hs", "year"]).aggregate(
        v=p.v.sum())
    return rows, panel.engine.execute(tot)


def score_routes(panel: Panel, cand: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per candidate route: z, t1, t2, end, value_usd and the leg z's; plus the fetched leg rows."""
    prm, years = panel.params, panel.years
    cand = cand.reset_index(drop=True)
    rows, tot = _legs(panel, cand)

    def leg(a: str, b: str, hs: str) -> np.ndarray:
        idx = cand[[a, b, hs]].set_axis(["exporter", "importer", "hs"], axis=1)
        return matrix(rows, ["exporter", "importer", "hs"], "v", years, idx)

    v_in, v_out, v_dir = leg("o", "h", "hs_in"), leg("h", "d", "hs_out"), leg("o", "d", "hs_out")
    total = matrix(tot, ["importer", "hs"], "v", years, cand[["d", "hs_out"]].set_axis(["importer", "hs"], axis=1))
    obs_in = panel.observed(cand.o, cand.h, cand.hs_in)
    obs_out = panel.observed(cand.h, cand.d, cand.hs_out)
    obs_dir = panel.observed(cand.o, cand.d, cand.hs_out)
    c = prm.floor_usd
    l_in, l_out = mask(log_level(v_in, c), obs_in), mask(log_level(v_out, c), obs_out)
    l_oth = mask(log_level(total - v_out, c), obs_out)
    d_dir = mask(v_dir, obs_dir)
    n, T = v_in.shape
    z_in, z_out, ok = (np.full((n, T), np.nan) for _ in range(3))
    for t in admissible(years, prm):
        z_in[:, t] = break_stats(l_in, t, prm)[0]
        zo, pre_o, post_o, sig_o = break_stats(l_out, t, prm)
        _, pre_x, post_x, sig_x = break_stats(l_oth, t, prm)
        # A difference of two noisy changes: its noise is the root sum of squares of both.
        z_out[:, t] = (post_o - pre_o - np.fmax(np.nan_to_num(post_x - pre_x), 0.0)) / np.hypot(sig_o, sig_x)
        z_out[np.isnan(zo), t] = np.nan
        pre_d = np.nan_to_num(np.nanmedian(np.where(np.isnan(d_dir[:, :t]), 0, d_dir[:, :t]), axis=1))
        post_d = np.nan_to_num(np.nanmedian(np.where(np.isnan(d_dir[:, t:]), 0, d_dir[:, t:]), axis=1))
        ok[:, t] = (post_d <= prm.stop_ratio * pre_d) | (post_d < prm.min_value)
    nxt = np.concatenate([z_out[:, 1:], np.full((n, 1), np.nan)], axis=1)
    lag = np.nan_to_num(nxt, nan=-np.inf) > np.nan_to_num(z_out, nan=-np.inf)
    best_out = np.where(lag, nxt, z_out)
    zc = np.fmin(z_in, best_out)
    zc[(ok != 1) | np.isnan(z_in) | np.isnan(best_out)] = -np.inf
    t1 = zc.argmax(axis=1)
    z = zc[np.arange(n), t1]
    out = cand.copy()
    out["z_raw"] = z  # the evidence, compared with min_z; the hub prior only lifts the ranking
    out["z"] = z * (1.0 + cand.h.map(panel.hub_prior).fillna(0.0).to_numpy())
    out["z_in"], out["z_out"] = z_in[np.arange(n), t1], best_out[np.arange(n), t1]
    t2 = t1 + lag[np.arange(n), t1]
    out["t1"], out["t2"] = [years[i] for i in t1], [years[min(i, T - 1)] for i in t2]
    ends, values, direct, through = [], [], [], []
    for i in range(n):
        direct.append(float(np.median(v_dir[i, :max(t1[i], 1)])))
        e_in = excess(v_in[i:i + 1], t1[i])[0]
        e_out = excess(v_out[i:i + 1], min(t2[i], T - 1))[0]
        live = np.nonzero(e_out > 0)[0]
        ends.append(years[live.max()] if len(live) else years[min(t2[i], T - 1)])
        values.append(float(min(e_in.sum(), e_out.sum())))
        through.append(values[-1] / max(e_in.sum(), e_out.sum(), 1.0))
    out["end"], out["value_usd"], out["direct_pre"], out["through"] = ends, values, direct, through
    return out[np.isfinite(out.z)].reset_index(drop=True), rows
