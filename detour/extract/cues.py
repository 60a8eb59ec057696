"""Cue words: triggers, role prepositions, speech verbs, hedges, modality and estimative terms.

Loaded once from ``detour/data/gazetteers/cues.yaml`` and ``estimative.yaml``. Each cue phrase
gets a label ``GROUP:NAME`` ("trigger:forward", "speech:deny", "hedge:reportedly",
"modality:covert", "noun:company", "est:likely (55-80%)") that the spaCy PhraseMatcher reports.

>>> c = cues()
>>> c.labels["re-exported"] >= {"trigger:transit", "modality:re-export"}
True
>>> estimative_label("very likely")
'very likely (80-95%)'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from detour.errors import ConfigError
from detour.extract.normalise import hyphen_variants

_GROUPS = ("triggers", "roles", "speech", "hedges", "modality", "nouns", "channel")
_PREFIX = {
    "triggers": "trigger",
    "roles": "role",
    "speech": "speech",
    "hedges": "hedge",
    "modality": "modality",
    "nouns": "noun",
    "channel": "channel",
}


@dataclass(frozen=True)
class Cues:
    labels: dict[str, frozenset[str]]  # lower-case phrase → labels
    negators: frozenset[str]
    estimative: dict[str, str]  # phrase → "likely (55-80%)"

    def phrases(self, label: str) -> set[str]:
        return {p for p, ls in self.labels.items() if label in ls}


def _load(name: str) -> object:
    text = resources.files("detour.data").joinpath("gazetteers", name).read_text(encoding="utf-8")
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"gazetteer {name} is not valid YAML: {exc}", "fix the file") from exc


@cache
def cues() -> Cues:
    raw = _load("cues.yaml")
    if not isinstance(raw, dict) or not set(_GROUPS) <= set(raw):
        raise ConfigError(
            f"cues.yaml must have the sections {', '.join(_GROUPS)}", "restore the missing section"
        )
    labels: dict[str, set[str]] = {}
    for group in _GROUPS:
        for name, phrases in raw[group].items():
            for phrase in phrases or ():
                for variant in hyphen_variants(str(phrase).lower()):
                    labels.setdefault(variant, set()).add(f"{_PREFIX[group]}:{name}")
    est = {}
    rows = _load("estimative.yaml")
    for row in rows if isinstance(rows, list) else ():
        est[row["phrase"].lower()] = _band(row["phrase"], str(row["band"]))
    for phrase, label in est.items():
        labels.setdefault(phrase, set()).add("est:" + label)
    return Cues({p: frozenset(ls) for p, ls in labels.items()}, frozenset(raw.get("negators") or ()), est)


def _band(phrase: str, band: str) -> str:
    return f"{phrase} ({band}%)" if band[0].isdigit() else f"{phrase} ({band})"


def estimative_label(phrase: str) -> str | None:
    """The hedge string for an estimative phrase, e.g. ``likely (55-80%)``."""
    return cues().estimative.get(phrase.lower())
