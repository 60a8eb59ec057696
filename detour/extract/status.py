"""Status of a claim sentence: alleged, reported, confirmed or denied.

Precedence, first match wins:

1. denied: a denial cue ("denied", "rejected", "baseless", "no evidence") or a negated
   transfer ("did not supply", "has never sent", "No Serbian ammunition has reached ...");
2. confirmed: a confirmation cue ("confirmed", "acknowledged", "admitted"), unless it only
   confirms that a topic was discussed; or a party to the transfer asserting it (first-party:
   "Excalibur Army has delivered tanks to Ukraine, the company said");
3. alleged: an accusation verb ("alleged", "accused", "claimed") or hedge ("allegedly",
   "suspected"), or a claimant that is a party to events: an agency, government, official or
   country ("the SVR said");
4. reported: a report verb or "reportedly", a claimant that is an outlet or unnamed sources,
   or no claimant at all (the article's own voice).

>>> status_of("neutral", ("according to",), "agency", False, False)
'alleged'
>>> status_of("report", (), "outlet", False, False)
'reported'
"""

from __future__ import annotations

from detour.extract.analysis import Analysis

_ALLEGE_HEDGES = {"allegedly", "claimed", "suspected", "purportedly", "supposedly"}
_NEGATORS = {"not", "never", "n't", "no", "neither", "nor", "none"}
_STOP = {"that", "which", "who", "because", "while", "whereas", "but", ";", ":", ","}


def negated(a: Analysis, start: int, end: int) -> bool:
    """A transfer trigger in [start, end) with a negator shortly before it in the same clause."""
    doc = a.doc
    for h in a.hits_in(start, end):
        if not h.has("trigger:") or h.has("trigger:halt"):
            continue
        for j in range(h.start - 1, max(start, h.start - 6) - 1, -1):
            low = doc[j].lower_
            if low in _STOP:
                break
            if (
                low in _NEGATORS
                and not any(t.has("trigger:") for t in a.covering(j))
                and not (j + 1 < len(doc) and doc[j + 1].lower_ == "only")
            ):
                return True
    return False


def denial_cue(a: Analysis, start: int, end: int) -> bool:
    return any(h.has("speech:deny") for h in a.hits_in(start, end))


def status_of(
    verb_class: str | None,
    hedges: tuple[str, ...],
    claimant_kind: str | None,
    is_negated: bool,
    has_denial: bool,
    topic_only: bool = False,
    first_party: bool = False,
) -> str:
    if is_negated or has_denial or verb_class == "deny":
        return "denied"
    if (verb_class == "confirm" and not topic_only) or first_party:
        return "confirmed"
    if verb_class == "allege" or _ALLEGE_HEDGES & set(hedges):
        return "alleged"
    if verb_class == "report" or "reportedly" in hedges or claimant_kind in ("outlet", "source"):
        return "reported"
    if claimant_kind in ("agency", "government", "person", "country"):
        return "alleged"
    return "reported"
