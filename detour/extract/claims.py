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

>>> text = "Serbian firms sold shells to Ukraine via Bulgaria, Reuters reported."
>>> claims = extract_claims(text, "2025-05-30")
>>> [(c.kind, c.countries(), c.status, c.claimant.name) for c in claims]
[('transshipment', {'supplier': ['SRB'], 'recipient': ['UKR'], 'via': ['BGR']}, 'reported', 'Reuters')]
"""

from __future__ import annotations

import re
from dataclasses import replace

from detour.extract.attribution import TOPIC_ONLY
from detour.extract.datemath import parse_published
from detour.extract.draft import Draft, extend
from detour.extract.mentions import find_mentions
from detour.extract.normalise import sha256_text
from detour.extract.pipeline import analyse
from detour.extract.sentence import SentenceFacts, sentence_facts
from detour.extract.speech import Speakers
from detour.model.claim import Claim, Party

_HEADER = re.compile(r"^\s*(?:Published|Date):\s*(\d{4}-\d{2}-\d{2})", re.I | re.M)


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
        extend(target.hedges, [TOPIC_ONLY])
        target.add(f, roles=False)
        return True
    if target is not None and f.topic and f.anaphoric and not f.standalone:
        target.add(f, roles=False)  # "the presidents discussed the matter"
        return True
    if (
        target is not None
        and f.status in ("denied", "confirmed")
        and not f.standalone
        and (f.anaphoric or not f.has_trigger)
        and f.att.claimant is not None
    ):
        answer = replace(
            target,
            sentences=[],
            hedges=list(f.att.hedges),
            warnings=[],
            claimant=f.att.claimant,
            channel=f.att.channel,
            status=f.status,
            answer=True,
        )
        answer.add(f, roles=False)
        drafts.append(answer)
        return True
    continues = (
        prev is not None
        and close
        and (f.anaphoric or _restates(prev, f))
        and _compatible(prev, f)
        and (f.status != "denied" or prev.status == "denied")
    )
    if f.standalone and not continues:
        drafts.append(Draft.start(f))
        return True
    if prev is None or not close or f.status == "denied" and not prev.status == "denied":
        return False
    adds_hub = (
        not f.roles.supplier
        and not f.roles.recipient
        and (bool(f.roles.via) or bool(f.modality) or bool({"assembly", "transit"} & set(f.roles.triggers)))
    )
    if (
        (f.anaphoric and (f.has_trigger or f.items or f.modality or f.roles.via))
        or adds_hub
        or (f.standalone and _restates(prev, f))
    ):
        prev.add(f)
        return True
    return False


def _target(drafts: list[Draft], speaker: Party | None) -> Draft | None:
    """The claim a reply refers to: the latest allegation or report by someone else."""
    candidates = [
        d
        for d in reversed(drafts[-30:])  # replies refer to recent claims
        if not d.answer and d.status in ("alleged", "reported") and (speaker is None or d.claimant != speaker)
    ]
    accusations = [d for d in candidates if d.status == "alleged" and d.claimant and d.kind() != "halt"]
    found = accusations or candidates
    return found[0] if found else None


def _restates(prev: Draft | None, f: SentenceFacts) -> bool:
    """Same supplier and recipient as the previous claim, no conflicting goods: a restatement
    (a headline and its first paragraph)."""
    if prev is None or not f.roles.supplier or not f.roles.recipient:
        return False
    same = {p.iso3 for p in f.roles.supplier} == {p.iso3 for p in prev.supplier} and {
        p.iso3 for p in f.roles.recipient
    } == {p.iso3 for p in prev.recipient}
    hs = {h for it in f.items for h in it.sense.hs}
    return same and (not hs or not prev.hs or bool(hs & set(prev.hs)))


def _compatible(prev: Draft | None, f: SentenceFacts) -> bool:
    if prev is None:
        return False
    known = {p.iso3 for p in prev.supplier + prev.recipient + prev.via}
    return all(p.iso3 in known for p in f.roles.supplier)
