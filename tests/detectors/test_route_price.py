"""Forwarded goods keep their kilograms (``routes.price_fit``): the onward leg's price per kg answers
the inbound leg's, within a margin or a sanctions premium. Two unrelated flows of one HS6 code that
surged together carry two exporters' goods at their own prices."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from detour.detectors.routes import price_fit
from detour.detectors.routes.fit import PRICE_HIGH, PRICE_LOW
from detour.detectors.trace import trace_route
from detour.engine import get_engine
from tests.detectors import scenarios
from tests.detectors.world import UNIT_VALUE


def _trace(tmp_path, onward_price: float):
    """The transshipment world's Germany → Armenia → Russia processors, Armenia's onward goods at
    ``onward_price`` times the price per kg of Germany's goods into Armenia."""
    w = scenarios.transshipment_world()
    w.flows[("ARM", "RUS", "854231")].uv = {y: UNIT_VALUE["854231"] * onward_price for y in w.years}
    store = w.ingest(tmp_path)
    return trace_route(get_engine("duckdb"), store, "DEU", "ARM", "RUS", kinds=["transshipment"])


@pytest.mark.parametrize("onward_price", [1.1, 2.5])
def test_goods_forwarded_at_their_price_or_a_premium_are_a_route(tmp_path, onward_price):
    """The hub sells the goods on at their cost plus a margin (1.1 times), or at a sanctions
    premium (2.5 times): the same kilograms, a route."""
    t = _trace(tmp_path, onward_price)
    assert t.flagged, t.verdicts
    assert t.rows.iloc[0].fit == pytest.approx(1.0)


def test_onward_goods_at_half_the_price_per_kg_are_other_goods(tmp_path):
    """The same values, but Armenia's goods to Russia cost half as much per kg as Germany's into
    Armenia: twice the kilograms went on that came in. Other goods under the same code (the
    hub's own or another supplier's), not Germany's forwarded: quiet."""
    t = _trace(tmp_path, 0.5)
    assert not t.flagged
    row = t.rows.iloc[0]
    assert row.fit < 0.2
    assert row.price_ratio == pytest.approx(0.5, rel=0.05)
    said = f"the onward goods cost {row.price_ratio:.2f} times the inbound goods per kg"
    assert said in t.verdicts["transshipment"]


def test_price_fit_window_and_unknown_quantities():
    routes = pd.DataFrame({
        "o": ["A"] * 4, "h": ["H"] * 4, "d": ["D"] * 4, "hs_in": ["1", "2", "3", "4"],
        "hs_out": ["1", "2", "3", "4"], "t1": [2022] * 4, "t2": [2023] * 4, "end": [2024] * 4,
    })
    rows = []
    for hs, p_out, kg in (("1", PRICE_LOW, 1.0), ("2", PRICE_HIGH, 1.0), ("3", 0.4, 1.0), ("4", 0.4, 0.0)):
        rows.append(("A", "H", hs, 2022, 10.0, 1.0))  # USD 10/kg into the hub from 2022
        rows.append(("A", "H", hs, 2021, 1.0, 1.0))  # before the break: not the route's price
        rows.append(("H", "D", hs, 2023, 10.0 * p_out, kg))
        rows.append(("H", "D", hs, 2022, 99.0, 1.0))  # before the onward break t2
    df = pd.DataFrame(rows, columns=["exporter", "importer", "hs", "year", "x_value", "x_kg"])
    df = df.assign(m_value=0.0, m_kg=0.0, margin_log=0.0)
    fit, ratio = price_fit(routes, df, (2021, 2022, 2023, 2024))
    assert ratio[:3] == pytest.approx([PRICE_LOW, PRICE_HIGH, 0.4])
    assert np.isnan(ratio[3])  # the onward leg declared no quantity: its price is unknown
    assert fit[:2] == pytest.approx([1.0, 1.0])
    assert fit[2] < 0.1
    assert fit[3] == 1.0
