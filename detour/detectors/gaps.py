"""Mirror gaps: one side declares a flow the other side does not. Shared by phantom and
undeclared exports.

Each flow is compared in FOB terms: the importer's CIF value is brought back with the margin
estimated from the data for that pair and chapter (``detour.analysis.cif_fob``), so a normal
CIF/FOB difference is no gap. The yearly gap is the log ratio
``ln(declaring side + floor) - ln(silent side + floor)``: about 0 when both sides agree (or both
are empty), large when one side declares goods the other never records.

A year counts only if *both* reporters declared something in that chapter on their side that
year (coverage): a reporter that hid the whole chapter, or did not report at all, says nothing
about this flow (DOMAIN.md). The evidence z is the robust rise of the log ratio at the best
break against the flow's own history (``detour.detectors.scoring``), so a pair whose mirror
has always disagreed by the same amount is not news. The gap must also hold (a quarter of
the declared value or more, and at least ``min_gap`` USD) in ``min_years`` observed years from
the break, in one unbroken run (the episode): smaller one-sided flows and timing differences
are routine in mirror data, which is also why the log ratio's floor is ``min_gap``.

Additionality: the pattern is *additional* declared trade the other side never recorded. When
the declaring side did not rise above its own recent level (an old flow whose other side's
records fell silent, the commoner reporting accident), the evidence keeps ``ADDED_FLOOR``.

Recorded late: a gap that closed while the declaring side went on at ``CONTINUED`` of its level
or more is the silent side beginning to record a flow that continued (a new flow registered a
year or two late); it also keeps ``ADDED_FLOOR``. Diverted or covert goods stop with the scheme.

Codes HS2022 created n:n (8806, drones) have no mirror of their own before 2022. The pair's
mirror in the code's bound (``revisions.history_bound``: its light aircraft and cameras, where
drones were declared before) is their history, capped at each break by the pair's own first
years in the new code (``routes.bounds.persist``), as for routes: a drone gap that opens in 2023
between two countries that never traded such goods is a break; one between a pair whose
mirror in cameras always disagreed the same way is not. The bound's years are history only:
a gap is never found in them, and they are never evidence.

Headings: a scheme split over the codes of one heading (two kinds of capacitor, 8532.21 and
8532.24) may stay under ``min_gap`` in every code while the heading as a whole carries a gap of
a million dollars a year. So each pair that traded two or more codes of a heading is also read
per heading (``heading_panel``, ``heading_candidates``: its codes of the heading summed, both
sides in FOB terms, under a pseudo-code such as ``8532HH``), with the same statistics. A heading
is only read as a whole where none of its codes shows the gap on its own (``one_reading``): a
code that does is the sharper finding, and one scheme is never counted twice.
An alert found on a heading names the heading's codes where the declaring side carried the gap
(``heading_members``). Headings of codes HS2022 created n:n (8806) are not summed: their codes'
histories are bounds, not values.

Partner attribution differs by direction (DOMAIN.md): an importer names the country of origin,
an exporter the last known destination. So re-exports are set aside: an exporter's own
re-exports are not compared (the importer may book them against the origin), and re-exports
by third countries into the importer count on the exporter's side (the importer may have booked
an entrepôt's re-exports as imports from the origin).
"""

from __future__ import annotations

from dataclasses import replace

import ibis
import numpy as np
import pandas as pd

from detour.detectors.base import Scope
from detour.detectors.gap_reason import hide_causes
from detour.detectors.panel import Panel
from detour.detectors.revisions import bounded_codes
from detour.detectors.routes.bounds import bound_years, bounded_matrix, persist, with_bounds
from detour.detectors.routes.reason import factor
from detour.detectors.scoring import break_stats, episodes, log_level, mask, matrix

KEYS = ["exporter", "importer", "hs"]
HELD = 0.75  # a year holds a gap when the silent side records less than this share of the other
ADDED_FLOOR = 0.35  # evidence kept by a gap that is no additional trade (an old flow's record lost)
CONTINUED = 0.5  # a gap that closed while the declared flow went on at this share of its level: recorded late


GAP_MIN_PRE = 2  # observed years of a pair's mirror needed before a gap opens
# A pair whose mirror was measured on a real flow (both sides ``min_gap`` or more) in
# ``LONG_MATCH`` years before a break has shown its own noise: its floor is ``LONG_FLOOR``, not
# ``gap_sigma_floor``, which guards the short or empty histories (two years of agreement, or
# years when neither side traded, say little about how the mirror of a real flow varies).
LONG_MATCH = 5
LONG_FLOOR = 0.1
RECENT = 3  # the declaring side's level before a break: the median of its last observed years
# How far a candidate got in ``score_gaps``: no unbroken run of ``min_years`` known years where the
# gap held; such a run, but too few known years before it to break from; scored.
GATES = ("persistence", "history", "scored")


