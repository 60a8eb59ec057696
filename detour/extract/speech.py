"""Who says it: quotations, speech verbs and their speakers, with simple coreference.

- A speaker is a mention next to a speech verb: before it ("the SVR said"), after it when
  the verb follows a comma or a closing quote (", said Peskov"), or after "according to".
- Mentions inside quotation marks are never speakers; a quotation is attributed to the speaker
  next to its closing (or opening) mark, and every sentence inside it inherits that speaker.
- "it", "he", "they", "the agency", "the newspaper" resolve to the latest earlier speaker or
  mention of the right kind.
- "sources said", "citing sources": the speaker is ``unnamed sources`` (kind ``source``).

>>> from detour.extract.pipeline import analyse
>>> from detour.extract.mentions import find_mentions
>>> a = analyse('"We sold nothing to Kyiv," Vučić said.')
>>> speakers = Speakers(a, find_mentions(a))
>>> speakers.find(0, len(a.doc)).party.name
'Aleksandar Vučić'
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from detour.extract.analysis import Analysis, Hit, Mention, within
from detour.model.claim import Party

_OPEN, _CLOSE, _BOTH = {"“", "«", "„"}, {"”", "»"}, {'"'}
_FILLER = frozenset(
    """
has have had also repeatedly publicly later again flatly strongly previously earlier officially then
was were is on thursday 's press bureau office service in a statement which its their his her long
consistently investigation report analysis categorically firmly vehemently subsequently
""".split()
)
_SKIP_RIGHT = {"the", "a", "an", "two", "three", "several", "unnamed", "anonymous", "some"}
_PRONOUNS = {
    "it": ("agency", "government", "outlet", "country", "source"),
    "he": ("person",),
    "she": ("person",),
    "they": ("government", "source", "agency", "outlet", "country", "person"),
}
# "the agency said" -> the latest earlier speaker of that kind
_GENERIC = {
    word: (kind,)
    for kind, words in {
        "agency": "agency service bureau",
        "company": "company firm",
        "outlet": "newspaper daily paper outlet broadcaster",
        "government": "ministry government kremlin",
        "person": "president spokesman spokeswoman spokesperson minister",
    }.items()
    for word in words.split()
}


@dataclass(frozen=True)
class Speech:
    party: Party
    verb: Hit | None  # the speech cue; None for a quotation's inherited speaker
    mention: Mention | None = None

    @property
    def verb_class(self) -> str | None:
        label = self.verb.label("speech:") if self.verb else None
        return label.split(":")[1] if label else None


def quote_regions(a: Analysis) -> list[tuple[int, int]]:
    """Token ranges strictly inside quotation marks."""
    regions, opened = [], None
    for t in a.doc:
        if t.text in _OPEN or (t.text in _BOTH and opened is None):
            opened = t.i
        elif (t.text in _CLOSE or t.text in _BOTH) and opened is not None:
            regions.append((opened + 1, t.i))
            opened = None
    return regions


class Speakers:
    """Speaker search over one document, remembering earlier speakers for coreference."""

    def __init__(self, a: Analysis, mentions: list[Mention]) -> None:
        self.a, self.mentions = a, mentions
        self.by_start: dict[int, list[Mention]] = {}
        self.by_end: dict[int, list[Mention]] = {}
        for m in mentions:
            self.by_start.setdefault(m.start, []).append(m)
            self.by_end.setdefault(m.end, []).append(m)
        self.quotes = quote_regions(a)
        self._quote_starts = [q[0] for q in self.quotes]
        self.history: list[tuple[int, Party]] = []

    def in_quote(self, i: int) -> tuple[int, int] | None:
        k = bisect_right(self._quote_starts, i) - 1  # regions are disjoint and sorted
        return self.quotes[k] if k >= 0 and i < self.quotes[k][1] else None

    def find(self, start: int, end: int, near: int | None = None) -> Speech | None:
        """The speaker for tokens [start, end), choosing the speech verb nearest to ``near``."""
        found = []
        for h in self.a.hits_in(start, end):
            if h.has("speech:") and not self.in_quote(h.start):
                party_m = self._around(h, start, end)
                if party_m is not None:
                    found.append(Speech(party_m[0], h, party_m[1]))
        if near is not None:
            found.sort(key=lambda s: abs((s.verb.start if s.verb else 0) - near))
        speech = found[0] if found else None
        if speech is None and near is not None and self.in_quote(near):
            speech = self._quote_speaker(self.in_quote(near))  # type: ignore[arg-type]
        if speech is not None:
            self.history.append((start, speech.party))
        return speech

    def _quote_speaker(self, q: tuple[int, int]) -> Speech | None:
        doc = self.a.doc
        for h in self.a.hits_in(q[1] + 1, q[1] + 5) + self.a.hits_in(q[0] - 8, q[0]):
            close_side = q[1] < h.start <= q[1] + 4
            open_side = q[0] - 4 <= h.end < q[0]
            if h.has("speech:") and (close_side or open_side):
                pm = self._around(h, 0, len(doc))
                if pm is not None:
                    return Speech(pm[0], None, pm[1])
        return None

    def _mention_at(self, i: int, right: bool) -> Mention | None:
        for m in (self.by_start if right else self.by_end).get(i, ()):
            if m.speaker_ok and not self.in_quote(m.start):
                return m
        return None

    def _around(self, h: Hit, start: int, end: int) -> tuple[Party, Mention | None] | None:
        doc = self.a.doc
        if h.text.lower().startswith("according to"):
            if "sources" in h.text.lower():
                return self._sources(h.start), None
            direct = self._right(h.end, end)
            if direct is not None:
                return direct
            by = next((k for k in range(h.end, min(h.end + 6, end)) if doc[k].lower_ == "by"), None)
            return self._right(by + 1, end) if by is not None else None  # "documents seen by BIRN"
        j = self._skip_relative(h.start, start)
        m = self._mention_at(j, right=False)
        while m is None and j > start and doc[j - 1].lower_ in _FILLER:
            j -= 1
            m = self._mention_at(j, right=False)
        while m is not None and m.start > start and doc[m.start - 1].lower_ in ("in", "at"):
            owner = self._mention_at(m.start - 1, right=False)  # "Ukraine's ambassador in Belgrade said"
            if owner is None:
                break
            m = owner
        if m is not None:
            return m.party, m
        if j > start and doc[j - 1].lower_ in ("sources", "source"):
            return self._sources(j - 1), None
        left = self._generic(j, start)
        if left is not None:
            return left, None
        prev = doc[h.start - 1].text if h.start > 0 else ""
        if prev in {",", '"', "”", "'"} or h.text.lower() in {"told", "citing"}:
            return self._right(h.end, end)
        return None

    def _skip_relative(self, j: int, start: int) -> int:
        """Before ", which is headed by X," in "the SVR, which is headed by X, said": the SVR."""
        doc = self.a.doc
        if j - 1 <= start or doc[j - 1].text != ",":
            return j
        for k in range(j - 2, max(start, j - 16), -1):
            if doc[k].text == "," and k + 1 < j and doc[k + 1].lower_ in ("which", "who"):
                return k
        return j

    def _right(self, i: int, end: int) -> tuple[Party, Mention | None] | None:
        doc = self.a.doc
        while i < end and doc[i].lower_ in _SKIP_RIGHT:
            i += 1
        m = self._mention_at(i, right=True)
        if m is not None:
            return m.party, m
        if i < end and doc[i].lower_ in ("sources", "source"):
            return self._sources(i), None
        j = i
        while j < end and doc[j].is_title and j - i < 3:
            j += 1  # "European officials", "Western diplomats"
        hit = next((h for h in self.a.starting(j) if h.has("noun:official")), None)
        if hit is not None:
            return Party(" ".join(t.text for t in doc[i : hit.end]), None, _generic_kind(hit.text)), None
        return None

    def _sources(self, i: int) -> Party:
        iso = next((m.party.iso3 for m in self.by_end.get(i, ()) if m.party.iso3), None)
        return Party("unnamed sources", iso, "source")

    def cited(self, start: int, end: int) -> Party | None:
        """Who an outlet cites: "..., Politico reported, citing two European officials"."""
        for h in self.a.hits_in(start, end):
            if h.text.lower() == "citing":
                found = self._right(h.end, end)
                if found is not None:
                    return found[0]
        return None

    def _generic(self, j: int, start: int) -> Party | None:
        """ "it said", "the agency said", "officials said" -> an earlier speaker, or a generic party."""
        if j <= start:
            return None
        word = self.a.doc[j - 1].lower_
        kinds = _PRONOUNS.get(word) or _GENERIC.get(word)
        if kinds is not None:
            return self.resolve(kinds, j - 1)
        hit = next((h for h in self.a.ending(j) if h.has("noun:official")), None)
        if hit is not None:
            return Party(hit.text.lower(), None, _generic_kind(hit.text))
        return None

    def resolve(self, kinds: tuple[str, ...], before: int) -> Party | None:
        for _, party in reversed([x for x in self.history[-50:] if x[0] <= before]):
            if party.kind in kinds:
                return party
        for m in reversed([m for m in within(self.mentions, max(0, before - 400), before) if m.speaker_ok]):
            if m.party.kind in kinds:
                return m.party
        return None


_PERSON_WORDS = (
    "analyst",
    "expert",
    "researcher",
    "spokes",
    "diplomat",
    "envoy",
    "minister",
    "president",
    "commander",
    "officer",
    "soldier",
)


def _generic_kind(noun: str) -> str:
    """Party kind of an unnamed speaker: "analyst" is a person, "officials" a government."""
    word = noun.lower()
    if word.startswith(_PERSON_WORDS):
        return "person"
    return "government"
