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

from dataclasses import dataclass, replace

from spacy.tokens import Span

from detour.extract.agencies import resolve_agency
from detour.extract.gazetteer import Agency, gazetteer
from detour.extract.pipeline import Analysis, Hit
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
state secretary; prosecutor
""".split(";")
)
_COORD = {"and", ",", "or", "&"}
# "Serbian President" + a person, "Serbian daily" + an outlet, "Serbian company" + a company
_ABSORB = {"person": ("PERSON",), "government": ("PERSON",), "outlet": ("OUTLET",), "company": ("COMPANY",)}


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


def _country_party(iso3: str) -> Party:
    return Party(gazetteer().countries[iso3].name, iso3, "country")


def _adjective(iso3: str, written: Span | None = None) -> str:
    """The adjective for a composite name: as written when it is one ("Serbian", "U.S."),
    else the gazetteer's ("Serbia's" -> "Serbian")."""
    if written is not None and (written.label_ == "NORP" or written.text.isupper() or "." in written.text):
        return written.text
    c = gazetteer().countries[iso3]
    return c.adjectives[0] if c.adjectives else c.name


def _noun_after(a: Analysis, j: int) -> Hit | None:
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
        m, i = _named(a, ents, i, start, iso)
        out.append(replace(m, title=m.title or title))
    return out


def _country_words(a: Analysis, group: list[Span], j: int) -> list[Mention]:
    doc = a.doc
    noun = _noun_after(a, j)
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
            any(it.start == end for it in a.items)
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


def _named(a: Analysis, ents: list[Span], i: int, start: int, hint: str | None) -> tuple[Mention, int]:
    """An agency, person, title, outlet or company entity, with what it absorbs; next index."""
    g, doc, e = gazetteer(), a.doc, ents[i]
    nxt = ents[i + 1] if i + 1 < len(ents) else None
    if e.label_ == "COMPANY":
        o = g.companies[e.ent_id_]
        origin = any(it.start == e.end for it in a.items)  # "Rheinmetall ammunition"
        return Mention(
            start, e.end, Party(o.name, o.country or hint, "company"), role_ok=True, hint=hint, origin=origin
        ), i + 1
    if e.label_ == "OUTLET":
        o = g.outlets[e.ent_id_]
        return Mention(
            start, e.end, Party(o.name, o.country or hint, "outlet"), speaker_ok=True, hint=hint
        ), i + 1
    if e.label_ in ("PERSON", "TITLE"):
        if (
            e.label_ == "TITLE"
            and nxt is not None
            and nxt.label_ == "PERSON"
            and all(t.text == "," for t in doc[e.end : nxt.start])
        ):
            p = g.persons[nxt.ent_id_]
            return Mention(
                start, nxt.end, Party(p.name, p.country, "person"), speaker_ok=True, title=e.text, hint=hint
            ), i + 2
        if e.label_ == "TITLE":
            return Mention(
                start,
                e.end,
                Party(e.ent_id_, g.titles.get(e.ent_id_) or hint, "person"),
                speaker_ok=True,
                title=e.text,
                hint=hint,
            ), i + 1
        p = g.persons[e.ent_id_]
        return Mention(start, e.end, Party(p.name, p.country, "person"), speaker_ok=True, hint=hint), i + 1
    return _agency(a, ents, i, start, hint)


def _agency(a: Analysis, ents: list[Span], i: int, start: int, hint: str | None) -> tuple[Mention, int]:
    g, doc, e = gazetteer(), a.doc, ents[i]
    end, nxt_i = e.end, i + 1
    written = [e]
    nxt = ents[i + 1] if i + 1 < len(ents) else None
    if (
        nxt is not None
        and nxt.label_ == "AGENCY"
        and end < len(doc)
        and doc[end].text == "("
        and nxt.start == end + 1
        and nxt.end < len(doc)
        and doc[nxt.end].text == ")"
    ):
        written.append(nxt)
        end, nxt_i = nxt.end + 1, i + 2
    names = [w.text for w in written if w.ent_id_.startswith("name:")]
    acronyms = [w.text for w in written if not w.ent_id_.startswith("name:")]
    pair = (names[0], acronyms[0]) if names and acronyms else None
    chosen = resolve_agency(names, acronyms, hint, doc.text)
    if chosen is None:
        party = Party(names[0] if names else acronyms[0], hint, "agency")
    else:
        party = Party(chosen.label, chosen.country, chosen.kind)
    press = next((h.text for h in a.hits if h.start == end and h.has("channel:")), None)
    m = Mention(start, end, party, speaker_ok=True, agency=chosen, pair=pair, hint=hint, press=press)
    follow = ents[nxt_i] if nxt_i < len(ents) else None
    noun = _noun_after(a, end)
    if follow is not None and follow.label_ == "PERSON" and noun is not None and noun.end == follow.start:
        p = g.persons[follow.ent_id_]  # "SVR director Sergei Naryshkin"
        return replace(
            m, end=follow.end, party=Party(p.name, p.country, "person"), title=f"{party.name} {noun.text}"
        ), nxt_i + 1
    return m, nxt_i
