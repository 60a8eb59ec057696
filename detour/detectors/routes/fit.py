"""How well a route's two legs fit: sizes (``coherence``, ``competes``), year by year
(``profile_fit``) and in the years they carried goods (``support``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from detour.detectors.panel import Panel
from detour.detectors.routes.bounds import persist
from detour.detectors.scoring import matrix

# Forwarded goods keep their kilograms: the hub's price per kg for them is its cost (the origin's
# price, freight and insurance) plus its margin, or a sanctions premium (``price_fit``).
PRICE_LOW, PRICE_HIGH = 0.8, 3.0  # onward USD/kg over inbound USD/kg that forwarded goods can show
PRICE_NOISE = 0.25  # log units: a leg's yearly price per kg wanders about this much


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


def coherence(ratio: np.ndarray | pd.Series, low: float, high: float) -> np.ndarray:
    """How well two excess values fit: 1 when their ratio is inside [low, high], falling as
    ``exp(-distance)`` outside, the distance measured in log units (a factor e outside → 0.37).

    >>> coherence(np.array([1.0, 2.0, 2 * np.e, 0.0]), 0.5, 2.0).round(2).tolist()
    [1.0, 1.0, 0.37, 0.0]
    """
    r = np.log(np.maximum(np.asarray(ratio, dtype=float), 1e-12))
    off = np.maximum(np.log(low) - r, 0) + np.maximum(r - np.log(high), 0)
    return np.exp(-off)


def leg_price(
    rows: pd.DataFrame, index: pd.DataFrame, years: tuple[int, ...], window: np.ndarray
) -> np.ndarray:
    """Per leg (``index``: exporter, importer, hs), USD per kg over the ``window`` years (rows x
    years, bool), from the exporter's declarations (FOB) where it declared quantities in them,
    else from the importer's (CIF brought back to FOB with the pair's margin); NaN when neither
    side declared a quantity.

    >>> rows = pd.DataFrame({"exporter": ["A", "A"], "importer": ["B", "B"], "hs": ["930190"] * 2,
    ...     "year": [2022, 2023], "x_value": [10.0, 30.0], "x_kg": [1.0, 3.0], "m_value": [11.0, 0.0],
    ...     "m_kg": [1.0, 0.0], "margin_log": [0.0, 0.0]})
    >>> idx = pd.DataFrame({"exporter": ["A", "A"], "importer": ["B", "B"], "hs": ["930190", "930110"]})
    >>> leg_price(rows, idx, (2022, 2023), np.array([[True, True], [True, True]])).tolist()
    [10.0, nan]
    """
    keys = ["exporter", "importer", "hs"]
    rows = rows.assign(m_fob=rows.m_value / np.exp(rows.margin_log.fillna(0.0)))

    def per_kg(value: str, kg: str) -> np.ndarray:
        # Only the years with both a value and a quantity: a year declared without kilograms
        # says nothing about the price.
        both = rows.assign(
            _v=np.where(rows[kg] > 0, rows[value], 0.0), _k=np.where(rows[value] > 0, rows[kg], 0.0)
        )
        v = np.where(window, matrix(both, keys, "_v", years, index), 0.0).sum(axis=1)
        k = np.where(window, matrix(both, keys, "_k", years, index), 0.0).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where((k > 0) & (v > 0), v / np.where(k > 0, k, 1.0), np.nan)

    x, m = per_kg("x_value", "x_kg"), per_kg("m_fob", "m_kg")
    return np.where(np.isfinite(x), x, m)


def price_fit(
    routes: pd.DataFrame, rows: pd.DataFrame, years: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """How well the onward leg's price per kg fits the inbound leg's for goods forwarded (the same
    HS6 code in and out), 0-1, and the ratio itself (onward over inbound; NaN when either leg has
    no quantities).

    Goods sent on through a hub keep their kilograms, so the hub's price per kg for them is the
    origin's price plus freight, insurance and the hub's margin, or a sanctions premium on top
    (DOMAIN.md: the price per kg rises on a rerouted corridor): from ``PRICE_LOW`` to
    ``PRICE_HIGH`` times the inbound price. Two unrelated flows of one code that happened to
    surge together carry two exporters' goods at their own prices, which differ as much as the
    code's products do: the ratio falls anywhere. Outside the window the fit falls as
    ``exp(-distance / PRICE_NOISE)``, the distance in log units: onward goods at 0.7 times the
    inbound price keep 0.59, at 0.6 times 0.32. Each leg's price is read over the route's years
    (the inbound leg from its break ``t1``, the onward leg from ``t2``, both to ``end``).
    A leg without quantities fits (1): its price is unknown, not wrong.

    >>> r = pd.DataFrame({"o": ["A", "A"], "h": ["H", "H"], "d": ["D", "D"], "hs_in": ["1", "2"],
    ...     "hs_out": ["1", "2"], "t1": [2022, 2022], "t2": [2022, 2022], "end": [2023, 2023]})
    >>> rows = pd.DataFrame({"exporter": ["A", "H", "A", "H"], "importer": ["H", "D", "H", "D"],
    ...     "hs": ["1", "1", "2", "2"], "year": [2022] * 4, "x_value": [10.0, 11.0, 10.0, 6.0],
    ...     "x_kg": [1.0, 1.0, 1.0, 1.0], "m_value": [0.0] * 4, "m_kg": [0.0] * 4, "margin_log": [0.0] * 4})
    >>> fit, ratio = price_fit(r, rows, (2021, 2022, 2023))
    >>> ratio.round(2).tolist(), fit.round(2).tolist()
    ([1.1, 0.6], [1.0, 0.32])
    """
    cols = np.asarray(years)[None, :]
    end = routes.end.to_numpy()[:, None]
    keys = ["exporter", "importer", "hs"]
    inbound = routes[["o", "h", "hs_in"]].set_axis(keys, axis=1)
    onward = routes[["h", "d", "hs_out"]].set_axis(keys, axis=1)
    p_in = leg_price(rows, inbound, years, (cols >= routes.t1.to_numpy()[:, None]) & (cols <= end))
    p_out = leg_price(rows, onward, years, (cols >= routes.t2.to_numpy()[:, None]) & (cols <= end))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = p_out / p_in
    r = np.log(np.where(np.isfinite(ratio) & (ratio > 0), ratio, 1.0))
    off = np.maximum(np.log(PRICE_LOW) - r, 0.0) + np.maximum(r - np.log(PRICE_HIGH), 0.0)
    return np.exp(-off / PRICE_NOISE), ratio
