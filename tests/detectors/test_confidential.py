"""Confidential trade: a reporter that books its goods with a partner under chapter 99
(``999999``, "commodities not specified according to kind") says nothing by leaving an HS6 flow
with that partner undeclared (DOMAIN.md). ``Panel.hidden`` makes such pair-years unknown to the
gap detectors; without it the one-sided flow reads as a phantom or undeclared export.
"""

from __future__ import annotations

from detour.detectors import run_detectors
from detour.engine import get_engine
from tests.detectors.scenarios import step
from tests.detectors.world import World

PRE = set(range(2015, 2022))


def _world(confidential: bool) -> World:
    """South Africa records rifles from the United States until 2021; from 2022 the US goes on
    declaring them (and more) and South Africa records none in chapter 93. With ``confidential``
    it books the same goods with the US under 999999 instead; Germany's exports to Egypt are the
    same story on the exporter's side (an undeclared export unless Germany's 999999 holds it)."""
    w = World(seed=5).background()
    w.flow("JPN", "ZAF", "854231", 4e6)  # South Africa reports every year, in other chapters
    w.flow("USA", "ZAF", "930390", step(1e6, 9e6), m_years=PRE)
    w.flow("DEU", "EGY", "930690", step(1e6, 6e6), x_years=PRE)
    if confidential:
        w.flow("USA", "ZAF", "999999", step(0, 9e6), x_years=set())
        w.flow("DEU", "EGY", "999999", step(0, 6e6), m_years=set())
    return w


def _gaps(tmp_path, confidential: bool) -> set[tuple[str, str, str]]:
    store = _world(confidential).ingest(tmp_path)
    alerts = run_detectors(get_engine("duckdb"), store, kinds=["phantom_export", "undeclared_export"])
    return {(a.kind, a.origin, a.destination) for a in alerts}


def test_goods_booked_under_a_confidential_code_are_no_gap(tmp_path):
    plain = _gaps(tmp_path / "plain", confidential=False)
    assert ("phantom_export", "USA", "ZAF") in plain
    assert ("undeclared_export", "DEU", "EGY") in plain
    hidden = _gaps(tmp_path / "hidden", confidential=True)
    assert ("phantom_export", "USA", "ZAF") not in hidden
    assert ("undeclared_export", "DEU", "EGY") not in hidden
    # Nothing else changes: every other gap alert of the world is the same.
    assert plain - hidden == {("phantom_export", "USA", "ZAF"), ("undeclared_export", "DEU", "EGY")}


def test_the_pair_trace_says_where_the_goods_may_be(tmp_path):
    from detour.detectors.trace_pair import trace_pair

    store = _world(True).ingest(tmp_path)
    verdict = trace_pair(get_engine("duckdb"), store, "USA", "ZAF", kinds=["phantom_export"]).verdicts
    text = "South Africa booked imports from United States under a confidential code"
    assert text in verdict["phantom_export"]
