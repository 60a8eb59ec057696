"""Fixtures for the claims store: one suite, run on SQLite and on a real PostgreSQL server.

The PostgreSQL server is started from the test session in a temporary directory with
``initdb``/``pg_ctl`` from ``/usr/lib/postgresql/*/bin``; each test gets a fresh database.
initdb refuses to run as root, so under root the server runs as the ``postgres`` user.
Without the binaries the postgres cases skip and say what to install.
"""

from __future__ import annotations

import glob
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from detour.model.claim import Claim, Evidence, Items, Party
from detour.store.claims import ClaimStore

PASSWORD = "correct horse battery"


def _pg_bindir() -> Path | None:
    def version(path: str) -> tuple[int, ...]:
        return tuple(int(p) for p in Path(path).parent.name.split(".") if p.isdigit())

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version)
    if not found and shutil.which("initdb"):
        found = [os.path.realpath(shutil.which("initdb") or "")]
    for initdb in reversed(found):
        bindir = Path(initdb).parent
        if (bindir / "pg_ctl").exists():
            return bindir
    return None


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    if shutil.which("runuser"):
        return ["runuser", "-u", "postgres", "--", *cmd]
    return ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(cmd)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URL of a throwaway PostgreSQL server (superuser ``detour``, trust auth on loopback)."""
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not found (initdb, pg_ctl); apt-get install postgresql")
    # Not under pytest's tmp dir: that is 0700 and owned by root, so the server user could not enter it.
    base = Path(tempfile.mkdtemp(prefix="detour-pg-"))
    if os.geteuid() == 0:
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("tests run as root and there is no 'postgres' user to run the server as")
        os.chown(base, pw.pw_uid, pw.pw_gid)
    data, port = base / "data", _free_port()
    run = lambda cmd: subprocess.run(_as_server_user(cmd), capture_output=True, text=True, timeout=120)  # noqa: E731
    init = run(
        [
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "detour",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        ]
    )
    assert init.returncode == 0, f"initdb failed:\n{init.stdout}\n{init.stderr}"
    opts = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    start = run(
        [
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(base / "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            opts,
            "start",
        ]
    )
    if start.returncode != 0:
        log = (base / "server.log").read_text() if (base / "server.log").exists() else ""
        pytest.fail(f"PostgreSQL did not start:\n{start.stdout}\n{start.stderr}\n{log}")
    try:
        yield f"postgresql+psycopg://detour@127.0.0.1:{port}"
    finally:
        run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def fresh_database(server: str) -> Iterator[str]:
    """A new, empty database on the session's server, dropped afterwards."""
    name = "t_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        yield f"{server}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    with fresh_database(pg_server) as url:
        yield url


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'claims.sqlite'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(db_url: str) -> Iterator[ClaimStore]:
    s = ClaimStore(db_url)
    yield s
    s.close()


@pytest.fixture(scope="module", params=BACKENDS)
def module_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ClaimStore]:
    """One store per module and backend, for read-only tests that share an expensive world."""
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('claims') / 'claims.sqlite'}"
        else:
            url = stack.enter_context(fresh_database(request.getfixturevalue("pg_server")))
        s = ClaimStore(url)
        yield s
        s.close()


@pytest.fixture
def admin(store: ClaimStore):
    return store.add_user("root", PASSWORD, "RED", ["admin", "analyst"])


NAMES = {"SRB": "Serbia", "UKR": "Ukraine", "CZE": "Czechia", "BGR": "Bulgaria", "RUS": "Russia"}


def make_claim(
    supplier: str = "SRB",
    recipient: str = "UKR",
    claimant: str | None = "SVR",
    words: str = "",
    via: tuple[str, ...] = (),
    doc: str = "doc1",
    start: int = 0,
) -> Claim:
    """A small real-shaped claim; ``words`` lands in the evidence sentence and the items."""
    sentence = f"Serbian companies allegedly supplied {words or 'components'} to Ukraine."
    return Claim(
        kind="supply",
        supplier=(Party(NAMES.get(supplier, supplier), supplier),),
        recipient=(Party(NAMES.get(recipient, recipient), recipient),),
        via=tuple(Party(NAMES.get(v, v), v) for v in via),
        items=Items(words=(words or "components",)),
        claimant=Party(claimant, "RUS", "agency") if claimant else None,
        hedges=("allegedly",),
        evidence=(Evidence(sentence, start, start + len(sentence), doc),),
        published="2025-05-29",
    )


@pytest.fixture(name="make_claim")
def make_claim_fixture():
    return make_claim
