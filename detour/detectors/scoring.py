"""Shared robust statistics: each flow judged against its own history, on a log scale.

A flow's yearly values become a row of a matrix (candidates × years). Years in which nobody
who could have declared the flow reported (coverage) are NaN, never zero: a silent year is
unknown, not an absence. Values are taken as ``ln(v + floor)``; the floor (``floor_usd``) is
the size below which changes are noise, so a flow appearing from nothing counts by how far it
rises above the floor, and a tiny flow cannot look like a surge.

For a break at year ``t`` the *pre-period* is every observed year before ``t`` and the
*post-period* every observed year from ``t`` on. The robust z of the break is::

    z = (min(median(post), value at t + ln 2) - median(pre)) / sigma
    sigma = max(1.4826 * MAD(pre), (max(pre) - median(pre)) / 2, sigma_floor)

MAD is the flow's own noise. The middle term is a guard against lumpy flows (arms deals come
in lumps): a level already reached in the pre-period is not news. A level far *above* the
largest pre-period year is, so the z is never less than ``(post - max(pre)) / max(MAD,
sigma_floor)``: a flow that once carried a USD 4M lump and now carries 40M a year breaks.
``sigma_floor`` stops a flow
that was flat (or absent) from getting an infinite z. A break needs at least ``min_pre``
observed years before it and ``min_post`` from it (minimum support); otherwise its z is NaN.
Detectors scan every admissible ``t`` and keep the best, so a big noisy flow with a large
absolute change scores low and a small stable flow that appears from nothing scores high.

>>> m = np.log(np.array([[0, 0, 0, 0, 2e6, 2e6], [1e8, 2e8, 0.6e8, 1.4e8, 2e8, 3e8]]) + 5e4)
>>> z = break_z(m, 4, Params()); bool(z[0] > 5 > 2 > z[1])
True

Scores are comparable across kinds: every kind's evidence z maps to 0–100 with two anchors,
the evidence threshold ``Z_MIN`` = 3.5 (the usual cut for a modified z-score) scoring 25 and the
kind's *textbook case* ``Z_CLEAR[kind]`` scoring 75::

    score = 100 * (1 - 0.75 * (Z_MIN / z) ** k),   k = ln 3 / ln(Z_CLEAR / Z_MIN)

The textbook cases, at the default parameters: a route whose legs both appear from nothing at
USD 5M a year and whose hub's totals move with them (z ≈ 9); a mirror gap of USD 5M a year on a
pair that always matched (z ≈ 16: the gap's log ratio over a ``min_gap`` floor, and mirror ratios
are far less noisy than values) for undeclared exports; for phantom exports, whose declaring
side usually rose with genuine trade the partner did record (EBRD: phantoms were about half of
the additional exports), a USD 5M-a-year new flow of which the partner recorded about a fifth
(z ≈ 9); a corridor
price tripling against a steady history (z ≈ 5.5). The kinds' z scales differ; their anchors
make a 75 mean "as clear as it gets" and a 25 "just past the threshold" for every kind.

>>> to_score(3.5, "transshipment"), to_score(9.0, "transshipment"), to_score(16.0, "undeclared_export")
(25.0, 75.0, 75.0)

*Leads.* Under the threshold the score is linear in z, the same for every kind (``25 z / Z_MIN``),
so it stays continuous and monotone and a lead always ranks below every alert. Detectors keep
nothing under ``min_z`` unless ``Params.lead_z`` is set (``run_detectors(leads=True)``, ``detect
--leads`` sets it to ``LEAD_Z`` = 2.5, a score of 17.86): a ranked list for an analyst who reads
past the alerts. On the simulator's worlds most leads are chance (about 20 a seed for the 12
planted scenarios), and a planted scenario whose data are weak (a trending inbound leg, an open
channel that halves the evidence) is among them.

>>> to_score(2.5, "transshipment"), to_score(2.5, "unit_value")
(17.86, 17.86)
"""

from __future__ import annotations

import functools
import math
import statistics
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

