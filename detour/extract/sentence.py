"""Facts of one sentence (or clause): roles, goods, modality, attribution, status and time.

A sentence with two transfer clauses joined by ";", "while", "whereas" or ", but" / ", and"
is split so that each clause gives its own claim; attribution is shared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from detour.extract.analysis import Analysis, ItemHit, Mention, within
from detour.extract.attribution import Attribution, attribute
from detour.extract.consistency import sentence_warnings
from detour.extract.dates import find_periods
from detour.extract.roles import Roles, assign_roles
from detour.extract.speech import Speakers
from detour.extract.status import denial_cue, negated, status_of
from detour.model.claim import Period

_SPLIT = {";", "while", "whereas"}
_DETERMINERS = {"the", "these", "those", "such", "this"}
_PRONOUNS = {"they", "it", "them"}
_SENTENCE_PRONOUNS = {"they", "it", "these", "this", "such"}
_STATEMENT_WORDS = frozenset(
    """
on in a an the statement published released issued told reporters journalists press conference
interview briefing at during late early earlier last this week its website telegram channel to
""".split()
)
TRANSFER = ("forward", "reverse", "assembly", "transit", "halt")


@dataclass
class SentenceFacts:
    index: int
    start: int  # character offsets of the trimmed sentence in the text
    end: int
    text: str
    roles: Roles
    items: list[ItemHit]
    modality: list[str]
    att: Attribution
    status: str
    periods: list[Period]
    anaphoric: bool
    topic: bool  # talks about a discussion of the matter, not about goods
    warnings: list[str] = field(default_factory=list)

    @property
    def has_parties(self) -> bool:
        return bool(self.roles.supplier or self.roles.recipient or self.roles.via)

    @property
    def has_trigger(self) -> bool:
        return any(k in TRANSFER for k in self.roles.triggers)

    @property
    def standalone(self) -> bool:
        """Enough for a claim on its own: a transfer, goods (or both ends) and a party."""
        r = self.roles
        return (
            self.has_trigger and (bool(self.items) or bool(r.supplier and r.recipient)) and self.has_parties
        )


def _clauses(a: Analysis, mentions: list[Mention], start: int, end: int) -> list[tuple[int, int]]:
    doc = a.doc
    cuts = [start]
    for i in range(start + 1, end - 1):
        low = doc[i].lower_
        if low in _SPLIT or (low in ("but", "and") and doc[i - 1].text == ","):
            left, right = (cuts[-1], i), (i + 1, end)
            if all(_transfer_clause(a, mentions, *side) for side in (left, right)):
                cuts.append(i + 1)
    return [(s, (cuts[k + 1] - 1 if k + 1 < len(cuts) else end)) for k, s in enumerate(cuts)]


def _transfer_clause(a: Analysis, mentions: list[Mention], s: int, e: int) -> bool:
    return any(h.has("trigger:") for h in a.hits_in(s, e)) and any(m.role_ok for m in within(mentions, s, e))


def sentence_facts(
    a: Analysis,
    mentions: list[Mention],
    speakers: Speakers,
    index: int,
    start: int,
    end: int,
    published: date | None,
) -> list[SentenceFacts]:
    """Facts for the tokens [start, end) of one sentence: one entry per clause."""
    doc = a.doc
    while start < end and doc[start].is_space:
        start += 1
    while end > start and doc[end - 1].is_space:
        end -= 1
    if start >= end:
        return []
    warnings = sentence_warnings(a, mentions, start, end, published)
    clauses = _clauses(a, mentions, start, end)
    out = []
    for cs, ce in clauses:
        first_trigger = next((h.start for h in a.hits_in(cs, ce) if h.has("trigger:")), None)
        att = attribute(a, mentions, speakers, cs, ce, first_trigger)
        if att.claimant is None and len(clauses) > 1:
            whole = attribute(a, mentions, speakers, start, end, first_trigger)
            verb = whole.speech_end or 0
            if verb <= cs or verb >= end - 4:  # "X said A, while B" or "A, while B, X said"
                att = whole
        out.append(_clause(a, mentions, index, cs, ce, att, published, warnings))
    return out


def _clause(
    a: Analysis,
    mentions: list[Mention],
    index: int,
    cs: int,
    ce: int,
    att: Attribution,
    published: date | None,
    warnings: list[str],
) -> SentenceFacts:
    doc = a.doc
    span = doc[cs:ce]
    roles = assign_roles(a, mentions, cs, ce, att.mention, att.country)
    hits = a.hits_in(cs, ce)
    modality: list[str] = []
    for h in hits:
        for label in sorted(h.labels):
            if label.startswith("modality:") and label[9:] not in modality:
                modality.append(label[9:])
    if roles.via and "assembly" in roles.triggers and "assembly abroad" not in modality:
        modality.append("assembly abroad")
    if roles.via and "assembly abroad" not in modality and "transshipment" not in modality:
        modality.append("transshipment")
    anaphoric = (
        any(
            h.has("noun:anaphor")
            and h.text.lower() not in _PRONOUNS
            and h.start > cs
            and doc[h.start - 1].lower_ in _DETERMINERS
            for h in hits
        )
        or doc[cs].lower_ in _SENTENCE_PRONOUNS
    )
    topic = any(
        h.has("noun:topic") and h.text.lower() not in ("topic", "issue", "matter", "subject", "question")
        for h in hits
    ) and not any(k in TRANSFER for k in roles.triggers)
    status = status_of(
        att.verb_class,
        att.hedges,
        att.claimant.kind if att.claimant else None,
        negated(a, cs, ce),
        denial_cue(a, cs, ce),
        att.topic_only,
        _first_party(att, roles),
    )
    return SentenceFacts(
        index=index,
        start=span.start_char,
        end=span.end_char,
        text=span.text,
        roles=roles,
        items=list(a.items_in(cs, ce)),
        modality=modality,
        att=att,
        status=status,
        periods=_claim_periods(a, cs, ce, att, published),
        anaphoric=anaphoric,
        topic=topic,
        warnings=list(warnings),
    )


def _claim_periods(a: Analysis, cs: int, ce: int, att: Attribution, published: date | None) -> list[Period]:
    """Time expressions of the claim, leaving out when a statement was made ("said on Thursday")."""
    doc = a.doc
    base = doc[cs].idx
    text = doc[cs:ce].text
    speech_char = None
    if att.speech_end and cs < att.speech_end <= ce:
        speech_char = doc[att.speech_end - 1].idx + len(doc[att.speech_end - 1]) - base
    speaker = att.mention.start if att.mention and cs <= att.mention.start < ce else None
    out = []
    for s, e, period in find_periods(text, published):
        gap = text[speech_char:s] if speech_char is not None and speech_char <= s else None
        if gap is not None and all(w in _STATEMENT_WORDS for w in gap.replace(",", " ").lower().split()):
            continue  # "said on Thursday", "said in a statement on 28 May"
        if speaker is not None and s < 3 and doc[speaker].idx - base - e < 8:
            continue  # "On Thursday, the SVR said ..."
        out.append(period)
    return out


def _first_party(att: Attribution, roles: Roles) -> bool:
    """The claimant is the supplier (its company, government or an official of it), or the
    recipient's government: an admission rather than an accusation."""
    c = att.claimant
    if c is None or c.kind not in ("country", "government", "company", "person"):
        return False
    same = [p for p in roles.supplier if p.name == c.name or (c.kind != "company" and p.iso3 == c.iso3)]
    if c.kind in ("country", "government"):
        same += [p for p in roles.recipient if p.iso3 == c.iso3]
    return c.iso3 is not None and bool(same) or any(p.name == c.name for p in roles.supplier)
