"""The spaCy pipeline: blank English tokenizer, sentences, gazetteer entities and cue matches.

``spacy.blank("en")`` has no trained components, so everything here is rules:

1. ``sentencizer`` plus ``paragraphs``: a blank line always ends a sentence; a single line
   break ends one after a short line (headline, dateline) or sentence-final punctuation.
2. ``entity_ruler`` built from the gazetteers (labels COUNTRY, NORP, CAPITAL, AGENCY, COMPANY,
   OUTLET, PERSON, TITLE; the entity id is the gazetteer key).
3. PhraseMatchers (case-insensitive) for cue words and for the item lexicon, and a Matcher for
   calibres ("155mm shells").

>>> a = analyse("Belgrade denied that Serbian firms sold 155mm shells to Kyiv.")
>>> [(e.text, e.label_, e.ent_id_) for e in a.doc.ents]
[('Belgrade', 'CAPITAL', 'SRB'), ('Serbian', 'NORP', 'SRB'), ('Kyiv', 'CAPITAL', 'UKR')]
>>> [(h.text, h.sense.hs) for h in a.items]
[('155mm shells', ('930690',))]
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import spacy
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from detour.extract.cues import cues
from detour.extract.gazetteer import Agency, gazetteer
from detour.extract.items import CALIBRE_NOUNS, ItemSense, calibre_item, calibre_value, lexicon
from detour.extract.normalise import normalise_quotes, spellings
from detour.model.claim import Party


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
    doc: Doc
    hits: tuple[Hit, ...]
    items: tuple[ItemHit, ...]


@Language.component("paragraphs")
def _paragraphs(doc: Doc) -> Doc:
    for i, tok in enumerate(doc[:-1]):
        if not tok.is_space or "\n" not in tok.text:
            continue
        prev = doc[i - 1] if i else None
        line_start = doc.text.rfind("\n", 0, tok.idx) + 1
        short_line = tok.idx - line_start < 60
        if "\n\n" in tok.text or prev is None or short_line or prev.text in {".", "!", "?", '"', "”"}:
            doc[i + 1].is_sent_start = True
    return doc


def _entity_patterns(nlp: Language) -> list[dict[str, object]]:
    g = gazetteer()
    pats: list[dict[str, object]] = []

    def add(label: str, texts: set[str] | tuple[str, ...], key: str) -> None:
        for text in texts:
            for form in spellings(text):
                pats.append({"label": label, "pattern": form, "id": key})

    for c in g.countries.values():
        add("COUNTRY", c.names, c.iso3)
        add("NORP", c.adjectives, c.iso3)
        add("CAPITAL", c.capitals, c.iso3)
    for a in g.agencies.values():
        add("AGENCY", a.acronyms, a.id)
        for name in a.names:  # names may be shared; resolved from context in mentions.py
            add("AGENCY", (name,), "name:" + name)
    for o in g.companies.values():
        add("COMPANY", (o.name, *o.aliases), o.name)
    for o in g.outlets.values():
        add("OUTLET", (o.name, *o.aliases), o.name)
    for p in g.persons.values():
        add("PERSON", (p.name, *p.aliases), p.name)
    for title in g.titles:
        pats.append({"label": "TITLE", "pattern": [{"LOWER": w} for w in title.lower().split()], "id": title})
    return pats


@cache
def nlp() -> Language:
    pipe = spacy.blank("en")
    pipe.add_pipe("sentencizer")
    pipe.add_pipe("paragraphs")
    ruler = pipe.add_pipe("entity_ruler")
    ruler.add_patterns(_entity_patterns(pipe))  # type: ignore[attr-defined]
    return pipe


@cache
def _matchers() -> tuple[PhraseMatcher, PhraseMatcher, Matcher]:
    pipe = nlp()
    cue_m = PhraseMatcher(pipe.vocab, attr="LOWER")
    for phrase in cues().labels:
        cue_m.add(phrase, [pipe.make_doc(phrase)])
    item_m = PhraseMatcher(pipe.vocab, attr="LOWER")
    for phrase in lexicon():
        item_m.add(phrase, [pipe.make_doc(phrase)])
    cal = Matcher(pipe.vocab)
    cal.add(
        "CALIBRE",
        [
            [
                {"TEXT": {"REGEX": r"^\d{1,3}(\.\d{1,2})?(mm)?$"}},
                {"ORTH": "-", "OP": "?"},
                {"LOWER": {"IN": ["mm", "millimetre", "millimeter"]}, "OP": "?"},
                {
                    "LOWER": {
                        "IN": ["artillery", "calibre", "caliber", "tank", "mortar", "howitzer", "cannon"]
                    },
                    "OP": "*",
                },
                {"LOWER": {"IN": list(CALIBRE_NOUNS)}},
            ]
        ],
        greedy="LONGEST",
    )
    return cue_m, item_m, cal


def _longest_per_group(hits: list[Hit]) -> list[Hit]:
    """Drop a cue contained in a longer cue of the same group ("likely" in "very likely")."""
    keep = []
    for h in hits:
        groups = {lab.split(":")[0] for lab in h.labels}
        inside = any(
            o is not h
            and o.start <= h.start
            and h.end <= o.end
            and (o.end - o.start) > (h.end - h.start)
            and groups & {lab.split(":")[0] for lab in o.labels}
            for o in hits
        )
        if not inside:
            keep.append(h)
    return keep


def analyse(text: str) -> Analysis:
    """Tokens, sentences, entities and cue/item matches for ``text`` (offsets stay valid)."""
    doc = nlp()(normalise_quotes(text))
    cue_m, item_m, cal = _matchers()
    labels = cues().labels
    ents = [(e.start, e.end) for e in doc.ents]

    def in_ent(s: int, e: int) -> bool:
        return any(a <= s and e <= b for a, b in ents)

    hits = [
        Hit(s, e, labels[doc.vocab.strings[k]], doc[s:e].text) for k, s, e in cue_m(doc) if not in_ent(s, e)
    ]
    hits = _longest_per_group(hits)
    blockers = [(h.start, h.end) for h in hits if h.has("noun:company") or h.has("modality:front")]
    items: list[ItemHit] = []
    for _, s, e in cal(doc):
        mm = calibre_value(doc[s].text)
        if mm is not None and any(
            t.lower_ in ("mm", "millimetre", "millimeter") or t.lower_.endswith("mm") for t in doc[s:e]
        ):
            items.append(ItemHit(s, e, doc[s:e].text, calibre_item(mm)))
    for k, s, e in item_m(doc):
        # "arms makers" and "shell companies" are parties, not goods
        beaten = any(s < b and a < e and (b - a) >= (e - s) for a, b in blockers)
        if not beaten and not in_ent(s, e):
            items.append(ItemHit(s, e, doc[s:e].text, lexicon()[doc.vocab.strings[k]]))
    items = _longest_items(items)
    return Analysis(doc, tuple(sorted(hits, key=lambda h: (h.start, h.end))), tuple(items))


def _longest_items(items: list[ItemHit]) -> list[ItemHit]:
    items.sort(key=lambda i: (-(i.end - i.start), i.start))
    taken: list[ItemHit] = []
    for it in items:
        if not any(it.start < t.end and t.start < it.end for t in taken):
            taken.append(it)
    return sorted(taken, key=lambda i: i.start)


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
                for h in a.hits
                if h.start == k and h.has("noun:") and not h.has("noun:anaphor") and not h.has("noun:topic")
            ),
            None,
        )
        if hit is not None:
            return hit
        t = doc[k]
        if not (t.is_lower or t.text == "-") or any(
            h.start <= k < h.end and (h.has("trigger") or h.has("role")) for h in a.hits
        ):
            return None
    return None
