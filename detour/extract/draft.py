"""A claim under construction: the facts of its sentences, merged.

Merging rules: parties are added per role without duplicates; a party that both supplies
and receives is an intermediary (via); an onward recipient in a later sentence turns the
earlier recipients into hubs; generic goods ("components") are kept only when nothing more
specific is named; a named claimant (SVR, Peskov, Reuters) replaces a generic one of the same
country ("Russian intelligence").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from detour.extract.consistency import period_warnings
from detour.extract.gazetteer import gazetteer
from detour.extract.items import lookup
from detour.extract.normalise import clean_space
from detour.extract.sentence import SentenceFacts
from detour.model.claim import Claim, Evidence, Items, Party, Period


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
            extend(self.modality, f.modality)
            extend(self.hedges, list(f.att.hedges))
            if self.period is None and f.periods:
                self.period = f.periods[0]
            self._add_claimant(f.att.claimant, f.att.channel, f.status)
        extend(self.warnings, f.warnings)
        self.sentences.append(f)

    def _add_items(self, f: SentenceFacts) -> None:
        specific = [it for it in f.items if it.sense.hs]
        for it in specific or ([] if self.hs else f.items):  # "components" only when nothing better
            extend(self.words, [clean_space(it.text).lower()])
            extend(self.hs, list(it.sense.hs))
            extend(self.ml, list(it.sense.ml))
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
        extend(warnings, extra_warnings + period_warnings(period, published))
        return Claim(
            kind=self.kind(),
            supplier=tuple(self.supplier),
            recipient=tuple(self.recipient),
            via=tuple(self.via),
            items=Items(tuple(self.words), tuple(self.hs), tuple(self.ml)),
            period=period,
            modality=tuple(self.modality),
            claimant=self.claimant,
            channel=self.channel,
            status=self.status,
            hedges=tuple(self.hedges),
            evidence=tuple(
                Evidence(clean_space(f.text), f.start, f.end, sha) for f in _unique(self.sentences)
            ),
            warnings=tuple(warnings),
            published=published.isoformat() if published else None,
        )


def _specific(p: Party) -> bool:
    """A named agency, person or outlet rather than "Russian intelligence" or "officials"."""
    g = gazetteer()
    return p.name in g.persons or p.name in g.outlets or any(p.name == a.label for a in g.agencies.values())


def extend(target: list[str], values: list[str]) -> None:
    target += [v for v in values if v not in target]


def _unique(facts: list[SentenceFacts]) -> list[SentenceFacts]:
    seen, out = set(), []
    for f in facts:
        if f.index not in seen:
            seen.add(f.index)
            out.append(f)
    return out
