"""The claims store: documents, claims, analyst edits, assessments and source history.

SQLAlchemy Core over SQLite (default: ``claims.sqlite`` in the store directory) or
PostgreSQL (``DETOUR_CLAIMS_DB=postgresql+psycopg://...``). Every method takes the acting
user first and applies the rules of :mod:`detour.store.access`; nothing here decides who
may see what.

A claim row keeps the id it was first saved under even after an analyst edits its key
fields, so saving the same extraction again is a no-op and never overwrites an edit.
JSON is stored as text. ``search_claims`` is one portable ``LIKE`` over a case-folded column
of the claim's values (party names, items, hedges, evidence sentences): folding in Python
rather than SQL ``lower()`` makes "СРБИЈА" find "Србија" on SQLite too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.pool import StaticPool

from detour import settings
from detour.errors import AccessDenied, ConfigError, DetourError
from detour.model.claim import Claim
from detour.model.grading import AdmiraltyGrade, normalise_verdict, reliability_from_history
from detour.model.marking import DEFAULT_LADDER, Ladder, Level, Marking, get_ladder
from detour.store import access
from detour.store.users import User, metadata, now, write_audit

# Claim fields an analyst may edit: evidence is provenance and stays as extracted.
EDITABLE = ("kind", "supplier", "recipient", "via", "items", "period", "modality", "claimant", "channel",
            "status", "hedges", "warnings", "published")  # fmt: skip
GRADE_FIELDS = ("reliability", "credibility")
MARKING_FIELDS = ("read_marking", "write_marking")
ASSESSMENT_KEYS = ("verdict", "confidence", "reasons", "evidence")

T, I, S = sa.Text, sa.Integer, sa.String  # noqa: E741 -- table definitions read better short

meta = sa.Table("meta", metadata, sa.Column("key", S(60), primary_key=True), sa.Column("value", T))
documents = sa.Table(
    "documents", metadata,
    sa.Column("sha256", S(64), primary_key=True), sa.Column("title", T), sa.Column("published", S(32)),
    sa.Column("text_length", I), sa.Column("ingested_at", S(32), nullable=False),
)  # fmt: skip
sources = sa.Table(
    "sources", metadata,
    sa.Column("id", I, primary_key=True, autoincrement=True),
    sa.Column("key", S(300), nullable=False, unique=True),  # case-folded name: one row per claimant
    sa.Column("name", T, nullable=False), sa.Column("iso3", S(3)), sa.Column("kind", S(40)),
)  # fmt: skip
claims = sa.Table(
    "claims", metadata,
    sa.Column("id", S(80), primary_key=True),
    sa.Column("doc_sha", S(64), sa.ForeignKey("documents.sha256"), nullable=False, index=True),
    sa.Column("claim_json", T, nullable=False),
    sa.Column("search_text", T, nullable=False),  # values only: "iso3" must not match every claim
    sa.Column("sentence", T), sa.Column("span_start", I), sa.Column("span_end", I),
    sa.Column("reliability", S(1), nullable=False), sa.Column("credibility", I, nullable=False),
    sa.Column("read_marking", S(60), nullable=False), sa.Column("read_rank", I, nullable=False, index=True),
    sa.Column("write_marking", S(60), nullable=False), sa.Column("write_rank", I, nullable=False),
    sa.Column("source_id", I, sa.ForeignKey("sources.id"), index=True),
    sa.Column("field_confidence", T, nullable=False, default="{}"),  # {field: 0-100}
    sa.Column("created_by", S(200), nullable=False), sa.Column("created_at", S(32), nullable=False),
    sa.Column("updated_at", S(32), nullable=False),
)  # fmt: skip
claim_edits = sa.Table(
    "claim_edits", metadata,
    sa.Column("id", I, primary_key=True, autoincrement=True),
    sa.Column("claim_id", S(80), sa.ForeignKey("claims.id"), nullable=False, index=True),
    sa.Column("who", S(200), nullable=False), sa.Column("at", S(32), nullable=False),
    sa.Column("field", S(40), nullable=False), sa.Column("old", T), sa.Column("new", T),
    sa.Column("confidence", I),
)  # fmt: skip
assessments = sa.Table(
    "assessments", metadata,
    sa.Column("id", I, primary_key=True, autoincrement=True),
    sa.Column("claim_id", S(80), sa.ForeignKey("claims.id"), nullable=False, index=True),
    sa.Column("verdict", S(40), nullable=False), sa.Column("confidence", I, nullable=False),
    sa.Column("reasons", T), sa.Column("evidence", T), sa.Column("extra", T),
    sa.Column("created_by", S(200), nullable=False), sa.Column("created_at", S(32), nullable=False),
)  # fmt: skip
source_assessments = sa.Table(
    "source_assessments", metadata,
    sa.Column("id", I, primary_key=True, autoincrement=True),
    sa.Column("source_id", I, sa.ForeignKey("sources.id"), nullable=False, index=True),
    sa.Column("claim_id", S(80), sa.ForeignKey("claims.id"), nullable=False, index=True),
    sa.Column("assessment_id", I, sa.ForeignKey("assessments.id"), nullable=False),
    sa.Column("verdict", S(40), nullable=False), sa.Column("confidence", I, nullable=False),
    sa.Column("assessed_at", S(32), nullable=False),
)  # fmt: skip


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


def search_text(claim: Claim) -> str:
    """The words a search may match: every value of the claim, none of its JSON keys."""

    def values(v: Any) -> Iterable[str]:
        if isinstance(v, dict):
            return (w for x in v.values() for w in values(x))
        if isinstance(v, list):
            return (w for x in v for w in values(x))
        return () if v is None else (str(v),)

    d = claim.to_dict()
    d.pop("id")
    d["evidence"] = [e["sentence"] for e in d["evidence"]]
    return "\n".join(values(d)).casefold()


def source_key(name: str) -> str:
    return " ".join(name.casefold().split())


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` literally anywhere (``%`` and ``_`` escaped)."""
    return "%" + text.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def default_url() -> str:
    url = settings.claims_db_url()
    if url:
        return url
    path = settings.store_dir() / "claims.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def make_engine(url: str) -> sa.Engine:
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_pre_ping=True)
    memory = url in ("sqlite://", "sqlite:///:memory:")
    engine = sa.create_engine(
        url,
        poolclass=StaticPool if memory else None,
        connect_args={"timeout": 30, "check_same_thread": False},
    )
    # SQLite ignores foreign keys unless asked, per connection.
    sa.event.listen(engine, "connect", lambda dbapi, _rec: dbapi.execute("PRAGMA foreign_keys=ON"))
    return engine


