"""Routes origin → hub → destination: shared by the transshipment and transformation detectors.

Engine side (``route_candidates``): flow-years that surge (value at least ``growth`` times the
flow's mean of all earlier years, and at least ``min_value``) are found with one window pass;
inbound surges O→H are joined to outbound surges H→D in the same year or a year later, with
linked goods (the same HS6 for transshipment, component → product for transformation).

Pandas side (``score_routes``), per candidate route, for every admissible break year ``t`` and
episode end ``e`` (``scoring.episodes``: a route may run a few years and stop), the onward leg
in the same episode or a year later:

- ``z_in``: robust z of O→H at ``t`` on its own history, less ``expected_max(m)`` when ``m``
  inbound flows (origins × goods) are candidates for the same onward surge (look-elsewhere: the
  best of m noise z's is that large on average; electronic components are bought from everyone);
- ``z_out``: robust z of H→D at ``t`` or ``t+1``, *minus the growth of the destination's imports
  of the same goods from everyone else* (a difference in differences, in log units, over the
  root sum of squares of both noises). A destination buying more from all its suppliers lifts
  every one of them and scores nothing;
- the direct flow O→D must have stopped (post median at most ``stop_ratio`` × pre median) or
  never been material (post median below ``min_value``); otherwise the route is not needed.
  This gate holds for transshipment (the same goods: an origin that still ships them to the
  destination itself has no use for a hub). An assembly route carries other goods than the
  direct flow, so for transformation a direct product flow that went on is no gate but an open
  channel (``reason_to_detour``), which halves the evidence.

- ``z_hub``: the hub's *total* trade in the goods, from and to everyone, should break too: its
  total imports of the inbound goods *and* its total exports of the outbound goods (the smaller
  of the two z's). A big economy has new bilateral flows every year (churn), and a hub that
  merely switched suppliers or customers got no extra goods; goods forwarded (or parts assembled
  and sold on) raise both its imports and its exports.

Each candidate keeps its ``READINGS`` strongest break years as rows of their own; the detectors
choose one after weighing the fit (``one_reading``). The route's z is ``min(z_in, z_out)`` (both
legs must move, so a country's own procurement surge, with no onward leg, scores nothing) times
``hub_weight``: a soft AND with the hub's totals, so a hub whose totals did not move keeps 40% of
the evidence where they could have shown the route (``HUB_FLOOR``) and 60% where they are too large
to tell (``BLIND_FLOOR``). The onward z also needs the hub to have supplied at least half of the
destination's extra imports (``_share``: a market opening to many suppliers at once is no route).
The detectors then weigh it by how well the two legs' *excess values* fit together (``coherence``):
for transshipment, what the hub sent on against what it took in; for transformation, the products'
value against the components'. Chance coincidences of two unrelated new flows rarely fit; planted or
real routes do. They also weigh it by the fit *year by year* (``profile_fit``: two coincident flows
rarely keep pace, one stops while the other runs on) and by the onward leg's support (``support``:
one year seen).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import replace

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from detour.detectors.base import Scope
from detour.detectors.panel import Panel
from detour.detectors.reference import group, military_goods, restricted_since
from detour.detectors.revisions import REVISION_YEAR, bounded_codes, history_bound, narrowed_codes
from detour.detectors.scoring import (
    MIN_PART,
    _nanmedian,
    break_stats,
    episodes,
    excess,
    expected_max,
    log_level,
    mask,
    matrix,
    to_score,
    total_floor,
)
from detour.model.alert import Alert

READINGS = 3  # break years kept per candidate route, strongest first (``one_reading`` chooses)
HUB_FLOOR = 0.4  # share of the legs' evidence kept when the hub's totals could show the route, and did not
BLIND_FLOOR = 0.6  # ... when the hub's totals are too large and noisy to show the route either way
Pred = Callable[[ir.StringValue], ir.BooleanValue]


def surges(panel: Panel) -> ibis.Table:
    p, prm = panel.pairs, panel.params
    w = ibis.window(group_by=[p.exporter, p.importer, p.hs], order_by=p.year, preceding=None, following=0)
    # A code's first year anywhere in the data: flows in a code HS revisions created are not "new".
    born = p.year.min().over(ibis.window(group_by=p.hs))
    t = p.mutate(prev_sum=p.v.sum().over(w) - p.v, born=born)
    # Codes HS2022 created n:n (8806) have no history of their own, only a bound on it
    # (``revisions.history_bound``), which scoring uses: in their first year they are candidates
    # when they exceed ``growth`` times the pair's yearly mean before 2022 in all the bound
    # codes together (a superset of any one code's bound: a cheap, conservative pre-filter).
    # From their second year on, their own years are their history (``persist``).
    every = list(narrowed_codes())
    n_old = max(sum(1 for y in panel.years if y < REVISION_YEAR), 1)
    old = p.filter(p.hs.isin(every) & (p.year < REVISION_YEAR))
    old = old.group_by(["exporter", "importer"]).aggregate(bound_mean=old.v.sum() / n_old)
    t = t.left_join(old, ["exporter", "importer"]).select(t, old.bound_mean)
    bounded = t.hs.isin(list(bounded_codes()))
    own_mean = t.prev_sum / ibis.greatest(t.year - t.born, 1)
    first = bounded & (t.year <= t.born)
    prev_mean = ibis.ifelse(first, ibis.greatest(own_mean, t.bound_mean.fill_null(0.0)), own_mean)
    known = (t.year - t.born >= prm.min_pre) | bounded
    keep = known & (t.v >= prm.min_value) & (t.v >= prm.growth * prev_mean)
    if prm.since is not None:
        keep &= t.year >= prm.since - 1  # an inbound leg may surge a year before the outbound one
    return t.filter(keep).drop("bound_mean")


def route_candidates(
    panel: Panel,
    scope: Scope,
    inbound: Pred,
    outbound: Pred,
    link: Callable[[ir.StringValue, ir.StringValue], ir.BooleanValue],
) -> ibis.Table:
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
    """The three legs' rows, and importers' totals from everyone (the destination's imports of the
    product, the hub's imports of the inbound goods), both computed in the engine."""
    names = ["exporter", "importer", "hs"]
    keys = _with_bounds(
        pd.concat(
            [
                cand[["o", "h", "hs_in"]].set_axis(names, axis=1),
                cand[["h", "d", "hs_out"]].set_axis(names, axis=1),
                cand[["o", "d", "hs_out"]].set_axis(names, axis=1),
            ]
        )
    ).drop_duplicates()
    rows = panel.series(keys, {k: k for k in names})
    p = panel.pairs
    buyers = _with_bounds(
        pd.concat(
            [
                cand[["d", "hs_out"]].set_axis(["importer", "hs"], axis=1),
                cand[["h", "hs_in"]].set_axis(["importer", "hs"], axis=1),
            ]
        )
    ).drop_duplicates()
    sellers = _with_bounds(cand[["h", "hs_out"]].set_axis(["exporter", "hs"], axis=1)).drop_duplicates()
    imports = (
        p.semi_join(ibis.memtable(buyers), ["importer", "hs"])
        .group_by(["importer", "hs", "year"])
        .aggregate(v=p.v.sum(), v2=(p.v * p.v).sum())
        .mutate(side=ibis.literal("M"))
        .rename(country="importer")
    )
    exports = (
        p.semi_join(ibis.memtable(sellers), ["exporter", "hs"])
        .group_by(["exporter", "hs", "year"])
        .aggregate(v=p.v.sum(), v2=(p.v * p.v).sum())
        .mutate(side=ibis.literal("X"))
        .rename(country="exporter")
    )
    return rows, panel.engine.execute(imports.union(exports))


def score_routes(
    panel: Panel, cand: pd.DataFrame, window: tuple[float, float] = (0.5, 2.0), direct_gate: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per candidate route and reading (its ``READINGS`` strongest inbound break years, one row
    each; the detectors choose among them with ``one_reading``): evidence ``z_raw`` (and the legs'
    z), break years ``t1``/``t2``, ``end``, the excess values ``e_in``, ``e_out``, ``e_in_total``
    (the hub's excess imports of the inbound goods from everyone), the direct flow's pre median, and
    ``value_usd``; plus the rows.

    ``window`` is the detector's fit window (onward excess / inbound excess): only inbound and
    onward surges of a size that could fit count as competitors in the look-elsewhere corrections.

    ``direct_gate``: a route whose direct flow O→D in the onward goods went on is dropped
    (transshipment). Without it (transformation) such a route is kept, and its direct flow counts
    as an open channel in ``reason``; ``direct_open`` tells the explanation which it was. A
    route without the gate is an assembly route: its product has the hub's origin
    (``reason_to_detour``'s ``transformed``)."""
    prm, years = panel.params, panel.years
    cand = cand.reset_index(drop=True)
    rows, tot = _legs(panel, cand)
    names = ["exporter", "importer", "hs"]

    def leg(a: str, b: str, hs: str) -> np.ndarray:
        index = cand[[a, b, hs]].set_axis(names, axis=1)
        return _bounded(rows, names, "v", years, index, panel.alive(cand[hs]))

    def total(country: str, hs: str, side: str, value: str = "v") -> np.ndarray:
        index = cand[[country, hs]].set_axis(["country", "hs"], axis=1)
        df = tot[tot.side == side]
        if value != "v":  # a code's own concentration, not its bound's
            return matrix(df, ["country", "hs"], value, years, index)
        return _bounded(df, ["country", "hs"], value, years, index, panel.alive(cand[hs]))

    def observed(a: str, b: str, hs: str) -> np.ndarray:
        obs = panel.observed(cand[a], cand[b], cand[hs])
        bound = cand[hs].map(history_bound).str.len().to_numpy() > 0
        if bound.any():
            # Before the code existed its bound was observable where its chapters were (88, 85).
            before = bound[:, None] & ~panel.alive(cand[hs])
            seen = np.zeros_like(obs)
            for code in ("880211", "852580"):  # chapters 88 and 85, whether or not the code traded
                hs_b = pd.Series([code] * len(cand))
                seen |= panel.covered(cand[a], hs_b, "X") | panel.covered(cand[b], hs_b, "M")
            obs = np.where(before, seen, obs)
        return obs

    def concentration(country: str, hs: str, side: str) -> np.ndarray:
        """Median yearly Herfindahl index of the total's partners (1: one partner)."""
        v, v2 = total(country, hs, side), total(country, hs, side, "v2")
        with np.errstate(invalid="ignore", divide="ignore"):
            return _nanmedian(np.where(v > 0, v2 / v**2, np.nan))

    v_in, v_out, v_dir = leg("o", "h", "hs_in"), leg("h", "d", "hs_out"), leg("o", "d", "hs_out")
    d_total, h_total, h_sales = total("d", "hs_out", "M"), total("h", "hs_in", "M"), total("h", "hs_out", "X")
    obs_in = observed("o", "h", "hs_in")
    obs_out = observed("h", "d", "hs_out")
    obs_dir = observed("o", "d", "hs_out")
    # Years a code HS2022 created n:n (8806) did not exist hold its bound (``_bounded``); from a
    # break after the code's first year, its own years cap them (``persist``).
    filled_in, filled_out = _filled(panel, cand.hs_in), _filled(panel, cand.hs_out)
    c = prm.floor_usd
    d_dir = np.where(obs_dir, v_dir, 0.0)

    @functools.lru_cache(maxsize=2)
    def inbound_at(t: int) -> tuple[np.ndarray, ...]:
        """The inbound leg and the hub's total imports of its goods for a break at ``t``: values,
        and log levels (the leg on the flow floor and on its own scale, the total); and the
        direct flow."""
        vi, ht = persist(v_in, filled_in, obs_in, t), persist(h_total, filled_in, obs_in, t)
        vd = persist(d_dir, filled_out, obs_dir, t)
        # The inbound leg on its own scale too: a sporadic trickle (a few hundred thousand one
        # year, nothing the next) swings by whole log units on the flow floor, so its MAD drowns
        # a surge to tens of millions. On a floor a tenth of the leg's largest year, the trickle
        # is noise and the surge stands out; the bound ln(11)/sigma_floor (~4.8) keeps this from
        # ever lifting a leg that was already material beyond the evidence threshold.
        rel = np.maximum(c, SCALE_FLOOR * vi.max(axis=1, initial=0.0))[:, None]
        l_in_rel = mask(np.log(np.maximum(vi, 0.0) + rel), obs_in)
        return vi, ht, mask(log_level(vi, c), obs_in), l_in_rel, mask(log_level(ht, c), obs_in), vd

    @functools.lru_cache(maxsize=2)
    def outbound_at(t: int) -> tuple[np.ndarray, ...]:
        """The onward leg, the destination's imports of the goods from everyone else and the
        hub's total exports of them, for a break at ``t`` (values of the first two)."""
        vo = persist(v_out, filled_out, obs_out, t)
        oth = np.maximum(persist(d_total, filled_out, obs_out, t) - vo, 0.0)
        l_hub_out = mask(log_level(persist(h_sales, filled_out, obs_out, t), c), obs_out)
        return vo, oth, mask(log_level(vo, c), obs_out), l_hub_out
    n, T = v_in.shape
    # Totals over many partners are far less noisy than one flow: they get the aggregate floor.
    agg = replace(prm, sigma_floor=prm.gap_sigma_floor)
    # The hub's totals are as steady as their spread over partners allows (``total_floor``):
    # a small hub's imports of a good from one or two suppliers are as noisy as one flow.
    floor_hub_in = total_floor(concentration("h", "hs_in", "M"), prm)
    floor_hub_out = total_floor(concentration("h", "hs_out", "X"), prm)
    # Look-elsewhere: when m origins' inbound flows could explain one onward surge, the best of
    # m noise z's is on average ``expected_max(m)`` (0.56 for two, 1.54 for ten); an inbound z
    # must clear that to count. (One origin's several codes are one candidate explanation, not
    # m.) A competitor is a trial only if its
    # surge is of a size that could explain the onward one (``competes``): the route's evidence
    # is multiplied by the fit of the two legs' sizes, so an inbound surge a hundred times too
    # small could never have produced a route as strong, whatever its z.
    fits = competes(jump(v_out, filled_out, obs_out), jump(v_in, filled_in, obs_in), *window)
    m = cand[fits].groupby(["h", "d", "hs_out"])["o"].nunique()
    m = np.maximum(cand.set_index(["h", "d", "hs_out"]).index.map(m).to_numpy(dtype=float), 1.0)
    elsewhere = expected_max(m)
    # And the other way round: when one inbound stream could be paired with m' onward surges
    # (destinations x products) out of the same hub, its best pairing is partly chance. A big
    # economy has many onward surges every year; a hub that forwards has few. The same size test.
    pairing = cand.assign(_out=cand.d + ":" + cand.hs_out)[fits]
    m_out = pairing.groupby(["o", "h", "hs_in"])["_out"].nunique()
    m_out = cand.set_index(["o", "h", "hs_in"]).index.map(m_out).to_numpy(dtype=float)
    elsewhere_out = expected_max(m_out)

    def onward(t: int, e: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """z of H -> D over the episode [t, e) net of D's imports from everyone else, the z of the
        hub's total exports of the goods, and the z those exports would show if the onward leg's
        extra goods were added to them (``visible``)."""
        vo, oth, l_out, l_hub_out = outbound_at(t)
        zo, pre_o, post_o, sig_o = break_stats(l_out, t, prm, e)
        # D's imports from everyone else are measured on a floor the size of the onward leg's
        # level in the episode: the question is whether D bought this much more from others
        # too. A sporadic other supplier of a few million appearing beside a surge of tens of
        # millions does not explain it away (on the flow floor its log growth would be huge).
        size = np.nan_to_num(_nanmedian(np.where(obs_out[:, t:e], vo[:, t:e], np.nan)))
        floor = np.maximum(c, size)[:, None]
        l_oth = mask(np.log(oth + floor), obs_out)
        _, pre_x, post_x, sig_x = break_stats(l_oth, t, agg, e)
        # A difference of two noisy changes: its noise is the root sum of squares of both, the
        # other suppliers' noise counting as far as their growth was used (a fall of D's other
        # imports, or a one-off lump among them, corrects nothing and adds no noise).
        grew = np.fmax(np.nan_to_num(post_x - pre_x), 0.0)
        z_grew = grew / np.where(sig_x > 0, sig_x, 1.0)
        used = np.clip(z_grew, 0.0, 1.0)
        z = (post_o - pre_o - grew) / np.hypot(sig_o, np.nan_to_num(sig_x) * used)
        # Attribution by share, on the destination's side (the mirror of ``OWNED`` for the hub's
        # imports): of the destination's extra imports of the goods, the hub must have supplied
        # at least half, others' extra counting as far as their growth is itself evidence (its
        # z over ``min_z``; a big buyer's other imports wander by their noise every year). A
        # market that opened from nothing (a country at war buying from eight suppliers at
        # once) lifts every supplier from nothing: in logs each leg's growth is large and the
        # others' growth, measured on the leg's own size, cannot cancel it; in values the hub
        # is one supplier among many.
        clear = np.clip(z_grew / prm.min_z, 0.0, 1.0)
        share = _share(np.where(obs_out, vo, np.nan), np.where(obs_out, oth, np.nan), t, e, clear)
        z = z * np.clip(share / OWNED, 0.0, 1.0)
        z[np.isnan(zo)] = np.nan
        hub_z, hub_pre, _, hub_sig = break_stats(l_hub_out, t, prm, e, floor_hub_out)
        return z, hub_z, visible(hub_pre, hub_sig, pre_o, post_o)

    names_best = ("zc", "z_in", "z_out", "hub", "z_hub_in", "z_hub_out", "see_in", "see_out")
    names_best += ("dir_pre", "dir_post", "lag")
    # The best reading per inbound break year t (over episode ends and lags): the route keeps its
    # ``READINGS`` strongest break years, and the detectors choose among them after weighing each
    # by the fit of the legs' sizes year by year (``one_reading``), which depends on the year.
    per_t: dict[int, dict[str, np.ndarray]] = {}
    out_cache: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    # Every break year t and episode end e (a scheme may run for a few years and stop); the
    # onward leg in the same episode, or a year later.
    for t, e in episodes(years, prm):
        if t not in per_t:
            per_t[t] = {k: np.full(n, -np.inf if k == "zc" else np.nan) for k in names_best}
        best = per_t[t]
        vi, ht, l_in, l_in_rel, l_hub_in, vd = inbound_at(t)
        z_leg, pre_i, post_i, _ = break_stats(l_in, t, prm, e)
        z_in = np.fmax(z_leg, break_stats(l_in_rel, t, prm, e)[0]) - elsewhere
        z_hub_in, hub_pre, _, hub_sig = break_stats(l_hub_in, t, prm, e, floor_hub_in)
        see_in = visible(hub_pre, hub_sig, pre_i, post_i)
        # Attribution by share: when the hub's total imports of the goods broke and this origin
        # supplied most of the extra (``OWNED``), the break of the total is this leg's evidence
        # too. A total over many suppliers is far less noisy than one bilateral flow, and no
        # search over origins is involved (at most one holds the majority), so no look-elsewhere
        # charge: a hub that took USD 2M a year and now takes 15M, 13M of it from one origin,
        # shows that origin's surge more clearly than the origin's own lumpy series does.
        owned = _owned(vi, ht, t, e)
        z_in = np.fmax(z_in, np.where(owned >= OWNED, z_hub_in * owned, np.nan))
        dir_pre, post_d = np.median(vd[:, :t], axis=1), np.median(vd[:, t:e], axis=1)
        ok = (post_d <= prm.stop_ratio * dir_pre) | (post_d < prm.min_value) | (not direct_gate)
        for k in (0, 1):
            if t + k >= T:
                continue
            key = (t + k, min(e + k, T))
            if key not in out_cache:
                out_cache[key] = onward(*key)
            z_out, z_hub_out, see_out = out_cache[key]
            z_out = z_out - elsewhere_out
            # The hub's own scale: a big economy's new bilateral flows are ordinary churn, and a
            # hub that switched suppliers (or customers) got no extra goods. Goods forwarded, or
            # parts assembled and sold on, raise both the hub's total imports of the inbound
            # goods and its total exports of the outbound ones: the weaker of the two counts.
            hub = np.fmin(z_hub_in, z_hub_out)
            legs = np.fmin(z_in, z_out)
            # Soft AND: a hub whose own totals moved as much as the legs keeps the legs' z; one
            # whose totals did not move keeps HUB_FLOOR when they could have shown the route,
            # BLIND_FLOOR when they are too large and noisy to show it (``hub_weight``).
            zc = legs * hub_weight(z_hub_in, z_hub_out, see_in, see_out, legs)
            zc[~ok | np.isnan(z_in) | np.isnan(z_out)] = -np.inf
            better = zc > best["zc"]
            values = (zc, z_in, z_out, hub, z_hub_in, z_hub_out, see_in, see_out, dir_pre, post_d)
            for name, value in zip(names_best, (*values, np.full(n, k)), strict=True):
                best[name] = np.where(better, value, best[name])
    # Each candidate's strongest break years (finite evidence only), one row per reading.
    breaks = sorted(per_t)
    zs = np.stack([per_t[t]["zc"] for t in breaks], axis=1) if breaks else np.full((n, 0), -np.inf)
    top = np.argsort(-zs, axis=1, kind="stable")[:, :READINGS]
    row = np.repeat(np.arange(n), top.shape[1])
    col = top.ravel()
    live = np.isfinite(zs[row, col]) if len(row) else np.zeros(0, dtype=bool)
    row, col = row[live], col[live]
    best = {
        k: np.stack([per_t[t][k] for t in breaks], axis=1)[row, col] if breaks else np.zeros(0)
        for k in names_best
    }
    t1 = np.asarray(breaks, dtype=int)[col]
    lag = np.nan_to_num(best["lag"]).astype(int)
    cand = cand.iloc[row].reset_index(drop=True)
    v_in, v_out, v_dir, h_total = v_in[row], v_out[row], v_dir[row], h_total[row]
    filled_in, filled_out, obs_in, obs_out = filled_in[row], filled_out[row], obs_in[row], obs_out[row]
    elsewhere, n = elsewhere[row], len(row)
    t2 = np.minimum(t1 + lag, T - 1)
    out = cand.copy()
    out["z_raw"], out["z_in"], out["z_out"] = best["zc"], best["z_in"], best["z_out"]
    out["z_hub"], out["z_hub_in"], out["z_hub_out"] = best["hub"], best["z_hub_in"], best["z_hub_out"]
    out["see_in"], out["see_out"] = best["see_in"], best["see_out"]
    out["t1"], out["t2"] = np.asarray(years)[t1], np.asarray(years)[t2]
    out["direct_pre"], out["direct_post"] = best["dir_pre"], best["dir_post"]
    out["elsewhere"] = elsewhere  # the inbound leg's look-elsewhere charge (``kit`` adds it back)
    e_in, e_out, e_tot = np.zeros((n, T)), np.zeros((n, T)), np.zeros((n, T))
    for t in sorted(set(t1) | set(t2)):  # excess over each row's own pre-period, per break year
        a, b = t1 == t, t2 == t
        e_in[a] = excess(persist(v_in[a], filled_in[a], obs_in[a], t), t)
        e_tot[a] = excess(persist(h_total[a], filled_in[a], obs_in[a], t), t)
        e_out[b] = excess(persist(v_out[b], filled_out[b], obs_out[b], t), t)

    # Year-by-year profiles, the onward leg aligned on the inbound one (shifted back by its lag):
    # a route carries goods every year it runs, so each year's onward excess should answer that
    # year's inbound excess (``profile_fit``).
    lag1 = (t2 - t1 == 1)[:, None]
    shifted = np.concatenate([e_out[:, 1:], np.zeros((n, 1))], axis=1)
    out_aligned = np.where(lag1, shifted, e_out)
    cols = np.arange(T)[None, :]
    window = (cols >= t1[:, None]) & (cols <= T - 1 - lag1.astype(int))
    # Whole-route totals over the years both legs can show: with a one-year lag, the inbound
    # leg's last year in the data has its onward year beyond it, so it is left out.
    inside = cols <= T - 1 - lag1.astype(int)
    out["e_in"], out["e_out"] = np.where(inside, e_in, 0.0).sum(axis=1), e_out.sum(axis=1)
    out["e_in_total"] = np.where(inside, e_tot, 0.0).sum(axis=1)
    out.attrs["profiles"] = (e_in, e_tot, out_aligned, window)
    out["value_usd"] = np.minimum(out.e_in, out.e_out)
    live = e_out > 0
    last = np.where(live.any(axis=1), T - 1 - np.argmax(live[:, ::-1], axis=1), t2)
    out["end"] = np.asarray(years)[np.maximum(last, t2)]
    # Without the gate, a direct flow that went on (what the gate would have dropped) is an open
    # channel for the goods.
    out["direct_open"] = (out.direct_post >= prm.min_value) & (
        out.direct_post > prm.stop_ratio * out.direct_pre
    )
    # Without the gate the route is an assembly route: its product is the hub's (``transformed``).
    out["reason"] = reason_to_detour(
        panel, cand, v_dir, t1, out.direct_open.to_numpy(), transformed=not direct_gate
    )
    # Only readings with finite evidence were kept (``live`` above): every row is scored.
    return out, rows


def _filled(panel: Panel, hs: pd.Series) -> np.ndarray:
    """(rows x years): years whose value is a bound, not the code's own (``_bounded``): a code
    HS2022 created n:n, before it existed."""
    bound = hs.map(history_bound).str.len().to_numpy() > 0
    return bound[:, None] & ~panel.alive(hs)


def persist(values: np.ndarray, filled: np.ndarray, observed: np.ndarray, t: int) -> np.ndarray:
    """``values`` for a break at column ``t``, the ``filled`` years (a bound on trade in a code
    that did not exist yet: ``_bounded``) capped at the largest value of the row's own observed
    years before ``t``.

    The bound is the most a pair can have traded in drones before 2022: the whole of its trade in
    light aircraft and cameras. Trade persists, so a pair that traded drones then went on trading
    them in 8806 from 2022; its own first years in the new code say how much it did. A pair that
    traded none in 2022, both sides reporting, was not trading drones in 2021 either, and a flow
    that appears in 2023 appeared from nothing, however many aircraft it sold before. Without an
    own year before ``t`` (a break in the code's first year) the bound stands.

    >>> v = np.array([[9e8, 9e8, 0.0, 5e6], [9e8, 9e8, 4e8, 5e6]])
    >>> filled = np.array([[True, True, False, False]] * 2)
    >>> persist(v, filled, np.ones((2, 4), bool), 3)[:, :2].tolist()
    [[0.0, 0.0], [400000000.0, 400000000.0]]
    >>> persist(v, filled, np.ones((2, 4), bool), 2)[:, :2].tolist()
    [[900000000.0, 900000000.0], [900000000.0, 900000000.0]]
    """
    rows = np.nonzero(filled[:, :t].any(axis=1))[0]
    if not len(rows):
        return values
    own = ~filled[rows, :t] & observed[rows, :t]
    cap = np.max(np.where(own, values[rows, :t], -np.inf), axis=1, initial=-np.inf)
    rows, cap = rows[np.isfinite(cap)], cap[np.isfinite(cap)]
    if not len(rows):
        return values
    out = values.copy()
    out[rows] = np.where(filled[rows], np.minimum(values[rows], cap[:, None]), values[rows])
    return out


def _with_bounds(keys: pd.DataFrame) -> pd.DataFrame:
    """``keys`` plus, for every row in a code HS2022 created n:n, one row per code of its bound."""
    bounds = keys.hs.map(history_bound)
    has = bounds.str.len() > 0
    extra = keys[has].assign(hs=bounds[has]).explode("hs")
    return pd.concat([keys, extra], ignore_index=True) if len(extra) else keys


def _bounded(
    df: pd.DataFrame,
    keys: list[str],
    value: str,
    years: tuple[int, ...],
    index: pd.DataFrame,
    alive: np.ndarray,
) -> np.ndarray:
    """``matrix`` of ``index`` rows, where a row in a code HS2022 created n:n (8806) takes, for the
    years before the code existed (``alive`` false: before 2022 in real files), the sum of its
    bound's codes (``revisions.history_bound``): the most the pair (or the country) can have
    traded in drones then."""
    m = matrix(df, keys, value, years, index)
    bounds = index.hs.map(history_bound)
    sel = np.nonzero(bounds.str.len().to_numpy() > 0)[0]
    if not len(sel):
        return m
    ex = index.iloc[sel].assign(hs=bounds.iloc[sel].to_numpy(), _i=sel).explode("hs")
    sums = pd.DataFrame(matrix(df, keys, value, years, ex)).groupby(ex._i.to_numpy()).sum()
    rows = sums.index.to_numpy()
    fill = ~alive[rows]  # only the years before the code existed in the data
    m[rows] = np.where(fill, sums.to_numpy(), m[rows])
    return m


NO_REASON = 0.5  # evidence kept by a route whose origin openly ships the destination the same goods
DIRECT_MATERIAL = 1_000_000.0  # USD a year: direct trade in a chapter at which it is an open channel


def reason_to_detour(
    panel: Panel,
    cand: pd.DataFrame,
    v_dir: np.ndarray,
    t1: np.ndarray,
    direct_open: np.ndarray | None = None,
    transformed: bool = False,
) -> np.ndarray:
    """Per route, 1 when the origin had a reason to send the goods round, else ``NO_REASON``.

    A detour costs money and raises questions; it pays only when the direct channel is closed.
    For transshipment the route's own code's direct flow must already have stopped or never
    existed (``score_routes``). For transformation it may have gone on (``direct_open``): an
    origin that goes on selling the destination the assembled product itself has an open
    channel for it, whatever the destination. Otherwise the question is the origin's direct
    trade with the destination in the *rest of the watched goods of the same chapter* (the
    route's code taken out). When that
    trade was material (``DIRECT_MATERIAL``) before the route began and went on (its median
    from the route's first year at least half its earlier median), the origin ships that
    destination such goods openly, and a new bilateral flow through a third country is far more
    likely ordinary trade (a distributor, a new supply chain) than a detour. Large economies
    trading with each other are the commonest source of such look-alikes.

    Destinations of concern (``hubs.yaml``: comprehensive restrictions) keep a reason whatever
    the chapter does: restrictions there name particular goods (the EU's HS6 sanctions lists),
    so the rest of a chapter may go on while the listed codes are sent round.

    And the goods must be closed to the destination at all. Military goods (``hubs.yaml``
    ``military_goods``: arms, ammunition, explosives, armoured vehicles, warships) need an arms
    licence wherever they go, so their covert supply has reasons anywhere. Every other watched good
    (dual-use electronics, bearings, machine tools, aircraft and drone parts: mostly civil trade)
    ships freely except to the destinations of concern, so a route of such goods (the goods that
    reach the destination: the product, for an assembly route) to any other destination has no
    reason to go round and keeps ``NO_REASON``. Military goods have no reason to go round to a
    member of the sanctions coalition either (``hubs.yaml`` group ``coalition``: the EU, the UK, the
    US, Canada, Japan, Norway, Switzerland): allies buy arms openly from every supplier not itself
    under restrictions. Goods *from* a country of concern keep a reason wherever they go (import
    bans: Russian goods sent round to the EU through a third country), but only when they arrive as
    they left (transshipment): components built into a product in the hub (``transformed``, an
    assembly route) give the product the hub's origin, so an import ban on the origin's goods is no
    reason to assemble them elsewhere; the product's own goods and destination decide. A country is
    of concern from the year its restrictions began (``hubs.yaml`` ``since``: Russia and Belarus
    2022), judged at the route's first year: processors sent round to Russia in 2019 had no more
    reason to go round than processors sent to Brazil. Without a list of countries of concern (a
    panel built with no priors) these parts are not applied.
    """
    n, T = v_dir.shape
    if n == 0:
        return np.ones(0)
    p = panel.pairs
    keys = pd.DataFrame(
        {"exporter": cand.o.to_numpy(), "importer": cand.d.to_numpy(), "ch": cand.hs_out.str[:2].to_numpy()}
    ).drop_duplicates()
    q = p.mutate(ch=p.hs.left(2)).semi_join(ibis.memtable(keys), ["exporter", "importer", "ch"])
    df = panel.engine.execute(q.group_by(["exporter", "importer", "ch", "year"]).aggregate(v=q.v.sum()))
    index = pd.DataFrame({"exporter": cand.o, "importer": cand.d, "ch": cand.hs_out.str[:2]})
    chapter = matrix(df, ["exporter", "importer", "ch"], "v", panel.years, index)
    rest = np.maximum(chapter - np.nan_to_num(v_dir), 0.0)  # the route's own code taken out
    cols = np.arange(T)[None, :]
    t = np.asarray(t1)[:, None]
    pre = _nanmedian(np.where(cols < t, rest, np.nan))
    post = _nanmedian(np.where(cols >= t, rest, np.nan))
    open_channel = (np.nan_to_num(pre) >= DIRECT_MATERIAL) & (np.nan_to_num(post) >= 0.5 * np.nan_to_num(pre))
    # A country is of concern for a route from the year its restrictions began (``hubs.yaml``
    # ``since``): the route's first year must be that year or later.
    since = restricted_since()
    year = np.asarray(panel.years)[np.asarray(t1)]

    def of_concern(who: pd.Series) -> np.ndarray:
        listed = who.isin(list(panel.destination_prior)).to_numpy()
        first = who.map(since).fillna(0).to_numpy()
        return listed & (year >= first)

    concern = of_concern(cand.d)
    no_reason = open_channel & ~concern
    if direct_open is not None:
        # The origin goes on shipping the destination the very goods the route delivers: an open
        # channel whatever the destination (the restrictions' lists cannot be what it avoids).
        no_reason |= np.asarray(direct_open, dtype=bool)
    if panel.destination_prior:
        military = cand.hs_out.str.startswith(military_goods()).to_numpy()
        ally = cand.d.isin(group("coalition")).to_numpy()
        # Goods from a country of concern keep a reason only as they left it (not ``transformed``).
        exempt = of_concern(cand.o) & (not transformed)
        no_reason |= ~exempt & ((~military & ~concern) | (military & ally))
    return np.where(no_reason, NO_REASON, 1.0)


def visible(
    total_pre: np.ndarray, total_sigma: np.ndarray, leg_pre: np.ndarray, leg_post: np.ndarray
) -> np.ndarray:
    """The z a total (log level ``total_pre``, noise ``total_sigma``) would show if a leg's extra
    goods (its log levels before and after, on the same floor) were added to it: how far the
    total *could* reveal the route. A leg of USD 5M a year in a hub that imports 2M of the goods
    is plain in its totals (z of several units); in a hub that imports 2 billion, invisible.

    >>> pre, post = np.log([5e4, 5e4]), np.log([5e6, 5e6])
    >>> visible(np.log([2e6, 2e9]), np.array([0.3, 0.15]), pre, post).round(2).tolist()
    [4.15, 0.02]
    """
    extra = np.fmax(np.exp(np.asarray(leg_post, float)) - np.exp(np.asarray(leg_pre, float)), 0.0)
    sig = np.where(np.asarray(total_sigma) > 0, total_sigma, 1.0)
    return np.nan_to_num((np.log(np.exp(total_pre) + extra) - total_pre) / sig)


def hub_weight(
    z_hub_in: np.ndarray, z_hub_out: np.ndarray, see_in: np.ndarray, see_out: np.ndarray, legs: np.ndarray
) -> np.ndarray:
    """Share of the legs' evidence a route keeps for its hub's totals, 0.4-1 (the soft AND).

    Per side (the hub's total imports of the inbound goods, its total exports of the outbound
    ones): a total that moved as much as the legs keeps all of it (``hub_share``). One that did
    not move keeps ``HUB_FLOOR`` when it could have shown the route (the z the leg's extra goods
    would give it, ``visible``, as large as the legs') and ``BLIND_FLOOR`` when it could not (a
    big economy's or an established producer's totals, where a route's goods are a rounding
    error: silence there says little). The weaker side counts.

    >>> hub_weight(*(np.array([x]) for x in (0.0, 8.0, 8.0, 8.0, 8.0))).round(2).tolist()
    [0.4]
    >>> hub_weight(*(np.array([x]) for x in (0.0, 8.0, 0.0, 8.0, 8.0))).round(2).tolist()
    [0.6]
    >>> hub_weight(*(np.array([x]) for x in (8.0, 8.0, 8.0, 8.0, 8.0))).round(2).tolist()
    [1.0]
    """
    def side(z: np.ndarray, see: np.ndarray) -> np.ndarray:
        floor = BLIND_FLOOR - (BLIND_FLOOR - HUB_FLOOR) * hub_share(see, legs)
        return floor + (1 - floor) * hub_share(z, legs)

    return np.fmin(side(z_hub_in, see_in), side(z_hub_out, see_out))


def hub_witness(route: pd.Series, hub: str, inbound: str, outbound: str) -> str:
    """What the hub's own totals say about a route, as a clause for its explanation.

    The soft AND (``hub_weight``) asks the hub's total imports of the inbound goods and its total
    exports of the outbound ones to corroborate the two legs. Each side either moved with them,
    could have shown a route of this size and did not, or is too large or noisy to tell either
    way. The analyst should know which: on the simulated worlds nearly every chance pairing of
    two new flows that reaches the top of the list has both totals unable to tell (a big
    economy), so the finding then rests on the two bilateral flows alone. A total moved when its
    own z is individually suggestive (``MIN_PART``, 2), and could have shown the route when the z
    the route's goods would give it (``visible``) is. The score weighs the same quantities against
    the legs' z (``hub_weight``); the sentence reports them on their own scale. ``route`` is a
    scored route row (``z_hub_in``, ``z_hub_out``, ``see_in``, ``see_out``).

    >>> row = pd.Series(dict(z_hub_in=7.0, z_hub_out=9.0, see_in=8.0, see_out=9.0))
    >>> hub_witness(row, "Armenia", "goods", "goods")
    "Armenia's total imports and exports of these goods rose with them"
    >>> big = row.copy(); big[["z_hub_in", "see_in", "z_hub_out", "see_out"]] = [0.3, 1.5, 0.2, 0.1]
    >>> hub_witness(big, "China", "goods", "goods")  # doctest: +ELLIPSIS
    "China's own totals in these goods are too large or too noisy ..., so the finding rests on ..."
    >>> quiet = row.copy(); quiet["z_hub_in"] = 0.5  # it could have shown the route (see_in 8)
    >>> hub_witness(quiet, "Kazakhstan", "components", "products")  # doctest: +ELLIPSIS
    "Kazakhstan's total imports of the components did not rise, ..., and its total exports ... rose with them"
    """

    def state(z: float, see: float) -> str:
        if np.nan_to_num(z) >= MIN_PART:
            return "moved"
        return "silent" if np.nan_to_num(see) >= MIN_PART else "blind"

    s_in, s_out = state(route.z_hub_in, route.see_in), state(route.z_hub_out, route.see_out)
    if s_in == s_out == "moved":
        if inbound == outbound:
            return f"{hub}'s total imports and exports of these goods rose with them"
        return f"{hub}'s total imports of the {inbound} and exports of the {outbound} rose with them"
    if s_in == s_out == "blind":
        return (
            f"{hub}'s own totals in these goods are too large or too noisy to confirm a route of this "
            "size, so the finding rests on the two flows alone"
        )
    said = {
        "moved": "rose with them",
        "silent": "did not rise, although a route of this size would show in them",
        "blind": "are too large or too noisy to confirm a route of this size",
    }
    return (
        f"{hub}'s total imports of the {inbound} {said[s_in]}, "
        f"and its total exports of the {outbound} {said[s_out]}"
    )


def hub_share(hub: np.ndarray, legs: np.ndarray) -> np.ndarray:
    """How far the hub's own totals moved against its legs, 0-1 (the soft AND's weight).

    >>> hub_share(np.array([2.0, 8.0, np.nan]), np.array([4.0, 4.0, 4.0])).tolist()
    [0.5, 1.0, 0.0]
    """
    legs = np.asarray(legs, dtype=float)
    return np.clip(np.nan_to_num(np.asarray(hub, dtype=float)) / np.where(legs > 0, legs, 1.0), 0.0, 1.0)


SCALE_FLOOR = 0.05  # a leg's own-scale floor, as a share of its largest year
OWNED = 0.5  # share of the hub's extra imports an origin must supply to take the total's break


def _owned(leg: np.ndarray, total: np.ndarray, t: int, e: int) -> np.ndarray:
    """Share of the total's excess over its pre median, in the episode ``[t, e)``, that the leg's
    own excess makes up (0-1).

    >>> _owned(np.array([[1.0, 1.0, 1.0, 9.0]]), np.array([[5.0, 5.0, 5.0, 15.0]]), 3, 4).tolist()
    [0.8]
    """
    def extra(v: np.ndarray) -> np.ndarray:
        base = np.median(v[:, :t], axis=1)
        return np.maximum(v[:, t:e] - base[:, None], 0.0).sum(axis=1)

    return np.clip(extra(leg) / np.maximum(extra(total), 1.0), 0.0, 1.0)


def _share(leg: np.ndarray, others: np.ndarray, t: int, e: int, weight: np.ndarray) -> np.ndarray:
    """Share of a buyer's extra purchases in the episode ``[t, e)`` (post median over pre median,
    NaN years left out) that the leg supplied, the others' extra weighted by ``weight`` (0-1).
    A leg with no extra has share 0; with no competing extra, 1.

    >>> _share(np.array([[0.0, 0.0, 10.0]]), np.array([[0.0, 0.0, 70.0]]), 2, 3, np.ones(1)).tolist()
    [0.125]
    """
    def extra(v: np.ndarray) -> np.ndarray:
        return np.nan_to_num(np.fmax(_nanmedian(v[:, t:e]) - _nanmedian(v[:, :t]), 0.0))

    mine, theirs = extra(leg), extra(others) * np.nan_to_num(weight)
    return np.where(mine > 0, mine / np.maximum(mine + theirs, 1.0), 0.0)


def support(routes: pd.DataFrame, panel: Panel) -> np.ndarray:
    """Evidence kept for the route's support: a route whose legs each carried extra goods in one
    year only is judged on a single value per leg, so it keeps ``sqrt(1/2)`` of its evidence; a
    route whose legs each carried them in two years or more keeps all of it.

    The years are counted per leg (excess of at least ``min_value`` over the leg's own pre-period,
    the onward leg aligned on its lag, over the years both legs can show), and the route has the
    support of its thinner leg. A one-off inbound lump followed a year later by a one-off onward
    lump is one value per leg, not two years of a route: single-year lumps are the commonest
    shape of new bilateral flows (a one-off order), and two of them a year apart coincide often.
    Without year profiles (a bare table of break years) the years from the inbound break to the
    route's end are counted."""
    prof = routes.attrs.get("profiles")
    if prof is None:
        last = max(panel.years) if panel.years else 0
        years = np.minimum(routes.end.to_numpy(), last) - routes.t1.to_numpy() + 1
        return np.sqrt(np.clip(years, 1, 2) / 2.0)
    e_in, _, e_out, window = prof
    floor = panel.params.min_value
    n_in = (window & (e_in >= floor)).sum(axis=1)
    n_out = (window & (e_out >= floor)).sum(axis=1)
    return np.sqrt(np.clip(np.minimum(n_in, n_out), 1, 2) / 2.0)


def jump(
    values: np.ndarray, filled: np.ndarray | None = None, observed: np.ndarray | None = None
) -> np.ndarray:
    """Per row, the largest rise of a year's value over the median of the years before it: the
    size of a leg's surge, before any break is chosen (a proxy for the excess it can carry).
    Years holding a bound (``filled``) count as ``persist`` caps them."""
    out = np.zeros(len(values))
    for t in range(1, values.shape[1]):
        v = values if filled is None or observed is None else persist(values, filled, observed, t)
        out = np.maximum(out, v[:, t] - np.median(v[:, :t], axis=1))
    return out


def competes(onward: np.ndarray, inbound: np.ndarray, low: float, high: float) -> np.ndarray:
    """Could an inbound surge of this size explain an onward surge of that size? Within a
    factor 4 of the detector's fit window (``coherence`` at least 0.25).

    >>> competes(np.array([10.0, 10.0, 10.0]), np.array([8.0, 0.5, 100.0]), 0.5, 2.0).tolist()
    [True, False, False]
    """
    return coherence(onward / np.maximum(inbound, 1.0), low, high) >= 0.25


def profile_fit(
    routes: pd.DataFrame, low: float, high: float, with_total: bool, total_weight: np.ndarray | None = None
) -> np.ndarray:
    """How well the two legs fit year by year, 0-1: the mean over the route's years (from the
    inbound break, either leg carrying excess), weighted by the larger of the two legs' excess
    that year, of ``coherence`` of the onward excess (aligned on
    its lag) against the inbound excess (or, ``with_total``, the better of that fit and the fit to
    the hub's excess imports of the goods from everyone, weighted by ``total_weight``). Two
    unrelated flows that happen to start together rarely keep pace: one stops while the other
    runs on, or their sizes drift apart."""
    e_in, e_tot, e_out, window = routes.attrs["profiles"]
    inflow = np.maximum(e_in, e_tot) if with_total else e_in
    active = window & ((inflow > 0) | (e_out > 0))
    c = coherence(e_out / np.maximum(e_in, 1.0), low, high)
    if with_total:
        w = np.ones(len(c)) if total_weight is None else np.asarray(total_weight, dtype=float)
        c = np.fmax(c, coherence(e_out / np.maximum(e_tot, 1.0), low, high) * w[:, None])
    c = np.where(inflow > 0, c, 0.0)
    # Each year weighs by the goods the route's own legs carried in it (the larger excess): a
    # residual of half a million after a route of twenty million a year ended is not "one leg
    # running on without the other", while a leg that runs on at its size is.
    size = np.where(active, np.maximum(e_in, e_out), 0.0)
    total = size.sum(axis=1)
    return np.where(total > 0, (c * size).sum(axis=1) / np.where(total > 0, total, 1.0), 0.0)


def one_reading(routes: pd.DataFrame, z: str) -> pd.DataFrame:
    """Keep, for each candidate route (origin, hub, destination, goods in and out), its best
    reading: the break year whose evidence ``z`` is the largest once the legs' fit year by year
    and their support are counted.

    ``score_routes`` keeps each route's ``READINGS`` strongest break years by the legs' z alone.
    The year that makes the legs' surges look largest is not always the one in which they fit:
    a delivery that began in 2023 may read as a weaker break from 2022 (its inbound leg's
    pre-period then ends earlier, its noise is smaller), paired with an onward leg a year later
    that the inbound leg's 2022 never carried. Chosen on z alone, that reading loses its fit and
    support, and with them the competition with another origin whose one-off 2022 shipment
    fits it no worse. The choice among a few readings is a small extra search, but the readings
    share their data: they are one route's evidence read from different years, not independent
    chances.
    """
    if routes.empty:
        return routes
    keys = ["o", "h", "d", "hs_in", "hs_out"]
    best = routes.sort_values(z, ascending=False, kind="stable").drop_duplicates(keys)
    return routes.loc[routes.index.isin(best.index)]


def one_origin(routes: pd.DataFrame, z: str) -> pd.DataFrame:
    """Keep, for each onward leg (hub, destination, product), the routes of its best origin only.

    One onward surge is one piece of evidence: when several origins' inbound surges could each
    explain it, they are competing explanations, not several findings. The look-elsewhere
    correction already charges the best of them for the competition; the others would only repeat
    the same onward evidence further down the list.
    """
    return _best_only(routes, z, ["h", "d", "hs_out"], "o")


def one_destination(routes: pd.DataFrame, z: str) -> pd.DataFrame:
    """Keep, for each inbound leg (origin, hub, goods in), the routes of its best destination only.

    The mirror of ``one_origin``: one inbound surge is one piece of evidence, and when it can be
    paired with onward surges to several destinations, the pairings are competing explanations
    of where the goods went. The onward look-elsewhere correction charges the best pairing for
    the competition; the others would repeat the same inbound evidence with a chance onward
    surge (a big economy sells new things to someone every year).
    """
    return _best_only(routes, z, ["o", "h", "hs_in"], "d")


def weigh_by_priors(routes: pd.DataFrame, panel: Panel, kind: str) -> pd.DataFrame:
    """The routes whose evidence ``z_fit`` times the priors of their ends (a listed hub, a
    destination of concern from its ``since`` year, judged at the route's first year ``t1``)
    clears the threshold, each with its ``score``. The threshold sees the priors as it sees the
    reason to detour: a route through a listed hub to a destination of concern needs less of the
    data's own evidence than one between two unlisted countries."""
    prior = [panel.prior(h, d, int(t)) for h, d, t in zip(routes.h, routes.d, routes.t1, strict=True)]
    weighed = routes.z_fit * np.asarray(prior, dtype=float)
    kept = routes[weighed >= panel.params.keep_z].copy()
    kept["score"] = [to_score(z, kind) for z in weighed[weighed >= panel.params.keep_z]]
    return kept


Stage = tuple[str, Callable[[pd.DataFrame], pd.DataFrame]]


def run_stages(
    routes: pd.DataFrame,
    stages: Sequence[Stage],
    record: Callable[[str, pd.DataFrame, pd.DataFrame], None] | None = None,
) -> pd.DataFrame:
    """Pass scored routes through a detector's selection stages in order (competition between
    explanations, the threshold), each a function of the surviving rows that keeps their index.
    ``record(name, before, after)`` sees every stage: ``detour.detectors.trace`` uses it to say
    where a route stopped and what beat it; the detectors' own ``score`` passes none."""
    for name, step in stages:
        after = step(routes)
        if record is not None:
            record(name, routes, after)
        routes = after
    return routes


ROUTE_KINDS = ("transshipment", "transformation")


def legs_of(alert: Alert) -> tuple[set[tuple[str, str, str]], set[tuple[str, str, str]]]:
    """A route alert's inbound and onward legs (exporter, importer, HS6 as declared), read from
    its evidence: each declaration of a flow origin → hub or hub → destination, by either side."""
    def flows(a: str, b: str | None) -> set[tuple[str, str, str]]:
        out = set()
        for e in alert.evidence:
            out_side = e.flow in ("export", "re-export")
            exporter, importer = (e.reporter, e.partner) if out_side else (e.partner, e.reporter)
            if (exporter, importer) == (a, b):
                out.add((exporter, importer, e.hs))
        return out

    return flows(alert.origin, alert.hub), flows(alert.hub or "", alert.destination)


def one_explanation(alerts: list[Alert]) -> list[Alert]:
    """Across the route detectors, keep one explanation per leg: the better-scoring alert when a
    transshipment and a transformation alert share a leg (the same flow, the same goods).

    ``one_origin`` and ``one_destination`` apply this within each detector. Across them, one
    onward surge of drones out of a hub may be read as drones forwarded from one origin
    (transshipment) or as drones assembled from another origin's chips (transformation), and one
    inbound surge of chips as chips forwarded or chips built into drones. Each reading uses the
    same evidence; they compete, and the weaker repeats the stronger's evidence with a chance
    partner. A leg in different roles is no competition: goods forwarded O → H1 → H2 and then
    built into a product H2 → D are a chain, H1 → H2 the onward leg of one and the inbound leg of
    the other. Alerts of other kinds, and route alerts that share no leg, are kept as they are.
    """
    claimed: dict[tuple[str, ...], str] = {}  # (role, leg) → the kind of the alert that explains it
    dropped: set[str] = set()
    for a in sorted((a for a in alerts if a.kind in ROUTE_KINDS), key=lambda a: (-a.score, a.id)):
        inbound, onward = legs_of(a)
        legs = {("in", *leg) for leg in inbound} | {("out", *leg) for leg in onward}
        if any(claimed.get(leg, a.kind) != a.kind for leg in legs):
            dropped.add(a.id)
            continue
        claimed.update(dict.fromkeys(legs, a.kind))
    return [a for a in alerts if a.id not in dropped]


def _best_only(routes: pd.DataFrame, z: str, legs: list[str], who: str) -> pd.DataFrame:
    """The rows whose ``who`` is the best-scoring one (ties: the first in order) within ``legs``."""
    if routes.empty:
        return routes
    best = routes.groupby(legs)[z].transform("max")
    top = routes[routes[z] == best].groupby(legs)[who].min().to_dict()
    keys = zip(*(routes[c] for c in legs), strict=True)
    keep = [top.get(k) == w for k, w in zip(keys, routes[who], strict=True)]
    return routes[np.asarray(keep, dtype=bool)]


def coherence(ratio: np.ndarray | pd.Series, low: float, high: float) -> np.ndarray:
    """How well two excess values fit: 1 when their ratio is inside [low, high], falling as
    ``exp(-distance)`` outside, the distance measured in log units (a factor e outside → 0.37).

    >>> coherence(np.array([1.0, 2.0, 2 * np.e, 0.0]), 0.5, 2.0).round(2).tolist()
    [1.0, 1.0, 0.37, 0.0]
    """
    r = np.log(np.maximum(np.asarray(ratio, dtype=float), 1e-12))
    off = np.maximum(np.log(low) - r, 0) + np.maximum(r - np.log(high), 0)
    return np.exp(-off)
