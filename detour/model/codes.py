"""Country and HS code normalisation.

Countries are canonicalised to ISO 3166 alpha-3. Comtrade's own numeric codes that differ from
ISO numeric (USA 842, France 251, ...) and its areas ("Areas, nes", "Bunkers", ...) are declared
in ``detour/data/comtrade_codes.csv``; every ISO numeric and alpha-3 comes from pycountry,
including historic codes (YUG, SUN, CSK, SCG). Areas get user-assigned ``X..`` codes so they
can never collide with a real country.

>>> country_from_comtrade(842, None), country_from_comtrade(490, "S19"), country_from_iso3("fra")
('USA', 'TWN', 'FRA')
>>> normalise_hs("8542.31"), normalise_hs("10121")
('854231', '010121')
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

import pycountry

WORLD = "W00"


def _data_rows(name: str) -> list[dict[str, str]]:
    text = resources.files("detour.data").joinpath(name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(lines))


@cache
def _numeric_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for c in pycountry.historic_countries:
        if getattr(c, "numeric", None) and getattr(c, "alpha_3", None):
            table[int(c.numeric)] = c.alpha_3
    for c in pycountry.countries:
        table[int(c.numeric)] = c.alpha_3
    for row in _data_rows("comtrade_codes.csv"):
        table[int(row["code"])] = row["iso3"]
    return table


@cache
def _iso3_table() -> dict[str, str]:
    table = {c.alpha_3: c.alpha_3 for c in pycountry.countries}
    for c in pycountry.historic_countries:
        if getattr(c, "alpha_3", None):
            table.setdefault(c.alpha_3, c.alpha_3)
    for row in _data_rows("comtrade_codes.csv"):
        table.setdefault(row["iso3"], row["iso3"])
    for row in _data_rows("iso3_aliases.csv"):
        table[row["alias"]] = row["iso3"]
    return table


def numeric_table() -> dict[int, str]:
    """Comtrade/ISO numeric code → canonical ISO3 (a copy; safe to mutate)."""
    return dict(_numeric_table())


def iso3_table() -> dict[str, str]:
    """Accepted ISO3 spellings (upper case) → canonical ISO3."""
    return dict(_iso3_table())


def country_from_iso3(code: str | None) -> str | None:
    if not code:
        return None
    return _iso3_table().get(code.strip().upper())


def country_from_comtrade(code: int | str | None, iso3: str | None = None) -> str | None:
    """ISO3 where the file has a known one, else Comtrade's numeric code table; None if unknown."""
    hit = country_from_iso3(iso3)
    if hit:
        return hit
    if code is None or str(code).strip() == "":
        return None
    try:
        return _numeric_table().get(int(float(code)))
    except ValueError:
        return None


def country_name(iso3: str) -> str:
    c = pycountry.countries.get(alpha_3=iso3)
    if c is not None:
        return str(getattr(c, "common_name", None) or c.name)
    for row in _data_rows("comtrade_codes.csv"):
        if row["iso3"] == iso3:
            return row["name"]
    return iso3


def is_area(iso3: str) -> bool:
    """True for World and Comtrade groupings (X.. codes), which are not countries."""
    return iso3 == WORLD or (iso3.startswith("X") and pycountry.countries.get(alpha_3=iso3) is None)


def normalise_hs(code: str | int) -> str:
    """HS code as digits only; BACI and spreadsheets drop the leading zero of chapters 01–09."""
    digits = "".join(ch for ch in str(code) if ch.isdigit())
    if len(digits) in (1, 3, 5):
        digits = "0" + digits
    return digits


def hs_chapter(code: str) -> str:
    return normalise_hs(code)[:2]


HS_REVISIONS = {"H0": 1988, "H1": 1996, "H2": 2002, "H3": 2007, "H4": 2012, "H5": 2017, "H6": 2022}


@cache
def _name_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(c, attr, None)
            if value:
                table[value.casefold()] = c.alpha_3
    for row in _data_rows("country_names.csv"):
        table[row["name"].casefold()] = row["iso3"]
    return table


def country_from_name(name: str | None) -> str | None:
    """ISO3 for a country name as statistical offices write it; None when not a country.

    Eurostat appends notes in parentheses ("Germany (incl. German Democratic Republic 'DD' from
    1991)"); the part before the note is tried when the whole name is unknown.

    >>> country_from_name("Germany (incl. German Democratic Republic 'DD' from 1991)")
    'DEU'
    >>> country_from_name("Russian Federation"), country_from_name("Africa")
    ('RUS', None)
    """
    if not name:
        return None
    text = name.strip().strip('"')
    table = _name_table()
    for candidate in (text, text.split(" (")[0].strip()):
        hit = table.get(candidate.casefold())
        if hit:
            return hit
        if len(candidate) == 3 and candidate.isalpha():
            iso = country_from_iso3(candidate)
            if iso:
                return iso
    return None
