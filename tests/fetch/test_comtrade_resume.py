"""Resuming: finished chunks are kept whole, a re-run asks only for what is missing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detour.errors import FetchError, StoreError
from detour.fetch import COMTRADE_FIELDS, fetch_comtrade
from detour.fetch.download_dir import MANIFEST, DownloadDir

QUERY = dict(
    reporters=["USA", "IND"], partners=["UKR", "SRB"], hs_codes=["930690", "360200"], years=[2021, 2022, 2023]
)


def _asked(comtrade) -> set[tuple[str, str]]:  # noqa: ANN001
    return {(s.params["reporterCode"], s.params["period"]) for s in comtrade.data_requests()}


def test_rerun_after_a_crash_fetches_only_the_missing_chunks(comtrade, make_client, tmp_path: Path) -> None:
    comtrade.fail_when = lambda index, params: (503, {}, b"down") if index >= 2 else None
    with pytest.raises(FetchError):
        fetch_comtrade(**QUERY, out_dir=tmp_path, client=make_client())
    first = {(s.params["reporterCode"], s.params["period"]) for s in comtrade.data_requests()[:2]}
    assert len(list(tmp_path.glob("*.csv"))) == 2
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    assert sorted(e["status"] for e in manifest["chunks"].values()) == ["complete", "complete"]

    comtrade.reset()
    result = fetch_comtrade(**QUERY, out_dir=tmp_path, client=make_client())
    everything = {(r, str(y)) for r in ("842", "699") for y in (2021, 2022, 2023)}
    assert _asked(comtrade) == everything - first
    assert len(comtrade.data_requests()) == 4
    assert (result.skipped, result.fetched, len(result.paths)) == (2, 4, 6)

    comtrade.reset()
    again = fetch_comtrade(**QUERY, out_dir=tmp_path, client=make_client())
    assert comtrade.seen == [] and again.skipped == 6 and set(again.paths) == set(result.paths)


def test_a_split_chunk_resumes_from_its_children(comtrade, make_client, tmp_path: Path) -> None:
    comtrade.cap = 5
    query = dict(
        reporters=["SRB"],
        partners=["BGR", "CZE", "DEU"],
        hs_codes=["930690", "930630"],
        years=[2022],
        flows=["M", "X"],
        out_dir=tmp_path,
        hs_group_size=2,
    )
    comtrade.fail_when = lambda index, params: (500, {}, b"") if index >= 3 else None
    with pytest.raises(FetchError):
        fetch_comtrade(**query, client=make_client(max_records=5))  # parent, child, grandchild, then down
    comtrade.reset()
    comtrade.cap = 5
    fetch_comtrade(**query, client=make_client(max_records=5))
    asked = [(s.params["cmdCode"], s.params["partnerCode"]) for s in comtrade.data_requests()]
    # neither the parent nor the first split child is asked again; the finished grandchild is skipped
    assert asked == [("930690", "276"), ("930630", "100,203,276"), ("930630", "100,203"), ("930630", "276")]


def test_a_lost_manifest_is_rebuilt_from_the_chunk_files(comtrade, make_client, tmp_path: Path) -> None:
    fetch_comtrade(**QUERY, out_dir=tmp_path, client=make_client())
    (tmp_path / MANIFEST).unlink()
    comtrade.reset()
    result = fetch_comtrade(**QUERY, out_dir=tmp_path, client=make_client())
    assert comtrade.seen == [] and result.skipped == 6
    assert len(json.loads((tmp_path / MANIFEST).read_text())["chunks"]) == 6


def test_an_interrupted_write_leaves_no_chunk_file(tmp_path: Path) -> None:
    store = DownloadDir(tmp_path)

    def rows():  # noqa: ANN202
        yield {"typeCode": "C"}
        raise KeyboardInterrupt  # Ctrl-C half way through the file

    with pytest.raises(KeyboardInterrupt):
        store.write_chunk("k1", COMTRADE_FIELDS, rows(), {"reporterCode": "842"})
    assert list(tmp_path.iterdir()) == [] and not store.complete("k1")


def test_stale_temp_files_are_removed_on_open(tmp_path: Path) -> None:
    (tmp_path / ".abc.csv.x1y2.part").write_text("typeCode\nC\n")
    DownloadDir(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_corrupt_manifest_says_what_to_do(tmp_path: Path) -> None:
    (tmp_path / MANIFEST).write_text("{not json")
    with pytest.raises(StoreError, match="delete it"):
        DownloadDir(tmp_path)
