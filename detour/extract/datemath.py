"""Calendar arithmetic for the date resolver: months, qualifiers and the war's years.

>>> qualifier_span("late", 2022)
(datetime.date(2022, 9, 1), datetime.date(2022, 12, 31))
>>> war_year_span(3)
(datetime.date(2024, 2, 24), datetime.date(2025, 2, 23))
>>> from datetime import date
>>> war_year_of(date(2025, 5, 30))
4
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

# Russia's full-scale invasion of Ukraine; "the war, in its third year" counts from here.
WAR_START = date(2022, 2, 24)

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}

_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
}
_ORDINAL_WORDS = {v: k for k, v in _ORDINALS.items()}

# (first month, last month) of a qualified year. "end of" and "beginning of" are quarters.
_QUALIFIERS = {
    "early": (1, 4),
    "mid": (5, 8),
    "late": (9, 12),
    "end": (10, 12),
    "beginning": (1, 3),
    "start": (1, 3),
    "first half": (1, 6),
    "second half": (7, 12),
    "first quarter": (1, 3),
    "second quarter": (4, 6),
    "third quarter": (7, 9),
    "fourth quarter": (10, 12),
    "q1": (1, 3),
    "q2": (4, 6),
    "q3": (7, 9),
    "q4": (10, 12),
}


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def qualifier_span(qualifier: str, year: int) -> tuple[date, date]:
    """The months a qualifier ("late", "the first half of", "Q3", "") selects in ``year``."""
    key = " ".join(qualifier.lower().replace("the ", "").replace(" of", "").split())
    first, last = _QUALIFIERS.get(key, (1, 12))
    return date(year, first, 1), month_end(year, last)


def last_on_or_before(published: date | None, month: int, day: int) -> date:
    """The most recent ``day``/``month`` on or before ``published`` (its year if unknown: 2000).

    Feb 29 falls back to the last leap year; a day no month has (Feb 30) raises ValueError.
    """
    if not 1 <= day <= calendar.monthrange(2000, month)[1]:
        raise ValueError(f"no day {day} in month {month}")
    ref = published or date(2000, 12, 31)
    year = ref.year if (month, day) <= (ref.month, ref.day) else ref.year - 1
    while day > month_end(year, month).day:
        year -= 1
    return date(year, month, day)


def add_years(d: date, n: int) -> date:
    try:
        return d.replace(year=d.year + n)
    except ValueError:  # 29 February
        return d.replace(year=d.year + n, day=28)


def ordinal_number(word: str) -> int:
    """ "third" or "3rd" → 3."""
    w = word.lower()
    return _ORDINALS.get(w) or int("".join(ch for ch in w if ch.isdigit()))


def ordinal_word(n: int) -> str:
    return _ORDINAL_WORDS.get(n, f"{n}th")


def war_year_span(n: int) -> tuple[date, date]:
    """First and last day of the war's ``n``-th year."""
    return add_years(WAR_START, n - 1), add_years(WAR_START, n) - timedelta(days=1)


def war_year_of(d: date) -> int:
    """Which year of the war ``d`` falls in (0 before it began)."""
    if d < WAR_START:
        return 0
    n = 1
    while add_years(WAR_START, n) <= d:
        n += 1
    return n


def minus_months(d: date, n: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 - n, 12)
    return date(y, m + 1, min(d.day, month_end(y, m + 1).day))


def iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def parse_published(value: str | date | None) -> date | None:
    """A publication date from ``YYYY-MM-DD`` (or a longer ISO timestamp); None if absent.

    >>> parse_published("2025-05-30T08:00:00Z")
    datetime.date(2025, 5, 30)
    """
    if value is None or isinstance(value, date):
        return value
    m = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", value)
    return date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
