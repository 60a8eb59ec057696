"""Property tests for the date resolver and the spelling normalisers."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from detour.extract.datemath import WAR_START, war_year_of, war_year_span
from detour.extract.dates import find_periods, point_span
from detour.extract.normalise import fold, hyphen_variants

published = st.dates(min_value=date(1995, 1, 1), max_value=date(2035, 12, 31))
months = st.integers(1, 12)
years = st.integers(1990, 2035)
MONTH_NAMES = list(calendar.month_name)[1:]


def _only(sentence: str, pub: date) -> tuple[date, date]:
    found = find_periods(sentence, pub)
    assert len(found) == 1, (sentence, found)
    p = found[0][2]
    assert p.start and p.end
    return date.fromisoformat(p.start), date.fromisoformat(p.end)


@given(published, months, st.integers(1, 31))
def test_day_without_year_is_the_latest_on_or_before_publication(pub: date, month: int, day: int) -> None:
    name = MONTH_NAMES[month - 1]
    found = find_periods(f"They met on {name} {day}.", pub)
    if day > 29 and month == 2 or day > calendar.monthrange(2000, month)[1]:
        return  # not a date in any year
    start, end = _only(f"They met on {name} {day}.", pub) if found else (None, None)
    assert start == end and start is not None
    assert start <= pub and pub - start < timedelta(days=366 * 4 + 1)
    assert (start.month, start.day) == (month, day)


@given(published, months)
def test_month_without_year_is_within_the_last_year(pub: date, month: int) -> None:
    start, end = _only(f"Shipments resumed in {MONTH_NAMES[month - 1]}.", pub)
    assert start.day == 1 and start.month == month == end.month
    assert start <= pub and (pub - start).days < 366
    assert end == date(start.year, month, calendar.monthrange(start.year, month)[1])


@given(years, st.sampled_from(["early", "mid", "late", "the end of", "the first half of", "Q3"]))
def test_qualified_year_stays_inside_the_year(year: int, qualifier: str) -> None:
    start, end = _only(f"Exports stopped in {qualifier} {year}.", date(2040, 1, 1))
    assert date(year, 1, 1) <= start <= end <= date(year, 12, 31)


@given(published)
def test_relative_years(pub: date) -> None:
    start, end = _only("It happened last year.", pub)
    assert (start, end) == (date(pub.year - 1, 1, 1), date(pub.year - 1, 12, 31))
    start, end = _only("Deliveries continued this year.", pub)
    assert start == date(pub.year, 1, 1) and end == pub


@given(published, years)
def test_since_runs_to_publication(pub: date, year: int) -> None:
    start, end = _only(f"Shells have flowed since {year}.", pub)
    assert start == date(year, 1, 1)
    assert end == (pub if year <= pub.year else date(year, 12, 31))


@given(st.integers(1, 12))
def test_war_years_tile_time(n: int) -> None:
    start, end = war_year_span(n)
    assert war_year_of(start) == n == war_year_of(end)
    assert war_year_of(end + timedelta(days=1)) == n + 1
    assert war_year_span(1)[0] == WAR_START


@given(published)
def test_every_resolved_period_is_ordered(pub: date) -> None:
    text = (
        "Between late 2022 and early 2023, and again since March 2024, in its third year, last month, "
        "on 9 May and in the first half of 2021, shells moved."
    )
    for _, _, p in find_periods(text, pub):
        if p.start and p.end:
            assert p.start <= p.end


@given(st.text(max_size=40))
def test_fold_is_idempotent_and_ascii_for_latin(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(st.text(alphabet="abcdefgh- ", max_size=20))
def test_hyphen_variants_contain_the_original(phrase: str) -> None:
    variants = hyphen_variants(phrase)
    assert phrase in variants
    assert all("-" not in v for v in variants if v != phrase)


def test_point_span_rejects_impossible_dates() -> None:
    assert point_span("31 February 2023", None) is None