HEADING = "HH"  # a heading read as a whole: "8532HH" is the pair's codes of heading 8532 summed


def is_heading(hs: object) -> bool:
    """Whether ``hs`` is a heading read as a whole (``heading_panel``), not an HS6 code.

    >>> is_heading("8532HH"), is_heading("853221")
    (True, False)
    """
    return str(hs).endswith(HEADING)


def hs_label(hs: object) -> str:
    """An HS code as the explanations name it: a heading read as a whole says so.

    >>> hs_label("8532HH"), hs_label("853221")
    ('8532 (its codes together)', '853221')
    """
    return f"{str(hs)[:4]} (its codes together)" if is_heading(hs) else str(hs)


def heading_panel(panel: Panel) -> Panel:
    """The panel read per heading: each pair's codes of one heading summed per year into one row
    under the pseudo-code ``<heading>HH`` (``HEADING``), for the headings the panel holds two or
    more codes of. Both sides are summed in FOB terms (the importer's CIF value brought back with
    its own pair's margin first), so ``margin_log`` is 0; chapters, coverage, the hidden-trade
    marks and a chapter's partners (``Panel.partners``) are the panel's own (a heading lies in one
    chapter). Headings of codes HS2022 created n:n (8806) are left out: their early years are
    bounds, not values. Built once per panel and kept with it (``Panel.shared``).
    """
    if "headings" not in panel.shared:
        p = panel.pairs
        # Headings of two or more codes in the panel (``code_life`` lists its codes), but not
        # those of codes HS2022 created n:n.
        codes = pd.Series(panel.code_life.index.astype(str))
        bounded = {c[:4] for c in bounded_codes()}
        count = codes.str[:4].value_counts()
        many = sorted(h for h, k in count.items() if k >= 2 and h not in bounded)
        q = p.mutate(h4=p.hs.left(4))
        q = q.filter(q.h4.isin(many or ["----"]))
        agg = q.group_by(["year", "exporter", "importer", "h4"]).aggregate(
            x_value=q.x_value.sum(),
            m_value=(q.m_value / q.margin_log.exp()).sum(),
            rx_value=q.rx_value.sum(),
            x_kg=q.x_kg.sum(),
            m_kg=q.m_kg.sum(),
            v=q.v.sum(),
            codes=q.count(),  # ``pairs`` holds one row per year, pair and code
        )
        agg = agg.select(
            "year",
            "exporter",
            "importer",
            hs=agg.h4.concat(ibis.literal(HEADING)),
            # Zero, as a double on every engine (a bare 0.0 literal comes back from Spark as a decimal).
            margin_log=agg.x_value * 0.0,
            x_value=agg.x_value,
            m_value=agg.m_value,
            rx_value=agg.rx_value,
            x_kg=agg.x_kg,
            m_kg=agg.m_kg,
            v=agg.v,
            codes=agg.codes,  # how many of the heading's codes the pair traded that year
        )
        t = panel.materialize(agg)
        life = panel.engine.execute(t.group_by("hs").aggregate(first=t.year.min(), last=t.year.max()))
        panel.shared["headings"] = t
        panel.shared["heading_life"] = life.set_index("hs")  # type: ignore[assignment]
    return replace(
        panel,
        pairs=panel.shared["headings"],
        code_life=panel.shared["heading_life"],
        shared={},
        partners=panel.pairs if panel.partners is None else panel.partners,
    )


def heading_candidates(panel: Panel, scope: Scope, declaring: str, min_years: int) -> ibis.Table:
    """``gap_candidates`` on the heading view (``heading_panel``), for the pairs that traded two
    or more of a heading's codes in some year: a pair's heading of one code is that code again."""
    heads = heading_panel(panel)
    t = heads.pairs
    several = t.filter(t.codes >= 2).select(*KEYS).distinct()
    return gap_candidates(heads, scope, declaring, min_years).semi_join(several, KEYS)


