"""One Comtrade+ data call: URL, subscription key, pacing, and the answer's record list.

The key goes in the ``Ocp-Apim-Subscription-Key`` header, never in the URL (URLs end up in
logs). Retries live in :mod:`detour.fetch.http_retry`; an answer whose ``error`` field is set
raises at once, as retrying the same query cannot help.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from detour import settings
from detour.errors import FetchError
from detour.fetch.comtrade_chunks import Chunk
from detour.fetch.http_retry import KEY_HINT, RetryPolicy, get_json

log = logging.getLogger("detour.fetch")

FREE_TIER_MAX_RECORDS = 100_000
PREMIUM_MAX_RECORDS = 250_000


@dataclass
class ComtradeClient:
    """Sends one chunk and returns its records. ``min_interval`` spaces calls out (seconds)."""

    api_key: str | None = None
    base_url: str | None = None
    max_records: int = FREE_TIER_MAX_RECORDS
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    min_interval: float = 1.0
    http: httpx.Client | None = None
    requests: int = 0
    _last: float = field(default=0.0, repr=False)
    _owns_http: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        self.api_key = self.api_key or settings.comtrade_api_key()
        self.base_url = (self.base_url or settings.comtrade_api_base()).rstrip("/")
        if not self.api_key:
            raise FetchError("no UN Comtrade+ subscription key is set", hint=KEY_HINT)

    def __enter__(self) -> ComtradeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def http_client(self) -> httpx.Client:
        if self.http is None:
            self.http, self._owns_http = httpx.Client(), True
        return self.http

    def close(self) -> None:
        if self._owns_http and self.http is not None:
            self.http.close()
            self.http, self._owns_http = None, False

    def get(self, chunk: Chunk) -> list[dict[str, Any]]:
        wait = self._last + self.min_interval - time.monotonic()
        if wait > 0:
            self.retry.sleep(wait)
        url = chunk.url(str(self.base_url), self.max_records)
        log.debug("GET %s", url)
        try:
            body = get_json(
                self.http_client(), url, {"Ocp-Apim-Subscription-Key": str(self.api_key)}, self.retry
            )
        finally:
            self._last = time.monotonic()
            self.requests += 1
        if body.get("error"):
            raise FetchError(
                f"Comtrade+ answered {chunk.label} with an error: {body['error']}",
                hint="check the reporter, partner, HS codes and years of the query",
            )
        # The live API names the record list "data"; some documentation calls it "elements".
        records = body.get("data", body.get("elements"))
        if not isinstance(records, list):
            raise FetchError(f"Comtrade+ answer for {chunk.label} has no record list (keys: {sorted(body)})")
        return records
