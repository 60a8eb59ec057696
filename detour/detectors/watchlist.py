"""Watch-lists: sets of HS prefixes (chapter, heading or subheading), declared in YAML.

A bundled list is named (``default``, ``arms``, ``chpl``); anything ending in ``.yaml`` is a
path. A list may ``include`` other bundled lists. Matching is by prefix: ``93`` watches every
code of chapter 93, ``8542`` every integrated circuit, ``854231`` only processors.

>>> wl = load_watchlist("arms")
>>> wl.matches("930690"), wl.matches("870899"), wl.matches("871000")
(True, False, True)
>>> load_watchlist("default").matches("854231"), "8542" in load_watchlist("default").codes
(True, True)
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import yaml

from detour.errors import ConfigError

BUNDLED = ("default", "arms", "chpl")
ALL = "all"  # every chapter: detection over all products


@dataclass(frozen=True)
class Watchlist:
    name: str
    title: str
    codes: tuple[str, ...]  # sorted, de-duplicated HS prefixes
    labels: dict[str, str] = field(default_factory=dict, compare=False)

    def matches(self, hs: str) -> bool:
        return any(hs.startswith(c) for c in self.codes)

    @property
    def chapters(self) -> tuple[str, ...]:
        return tuple(sorted({c[:2] for c in self.codes}))

    def predicate(self, hs: ir.StringValue) -> ir.BooleanValue:
        """Ibis filter on an HS6 column: ``LIKE 'prefix%'`` per prefix, ``IN`` for full codes.

        Why LIKE: engines turn it into a prefix test on the raw string; ``substr(..) IN (..)``
        compiles to a per-row CASE expression that made the 190M-row scan 15x slower on DuckDB.
        """
        full = sorted(c for c in self.codes if len(c) == 6)
        preds = [hs.like(f"{c}%") for c in self.codes if len(c) < 6] + ([hs.isin(full)] if full else [])
        return functools.reduce(lambda a, b: a | b, preds)

    def chapter_predicate(self, hs: ir.StringValue) -> ir.BooleanValue:
        """Ibis filter: any code in a chapter this list touches."""
        return functools.reduce(lambda a, b: a | b, [hs.like(f"{c}%") for c in self.chapters])

    def union(self, other: Watchlist | tuple[str, ...], name: str | None = None) -> Watchlist:
        codes = other.codes if isinstance(other, Watchlist) else other
        labels = {**self.labels, **(other.labels if isinstance(other, Watchlist) else {})}
        return Watchlist(name or self.name, self.title, _minimal(self.codes + tuple(codes)), labels)


def _minimal(codes: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Drop codes already covered by a shorter prefix in the list."""
    out: list[str] = []
    for c in sorted(set(codes), key=lambda c: (len(c), c)):
        if not any(c.startswith(p) for p in out):
            out.append(c)
    return tuple(sorted(out))


def _check_code(code: Any, origin: str) -> str:
    text = str(code).replace(".", "").strip()
    if not text.isdigit() or len(text) not in (2, 4, 6):
        raise ConfigError(
            f"{origin}: HS code {code!r} must be 2, 4 or 6 digits",
            hint='write codes as quoted strings, e.g. "8542" or "854231"',
        )
    return text


def _parse(doc: Any, origin: str, seen: tuple[str, ...]) -> Watchlist:
    if not isinstance(doc, dict) or not doc.get("name"):
        raise ConfigError(f"{origin}: a watch-list needs a 'name' and a 'codes' list")
    codes: list[str] = []
    labels: dict[str, str] = {}
    for inc in doc.get("include") or ():
        if inc in seen:
            raise ConfigError(f"{origin}: watch-list include cycle through {inc!r}")
        sub = _bundled(str(inc), seen + (str(doc["name"]),))
        codes += sub.codes
        labels.update(sub.labels)
    for entry in doc.get("codes") or ():
        code = _check_code(entry.get("code") if isinstance(entry, dict) else entry, origin)
        codes.append(code)
        if isinstance(entry, dict) and entry.get("label"):
            labels[code] = str(entry["label"])
    if not codes:
        raise ConfigError(f"{origin}: watch-list {doc['name']!r} has no codes")
    return Watchlist(str(doc["name"]), str(doc.get("title", doc["name"])), _minimal(codes), labels)


@functools.cache
def _bundled(name: str, seen: tuple[str, ...] = ()) -> Watchlist:
    if name not in BUNDLED:
        raise ConfigError(
            f"unknown watch-list {name!r}",
            hint=f"use one of {', '.join(BUNDLED + (ALL,))} or a path to a .yaml file",
        )
    text = resources.files("detour.data.watchlists").joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    return _parse(yaml.safe_load(text), f"detour/data/watchlists/{name}.yaml", seen)


def all_products() -> Watchlist:
    return Watchlist(ALL, "All products", tuple(f"{c:02d}" for c in range(1, 100)))


def load_watchlist(name_or_path: str | Path | Watchlist) -> Watchlist:
    """A bundled list by name, ``all``, or a YAML file."""
    if isinstance(name_or_path, Watchlist):
        return name_or_path
    text = str(name_or_path)
    if text == ALL:
        return all_products()
    if text.endswith((".yaml", ".yml")):
        path = Path(text)
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read watch-list {path}: {exc.strerror}") from exc
        return _parse(doc, str(path), ())
    return _bundled(text)


def load_watchlists(names: Sequence[str | Path | Watchlist] | None) -> Watchlist:
    """The union of several lists (``--watchlist arms --watchlist chpl``); ``default`` if none."""
    lists = [load_watchlist(n) for n in (names or ["default"])]
    out = lists[0]
    for wl in lists[1:]:
        out = out.union(wl, name=f"{out.name}+{wl.name}")
    return out
