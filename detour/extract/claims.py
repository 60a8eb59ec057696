"""Text → claims: sentences become new claims, continue the previous one, or answer it.

Discourse rules, per sentence in order:

- a sentence that confirms only that a topic was discussed ("Peskov confirmed the issue came
  up") gives the previous claim its channel and a hedge, never a confirmation;
- a denial or confirmation by a new speaker that refers back ("Belgrade rejected the
  allegations") is a claim of its own: a copy of the previous claim with that speaker,
  status and evidence;
- a sentence that refers back ("The shipments were then assembled in Bulgaria") or adds only
  hubs, modality or time continues the previous claim if that claim is at most two sentences
  back; an onward recipient turns the earlier recipient into an intermediary;
- a sentence with a transfer, goods and a party starts a new claim;
- anything else is context: its warnings (e.g. a wrong war year) go to every claim.

>>> claims = extract_claims("Serbian firms sold shells to Ukraine via Bulgaria, Reuters reported.", "2025-05-30")
>>> [(c.kind, c.countries(), c.status, c.claimant.name) for c in claims]
[('transshipment', {'supplier': ['SRB'], 'recipient': ['UKR'], 'via': ['BGR']}, 'reported', 'Reuters')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from detour.extract.attribution import TOPIC_ONLY
from detour.extract.consistency import period_warnings
from detour.extract.dates import parse_published
from detour.extract.gazetteer import gazetteer
from detour.extract.items import lookup
from detour.extract.mentions import find_mentions
from detour.extract.normalise import clean_space, sha256_text
from detour.extract.pipeline import analyse
from detour.extract.sentence import SentenceFacts, sentence_facts
from detour.extract.speech import Speakers
from detour.model.claim import Claim, Evidence, Items, Party, Period

_HEADER = re.compile(r"^\s*(?:Published|Date):\s*(\d{4}-\d{2}-\d{2})", re.I | re.M)


@dataclass
class Draft:
    """A claim being built from one or more sentences."""

    first: SentenceFacts
    supplier: list[Party] = field(default_factory=list)
    recipient: list[Party] = field(default_factory=list)
    via: list[Party] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    hs: list[str] = field(default_factory=list)
    ml: list[str] = field(default_factory=list)
    modality: list[str] = field(default_factory=list)
    hedges: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    sentences: list[SentenceFacts] = field(default_factory=list)
    claimant: Party | None = None
    channel: Party | None = None
    period: Period | None = None
    status: str = "reported"
    answer: bool = False  # a denial or confirmation of an earlier claim by another speaker

    @classmethod
    def start(cls, f: SentenceFacts) -> Draft:
        d = cls(first=f, claimant=f.att.claimant, channel=f.att.channel, status=f.status)
        d.add(f, roles=True)
        return d

    @property
    def last(self) -> int:
        return self.sentences[-1].index

    def add(self, f: SentenceFacts, roles: bool = True) -> None:
        if roles:
            onward = [p for p in f.roles.recipient if p not in self.recipient]
            if onward and self.recipient:  # the goods went on: earlier recipients were hubs
                self.via += [p for p in self.recipient if p not in self.via]
                self.recipient = []
            for role in ("supplier", "recipient", "via"):
                bucket = getattr(self, role)
                bucket += [p for p in getattr(f.roles, role) if p not in bucket]
            both = [p for p in self.supplier if p in self.recipient]
            self.supplier = [p for p in self.supplier if p not in both]
            self.recipient = [p for p in self.recipient if p not in both]
            self.via += [p for p in both if p not in self.via]
            self.supplier = [p for p in self.supplier if p not in self.via]
            self._add_items(f)
            _extend(self.modality, f.modality)
            _extend(self.hedges, list(f.att.hedges))
            if self.period is None and f.periods:
                self.period = f.periods[0]
            self._add_claimant(f.att.claimant, f.att.channel, f.status)
        _extend(self.warnings, f.warnings)
        self.sentences.append(f)

    def _add_items(self, f: SentenceFacts) -> None:
        specific = [it for it in f.items if it.sense.hs]
        for it in specific or ([] if self.hs else f.items):  # "components" only when nothing better
            _extend(self.words, [clean_space(it.text).lower()])
            _extend(self.hs, list(it.sense.hs))
            _extend(self.ml, list(it.sense.ml))
        if specific:
            generic = {clean_space(it.text).lower() for it in f.items if not it.sense.hs}
            self.words = [w for w in self.words if w not in generic or not lookup(w) or lookup(w).hs]  # type: ignore[union-attr]

    def _add_claimant(self, claimant: Party | None, channel: Party | None, status: str) -> None:
        if claimant is None:
            return
        if self.claimant is None:
            self.claimant, self.channel, self.status = claimant, self.channel or channel, status
        elif not _specific(self.claimant) and _specific(claimant) and claimant.iso3 == self.claimant.iso3:
            self.claimant, self.channel = claimant, self.channel or channel
        elif claimant == self.claimant and self.channel is None:
            self.channel = channel

    def kind(self) -> str:
        triggers = self.first.roles.triggers
        if "halt" in triggers:
            return "halt"
        if "assembly abroad" in self.modality:
            return "assembly"
        if self.via or {"re-export", "transshipment"} & set(self.modality):
            return "transshipment"
        return "supply"

    def to_claim(self, published: date | None, sha: str, extra_warnings: list[str]) -> Claim:
        period = self.period or Period()
        warnings = list(self.warnings)
        _extend(warnings, extra_warnings + period_warnings(period, published))
        return Claim(
            kind=self.kind(), supplier=tuple(self.supplier), recipient=tuple(self.recipient), via=tuple(self.via),
            items=Items(tuple(self.words), tuple(self.hs), tuple(self.ml)), period=period,
            modality=tuple(self.modality), claimant=self.claimant, channel=self.channel, status=self.status,
            hedges=tuple(self.hedges),
            evidence=tuple(Evidence(clean_space(f.text), f.start, f.end, sha) for f in _unique(self.sentences)),
            warnings=tuple(warnings), published=published.isoformat() if published else None,
        )


def _specific(p: Party) -> bool:
    """A named agency, person or outlet rather than "Russian intelligence" or "officials"."""
    g = gazetteer()
    return p.name in g.persons or p.name in g.outlets or any(p.name == a.label for a in g.agencies.values())


def _extend(target: list[str], values: list[str]) -> None:
    target += [v for v in values if v not in target]


def _unique(facts: list[SentenceFacts]) -> list[SentenceFacts]:
    seen, out = set(), []
    for f in facts:
        if f.index not in seen:
            seen.add(f.index)
            out.append(f)
    return out


def header_date(text: str) -> str | None:
    """``Published: 2025-05-30`` in the first lines of an article."""
    m = _HEADER.search(text[:500])
    return m.group(1) if m else None


def extract_claims(text: str, published: str | None = None, doc_sha256: str | None = None) -> list[Claim]:
    """Claims in English news ``text``; [] when it makes none.

    ``published`` (ISO date) anchors relative time; without it a ``Published: YYYY-MM-DD``
    first line is used. Evidence offsets index into ``text`` as given.
    """
    pub = parse_published(published or header_date(text))
    sha = doc_sha256 or sha256_text(text)
    a = analyse(text)
    mentions = find_mentions(a)
    speakers = Speakers(a, mentions)
    drafts: list[Draft] = []
    context: list[SentenceFacts] = []
    for index, sent in enumerate(a.doc.sents):
        for f in sentence_facts(a, mentions, speakers, index, sent.start, sent.end, pub):
            if not _place(drafts, f):
                context.append(f)
    extra = [w for f in context for w in f.warnings]
    return [d.to_claim(pub, sha, extra) for d in drafts]


def _place(drafts: list[Draft], f: SentenceFacts) -> bool:
    """Attach ``f`` to the drafts; False when it is context only."""
    prev = drafts[-1] if drafts else None
    close = prev is not None and f.index - prev.last <= 2
    target = _target(drafts, f.att.claimant)
    if target is not None and f.att.topic_only:
        target.channel = f.att.claimant or target.channel
        _extend(target.hedges, [TOPIC_ONLY])
        target.add(f, roles=False)
        return True
    if target is not None and f.topic and f.anaphoric and not f.standalone:
        target.add(f, roles=False)  # "the presidents discussed the matter"
        return True
    if (target is not None and f.status in ("denied", "confirmed") and not f.standalone
            and (f.anaphoric or not f.has_trigger) and f.att.claimant is not None):
        answer = replace(target, sentences=[], hedges=list(f.att.hedges), warnings=[], claimant=f.att.claimant,
                         channel=f.att.channel, status=f.status, answer=True)
        answer.add(f, roles=False)
        drafts.append(answer)
        return True
    continues = close and (f.anaphoric or _restates(prev, f)) and _compatible(prev, f) and (
        f.status != "denied" or prev.status == "denied")  # type: ignore[union-attr]
    if f.standalone and not continues:
        drafts.append(Draft.start(f))
        return True
    if prev is None or not close or f.status == "denied" and not prev.status == "denied":
        return False
    adds_hub = not f.roles.supplier and not f.roles.recipient and (
        bool(f.roles.via) or bool(f.modality) or bool({"assembly", "transit"} & set(f.roles.triggers)))
    if (f.anaphoric and (f.has_trigger or f.items or f.modality or f.roles.via)) or adds_hub or (
            f.standalone and _restates(prev, f)):
        prev.add(f)
        return True
    return False


def _target(drafts: list[Draft], speaker: Party | None) -> Draft | None:
    """The claim a reply refers to: the latest allegation or report by someone else."""
    candidates = [d for d in reversed(drafts) if not d.answer and d.status in ("alleged", "reported")
                  and (speaker is None or d.claimant != speaker)]
    accusations = [d for d in candidates if d.status == "alleged" and d.claimant and d.kind() != "halt"]
    return (accusations or candidates or [None])[0]


def _restates(prev: Draft | None, f: SentenceFacts) -> bool:
    """Same supplier and recipient as the previous claim, no conflicting goods: a restatement
    (a headline and its first paragraph)."""
    if prev is None or not f.roles.supplier or not f.roles.recipient:
        return False
    same = {p.iso3 for p in f.roles.supplier} == {p.iso3 for p in prev.supplier} and {
        p.iso3 for p in f.roles.recipient} == {p.iso3 for p in prev.recipient}
    hs = {h for it in f.items for h in it.sense.hs}
    return same and (not hs or not prev.hs or bool(hs & set(prev.hs)))


def _compatible(prev: Draft | None, f: SentenceFacts) -> bool:
    if prev is None:
        return False
    known = {p.iso3 for p in prev.supplier + prev.recipient + prev.via}
    return all(p.iso3 in known for p in f.roles.supplier)
