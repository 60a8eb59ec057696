"""Robust break statistics: own history and noise, not size; minimum support; score scale."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from detour.detectors.scoring import Z_CLEAR, Z_MIN, Params, break_stats, excess, log_level, scan, to_score

P = Params()
YEARS = tuple(range(2015, 2025))


def z_at(values, t, params=P):
    return break_stats(log_level(np.array([values], dtype=float), params.floor_usd), t, params)[0][0]


def test_small_flow_from_nothing_beats_big_noisy_flow():
    small = [0, 0, 0, 0, 0, 0, 0, 1.5e6, 1.6e6, 1.4e6]
    rng = np.random.default_rng(1)
    big = list(1e8 * np.exp(rng.normal(0, 0.4, 7))) + [2.5e8, 2.2e8, 2.6e8]  # +150M a year, but noisy
    assert z_at(small, 7) > 3 * z_at(big, 7)
    assert to_score(z_at(small, 7), "transshipment") > 50 > 25 > to_score(z_at(big, 7), "transshipment")


def test_lumpy_history_is_not_news():
    lumpy = [0, 3e6, 0, 0, 2.5e6, 0, 0, 3e6, 3e6, 3e6]
    steady = [0, 0, 0, 0, 0, 0, 0, 3e6, 3e6, 3e6]
    assert z_at(lumpy, 7) < 2.5 < 6 < z_at(steady, 7)


def test_a_level_far_above_the_largest_lump_is_news():
    # The lump guard alone scored this z ~3 (a hub that once imported USD 4.5M, then 40-58M a year).
    once = [0, 0, 4.5e6, 0, 0, 0, 4e7, 5.8e7, 4.7e7, 5e7]
    assert z_at(once, 6) > 4
    # A lump as large as the new level is still no news.
    again = [0, 0, 4e7, 0, 0, 0, 4e7, 4.5e7, 4.2e7, 4e7]
    assert z_at(again, 6) < 2.5


def test_tiny_flows_stay_below_the_floor():
    assert z_at([0] * 7 + [2e4] * 3, 7) < 2


def test_minimum_support():
    m = log_level(np.array([[0, 0, 5e6, 5e6, 5e6, 5e6, 5e6, 5e6, 5e6, 5e6]]), P.floor_usd)
    assert np.isnan(break_stats(m, 1, P)[0][0])  # one pre year < min_pre
    assert np.isfinite(break_stats(m, 2, P)[0][0])
    gappy = m.copy()
    gappy[0, :3] = np.nan  # silent years are unknown, not zero
    assert np.isnan(break_stats(gappy, 4, P)[0][0])  # one observed pre year


def test_onset_picks_the_year_the_flow_moved():
    z = scan(log_level(np.array([[0, 0, 0, 0, 0, 0, 0, 4e6, 4e6, 4e6]]), P.floor_usd), YEARS, P)[0]
    assert int(np.nanargmax(z)) == 7


def test_since_limits_the_breaks():
    z = scan(
        log_level(np.array([[0, 0, 0, 0, 0, 4e6, 4e6, 4e6, 4e6, 4e6]]), P.floor_usd),
        YEARS,
        Params(since=2022),
    )[0]
    assert np.isnan(z[:7]).all()


def test_excess_over_the_pre_median():
    e = excess(np.array([[1.0, 2.0, 1.0, 5.0, 0.5]]), 3)[0]
    assert e.tolist() == [0, 0, 0, 4.0, 0]


@pytest.mark.parametrize("kind", list(Z_CLEAR))
def test_score_scale(kind):
    assert to_score(Z_MIN, kind) == 25.0 and to_score(Z_CLEAR[kind], kind) == 75.0
    assert to_score(0, kind) == 0 == to_score(float("nan"), kind) == to_score(-3, kind)
    assert (
        0
        <= to_score(2, kind)
        < 25
        < to_score((Z_MIN + Z_CLEAR[kind]) / 2, kind)
        < 75
        < to_score(1e4, kind)
        <= 100
    )


@given(st.lists(st.floats(1e5, 1e9), min_size=10, max_size=10), st.floats(0.1, 10))
def test_z_depends_on_shape_not_units_when_far_above_the_floor(values, factor):
    # Far above the floor, rescaling a flow (USD vs thousand USD) leaves its z almost unchanged.
    p = Params(floor_usd=1.0)
    a, b = z_at(values, 6, p), z_at([v * factor for v in values], 6, p)
    assert a == pytest.approx(b, abs=1e-3)


def test_an_episode_that_ended_is_still_a_break():
    # Two years of a scheme inside a nine-year series: the years after it stopped are not part
    # of its post-period, so it scores as a new flow would.
    m = log_level(np.array([[0, 0, 0, 0, 4e6, 4e6, 0, 0, 0, 0]]), P.floor_usd)
    z = scan(m, YEARS, P)[0]
    assert int(np.nanargmax(z)) == 4 and z[4] > 5
    assert break_stats(m, 4, P)[0][0] <= 0  # over the rest of the data the median is back at 0


def test_codes_of_one_alert_combine():
    import pandas as pd

    from detour.detectors.scoring import combined

    d = pd.DataFrame({"g": ["a", "a", "a", "b"], "hs": ["1", "2", "3", "1"], "z": [4.0, 4.0, 1.0, 5.0]})
    z = combined(d, ["g"], "hs", "z").tolist()
    assert (
        z[0] == z[1] == z[2] == pytest.approx(8 / np.sqrt(2)) and z[3] == 5.0
    )  # code 3 is too weak to count


def test_a_half_first_year_opens_the_break():
    # A scheme that began mid-year: half a year's value, then the full level. The break lands on
    # the first year and is as strong as a clean step to the full level.
    ramp = [0, 0, 0, 0, 0, 0, 2e6, 4e6, 4e6, 4e6]
    step = [0, 0, 0, 0, 0, 0, 4e6, 4e6, 4e6, 4e6]
    z = scan(log_level(np.array([ramp]), P.floor_usd), YEARS, P)[0]
    assert int(np.nanargmax(z)) == 6
    assert z_at(ramp, 6) == pytest.approx(z_at(step, 6), rel=0.02)
    # A flow that held its old level the year before a surge does not break that year.
    late = [5e5, 6e5, 5e5, 5e5, 6e5, 5e5, 5e5, 4e6, 4e6, 4e6]
    assert int(np.nanargmax(scan(log_level(np.array([late]), P.floor_usd), YEARS, P)[0])) == 7


def test_a_break_lands_on_an_observed_year():
    m = log_level(np.array([[0, 0, 0, 0, 0, 0, 0, 4e6, 4e6, 4e6]], dtype=float), P.floor_usd)
    m[0, 6] = np.nan  # nobody reported 2021
    assert np.isnan(break_stats(m, 6, P)[0][0])
    assert break_stats(m, 7, P)[0][0] > 5


def test_a_total_over_few_partners_is_as_noisy_as_one_flow():
    from detour.detectors.scoring import total_floor

    floors = total_floor(np.array([1.0, 0.5, 0.01]), P)
    assert floors[0] == P.sigma_floor and floors[2] == P.gap_sigma_floor
    assert P.gap_sigma_floor < floors[1] < P.sigma_floor
