"""Positions around a trigger: its subject, its object and its voice.

Without a parser these are found by walking from the trigger over tokens that cannot start a
new phrase (auxiliaries, adverbs, negators, goods, determiners) until a party group or a
clause boundary:

- subject: the nearest group to the left ("Serbian firms have covertly supplied"); after
  "and" a verb shares the previous verb's subject; "Polish plants that supply" takes the
  group before "that"; "it"/"we" and a gerund right after "denied" stand for the speaker;
  a noun trigger ("a consignment") only takes a possessive or adjacent group;
- object: a group right after the trigger ("supplying Ukraine");
- passive: a past participle after a form of "be" ("were shipped").

>>> from detour.extract.pipeline import analyse
>>> a = analyse("The shells were shipped.")
>>> passive(a, next(h for h in a.hits if h.has("trigger:")))
True
"""

from __future__ import annotations

from detour.extract.analysis import Analysis, Hit, Mention
from detour.model.claim import Party

DET = frozenset(
    """
the a an both several some other various unnamed its their two three four five neighbouring
neighboring state-owned private partner allied third nearby fellow - certain numerous many
undisclosed such as including like notably countries states nations hubs neighbours neighbors e.g.
""".split()
)
_AUX = {"was", "were", "been", "being", "is", "are", "be", "get", "got", "gets"}
_SKIP = frozenset(
    """
has have had will would could can may might did do does also then later reportedly allegedly not
never n't still already 's ' to continued continue continues kept being been was were is are be
secretly covertly quietly clandestinely openly directly indirectly ever all
""".split()
)
_BOUNDARY = frozenset(
    """
that which who because while whereas but ; : although when if after before since whether
""".split()
)
_NOUN_TRIGGERS = frozenset(
    """
shipment shipments delivery deliveries sale sales consignment consignments cargo cargoes
transshipment transshipments assembly moratorium embargo
""".split()
)
_IRREGULAR_PARTICIPLES = {"sent", "sold", "bought", "built", "made", "frozen", "put", "found"}


def passive(a: Analysis, t: Hit) -> bool:
    doc = a.doc
    word = doc[t.end - 1].lower_
    if not (word.endswith("ed") or word.endswith("en") or word in _IRREGULAR_PARTICIPLES):
        return False
    j = t.start - 1
    while j >= 0 and (
        doc[j].lower_.endswith("ly") or doc[j].lower_ in {"then", "also", "not", "never", "later"}
    ):
        j -= 1
    return j >= 0 and doc[j].lower_ in _AUX


def _group_ending(groups: list[list[Mention]], j: int) -> int | None:
    return next((gi for gi, g in enumerate(groups) if g[0].start <= j < g[-1].end), None)


def subject(
    a: Analysis,
    t: Hit,
    start: int,
    groups: list[list[Mention]],
    triggers: list[Hit],
    subjects: dict[int, int | str],
    speaker_country: Party | None,
) -> int | str | None:
    doc, j = a.doc, t.start - 1
    item_tokens = a.item_tokens
    if t.text.lower() in _NOUN_TRIGGERS:  # "a consignment": only "Serbia's shipments", "Serbian arms sales"
        while j >= start and (j in item_tokens or doc[j].text in ("'s", "'")):
            j -= 1
        return _group_ending(groups, j) if j >= start else None
    clean = True  # only auxiliaries, adverbs and negators so far: "it had not supplied"
    while j >= start:
        tok = doc[j]
        gi = _group_ending(groups, j)
        if gi is not None:
            return gi
        low = tok.lower_
        if low == "and":
            prev = [x for x in triggers if x.end <= j]
            if prev and prev[-1].start in subjects:
                return subjects[prev[-1].start]
        if clean and low in {"it", "we", "our", "its"} and speaker_country is not None:
            return "speaker"
        if (
            clean
            and any(h.has("speech:deny") for h in a.covering(j))
            and (doc[t.start].lower_.endswith("ing"))
        ):
            return "speaker"  # "Belgrade denied supplying"
        if clean and low in {"that", "which", "who"} and j > start:
            return _group_ending(groups, j - 1)  # "Polish plants that supply Ukraine"
        if low in _BOUNDARY or any(h.has("trigger:") for h in a.covering(j)):
            return None
        if not (low in _SKIP or low.endswith("ly")):
            clean = False
        if not (
            low in _SKIP
            or low in DET
            or j in item_tokens
            or low.endswith("ly")
            or tok.is_punct
            or tok.like_num
            or low in {"ammunition", "goods"}
        ):
            if tok.is_lower and j < t.start - 6:
                return None
        j -= 1
    return None


def object_of(a: Analysis, t: Hit, end: int, groups: list[list[Mention]]) -> int | None:
    doc, j = a.doc, t.end
    while j < end and (doc[j].lower_ in DET or doc[j].lower_.endswith("ly")):
        j += 1
    return next((gi for gi, g in enumerate(groups) if g[0].start == j), None) if j < end else None
