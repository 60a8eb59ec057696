"""A gap split over the codes of one heading is read on the heading as a whole (``gaps.heading_panel``,
added on 7 Dec 2026).

A scheme declared under two sibling codes (two kinds of processor, 8542.31 and 8542.39) may stay
under ``min_gap`` (USD 0.5M a year) in each code while the heading carries a gap of USD 0.8M a
year. On the simulator's worlds such schemes were never candidates at all (never-seen seeds 346,
378, 392 and 398). The heading is read as a whole only where none of its codes shows the gap on
its own, so a gap one code carries is still named by its code, and nothing is counted twice.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from detour.detectors.gaps import heading_panel, is_heading
from tests.detectors.world import World, pair_alerts

CHIPS = ("854231", "854239")
ARMS = ("930630", "930690")


@functools.cache
def _world() -> World:
    w = World(seed=61).background(goods=(*CHIPS, "940360"))
    years = w.years
    late = {y: 4e5 for y in years if y >= 2022}  # under min_gap in each code
    for country in ("KOR", "SRB", "JPN", "ARM", "POL", "EGY", "USA", "KAZ"):
        for hs in CHIPS:
            w.drop(country, hs)
    # Every reporter declares other goods of both chapters with other partners all along, so the
    # silences below are observed, not a hidden chapter.
    for importer in ("SRB", "ARM", "EGY", "KAZ"):
        w.flow("DEU", importer, "852691", 3e6)
        w.flow("FRA", importer, "930690", 2e6)
    for exporter in ("KOR", "JPN", "POL", "USA"):
        w.flow(exporter, "DEU", "852691", 3e6)
        w.flow(exporter, "ITA", "930630", 2e6)
    # Planted phantom: KOR declares USD 0.4M a year of each of two processor codes to SRB from
    # 2022; SRB records none of it.
    for hs in CHIPS:
        w.flow("KOR", "SRB", hs, late, m_years=set())
    # Planted undeclared export: EGY records USD 0.4M a year of each of two ammunition codes from
    # POL; POL declares none of it.
    for hs in ARMS:
        w.flow("POL", "EGY", hs, late, x_years=set())
    # Look-alike: the same USD 0.4M a year in one code alone is under min_gap, heading or not.
    w.flow("JPN", "ARM", "854231", late, m_years=set())
    # A gap one code carries on its own (USD 3M a year) beside a small one-sided trickle in its
    # sibling: the alert names the code, not the heading.
    w.flow("USA", "KAZ", "854239", {y: 3e6 for y in years if y >= 2022}, m_years=set())
    w.flow("USA", "KAZ", "854231", {y: 1.5e5 for y in years if y >= 2022}, m_years=set())
    return w


@pytest.fixture(scope="module")
def heading_alerts(tmp_path_factory):
    return _world().detect(tmp_path_factory.mktemp("headings"))


def test_a_phantom_split_over_two_codes_is_found_on_their_heading(heading_alerts):
    found = pair_alerts(heading_alerts, "phantom_export", "KOR", "SRB")
    assert len(found) == 1, [a.to_dict() for a in found]
    a = found[0]
    assert a.hs == CHIPS and a.start == 2022 and a.end == 2024
    assert 2.0e6 <= a.value_usd <= 2.6e6  # USD 0.8M a year in 2022-2024, declared FOB
    assert "heading 8542 summed" in a.explanation
    # The evidence is the codes' own declarations: KOR's exports of both codes to SRB.
    assert {(e.reporter, e.hs) for e in a.evidence} == {("KOR", "854231"), ("KOR", "854239")}


def test_an_undeclared_export_split_over_two_codes_is_found_on_their_heading(heading_alerts):
    found = pair_alerts(heading_alerts, "undeclared_export", "POL", "EGY")
    assert [a.hs for a in found] == [ARMS]


def test_one_code_under_min_gap_stays_quiet(heading_alerts):
    assert pair_alerts(heading_alerts, "phantom_export", "JPN", "ARM") == []


def test_a_gap_one_code_carries_is_named_by_its_code(heading_alerts):
    found = pair_alerts(heading_alerts, "phantom_export", "USA", "KAZ")
    assert [a.hs for a in found] == [("854239",)]
    assert "heading" not in found[0].explanation


def test_the_heading_view_sums_both_sides_in_fob(tmp_path):
    from detour.detectors import get_detector, open_panel
    from detour.engine import get_engine

    store = _world().ingest(tmp_path)
    engine = get_engine("duckdb")
    panel = open_panel(engine, store, [get_detector("phantom_export")])
    try:
        heads = heading_panel(panel)
        assert heading_panel(panel).pairs is heads.pairs  # built once per panel
        # A chapter's partners (silences that say something) are read from the codes, as ever.
        assert heads.partners is panel.pairs and heads.pairs is not panel.pairs
        rows = engine.execute(heads.pairs)
        assert rows.hs.map(is_heading).all() and set(rows.hs) >= {"8542HH", "9306HH"}
        assert (rows.margin_log == 0).all()
        kor = rows[(rows.exporter == "KOR") & (rows.importer == "SRB") & (rows.year == 2023)]
        assert kor.x_value.iloc[0] == pytest.approx(8e5, rel=0.1) and kor.m_value.iloc[0] == 0
        # A matched flow in one code of a heading: its heading row is the code's row with the
        # importer's CIF brought back to FOB with the pair's own margin.
        code = engine.execute(panel.pairs)
        one = code[(code.exporter == "FRA") & (code.importer == "SRB") & (code.year == 2023)]
        head = rows[(rows.exporter == "FRA") & (rows.importer == "SRB") & (rows.year == 2023)]
        assert list(one.hs) == ["930690"] and list(head.hs) == ["9306HH"]
        assert head.x_value.iloc[0] == pytest.approx(one.x_value.iloc[0])
        fob = one.m_value.iloc[0] / np.exp(one.margin_log.iloc[0])
        assert head.m_value.iloc[0] == pytest.approx(fob) and fob < one.m_value.iloc[0]
    finally:
        panel.close()


def test_trace_shows_the_heading_and_the_codes_it_replaced(tmp_path):
    from detour.detectors.trace_pair import trace_pair
    from detour.engine import get_engine

    store = _world().ingest(tmp_path)
    t = trace_pair(get_engine("duckdb"), store, "KOR", "SRB", kinds=["phantom_export"])
    rows = t.rows.set_index("hs")
    assert rows.loc["8542HH", "stage"] == "alert"
    assert "HS 8542 (its codes together)" in rows.loc["8542HH", "detail"]
    assert [a.hs for a in t.alerts] == [CHIPS]
    # USA -> KAZ: the code carries the gap, so its heading is not read as a whole.
    t = trace_pair(get_engine("duckdb"), store, "USA", "KAZ", kinds=["phantom_export"])
    rows = t.rows.set_index("hs")
    assert rows.loc["854239", "stage"] == "alert"
    assert rows.loc["8542HH", "stage"] == "codes or heading"
    assert "not read as a whole" in rows.loc["8542HH", "detail"]
