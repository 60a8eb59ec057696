"""Attribution of one sentence: claimant, channel, hedges and the speech act.

- claimant: the speaker found by :mod:`detour.extract.speech`; when an outlet reports
  "citing sources", the sources are the claimant and the outlet the channel.
- channel: how the claim reached the public when the text says so: an agency's press bureau,
  an outlet that carried someone else's statement ("told TASS"), or, for a later sentence, a
  press secretary who confirmed only that the topic was discussed (see ``topic_only``).
- hedges: hedge cues ("allegedly", "according to", "sources said") and estimative phrases
  with their probability band ("likely (55-80%)").

>>> from detour.extract.pipeline import analyse
>>> from detour.extract.mentions import find_mentions
>>> from detour.extract.speech import Speakers
>>> a = analyse("Kommersant reported, citing sources, that the shells likely came from Serbia.")
>>> ms = find_mentions(a)
>>> att = attribute(a, ms, Speakers(a, ms), 0, len(a.doc))
>>> att.claimant.name, att.channel.name, att.hedges
('unnamed sources', 'Kommersant', ('sources said', 'likely (55-80%)'))
"""

from __future__ import annotations

from dataclasses import dataclass

from detour.extract.analysis import Analysis, Mention, within
from detour.extract.gazetteer import gazetteer
from detour.extract.speech import Speakers
from detour.model.claim import Party

TOPIC_ONLY = "confirmed only that the topic was discussed"


@dataclass(frozen=True)
class Attribution:
    claimant: Party | None = None
    channel: Party | None = None
    verb_class: str | None = None  # allege | neutral | report | confirm | deny
    hedges: tuple[str, ...] = ()
    topic_only: bool = False  # "confirmed the topic came up": not a confirmation of the claim
    speech_end: int | None = None  # token index just after the speech verb
    mention: Mention | None = None
    country: Party | None = None  # the claimant's country, for "it" and "we"


def attribute(
    a: Analysis, mentions: list[Mention], speakers: Speakers, start: int, end: int, near: int | None = None
) -> Attribution:
    """Attribution of tokens [start, end); ``near`` is the token of the claim's trigger."""
    speech = speakers.find(start, end, near)
    hedges: list[str] = []
    for h in a.hits_in(start, end):
        for label in sorted(h.labels):
            group, _, name = label.partition(":")
            if group in ("hedge", "est") and name not in hedges:
                hedges.append(name)
    claimant = speech.party if speech else None
    channel = None
    if speech is not None and speech.mention is not None and speech.mention.press:
        channel = Party(f"{claimant.name} {speech.mention.press}", claimant.iso3, claimant.kind)  # type: ignore[union-attr]
    if claimant is not None and claimant.kind == "outlet":
        cited = speakers.cited(start, end)
        if cited is not None:
            claimant, channel = cited, claimant
        elif "sources said" in hedges:
            claimant, channel = Party("unnamed sources", None, "source"), claimant
    if channel is None and claimant is not None:
        channel = next(
            (
                m.party
                for m in within(mentions, start, end)
                if m.party.kind == "outlet" and m.party != claimant and not speakers.in_quote(m.start)
            ),
            None,
        )
    hits = a.hits_in(start, end)
    confirm = [h for h in hits if h.has("speech:confirm")]
    topic_only = (
        bool(confirm)
        and any(h.has("noun:topic") and h.start > confirm[0].start for h in hits)
        and not any(h.has("trigger:") and h.start > confirm[0].start for h in hits)
    )
    if topic_only:
        hedges.append(TOPIC_ONLY)
    country = None
    if claimant is not None and claimant.iso3 and claimant.kind != "source":
        country = Party(gazetteer().countries[claimant.iso3].name, claimant.iso3, "country")
    return Attribution(
        claimant=claimant,
        channel=channel,
        verb_class=speech.verb_class if speech else ("confirm" if confirm else None),
        hedges=tuple(hedges),
        topic_only=topic_only,
        speech_end=speech.verb.end if speech and speech.verb else None,
        mention=speech.mention if speech else None,
        country=country,
    )
