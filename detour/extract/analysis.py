"""Value types of one analysed document: cue hits, item hits, mentions, with token indexes.

Rules look hits up by token position many times per sentence, so ``Analysis`` indexes them
once (by start, end and covered token) to keep extraction linear in the text length.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TypeVar

from spacy.tokens import Doc

from detour.extract.gazetteer import Agency
from detour.extract.items import ItemSense
from detour.model.claim import Party

T = TypeVar("T", bound="Mention")


@dataclass(frozen=True)
class Hit:
    """A cue phrase at tokens [start, end) with its labels ("trigger:forward", ...)."""

    start: int
    end: int
    labels: frozenset[str]
    text: str

    def has(self, prefix: str) -> bool:
        return any(label.startswith(prefix) for label in self.labels)

    def label(self, prefix: str) -> str | None:
        return next((lab for lab in sorted(self.labels) if lab.startswith(prefix)), None)


@dataclass(frozen=True)
class ItemHit:
    start: int
    end: int
    text: str
    sense: ItemSense


@dataclass(frozen=True)
class Analysis:
    """A document with its cue and item matches, indexed by token for the rules."""

    doc: Doc
    hits: tuple[Hit, ...]  # sorted by start
    items: tuple[ItemHit, ...]  # sorted by start
    text: str

    def hits_in(self, start: int, end: int) -> tuple[Hit, ...]:
        """Hits starting in tokens [start, end)."""
        return self.hits[bisect_left(self._starts, start) : bisect_left(self._starts, end)]

    def items_in(self, start: int, end: int) -> tuple[ItemHit, ...]:
        return self.items[bisect_left(self._item_list, start) : bisect_left(self._item_list, end)]

    @cached_property
    def _item_list(self) -> list[int]:
        return [it.start for it in self.items]

    def starting(self, i: int) -> list[Hit]:
        return self._index[0].get(i, [])

    def ending(self, j: int) -> list[Hit]:
        return self._index[1].get(j, [])

    def covering(self, i: int) -> list[Hit]:
        return self._index[2].get(i, [])

    @cached_property
    def _starts(self) -> list[int]:
        return [h.start for h in self.hits]

    @cached_property
    def _index(self) -> tuple[dict[int, list[Hit]], dict[int, list[Hit]], dict[int, list[Hit]]]:
        by_start: dict[int, list[Hit]] = {}
        by_end: dict[int, list[Hit]] = {}
        covering: dict[int, list[Hit]] = {}
        for h in self.hits:
            by_start.setdefault(h.start, []).append(h)
            by_end.setdefault(h.end, []).append(h)
            for k in range(h.start, h.end):
                covering.setdefault(k, []).append(h)
        return by_start, by_end, covering

    @cached_property
    def item_tokens(self) -> frozenset[int]:
        return frozenset(k for it in self.items for k in range(it.start, it.end))

    @cached_property
    def item_starts(self) -> frozenset[int]:
        return frozenset(it.start for it in self.items)


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    party: Party
    role_ok: bool = False  # may be supplier, recipient or via
    speaker_ok: bool = False  # may be the claimant
    origin: bool = False  # adjective on goods: the supplier unless a preposition says otherwise
    agency: Agency | None = None
    title: str | None = None  # title written next to a person
    pair: tuple[str, str] | None = None  # (name, acronym) as written: "Federal Security Service (SVR)"
    hint: str | None = None  # ISO3 of a country written in front of it
    press: str | None = None  # "press bureau" after an agency


def noun_after(a: Analysis, j: int) -> Hit | None:
    """A party noun starting at ``j`` or after up to three lower-case modifiers ("state-owned")."""
    doc = a.doc
    for k in range(j, min(j + 4, len(doc))):
        hit = next(
            (
                h
                for h in a.starting(k)
                if h.has("noun:") and not h.has("noun:anaphor") and not h.has("noun:topic")
            ),
            None,
        )
        if hit is not None:
            return hit
        t = doc[k]
        if not (t.is_lower or t.text == "-") or any(h.has("trigger") or h.has("role") for h in a.covering(k)):
            return None
    return None


def within(mentions: Sequence[T], start: int, end: int) -> Sequence[T]:
    """Mentions (sorted by start) that start in tokens [start, end)."""

    def key(m: T) -> int:
        return m.start

    return mentions[bisect_left(mentions, start, key=key) : bisect_left(mentions, end, key=key)]
