"""Mentions: gazetteer entities merged with the words around them into parties.

Rules, applied left to right over the entities of a document:

- a country, capital or adjective in front of an agency, person, title, outlet or company is
  absorbed into it ("Russia's SVR", "Serbian President Aleksandar Vučić");
- adjectives + a noun cue make a party: "Serbian firms" (company), "Czech and Bulgarian
  plants" (two companies), "Ukrainian forces" (the country), "Serbian officials" (a speaker),
  "a Bulgarian news site" (an outlet);
- an adjective directly on goods ("Serbian shells", "Serbian-made rounds") marks the origin;
- "Name (ACRONYM)" is one agency mention; the pair is kept for the consistency check.

>>> from detour.extract.pipeline import analyse
>>> [(m.party.name, m.party.kind) for m in find_mentions(analyse("Czech and Bulgarian plants"))]
[('Czech plants', 'company'), ('Bulgarian plants', 'company')]
"""

from __future__ import annotations

from dataclasses import replace

from spacy.tokens import Span

from detour.extract.analysis import Analysis, Mention, noun_after
from detour.extract.gazetteer import gazetteer
from detour.extract.named import named_mention
from detour.model.claim import Party

_ORIGIN_WORDS = {"made", "produced", "manufactured", "built", "origin"}
_AGENCY_NOUNS = frozenset(
    w.strip()
    for w in """
intelligence; intelligence services; intelligence service; security services; security service;
counterintelligence; counter-intelligence
""".split(";")
)
_PERSON_NOUNS = frozenset(
    w.strip()
    for w in """
president; prime minister; foreign minister; defence minister; defense minister; interior minister;
trade minister; minister; spokesperson; spokesman; spokeswoman; ambassador; leader; diplomat; envoy;
state secretary; prosecutor; commander; commanders; officer; officers; soldier
""".split(";")
)
_COORD = {"and", ",", "or", "&"}
# "Serbian President" + a person, "Serbian daily" + an outlet, "Serbian company" + a company
_ABSORB = {"person": ("PERSON",), "government": ("PERSON",), "outlet": ("OUTLET",), "company": ("COMPANY",)}


def _country_party(iso3: str) -> Party:
    return Party(gazetteer().countries[iso3].name, iso3, "country")


def _adjective(iso3: str, written: Span | None = None) -> str:
    """The adjective for a composite name: as written when it is one ("Serbian", "U.S."),
    else the gazetteer's ("Serbia's" -> "Serbian")."""
    if written is not None and (written.label_ == "NORP" or written.text.isupper() or "." in written.text):
        return written.text
    c = gazetteer().countries[iso3]
    return c.adjectives[0] if c.adjectives else c.name


def find_mentions(a: Analysis) -> list[Mention]:
    doc, ents = a.doc, list(a.doc.ents)
    out: list[Mention] = []
    hint: tuple[int, str, str | None] | None = None  # (start, iso3, title) of absorbed words
    i = 0
    while i < len(ents):
        e = ents[i]
        nxt = ents[i + 1] if i + 1 < len(ents) else None
        if e.label_ in ("COUNTRY", "NORP", "CAPITAL"):
            j = e.end + (1 if e.end < len(doc) and doc[e.end].text in ("'s", "'") else 0)
            if (
                nxt is not None
                and nxt.start == j
                and nxt.label_ in ("AGENCY", "PERSON", "TITLE", "OUTLET", "COMPANY")
            ):
                hint = (e.start, e.ent_id_, None)
                i += 1
                continue
            group = [e]
            while (
                e.label_ == "NORP"
                and i + 1 < len(ents)
                and ents[i + 1].label_ == "NORP"
                and all(t.text.lower() in _COORD for t in doc[group[-1].end : ents[i + 1].start])
            ):
                i += 1
                group.append(ents[i])
                j = ents[i].end
            words = _country_words(a, group, j)
            i += 1
            follow = ents[i] if i < len(ents) else None
            if (
                len(words) == 1
                and follow is not None
                and follow.start == words[0].end
                and follow.label_ in _ABSORB.get(words[0].party.kind, ())
            ):
                hint = (e.start, e.ent_id_, words[0].title)  # "Serbian President Aleksandar Vučić"
                continue
            out.extend(words)
            continue
        start, iso, title = hint if hint else (e.start, None, None)
        hint = None
        m, i = named_mention(a, ents, i, start, iso)
        out.append(replace(m, title=m.title or title))
    return sorted(out, key=lambda m: (m.start, m.end))


def _country_words(a: Analysis, group: list[Span], j: int) -> list[Mention]:
    doc = a.doc
    noun = noun_after(a, j)
    end = group[-1].end
    out = []
    for e in group:
        iso = e.ent_id_
        if noun is not None:
            kind = noun.label("noun:") or ""
            words = noun.text
            if kind == "noun:military":
                out.append(Mention(e.start, noun.end, _country_party(iso), role_ok=True))
            elif kind == "noun:company":
                out.append(
                    Mention(
                        e.start,
                        noun.end,
                        Party(f"{_adjective(iso, e)} {words}", iso, "company"),
                        role_ok=True,
                    )
                )
            elif kind == "noun:outlet":
                out.append(
                    Mention(
                        e.start,
                        noun.end,
                        Party(f"{_adjective(iso, e)} {words}", iso, "outlet"),
                        speaker_ok=True,
                    )
                )
            else:
                pk = (
                    "agency"
                    if words.lower() in _AGENCY_NOUNS
                    else ("person" if words.lower() in _PERSON_NOUNS else "government")
                )
                out.append(
                    Mention(
                        e.start,
                        noun.end,
                        Party(f"{_adjective(iso, e)} {words}", iso, pk),
                        speaker_ok=True,
                        role_ok=pk == "government",
                        title=words,
                    )
                )
            continue
        after = doc[end : end + 2]
        origin = e.label_ == "NORP" and (
            end in a.item_starts
            or (len(after) == 2 and after[0].text == "-" and after[1].lower_ in _ORIGIN_WORDS)
            or (len(after) >= 1 and after[0].lower_ in _ORIGIN_WORDS)
        )
        out.append(
            Mention(
                e.start,
                e.end,
                _country_party(iso),
                role_ok=True,
                speaker_ok=e.label_ != "NORP",
                origin=origin,
            )
        )
    return out
