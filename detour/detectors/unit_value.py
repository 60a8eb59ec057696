"""Unit-value jumps: USD per kg on a corridor leaps against its own history and other corridors.

DOMAIN.md pattern 5: a sanctions premium on a rerouted corridor, or a price that fits other
goods than the declared code (misclassification). Per flow-year the unit value is FOB value over
net weight, from the exporter's declaration, else the importer's brought back to FOB. Its log
is taken *relative to the median unit value of the same HS6 that year over all corridors*
(at least ``MIN_CORRIDORS`` of them), which removes world price moves (the chip shortage lifted
every corridor). The evidence z is the robust break of that relative price against the flow's
own history; either direction counts, and after the break the corridor must sit at least
``MIN_PREMIUM`` away from the world median. Look-alikes: a world price rise (relative price
flat), a corridor that always traded dearer goods (no break), tiny flows (``min_value``), and
a code that an HS revision narrowed, in the revision year (its mix of goods changed), and before
it on a corridor whose drones it carried (``carried``).
A jump may last for an episode of two years or more and end (``price_episodes``); a price seen
off-line in one year only keeps ``sqrt(1/2)`` of its evidence (one observation, as for routes).
"""

from __future__ import annotations

import math
from dataclasses import replace

import ibis
import numpy as np
import pandas as pd

from detour.detectors.base import Detector, Scope
from detour.detectors.panel import Panel
from detour.detectors.revisions import REVISION_YEAR, bounded_codes, history_bound, narrowed_codes
from detour.detectors.scoring import MAD_SCALE, Params, break_stats, episodes, mask, matrix, to_score
from detour.model.alert import Alert
from detour.model.codes import country_name

KEYS = ["exporter", "importer", "hs"]
MIN_CORRIDORS = 5
MIN_PREMIUM = math.log(1.5)
CANDIDATE_JUMP = math.log(2.0)
# Observed prices needed before a break for the corridor's own noise to count. A flow's
# appearance from nothing is clear after two silent years (``Params.min_pre``), but a price's
# own noise cannot be judged from two values: with two, chance breaks on a world without planted
# patterns rose from 507 to 801 (19M rows, all products; ``benchmarks/detect_speed.py``). A
# corridor with only two prices before a break borrows its noise from the code's other
# corridors (``price_noise``) instead: 555 on the same world.
PRICE_MIN_PRE = 3


def relative_prices(panel: Panel) -> ibis.Table:
    p, prm = panel.pairs, panel.params
    fob_m = p.m_value / p.margin_log.exp()
    use_x = (p.x_value > 0) & (p.x_kg > 0)
    use_m = (p.m_value > 0) & (p.m_kg > 0)
    uv = ibis.cases((use_x, p.x_value / p.x_kg), (use_m, fob_m / p.m_kg), else_=ibis.null("float64"))
    val = ibis.cases((use_x, p.x_value), (use_m, fob_m), else_=ibis.null("float64"))
    t = p.select(*KEYS, "year", val=val, luv=uv.ln())
    t = t.filter(t.luv.notnull() & (t.val >= prm.floor_usd))
    ref = t.group_by(["hs", "year"]).aggregate(ref=t.luv.median(), n_ref=t.count())
    ref = ref.filter(ref.n_ref >= MIN_CORRIDORS)
    r = t.join(ref, ["hs", "year"])
    return r.select(*KEYS, "year", "val", "luv", "ref", rel=r.luv - r.ref)


def price_noise(panel: Panel) -> pd.Series:
    """Per HS6 code, the year-to-year noise of a corridor's relative price, pooled over all the
    code's corridors: ``1.4826 * median(|rel_t - rel_t-1|) / sqrt(2)`` over consecutive observed
    years (the difference of two years carries the noise twice).

    With two prices before a break, a corridor's own spread says almost nothing about its noise
    (two values an accident apart give a MAD of nearly zero); the code's other corridors do: a
    code of heterogeneous goods (computers, parts "of other kinds") has noisy prices on every
    corridor. This is the empirical-Bayes prior a short history falls back on; ``score`` uses it
    as the noise floor of such breaks, never below ``price_sigma_floor``.
    """
    if "price_noise" in panel.shared:
        return panel.shared["price_noise"]
    r = panel.shared.get("relative_prices")
    r = relative_prices(panel) if r is None else r
    w = ibis.window(group_by=[r.exporter, r.importer, r.hs], order_by=r.year)
    d = r.mutate(step=(r.rel - r.rel.lag().over(w)).abs(), gap=r.year - r.year.lag().over(w))
    d = d.filter(d.gap == 1)
    df = panel.engine.execute(d.group_by("hs").aggregate(step=d.step.median()))
    noise = pd.Series(MAD_SCALE * df.step.to_numpy() / math.sqrt(2.0), index=df.hs.to_numpy(), dtype=float)
    panel.shared["price_noise"] = noise
    return noise


