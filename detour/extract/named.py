"""Named entities as mentions: companies, outlets, persons, titles and agencies.

A country absorbed in front of the entity arrives as ``hint`` (its ISO3) and, for
composites like "Serbian President", a ``title``. Agencies may absorb a parenthesised
acronym ("Foreign Intelligence Service (SVR)") and a following "press bureau"; "SVR director
Sergei Naryshkin" becomes the person with that title.

>>> from detour.extract.pipeline import analyse
>>> a = analyse("Kremlin press secretary Dmitry Peskov")
>>> m, _ = named_mention(a, list(a.doc.ents), 0, 0, None)
>>> m.party.name, m.title
('Dmitry Peskov', 'Kremlin press secretary')
"""

from __future__ import annotations

from dataclasses import replace

from spacy.tokens import Span

from detour.extract.agencies import resolve_agency
from detour.extract.analysis import Analysis, Mention, noun_after
from detour.extract.gazetteer import gazetteer
from detour.model.claim import Party


def named_mention(a: Analysis, ents: list[Span], i: int, start: int, hint: str | None) -> tuple[Mention, int]:
    """An agency, person, title, outlet or company entity, with what it absorbs; next index."""
    g, doc, e = gazetteer(), a.doc, ents[i]
    nxt = ents[i + 1] if i + 1 < len(ents) else None
    if e.label_ == "COMPANY":
        o = g.companies[e.ent_id_]
        origin = e.end in a.item_starts  # "Rheinmetall ammunition"
        return Mention(
            start,
            e.end,
            Party(o.name, o.country or hint, "company"),
            role_ok=True,
            speaker_ok=True,
            hint=hint,
            origin=origin,
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
    return _agency_mention(a, ents, i, start, hint)


def _agency_mention(
    a: Analysis, ents: list[Span], i: int, start: int, hint: str | None
) -> tuple[Mention, int]:
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
    chosen = resolve_agency(names, acronyms, hint, a.text)
    if chosen is None:
        party = Party(names[0] if names else acronyms[0], hint, "agency")
    else:
        party = Party(chosen.label, chosen.country, chosen.kind)
    press = next((h.text for h in a.starting(end) if h.has("channel:")), None)
    m = Mention(start, end, party, speaker_ok=True, agency=chosen, pair=pair, hint=hint, press=press)
    follow = ents[nxt_i] if nxt_i < len(ents) else None
    noun = noun_after(a, end)
    if follow is not None and follow.label_ == "PERSON" and noun is not None and noun.end == follow.start:
        p = g.persons[follow.ent_id_]  # "SVR director Sergei Naryshkin"
        return replace(
            m, end=follow.end, party=Party(p.name, p.country, "person"), title=f"{party.name} {noun.text}"
        ), nxt_i + 1
    return m, nxt_i