MAD_SCALE = 1.4826
ONSET_SLACK = math.log(2.0)  # a break year may carry half the post level (a mid-year start)
Z_MIN = 3.5
LEAD_Z = 2.5  # ``detect --leads``: evidence from here up to the threshold is kept as a lead
Z_CLEAR = {
    "transshipment": 9.0,
    "transformation": 9.0,
    "phantom_export": 9.0,
    "undeclared_export": 16.0,
    "unit_value": 5.5,
}


@dataclass(frozen=True)
class Params:
    floor_usd: float = 50_000.0  # log(v + floor): the size below which changes are noise
    min_value: float = 100_000.0  # a flow-year below this is never a candidate
    min_gap: float = 500_000.0  # a mirror gap below this a year is routine (one-sided small flows, timing)
    sigma_floor: float = 0.5  # log units: the least year-to-year noise an HS6 flow is credited with
    gap_sigma_floor: float = 0.15  # log units: the least noise of a pair's mirror ratio
    price_sigma_floor: float = 0.2  # log units: a stable corridor's price moves about 10-20% a year
    min_pre: int = 2  # observed years needed before a break
    min_post: int = 1  # observed years needed from the break on
    growth: float = 2.0  # engine-side candidate filter: value >= growth x prior yearly mean
    stop_ratio: float = 0.5  # a direct flow "stopped" if its post median is at most this x pre median
    min_z: float = 3.5  # evidence threshold for every kind (the modified z-score convention)
    lead_z: float | None = None  # if set, evidence in [lead_z, min_z) is kept too, as a lead (score < 25)
    min_score: float = 0.0  # optional extra cut on the 0-100 score
    since: int | None = None  # only breaks in or after this year


    @property
    def keep_z(self) -> float:
        """The least evidence a detector keeps: ``min_z``, or ``lead_z`` when leads are asked for."""
        return self.min_z if self.lead_z is None else min(self.lead_z, self.min_z)


def to_score(z: float, kind: str) -> float:
    if not math.isfinite(z) or z <= 0:
        return 0.0
    if z < Z_MIN:  # a lead under the threshold: linear up to the threshold's 25, the same for every kind
        return round(25.0 * z / Z_MIN, 2)
    k = math.log(3.0) / math.log(Z_CLEAR[kind] / Z_MIN)
    return round(max(0.0, 100.0 * (1.0 - 0.75 * (Z_MIN / z) ** k)), 2)


@functools.lru_cache(maxsize=1)
def _standard_normal_grid() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.linspace(-9.0, 9.0, 3601)
    cdf = np.array([statistics.NormalDist().cdf(v) for v in x])
    return x, np.exp(-0.5 * x**2) / math.sqrt(2.0 * math.pi), cdf


def expected_max(m: np.ndarray) -> np.ndarray:
    """The expected largest of ``m`` independent standard normal z's (0 for ``m`` <= 1): what the
    best of ``m`` candidate explanations scores by chance alone (the look-elsewhere charge).

    ``E[max] = ∫ x · m φ(x) Φ(x)^(m-1) dx`` has no closed form; it is integrated numerically on a
    fine grid (the standard normal from the standard library, no extra dependency). The familiar
    ``sqrt(2 ln m)`` is its large-``m`` asymptote and overstates it for the few competitors a route
    usually has (1.18 for two, where the true value is 0.56).

    >>> expected_max(np.array([1.0, 2.0, 3.0, 10.0, 100.0])).round(3).tolist()
    [0.0, 0.564, 0.846, 1.539, 2.508]
    """
    x, pdf, cdf = _standard_normal_grid()
    mm = np.maximum(np.nan_to_num(np.asarray(m, dtype=float), nan=1.0), 1.0)
    u, inv = np.unique(mm, return_inverse=True)
    density = u[:, None] * pdf[None, :] * cdf[None, :] ** (u[:, None] - 1.0)
    e = np.trapezoid(x[None, :] * density, x, axis=1)
    return np.where(mm > 1.0, e[inv].reshape(mm.shape), 0.0)


def log_level(values: np.ndarray, floor: float) -> np.ndarray:
    return np.log(np.maximum(values, 0.0) + floor)


