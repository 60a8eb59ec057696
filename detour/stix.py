"""STIX 2.1 export of the claims a user may read, for OpenCTI, MISP and friends.

Mapping (see docs/access.md for the full table):

* claim → ``report`` (``report_types: ["allegation"]``, ``confidence`` from Admiralty
  credibility, ``x_detour_admiralty`` for the full grade) whose ``object_refs`` hold:
* parties → ``location`` (a country with an ISO alpha-2 code) or ``identity``
  (organisations, people, and countries STIX cannot code);
* supplier → recipient: ``relationship`` ``supplies-to``; supplier → via: ``transits-via``;
* assessments → ``opinion`` (verdict as agree/disagree) plus a ``note`` with reasons;
* markings → ``marking-definition``: the published TLP 2.0 objects for the TLP ladder,
  deterministic ``statement`` definitions for other ladders.

Ids are uuid5 of Detour's own keys, and shared objects carry a fixed ``created``, so
exporting twice gives the same objects and importers de-duplicate instead of piling up.
Only what :meth:`ClaimStore.list_claims` returns for the user is exported; a party
object is marked with the least restrictive marking of the exported claims naming it.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pycountry
import stix2

from detour.model.claim import Party
from detour.model.marking import Level
from detour.store.claims import ClaimStore, StoredClaim
from detour.store.users import User, write_audit

# Never change: every exported id derives from it.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/detour/stix")
EPOCH = "2020-01-01T00:00:00.000Z"  # created of shared objects: same id must mean same version
TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED = "2022-10-01T00:00:00.000Z"  # part of the published TLP 2.0 objects
OPINIONS = {"supported": "agree", "partly": "neutral", "not supported": "disagree",
            "contradicted": "strongly-disagree", "not testable": "neutral"}  # fmt: skip
PRODUCER = stix2.Identity(
    id="identity--" + str(uuid.uuid5(NAMESPACE, "producer|detour")),
    name="Detour",
    identity_class="system",
    created=EPOCH,
    modified=EPOCH,
)


def stix_id(kind: str, *key: Any) -> str:
    return f"{kind}--{uuid.uuid5(NAMESPACE, '|'.join(map(str, (kind, *key))))}"


def marking_ref(level: Level) -> str:
    return level.stix_id or stix_id("marking-definition", level.ladder, level.name)


def marking_definition(level: Level, title: str = "") -> stix2.MarkingDefinition:
    """The published TLP 2.0 object when the level has one, else a statement marking."""
    if level.stix_id:
        tlp = {"extension_type": "property-extension", "tlp_2_0": level.name.lower()}
        return stix2.MarkingDefinition(
            id=level.stix_id, created=TLP2_CREATED, name=f"TLP:{level.name}", extensions={TLP2_EXTENSION: tlp}
        )
    return stix2.MarkingDefinition(
        id=marking_ref(level),
        created=EPOCH,
        name=level.name,
        definition_type="statement",
        definition=stix2.StatementMarking(f"{title or level.ladder}: {level.name}"),
    )


def _alpha2(iso3: str | None) -> str | None:
    country = pycountry.countries.get(alpha_3=iso3) if iso3 else None
    return country.alpha_2 if country else None


def party_object(party: Party, marking: str) -> stix2.Location | stix2.Identity:
    """A country STIX can code becomes a ``location``; anyone else an ``identity``."""
    common = {"created": EPOCH, "modified": EPOCH, "object_marking_refs": [marking], "allow_custom": True}
    alpha2 = _alpha2(party.iso3) if party.kind == "country" else None
    if alpha2:
        return stix2.Location(id=stix_id("location", party.iso3), name=party.name, country=alpha2, **common)
    return stix2.Identity(
        id=stix_id("identity", party.kind, party.name.casefold(), party.iso3 or ""),
        name=party.name,
        identity_class="individual" if party.kind == "person" else "organization",
        x_detour_kind=party.kind,
        x_detour_iso3=party.iso3,
        **common,
    )


def _timestamp(value: str | None, fallback: str) -> str:
    """STIX wants a full timestamp; claims often carry a bare date, or a month only."""
    if value and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value + "T00:00:00Z"
    if value and re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z", value):
        return value
    return fallback


def claim_objects(sc: StoredClaim, parties: dict[str, list[tuple[Level, Party]]]) -> list[Any]:
    """The report and relationships for one claim; its parties are collected into ``parties``."""
    claim, mark = sc.claim, marking_ref(sc.marking.read)

    def ref(p: Party) -> str:
        obj_id = party_object(p, mark).id
        parties.setdefault(obj_id, []).append((sc.marking.read, p))
        return obj_id

    stamps = {
        "created": sc.created_at,
        "modified": sc.updated_at,
        "created_by_ref": PRODUCER.id,
        "object_marking_refs": [mark],
    }
    pairs = [("supplies-to", claim.supplier, claim.recipient), ("transits-via", claim.supplier, claim.via)]
    rels = [
        stix2.Relationship(
            id=stix_id("relationship", sc.id, rtype, s, t),
            relationship_type=rtype,
            source_ref=s,
            target_ref=t,
            **stamps,
        )
        for rtype, sources, targets in pairs
        for s in map(ref, sources)
        for t in map(ref, targets)
    ]
    extra = {
        "x_detour_claim_id": sc.id,
        "x_detour_admiralty": sc.grade.code,
        "x_detour_status": claim.status,
        "x_detour_write_marking": sc.marking.write.name,
        "x_detour_field_confidence": dict(sc.field_confidence),
    }
    refs = [ref(p) for role in (claim.supplier, claim.recipient, claim.via) for p in role]
    for role in ("claimant", "channel"):
        party = getattr(claim, role)
        if party is not None:
            refs.append(ref(party))
            extra[f"x_detour_{role}_ref"] = refs[-1]
    refs = list(dict.fromkeys(refs + [r.id for r in rels])) or [PRODUCER.id]
    supplier = ", ".join(p.name for p in claim.supplier) or "?"
    recipient = ", ".join(p.name for p in claim.recipient) or "?"
    report = stix2.Report(
        id=stix_id("report", sc.id),
        name=f"{claim.kind}: {supplier} → {recipient} ({claim.status})",
        description=" … ".join(e.sentence for e in claim.evidence) or None,
        report_types=["allegation"],
        published=_timestamp(claim.published, sc.created_at),
        object_refs=refs,
        confidence=sc.grade.confidence,
        labels=[claim.status, claim.kind, *claim.hedges],
        external_references=[{"source_name": "detour-document", "external_id": sc.doc_sha}],
        allow_custom=True,
        **stamps,
        **extra,
    )
    return [report, *rels]


def assessment_objects(a: dict[str, Any], sc: StoredClaim) -> list[Any]:
    """An ``opinion`` (the verdict) and a ``note`` (reasons and evidence) on the claim's report."""
    common = {
        "object_refs": [stix_id("report", sc.id)],
        "confidence": a["confidence"],
        "created": a["created_at"],
        "modified": a["created_at"],
        "created_by_ref": PRODUCER.id,
        "object_marking_refs": [marking_ref(sc.marking.read)],
        "authors": [a["created_by"]],
    }
    key = (sc.id, a["id"], a["created_at"])
    return [
        stix2.Opinion(
            id=stix_id("opinion", *key),
            opinion=OPINIONS[a["verdict"]],
            explanation="; ".join(map(str, a["reasons"])) or a["verdict"],
            **common,
        ),
        stix2.Note(
            id=stix_id("note", *key),
            abstract=f"Detour assessment: {a['verdict']}",
            content=json.dumps({"reasons": a["reasons"], "evidence": a["evidence"]}, default=str),
            **common,
        ),
    ]


def export_bundle(user: User | str, store: ClaimStore) -> stix2.Bundle:
    """Everything ``user`` may read, as one bundle; nothing else, not even its markings."""
    stored = {sc.id: sc for sc in store.list_claims(user)}
    objects: list[Any] = [PRODUCER]
    parties: dict[str, list[tuple[Level, Party]]] = {}
    for sc in stored.values():
        objects += claim_objects(sc, parties)
    for a in store.list_assessments(user):
        if a["claim_id"] in stored:  # a claim saved between the two reads is not in this export
            objects += assessment_objects(a, stored[a["claim_id"]])
    levels = {sc.marking.read for sc in stored.values()}
    for seen in parties.values():
        lowest, party = min(seen, key=lambda pair: pair[0].rank)
        levels.add(lowest)
        objects.append(party_object(party, marking_ref(lowest)))
    for level in sorted(levels, key=lambda lvl: lvl.rank):
        objects.append(marking_definition(level, store.ladder.title))
    with store.engine.begin() as conn:
        who = user if isinstance(user, str) else user.name
        write_audit(conn, who, "export_stix", None, True, {"claims": len(stored)})
    return stix2.Bundle(objects=objects, allow_custom=True)
