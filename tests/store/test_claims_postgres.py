"""PostgreSQL specifics, against a real server started by the test session (see conftest).

The store behaviour itself is covered on PostgreSQL by every ``store``-based test, which
is parametrized over SQLite and PostgreSQL; these tests cover what only a server shows:
concurrent writers and the URL setting.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from detour.model.marking import Marking
from detour.store.claims import ClaimStore, claims

from .conftest import PASSWORD, make_claim

pytestmark = pytest.mark.postgres


def test_it_really_is_postgres(pg_url):
    store = ClaimStore(pg_url)
    with store.engine.connect() as conn:
        assert conn.dialect.name == "postgresql"
        assert "PostgreSQL" in conn.execute(sa.text("select version()")).scalar_one()
    assert {"claims", "claim_edits", "assessments", "source_assessments", "users", "audit"} <= set(
        sa.inspect(store.engine).get_table_names()
    )
    store.close()


def test_concurrent_stores_start_and_save_idempotently(pg_url):
    """Eight stores open one empty database at once, then save the same claims at once."""
    batch = [make_claim(words=f"lot {i}", start=i * 10) for i in range(20)]
    with ThreadPoolExecutor(8) as pool:
        stores = list(pool.map(lambda _: ClaimStore(pg_url), range(8)))  # races on CREATE TABLE
        root = stores[0].add_user("root", PASSWORD, "RED", ["admin"])
        added = list(
            pool.map(lambda s: s.save_claims(root, batch, "doc1", marking=Marking.of("tlp", "GREEN")), stores)
        )
    assert sum(added) == len(batch)
    with stores[0].engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(claims)).scalar_one() == len(batch)
    for s in stores:
        s.close()


def test_url_comes_from_the_setting(pg_url, monkeypatch):
    monkeypatch.setenv("DETOUR_CLAIMS_DB", pg_url)
    store = ClaimStore()
    assert store.url == pg_url and store.engine.dialect.name == "postgresql"
    store.close()
