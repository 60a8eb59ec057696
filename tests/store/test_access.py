"""Markings must never leak: through gets, lists, counts, search, aggregates or history.

The world has one claim per TLP level, each carrying a canary word (``canary4x`` for RED),
plus a RED-only claimant. Every read a user can make is swept for canaries above their
clearance, so dropping ``access.readable`` from any query makes a test here fail.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from detour.errors import AccessDenied, NotFound
from detour.model.marking import Marking, get_ladder
from detour.store.claims import ClaimStore
from detour.store.users import audit

from .conftest import PASSWORD, make_claim

TLP = get_ladder("tlp")
LEVELS = TLP.names()  # CLEAR, GREEN, AMBER, AMBER+STRICT, RED


def canary(level: str) -> str:
    """A word unique to one level's claim (no canary is a substring of another)."""
    return f"canary{TLP.level(level).rank}x"


def build_world(store: ClaimStore):
    """Claims at every level, assessed; an analyst per level; a RED reader; a RED-only source."""
    admin = store.add_user("root", PASSWORD, "RED", ["admin", "analyst"])
    ids = {}
    for i, level in enumerate(LEVELS):
        claim = make_claim(words=canary(level), doc=f"doc-{level}", start=i)
        store.save_claims(
            admin, [claim], f"doc-{level}", marking=Marking.of("tlp", level), title=f"title {canary(level)}"
        )
        store.record_assessment(
            admin,
            claim.id,
            {
                "verdict": "supported" if i < 2 else "contradicted",
                "confidence": 70,
                "reasons": [f"reason {canary(level)}"],
            },
        )
        ids[level] = claim.id
    secret = make_claim(words="bravoword", claimant="Bravo Desk", doc="doc-RED", start=99)
    store.save_claims(admin, [secret], "doc-RED", marking=Marking.of("tlp", "RED"))
    store.record_assessment(admin, secret.id, {"verdict": "supported", "confidence": 90})
    locked = make_claim(words="lockedword", start=50)
    store.save_claims(admin, [locked], "doc-GREEN", marking=Marking.of("tlp", "GREEN", "AMBER"))
    ids["locked"], ids["secret"] = locked.id, secret.id
    users = {
        lvl: store.add_user(f"u-{lvl.lower()}", PASSWORD, lvl, ["analyst"], actor=admin) for lvl in LEVELS
    }
    users["reader"] = store.add_user("reader", PASSWORD, "RED", ["reader"], actor=admin)
    users["admin"] = admin
    return ids, users


@pytest.fixture(scope="module")
def shared(module_store):
    """A world shared by the read-only tests of this module (one per backend)."""
    return (module_store, *build_world(module_store))


@pytest.fixture
def fresh(store):
    """A world of its own, for tests that change claims."""
    return (store, *build_world(store))


def above(level: str) -> list[str]:
    return [canary(lvl) for lvl in LEVELS if TLP.level(lvl) > TLP.level(level)]


def sweep(store: ClaimStore, user, ids) -> str:
    """Everything ``user`` can read, as one string: every public read method, every filter."""
    out = [
        store.list_claims(user),
        store.search_claims(user, "canary"),
        store.count_claims(user),
        store.count_claims(user, text="canary"),
        store.count_claims(user, claimant="SVR"),
        store.list_documents(user),
        store.list_sources(user),
        store.list_assessments(user),
        store.source_reliability(user, "SVR"),
    ]
    for claim_id in ids.values():
        for read in (store.get_claim, store.claim_history, lambda u, c: store.list_assessments(u, c)):
            try:
                out.append(read(user, claim_id))
            except NotFound:
                pass
    return repr(out)


READ_METHODS = {
    "get_claim",
    "list_claims",
    "search_claims",
    "count_claims",
    "list_documents",
    "list_sources",
    "list_assessments",
    "source_reliability",
    "claim_history",
}
WRITE_METHODS = {"save_claims", "edit_claim", "record_assessment"}
ADMIN_METHODS = {"add_user", "authenticate", "audit_log", "close"}


def test_every_public_method_is_classified():
    """A new store method must be added to the sweep (or to the write/admin lists) here."""
    public = {n for n in dir(ClaimStore) if not n.startswith("_") and callable(getattr(ClaimStore, n))}
    assert public == READ_METHODS | WRITE_METHODS | ADMIN_METHODS


@pytest.mark.parametrize("level", LEVELS)
def test_nothing_above_clearance_leaks(shared, level):
    store, ids, users = shared
    seen = sweep(store, users[level], ids)
    for word in above(level):
        assert word not in seen, f"{word} leaked to a {level} user"
    if level != "RED":
        assert "bravoword" not in seen and "Bravo Desk" not in seen
    assert canary(level) in seen


@pytest.mark.parametrize("level", LEVELS)
def test_counts_and_aggregates_cover_only_visible_claims(shared, level):
    store, ids, users = shared
    user, rank = users[level], TLP.level(level).rank
    visible = {ids[lvl] for lvl in LEVELS[: rank + 1]} | ({ids["locked"]} if rank >= 1 else set())
    visible |= {ids["secret"]} if level == "RED" else set()
    assert {c.id for c in store.list_claims(user)} == visible
    assert store.count_claims(user) == len(visible)
    for lvl in LEVELS:
        assert store.count_claims(user, text=canary(lvl)) == (1 if TLP.level(lvl).rank <= rank else 0)
        assert len(store.search_claims(user, canary(lvl))) == store.count_claims(user, text=canary(lvl))
    assert {d["sha256"] for d in store.list_documents(user)} == {f"doc-{lvl}" for lvl in LEVELS[: rank + 1]}
    history = store.source_reliability(user, "SVR")["history"]
    assert len(history) == rank + 1  # one assessment per visible level, none for the unassessed locked claim
    svr = [s for s in store.list_sources(user) if s["name"] == "SVR"]
    assert svr[0]["claims"] == len(visible - {ids["secret"]})
    assert sum(svr[0]["verdicts"].values()) == rank + 1
    assert len(store.list_assessments(user)) == rank + 1 + (level == "RED")


