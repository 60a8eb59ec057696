"""Fetching UN Comtrade+ data (``GET {base}/data/v1/get/C/{A|M}/HS``) into a download directory.

:func:`fetch_comtrade` plans chunks (:mod:`detour.fetch.comtrade_chunks`), skips those already
in the download directory, fetches the rest (:class:`~detour.fetch.comtrade_client.ComtradeClient`),
splits any chunk whose answer fills the record cap, and writes every finished chunk as a CSV
whose header is exactly :data:`COMTRADE_FIELDS`, the API's own field names, which the Comtrade
reader ingests like a bulk file. Aggregate rows (partner World, motCode 0, TOTAL) are kept as
the API sends them; the reader, not the fetcher, keeps them apart from the detail.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detour import settings
from detour.errors import FetchError
from detour.fetch.comtrade_chunks import DEFAULT_FLOWS, Chunk, QueryOptions, plan_chunks
from detour.fetch.comtrade_client import FREE_TIER_MAX_RECORDS, PREMIUM_MAX_RECORDS, ComtradeClient
from detour.fetch.comtrade_codes import comtrade_codes
from detour.fetch.comtrade_reference import expand_hs, load_reference
from detour.fetch.download_dir import DownloadDir
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
_SPECIAL_CMD = {"TOTAL", "AG2", "AG4", "AG6", "ALL"}
# Caps the service applies whatever maxRecords says (preview, free key, premium key): an answer
# of exactly that size is taken as truncated even if the client believed its cap was higher.
_KNOWN_CAPS = {500, FREE_TIER_MAX_RECORDS, PREMIUM_MAX_RECORDS}

Progress = Callable[[int, int, str], None]  # (chunks done, chunks known so far, label)
__all__ = [
    "COMTRADE_FIELDS",
    "FREE_TIER_MAX_RECORDS",
    "PREMIUM_MAX_RECORDS",
    "ComtradeClient",
    "FetchResult",
    "fetch_comtrade",
    "cmd_code",
]


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


def _split_if_full(chunk: Chunk, n: int, cap: int) -> tuple[Chunk, ...]:
    """Halves of a chunk whose answer looks truncated; () if it is complete."""
    if n < cap and n not in _KNOWN_CAPS:
        return ()
    try:
        children = chunk.split()
    except FetchError:
        if n >= cap:
            raise
        log.warning(
            "%s returned %d records, a known service cap; it cannot be split to check", chunk.label, n
        )
        return ()
    log.info("%s returned %d records (cap %d); splitting it in two", chunk.label, n, cap)
    return children


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
        return _fetch(
            client,
            reporters,
            partners,
            hs_codes,
            years,
            freq,
            out_dir,
            progress,
            flows,
            breakdown,
            hs_group_size,
            expand,
        )
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
        reference = load_reference(
            str(client.base_url), store.root / "reference", client.http_client(), client.retry
        )
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
            children = _split_if_full(chunk, len(records), client.max_records)
            if children:
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
    return FetchResult(
        tuple(paths), store.root, total, fetched, skipped, split, client.requests - start_requests, rows
    )
