"""Reference data the detectors read: hubs and origin groups, and the component → product map.

Both are declarative files under ``detour/data/``, loaded and validated once.

>>> hub_prior()["ARM"], "DEU" in group("coalition"), len(group("coalition"))
(0.15, True, 33)
>>> rules = transformation_rules(); rules[0].components, rules[0].products
(('3601', '3602', '3603'), ('9306',))
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from detour.errors import ConfigError


def _load(name: str) -> Any:
    return yaml.safe_load(resources.files("detour.data").joinpath(name).read_text(encoding="utf-8"))


@functools.cache
def _hubs() -> dict[str, Any]:
    doc = _load("hubs.yaml")
    if not isinstance(doc, dict) or not doc.get("hubs"):
        raise ConfigError("detour/data/hubs.yaml: needs a 'hubs' list")
    return doc


def hub_prior() -> dict[str, float]:
    """Listed hub → the weight that lifts a route's evidence z (a prior, never a filter)."""
    doc = _hubs()
    weight = float(doc.get("prior_weight", 0.0))
    return {str(h["iso3"]): weight for h in doc["hubs"]}


def destination_prior() -> dict[str, float]:
    """Destination of concern → the weight that lifts an alert's evidence z (a prior, never a filter)."""
    doc = _hubs()
    weight = float(doc.get("destination_weight", 0.0))
    return {str(d["iso3"]): weight for d in doc.get("destinations") or ()}


def restricted_since() -> dict[str, int]:
    """Country of concern → the first year its comprehensive restrictions applied.

    >>> restricted_since()["RUS"], restricted_since()["IRN"]
    (2022, 2012)
    """
    out = {}
    for d in _hubs().get("destinations") or ():
        if not isinstance(d.get("since"), int):
            raise ConfigError(f"detour/data/hubs.yaml: destination {d.get('iso3')!r} needs a 'since' year")
        out[str(d["iso3"])] = int(d["since"])
    return out


def restricted_by() -> dict[str, frozenset[str] | None]:
    """Country of concern → the countries whose exporters its restrictions bind (``None``: every
    country, as for UN sanctions). ``hubs.yaml``: a destination's ``restricted_by`` group, by
    default ``restricting`` (the coalition and the partner countries with similar controls).

    >>> "DEU" in restricted_by()["RUS"], "CHN" in restricted_by()["RUS"], restricted_by()["PRK"]
    (True, False, None)
    """
    out: dict[str, frozenset[str] | None] = {}
    for d in _hubs().get("destinations") or ():
        name = str(d.get("restricted_by", "restricting"))
        out[str(d["iso3"])] = None if name == "all" else frozenset(group(name))
    return out


def military_goods() -> tuple[str, ...]:
    """HS prefixes of goods whose covert supply has reasons whatever the destination (arms).

    >>> military_goods()[:2]
    ('93', '3601')
    """
    codes = tuple(str(c) for c in _hubs().get("military_goods") or ())
    if any(not c.isdigit() or len(c) not in (2, 4, 6) for c in codes):
        raise ConfigError("detour/data/hubs.yaml: 'military_goods' needs HS prefixes of 2, 4 or 6 digits")
    return codes


def group(name: str) -> tuple[str, ...]:
    """A named group of countries (``coalition``) as ISO3 codes."""
    groups = _hubs().get("groups") or {}
    if name not in groups:
        raise ConfigError(f"unknown country group {name!r}", hint=f"use one of: {', '.join(sorted(groups))}")
    return tuple(str(c) for c in groups[name])


@dataclass(frozen=True)
class Rule:
    name: str
    label: str
    components: tuple[str, ...]  # 4-digit headings
    products: tuple[str, ...]


@functools.cache
def transformation_rules() -> tuple[Rule, ...]:
    doc = _load("transformations.yaml")
    rules = []
    for i, r in enumerate((doc or {}).get("rules") or ()):
        comp = tuple(str(c) for c in r.get("components") or ())
        prod = tuple(str(c) for c in r.get("products") or ())
        if not comp or not prod or any(len(c) != 4 or not c.isdigit() for c in comp + prod):
            raise ConfigError(
                f"detour/data/transformations.yaml: rule {i + 1} needs 4-digit 'components' "
                "and 'products' headings"
            )
        rules.append(Rule(str(r.get("name", f"rule{i + 1}")), str(r.get("label", "")), comp, prod))
    if not rules:
        raise ConfigError("detour/data/transformations.yaml: no rules")
    return tuple(rules)