def price_episodes(years: tuple[int, ...], params: Params) -> list[tuple[int, int]]:
    """(break column, end column exclusive) of the price episodes to scan: every episode that runs
    to the end of the data, and every episode that ended after two years or more.

    A corridor's price may jump for the years a scheme ran and return (a sanctions premium that
    lasted while a route was in use, goods misdeclared for two seasons): the years after it
    would pull the post-period median back to the old price. A single price that stepped out of
    line and came straight back is one outlier, not a jump (declarations are often off by a
    third in one year), so a closed episode needs two years, the price must stay off-line in each
    of them and must have come back (within ``MIN_PREMIUM`` of its old level) the year after; the
    last two are checked in the detector.

    >>> price_episodes((2020, 2021, 2022, 2023), Params())
    [(1, 3), (1, 4), (2, 4), (3, 4)]
    """
    T = len(years)
    return [(t, e) for t, e in episodes(years, params) if e == T or e - t >= 2]


def carried(panel: Panel, cand: pd.DataFrame) -> np.ndarray:
    """Per candidate row: is its code one HS2022 narrowed (``revisions.narrowed_codes``) on a
    corridor that trades, from the revision year, a code created from it (8806)? Such a
    corridor's drones were declared under this code before the revision."""
    narrowed = cand.hs.isin(narrowed_codes()).to_numpy()
    if not narrowed.any():
        return narrowed
    p = panel.pairs
    new = p.filter(p.hs.isin(list(bounded_codes())) & (p.year >= REVISION_YEAR) & (p.v > 0))
    df = panel.engine.execute(new.select("exporter", "importer", "hs").distinct())
    pairs = {(e, i, old) for e, i, hs in df.itertuples(index=False) for old in history_bound(hs)}
    keys = zip(cand.exporter, cand.importer, cand.hs, strict=True)
    return narrowed & np.array([k in pairs for k in keys], dtype=bool)