def heading_members(panel: Panel, flows: pd.DataFrame, declaring: str) -> tuple[pd.Series, pd.DataFrame]:
    """Per heading row of ``flows`` (``exporter``, ``importer``, ``hs`` = ``<heading>HH``,
    ``start``, ``end``), the heading's codes where the declaring side carried more than the other
    in those years (the codes the alert names), and the pair's rows of those codes (its evidence).
    """
    if flows.empty:
        return pd.Series([], dtype=object, index=flows.index), panel.engine.execute(panel.pairs.limit(0))
    keys = pd.DataFrame(
        {"exporter": flows.exporter, "importer": flows.importer, "h4": flows.hs.str[:4]}
    ).drop_duplicates()
    p = panel.pairs
    q = p.mutate(h4=p.hs.left(4)).semi_join(ibis.memtable(keys), ["exporter", "importer", "h4"])
    rows = panel.engine.execute(q.drop("h4"))
    m = rows.m_value / np.exp(rows.margin_log)
    big, small = (rows.x_value - rows.rx_value, m) if declaring == "exporter" else (m, rows.x_value)
    rows = rows.assign(_short=(big - small).to_numpy(), _h4=rows.hs.str[:4])
    members = []
    for r in flows.itertuples():
        g = rows[
            (rows.exporter == r.exporter)
            & (rows.importer == r.importer)
            & (rows._h4 == str(r.hs)[:4])
            & rows.year.between(r.start, r.end)
        ]
        short = g.groupby("hs")["_short"].sum()
        members.append(tuple(sorted(short[short > 0].index)) or tuple(sorted(set(g.hs))))
    return pd.Series(members, index=flows.index, dtype=object), rows.drop(columns=["_short", "_h4"])


def one_reading(flows: pd.DataFrame) -> pd.DataFrame:
    """Per declared pair and heading, the codes' own findings or the heading read as a whole,
    never both: a heading row is kept only where none of its codes counts on its own. ``flows``
    are the scored rows that passed ``MIN_PART``; a code that did is the sharper finding (it names
    the goods), and the heading would count its gap a second time.

    >>> f = pd.DataFrame({"exporter": ["KOR"] * 3 + ["USA"], "importer": ["SRB"] * 3 + ["SRB"],
    ...                   "hs": ["850710", "8507HH", "8532HH", "8486HH"], "z": [2.5, 6.0, 4.0, 3.0]})
    >>> one_reading(f).hs.tolist()  # 8507 has a code of its own; 8532 and 8486 are read whole
    ['850710', '8532HH', '8486HH']
    """
    if flows.empty:
        return flows
    heading = flows.hs.map(is_heading).to_numpy(dtype=bool)
    key = pd.MultiIndex.from_arrays([flows.exporter, flows.importer, flows.hs.str[:4]])
    own = key.isin(key[~heading])  # a heading one of whose codes counts on its own
    return flows[~heading | ~own]


