"""Scoring candidate routes on their legs' own series (``score_routes``): see the package docstring."""

from __future__ import annotations

import functools
from dataclasses import replace

import ibis
import numpy as np
import pandas as pd

from detour.detectors.panel import Panel
from detour.detectors.revisions import history_bound
from detour.detectors.routes.bounds import bound_years, bounded_matrix, persist, with_bounds
from detour.detectors.routes.fit import competes, jump
from detour.detectors.routes.hub import OWNED, hub_weight, owned_share, supplier_share, visible
from detour.detectors.routes.reason import factor, reason_causes
from detour.detectors.scoring import (
    _nanmedian,
    break_stats,
    episodes,
    excess,
    expected_max,
    log_level,
    mask,
    matrix,
    total_floor,
)

READINGS = 3  # break years kept per candidate route, strongest first (``one_reading`` chooses)
SCALE_FLOOR = 0.05  # a leg's own-scale floor, as a share of its largest year


def _legs(panel: Panel, cand: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The three legs' rows, and importers' totals from everyone (the destination's imports of the
    product, the hub's imports of the inbound goods), both computed in the engine."""
    names = ["exporter", "importer", "hs"]
    keys = with_bounds(
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
    buyers = with_bounds(
        pd.concat(
            [
                cand[["d", "hs_out"]].set_axis(["importer", "hs"], axis=1),
                cand[["h", "hs_in"]].set_axis(["importer", "hs"], axis=1),
            ]
        )
    ).drop_duplicates()
    sellers = with_bounds(cand[["h", "hs_out"]].set_axis(["exporter", "hs"], axis=1)).drop_duplicates()

    def totals(keys: pd.DataFrame, role: str, side: str) -> ibis.Table:
        """Each country's trade in each code with everyone, per year, in ``role`` (``importer``:
        side ``M``, ``exporter``: side ``X``); ``v2``, the sum of squares, gives concentration."""
        return (
            p.semi_join(ibis.memtable(keys), [role, "hs"])
            .group_by([role, "hs", "year"])
            .aggregate(v=p.v.sum(), v2=(p.v * p.v).sum())
            .mutate(side=ibis.literal(side))
            .rename(country=role)
        )

    return rows, panel.engine.execute(totals(buyers, "importer", "M").union(totals(sellers, "exporter", "X")))


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
        return bounded_matrix(rows, names, "v", years, index, panel.alive(cand[hs]))

    def total(country: str, hs: str, side: str, value: str = "v") -> np.ndarray:
        index = cand[[country, hs]].set_axis(["country", "hs"], axis=1)
        df = tot[tot.side == side]
        if value != "v":  # a code's own concentration, not its bound's
            return matrix(df, ["country", "hs"], value, years, index)
        return bounded_matrix(df, ["country", "hs"], value, years, index, panel.alive(cand[hs]))

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
    # Years a code HS2022 created n:n (8806) did not exist hold its bound (``bounded_matrix``); from a
    # break after the code's first year, its own years cap them (``persist``).
    filled_in, filled_out = bound_years(panel, cand.hs_in), bound_years(panel, cand.hs_out)
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
        share = supplier_share(np.where(obs_out, vo, np.nan), np.where(obs_out, oth, np.nan), t, e, clear)
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
        owned = owned_share(vi, ht, t, e)
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
    v_in, v_out, h_total = v_in[row], v_out[row], h_total[row]
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
    causes = reason_causes(panel, cand, t1, out.direct_open.to_numpy(), transformed=not direct_gate)
    out["reason"] = factor(causes)
    out["reason_why"] = causes  # ``reason.CAUSES``: why a halved route had no reason to go round
    # Only readings with finite evidence were kept (``live`` above): every row is scored.
    return out, rows
