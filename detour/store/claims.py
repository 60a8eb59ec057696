"""The claims store: documents, claims, analyst edits, assessments and source history.

``ClaimStore`` is the one object callers use. Every method takes the acting user first and
applies the rules of :mod:`detour.store.access`; nothing here decides who may see what.
Saving and reading claims live here; edits, assessments and source reliability are in
:mod:`detour.store.history`; tables, engine and URL are in :mod:`detour.store.schema`.

A claim row keeps the id it was first saved under even after an analyst edits its key
fields, so saving the same extraction again is a no-op and never overwrites an edit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from detour.errors import DetourError
from detour.model.claim import Claim
from detour.model.grading import AdmiraltyGrade
from detour.model.marking import DEFAULT_LADDER, Ladder, Level, Marking, get_ladder
from detour.store import access, history
from detour.store.history import ASSESSMENT_KEYS, EDITABLE, GRADE_FIELDS, MARKING_FIELDS
from detour.store.schema import (
    assessments,
    check_ladder,
    claim_edits,
    claim_row,
    claims,
    create_tables,
    default_url,
    documents,
    insert_ignore,
    like_pattern,
    make_engine,
    meta,
    search_text,
    source_assessments,
    source_key,
    sources,
)
from detour.store.users import User, now, write_audit

# Names this module has always offered; the tables and helpers now live in schema and history.
__all__ = [
    "ASSESSMENT_KEYS", "EDITABLE", "GRADE_FIELDS", "MARKING_FIELDS", "ClaimStore", "StoredClaim",
    "assessments", "claim_edits", "claims", "default_url", "documents", "insert_ignore", "like_pattern",
    "make_engine", "meta", "search_text", "source_assessments", "source_key", "sources",
]  # fmt: skip


@dataclass(frozen=True)
class StoredClaim:
    """A claim as stored: the claim value plus its grade, markings and provenance."""

    id: str
    claim: Claim
    doc_sha: str
    grade: AdmiraltyGrade
    marking: Marking
    created_by: str
    created_at: str
    updated_at: str
    field_confidence: tuple[tuple[str, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "claim": {**self.claim.to_dict(), "id": self.id},
            "doc_sha": self.doc_sha,
            "grade": self.grade.code,
            "marking": self.marking.to_dict(),
            "created_by": self.created_by,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "field_confidence": dict(self.field_confidence),
        }


class ClaimStore:
    """All persistence for claims; the rules are in the docstring of :mod:`detour.store.access`."""

    def __init__(self, url: str | None = None, *, ladder: str | Ladder = DEFAULT_LADDER) -> None:
        self.url = url or default_url()
        self.ladder = get_ladder(ladder) if isinstance(ladder, str) else ladder
        self.engine = make_engine(self.url)
        create_tables(self.engine)
        check_ladder(self.engine, self.ladder, self.url)

    def close(self) -> None:
        self.engine.dispose()

    def _acting(self, user: User | str, action: str, object_id: str | None = None) -> Any:
        return access.acting(self.engine, self.ladder, user, action, object_id)

    # -- users -------------------------------------------------------------------------
    def add_user(
        self,
        name: str,
        password: str,
        clearance: str | Level,
        roles: Iterable[str] = ("reader",),
        *,
        actor: User | str | None = None,
    ) -> User:
        return access.add_user(self.engine, self.ladder, name, password, clearance, tuple(roles), actor)

    def authenticate(self, name: str, password: str) -> User:
        return access.authenticate(self.engine, self.ladder, name, password)

    def audit_log(self, user: User | str, limit: int = 100) -> list[dict[str, Any]]:
        return access.audit_log(self.engine, self.ladder, user, limit)

    # -- claims ------------------------------------------------------------------------
    def save_claims(
        self,
        user: User | str,
        batch: Iterable[Claim],
        doc_sha: str,
        *,
        marking: Marking | None = None,
        grading: AdmiraltyGrade | None = None,
        title: str | None = None,
        published: str | None = None,
        text_length: int | None = None,
    ) -> int:
        """Save claims from one document; returns how many were new (same id twice is a no-op)."""
        batch, grade = list(batch), grading or AdmiraltyGrade()
        with self._acting(user, "save_claims", doc_sha) as (conn, actor):
            access.require_role(actor, access.EDITOR_ROLES, "save claims")
            mark = marking or access.default_marking(actor)
            mark = Marking.of(self.ladder, mark.read.name, mark.write.name)  # must be this store's ladder
            access.check_assignable(actor, mark)
            stamp = now()
            doc = {"sha256": doc_sha, "title": title, "published": published, "text_length": text_length}
            insert_ignore(conn, documents, {**doc, "ingested_at": stamp})
            added = 0
            for claim in batch:
                row = claim_row(conn, claim, doc_sha, grade, mark, actor.name, stamp)
                added += insert_ignore(conn, claims, row)
            write_audit(conn, actor.name, "save_claims", doc_sha, True, {"claims": len(batch), "new": added})
        return added

    def _to_stored(self, row: Any) -> StoredClaim:
        return StoredClaim(
            id=row.id,
            claim=Claim.from_dict(json.loads(row.claim_json)),
            doc_sha=row.doc_sha,
            grade=AdmiraltyGrade(row.reliability, row.credibility),
            marking=Marking.of(self.ladder, row.read_marking, row.write_marking),
            created_by=row.created_by,
            created_at=row.created_at,
            updated_at=row.updated_at,
            field_confidence=tuple(sorted(json.loads(row.field_confidence).items())),
        )

    def get_claim(self, user: User | str, claim_id: str) -> StoredClaim:
        with self._acting(user, "read", claim_id) as (conn, actor):
            row = history.visible_row(conn, actor, claim_id)
            access.audit_read(conn, actor, "read", claim_id)
        return self._to_stored(row)

    def _where(self, actor: User, doc_sha: str | None, claimant: str | None, text: str | None) -> list[Any]:
        where: list[Any] = [access.readable(actor, claims)]
        if doc_sha:
            where.append(claims.c.doc_sha == doc_sha)
        if claimant:
            by_name = sa.select(sources.c.id).where(sources.c.key == source_key(claimant))
            where.append(claims.c.source_id.in_(by_name))
        if text:  # both sides case-folded in Python, see the docstring of detour.store.schema
            where.append(claims.c.search_text.like(like_pattern(text), escape="\\"))
        return where

    def list_claims(
        self,
        user: User | str,
        *,
        doc_sha: str | None = None,
        claimant: str | None = None,
        text: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[StoredClaim]:
        """Visible claims, oldest first, optionally by document, claimant or text."""
        filters = {"doc_sha": doc_sha, "claimant": claimant, "text": text}
        with self._acting(user, "list_claims") as (conn, actor):
            query = sa.select(claims).where(*self._where(actor, **filters))
            query = query.order_by(claims.c.created_at, claims.c.id).limit(limit).offset(offset)
            rows = conn.execute(query).all()
            access.audit_read(conn, actor, "list_claims", **filters, returned=len(rows))
        return [self._to_stored(r) for r in rows]

    def search_claims(self, user: User | str, text: str, limit: int = 50) -> list[StoredClaim]:
        """Case-insensitive substring search over the values of visible claims."""
        if not text.strip():
            raise DetourError("empty search", hint="give some text to search for")
        return self.list_claims(user, text=text, limit=limit)

    def count_claims(
        self,
        user: User | str,
        *,
        doc_sha: str | None = None,
        claimant: str | None = None,
        text: str | None = None,
    ) -> int:
        filters = {"doc_sha": doc_sha, "claimant": claimant, "text": text}
        with self._acting(user, "count_claims") as (conn, actor):
            query = sa.select(sa.func.count()).select_from(claims).where(*self._where(actor, **filters))
            n = int(conn.execute(query).scalar_one())
            access.audit_read(conn, actor, "count_claims", **filters, returned=n)
        return n

    def list_documents(self, user: User | str) -> list[dict[str, Any]]:
        """Documents with at least one visible claim, with the visible-claim count."""
        with self._acting(user, "list_documents") as (conn, actor):
            query = (
                sa.select(documents, sa.func.count(claims.c.id).label("claims"))
                .join(claims, claims.c.doc_sha == documents.c.sha256)
                .where(access.readable(actor, claims))
                .group_by(*documents.c)
                .order_by(documents.c.ingested_at, documents.c.sha256)
            )
            rows = conn.execute(query).mappings().all()
            access.audit_read(conn, actor, "list_documents", returned=len(rows))
        return [dict(r) for r in rows]

    # -- edits, assessments, sources: see detour.store.history -------------------------
    def edit_claim(
        self, user: User | str, claim_id: str, field: str, value: Any, *, confidence: int | None = None
    ) -> StoredClaim:
        """Change one field, keep the old value in ``claim_edits``; ``confidence`` (0–100) is per field."""
        row = history.edit_claim(self.engine, self.ladder, user, claim_id, field, value, confidence)
        return self._to_stored(row)

    def claim_history(self, user: User | str, claim_id: str) -> list[dict[str, Any]]:
        """Edits of one visible claim, oldest first, values decoded from JSON."""
        return history.claim_history(self.engine, self.ladder, user, claim_id)

    def record_assessment(self, user: User | str, claim_id: str, assessment: dict[str, Any]) -> int:
        """Store a verdict on a claim and append it to the claimant's reliability history.

        ``assessment`` has ``verdict`` (see ``grading.VERDICTS``), ``confidence`` (0–100,
        default 50), ``reasons`` and ``evidence`` (JSON-able lists); other keys go to ``extra``.
        """
        return history.record_assessment(self.engine, self.ladder, user, claim_id, assessment)

    def list_assessments(self, user: User | str, claim_id: str | None = None) -> list[dict[str, Any]]:
        """Assessments of visible claims (all, or one claim's), oldest first."""
        return history.list_assessments(self.engine, self.ladder, user, claim_id)

    def source_reliability(self, user: User | str, claimant: str) -> dict[str, Any]:
        """A claimant's verdict history over visible claims and the reliability letter it earns."""
        return history.source_reliability(self.engine, self.ladder, user, claimant)

    def list_sources(self, user: User | str) -> list[dict[str, Any]]:
        """Claimants with visible claims: claim count, verdict counts and reliability letter."""
        return history.list_sources(self.engine, self.ladder, user)
