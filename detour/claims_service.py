"""Claims use cases: extract, grade, store, check, export. Every function takes the acting user.

Who is acting: a shared (PostgreSQL) claims store always authenticates with name and
password. A local SQLite store in the user's own store directory trusts the OS account that
can read the file anyway; its first use creates the local user ``DETOUR_USER`` (default
``analyst``) with the top clearance of the ladder, recorded in the audit log.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detour import settings
from detour.errors import AccessDenied, DetourError, NotFound
from detour.model.claim import Claim
from detour.model.grading import AdmiraltyGrade
from detour.model.marking import Marking
from detour.service import Context
from detour.store.claims import ClaimStore
from detour.store.users import User

if TYPE_CHECKING:
    from detour.detectors import SharedPanel

# Admiralty information credibility from how the text presents the claim: "confirmed" by an
# official is 2 (probably true) until other sources confirm it; plain reporting 3; an
# allegation carried with hedges 4 (doubtful); denials stay 6 (cannot be judged) as data.
CREDIBILITY = {"confirmed": 2, "reported": 3, "alleged": 3, "denied": 6}


def claim_store(ctx: Context) -> ClaimStore:
    url = settings.claims_db_url()
    if not url:
        ctx.store.root.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{ctx.store.root.resolve() / 'claims.sqlite'}"
    return ClaimStore(url, ladder=os.environ.get("DETOUR_LADDER", "tlp"))


def acting_user(cs: ClaimStore, name: str | None = None, password: str | None = None) -> User | str:
    name = name or os.environ.get("DETOUR_USER") or "analyst"
    password = password or os.environ.get("DETOUR_PASSWORD")
    if password:
        return cs.authenticate(name, password)
    if not cs.url.startswith("sqlite"):
        raise AccessDenied("a shared claims store needs a password", hint="set DETOUR_PASSWORD or pass --password")
    top = cs.ladder.names()[-1]
    try:
        cs.add_user(name, os.urandom(16).hex(), top, ("admin", "analyst"))  # only succeeds on an empty store
    except DetourError:  # the store already has users: act as the named one
        pass
    return name


def grade(cs: ClaimStore, user: User | str, claim: Claim) -> AdmiraltyGrade:
    reliability = "F"
    if claim.claimant is not None:
        try:
            reliability = cs.source_reliability(user, claim.claimant.name)["reliability"]
        except NotFound:  # a claimant never seen before cannot be judged yet
            reliability = "F"
    credibility = CREDIBILITY.get(claim.status, 6)
    if claim.status == "alleged" and claim.hedges:
        credibility = 4
    return AdmiraltyGrade(reliability, credibility)


def extract(ctx: Context, article: str, published: str | None = None, *, save: bool = True,
            marking: str | None = None, user: str | None = None) -> list[dict[str, Any]]:
    from detour.extract import extract_claims, read_article
    from detour.ingest.sniff import sha256_of

    text = read_article(article)
    if published is None and text.lower().startswith("published:"):
        published = text.splitlines()[0].split(":", 1)[1].strip()
    doc = sha256_of(Path(article)) if article != "-" else __import__("hashlib").sha256(text.encode()).hexdigest()
    claims = extract_claims(text, published=published, doc_sha256=doc)
    out = []
    if save:
        cs = claim_store(ctx)
        who = acting_user(cs, user)
        mark = Marking.of(cs.ladder, marking, marking) if marking else None
        for c in claims:
            g = grade(cs, who, c)
            cs.save_claims(who, [c], doc, marking=mark, grading=g, title=Path(article).name, published=published,
                           text_length=len(text))
            stored = cs.get_claim(who, c.id).to_dict()
            out.append({**stored.pop("claim"), **stored})
    else:
        out = [c.to_dict() for c in claims]
    return out


def list_claims(ctx: Context, text: str | None = None, user: str | None = None) -> list[dict[str, Any]]:
    cs = claim_store(ctx)
    return [s.to_dict() for s in cs.list_claims(acting_user(cs, user), text=text)]


def show(ctx: Context, claim_id: str, user: str | None = None) -> dict[str, Any]:
    cs = claim_store(ctx)
    who = acting_user(cs, user)
    return {**cs.get_claim(who, claim_id).to_dict(), "assessments": cs.list_assessments(who, claim_id),
            "history": cs.claim_history(who, claim_id)}


def check(ctx: Context, claim_id: str, user: str | None = None, record: bool = True,
          shared: SharedPanel | None = None) -> dict[str, Any]:
    cs = claim_store(ctx)
    who = acting_user(cs, user)
    return _check_stored(ctx, cs, who, cs.get_claim(who, claim_id), record, shared)


def _check_stored(ctx: Context, cs: Any, who: Any, stored: Any, record: bool,
                  shared: SharedPanel | None) -> dict[str, Any]:
    from detour.check import check_claim

    assessment = check_claim(ctx, stored.claim, shared)
    if record:
        cs.record_assessment(who, stored.id, assessment)
    return {"claim": stored.to_dict(), "assessment": assessment}


def check_many(ctx: Context, claim_ids: list[str] | None = None, user: str | None = None,
               record: bool = True) -> list[dict[str, Any]]:
    """Check several stored claims (``None``: every claim the user may read, oldest first) on one
    detector panel, built once and only if a claim reaches the detectors; each result is what
    ``check`` gives that claim alone. A claim the user may not read fails the whole call before
    any check runs (and is audited as a denial), so no assessment is half recorded."""
    from detour.detectors import SharedPanel

    cs = claim_store(ctx)
    who = acting_user(cs, user)
    ids = [c.id for c in cs.list_claims(who)] if claim_ids is None else list(dict.fromkeys(claim_ids))
    stored = [cs.get_claim(who, claim_id) for claim_id in ids]  # raises before any check runs
    with SharedPanel(ctx.engine, ctx.store) as shared:
        return [_check_stored(ctx, cs, who, s, record, shared) for s in stored]


def check_article(ctx: Context, article: str, published: str | None = None, user: str | None = None,
                  marking: str | None = None) -> dict[str, Any]:
    """Extract, grade and save the article's claims, then check each against the store, the
    claims sharing one detector panel (built once, if any claim needs it)."""
    claims = extract(ctx, article, published, marking=marking, user=user)
    results = check_many(ctx, [c["id"] for c in claims], user)
    return {"article": article, "published": published, "results": results}


def edit(ctx: Context, claim_id: str, field: str, value: Any, user: str | None = None) -> dict[str, Any]:
    cs = claim_store(ctx)
    return cs.edit_claim(acting_user(cs, user), claim_id, field, value).to_dict()


def sources(ctx: Context, user: str | None = None) -> list[dict[str, Any]]:
    cs = claim_store(ctx)
    return cs.list_sources(acting_user(cs, user))


def export_stix(ctx: Context, user: str | None = None) -> str:
    from detour.stix import export_bundle

    cs = claim_store(ctx)
    return export_bundle(acting_user(cs, user), cs).serialize(pretty=True)


def add_user(ctx: Context, name: str, password: str, clearance: str, roles: list[str],
             actor: str | None = None) -> dict[str, Any]:
    cs = claim_store(ctx)
    return cs.add_user(name, password, clearance, roles, actor=actor).to_dict()
