"""Expanding 2- and 4-digit HS codes to their HS6 leaves with Comtrade's own code list.

Asking the data API for ``cmdCode=93`` returns the chapter total only, which the Comtrade
reader drops as an aggregate. So before planning, each shorter code becomes itself plus every
4- and 6-digit code under it in ``{base}/files/v1/app/reference/HS.json`` (the "Combined HS" list of
all revisions, public, no key). The aggregate itself is kept in the query: comparing it with
the sum of its HS6 detail is how suppressed (confidential) trade shows up.

The list is cached as ``<download dir>/reference/HS.json``; delete it to refresh.

>>> ref = {"0101": 4, "010121": 6, "010129": 6, "0102": 4, "010221": 6}
>>> expand_hs(["01", "010121", "TOTAL"], ref)
['01', '0101', '010121', '010129', '0102', '010221', 'TOTAL']
>>> expand_hs(["0101"], ref)
['0101', '010121', '010129']
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

from detour.errors import FetchError
from detour.fetch.download_dir import atomic_write
from detour.fetch.http_retry import RetryPolicy, get_json

log = logging.getLogger("detour.fetch")

REFERENCE_PATH = "/files/v1/app/reference/HS.json"


def parse_reference(body: Mapping[str, object]) -> dict[str, int]:
    """HS.json body → code → aggregation level (2, 4 or 6; TOTAL is 0)."""
    results = body.get("results")
    if not isinstance(results, list):
        raise FetchError(
            "Comtrade+ HS reference has no 'results' list",
            hint="retry later, or pass 6-digit codes with --no-expand",
        )
    table: dict[str, int] = {}
    for item in results:
        if isinstance(item, dict) and "id" in item:
            level = item.get("aggrLevel")
            table[str(item["id"])] = (
                int(level) if isinstance(level, int | str) and str(level).isdigit() else 0
            )
    return table


def load_reference(base_url: str, cache_dir: Path, http: httpx.Client, policy: RetryPolicy) -> dict[str, int]:
    """The HS code list, from the cache or else from the API (then cached)."""
    cache = cache_dir / "HS.json"
    if cache.is_file():
        try:
            return parse_reference(json.loads(cache.read_text(encoding="utf-8")))
        except (ValueError, FetchError):
            log.warning("ignoring unreadable HS reference cache %s", cache)
    body = get_json(http, f"{base_url.rstrip('/')}{REFERENCE_PATH}", {}, policy)
    table = parse_reference(body)
    cache_dir.mkdir(parents=True, exist_ok=True)
    atomic_write(cache, lambda f: json.dump(body, f))
    log.info("cached the Comtrade+ HS reference (%d codes) in %s", len(table), cache)
    return table


def expand_hs(codes: Sequence[str], reference: Mapping[str, int]) -> list[str]:
    """Each 2/4-digit code, then its 4- and 6-digit descendants; others unchanged; no repeats."""
    out: dict[str, None] = {}
    ordered = sorted(reference)
    for code in codes:
        out.setdefault(code, None)
        if not (code.isdigit() and len(code) in (2, 4)):
            continue
        below = [c for c in ordered if c.startswith(code) and c != code and c.isdigit() and len(c) in (4, 6)]
        if not any(len(c) == 6 for c in below):
            log.warning("HS %s has no 6-digit codes in the Comtrade+ reference; fetching it as is", code)
        for child in below:
            out.setdefault(child, None)
    return list(out)
