"""Fixtures: a fake Comtrade+ server on loopback and a fast client pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from comtrade_fake_server import KEY, FakeComtrade, serve

from detour.fetch import ComtradeClient, RetryPolicy


class SleepLog(list[float]):
    """Stands in for time.sleep: records the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture(scope="session")
def _comtrade_server() -> Iterator[FakeComtrade]:
    fake = FakeComtrade()
    server, thread = serve(fake)
    yield fake
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def comtrade(_comtrade_server: FakeComtrade, monkeypatch: pytest.MonkeyPatch) -> FakeComtrade:
    """The fake server, reset, with DETOUR_COMTRADE_URL and DETOUR_COMTRADE_KEY pointing at it."""
    _comtrade_server.reset()
    monkeypatch.setenv("DETOUR_COMTRADE_URL", _comtrade_server.url)
    monkeypatch.setenv("DETOUR_COMTRADE_KEY", KEY)
    monkeypatch.delenv("COMTRADE_API_KEY", raising=False)
    return _comtrade_server


@pytest.fixture
def sleeps() -> SleepLog:
    return SleepLog()


@pytest.fixture
def make_client(comtrade: FakeComtrade, sleeps: SleepLog):  # noqa: ANN201 (factory fixture)
    """ComtradeClient against the fake server; waits are recorded, not slept."""

    def make(**kwargs: object) -> ComtradeClient:
        retry = kwargs.pop("retry", None) or RetryPolicy(
            attempts=4, backoff_base=0.01, backoff_cap=0.05, timeout=5, sleep=sleeps, jitter=lambda: 0.5
        )
        kwargs.setdefault("min_interval", 0.0)
        return ComtradeClient(retry=retry, **kwargs)  # type: ignore[arg-type]

    return make
