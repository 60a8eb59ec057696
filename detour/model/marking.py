"""Markings: who may read and who may change a piece of material.

A *ladder* is a totally ordered list of levels, declared in a YAML file under
``detour/data/markings/``: TLP 2.0 (the default) or a clearance ladder such as
UNCLASSIFIED < RESTRICTED < CONFIDENTIAL < SECRET < TOP SECRET. A user's clearance and
an object's markings are levels on the same ladder; comparing levels from two ladders is
a programming error (``TypeError``), never a silent ``False``.

Objects carry two markings because analysts asked for them separately: ``read`` limits
who sees the object, ``write`` limits who may change it. A writer must be able to read,
so ``write`` is never below ``read``.

>>> tlp = get_ladder("tlp")
>>> tlp.level("amber") < tlp.level("RED"), tlp.level("TLP:WHITE").name
(True, 'CLEAR')
>>> Marking.of("tlp", "green").to_dict()
{'ladder': 'tlp', 'read': 'GREEN', 'write': 'GREEN'}
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from detour.errors import ConfigError

LADDERS = ("tlp", "classification")
DEFAULT_LADDER = "tlp"


@dataclass(frozen=True)
class Level:
    """One rung of a ladder. Ordered by ``rank`` (0 = least restrictive)."""

    ladder: str
    name: str
    rank: int
    description: str = ""
    stix_id: str | None = None  # published marking-definition id, when the ladder has one

    def _check(self, other: object) -> Level:
        if not isinstance(other, Level) or other.ladder != self.ladder:
            raise TypeError(f"cannot compare {self} with {other!r}: different marking ladders")
        return other

    def __lt__(self, other: object) -> bool:
        return self.rank < self._check(other).rank

    def __le__(self, other: object) -> bool:
        return self.rank <= self._check(other).rank

    def __gt__(self, other: object) -> bool:
        return self.rank > self._check(other).rank

    def __ge__(self, other: object) -> bool:
        return self.rank >= self._check(other).rank

    def __str__(self) -> str:
        return f"{self.ladder}:{self.name}"


@dataclass(frozen=True)
class Ladder:
    """An ordered set of levels, lowest first, with aliases accepted on input."""

    name: str
    title: str
    kind: str  # "tlp" exports the official TLP 2.0 definitions; "statement" mints statements
    levels: tuple[Level, ...]
    aliases: tuple[tuple[str, str], ...] = ()  # (ALIAS, canonical name), upper-cased

    def level(self, name: str | Level) -> Level:
        """The level called ``name`` (case-insensitive, aliases allowed)."""
        if isinstance(name, Level):
            if name.ladder != self.name:
                raise ConfigError(f"marking {name} is not on the {self.name!r} ladder")
            return name
        key = " ".join(str(name).strip().upper().split())
        key = dict(self.aliases).get(key, key)
        for lvl in self.levels:
            if lvl.name == key:
                return lvl
        names = ", ".join(lvl.name for lvl in self.levels)
        raise ConfigError(f"unknown {self.name} marking {name!r}", hint=f"use one of: {names}")

    @property
    def lowest(self) -> Level:
        return self.levels[0]

    @property
    def highest(self) -> Level:
        return self.levels[-1]

    def names(self) -> tuple[str, ...]:
        return tuple(lvl.name for lvl in self.levels)


@dataclass(frozen=True)
class Marking:
    """Separate read and write markings on one object."""

    read: Level
    write: Level

    def __post_init__(self) -> None:
        if self.read.ladder != self.write.ladder:
            raise ConfigError(f"read marking {self.read} and write marking {self.write} differ in ladder")
        if self.write < self.read:
            raise ConfigError(
                f"write marking {self.write.name} is below read marking {self.read.name}",
                hint="a writer must be able to read: make the write marking at least the read marking",
            )

    @property
    def ladder(self) -> str:
        return self.read.ladder

    @classmethod
    def of(cls, ladder: str | Ladder, read: str | Level, write: str | Level | None = None) -> Marking:
        lad = get_ladder(ladder) if isinstance(ladder, str) else ladder
        r = lad.level(read)
        return cls(r, lad.level(write) if write is not None else r)

    def to_dict(self) -> dict[str, Any]:
        return {"ladder": self.ladder, "read": self.read.name, "write": self.write.name}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Marking:
        return cls.of(d.get("ladder", DEFAULT_LADDER), d["read"], d.get("write"))


def _parse(doc: Any, origin: str) -> Ladder:
    if not isinstance(doc, dict) or not doc.get("name") or not doc.get("levels"):
        raise ConfigError(f"{origin}: a marking ladder needs 'name' and a non-empty 'levels' list")
    name = str(doc["name"])
    levels: list[Level] = []
    aliases: dict[str, str] = {}
    for rank, entry in enumerate(doc["levels"]):
        if not isinstance(entry, dict) or not entry.get("name"):
            raise ConfigError(f"{origin}: level {rank + 1} has no 'name'")
        canon = " ".join(str(entry["name"]).upper().split())
        if canon in {lvl.name for lvl in levels} or canon in aliases:
            raise ConfigError(f"{origin}: level {canon!r} is declared twice")
        levels.append(Level(name, canon, rank, str(entry.get("description", "")), entry.get("stix_id")))
        for alias in entry.get("aliases") or ():
            aliases[" ".join(str(alias).upper().split())] = canon
    kind = str(doc.get("kind", "statement"))
    if kind == "tlp" and any(lvl.stix_id is None for lvl in levels):
        raise ConfigError(f"{origin}: every level of a 'tlp' ladder needs its published 'stix_id'")
    return Ladder(name, str(doc.get("title", name)), kind, tuple(levels), tuple(sorted(aliases.items())))


# Site ladders read from disk, by name, so ``Marking.from_dict`` can find them again.
_site_ladders: dict[str, Ladder] = {}


def load_ladder(path: str | Path) -> Ladder:
    """Read a site-specific ladder from a YAML file and register it under its ``name``."""
    p = Path(path)
    try:
        ladder = _parse(yaml.safe_load(p.read_text(encoding="utf-8")), str(p))
    except OSError as exc:
        raise ConfigError(f"cannot read marking ladder {p}: {exc.strerror}") from exc
    if ladder.name in LADDERS:
        raise ConfigError(f"{p}: ladder name {ladder.name!r} is taken by a bundled ladder; rename it")
    _site_ladders[ladder.name] = ladder
    return ladder


def get_ladder(name: str = DEFAULT_LADDER) -> Ladder:
    """A bundled ladder (``tlp``, ``classification``), a loaded site ladder, or a YAML path."""
    if name.endswith((".yaml", ".yml")):
        return load_ladder(name)
    if name in _site_ladders:
        return _site_ladders[name]
    if name not in LADDERS:
        hint = f"use one of {', '.join(LADDERS)} or a .yaml path"
        raise ConfigError(f"unknown marking ladder {name!r}", hint=hint)
    return _bundled(name)


@functools.cache
def _bundled(name: str) -> Ladder:
    text = resources.files("detour.data.markings").joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    return _parse(yaml.safe_load(text), f"detour/data/markings/{name}.yaml")
