"""Client for the UN Comtrade+ data API (``GET {base}/data/v1/get/C/{A|M}/HS``).

:func:`fetch_comtrade` plans chunks (:mod:`detour.fetch.comtrade_chunks`), skips those already
in the download directory, fetches the rest with retries (:mod:`detour.fetch.http_retry`),
splits any chunk whose answer fills the record cap, and writes every finished chunk as a CSV
whose header is exactly :data:`COMTRADE_FIELDS`, the API's own field names, which the Comtrade
reader ingests like a bulk file. Aggregate rows (partner World, motCode 0, TOTAL) are kept as
the API sends them; the reader, not the fetcher, keeps them apart from the detail.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from detour import settings
from detour.errors import FetchError
from detour.fetch.comtrade_chunks import DEFAULT_FLOWS, Chunk, QueryOptions, plan_chunks
from detour.fetch.comtrade_codes import comtrade_codes
from detour.fetch.comtrade_reference import expand_hs, load_reference
from detour.fetch.download_dir import DownloadDir
from detour.fetch.http_retry import KEY_HINT, RetryPolicy, get_json
from detour.model.codes import normalise_hs

log = logging.getLogger("detour.fetch")

COMTRADE_FIELDS: tuple[str, ...] = (
    "typeCode", "freqCode", "refPeriodId", "refYear", "refMonth", "period",
    "reporterCode", "reporterISO", "reporterDesc", "flowCode", "flowDesc",
    "partnerCode", "partnerISO", "partnerDesc", "partner2Code", "partner2ISO", "partner2Desc",
    "classificationCode", "classificationSearchCode", "isOriginalClassification",
    "cmdCode", "cmdDesc", "aggrLevel", "isLeaf", "customsCode", "customsDesc",
    "mosCode", "motCode", "motDesc", "qtyUnitCode", "qtyUnitAbbr", "qty", "isQtyEstimated",
    "altQtyUnitCode", "altQtyUnitAbbr", "altQty", "isAltQtyEstimated",
    "netWgt", "isNetWgtEstimated", "grossWgt", "isGrossWgtEstimated",
    "cifvalue", "fobvalue", "primaryValue", "legacyEstimationFlag", "isReported", "isAggregate",
)  # fmt: skip
FREE_TIER_MAX_RECORDS = 100_000
PREMIUM_MAX_RECORDS = 250_000
_SPECIAL_CMD = {"TOTAL", "AG2", "AG4", "AG6", "ALL"}

Progress = Callable[[int, int, str], None]  # (chunks done, chunks known so far, label)


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
            body = get_json(self.http_client(), url, {"Ocp-Apim-Subscription-Key": str(self.api_key)}, self.retry)
        finally:
            self._last = time.monotonic()
            self.requests += 1
        if body.get("error"):
            raise FetchError(f"Comtrade+ answered {chunk.label} with an error: {body['error']}",
                             hint="check the reporter, partner, HS codes and years of the query")
        # The live API names the record list "data"; some documentation calls it "elements".
        records = body.get("data", body.get("elements"))
        if not isinstance(records, list):
            raise FetchError(f"Comtrade+ answer for {chunk.label} has no record list (keys: {sorted(body)})")
        return records


@dataclass(frozen=True)
class FetchResult:
    paths: tuple[Path, ...]
    out_dir: Path
    chunks: int
    fetched: int
    skipped: int
    split: int
    requests: int
    rows_fetched: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "out_dir": str(self.out_dir), "paths": [str(p) for p in self.paths], "chunks": self.chunks,
            "fetched": self.fetched, "skipped": self.skipped, "split": self.split,
            "requests": self.requests, "rows_fetched": self.rows_fetched,
        }  # fmt: skip


def cmd_code(code: str) -> str:
    """HS argument → the API's spelling: digits without dots, or TOTAL/AG2/AG4/AG6/ALL."""
    text = str(code).strip().upper()
    return text if text in _SPECIAL_CMD else normalise_hs(text)


def fetch_comtrade(
    reporters: Sequence[str],
    partners: Sequence[str] | None,
    hs_codes: Sequence[str],
    years: Sequence[int],
    freq: str = "A",
    out_dir: Path | None = None,
    progress: Progress | None = None,
    *,
    flows: Sequence[str] = DEFAULT_FLOWS,
    breakdown: str = "classic",
    client: ComtradeClient | None = None,
    hs_group_size: int | None = None,
    expand: bool = True,
) -> FetchResult:
    """Download reporters × partners × HS codes × years into ``out_dir``, resuming earlier runs.

    ``partners`` None or empty means every partner (World included). Countries are ISO3 (or
    Comtrade numbers); ``out_dir`` defaults to ``<store>/downloads/comtrade``. With ``expand``,
    2- and 4-digit HS codes also fetch their HS6 detail (:mod:`detour.fetch.comtrade_reference`).
    """
    owns_client = client is None
    client = client or ComtradeClient()
    try:
        return _fetch(client, reporters, partners, hs_codes, years, freq, out_dir, progress, flows, breakdown,
                      hs_group_size, expand)
    finally:
        if owns_client:
            client.close()


def _fetch(
    client: ComtradeClient,
    reporters: Sequence[str],
    partners: Sequence[str] | None,
    hs_codes: Sequence[str],
    years: Sequence[int],
    freq: str,
    out_dir: Path | None,
    progress: Progress | None,
    flows: Sequence[str],
    breakdown: str,
    hs_group_size: int | None,
    expand: bool,
) -> FetchResult:
    store = DownloadDir(out_dir or settings.store_dir() / "downloads" / "comtrade")
    options = QueryOptions(freq=freq.upper(), breakdown=breakdown)
    codes = list(dict.fromkeys(cmd_code(c) for c in hs_codes))
    if expand and any(c.isdigit() and len(c) < 6 for c in codes):
        reference = load_reference(str(client.base_url), store.root / "reference", client.http_client(),
                                   client.retry)
        codes = expand_hs(codes, reference)
    queue = deque(plan_chunks(
        options, comtrade_codes(list(reporters)), comtrade_codes(list(partners)) if partners else None,
        codes, sorted(set(years)),
        tuple(f.strip().upper() for f in flows), base_url=str(client.base_url),
        max_records=client.max_records, hs_group_size=hs_group_size,
    ))  # fmt: skip
    total, done = len(queue), 0
    paths: list[Path] = []
    fetched = skipped = split = rows = 0
    start_requests = client.requests
    while queue:
        chunk = queue.popleft()
        if store.complete(chunk.key):
            store.ensure_indexed(chunk.key, chunk.params())
            paths.append(store.chunk_path(chunk.key))
            skipped += 1
        elif store.was_split(chunk.key):
            children = chunk.split()
            queue.extendleft(reversed(children))
            total += len(children) - 1
            continue
        else:
            records = client.get(chunk)
            if len(records) >= client.max_records:
                children = chunk.split()
                log.info("%s filled the %d-record cap; splitting in %d", chunk.label, client.max_records,
                         len(children))
                store.mark_split(chunk.key, chunk.params(), [c.key for c in children])
                queue.extendleft(reversed(children))
                total += len(children) - 1
                split += 1
                continue
            paths.append(store.write_chunk(chunk.key, COMTRADE_FIELDS, records, chunk.params()))
            fetched += 1
            rows += len(records)
        done += 1
        if progress:
            progress(done, total, chunk.label)
    return FetchResult(tuple(paths), store.root, total, fetched, skipped, split,
                       client.requests - start_requests, rows)
