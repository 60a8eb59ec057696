"""Confidential trade kept in the chapter total: a reporter hides HS6 detail, but its chapter
total with the partner still holds the value (DOMAIN.md: "the hidden value stays in the chapter
total"). The Comtrade reader keeps chapter totals apart (``Store.parquet_files("chapters")``),
never summed with the detail, and ``Panel.kept_in_chapter_total`` makes the reporter's silence
about that partner's flows in the chapter unknown to the gap detectors.
"""

from __future__ import annotations

import pandas as pd

from detour.detectors import run_detectors
from detour.detectors.panel import Panel
from detour.detectors.watchlist import load_watchlist
from detour.engine import get_engine
from tests.detectors.scenarios import step
from tests.detectors.world import World

PRE = set(range(2015, 2022))


def _world(totals: bool, matching: bool = False) -> World:
    """The confidential-code world of ``test_confidential``, with the hidden value kept in the
    chapter-93 total instead of under 999999. South Africa records rifles from the United States
    until 2021 and none from 2022, while the US goes on declaring them; Germany's exports of
    ammunition to Egypt are the same story on the exporter's side. With ``totals`` each silent
    reporter writes its chapter-93 total with the partner, holding the goods; with ``matching``
    the totals hold only what the detail shows (nothing hidden)."""
    w = World(seed=5).background()
    w.flow("JPN", "ZAF", "854231", 4e6)  # South Africa reports every year, in other chapters
    w.flow("USA", "ZAF", "930390", step(1e6, 9e6), m_years=PRE)
    w.flow("DEU", "EGY", "930690", step(1e6, 6e6), x_years=PRE)
    if totals:
        # the chapter total on the silent side only: South Africa's imports, Germany's exports
        w.flow("USA", "ZAF", "93", step(1e6, 0 if matching else 9e6), x_years=set())
        w.flow("DEU", "EGY", "93", step(1e6, 0 if matching else 6e6), m_years=set())
    return w


def _gaps(tmp_path, totals: bool, matching: bool = False) -> set[tuple[str, str, str]]:
    store = _world(totals, matching).ingest(tmp_path)
    alerts = run_detectors(get_engine("duckdb"), store, kinds=["phantom_export", "undeclared_export"])
    return {(a.kind, a.origin, a.destination) for a in alerts}


def test_chapter_totals_are_kept_apart_and_never_summed(tmp_path):
    store = _world(True).ingest(tmp_path)
    engine = get_engine("duckdb")
    detail = engine.execute(engine.declarations(store))
    assert not (detail.hs.str.len() < 6).any()  # no aggregate among the declarations
    chapters = engine.execute(engine.chapter_totals(store))
    assert set(chapters.hs) == {"93"}
    assert set(zip(chapters.reporter, chapters.partner, chapters.flow, strict=True)) == {
        ("ZAF", "USA", "import"),
        ("DEU", "EGY", "export"),
    }
    panel = Panel.build(engine, store, load_watchlist("default"))
    try:
        kept = panel.kept_in_chapter_total(
            pd.Series(["ZAF"]), pd.Series(["USA"]), pd.Series(["930390"]), "M"
        )[0]
        years = [y for y, k in zip(panel.years, kept, strict=True) if k]
        assert years and min(years) == 2022  # from the year the detail went silent
        # another chapter, the other side or another partner: nothing hidden there
        assert not panel.kept_in_chapter_total(
            pd.Series(["ZAF"]), pd.Series(["USA"]), pd.Series(["854231"]), "M"
        ).any()
        assert not panel.kept_in_chapter_total(
            pd.Series(["ZAF"]), pd.Series(["USA"]), pd.Series(["930390"]), "X"
        ).any()
        assert not panel.kept_in_chapter_total(
            pd.Series(["ZAF"]), pd.Series(["JPN"]), pd.Series(["930390"]), "M"
        ).any()
    finally:
        panel.close()


def test_goods_kept_in_the_chapter_total_are_no_gap(tmp_path):
    plain = _gaps(tmp_path / "plain", totals=False)
    assert ("phantom_export", "USA", "ZAF") in plain
    assert ("undeclared_export", "DEU", "EGY") in plain
    hidden = _gaps(tmp_path / "hidden", totals=True)
    assert ("phantom_export", "USA", "ZAF") not in hidden
    assert ("undeclared_export", "DEU", "EGY") not in hidden
    assert plain - hidden == {("phantom_export", "USA", "ZAF"), ("undeclared_export", "DEU", "EGY")}


def test_a_chapter_total_that_matches_its_detail_hides_nothing(tmp_path):
    """Comtrade's aggregates equal the sum of the detail, to rounding: such totals change nothing."""
    assert _gaps(tmp_path / "m", totals=True, matching=True) == _gaps(tmp_path / "p", totals=False)


def test_the_pair_trace_says_the_goods_may_be_in_the_total(tmp_path):
    from detour.detectors.trace_pair import trace_pair

    store = _world(True).ingest(tmp_path)
    verdict = trace_pair(get_engine("duckdb"), store, "USA", "ZAF", kinds=["phantom_export"]).verdicts
    assert (
        "South Africa's chapter 93 total of imports from United States exceeds the HS6 detail"
        in verdict["phantom_export"]
    )


def test_the_same_total_in_two_files_counts_once(tmp_path):
    """A chapter-only extract ingested beside the full file holds the same totals again (ingest
    checks overlaps on the detail only). Summed, totals that match their detail would look twice
    their detail and hide real gaps; they count once."""
    from detour.ingest import ingest_paths
    from tests.comtrade_fixture import write
    from tests.detectors.world import _row

    w = _world(True, matching=True)
    store = w.ingest(tmp_path / "w")
    extract = write(tmp_path / "chapters.csv", [_row(*d) for d in w.declarations() if d[4] == "93"])
    [report] = ingest_paths(store.root, [extract], "comtrade", progress=False)
    assert report.rows_written == 0 and report.chapter_rows > 0
    alerts = run_detectors(get_engine("duckdb"), store, kinds=["phantom_export", "undeclared_export"])
    assert {(a.kind, a.origin, a.destination) for a in alerts} == _gaps(tmp_path / "p", totals=False)
