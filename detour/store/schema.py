"""The claims store's tables, its database URL and engine, and the values derived for its rows.

SQLAlchemy Core over SQLite (default: ``claims.sqlite`` in the store directory) or
PostgreSQL (``DETOUR_CLAIMS_DB=postgresql+psycopg://...``). The tables hang on the
``metadata`` of :mod:`detour.store.users`, so one ``create_all`` makes the whole store.

JSON is stored as text. Searching is one portable ``LIKE`` over ``claims.search_text``, a
case-folded column of the claim's values (party names, items, hedges, evidence sentences):
folding in Python rather than SQL ``lower()`` makes "СРБИЈА" find "Србија" on SQLite too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.pool import StaticPool

from detour import settings
from detour.errors import ConfigError
from detour.model.claim import Claim
from detour.model.grading import AdmiraltyGrade
from detour.model.marking import Ladder, Marking
from detour.store.users import metadata

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


def create_tables(engine: sa.Engine) -> None:
    """Create the tables that are missing: every store table, users and audit included."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # two processes creating tables at once would collide
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(0x6465746F7572)))
        metadata.create_all(conn)


def check_ladder(engine: sa.Engine, ladder: Ladder, url: str) -> None:
    """Record the store's ladder on first use; refuse any other: ranks only mean something under it."""
    mine = json.dumps({"name": ladder.name, "levels": list(ladder.names())})
    with engine.begin() as conn:
        insert_ignore(conn, meta, {"key": "ladder", "value": mine})
        theirs = conn.execute(sa.select(meta.c.value).where(meta.c.key == "ladder")).scalar_one()
    if theirs != mine:
        name = json.loads(theirs)["name"]
        raise ConfigError(
            f"claims store {url} uses marking ladder {name!r}, not {ladder.name!r}",
            hint="open it with the ladder it was created with",
        )


def insert_ignore(conn: sa.Connection, table: sa.Table, values: dict[str, Any]) -> int:
    """INSERT … ON CONFLICT DO NOTHING; 1 if a row was added. Race-free idempotent saves."""
    if conn.dialect.name not in ("postgresql", "sqlite"):
        raise ConfigError(f"unsupported database {conn.dialect.name!r}", hint="use SQLite or PostgreSQL")
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(**values).on_conflict_do_nothing()
    # RETURNING rather than rowcount: psycopg reports -1 for a conflicting no-op insert.
    return len(conn.execute(stmt.returning(*table.primary_key.columns)).all())


def source_id(conn: sa.Connection, claim: Claim) -> int | None:
    """The ``sources`` row of the claim's claimant, added on first sight; None without a claimant."""
    party = claim.claimant
    if party is None:
        return None
    key = source_key(party.name)
    insert_ignore(conn, sources, {"key": key, "name": party.name, "iso3": party.iso3, "kind": party.kind})
    return conn.execute(sa.select(sources.c.id).where(sources.c.key == key)).scalar_one()


def claim_row(
    conn: sa.Connection,
    claim: Claim,
    doc_sha: str,
    grade: AdmiraltyGrade,
    mark: Marking,
    who: str,
    stamp: str,
) -> dict[str, Any]:
    """The ``claims`` row for a newly saved claim; adds its claimant to ``sources`` if new."""
    ev = claim.evidence[0] if claim.evidence else None
    return {
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
        "source_id": source_id(conn, claim),
        "field_confidence": "{}",
        "created_by": who,
        "created_at": stamp,
        "updated_at": stamp,
    }