def insert_ignore(conn: sa.Connection, table: sa.Table, values: dict[str, Any]) -> int:
    """INSERT … ON CONFLICT DO NOTHING; 1 if a row was added. Race-free idempotent saves."""
    if conn.dialect.name not in ("postgresql", "sqlite"):
        raise ConfigError(f"unsupported database {conn.dialect.name!r}", hint="use SQLite or PostgreSQL")
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(**values).on_conflict_do_nothing()
    # RETURNING rather than rowcount: psycopg reports -1 for a conflicting no-op insert.
    return len(conn.execute(stmt.returning(*table.primary_key.columns)).all())


class ClaimStore:
    """All persistence for claims; the rules are in the docstring of :mod:`detour.store.access`."""

    def __init__(self, url: str | None = None, *, ladder: str | Ladder = DEFAULT_LADDER) -> None:
        self.url = url or default_url()
        self.ladder = get_ladder(ladder) if isinstance(ladder, str) else ladder
        self.engine = make_engine(self.url)
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # two processes creating tables at once would collide
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(0x6465746F7572)))
            metadata.create_all(conn)
        self._check_ladder()

    def _check_ladder(self) -> None:
        """A store's ranks only mean something under the ladder it was created with."""
        mine = json.dumps({"name": self.ladder.name, "levels": list(self.ladder.names())})
        with self.engine.begin() as conn:
            insert_ignore(conn, meta, {"key": "ladder", "value": mine})
            theirs = conn.execute(sa.select(meta.c.value).where(meta.c.key == "ladder")).scalar_one()
        if theirs != mine:
            name = json.loads(theirs)["name"]
            raise ConfigError(
                f"claims store {self.url} uses marking ladder {name!r}, not {self.ladder.name!r}",
                hint="open it with the ladder it was created with",
            )

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
                ev = claim.evidence[0] if claim.evidence else None
                row = {
                    "id": claim.id,
                    "doc_sha": doc_sha,
                    "claim_json": json.dumps(claim.to_dict(), sort_keys=True),
                    "search_text": search_text(claim),
                    "sentence": ev and ev.sentence,
                    "span_start": ev and ev.start,
                    "span_end": ev and ev.end,
                    "reliability": grade.reliability,
                    "credibility": grade.credibility,
                    "read_marking": mark.read.name,
                    "read_rank": mark.read.rank,
                    "write_marking": mark.write.name,
                    "write_rank": mark.write.rank,
                    "source_id": self._source_id(conn, claim),
                    "field_confidence": "{}",
                    "created_by": actor.name,
                    "created_at": stamp,
                    "updated_at": stamp,
                }
                added += insert_ignore(conn, claims, row)
            write_audit(conn, actor.name, "save_claims", doc_sha, True, {"claims": len(batch), "new": added})
        return added

    def _source_id(self, conn: sa.Connection, claim: Claim) -> int | None:
        party = claim.claimant
        if party is None:
            return None
        key = source_key(party.name)
        insert_ignore(conn, sources, {"key": key, "name": party.name, "iso3": party.iso3, "kind": party.kind})
        return conn.execute(sa.select(sources.c.id).where(sources.c.key == key)).scalar_one()

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

    def _visible_row(self, conn: sa.Connection, actor: User, claim_id: str, lock: bool = False) -> Any:
        """The claim row if ``actor`` may see it, else NotFound: missing and invisible look the same."""
        query = sa.select(claims).where(claims.c.id == claim_id, access.readable(actor, claims))
        row = conn.execute(query.with_for_update() if lock else query).first()
        if row is None:
            raise access.not_found("claim", claim_id)
        return row

    def get_claim(self, user: User | str, claim_id: str) -> StoredClaim:
        with self._acting(user, "read", claim_id) as (conn, actor):
            row = self._visible_row(conn, actor, claim_id)
            access.audit_read(conn, actor, "read", claim_id)
        return self._to_stored(row)

    def _where(self, actor: User, doc_sha: str | None, claimant: str | None, text: str | None) -> list[Any]:
        where: list[Any] = [access.readable(actor, claims)]
        if doc_sha:
            where.append(claims.c.doc_sha == doc_sha)
        if claimant:
            by_name = sa.select(sources.c.id).where(sources.c.key == source_key(claimant))
            where.append(claims.c.source_id.in_(by_name))
        if text:  # both sides case-folded in Python, see the module docstring
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

    # -- edits, assessments, sources ---------------------------------------------------
    def edit_claim(
        self, user: User | str, claim_id: str, field: str, value: Any, *, confidence: int | None = None
    ) -> StoredClaim:
        """Change one field, keep the old value in ``claim_edits``; ``confidence`` (0–100) is per field."""
        if field not in EDITABLE + GRADE_FIELDS + MARKING_FIELDS:
            allowed = ", ".join(EDITABLE + GRADE_FIELDS + MARKING_FIELDS)
            raise DetourError(f"cannot edit {field!r}", hint=f"editable: {allowed}")
        if confidence is not None and not 0 <= int(confidence) <= 100:
            raise DetourError(f"confidence must be 0–100, got {confidence!r}")
        with self._acting(user, "edit", claim_id) as (conn, actor):
            row = self._editable_row(conn, actor, claim_id, "edit")
            changes: dict[str, Any] = {"updated_at": now()}
            if field in EDITABLE:
                old, new = self._edit_claim_field(conn, row, field, value, changes)
            elif field in GRADE_FIELDS:
                current = {"reliability": row.reliability, "credibility": row.credibility}
                grade = AdmiraltyGrade(**{**current, field: value})
                old, new = getattr(row, field), getattr(grade, field)
                changes[field] = new
            else:
                access.require_role(actor, ("admin",), "change markings")
                kind = field.split("_")[0]  # read | write
                current = {"read": row.read_marking, "write": row.write_marking}
                mark = Marking.of(self.ladder, **{**current, kind: value})
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
        return self._to_stored(updated)

    def _edit_claim_field(
        self, conn: sa.Connection, row: Any, field: str, value: Any, changes: dict[str, Any]
    ) -> tuple[Any, Any]:
        """Apply an edit to the claim JSON (validated by ``Claim.from_dict``); returns old and new."""
        data = json.loads(row.claim_json)
        old = data.get(field)
        claim = Claim.from_dict({**data, field: value})  # validates the new value
        data = {**claim.to_dict(), "id": row.id}
        changes.update(claim_json=json.dumps(data, sort_keys=True), search_text=search_text(claim))
        if field == "claimant":  # the reliability history follows the corrected claimant
            sid = changes["source_id"] = self._source_id(conn, claim)
            history = source_assessments.c.claim_id == row.id
            conn.execute(
                source_assessments.update().where(history).values(source_id=sid)
                if sid
                else source_assessments.delete().where(history)
            )
        return old, data[field]

    def _editable_row(self, conn: sa.Connection, actor: User, claim_id: str, action: str) -> Any:
        """The row to change, locked; NotFound if invisible, AccessDenied if visible but not writable."""
        row = self._visible_row(conn, actor, claim_id, lock=True)
        access.require_role(actor, access.EDITOR_ROLES, action + " claims")
        if not access.can_edit(actor, Marking.of(self.ladder, row.read_marking, row.write_marking)):
            mark = row.write_marking
            raise AccessDenied(f"{actor.name} may not {action} {claim_id}: its write marking is {mark}")
        return row

    def claim_history(self, user: User | str, claim_id: str) -> list[dict[str, Any]]:
        """Edits of one visible claim, oldest first, values decoded from JSON."""
        with self._acting(user, "read_history", claim_id) as (conn, actor):
            self._visible_row(conn, actor, claim_id)
            query = sa.select(claim_edits).where(claim_edits.c.claim_id == claim_id)
            rows = conn.execute(query.order_by(claim_edits.c.id)).mappings().all()
            access.audit_read(conn, actor, "read_history", claim_id, returned=len(rows))
        return [{**r, "old": json.loads(r["old"]), "new": json.loads(r["new"])} for r in rows]

    def record_assessment(self, user: User | str, claim_id: str, assessment: dict[str, Any]) -> int:
        """Store a verdict on a claim and append it to the claimant's reliability history.

        ``assessment`` has ``verdict`` (see ``grading.VERDICTS``), ``confidence`` (0–100,
        default 50), ``reasons`` and ``evidence`` (JSON-able lists); other keys go to ``extra``.
        """
        verdict = normalise_verdict(assessment["verdict"])
        confidence = int(assessment.get("confidence", 50))
        if not 0 <= confidence <= 100:
            raise DetourError(f"assessment confidence must be 0–100, got {confidence}")
        extra = {k: v for k, v in assessment.items() if k not in ASSESSMENT_KEYS}
        with self._acting(user, "assess", claim_id) as (conn, actor):
            row = self._editable_row(conn, actor, claim_id, "assess")
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

    def list_assessments(self, user: User | str, claim_id: str | None = None) -> list[dict[str, Any]]:
        """Assessments of visible claims (all, or one claim's), oldest first."""
        with self._acting(user, "list_assessments", claim_id) as (conn, actor):
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

    def source_reliability(self, user: User | str, claimant: str) -> dict[str, Any]:
        """A claimant's verdict history over visible claims and the reliability letter it earns."""
        key, hist = source_key(claimant), source_assessments
        with self._acting(user, "source_reliability", key) as (conn, actor):
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

    def list_sources(self, user: User | str) -> list[dict[str, Any]]:
        """Claimants with visible claims: claim count, verdict counts and reliability letter."""
        hist = source_assessments
        with self._acting(user, "list_sources") as (conn, actor):
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
