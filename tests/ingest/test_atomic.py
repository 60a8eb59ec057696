"""Atomicity: kill -9, Ctrl-C or an exception mid-file leaves the store exactly as it was."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from detour.ingest import ingest_paths
from detour.store import Store
from tests.comtrade_fixture import row, write
from tests.ingest.test_bad_input import snapshot

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> Path:
    """~400k Comtrade+ rows: enough that an ingest takes a second or more."""
    tmp = tmp_path_factory.mktemp("big")
    small = write(tmp / "seed.csv", [row(2019, "DEU", "X", "FRA", "930690", 1.0)])
    header, line = small.read_text().splitlines()
    cells = line.split(",")
    path = tmp / "big.csv"
    with open(path, "w") as fh:
        fh.write(header + "\n")
        for i in range(400_000):
            cells[20] = f"{100000 + i // 4:06d}"[-6:]  # cmdCode
            cells[11], cells[12] = ("276", "DEU") if i % 4 == 0 else ("251", "FRA") if i % 4 == 1 else \
                ("643", "RUS") if i % 4 == 2 else ("51", "ARM")
            cells[6], cells[7] = ("203", "CZE")
            fh.write(",".join(cells) + "\n")
    return path


def _ingest_in_child(store: Path, path: Path) -> subprocess.Popen:
    code = ("import sys; from detour.ingest import ingest_paths; "
            "ingest_paths(sys.argv[1], [sys.argv[2]], 'comtrade', progress=False)")
    return subprocess.Popen([sys.executable, "-c", code, str(store), str(path)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _count(store: Path) -> int:
    files = [str(p) for p in Store(store).parquet_files()]
    return duckdb.sql(f"SELECT count(*) FROM read_parquet({files})").fetchall()[0][0] if files else 0


@pytest.fixture(scope="module")
def ingest_seconds(tmp_path_factory, big_file) -> float:
    """How long a whole ingest of ``big_file`` takes in a child process on this machine, so the
    kills below land at fixed fractions of it however fast or loaded the machine is."""
    store = tmp_path_factory.mktemp("timing") / "store"
    start = time.perf_counter()
    child = _ingest_in_child(store, big_file)
    child.wait()
    assert child.returncode == 0, child.stderr.read().decode()
    return time.perf_counter() - start


@pytest.mark.parametrize("fraction", [0.1, 0.3, 0.5, 0.7])
def test_kill_9_mid_ingest_leaves_store_unchanged(tmp_path, big_file, ingest_seconds, fraction):
    store = tmp_path / "store"
    ingest_paths(store, [write(tmp_path / "seed.csv", [row(2020, "SRB", "X", "BGR", "930630", 5.0)])],
                 "comtrade", progress=False)
    before = snapshot(store)
    child = _ingest_in_child(store, big_file)
    time.sleep(fraction * ingest_seconds)
    if child.poll() is not None:
        pytest.skip(f"ingest finished before the kill at {fraction:.0%} of its usual {ingest_seconds:.1f}s")
    child.send_signal(signal.SIGKILL)
    child.wait()
    if len(Store(store).files()) == 2:  # killed after the commit, while the process wound down
        assert _count(store) == 400_001  # then the file landed whole
        return
    after = {k: v for k, v in snapshot(store).items() if not k.startswith((".staging", "declarations"))}
    assert after == {k: v for k, v in before.items() if not k.startswith("declarations")}
    assert _count(store) == 1  # readers see exactly the catalogued data
    # The next writer removes the orphans and the file then lands whole.
    [rep] = ingest_paths(store, [big_file], "comtrade", progress=False)
    assert rep.rows_written == 400_000 and _count(store) == 400_001
    assert not (store / ".staging").exists()
    assert len(list((store / "declarations").rglob("*.parquet"))) == len(Store(store).parquet_files())


def test_ctrl_c_mid_ingest(tmp_path, big_file):
    store = tmp_path / "store"
    child = _ingest_in_child(store, big_file)
    time.sleep(1.0)
    if child.poll() is not None:
        pytest.skip("ingest finished before the interrupt")
    child.send_signal(signal.SIGINT)
    child.wait(timeout=60)
    assert child.returncode != 0
    assert _count(store) == 0 and not (store / "catalog.json").exists()


def test_exception_on_last_row_writes_nothing(tmp_path, store_dir):
    rows = [row(2021, "SRB", "X", "CZE", f"9306{i:02d}", 1.0) for i in range(50)]
    rows[-1] = dict(rows[-1], primaryValue="n/a", fobvalue="n/a")
    with pytest.raises(Exception, match="non-numeric value"):
        ingest_paths(store_dir, [write(tmp_path / "x.csv", rows)], "comtrade", progress=False)
    assert _count(store_dir) == 0 and not (store_dir / "catalog.json").exists()


def test_concurrent_writers_serialise(tmp_path, big_file):
    store = tmp_path / "store"
    a, b = _ingest_in_child(store, big_file), _ingest_in_child(store, big_file)
    assert a.wait(timeout=300) == 0 and b.wait(timeout=300) == 0, (a.stderr.read(), b.stderr.read())
    assert _count(store) == 400_000  # the second saw the first's commit: unchanged


