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
the break: smaller one-sided flows and timing differences are routine in mirror data.

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
from detour.detectors.panel import Panel
from detour.detectors.scoring import admissible, break_stats, log_level, mask, matrix

KEYS = ["exporter", "importer", "hs"]
HELD = 0.75  # a year holds a gap when the silent side records less than this share of the other


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
    """Per candidate flow: z, start, end, value_usd (the undeclared part, FOB) and the fetched rows."""
    prm, years = replace(panel.params, sigma_floor=panel.params.gap_sigma_floor), panel.years
    cand = cand[KEYS].drop_duplicates().reset_index(drop=True)
    rows = panel.series(cand, {k: k for k in KEYS})
    rows = rows.assign(fob_m=rows.m_value / np.exp(rows.margin_log), own_x=rows.x_value - rows.rx_value)
    m = matrix(rows, KEYS, "fob_m", years, cand)
    if declaring == "exporter":
        # An importer names the country of origin, so the exporter's own re-exports of others'
        # goods may be booked against someone else: only its own exports are compared.
        big, small = matrix(rows, KEYS, "own_x", years, cand), m
    else:
        # Goods an entrepôt re-exported to the importer may be booked as imports from the origin:
        # third-country re-exports into the importer count as the exporter's side.
        big, small = m, matrix(rows, KEYS, "x_value", years, cand) + _reexports_into(panel, cand, years)
    obs = (
        panel.covered(cand.exporter, cand.hs, "X")
        & panel.covered(cand.importer, cand.hs, "M")
        & panel.alive(cand.hs)
    )
    # The shortfall of the silent side in log units: ~0 when the mirror matches, large when not.
    short = mask(log_level(big, prm.floor_usd) - log_level(small, prm.floor_usd), obs)
    gap = np.where(obs, big - small, 0.0)
    held = obs & (big - small >= prm.min_gap) & (small < HELD * big)
    n, T = big.shape
    zs = np.full((n, T), -np.inf)
    for t in admissible(years, prm):
        z = break_stats(short, t, prm)[0]
        persistent = held[:, t:].sum(axis=1) >= min_years
        zs[:, t] = np.where(persistent & np.isfinite(z) & held[:, t], z, -np.inf)
    best = zs.argmax(axis=1)
    out = cand.copy()
    out["z"] = zs[np.arange(n), best]
    out["start"] = [years[i] for i in best]
    ends, values = [], []
    for i, t in enumerate(best):
        live = np.nonzero(held[i, t:])[0]
        ends.append(years[t + live.max()] if len(live) else years[t])
        values.append(float(gap[i, t:][held[i, t:]].sum()))
    out["end"], out["value_usd"] = ends, values
    return out[np.isfinite(out.z)].reset_index(drop=True), rows
