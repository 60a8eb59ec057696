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

from functools import cache

import spacy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from detour.extract.analysis import Analysis, Hit, ItemHit
from detour.extract.cues import cues
from detour.extract.gazetteer import gazetteer
from detour.extract.items import CALIBRE_NOUNS, calibre_item, calibre_value, lexicon
from detour.extract.normalise import normalise_quotes, spellings


@Language.component("paragraphs")
def _paragraphs(doc: Doc) -> Doc:
    text = doc.text  # rebuilt on every access
    # Token.is_sent_start's setter rescans the document; set every boundary in one array instead.
    starts = doc.to_array([SENT_START])
    changed = False
    for i, tok in enumerate(doc[:-1]):
        if not tok.is_space or "\n" not in tok.text:
            continue
        prev = doc[i - 1] if i else None
        line_start = text.rfind("\n", 0, tok.idx) + 1
        short_line = tok.idx - line_start < 60
        if "\n\n" in tok.text or prev is None or short_line or prev.text in {".", "!", "?", '"', "”"}:
            starts[i + 1] = 1
            changed = True
    if changed:
        doc.from_array([SENT_START], starts)  # type: ignore[arg-type]  # spaCy's stubs want Ints2d
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
    # spaCy caps text length for parser/NER memory; there is neither here and read_article
    # enforces DETOUR_MAX_TEXT_BYTES, so only guard against absurd inputs.
    pipe.max_length = 50_000_000
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
    by_start: dict[int, list[Hit]] = {}
    for h in hits:
        by_start.setdefault(h.start, []).append(h)
    keep = []
    for h in hits:
        groups = {lab.split(":")[0] for lab in h.labels}
        # cues are at most a few tokens long, so a container starts shortly before h
        nearby = [o for s in range(h.start - 8, h.start + 1) for o in by_start.get(s, [])]
        inside = any(
            o.start <= h.start
            and h.end <= o.end
            and (o.end - o.start) > (h.end - h.start)
            and groups & {lab.split(":")[0] for lab in o.labels}
            for o in nearby
        )
        if not inside:
            keep.append(h)
    return keep


def analyse(text: str) -> Analysis:
    """Tokens, sentences, entities and cue/item matches for ``text`` (offsets stay valid)."""
    doc = nlp()(normalise_quotes(text))
    cue_m, item_m, cal = _matchers()
    labels = cues().labels
    in_entity = [False] * (len(doc) + 1)
    for ent in doc.ents:
        for k in range(ent.start, ent.end):
            in_entity[k] = True

    def in_ent(s: int, e: int) -> bool:
        return all(in_entity[k] for k in range(s, e))

    hits = [
        Hit(s, e, labels[doc.vocab.strings[k]], doc[s:e].text) for k, s, e in cue_m(doc) if not in_ent(s, e)
    ]
    hits = _longest_per_group(hits)
    blocked: dict[int, int] = {}  # token -> length of the longest party phrase covering it
    for h in hits:
        if h.has("noun:company") or h.has("modality:front"):
            for k in range(h.start, h.end):
                blocked[k] = max(blocked.get(k, 0), h.end - h.start)
    items: list[ItemHit] = []
    for _, s, e in cal(doc):
        mm = calibre_value(doc[s].text)
        if mm is not None and any(
            t.lower_ in ("mm", "millimetre", "millimeter") or t.lower_.endswith("mm") for t in doc[s:e]
        ):
            items.append(ItemHit(s, e, doc[s:e].text, calibre_item(mm)))
    for k, s, e in item_m(doc):
        # "arms makers" and "shell companies" are parties, not goods
        beaten = any(blocked.get(k, 0) >= (e - s) for k in range(s, e))
        if not beaten and not in_ent(s, e):
            items.append(ItemHit(s, e, doc[s:e].text, lexicon()[doc.vocab.strings[k]]))
    items = _longest_items(items)
    return Analysis(doc, tuple(sorted(hits, key=lambda h: (h.start, h.end))), tuple(items), doc.text)


def _longest_items(items: list[ItemHit]) -> list[ItemHit]:
    """Non-overlapping item matches, longest first."""
    items.sort(key=lambda i: (-(i.end - i.start), i.start))
    taken: list[ItemHit] = []
    used: set[int] = set()
    for it in items:
        span = range(it.start, it.end)
        if not used.intersection(span):
            taken.append(it)
            used.update(span)
    return sorted(taken, key=lambda i: i.start)
