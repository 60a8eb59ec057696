"""Country arguments (ISO3, ``W00`` or a number) → the numeric code Comtrade+ expects in a query.

The forward table (``detour.model.codes.numeric_table``) maps every Comtrade and ISO numeric
code to ISO3, including historic and sub-national codes (841 "USA before 1981", 280 West
Germany, 457 Sarawak). Reversing it blindly could query one of those for today's country, so
the reverse prefers, in order:

1. Comtrade's current code where it differs from ISO numeric (USA 842, France 251, ...);
2. the ISO 3166 numeric of a current country;
3. the first code ``detour/data/comtrade_codes.csv`` declares for that ISO3 (historic
   countries and areas such as SUN 810 or XBK 837 "Bunkers");
4. the smallest remaining code that maps to it.

>>> comtrade_code("usa"), comtrade_code("TWN"), comtrade_code("DEU"), comtrade_code("W00")
(842, 490, 276, 0)
>>> comtrade_code("699")
699
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

import pycountry

from detour.errors import ConfigError
from detour.model.codes import WORLD, country_from_iso3, numeric_table

# Comtrade's *current* reporter/partner codes that are not the ISO numeric of the same country
# (DOMAIN.md). They cannot be derived from the data file alone, which also maps older codes to
# the same ISO3; each one is checked against the forward table when the reverse is built.
CURRENT_COMTRADE_CODES: dict[str, int] = {
    "USA": 842,
    "FRA": 251,
    "ITA": 381,
    "IND": 699,
    "NOR": 579,
    "CHE": 757,
    "TWN": 490,
}

_WORLD_ALIASES = {WORLD, "WLD", "WORLD", "0"}


def _csv_codes_in_file_order() -> list[tuple[int, str]]:
    text = resources.files("detour.data").joinpath("comtrade_codes.csv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return [(int(row["code"]), row["iso3"]) for row in csv.DictReader(lines)]


@cache
def reverse_table() -> dict[str, int]:
    """Canonical ISO3 → the Comtrade numeric code to query for it."""
    forward = numeric_table()
    for iso3, code in CURRENT_COMTRADE_CODES.items():
        if forward.get(code) != iso3:
            raise ConfigError(
                f"Comtrade code {code} should map to {iso3} but the code table says {forward.get(code)}",
                hint="check detour/data/comtrade_codes.csv",
            )
    candidates: dict[str, list[int]] = {}
    for code, iso3 in forward.items():
        candidates.setdefault(iso3, []).append(code)
    declared: dict[str, int] = {}
    for code, iso3 in _csv_codes_in_file_order():
        declared.setdefault(iso3, code)
    table: dict[str, int] = {}
    for iso3, codes in candidates.items():
        country = pycountry.countries.get(alpha_3=iso3)
        iso_numeric = int(country.numeric) if country is not None else None
        if iso3 in CURRENT_COMTRADE_CODES:
            table[iso3] = CURRENT_COMTRADE_CODES[iso3]
        elif iso_numeric is not None and iso_numeric in codes:
            table[iso3] = iso_numeric
        elif iso3 in declared and declared[iso3] in codes:
            table[iso3] = declared[iso3]
        else:
            table[iso3] = min(codes)
    return table


def comtrade_code(country: str | int) -> int:
    """One reporter/partner argument → Comtrade numeric code.

    Accepts ISO3 in any spelling Detour knows (``usa``, ``S19``), World as ``W00``/``WLD``/``0``,
    or a bare Comtrade number, which is passed through so users can ask for areas by code.
    """
    text = str(country).strip().upper()
    if text in _WORLD_ALIASES:
        return 0
    if text.isdigit():
        return int(text)
    iso3 = country_from_iso3(text)
    code = reverse_table().get(iso3) if iso3 else None
    if code is None:
        raise ConfigError(
            f"unknown country {country!r}",
            hint="give an ISO 3166 alpha-3 code (e.g. USA, SRB), W00 for World, or a Comtrade numeric code",
        )
    return code


def comtrade_codes(countries: list[str] | tuple[str, ...]) -> tuple[int, ...]:
    """Several arguments → codes, in order, without duplicates."""
    seen: dict[int, None] = {}
    for country in countries:
        seen.setdefault(comtrade_code(country), None)
    return tuple(seen)
