"""Unit-value jumps: USD per kg on a corridor leaps against its own history and other corridors.

DOMAIN.md pattern 5: a sanctions premium on a rerouted corridor, or a price that fits other
goods than the declared code (misclassification). Per flow-year the unit value is FOB value over
net weight, from the exporter's declaration, else the importer's brought back to FOB. Its log
is taken *relative to the median unit value of the same HS6 that year over all corridors*
(at least ``MIN_CORRIDORS`` of them), which removes world price moves (the chip shortage lifted
every corridor). The evidence z is the robust break of that relative price against the flow's
own history; either direction counts, and after the break the corridor must sit at least
``MIN_PREMIUM`` away from the world median, or half that beyond it on the far side of where it
was (``off_line``: a price that went through the world's, not one that came to it).
Look-alikes: a world price rise (relative price flat), a cheap corridor that came to the world
price (no premium), a corridor that always traded dearer goods (no break), tiny flows
(``min_value``), and a code that an HS revision narrowed, in the revision year (its mix of
goods changed), and before it on a corridor whose drones it carried, or whose exporter moved
most of its trade in the code to 8806 at the revision (``carried``).
A jump may last for an episode of two years or more and end (``price_episodes``); a price seen
off-line in one year only keeps ``sqrt(1/2)`` of its evidence (one observation, as for routes).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import ibis
import numpy as np
import pandas as pd

from detour.detectors.base import Detector, Scope
from detour.detectors.panel import Panel
from detour.detectors.revisions import REVISION_YEAR, bounded_codes, history_bound, narrowed_codes
from detour.detectors.routes import Stage, run_stages
from detour.detectors.scoring import MAD_SCALE, Params, break_stats, episodes, mask, matrix, to_score
from detour.model.alert import Alert
from detour.model.codes import country_name

KEYS = ["exporter", "importer", "hs"]
MIN_CORRIDORS = 5
MIN_PREMIUM = math.log(1.5)
CANDIDATE_JUMP = math.log(2.0)
# Share of an exporter's trade in a narrowed code that moved to 8806 at the revision for the
# code to count as its drones' home before it (``drone_exporters``).
DRONE_MOVE = 0.5
# Observed prices needed before a break for the corridor's own noise to count. A flow's
# appearance from nothing is clear after two silent years (``Params.min_pre``), but a price's
# own noise cannot be judged from two values: with two, chance breaks on a world without planted
# patterns rose from 507 to 801 (19M rows, all products; ``benchmarks/detect_speed.py``). A
# corridor with only two prices before a break borrows its noise from the code's other
# corridors (``price_noise``) instead: 555 on the same world.
PRICE_MIN_PRE = 3
# How far a corridor's best price reading got in ``assess``: no break that could be judged (too
# few prices before it, or no price in its year); a closed episode the price did not come back
# from (or did not hold off-line in); a price near the world median after the break
# (``off_line``); a flow under ``min_value`` in the break year; the revision year of a narrowed
# code; scored.
GATES = ("history", "closed episode", "premium", "value", "revision year", "scored")


def off_line(after: Any, before: Any) -> Any:
    """Whether a corridor's price after a break sits off the world's line: at least
    ``MIN_PREMIUM`` from the world median (``after`` and ``before`` are log prices relative to
    it), or past the median from the other side by at least half that.

    The gate keeps out a corridor whose price merely came to the world's (a seller that moved
    from cheap goods to the usual ones). A corridor that sold at 0.45 times the world price and
    now sells at 1.35 times did not come to the world's price: it went through it and beyond,
    by more than the noise of a price that settled there. Works on numpy arrays and on Ibis
    columns alike.

    >>> import numpy as np
    >>> off_line(np.log(np.array([1.6, 1.35, 1.35, 1.1])), np.log(np.array([1.0, 0.45, 1.0, 0.45]))).tolist()
    [True, True, False, False]
    """
    size = after.abs() if hasattr(after, "abs") else np.abs(after)
    return (size >= MIN_PREMIUM) | ((after * before < 0) & (size >= MIN_PREMIUM / 2))


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
    """Per candidate row: did its code, one HS2022 narrowed (``revisions.narrowed_codes``), carry
    drones on this corridor before the revision? ``"corridor"`` where the corridor trades, from
    the revision year, a code created from it (8806); ``"exporter"`` where its exporter moved most
    of its trade in the code to 8806 at the revision (``drone_exporters``); ``""`` otherwise.
    Either way the code's price there before 2022 is a mix of drones and the goods that stayed,
    not a price."""
    narrowed = cand.hs.isin(narrowed_codes()).to_numpy()
    if not narrowed.any():
        return np.full(len(cand), "", dtype=object)
    p = panel.pairs
    new = p.filter(p.hs.isin(list(bounded_codes())) & (p.year >= REVISION_YEAR) & (p.v > 0))
    df = panel.engine.execute(new.select("exporter", "importer", "hs").distinct())
    pairs = {(e, i, old) for e, i, hs in df.itertuples(index=False) for old in history_bound(hs)}
    houses = drone_exporters(panel)
    keys = zip(cand.exporter, cand.importer, cand.hs, strict=True)
    why = ["corridor" if (e, i, h) in pairs else "exporter" if (e, h) in houses else "" for e, i, h in keys]
    return np.where(narrowed, np.array(why, dtype=object), "")


def drone_exporters(panel: Panel) -> set[tuple[str, str]]:
    """(exporter, narrowed code) where the exporter's trade in the code fell at the revision to
    under ``1 - DRONE_MOVE`` of its yearly level before, and its exports of the codes created
    from it (8806) took up at least half of what was lost.

    A drone maker declared its drones under 8802.20 or 8525.80 before HS2022 (camera drones were
    often declared as cameras): when 8806 opened, most of its trade in the old code moved there. Its
    prices in the old code before 2022 are then a drift of the mix on every corridor, those that
    bought no drones later included (a buyer of 2020's drones may have bought none in 2022).
    A fall with no drones to take it up (sanctions, a lost customer) says nothing about the mix.
    Yearly levels are means over the years the exporter traded, before and from the revision.
    """
    if "drone_exporters" in panel.shared:
        return panel.shared["drone_exporters"]
    p = panel.pairs
    codes = list(narrowed_codes()) + list(bounded_codes())
    t = p.filter(p.hs.isin(codes) & (p.v > 0))
    t = t.group_by(["exporter", "hs", "year"]).aggregate(v=t.v.sum())
    df = panel.engine.execute(t)
    houses: set[tuple[str, str]] = set()
    if df.empty:
        panel.shared["drone_exporters"] = houses
        return houses
    df["after"] = df.year >= REVISION_YEAR
    level = df.groupby(["exporter", "hs", "after"]).v.mean()
    new = df[df.hs.isin(bounded_codes()) & df.after]
    for old in narrowed_codes():
        mine = new[[old in history_bound(h) for h in new.hs]]
        if mine.empty:
            continue
        drones = mine.groupby(["exporter", "year"]).v.sum().groupby(level="exporter").mean()
        for e, to_8806 in drones.items():
            before = float(level.get((e, old, False), 0.0))
            after = float(level.get((e, old, True), 0.0))
            lost = before - after
            if before > 0 and after <= (1 - DRONE_MOVE) * before and to_8806 >= 0.5 * lost:
                houses.add((e, old))
    panel.shared["drone_exporters"] = houses
    return houses


def revision_segments(rel: np.ndarray, narrowed: np.ndarray, years: np.ndarray) -> dict[bool, np.ndarray]:
    """A narrowed code's relative prices as two series, keyed by "from the revision year on":
    ``False`` holds the years before ``REVISION_YEAR`` (later years unknown), ``True`` the years
    from it (earlier years unknown). Rows of other codes keep every year in both.

    >>> r = np.array([[0.0, 0.1, 1.0], [0.0, 0.1, 1.0]])
    >>> seg = revision_segments(r, np.array([True, False]), np.array([2020, 2021, 2022]))
    >>> seg[False].tolist(), seg[True][0].tolist()
    ([[0.0, 0.1, nan], [0.0, 0.1, 1.0]], [nan, nan, 1.0])
    """
    after = years[None, :] >= REVISION_YEAR
    rows = np.asarray(narrowed, dtype=bool)[:, None]
    return {False: np.where(rows & after, np.nan, rel), True: np.where(rows & ~after, np.nan, rel)}


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
            & off_line(h.rel, prev)
        )
        if prm.since is not None:
            keep &= h.year >= prm.since
        if scope.origins is not None:
            keep &= h.exporter.isin(sorted(scope.origins))
        for partners in (scope.hubs, scope.destinations):
            if partners is not None:
                keep &= h.importer.isin(sorted(partners))
        return h.filter(keep).select(*KEYS).distinct()

    def assess(self, panel: Panel, candidates: pd.DataFrame) -> pd.DataFrame:
        """Every candidate corridor's best price break: ``z`` (after support; -inf where no
        episode qualified, ``gate`` says how far the best reading got, ``GATES``), ``start``,
        ``end``, ``before`` and ``after`` (USD/kg), ``premium`` (times the world median),
        ``support``, ``n_pre`` (prices before the break), ``value_usd``, and per year ``price``
        and ``relative`` (times the world median; NaN where unknown)."""
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
        is_carried = carried(panel, cand)
        rel = np.where((is_carried != "")[:, None] & before, np.nan, rel)
        zs = np.full((n, T), -np.inf)
        ends = np.full((n, T), T)
        # The furthest gate any episode reached, and that reading (for a corridor none passed).
        gate, g_z, g_t, g_e = (
            np.zeros(n, dtype=int),
            np.full(n, -np.inf),
            np.zeros(n, dtype=int),
            np.full(n, T),
        )
        # A code whose scope an HS revision narrowed (8802.11/.20 and 8525.80 lost drones to
        # 8806 in 2022) changes composition that year: its unit value moves with the goods that
        # left, not with a price. Breaks in the revision year are not scored for such codes.
        narrowed = cand.hs.isin(narrowed_codes()).to_numpy()
        # And its price is never compared across the revision: the world median it is measured
        # against changed composition too (every corridor's drones left the code in 2022), so a
        # corridor with no drones of its own moves against it. A narrowed code's years before
        # the revision and from it are two series (``revision_segments``).
        segments = revision_segments(rel, narrowed, np.asarray(years))
        # The noise floor: the price floor where the corridor has its own history to judge its
        # noise by (``PRICE_MIN_PRE`` prices before the break), the code's pooled noise where
        # it has only two (``price_noise``).
        pooled = np.fmax(cand.hs.map(price_noise(panel)).to_numpy(dtype=float), prm.sigma_floor)  # NaN: floor
        for t, e in price_episodes(years, prm):
            seg = segments[years[t] >= REVISION_YEAR]
            skip = narrowed & (years[t] == REVISION_YEAR)
            short = (~np.isnan(seg[:, :t])).sum(axis=1) < PRICE_MIN_PRE
            floor = np.where(short, pooled, prm.sigma_floor)
            up, pre_up, post_up, _ = break_stats(seg, t, prm, e, floor)
            down, pre_down, post_down, _ = break_stats(-seg, t, prm, e, floor)
            z = np.fmax(up, down)
            raw = np.nan_to_num(z, nan=-np.inf)
            if years[t] < REVISION_YEAR:
                # Before the revision a narrowed code's series ends in the year before it: what the
                # price did next cannot be known, so a jump there must hold two observed years.
                held_before = (~np.isnan(seg[:, t:e])).sum(axis=1) >= 2
                z = np.where(narrowed & ~held_before, np.nan, z)
            if e < T:
                # A closed episode is one the price came back from: the year after it is back
                # within MIN_PREMIUM of the old level (otherwise the jump simply goes on). And
                # the price held off-line, on the same side, in every year of it: the median of
                # two years is their mean, which one outlier year would carry on its own.
                back = np.abs(seg[:, e] - pre_up) < MIN_PREMIUM
                off = seg[:, t:e] - pre_up[:, None]
                side = np.sign(np.nan_to_num(off[:, :1]))
                held = np.all(np.isnan(off) | (off * side >= MIN_PREMIUM), axis=1)
                z = np.where(back & held, z, np.nan)
            up_wins = np.nan_to_num(up, nan=-np.inf) >= np.nan_to_num(down, nan=-np.inf)
            post, pre = np.where(up_wins, post_up, -post_down), np.where(up_wins, pre_up, -pre_down)
            premium = off_line(np.nan_to_num(post), np.nan_to_num(pre))
            ok = np.isfinite(z) & premium & (val[:, t] >= prm.min_value)
            passed = (np.isfinite(raw), np.isfinite(z), np.isfinite(z) & premium, ok, ok & ~skip)
            reached = np.sum([g.astype(int) for g in passed], axis=0)
            better_g = (reached > gate) | ((reached == gate) & (raw > g_z))
            gate, g_z = np.where(better_g, reached, gate), np.where(better_g, raw, g_z)
            g_t, g_e = np.where(better_g, t, g_t), np.where(better_g, e, g_e)
            # Support: a price seen off-line in one year only is one observation, an outlier
            # rather than a level that moved; as for routes it keeps sqrt(1/2) of its evidence.
            seen = present[:, t:e].sum(axis=1)
            z = np.where(ok & ~skip, z * np.sqrt(np.clip(seen, 1, 2) / 2.0), -np.inf)
            better = z > zs[:, t]
            zs[:, t], ends[:, t] = np.where(better, z, zs[:, t]), np.where(better, e, ends[:, t])
        luv_segments = revision_segments(luv, narrowed, np.asarray(years))
        first_after = sum(y < REVISION_YEAR for y in years)  # column of the revision year
        best = zs.argmax(axis=1)
        out = cand.copy()
        cols: dict[str, list] = {
            c: []
            for c in ("z", "start", "end", "before", "after", "premium", "support", "n_pre", "value_usd")
        }
        for i in range(n):
            t = int(best[i])
            scored = bool(np.isfinite(zs[i, t]))
            t, e = (t, int(ends[i, t])) if scored else (int(g_t[i]), int(g_e[i]))
            # The prices the reading compared (a narrowed code's own side of the revision: an
            # episode before it ends with the year before it).
            later = years[t] >= REVISION_YEAR
            seg_rel, seg_luv = segments[later][i], luv_segments[later][i]
            if narrowed[i] and not later:
                e = min(e, first_after)
            live = np.nonzero(present[i, t:e])[0]
            values = (
                float(zs[i, t]) if scored else -np.inf,
                years[t],
                years[t + live.max()] if len(live) else years[min(t, T - 1)],
                np.exp(_median(seg_luv[:t])),
                np.exp(_median(seg_luv[t:e])),
                np.exp(_median(seg_rel[t:e])),
                float(np.sqrt(np.clip(present[i, t:e].sum(), 1, 2) / 2.0)),
                int((~np.isnan(seg_rel[:t])).sum()),
                round(float(val[i, t:e].sum()), 2),
            )
            for c, v in zip(cols, values, strict=True):
                cols[c].append(v)
        for c, v in cols.items():
            out[c] = v
        out["gate"] = [GATES[g] for g in gate]
        out["carried"] = is_carried
        out["price"], out["relative"] = np.exp(luv).tolist(), np.exp(rel).tolist()
        return out

    def stages(self, panel: Panel) -> list[Stage]:
        """The corridors whose best break passed every gate, then the threshold."""
        return [
            ("scoring", lambda f: f[np.isfinite(f.z)]),
            ("threshold", lambda f: f[f.z >= panel.params.keep_z]),
        ]

    def score(self, panel: Panel, candidates: pd.DataFrame) -> list[Alert]:
        return self.alerts(panel, run_stages(self.assess(panel, candidates), self.stages(panel)))

    def explain(self, f: Any) -> str:
        """The alert's sentence for one corridor of ``assess`` (a row as a named tuple)."""
        verb = "rose" if f.after > f.before else "fell"
        history = (
            "a steady history"
            if f.n_pre >= PRICE_MIN_PRE
            else f"a history of {f.n_pre} prices (judged by the price noise of the code's other corridors)"
        )
        return (
            f"The unit value of {country_name(f.exporter)}'s exports of HS {f.hs} to "
            f"{country_name(f.importer)} {verb} from about USD {f.before:,.2f}/kg to USD {f.after:,.2f}/kg "
            f"in {f.start}–{f.end}, {f.premium:.1f} times the price of the same goods on other corridors, "
            f"against {history}."
        )

    def alerts(self, panel: Panel, found: pd.DataFrame) -> list[Alert]:
        """One alert per corridor that passed every stage."""
        ev = panel.series(found[KEYS], {k: k for k in KEYS})
        alerts = []
        for f in found.itertuples(index=False):
            o, d, hs, start, end = f.exporter, f.importer, f.hs, int(f.start), int(f.end)
            mine = ev[
                (ev.exporter == o) & (ev.importer == d) & (ev.hs == hs) & ev.year.between(start - 1, end)
            ]
            score = to_score(float(f.z), self.kind)
            value, text = float(f.value_usd), self.explain(f)
            alerts.append(
                Alert(
                    self.kind, o, None, d, (hs,), start, end, score, value, text, tuple(panel.evidence(mine))
                )
            )
        return alerts


def _median(values: np.ndarray) -> float:
    """``np.nanmedian`` of one row, NaN (without a warning) when it holds no value."""
    return float(np.nanmedian(values)) if (~np.isnan(values)).any() else np.nan
