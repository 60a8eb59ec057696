"""Retries: backoff with jitter on 5xx and broken connections, Retry-After on 429 and quota 403s."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detour.errors import FetchError
from detour.fetch import RetryPolicy, fetch_comtrade
from detour.fetch.http_retry import parse_retry_after


def _fetch(client, out: Path):  # noqa: ANN202
    return fetch_comtrade(["USA"], ["UKR"], ["930690"], [2023], flows=["X"], out_dir=out, client=client)


def test_429_waits_the_retry_after_seconds(comtrade, make_client, sleeps, tmp_path: Path) -> None:
    comtrade.script.extend(
        [(429, {"Retry-After": "7"}, {"statusCode": 429, "message": "Rate limit is exceeded."})]
    )
    result = _fetch(make_client(), tmp_path)
    assert sleeps == [7.0] and result.fetched == 1 and len(comtrade.seen) == 2


def test_429_with_an_http_date(comtrade, make_client, sleeps, tmp_path: Path) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    comtrade.script.append((429, {"Retry-After": when}, {"statusCode": 429, "message": "slow down"}))
    _fetch(make_client(), tmp_path)
    (wait,) = sleeps
    assert 25 < wait <= 30


def test_retry_after_is_really_slept(comtrade, make_client, tmp_path: Path) -> None:
    comtrade.script.append((429, {"Retry-After": "0.2"}, {"statusCode": 429, "message": "slow down"}))
    start = time.monotonic()
    _fetch(make_client(retry=RetryPolicy(attempts=2, backoff_base=0.001, timeout=5)), tmp_path)
    assert time.monotonic() - start >= 0.2


def test_a_quota_wait_longer_than_allowed_fails_at_once(
    comtrade, make_client, sleeps, tmp_path: Path
) -> None:
    body = {"statusCode": 403, "message": "Out of call volume quota. Quota will be replenished in 05:12:00."}
    comtrade.script.append((403, {"Retry-After": "18720"}, body))
    with pytest.raises(FetchError, match="quota") as info:
        _fetch(make_client(), tmp_path)
    assert "rerun" in str(info.value) and sleeps == []


def test_5xx_is_retried_with_growing_backoff(comtrade, make_client, sleeps, tmp_path: Path) -> None:
    comtrade.script.extend(
        [(503, {}, b"Service Unavailable"), (500, {}, {"message": "boom"}), (502, {}, b"")]
    )
    result = _fetch(make_client(), tmp_path)
    assert result.fetched == 1 and len(comtrade.seen) == 4
    assert sleeps == pytest.approx([0.0075, 0.015, 0.03])  # base 0.01 doubling, jitter at the midpoint


def test_persistent_5xx_raises_after_the_attempts(comtrade, make_client, tmp_path: Path) -> None:
    comtrade.fail_when = lambda index, params: (500, {}, {"message": "Internal server error"})
    with pytest.raises(FetchError, match="after 4 attempts.*500"):
        _fetch(make_client(), tmp_path)
    assert len(comtrade.seen) == 4 and list(tmp_path.glob("*.csv")) == []


@pytest.mark.parametrize("failure", ["drop", "truncate"])
def test_broken_connections_are_retried(comtrade, make_client, tmp_path: Path, failure: str) -> None:
    comtrade.script.append(failure)
    result = _fetch(make_client(), tmp_path)
    assert result.fetched == 1 and len(comtrade.seen) == 2


def test_connection_refused_is_retried_then_raises(make_client, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DETOUR_COMTRADE_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    with pytest.raises(FetchError, match="ConnectError"):
        _fetch(make_client(), tmp_path)


def test_real_sleeps_stay_small_with_a_small_base(comtrade, make_client, tmp_path: Path) -> None:
    comtrade.script.extend([(503, {}, b""), (503, {}, b"")])
    start = time.monotonic()
    _fetch(make_client(retry=RetryPolicy(attempts=3, backoff_base=0.01, timeout=5)), tmp_path)
    assert time.monotonic() - start < 1.0


@given(st.integers(1, 12), st.floats(0, 1))
def test_backoff_is_bounded_and_doubles(attempt: int, jitter: float) -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=10, jitter=lambda: jitter)
    ceiling = min(10, 0.5 * 2 ** (attempt - 1))
    assert ceiling / 2 <= policy.backoff(attempt) <= ceiling


@given(st.integers(0, 10**6))
def test_retry_after_accepts_seconds_and_dates(seconds: int) -> None:
    now = datetime(2025, 5, 9, 12, 0, tzinfo=UTC)
    assert parse_retry_after(str(seconds)) == seconds
    assert parse_retry_after(format_datetime(now + timedelta(seconds=seconds), usegmt=True), now) == seconds
    assert parse_retry_after(format_datetime(now - timedelta(seconds=seconds + 1), usegmt=True), now) == 0
    assert parse_retry_after("") is None and parse_retry_after("soon") is None
