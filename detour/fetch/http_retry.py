"""One JSON GET with retries: exponential backoff with jitter, ``Retry-After``, clear errors.

What is retried: connection failures, timeouts, truncated or non-JSON bodies, 408 and 5xx
(backoff), and 429 or a 403 carrying ``Retry-After`` (the API gateway's rate and quota
answers; the header's wait). A wait longer than ``RetryPolicy.max_retry_after`` (the daily
quota, typically) fails at once rather than blocking for hours. 401 and other 403s name the
key setting; other 4xx fail with the server's message. Nothing is printed; logs go to
``logging`` and failures raise :class:`detour.errors.FetchError`.

>>> parse_retry_after("7"), parse_retry_after("soon")
(7.0, None)
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from detour.errors import FetchError

log = logging.getLogger("detour.fetch")

KEY_HINT = (
    "set DETOUR_COMTRADE_KEY (or COMTRADE_API_KEY) to the primary key of your comtrade - v1 "
    "subscription at https://comtradedeveloper.un.org (Profile → Subscriptions)"
)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    backoff_base: float = 1.0  # seconds before the first retry; doubles each time
    backoff_cap: float = 60.0
    max_retry_after: float = 300.0
    timeout: float = 120.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    jitter: Callable[[], float] = field(default=random.random, compare=False)

    def backoff(self, attempt: int) -> float:
        """Wait before retry ``attempt`` (1-based): equal jitter over the doubled base."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        return ceiling / 2 + self.jitter() * ceiling / 2


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds, from delta-seconds or an HTTP date; None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def server_message(response: httpx.Response) -> str:
    """The error text in any of the shapes the gateway and API use."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300]
    if isinstance(body, dict):
        obj = body.get("errorObject")
        if isinstance(obj, dict) and obj.get("errorMessage"):
            return str(obj["errorMessage"])
        for name in ("message", "error", "Message"):
            if body.get(name):
                return str(body[name])
    return json.dumps(body)[:300]


def get_json(
    client: httpx.Client, url: str, headers: Mapping[str, str], policy: RetryPolicy
) -> dict[str, Any]:
    """GET ``url`` and return its JSON object, retrying what can succeed later."""
    problem = ""
    for attempt in range(1, policy.attempts + 1):
        wait: float | None = None
        try:
            response = client.get(url, headers=dict(headers), timeout=policy.timeout)
            status = response.status_code
            if status == 200:
                body = response.json()
                if isinstance(body, dict):
                    return body
                problem = f"unexpected JSON {type(body).__name__} instead of an object"
            elif status == 401 or (status == 403 and "Retry-After" not in response.headers):
                raise FetchError(
                    f"Comtrade+ refused the subscription key (HTTP {status}: {server_message(response)}); "
                    "the key is missing or invalid",
                    hint=KEY_HINT,
                )
            elif status in (403, 429):
                wait = parse_retry_after(response.headers.get("Retry-After"))
                problem = f"HTTP {status}: {server_message(response)}"
                if wait is not None and wait > policy.max_retry_after:
                    raise FetchError(
                        f"Comtrade+ asks to wait {wait:.0f}s ({problem})",
                        hint="the call quota is used up; finished chunks are kept, so rerun the "
                        "same command later to resume",
                    )
            elif status == 408 or status >= 500:
                problem = f"HTTP {status}: {server_message(response)}"
            else:
                hint = "reduce the number of HS codes or partners" if status == 414 else ""
                raise FetchError(
                    f"Comtrade+ rejected {url} (HTTP {status}: {server_message(response)})", hint
                )
        except (httpx.TransportError, ValueError) as exc:  # connection, timeout, truncated or bad JSON
            problem = f"{type(exc).__name__}: {exc}"
        if attempt == policy.attempts:
            break
        delay = policy.backoff(attempt) if wait is None else wait
        log.warning(
            "Comtrade+ request failed (%s); retry %d/%d in %.2fs",
            problem,
            attempt,
            policy.attempts - 1,
            delay,
        )
        policy.sleep(delay)
    raise FetchError(
        f"Comtrade+ request failed after {policy.attempts} attempts: {problem}",
        hint="the service may be down; finished chunks are kept, so rerun the same command to resume",
    )