def _recent(values: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Row medians over the last ``RECENT`` observed columns (NaN when none): the level a flow
    had reached just before a break, not the years before it existed."""
    v = np.where(observed, values, np.nan)
    rank = np.cumsum(observed[:, ::-1], axis=1)[:, ::-1]  # 1 = the last observed column
    v[rank > RECENT] = np.nan
    out = np.full(len(v), np.nan)
    has = observed.any(axis=1)
    if v.shape[1] and has.any():
        out[has] = np.nanmedian(v[has], axis=1)
    return out


def _sides(t: ibis.Table, declaring: str) -> tuple[ibis.Value, ibis.Value]:
    fob_m = t.m_value / t.margin_log.exp()
    return (t.x_value, fob_m) if declaring == "exporter" else (fob_m, t.x_value)


def gap_candidates(panel: Panel, scope: Scope, declaring: str, min_years: int) -> ibis.Table:
    p, prm = panel.pairs, panel.params
    big, small = _sides(p, declaring)
    t = p.filter((big - small >= prm.min_gap) & (small < HELD * big))
    if prm.since is not None:
        t = t.filter(t.year >= prm.since)
    if scope.origins is not None:
        t = t.filter(t.exporter.isin(sorted(scope.origins)))
    for partners in (scope.hubs, scope.destinations):
        if partners is not None:
            t = t.filter(t.importer.isin(sorted(partners)))
    keys = t.group_by(KEYS).aggregate(n=t.count())
    return keys.filter(keys.n >= min_years).select(*KEYS)


def _reexports_into(panel: Panel, cand: pd.DataFrame, years: tuple[int, ...]) -> np.ndarray:
    """(rows x years): re-exports declared by third countries to the importer in the same goods."""
    p = panel.pairs
    keys = cand[["importer", "hs"]].drop_duplicates()
    rx = p.filter(p.rx_value > 0).semi_join(ibis.memtable(keys), ["importer", "hs"])
    df = panel.engine.execute(rx.select("exporter", "importer", "hs", "year", "rx_value"))
    total = matrix(df, ["importer", "hs"], "rx_value", years, cand)
    own = matrix(df, KEYS, "rx_value", years, cand)  # the exporter's own re-exports are not third-party
    return total - own


def score_gaps(
    panel: Panel, cand: pd.DataFrame, declaring: str, min_years: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per candidate flow: z, start, end, value_usd (the undeclared part, FOB) and the fetched rows.

    Every candidate is returned; ``z`` is -inf where no episode qualified, and ``gate`` says how
    far the flow got (``GATES``). What the evidence is made of, for ``detour trace``: ``z_break``
    (the mirror ratio's break z of the chosen episode), ``added`` (the share of the gap that was
    additional trade), ``late`` (the recorded-late cut applied; ``closed``, the year the gap
    closed), ``opened`` (the first year a persistent run of the gap began), and per year
    ``declared``, ``recorded`` (both FOB), ``known`` (coverage), ``held`` (the gap held) and
    ``bound`` (the year holds the pair's mirror in the code's bound: a code HS2022 created n:n,
    before it existed).
    """
    # Mirror ratios are steady (a matched pair's ratio moves a few percent a year), so two
    # observed years of history are enough to know a pair matched.
    prm = replace(
        panel.params, sigma_floor=panel.params.gap_sigma_floor, min_pre=min(panel.params.min_pre, GAP_MIN_PRE)
    )
    years = panel.years
    cand = cand[KEYS].drop_duplicates().reset_index(drop=True)
    rows = panel.series(with_bounds(cand), {k: k for k in KEYS})
    rows = rows.assign(fob_m=rows.m_value / np.exp(rows.margin_log), own_x=rows.x_value - rows.rx_value)
    alive = panel.alive(cand.hs)
    # A code HS2022 created n:n (8806, drones) has no mirror of its own before it existed; the
    # pair's mirror in the code's bound (its light aircraft and cameras) stands in for it, capped
    # at each break by the pair's own first years in the new code (``routes.bounds.persist``).
    filled = bound_years(panel, cand.hs)

    def side(col: str) -> np.ndarray:
        return bounded_matrix(rows, KEYS, col, years, cand, alive)

    m = side("fob_m")
    if declaring == "exporter":
        # An importer names the country of origin, so the exporter's own re-exports of others'
        # goods may be booked against someone else: only its own exports are compared.
        big, small = side("own_x"), m
    else:
        # Goods an entrepôt re-exported to the importer may be booked as imports from the origin:
        # third-country re-exports into the importer count as the exporter's side.
        big, small = m, side("x_value") + _reexports_into(panel, cand, years)
    obs = (
        panel.silent_seen(cand.exporter, cand.importer, cand.hs, "X")
        & panel.silent_seen(cand.importer, cand.exporter, cand.hs, "M")
        & (alive | filled)
    )
    # The shortfall of the silent side in log units: ~0 when the mirror matches, large when not.
    # The floor of the ratio is ``min_gap``, not ``floor_usd``: one-sided flows below it are
    # routine in mirror data (timing, thresholds, one side's small-flow omissions), so a gap
    # counts by how far it rises above that size, as a flow counts by how far it rises above
    # ``floor_usd``.
    def shortfall(b: np.ndarray, s: np.ndarray) -> np.ndarray:
        return mask(log_level(b, prm.min_gap) - log_level(s, prm.min_gap), obs)

    short = shortfall(big, small)
    # A gap is in the code's own years only: a bound's years are history, never a gap.
    own = obs & ~filled
    gap = np.where(own, big - small, 0.0)
    held = own & (big - small >= prm.min_gap) & (small < HELD * big)
    n, T = big.shape
    # Additionality: a new gap made of *additional* declared trade (the declaring side rose
    # above its own history and the other side never followed) is the pattern; one side's
    # records of an old, steady flow falling silent is the commoner reporting accident (a lost
    # or reattributed declaration). The evidence of the latter is scaled by ADDED_FLOOR.
    # Episodes are consecutive: from each year, how many following years the gap keeps holding
    # (years nobody could observe neither break nor extend the run).
    run_len = np.zeros((n, T + 1), dtype=int)
    count = np.zeros((n, T + 1), dtype=int)
    for c in range(T - 1, -1, -1):
        keep = held[:, c] | ~obs[:, c]
        run_len[:, c] = np.where(keep, run_len[:, c + 1] + 1, 0)
        count[:, c] = np.where(keep, count[:, c + 1] + held[:, c], 0)
    # Years the pair's mirror was measured on a real flow: both sides recorded ``min_gap`` or more.
    matched_years = obs & (big >= prm.min_gap) & (small >= prm.min_gap)
    zbest = np.full(n, -np.inf)
    tb, eb = np.zeros(n, dtype=int), np.full(n, T)
    zraw, added_share = np.full(n, np.nan), np.full(n, np.nan)
    gate, opened = np.zeros(n, dtype=int), np.full(n, -1)
    bounded = bool(filled.any())
    for t, e in episodes(years, prm):
        big_t = persist(big, filled, own, t) if bounded else big
        short_t = shortfall(big_t, persist(small, filled, own, t)) if bounded else short
        matched = matched_years[:, :t].sum(axis=1)
        floor = np.where(matched >= LONG_MATCH, LONG_FLOOR, prm.sigma_floor)
        z, _, _, _ = break_stats(short_t, t, prm, e, floor)
        inside = run_len[:, t] >= e - t  # the episode [t, e) is one unbroken run of the gap
        persistent = held[:, t:e].sum(axis=1) >= min_years
        run = inside & persistent & held[:, t] & held[:, e - 1]
        ok = run & np.isfinite(z)
        opened = np.where(run & (opened < 0), t, opened)
        gate = np.maximum(gate, np.where(ok, 2, np.where(run, 1, 0)))
        pre_b = np.nan_to_num(_recent(big_t[:, :t], obs[:, :t]))
        added = np.where(held[:, t:e], np.maximum(big[:, t:e] - pre_b[:, None], 0.0), 0.0).sum(axis=1)
        lost = np.where(held[:, t:e], gap[:, t:e], 0.0).sum(axis=1)
        share = np.clip(added / np.maximum(lost, 1.0), 0.0, 1.0)
        raw, z = z, np.where(ok, z * (ADDED_FLOOR + (1 - ADDED_FLOOR) * share), -np.inf)
        better = z > zbest
        zbest, tb, eb = np.where(better, z, zbest), np.where(better, t, tb), np.where(better, e, eb)
        zraw, added_share = np.where(better, raw, zraw), np.where(better, share, added_share)
    out = cand.copy()
    ends, values, late, closed = [], [], np.zeros(n, dtype=bool), np.full(n, np.nan)
    for i, t in enumerate(tb):
        # The episode runs on while the gap holds (silent years neither end nor extend it).
        run = held[i, t:] | ~obs[i, t:]
        stop = int(np.argmin(run)) if not run.all() else T - t
        live = np.nonzero(held[i, t : t + stop])[0]
        ends.append(years[t + live.max()] if len(live) else years[t])
        values.append(float(gap[i, t : t + stop][held[i, t : t + stop]].sum()))
        # Recorded late: the gap closed (an observed year where it no longer holds) while the
        # declaring side went on at about its level during the gap, so the silent side began
        # recording a flow that continued. Goods that went elsewhere, or a covert supply, stop
        # when the scheme ends and the declared flow falls with them; a new flow the partner
        # registered a year or two late (or attributed to the right partner from then on) goes
        # on, now on both sides. That is the commoner reporting accident, as in ADDED_FLOOR.
        if t + stop < T and len(live):
            closed[i] = years[t + stop]
            level = np.median(big[i, t : t + stop][held[i, t : t + stop]])
            if big[i, t + stop] >= CONTINUED * level:
                zbest[i] *= ADDED_FLOOR
                late[i] = True
    out["start"] = [years[i] for i in tb]
    # An undeclared export of goods nobody had a reason to hide (``gap_reason``) keeps NO_REASON.
    out["reason"] = hide_causes(panel, out) if declaring == "importer" else np.full(n, "", dtype=object)
    out["z"] = zbest * factor(out["reason"].to_numpy())
    out["end"], out["value_usd"] = ends, values
    out["z_break"], out["added"], out["late"], out["closed"] = zraw, added_share, late, closed
    out["gate"] = [GATES[g] for g in gate]
    out["opened"] = [years[t] if t >= 0 else np.nan for t in opened]
    per_year = {"declared": big, "recorded": small, "known": obs, "held": held, "bound": filled}
    for name, m in per_year.items():
        out[name] = list(m.tolist())
    return out, rows
