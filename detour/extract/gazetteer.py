"""Gazetteers: countries, agencies, companies, officials and outlets, loaded and validated once.

Files live in ``detour/data/gazetteers/``; ``docs/extraction.md`` says how to add entries.
Country names and ISO3 codes come from pycountry; ``countries.csv`` adds adjectives, capitals
and the aliases news text uses.

>>> g = gazetteer()
>>> g.countries["SRB"].name, "Belgrade" in g.countries["SRB"].capitals
('Serbia', True)
>>> g.agencies["svr"].country, g.companies["Krušik"].country
('RUS', 'SRB')
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import pycountry
import yaml

from detour.errors import ConfigError
from detour.model.codes import country_from_iso3


@dataclass(frozen=True)
class Country:
    iso3: str
    name: str
    names: tuple[str, ...]
    adjectives: tuple[str, ...]
    capitals: tuple[str, ...]


@dataclass(frozen=True)
class Agency:
    id: str
    acronyms: tuple[str, ...]
    names: tuple[str, ...]
    country: str
    kind: str = "agency"
    ambiguous: bool = False

    @property
    def label(self) -> str:
        return self.acronyms[0] if self.acronyms else self.names[0]

    def describe(self) -> str:
        """ "Russia's Foreign Intelligence Service" """
        return f"{country_name(self.country)}'s {self.names[0]}" if self.names else self.label


@dataclass(frozen=True)
class Role:
    title: str
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class Person:
    name: str
    aliases: tuple[str, ...]
    country: str
    roles: tuple[Role, ...] = ()


@dataclass(frozen=True)
class Organisation:
    """A company or an outlet."""

    name: str
    aliases: tuple[str, ...]
    country: str | None


@dataclass(frozen=True)
class Gazetteer:
    countries: dict[str, Country]
    agencies: dict[str, Agency]
    companies: dict[str, Organisation]
    outlets: dict[str, Organisation]
    persons: dict[str, Person]
    titles: dict[str, str | None] = field(default_factory=dict)  # title → ISO3


def _text(name: str) -> str:
    return resources.files("detour.data").joinpath("gazetteers", name).read_text(encoding="utf-8")


def _yaml(name: str) -> Any:
    try:
        return yaml.safe_load(_text(name))
    except yaml.YAMLError as exc:
        raise ConfigError(f"gazetteer {name} is not valid YAML: {exc}", "fix the file") from exc


def _iso3(code: Any, where: str, optional: bool = False) -> str | None:
    if code in (None, "") and optional:
        return None
    iso = "XKX" if code == "XKX" else country_from_iso3(str(code))
    if not iso:
        raise ConfigError(f"{where}: unknown country code {code!r}", "use an ISO 3166 alpha-3 code")
    return iso


def country_name(iso3: str) -> str:
    c = gazetteer().countries.get(iso3)
    return c.name if c else iso3


def _countries() -> dict[str, Country]:
    rows = [line for line in _text("countries.csv").splitlines() if line and not line.startswith("#")]
    out: dict[str, Country] = {}
    for row in csv.DictReader(rows):
        iso = _iso3(row["iso3"], "countries.csv") or ""
        pc = pycountry.countries.get(alpha_3=iso)
        names = {
            n for n in (getattr(pc, "name", None), getattr(pc, "common_name", None)) if n and "," not in n
        }
        names |= set(filter(None, row["aliases"].split(";")))
        name = str(row["name"] or getattr(pc, "common_name", None) or getattr(pc, "name", iso))
        names.add(name)
        out[iso] = Country(
            iso,
            name,
            tuple(sorted(names)),
            tuple(filter(None, row["adjectives"].split(";"))),
            tuple(filter(None, row["capitals"].split(";"))),
        )
    for pc in pycountry.countries:  # every other country by its plain name
        if pc.alpha_3 not in out and "," not in pc.name:
            out[pc.alpha_3] = Country(pc.alpha_3, pc.name, (pc.name,), (), ())
    return out


def _date(value: Any) -> date | None:
    return date.fromisoformat(str(value)) if value else None


@cache
def gazetteer() -> Gazetteer:
    """All gazetteers, validated; a bad entry raises ConfigError naming the file."""
    agencies = {}
    for a in _yaml("agencies.yaml"):
        iso = _iso3(a.get("country"), f"agencies.yaml {a.get('id')}") or ""
        agencies[a["id"]] = Agency(
            a["id"],
            tuple(a.get("acronyms") or ()),
            tuple(a.get("names") or ()),
            iso,
            a.get("kind", "agency"),
            bool(a.get("ambiguous")),
        )
    companies = {
        c["name"]: Organisation(
            c["name"],
            tuple(c.get("aliases") or ()),
            _iso3(c.get("country"), f"companies.yaml {c['name']}", True),
        )
        for c in _yaml("companies.yaml")
    }
    outlets = {
        o["name"]: Organisation(
            o["name"],
            tuple(o.get("aliases") or ()),
            _iso3(o.get("country"), f"outlets.yaml {o['name']}", True),
        )
        for o in _yaml("outlets.yaml")
    }
    officials = _yaml("officials.yaml")
    persons = {}
    for p in officials["persons"]:
        roles = tuple(
            Role(r["title"], _date(r.get("from")), _date(r.get("to"))) for r in p.get("roles") or ()
        )
        persons[p["name"]] = Person(
            p["name"],
            tuple(p.get("aliases") or ()),
            _iso3(p["country"], f"officials.yaml {p['name']}") or "",
            roles,
        )
    titles = {
        t["title"]: _iso3(t.get("country"), f"officials.yaml {t['title']}", True) for t in officials["titles"]
    }
    return Gazetteer(_countries(), agencies, companies, outlets, persons, titles)