def matrix(
    df: pd.DataFrame, keys: list[str], value: str, years: tuple[int, ...], index: pd.DataFrame | None = None
) -> np.ndarray:
    """Rows = ``index`` (default: distinct keys of ``df``), columns = years; absent → 0."""
    idx = df[keys].drop_duplicates() if index is None else index[keys]
    wide = df.pivot_table(index=keys, columns="year", values=value, aggfunc="sum")
    wide = wide.reindex(columns=list(years))
    m = wide.reindex(pd.MultiIndex.from_frame(idx) if len(keys) > 1 else idx[keys[0]]).to_numpy(dtype=float)
    return np.nan_to_num(m, nan=0.0)


def mask(values: np.ndarray, observed: np.ndarray) -> np.ndarray:
    out = values.astype(float).copy()
    out[~observed] = np.nan
    return out


def _nanmedian(a: np.ndarray) -> np.ndarray:
    """Row medians ignoring NaN (NaN for a row with no value): ``np.nanmedian(a, axis=1)``.

    Written out because NumPy computes a NaN median along a short axis through masked arrays,
    which took a third of detection time on rows of nine years; sorting puts NaN last, so the
    median is the middle of each row's first ``k`` sorted values.

    >>> _nanmedian(np.array([[3.0, np.nan, 1.0, 2.0], [np.nan] * 4, [4.0, 1.0, np.nan, np.nan]])).tolist()
    [2.0, nan, 2.5]
    """
    a = np.asarray(a, dtype=float)
    if a.ndim != 2:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows are expected
            return np.nanmedian(a, axis=-1)
    if a.shape[1] == 0:
        return np.full(len(a), np.nan)
    k = (~np.isnan(a)).sum(axis=1)
    s = np.sort(a, axis=1)
    i = np.arange(len(a))
    lo, hi = np.maximum((k - 1) // 2, 0), k // 2  # k == 0 reads column 0 and is set to NaN below
    med = (s[i, lo] + s[i, hi]) / 2.0
    med[k == 0] = np.nan
    return med


def break_stats(
    m: np.ndarray, t: int, params: Params, end: int | None = None, floor: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(z, pre median, post median, sigma) of a break at column ``t`` for every row of ``m``.

    The post-period is the *episode* ``[t, end)`` (default: to the last column). A scheme that
    ran for two years and stopped is an episode: the years after it ended are not part of it,
    and would otherwise pull its post median back to the old level. ``floor`` is a per-row
    noise floor in place of ``params.sigma_floor`` (totals over a few partners, ``total_floor``).
    """
    pre, post = m[:, :t], m[:, t:end]
    n_pre, n_post = (~np.isnan(pre)).sum(axis=1), (~np.isnan(post)).sum(axis=1)
    pre_med = _nanmedian(pre)
    # Onset rule: the post level is at most twice the break year's own level, so the break
    # lands on the year the flow moved, not on an earlier year whose post median the later
    # surge already lifts (that year carries its old level, so the cap holds it there). A
    # scheme that began mid-year shows half a year's value in its first year: the slack of a
    # factor 2 (``ONSET_SLACK``) lets that year open the break at the full post level.
    post_med = np.fmin(_nanmedian(post), m[:, t] + ONSET_SLACK)
    mad = _nanmedian(np.abs(pre - pre_med[:, None])) * MAD_SCALE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lump = (np.nanmax(pre, axis=1, initial=-np.inf, where=~np.isnan(pre)) - pre_med) / 2
    noise = np.fmax(mad, params.sigma_floor if floor is None else floor)
    sigma = np.fmax(noise, lump)
    z = (post_med - pre_med) / sigma
    # Beyond the lump: a level already reached is not news, but a level far above the largest
    # pre-period year is, on the flow's own noise. This only matters where the lump guard is
    # what set sigma (otherwise it is never larger than the z above): a flow that once carried
    # a USD 4M lump and now carries 40M a year is a break.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        top = np.nanmax(pre, axis=1, initial=-np.inf, where=~np.isnan(pre))
    z = np.fmax(z, (post_med - top) / noise)
    # A break lands on an observed year: when nobody reported the year ``t`` the flow may have
    # moved then or later, and the first year it is seen again is where the scan finds it.
    z[(n_pre < params.min_pre) | (n_post < params.min_post) | np.isnan(m[:, t])] = np.nan
    return z, pre_med, post_med, sigma


def total_floor(concentration: np.ndarray, params: Params) -> np.ndarray:
    """Noise floor of a total over partners, per row: ``sigma_floor * sqrt(HHI)``, never below
    ``gap_sigma_floor``.

    A country's total imports of a good over many partners are far steadier than one bilateral
    flow (independent noises average out), but a total that one partner dominates is as noisy as
    that partner's flow. The Herfindahl index ``HHI`` (the sum of the partners' squared shares)
    is one over the effective number of partners, and the noise of a mean of ``k`` equal flows is
    ``1/sqrt(k)`` of one flow's.

    >>> total_floor(np.array([1.0, 0.25, 0.0, np.nan]), Params()).round(3).tolist()
    [0.5, 0.25, 0.15, 0.5]
    """
    hhi = np.clip(np.nan_to_num(np.asarray(concentration, dtype=float), nan=1.0), 0.0, 1.0)
    return np.fmax(params.sigma_floor * np.sqrt(hhi), params.gap_sigma_floor)


def break_z(m: np.ndarray, t: int, params: Params) -> np.ndarray:
    return break_stats(m, t, params)[0]


def admissible(years: tuple[int, ...], params: Params) -> list[int]:
    """Break columns a detector may scan: inside the data and not before ``since``."""
    return [t for t in range(1, len(years)) if params.since is None or years[t] >= params.since]


def episodes(years: tuple[int, ...], params: Params) -> list[tuple[int, int]]:
    """(break column, end column exclusive) pairs a detector may scan: every admissible break,
    each with every episode end from ``min_post`` years on to the end of the data."""
    T = len(years)
    return [(t, e) for t in admissible(years, params) for e in range(t + max(params.min_post, 1), T + 1)]


def scan(m: np.ndarray, years: tuple[int, ...], params: Params) -> np.ndarray:
    """z of a break at every column, the best over its episode ends (NaN where not admissible
    or unsupported)."""
    z = np.full(m.shape, np.nan)
    for t, e in episodes(years, params):
        z[:, t] = np.fmax(z[:, t], break_stats(m, t, params, e)[0])
    return z


def excess(values: np.ndarray, t: int) -> np.ndarray:
    """Value above the pre-period median, per year from ``t`` (0 before): the 'additional' flow."""
    base = np.nan_to_num(_nanmedian(values[:, :t]) if t > 0 else np.zeros(len(values)))
    out = np.maximum(np.nan_to_num(values) - base[:, None], 0.0)
    out[:, :t] = 0.0
    return out


MIN_PART = 2.0  # a code's own z needed to count towards its alert's combined evidence


def combined(df: pd.DataFrame, groups: list[str], code: str, z: str) -> pd.Series:
    """Evidence of each row's alert (one alert per ``groups``), combining its codes.

    A scheme often spreads over several HS6 codes (a kit of parts, neighbouring codes), each
    one a separate declaration with its own noise. The codes that are individually suggestive
    (z at least ``MIN_PART``) are combined with Stouffer's rule, ``sum(z) / sqrt(k)``, and the
    alert keeps the better of that and its best single code. One code alone is unchanged.

    >>> d = pd.DataFrame({"g": ["a", "a", "b"], "hs": ["1", "2", "1"], "z": [4.0, 4.0, 5.0]})
    >>> combined(d, ["g"], "hs", "z").round(2).tolist()
    [5.66, 5.66, 5.0]
    """
    if df.empty:
        return pd.Series(dtype=float, index=df.index)
    best = df.groupby([*groups, code])[z].max().rename("_z").reset_index()
    part = best[best["_z"] >= MIN_PART]
    agg = part.groupby(groups)["_z"].agg(["sum", "count", "max"])
    agg["_comb"] = np.fmax(agg["sum"] / np.sqrt(agg["count"]), agg["max"])
    out = df[groups].merge(agg["_comb"].reset_index(), on=groups, how="left")["_comb"].to_numpy()
    return pd.Series(np.where(np.isnan(out), df[z].to_numpy(), out), index=df.index)
