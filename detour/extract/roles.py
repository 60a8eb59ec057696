"""Roles: which parties in a clause supply, receive or route the goods.

There is no parser in ``spacy.blank("en")``, so roles come from local context, in this order:

1. the preposition in front of a coordinated group: "to" → recipient, "from"/"by" →
   supplier (via after a transit or assembly verb), "via"/"through" → via, "in"/"at" → via
   only after an assembly or transit verb ("assembled in the Czech Republic and Bulgaria");
2. an adjective on goods is their origin: "Serbian shells" → supplier;
3. position around a trigger: the subject of an active supply verb is the supplier, of a
   passive one the recipient ("Ukraine was supplied"), of "bought"/"received" the recipient,
   of "assembled" the via; the object of "supply"/"send"/"reach" is the recipient; a verb
   after "and" shares the previous verb's subject; "it"/"we" and a gerund after "denied"
   ("Belgrade denied supplying") stand for the speaker's country;
4. a party that both receives and supplies is an intermediary: via.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from detour.extract.analysis import Analysis, Hit, Mention, within
from detour.extract.gazetteer import gazetteer
from detour.extract.positions import DET, object_of, passive, subject
from detour.model.claim import Party

_JOIN = {",", "and", "or", "&", "as", "well", "the", "both", "plus"}
_TERRITORY = {"territory", "ports", "port", "airspace", "border", "soil", "airports", "roads", "railways"}
_MADE = {"made", "produced", "manufactured", "built", "developed"}


@dataclass
class Roles:
    supplier: list[Party] = field(default_factory=list)
    recipient: list[Party] = field(default_factory=list)
    via: list[Party] = field(default_factory=list)
    triggers: list[str] = field(default_factory=list)  # kinds seen: forward, reverse, assembly, transit, halt

    def add(self, role: str, party: Party) -> None:
        bucket = getattr(self, role)
        if party not in bucket:
            bucket.append(party)


def _role_party(m: Mention) -> Party:
    if m.party.kind in ("country", "company") or not m.party.iso3:
        return m.party
    return Party(gazetteer().countries[m.party.iso3].name, m.party.iso3, "country")


def _groups(a: Analysis, ms: list[Mention]) -> list[list[Mention]]:
    groups: list[list[Mention]] = []
    for m in sorted(ms, key=lambda m: m.start):
        between = a.doc[groups[-1][-1].end : m.start] if groups else None
        joinable = (
            m.party.kind in ("country", "company")
            and groups
            and groups[-1][-1].party.kind in ("country", "company")
            and not groups[-1][-1].origin
        )
        if between is not None and joinable and all(t.lower_ in _JOIN for t in between):
            groups[-1].append(m)
        else:
            groups.append([m])
    return groups


def assign_roles(
    a: Analysis,
    mentions: list[Mention],
    start: int,
    end: int,
    speaker: Mention | None = None,
    speaker_country: Party | None = None,
) -> Roles:
    """Roles of the parties in tokens [start, end)."""
    doc = a.doc
    roles = Roles()
    ms = [m for m in within(mentions, start, end) if m.role_ok and m is not speaker]
    triggers = [h for h in a.hits_in(start, end) if h.has("trigger:")]
    roles.triggers = [str(h.label("trigger:")).split(":")[1] for h in triggers]
    has_hub = any(k in ("assembly", "transit") for k in roles.triggers)
    assigned: dict[int, set[str]] = {}
    fixed: set[int] = set()  # groups whose role a preposition or an origin adjective decided
    groups = _groups(a, ms)
    legs: dict[int, int] = {}  # recipient group -> the trigger its "to" follows
    for gi, group in enumerate(groups):
        role, leg = _prep_role(a, group[0].start, start, triggers, has_hub)
        if role is None and all(m.origin for m in group):
            role = "supplier"
        if role:
            assigned[gi] = {role}
            fixed.add(gi)
        if role == "recipient":
            legs[gi] = leg
    if len(set(legs.values())) > 1:  # "exported to Slovakia and later delivered to Ukraine"
        final = max(legs.values())
        for gi, leg in legs.items():
            if leg != final:
                assigned[gi] = {"via"}
    subjects: dict[int, int | str] = {}
    for t in triggers:
        kind = str(t.label("trigger:")).split(":")[1]
        subj = subject(a, t, start, groups, triggers, subjects, speaker_country)
        subjects[t.start] = subj if subj is not None else -1
        is_passive = passive(a, t)
        role = {
            "forward": "recipient" if is_passive else "supplier",
            "reverse": None if is_passive else "recipient",
            "halt": "supplier",
            "assembly": None if is_passive else "via",
            "transit": None if is_passive else "via",
        }[kind]
        if isinstance(subj, int) and subj >= 0 and subj not in fixed and role:
            assigned.setdefault(subj, set()).add(role)
        elif subj == "speaker" and speaker_country is not None and role:
            roles.add(role, speaker_country)
        obj = object_of(a, t, end, groups)
        if obj is not None and obj not in assigned and kind == "forward" and not is_passive:
            if not all(m.origin for m in groups[obj]):
                assigned[obj] = {"recipient"}
    for gi, rs in assigned.items():
        for role in sorted(rs):
            for m in groups[gi]:
                roles.add(role, _role_party(m))
    for k in range(start, end):  # "its weapons", "our shells": the speaker's goods
        if doc[k].lower_ in ("its", "our") and k + 1 in a.item_starts and speaker_country is not None:
            roles.add("supplier", speaker_country)
    for k in range(start + 1, end):  # "shipped to us": the speaker's country
        if doc[k].lower_ in ("us", "our") and speaker_country is not None:
            prep = next((h for h in a.ending(k) if h.has("role:")), None)
            role = (
                _role_for(a, prep, str(prep.label("role:")).split(":")[1], [], None, has_hub)
                if prep
                else None
            )
            if role in ("recipient", "supplier", "via"):
                roles.add(role, speaker_country)
    for k in range(start, end - 1):  # "transit its territory": the country named before
        if (
            doc[k].lower_ in ("its", "their")
            and doc[k + 1].lower_ in _TERRITORY
            and any(h.has("trigger:transit") or h.has("role:via") for h in a.ending(k))
        ):
            owner = [m for m in ms if m.end <= k and m.party.kind == "country"]
            if owner:
                roles.add("via", _role_party(owner[-1]))
    for p in [p for p in roles.supplier if p in roles.recipient]:
        roles.supplier.remove(p)
        roles.recipient.remove(p)
        roles.add("via", p)
    return roles


def _prep_role(a: Analysis, i: int, start: int, triggers: list[Hit], has_hub: bool) -> tuple[str | None, int]:
    """The role a preposition gives the group at ``i``, and the trigger (token) it follows."""
    role, before = _prep(a, i, start, triggers, has_hub)
    return role, (before[-1].start if before else -1)


def _prep(
    a: Analysis, i: int, start: int, triggers: list[Hit], has_hub: bool
) -> tuple[str | None, list[Hit]]:
    doc, j = a.doc, i
    while j > start and (doc[j - 1].lower_ in DET or doc[j - 1].like_num) and i - j < 6:
        j -= 1
    prep = next((h for h in a.ending(j) if h.has("role:")), None)
    if prep is None:
        return None, []
    kind = str(prep.label("role:")).split(":")[1]
    before = [t for t in triggers if t.end <= prep.start]
    last = str(before[-1].label("trigger:")).split(":")[1] if before else None
    return _role_for(a, prep, kind, before, last, has_hub), before


def _role_for(
    a: Analysis, prep: Hit, kind: str, before: list[Hit], last: str | None, has_hub: bool
) -> str | None:
    doc = a.doc
    if kind == "supplier":
        if prep.text.lower() == "by" and last == "reverse":
            return "recipient"  # "bought by Russian intermediaries"
        return "via" if last in ("assembly", "transit") else "supplier"
    if kind == "recipient":
        if prep.text.lower() == "for" and not before and not a.items_in(max(0, prep.start - 40), prep.start):
            return None
        return "recipient"
    if kind == "place":
        if prep.start > 0 and doc[prep.start - 1].lower_ in _MADE:
            return "supplier"  # "produced in Serbia"
        if has_hub:
            return "via"
        back = {h.label("role:") for h in a.hits_in(prep.start - 4, prep.start)}
        if "role:recipient" in back or (
            before and before[-1].text.lower() in ("ended up", "end up", "ends up")
        ):
            return "recipient"
        return None
    return kind
