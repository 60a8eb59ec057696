"""What analysts add to stored claims: edits, assessments and each claimant's track record.

An edit changes one field and keeps the old value in ``claim_edits``. An assessment is a
verdict on a claim; it is also appended to ``source_assessments``, the reliability history
of the claim's claimant, which follows the claim when an analyst corrects its claimant.
Reliability letters are derived from that history over the claims the user can see.

Like :func:`detour.store.access.add_user`, each function takes the store's engine and
ladder and the acting user, and runs as that user under :func:`detour.store.access.acting`;
``ClaimStore`` calls them. The visibility and write rules are those of
:mod:`detour.store.access`.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import sqlalchemy as sa

from detour.errors import AccessDenied, DetourError
from detour.model.claim import Claim
from detour.model.grading import AdmiraltyGrade, normalise_verdict, reliability_from_history
from detour.model.marking import Ladder, Marking
from detour.store import access
from detour.store.schema import (
    assessments,
    claim_edits,
    claims,
    search_text,
    source_assessments,
    source_id,
    source_key,
    sources,
)
from detour.store.users import User, now, write_audit

# Claim fields an analyst may edit: evidence is provenance and stays as extracted.
EDITABLE = ("kind", "supplier", "recipient", "via", "items", "period", "modality", "claimant", "channel",
            "status", "hedges", "warnings", "published")  # fmt: skip
GRADE_FIELDS = ("reliability", "credibility")
MARKING_FIELDS = ("read_marking", "write_marking")
ASSESSMENT_KEYS = ("verdict", "confidence", "reasons", "evidence")


def visible_row(conn: sa.Connection, actor: User, claim_id: str, lock: bool = False) -> Any:
    """The claim row if ``actor`` may see it, else NotFound: missing and invisible look the same."""
    query = sa.select(claims).where(claims.c.id == claim_id, access.readable(actor, claims))
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise access.not_found("claim", claim_id)
    return row


def editable_row(conn: sa.Connection, ladder: Ladder, actor: User, claim_id: str, action: str) -> Any:
    """The row to change, locked; NotFound if invisible, AccessDenied if visible but not writable."""
    row = visible_row(conn, actor, claim_id, lock=True)
    access.require_role(actor, access.EDITOR_ROLES, action + " claims")
    if not access.can_edit(actor, Marking.of(ladder, row.read_marking, row.write_marking)):
        mark = row.write_marking
        raise AccessDenied(f"{actor.name} may not {action} {claim_id}: its write marking is {mark}")
    return row


def edit_claim(
    engine: sa.Engine,
    ladder: Ladder,
    user: User | str,
    claim_id: str,
    field: str,
    value: Any,
    confidence: int | None,
) -> Any:
    """Change one field, keep the old value in ``claim_edits``; returns the updated claim row."""
    if field not in EDITABLE + GRADE_FIELDS + MARKING_FIELDS:
        allowed = ", ".join(EDITABLE + GRADE_FIELDS + MARKING_FIELDS)
        raise DetourError(f"cannot edit {field!r}", hint=f"editable: {allowed}")
    if confidence is not None and not 0 <= int(confidence) <= 100:
        raise DetourError(f"confidence must be 0–100, got {confidence!r}")
    with access.acting(engine, ladder, user, "edit", claim_id) as (conn, actor):
        row = editable_row(conn, ladder, actor, claim_id, "edit")
        changes: dict[str, Any] = {"updated_at": now()}
        if field in EDITABLE:
            old, new = _edit_claim_field(conn, row, field, value, changes)
        elif field in GRADE_FIELDS:
            current = {"reliability": row.reliability, "credibility": row.credibility}
            grade = AdmiraltyGrade(**{**current, field: value})
            old, new = getattr(row, field), getattr(grade, field)
            changes[field] = new
        else:
            access.require_role(actor, ("admin",), "change markings")
            kind = field.split("_")[0]  # read | write
            current = {"read": row.read_marking, "write": row.write_marking}
            mark = Marking.of(ladder, **{**current, kind: value})
            access.check_assignable(actor, mark)
            level = getattr(mark, kind)
            old, new = getattr(row, field), level.name
            changes.update({field: level.name, f"{kind}_rank": level.rank})
        if confidence is not None:
            per_field = {**json.loads(row.field_confidence), field: int(confidence)}
            changes["field_confidence"] = json.dumps(per_field, sort_keys=True)
        conn.execute(claims.update().where(claims.c.id == claim_id).values(**changes))
        edit = {"who": actor.name, "at": changes["updated_at"], "field": field, "confidence": confidence}
        edit.update(claim_id=claim_id, old=json.dumps(old), new=json.dumps(new))
        conn.execute(claim_edits.insert().values(**edit))
        write_audit(conn, actor.name, "edit", claim_id, True, {"field": field})
        updated = conn.execute(sa.select(claims).where(claims.c.id == claim_id)).one()
    return updated


def _edit_claim_field(
    conn: sa.Connection, row: Any, field: str, value: Any, changes: dict[str, Any]
) -> tuple[Any, Any]:
    """Apply an edit to the claim JSON (validated by ``Claim.from_dict``); returns old and new."""
    data = json.loads(row.claim_json)
    old = data.get(field)
    claim = Claim.from_dict({**data, field: value})  # validates the new value
    data = {**claim.to_dict(), "id": row.id}
    changes.update(claim_json=json.dumps(data, sort_keys=True), search_text=search_text(claim))
    if field == "claimant":  # the reliability history follows the corrected claimant
        sid = changes["source_id"] = source_id(conn, claim)
        history = source_assessments.c.claim_id == row.id
        conn.execute(
            source_assessments.update().where(history).values(source_id=sid)
            if sid
            else source_assessments.delete().where(history)
        )
    return old, data[field]


def claim_history(engine: sa.Engine, ladder: Ladder, user: User | str, claim_id: str) -> list[dict[str, Any]]:
    """Edits of one visible claim, oldest first, values decoded from JSON."""
    with access.acting(engine, ladder, user, "read_history", claim_id) as (conn, actor):
        visible_row(conn, actor, claim_id)
        query = sa.select(claim_edits).where(claim_edits.c.claim_id == claim_id)
        rows = conn.execute(query.order_by(claim_edits.c.id)).mappings().all()
        access.audit_read(conn, actor, "read_history", claim_id, returned=len(rows))
    return [{**r, "old": json.loads(r["old"]), "new": json.loads(r["new"])} for r in rows]


def record_assessment(
    engine: sa.Engine, ladder: Ladder, user: User | str, claim_id: str, assessment: dict[str, Any]
) -> int:
    """Store a verdict on a claim and append it to the claimant's reliability history.

    ``assessment`` has ``verdict`` (see ``grading.VERDICTS``), ``confidence`` (0–100,
    default 50), ``reasons`` and ``evidence`` (JSON-able lists); other keys go to ``extra``.
    """
    verdict = normalise_verdict(assessment["verdict"])
    confidence = int(assessment.get("confidence", 50))
    if not 0 <= confidence <= 100:
        raise DetourError(f"assessment confidence must be 0–100, got {confidence}")
    extra = {k: v for k, v in assessment.items() if k not in ASSESSMENT_KEYS}
    with access.acting(engine, ladder, user, "assess", claim_id) as (conn, actor):
        row = editable_row(conn, ladder, actor, claim_id, "assess")
        stamp = now()
        values = {
            "claim_id": claim_id,
            "verdict": verdict,
            "confidence": confidence,
            "reasons": json.dumps(assessment.get("reasons", []), default=str),
            "evidence": json.dumps(assessment.get("evidence", []), default=str),
            "extra": json.dumps(extra, default=str),
            "created_by": actor.name,
            "created_at": stamp,
        }
        aid = conn.execute(assessments.insert().values(values).returning(assessments.c.id)).scalar_one()
        if row.source_id is not None:
            history = {"verdict": verdict, "confidence": confidence, "assessed_at": stamp}
            conn.execute(
                source_assessments.insert().values(
                    source_id=row.source_id, claim_id=claim_id, assessment_id=aid, **history
                )
            )
        write_audit(conn, actor.name, "assess", claim_id, True, {"verdict": verdict})
    return int(aid)


def list_assessments(
    engine: sa.Engine, ladder: Ladder, user: User | str, claim_id: str | None
) -> list[dict[str, Any]]:
    """Assessments of visible claims (all, or one claim's), oldest first."""
    with access.acting(engine, ladder, user, "list_assessments", claim_id) as (conn, actor):
        query = (
            sa.select(assessments)
            .join(claims, claims.c.id == assessments.c.claim_id)
            .where(access.readable(actor, claims))
        )
        if claim_id:
            query = query.where(assessments.c.claim_id == claim_id)
        rows = conn.execute(query.order_by(assessments.c.id)).mappings().all()
        access.audit_read(conn, actor, "list_assessments", claim_id, returned=len(rows))
    return [{**r, **{k: json.loads(r[k]) for k in ("reasons", "evidence", "extra")}} for r in rows]


def source_reliability(engine: sa.Engine, ladder: Ladder, user: User | str, claimant: str) -> dict[str, Any]:
    """A claimant's verdict history over visible claims and the reliability letter it earns."""
    key, hist = source_key(claimant), source_assessments
    with access.acting(engine, ladder, user, "source_reliability", key) as (conn, actor):
        visible_sources = sa.select(claims.c.source_id).where(access.readable(actor, claims))
        query = sa.select(sources).where(sources.c.key == key, sources.c.id.in_(visible_sources))
        src = conn.execute(query).mappings().first()
        if src is None:
            raise access.not_found("source", claimant)
        query = (
            sa.select(hist.c.claim_id, hist.c.verdict, hist.c.confidence, hist.c.assessed_at)
            .join(claims, claims.c.id == hist.c.claim_id)
            .where(hist.c.source_id == src["id"], access.readable(actor, claims))
            .order_by(hist.c.id)
        )
        rows = conn.execute(query).mappings().all()
        access.audit_read(conn, actor, "source_reliability", key, returned=len(rows))
    estimate = reliability_from_history(r["verdict"] for r in rows)
    return {
        "source": {k: src[k] for k in ("name", "iso3", "kind")},
        "history": [dict(r) for r in rows],
        "reliability": estimate.letter,
        "estimate": asdict(estimate),
    }


def list_sources(engine: sa.Engine, ladder: Ladder, user: User | str) -> list[dict[str, Any]]:
    """Claimants with visible claims: claim count, verdict counts and reliability letter."""
    hist = source_assessments
    with access.acting(engine, ladder, user, "list_sources") as (conn, actor):
        seen = sa.select(claims.c.id, claims.c.source_id).where(access.readable(actor, claims))
        visible = seen.subquery()
        query = (
            sa.select(sources, sa.func.count(visible.c.id).label("claims"))
            .join(visible, visible.c.source_id == sources.c.id)
            .group_by(*sources.c)
            .order_by(sources.c.key)
        )
        rows = conn.execute(query).mappings().all()
        query = (
            sa.select(hist.c.source_id, hist.c.verdict, sa.func.count())
            .join(visible, visible.c.id == hist.c.claim_id)
            .group_by(hist.c.source_id, hist.c.verdict)
        )
        verdicts = conn.execute(query).all()
        access.audit_read(conn, actor, "list_sources", returned=len(rows))
    out = []
    for src in rows:
        est = reliability_from_history(v for sid, v, n in verdicts if sid == src["id"] for _ in range(n))
        names = {k: src[k] for k in ("name", "iso3", "kind", "claims")}
        out.append({**names, "verdicts": dict(est.counts), "reliability": est.letter})
    return out
