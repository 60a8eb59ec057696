"""Codes HS2022 created n:n (8806, drones): their years before 2022 hold a bound, not a history.

A route in such a code has no series of its own before the code existed. ``bounded_matrix``
fills those years with the sum of the code's bound (``revisions.history_bound``: the most the
pair can have traded in drones then, its light aircraft and cameras), and ``persist`` caps the
bound by the pair's own first years in the new code once there are any.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from detour.detectors.panel import Panel
from detour.detectors.revisions import history_bound
from detour.detectors.scoring import matrix


def bound_years(panel: Panel, hs: pd.Series) -> np.ndarray:
    """(rows x years): years whose value is a bound, not the code's own (``bounded_matrix``): a code
    HS2022 created n:n, before it existed."""
    bound = hs.map(history_bound).str.len().to_numpy() > 0
    return bound[:, None] & ~panel.alive(hs)


def persist(values: np.ndarray, filled: np.ndarray, observed: np.ndarray, t: int) -> np.ndarray:
    """``values`` for a break at column ``t``, the ``filled`` years (a bound on trade in a code
    that did not exist yet: ``bounded_matrix``) capped at the largest value of the row's own observed
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


def with_bounds(keys: pd.DataFrame) -> pd.DataFrame:
    """``keys`` plus, for every row in a code HS2022 created n:n, one row per code of its bound."""
    bounds = keys.hs.map(history_bound)
    has = bounds.str.len() > 0
    extra = keys[has].assign(hs=bounds[has]).explode("hs")
    return pd.concat([keys, extra], ignore_index=True) if len(extra) else keys


def bounded_matrix(
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