class UnitValueDetector(Detector):
    name = "unit_value"
    kind = "unit_value"

    def candidates(self, panel: Panel, scope: Scope) -> ibis.Table:
        prm = panel.params
        if "relative_prices" not in panel.shared:
            panel.shared["relative_prices"] = panel.materialize(relative_prices(panel))
        r = panel.shared["relative_prices"]
        w = ibis.window(group_by=[r.exporter, r.importer, r.hs], order_by=r.year, preceding=None, following=0)
        h = r.mutate(csum=r.rel.sum().over(w) - r.rel, cnt=r.rel.count().over(w) - 1)
        prev = h.csum / ibis.greatest(h.cnt, 1)
        keep = (
            (h.cnt >= prm.min_pre)
            & (h.val >= prm.min_value)
            & ((h.rel - prev).abs() >= CANDIDATE_JUMP)
            & (h.rel.abs() >= MIN_PREMIUM)
        )
        if prm.since is not None:
            keep &= h.year >= prm.since
        if scope.origins is not None:
            keep &= h.exporter.isin(sorted(scope.origins))
        for partners in (scope.hubs, scope.destinations):
            if partners is not None:
                keep &= h.importer.isin(sorted(partners))
        return h.filter(keep).select(*KEYS).distinct()

    def score(self, panel: Panel, candidates: pd.DataFrame) -> list[Alert]:
        prm, years = replace(panel.params, sigma_floor=panel.params.price_sigma_floor), panel.years
        cand = candidates[KEYS].drop_duplicates().reset_index(drop=True)
        rows = panel.series(cand, {k: k for k in KEYS}, panel.shared["relative_prices"])
        present = matrix(rows.assign(one=1.0), KEYS, "one", years, cand) > 0
        rel = mask(matrix(rows, KEYS, "rel", years, cand), present)
        luv = mask(matrix(rows, KEYS, "luv", years, cand), present)
        val = matrix(rows, KEYS, "val", years, cand)
        n, T = rel.shape
        # Before HS2022 a corridor's drones were declared under the codes 8806 took them from
        # (8802.20, 8525.80, ...). Where the corridor trades 8806 from 2022, those codes' price
        # before then is a mix of drones and the goods that stayed, and it drifts as the mix
        # does: unknown, not a price (``carried``).
        before = np.asarray(years)[None, :] < REVISION_YEAR
        rel = np.where(carried(panel, cand)[:, None] & before, np.nan, rel)
        zs = np.full((n, T), -np.inf)
        ends = np.full((n, T), T)
        # A code whose scope an HS revision narrowed (8802.11/.20 and 8525.80 lost drones to
        # 8806 in 2022) changes composition that year: its unit value moves with the goods that
        # left, not with a price. Breaks in the revision year are not scored for such codes.
        narrowed = cand.hs.isin(narrowed_codes()).to_numpy()
        # The noise floor: the price floor where the corridor has its own history to judge its
        # noise by (``PRICE_MIN_PRE`` prices before the break), the code's pooled noise where
        # it has only two (``price_noise``).
        pooled = np.fmax(cand.hs.map(price_noise(panel)).to_numpy(dtype=float), prm.sigma_floor)  # NaN: floor
        for t, e in price_episodes(years, prm):
            skip = narrowed & (years[t] == REVISION_YEAR)
            short = (~np.isnan(rel[:, :t])).sum(axis=1) < PRICE_MIN_PRE
            floor = np.where(short, pooled, prm.sigma_floor)
            up, pre_up, post_up, _ = break_stats(rel, t, prm, e, floor)
            down, _, post_down, _ = break_stats(-rel, t, prm, e, floor)
            z = np.fmax(up, down)
            if e < T:
                # A closed episode is one the price came back from: the year after it is back
                # within MIN_PREMIUM of the old level (otherwise the jump simply goes on). And
                # the price held off-line, on the same side, in every year of it: the median of
                # two years is their mean, which one outlier year would carry on its own.
                back = np.abs(rel[:, e] - pre_up) < MIN_PREMIUM
                off = rel[:, t:e] - pre_up[:, None]
                side = np.sign(np.nan_to_num(off[:, :1]))
                held = np.all(np.isnan(off) | (off * side >= MIN_PREMIUM), axis=1)
                z = np.where(back & held, z, np.nan)
            post = np.where(
                np.nan_to_num(up, nan=-np.inf) >= np.nan_to_num(down, nan=-np.inf), post_up, -post_down
            )
            ok = np.isfinite(z) & (np.abs(np.nan_to_num(post)) >= MIN_PREMIUM) & (val[:, t] >= prm.min_value)
            # Support: a price seen off-line in one year only is one observation, an outlier
            # rather than a level that moved; as for routes it keeps sqrt(1/2) of its evidence.
            seen = present[:, t:e].sum(axis=1)
            z = np.where(ok & ~skip, z * np.sqrt(np.clip(seen, 1, 2) / 2.0), -np.inf)
            better = z > zs[:, t]
            zs[:, t], ends[:, t] = np.where(better, z, zs[:, t]), np.where(better, e, ends[:, t])
        best = zs.argmax(axis=1)
        found = []
        for i in np.nonzero(np.isfinite(zs[np.arange(n), best]))[0]:
            t, (o, d, hs) = int(best[i]), cand.iloc[i][KEYS]
            if zs[i, t] < prm.keep_z:
                continue
            e = int(ends[i, t])
            score = to_score(float(zs[i, t]), self.kind)
            live = np.nonzero(present[i, t:e])[0]
            end = years[t + live.max()]
            before, after = np.exp(np.nanmedian(luv[i, :t])), np.exp(np.nanmedian(luv[i, t:e]))
            premium = np.exp(np.nanmedian(rel[i, t:e]))
            verb = "rose" if after > before else "fell"
            n_pre = int((~np.isnan(rel[i, :t])).sum())
            history = (
                "a steady history"
                if n_pre >= PRICE_MIN_PRE
                else f"a history of {n_pre} prices (judged by the price noise of the code's other corridors)"
            )
            text = (
                f"The unit value of {country_name(o)}'s exports of HS {hs} to {country_name(d)} {verb} from "
                f"about USD {before:,.2f}/kg to USD {after:,.2f}/kg in {years[t]}–{end}, {premium:.1f} times "
                f"the price of the same goods on other corridors, against {history}."
            )
            found.append((o, d, hs, years[t], end, score, round(float(val[i, t:e].sum()), 2), text))
        keys = pd.DataFrame([f[:3] for f in found], columns=KEYS)
        ev = panel.series(keys, {k: k for k in KEYS})
        alerts = []
        for o, d, hs, start, end, score, value, text in found:
            mine = ev[
                (ev.exporter == o) & (ev.importer == d) & (ev.hs == hs) & ev.year.between(start - 1, end)
            ]
            alerts.append(
                Alert(
                    self.kind, o, None, d, (hs,), start, end, score, value, text, tuple(panel.evidence(mine))
                )
            )
        return alerts