def test_invisible_claims_look_missing(shared):
    store, ids, users = shared
    with pytest.raises(NotFound) as hidden:
        store.get_claim(users["GREEN"], ids["RED"])
    with pytest.raises(NotFound) as missing:
        store.get_claim(users["GREEN"], "claim-0000000000000000".replace("0000", "dead", 1))
    assert str(hidden.value).replace(ids["RED"], "?") == str(missing.value).replace(
        "claim-dead000000000000", "?"
    )
    for call in (
        lambda: store.claim_history(users["GREEN"], ids["RED"]),
        lambda: store.source_reliability(users["GREEN"], "Bravo Desk"),
        lambda: store.edit_claim(users["GREEN"], ids["RED"], "status", "denied"),
        lambda: store.record_assessment(users["GREEN"], ids["RED"], {"verdict": "supported"}),
    ):
        with pytest.raises(NotFound):
            call()
    assert store.list_assessments(users["GREEN"], ids["RED"]) == []


def test_clearance_comes_from_the_table_not_the_caller(shared):
    store, ids, users = shared
    forged = replace(users["CLEAR"], clearance=TLP.level("RED"), roles=("admin",))
    assert store.count_claims(forged) == 1
    with pytest.raises(NotFound):
        store.get_claim(forged, ids["RED"])
    with pytest.raises(AccessDenied):
        store.count_claims("nobody")


def test_write_rules(fresh):
    store, ids, users = fresh
    admin = users["admin"]
    with pytest.raises(AccessDenied, match="needs role"):
        store.edit_claim(users["reader"], ids["CLEAR"], "status", "denied")
    with pytest.raises(AccessDenied, match="write marking"):
        store.edit_claim(users["GREEN"], ids["locked"], "status", "denied")  # can read, cannot write
    assert store.get_claim(users["GREEN"], ids["locked"]).claim.status == "alleged"
    assert store.edit_claim(users["AMBER"], ids["locked"], "status", "denied").claim.status == "denied"
    with pytest.raises(AccessDenied, match="change markings"):
        store.edit_claim(users["AMBER"], ids["CLEAR"], "read_marking", "GREEN")
    with pytest.raises(AccessDenied, match="needs role"):
        store.save_claims(users["reader"], [make_claim(start=7)], "doc-x")
    with pytest.raises(AccessDenied, match="may not mark"):
        store.save_claims(users["GREEN"], [make_claim(start=7)], "doc-x", marking=Marking.of("tlp", "AMBER"))
    store.save_claims(
        users["GREEN"], [make_claim(start=8)], "doc-y"
    )  # default marking: the saver's clearance
    assert store.list_claims(users["GREEN"], doc_sha="doc-y")[0].marking == Marking.of("tlp", "GREEN")
    with pytest.raises(AccessDenied, match="may not add users"):
        store.add_user("x", PASSWORD, "GREEN", actor=users["RED"])
    green_admin = store.add_user("green-admin", PASSWORD, "GREEN", ["admin"], actor=admin)
    with pytest.raises(AccessDenied, match="grant clearance"):
        store.add_user("x", PASSWORD, "RED", actor=green_admin)
    with pytest.raises(AccessDenied, match="may not mark"):  # an admin cannot remark above their clearance
        store.edit_claim(green_admin, ids["CLEAR"], "write_marking", "AMBER")
    with pytest.raises(AccessDenied, match="audit log"):
        store.audit_log(users["RED"])


def test_admin_remarking_takes_effect_in_sql(fresh):
    store, ids, users = fresh
    admin = users["admin"]
    assert store.count_claims(users["GREEN"], text=canary("RED")) == 0
    store.edit_claim(admin, ids["RED"], "read_marking", "GREEN")
    assert store.count_claims(users["GREEN"], text=canary("RED")) == 1
    with pytest.raises(AccessDenied):  # GREEN analyst may read it but the write marking stays RED
        store.edit_claim(users["GREEN"], ids["RED"], "status", "denied")
    with pytest.raises(Exception, match="below read marking"):
        store.edit_claim(admin, ids["CLEAR"], "read_marking", "RED")  # write CLEAR < read RED


def test_denials_are_audited_after_rollback(shared):
    store, ids, users = shared
    with pytest.raises(NotFound):
        store.get_claim(users["GREEN"], ids["RED"])
    with pytest.raises(AccessDenied):
        store.edit_claim(users["GREEN"], ids["locked"], "status", "denied")
    with pytest.raises(AccessDenied):
        store.count_claims("nobody")
    with store.engine.connect() as conn:
        denied = conn.execute(
            sa.select(audit.c.who, audit.c.action, audit.c.object_id).where(audit.c.allowed == sa.false())
        ).all()
    assert ("u-green", "read", ids["RED"]) in denied
    assert ("u-green", "edit", ids["locked"]) in denied
    assert ("nobody", "count_claims", None) in denied


def test_every_public_method_is_documented():
    doc = (Path(__file__).parents[2] / "docs" / "access.md").read_text(encoding="utf-8")
    for name in READ_METHODS | WRITE_METHODS | ADMIN_METHODS:
        assert f"{name}(" in doc, f"ClaimStore.{name} is missing from docs/access.md"
