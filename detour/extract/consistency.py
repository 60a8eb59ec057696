"""Internal inconsistencies of a text, reported as claim warnings.

A text that gets checkable details wrong deserves less trust. Checks:

- an agency name that does not match its acronym: "Federal Security Service (SVR)";
- a country that does not own the agency written next to it: "Ukraine's SVR";
- a person given a title they do not hold, or did not hold at publication time;
- a war year that contradicts the publication date: "in its second year" in 2025;
- a claimed period that starts after the publication date.

>>> from datetime import date
>>> from detour.extract.pipeline import analyse
>>> from detour.extract.mentions import find_mentions
>>> a = analyse("The Federal Security Service (SVR) said so.")
>>> (w,) = sentence_warnings(a, find_mentions(a), 0, len(a.doc), date(2025, 5, 30))
>>> w[: w.index(";")]
"'Federal Security Service (SVR)': SVR is Russia's Foreign Intelligence Service"
>>> w[w.index(";") + 2 :]
'the Federal Security Service is the FSB'
"""

from __future__ import annotations

import re
from datetime import date

from detour.extract.analysis import Analysis, Mention, within
from detour.extract.datemath import ordinal_number, ordinal_word, war_year_of, war_year_span
from detour.extract.gazetteer import country_name, gazetteer
from detour.extract.normalise import fold
from detour.model.claim import Period

_WAR_YEAR = re.compile(
    r"\b(?:in|into|enters|entered|entering)\s+its\s+(\w+)\s+year\b|\bthe\s+war's\s+(\w+)\s+year\b", re.I
)


def agency_warnings(m: Mention) -> list[str]:
    out = []
    ag = m.agency
    if ag is not None and m.pair is not None:
        name, acronym = m.pair
        if name not in ag.names:
            owners = [o for o in gazetteer().agencies.values() if name in o.names and o.country == ag.country]
            tail = f"; the {name} is the {owners[0].label}" if owners else ""
            out.append(f"'{name} ({acronym})': {acronym} is {ag.describe()}{tail}")
    if ag is not None and m.hint and not ag.ambiguous and ag.kind == "agency" and m.hint != ag.country:
        out.append(f"{country_name(m.hint)}'s {ag.label}: the {ag.label} is {ag.describe()}")
    return out


def person_warnings(m: Mention, published: date | None) -> list[str]:
    person = gazetteer().persons.get(m.party.name)
    if person is None or m.party.kind != "person":
        return []
    out = []
    if m.hint and m.hint != person.country:
        out.append(f"{person.name} is from {country_name(person.country)}, not {country_name(m.hint)}")
    if not m.title:
        return out
    title = fold(m.title.lower())
    roles = [
        r
        for r in person.roles
        if fold(r.title.lower()) == title or fold(r.title.lower()).endswith(" " + title)
    ]
    if not roles:
        known = ", ".join(sorted({r.title for r in person.roles}))
        return out + [f"{person.name} is not known as {m.title} (known roles: {known})"]
    if published and not any(
        (r.start is None or r.start <= published) and (r.end is None or published < r.end) for r in roles
    ):
        r = roles[0]
        span = f"from {r.start or '?'}" + (f" to {r.end}" if r.end else "")
        out.append(f"{person.name} was {m.title} {span}, not on the publication date {published}")
    return out


def war_year_warnings(sentence: str, published: date | None) -> list[str]:
    """ "in its second year" with a 2025 publication date → a warning."""
    if published is None:
        return []
    out = []
    for m in _WAR_YEAR.finditer(sentence):
        word = m.group(1) or m.group(2)
        try:
            n = ordinal_number(word)
        except ValueError:
            continue
        actual = war_year_of(published)
        if n != actual:
            start, end = war_year_span(n)
            out.append(
                f"'{m.group(0)}' puts the war in {start}..{end}, but the text is published {published}, "
                f"in its {ordinal_word(actual)} year"
            )
    return out


def sentence_warnings(
    a: Analysis, mentions: list[Mention], start: int, end: int, published: date | None
) -> list[str]:
    out: list[str] = []
    for m in within(mentions, start, end):
        out += agency_warnings(m) + person_warnings(m, published)
    return out + war_year_warnings(a.doc[start:end].text, published)


def period_warnings(period: Period, published: date | None) -> list[str]:
    if published and period.start and period.start > published.isoformat():
        return [f"period '{period.text}' ({period.start}) starts after the publication date {published}"]
    return []
