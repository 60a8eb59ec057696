"""Same seed, same bytes; another seed, another world."""

from __future__ import annotations

import hashlib

from detour.simulate import build_panel, simulate

from .conftest import SEED, SMALL


def _digests(out):
    files = sorted(out.rglob("*"))
    return {
        f.relative_to(out).as_posix(): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in files
        if f.is_file()
    }


def test_same_seed_writes_the_same_bytes(small_run, tmp_path):
    again = simulate(tmp_path / "again", SEED, **SMALL)
    first = _digests(small_run.out_dir)
    assert first == _digests(again.out_dir)
    assert len(first) == len(small_run.paths) + 1  # the Comtrade+ files and truth.json


def test_another_seed_gives_another_world(small_run, tmp_path):
    other = simulate(tmp_path / "other", SEED + 1, **SMALL)
    mine, theirs = _digests(small_run.out_dir), _digests(other.out_dir)
    assert mine.keys() == theirs.keys()
    assert all(mine[k] != theirs[k] for k in mine)


def test_panel_in_memory_is_what_was_written(small_run, small_panel, tmp_path):
    assert small_panel.truth.to_dict() == build_panel(SEED, **SMALL).truth.to_dict()
    assert len(small_panel.leaf) == small_run.declarations
    assert small_run.truth_path.read_bytes() == small_panel.truth.write(tmp_path / "truth.json").read_bytes()
