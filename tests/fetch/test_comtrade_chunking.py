"""Chunk planning (years × reporters × HS groups) and splitting chunks that fill the record cap."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from comtrade_fake_data import generate
from hypothesis import given
from hypothesis import strategies as st

from detour.errors import FetchError
from detour.fetch import Chunk, QueryOptions, fetch_comtrade, plan_chunks


def _rows(paths: tuple[Path, ...]) -> list[tuple[str, ...]]:
    keys = ("reporterCode", "period", "flowCode", "partnerCode", "cmdCode", "motCode", "primaryValue")
    out = []
    for path in paths:
        with path.open(encoding="utf-8", newline="") as handle:
            out += [tuple(r[k] for k in keys) for r in csv.DictReader(handle)]
    return out


def test_one_request_per_year_reporter_and_hs_group(comtrade, make_client, tmp_path: Path) -> None:
    hs = ["930100", "930200", "930310", "930320", "930330"]
    result = fetch_comtrade(
        ["USA", "FRA"],
        ["UKR"],
        hs,
        [2019, 2020, 2021],
        out_dir=tmp_path,
        client=make_client(),
        hs_group_size=2,
    )
    got = sorted(
        (s.params["period"], s.params["reporterCode"], s.params["cmdCode"]) for s in comtrade.data_requests()
    )
    groups = ["930100,930200", "930310,930320", "930330"]
    assert got == sorted((str(y), r, g) for y in (2019, 2020, 2021) for r in ("842", "251") for g in groups)
    assert result.chunks == result.fetched == len(result.paths) == 18 and result.requests == 18


def test_group_size_follows_the_record_cap() -> None:
    hs = [f"8542{n:02d}" for n in range(30)]
    annual = plan_chunks(QueryOptions(), [842], None, hs, [2022], max_records=100_000)
    monthly = plan_chunks(QueryOptions(freq="M"), [842], None, hs, [2022], max_records=100_000)
    assert [len(c.cmd_codes) for c in annual] == [30]  # 100k / (250 partners × 4 flows) = 100 codes
    assert {len(c.cmd_codes) for c in monthly} == {8, 6}  # and 12 months → 8 codes per call


@given(
    st.lists(st.from_regex(r"[0-9]{6}", fullmatch=True), min_size=1, max_size=80, unique=True),
    st.integers(min_value=300, max_value=900),
)
def test_urls_stay_under_the_limit_and_cover_every_code(codes: list[str], limit: int) -> None:
    chunks = plan_chunks(QueryOptions(), [842], [688, 100], codes, [2022], max_url_length=limit)
    assert all(len(c.url("https://comtradeapi.un.org", 100_000)) <= limit for c in chunks)
    assert [code for c in chunks for code in c.cmd_codes] == codes


@given(st.integers(1, 9), st.integers(1, 6), st.integers(1, 4), st.sampled_from(["A", "M"]))
def test_split_halves_without_losing_or_repeating(n_cmd: int, n_partner: int, n_flow: int, freq: str) -> None:
    chunk = Chunk(
        QueryOptions(freq=freq),
        842,
        ("2022",) if freq == "A" else ("202201", "202202"),
        tuple(f"93{n:02d}" for n in range(n_cmd)),
        tuple(range(1, n_partner + 1)),
        ("M", "X", "RM", "RX")[:n_flow],
    )
    if max(n_cmd, n_partner, n_flow, len(chunk.periods)) == 1:
        with pytest.raises(FetchError):
            chunk.split()
        return
    a, b = chunk.split()
    assert a.key != b.key != chunk.key
    for name in ("cmd_codes", "partners", "flows", "periods"):
        whole, left, right = getattr(chunk, name), getattr(a, name), getattr(b, name)
        assert left + right == whole or left == right == whole


def test_full_answers_are_split_by_hs_then_partner(comtrade, make_client, tmp_path: Path) -> None:
    comtrade.cap = 5  # the server truncates silently at the cap, like the real API
    result = fetch_comtrade(
        ["SRB"],
        ["BGR", "CZE", "DEU"],
        ["930690", "930630"],
        [2022],
        flows=["M", "X"],
        out_dir=tmp_path,
        client=make_client(max_records=5),
        hs_group_size=2,
    )
    asked = [(s.params["cmdCode"], s.params["partnerCode"]) for s in comtrade.data_requests()]
    assert asked == [
        ("930690,930630", "100,203,276"),
        ("930690", "100,203,276"), ("930690", "100,203"), ("930690", "276"),
        ("930630", "100,203,276"), ("930630", "100,203"), ("930630", "276"),
    ]  # fmt: skip
    assert result.split == 3 and result.fetched == 4 and result.chunks == 4
    full = dict(comtrade.data_requests()[0].params, maxRecords="999")
    expected = sorted(_rows_from(generate("A", full)))
    assert sorted(_rows(result.paths)) == expected  # nothing lost, nothing twice


def _rows_from(records: list[dict]) -> list[tuple[str, ...]]:
    keys = ("reporterCode", "period", "flowCode", "partnerCode", "cmdCode", "motCode", "primaryValue")
    return [tuple("" if r[k] is None else str(r[k]) for k in keys) for r in records]


def test_all_partner_queries_split_by_flow(comtrade, make_client, tmp_path: Path) -> None:
    comtrade.cap = 8  # 5 partners + World = 6 rows per flow
    result = fetch_comtrade(
        ["SRB"],
        None,
        ["930690"],
        [2022],
        flows=["M", "X"],
        out_dir=tmp_path,
        client=make_client(max_records=8),
    )
    assert [s.params["flowCode"] for s in comtrade.data_requests()] == ["M,X", "M", "X"]
    assert len(_rows(result.paths)) == 12


def test_a_chunk_that_cannot_shrink_raises(comtrade, make_client, tmp_path: Path) -> None:
    comtrade.cap = 1
    with pytest.raises(FetchError, match="record cap"):
        fetch_comtrade(
            ["SRB"],
            ["BGR"],
            ["930690"],
            [2022],
            flows=["X"],
            out_dir=tmp_path,
            client=make_client(max_records=1),
        )


def test_an_answer_of_a_known_service_cap_is_split_too(comtrade, make_client, tmp_path: Path) -> None:
    comtrade.cap = 500  # the service caps lower than the client thinks (a free key run with --premium)
    result = fetch_comtrade(
        ["SRB"],
        None,
        ["930690", "930630"],
        [2022],
        freq="M",
        out_dir=tmp_path,
        client=make_client(max_records=250_000),
    )
    assert [s.params["cmdCode"] for s in comtrade.data_requests()] == ["930690,930630", "930690", "930630"]
    assert len(_rows(result.paths)) == 2 * 12 * 4 * 6  # months × flows × (5 partners + World)
