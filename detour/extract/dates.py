"""Time expressions in news text → ISO periods, resolved against the publication date.

Conventions (news prose has no standard, so these are Detour's and are documented here):

- early / mid / late YEAR = Jan–Apr / May–Aug / Sep–Dec; the beginning / end of YEAR = first /
  last quarter; first / second half and Q1–Q4 as written.
- A month or day without a year ("in March", "on May 9") is the most recent one on or before
  the publication date: claims are about the past.
- "last year" is the previous calendar year; "this year" runs from 1 January to publication.
- "since X" runs from the start of X to publication.
- "in its Nth year" counts years of the full-scale war from 2022-02-24 (``WAR_START``).
- Winter is ambiguous across years and is not resolved.

>>> from datetime import date
>>> pub = date(2025, 5, 30)
>>> [(p.start, p.end) for _, _, p in find_periods("Serbia halted exports in late 2022.", pub)]
[('2022-09-01', '2022-12-31')]
>>> [(p.start, p.end) for _, _, p in find_periods("They met on May 9.", pub)]
[('2025-05-09', '2025-05-09')]
>>> [(p.start, p.end) for _, _, p in find_periods("as the war, now in its third year, ground on", pub)]
[('2024-02-24', '2025-02-23')]
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from detour.extract.datemath import (
    MONTHS,
    WAR_START,
    add_years,
    iso,
    last_on_or_before,
    minus_months,
    month_end,
    ordinal_number,
    qualifier_span,
    war_year_span,
)
from detour.model.claim import Period

Span = tuple[date | None, date | None]

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_YEAR = r"(?:19|20)\d{2}"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_QUAL = (
    r"(?:early|mid|late|(?:the\s+)?(?:end|beginning|start|first\s+half|second\s+half"
    r"|(?:first|second|third|fourth)\s+quarter)\s+of|Q[1-4])"
)
_YEARREF = rf"(?:{_YEAR}|last\s+year|this\s+year|the\s+previous\s+year)"
_SEASON = r"(?:spring|summer|autumn|fall)"
_WAR = (
    r"(?:the\s+)?(?:start|beginning|outbreak)\s+of\s+the\s+(?:full-scale\s+)?(?:war|invasion)"
    r"|the\s+(?:full-scale\s+)?invasion"
)
_ORD = r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|1st|2nd|3rd|[4-8]th)"

_POINTS: list[tuple[str, str]] = [
    ("dmy", rf"(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m>{_MONTH}),?\s+(?P<y>{_YEAR})"),
    ("mdy", rf"(?P<m>{_MONTH})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>{_YEAR})"),
    ("dm", rf"(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m>{_MONTH})"),
    ("md", rf"(?P<m>{_MONTH})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?"),
    ("qual", rf"(?P<q>{_QUAL})[\s-]*(?P<yr>{_YEARREF})"),
    ("season", rf"(?P<s>{_SEASON})\s+(?:of\s+)?(?P<y>{_YEAR})"),
    ("lastseason", rf"(?P<rel>last|this)\s+(?P<s>{_SEASON})"),
    ("my", rf"(?P<m>{_MONTH})(?:\s+of)?,?\s+(?P<y>{_YEAR})"),
    ("war", _WAR),
    ("yearref", rf"(?P<yr>{_YEARREF})"),
    ("relmonth", r"(?P<rel>last|this)\s+month"),
    ("relweek", r"(?P<rel>last|this)\s+week"),
    ("month", rf"(?P<m>{_MONTH})"),
]
# The same alternatives without group names, to embed in the scanner below.
_POINT = re.sub(r"\(\?P<\w+>", "(?:", "|".join(f"(?:{rx})" for _, rx in _POINTS))
_POINT_RES = [(name, re.compile(rx, re.I)) for name, rx in _POINTS]

_SCAN = re.compile(
    rf"\b(?:between|from)\s+(?P<a>{_POINT})\s+(?:and|to|until|till|through)\s+(?P<b>{_POINT})\b"
    rf"|\bsince\s+(?P<since>{_POINT})\b"
    rf"|\b(?:(?:in|into|enters|entered|entering|enter)\s+its|the\s+war's)\s+(?P<ord>{_ORD})\s+year\b"
    rf"|\b(?:over|in|during)\s+the\s+(?:past|last)\s+(?P<n>two|three|four|five|\d+)\s+(?P<unit>years|months)\b"
    rf"|\b(?:over|in|during)\s+the\s+(?:past|last)\s+(?P<unit1>year|month)\b"
    rf"|\b(?:earlier|later)\s+this\s+year\b"
    rf"|\b(?:yesterday|today)\b"
    rf"|\b(?:on|last)\s+(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
    rf"|\b(?P<pt>{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+{_YEAR})?"
    rf"|{_QUAL}[\s-]*{_YEARREF}|{_SEASON}\s+(?:of\s+)?{_YEAR}|(?:last|this)\s+{_SEASON}|{_MONTH},?\s+(?:of\s+)?{_YEAR}"
    rf"|last\s+year|this\s+year|the\s+previous\s+year|(?:last|this)\s+(?:month|week))\b"
    rf"|\b(?:in|during|throughout|by|until|for|of|before|after|early|late|mid-?)\s+"
    rf"(?P<pp>{_YEAR}|{_MONTH}(?!,?\s+(?:of\s+)?{_YEAR}|\s+\d))"
    rf"(?:\s*(?:and|-|–|to)\s*(?P<pp2>{_YEAR}))?\b",
    re.I,
)
_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5}
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def point_span(text: str, published: date | None) -> Span | None:
    """The first and last day of one point expression, or None when it is not one.

    >>> point_span("mid-2023", None)
    (datetime.date(2023, 5, 1), datetime.date(2023, 8, 31))
    """
    text = " ".join(text.split())
    for name, rx in _POINT_RES:
        m = rx.fullmatch(text)
        if m:
            return _resolve_point(name, m.groupdict(), published)
    return None


def _resolve_point(name: str, g: dict[str, str | None], pub: date | None) -> Span | None:
    month = MONTHS.get((g.get("m") or "").lower().rstrip(".")[:3])
    if name in ("dmy", "mdy", "dm", "md"):
        day = int(g["d"] or 0)
        if not month or not 1 <= day <= month_end(2000, month).day:
            return None
        if g.get("y"):
            year: int | None = int(g["y"] or 0)
        else:
            year = last_on_or_before(pub, month or 1, day).year if pub else None
        if year is None or not month or day > month_end(year, month).day or day < 1:
            return None
        return date(year, month, day), date(year, month, day)
    if name == "my":
        y = int(g["y"] or 0)
        return date(y, month or 1, 1), month_end(y, month or 1)
    if name == "month":
        if pub is None or not month:
            return None
        y = pub.year if month <= pub.month else pub.year - 1
        return date(y, month, 1), month_end(y, month)
    if name == "yearref" or name == "qual":
        yr = _year_of(g.get("yr") or "", pub)
        if yr is None:
            return None
        start, end = qualifier_span(g.get("q") or "", yr)
        if (g.get("yr") or "").lower().startswith("this") and pub and end > pub:
            end = max(start, pub)
        return start, end
    if name in ("season", "lastseason"):
        first = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9}[(g["s"] or "").lower()]
        if g.get("y"):
            y = int(g["y"] or 0)
        elif pub is None:
            return None
        else:
            y = pub.year if (g.get("rel") or "").lower() == "this" or pub.month >= first + 3 else pub.year - 1
        return date(y, first, 1), month_end(y, first + 2)
    if name == "war":
        return WAR_START, WAR_START
    if pub is None:
        return None
    if name == "relmonth":
        first_this = pub.replace(day=1)
        if (g.get("rel") or "").lower() == "this":
            return first_this, pub
        prev = first_this - timedelta(days=1)
        return prev.replace(day=1), prev
    if name == "relweek":
        monday = pub - timedelta(days=pub.weekday())
        if (g.get("rel") or "").lower() == "this":
            return monday, pub
        return monday - timedelta(days=7), monday - timedelta(days=1)
    return None


def _year_of(text: str, pub: date | None) -> int | None:
    t = " ".join(text.lower().split())
    if t.isdigit():
        return int(t)
    if pub is None:
        return None
    return pub.year if t == "this year" else pub.year - 1


def find_periods(sentence: str, published: date | None) -> list[tuple[int, int, Period]]:
    """Every time expression in ``sentence``: (start char, end char, Period).

    Relative expressions keep their text but get no dates when ``published`` is unknown.
    """
    found: list[tuple[int, int, Period]] = []
    for m in _SCAN.finditer(sentence):
        if re.fullmatch(r"(?:in|by|until|for|of|during)?\s*may", m.group(0), re.I) and "May" not in m.group(
            0
        ):
            continue  # the modal verb, not the month
        span = _resolve_scan(m, published)
        text = m.group(0)
        start, end = span if span else (None, None)
        found.append((m.start(), m.end(), Period(iso(start), iso(end), text)))
    return found


def _resolve_scan(m: re.Match[str], pub: date | None) -> Span | None:
    g = m.groupdict()
    text = m.group(0).lower()
    if g["a"]:
        a, b = point_span(g["a"], pub), point_span(g["b"], pub)
        if not a or not b or None in (*a, *b):
            return None
        days = sorted(d for d in (*a, *b) if d is not None)
        return days[0], days[-1]
    if g["since"]:
        a = point_span(g["since"], pub)
        if a is None or a[0] is None:
            return None
        if pub is None:
            return a[0], None
        return (a[0], pub) if pub >= a[0] else a  # "since" a date after publication: keep the date
    if g["ord"]:
        return war_year_span(ordinal_number(g["ord"]))
    if pub is None:
        return _absolute(g)
    if g["n"] or g["unit1"]:
        n = _NUMBERS.get((g["n"] or "1").lower()) or int(g["n"] or 1)
        unit = (g["unit"] or g["unit1"] or "").lower()
        start = add_years(pub, -n) if unit.startswith("year") else minus_months(pub, n)
        return start, pub
    if "this year" in text and ("earlier" in text or "later" in text):
        return date(pub.year, 1, 1), pub
    if text == "yesterday":
        return pub - timedelta(days=1), pub - timedelta(days=1)
    if text == "today":
        return pub, pub
    if g["wd"]:
        back = (pub.weekday() - _WEEKDAYS.index(g["wd"].lower())) % 7
        if text.startswith("last") and back == 0:
            back = 7
        day = pub - timedelta(days=back)
        return day, day
    return _absolute(g, pub)


def _absolute(g: dict[str, str | None], pub: date | None = None) -> Span | None:
    if g["pt"]:
        return point_span(g["pt"], pub)
    if g["pp"]:
        first = point_span(g["pp"], pub)
        last = point_span(g["pp2"], pub) if g["pp2"] else first
        return (first[0], last[1]) if first and last else None
    return None
