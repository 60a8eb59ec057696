"""Claims store behaviour. The ``store`` fixture runs every test on SQLite and PostgreSQL;
tests that need a SQLite file in particular build their own store."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from detour.errors import AccessDenied, ConfigError, DetourError, NotFound
from detour.model.claim import Claim
from detour.model.grading import AdmiraltyGrade
from detour.model.marking import Marking
from detour.store.claims import ClaimStore, claims, documents, source_assessments
from detour.store.users import audit, users

from .conftest import PASSWORD

GREEN = Marking.of("tlp", "GREEN")


def test_save_and_get_round_trip(store, admin, make_claim):
    claim = make_claim(words="artillery fuzes", via=("CZE", "BGR"))
    assert (
        store.save_claims(
            admin,
            [claim],
            "doc1",
            marking=GREEN,
            grading=AdmiraltyGrade("D", 4),
            title="SVR statement",
            published="2025-05-29",
            text_length=812,
        )
        == 1
    )
    got = store.get_claim(admin, claim.id)
    assert got.id == claim.id and got.claim == claim
    assert got.grade.code == "D4" and got.marking == GREEN and got.created_by == "root"
    assert got.to_dict()["claim"]["id"] == claim.id
    [doc] = store.list_documents(admin)
    assert (doc["sha256"], doc["title"], doc["text_length"], doc["claims"]) == (
        "doc1",
        "SVR statement",
        812,
        1,
    )


def test_same_claim_twice_is_one_row(store, admin, make_claim):
    claim = make_claim()
    assert store.save_claims(admin, [claim, claim], "doc1") == 1
    assert store.save_claims(admin, [claim], "doc1") == 0
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(claims)).scalar_one() == 1
        assert conn.execute(sa.select(sa.func.count()).select_from(documents)).scalar_one() == 1
    assert store.count_claims(admin) == 1


def test_saving_again_keeps_analyst_edits(store, admin, make_claim):
    claim = make_claim()
    store.save_claims(admin, [claim], "doc1")
    store.edit_claim(admin, claim.id, "status", "confirmed")
    store.save_claims(admin, [claim], "doc1")
    assert store.get_claim(admin, claim.id).claim.status == "confirmed"


def test_edit_changes_claim_and_keeps_history(store, admin, make_claim):
    claim = make_claim()
    store.save_claims(admin, [claim], "doc1")
    edited = store.edit_claim(
        admin, claim.id, "recipient", [{"name": "Czechia", "iso3": "CZE"}], confidence=40
    )
    assert edited.id == claim.id and edited.claim.countries()["recipient"] == ["CZE"]
    assert dict(edited.field_confidence) == {"recipient": 40}
    store.edit_claim(admin, claim.id, "credibility", 2)
    assert store.get_claim(admin, claim.id).grade.code == "F2"
    history = store.claim_history(admin, claim.id)
    assert [h["field"] for h in history] == ["recipient", "credibility"]
    assert history[0]["old"] == [{"name": "Ukraine", "iso3": "UKR", "kind": "country"}]
    assert history[0]["new"][0]["iso3"] == "CZE" and history[0]["who"] == "root" and history[1]["new"] == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [("evidence", []), ("id", "x"), ("credibility", 9), ("reliability", "Q"), ("supplier", "Serbia")],
)
def test_bad_edits_are_refused_and_change_nothing(store, admin, make_claim, field, value):
    claim = make_claim()
    store.save_claims(admin, [claim], "doc1")
    with pytest.raises((DetourError, TypeError, KeyError)):
        store.edit_claim(admin, claim.id, field, value)
    assert store.get_claim(admin, claim.id).claim == claim
    assert store.claim_history(admin, claim.id) == []


def test_assessment_feeds_source_history(store, admin, make_claim):
    batch = [make_claim(words=f"part {i}", start=i * 100) for i in range(4)]
    store.save_claims(admin, batch, "doc1")
    for c, verdict in zip(
        batch, ["supported", "Partly supported", "not_supported", "not testable"], strict=True
    ):
        store.record_assessment(
            admin,
            c.id,
            {
                "verdict": verdict,
                "confidence": 80,
                "reasons": ["mirror flows"],
                "evidence": [{"year": 2023}],
                "check": "mirror",
            },
        )
    rel = store.source_reliability(admin, "svr")
    assert [h["verdict"] for h in rel["history"]] == ["supported", "partly", "not supported", "not testable"]
    assert rel["source"]["name"] == "SVR" and rel["estimate"]["testable"] == 3
    assert rel["reliability"] == "C"  # mean of 1, 0.5, 0.25 is 0.58
    [a] = store.list_assessments(admin, batch[0].id)
    assert (
        a["reasons"] == ["mirror flows"]
        and a["evidence"] == [{"year": 2023}]
        and a["extra"] == {"check": "mirror"}
    )
    [src] = store.list_sources(admin)
    assert src["claims"] == 4 and src["verdicts"]["partly"] == 1 and src["reliability"] == "C"


def test_bad_assessments_are_refused(store, admin, make_claim):
    claim = make_claim()
    store.save_claims(admin, [claim], "doc1")
    with pytest.raises(DetourError, match="unknown verdict"):
        store.record_assessment(admin, claim.id, {"verdict": "maybe"})
    with pytest.raises(DetourError, match="0–100"):
        store.record_assessment(admin, claim.id, {"verdict": "supported", "confidence": 101})
    with pytest.raises(NotFound):
        store.record_assessment(admin, "claim-nope", {"verdict": "supported"})


def test_correcting_the_claimant_moves_its_history(store, admin, make_claim):
    claim = make_claim(claimant="FSB")
    store.save_claims(admin, [claim], "doc1")
    store.record_assessment(admin, claim.id, {"verdict": "contradicted", "confidence": 90})
    store.edit_claim(admin, claim.id, "claimant", {"name": "SVR", "iso3": "RUS", "kind": "agency"})
    assert [h["verdict"] for h in store.source_reliability(admin, "SVR")["history"]] == ["contradicted"]
    with pytest.raises(NotFound):
        store.source_reliability(admin, "FSB")
    store.edit_claim(admin, claim.id, "claimant", None)
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(source_assessments)).scalar_one() == 0


def test_search_is_case_insensitive_and_treats_wildcards_literally(store, admin, make_claim):
    a, b = make_claim(words="100% TNT_blocks"), make_claim(words="gunpowder", start=200)
    store.save_claims(admin, [a, b], "doc1")
    assert [c.id for c in store.search_claims(admin, "tnt_BLOCKS")] == [a.id]
    assert [c.id for c in store.search_claims(admin, "100%")] == [a.id]
    assert store.search_claims(admin, "_") == [store.get_claim(admin, a.id)]
    assert store.count_claims(admin, text="%") == 1
    with pytest.raises(DetourError):
        store.search_claims(admin, "  ")


def test_list_filters_and_paging(store, admin, make_claim):
    batch = [make_claim(words=f"w{i}", start=i, claimant="SVR" if i % 2 else "GRU") for i in range(6)]
    store.save_claims(admin, batch[:3], "doc1")
    store.save_claims(admin, batch[3:], "doc2")
    assert len(store.list_claims(admin, doc_sha="doc2")) == 3
    assert store.count_claims(admin, claimant="gru") == 3
    pages = store.list_claims(admin, limit=4) + store.list_claims(admin, limit=4, offset=4)
    assert sorted(c.id for c in pages) == sorted(c.id for c in batch)


def test_users_passwords_and_bootstrap(store, admin):
    assert store.authenticate("root", PASSWORD).clearance.name == "RED"
    with pytest.raises(AccessDenied) as wrong:
        store.authenticate("root", "not the password")
    with pytest.raises(AccessDenied) as unknown:
        store.authenticate("nobody", PASSWORD)
    assert str(wrong.value) == str(unknown.value)
    with store.engine.connect() as conn:
        stored = conn.execute(sa.select(users.c.password_hash).where(users.c.name == "root")).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    with pytest.raises(AccessDenied):  # bootstrap works only on an empty store
        store.add_user("mallory", PASSWORD, "RED", ["admin"])
    with pytest.raises(DetourError, match="already exists"):
        store.add_user("root", PASSWORD, "RED", actor=admin)
    with pytest.raises(DetourError, match="too short"):
        store.add_user("bob", "short", "GREEN", actor=admin)
    with pytest.raises(DetourError, match="unknown role"):
        store.add_user("bob", PASSWORD, "GREEN", ["superuser"], actor=admin)
    with pytest.raises(ConfigError, match="unknown tlp marking"):
        store.add_user("bob", PASSWORD, "PURPLE", actor=admin)


def test_reads_and_denials_are_audited(store, admin, make_claim):
    claim = make_claim()
    store.save_claims(admin, [claim], "doc1")
    store.get_claim(admin, claim.id)
    with pytest.raises(NotFound):
        store.get_claim(admin, "claim-missing")
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(audit.c.action, audit.c.object_id, audit.c.allowed).order_by(audit.c.id)
        ).all()
    assert ("read", claim.id, True) in rows and ("read", "claim-missing", False) in rows
    log = store.audit_log(admin, limit=3)
    assert log[0]["action"] == "read" and json.loads(log[0]["detail"])["reason"].startswith("no claim")


def test_store_refuses_a_different_ladder(db_url, make_claim):
    ClaimStore(db_url).close()
    with pytest.raises(ConfigError, match="ladder"):
        ClaimStore(db_url, ladder="classification")


def test_classification_ladder(tmp_path, make_claim):
    store = ClaimStore(f"sqlite:///{tmp_path / 'c.sqlite'}", ladder="classification")
    boss = store.add_user("boss", PASSWORD, "TS", ["admin"])
    clerk = store.add_user("clerk", PASSWORD, "RESTRICTED", ["reader"], actor=boss)
    secret = Marking.of("classification", "SECRET")
    store.save_claims(boss, [make_claim()], "doc1", marking=secret)
    assert store.count_claims(boss) == 1 and store.count_claims(clerk) == 0
    with pytest.raises(ConfigError):
        store.save_claims(boss, [make_claim()], "doc1", marking=GREEN)


def test_default_url_is_a_sqlite_file_in_the_store(tmp_path, monkeypatch):
    monkeypatch.delenv("DETOUR_CLAIMS_DB", raising=False)
    monkeypatch.setenv("DETOUR_STORE", str(tmp_path / "store"))
    store = ClaimStore()
    assert store.url == f"sqlite:///{tmp_path / 'store' / 'claims.sqlite'}"
    assert (tmp_path / "store" / "claims.sqlite").exists()


def test_sqlite_enforces_foreign_keys(tmp_path):
    store = ClaimStore(f"sqlite:///{tmp_path / 'c.sqlite'}")
    with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as conn:
        conn.execute(
            claims.insert().values(
                id="claim-x",
                doc_sha="no-such-doc",
                claim_json=json.dumps(Claim("supply").to_dict()),
                reliability="F",
                credibility=6,
                read_marking="CLEAR",
                read_rank=0,
                write_marking="CLEAR",
                write_rank=0,
                created_by="x",
                created_at="t",
                updated_at="t",
            )
        )


def test_search_folds_case_beyond_ascii(store, admin, make_claim):
    claim = make_claim(words="Србија гранате")
    store.save_claims(admin, [claim], "doc1")
    assert [c.id for c in store.search_claims(admin, "СРБИЈА")] == [claim.id]
    assert store.count_claims(admin, text="iso3") == 0  # JSON keys are not searchable text
