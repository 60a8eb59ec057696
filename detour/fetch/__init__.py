"""Downloading source data from remote APIs into the store's download directory.

Only UN Comtrade+ for now: :func:`fetch_comtrade` (see :mod:`detour.fetch.comtrade_api`).
"""

from detour.fetch.comtrade_api import (
    COMTRADE_FIELDS,
    ComtradeClient,
    FetchResult,
    fetch_comtrade,
)
from detour.fetch.comtrade_chunks import DEFAULT_FLOWS, Chunk, QueryOptions, plan_chunks
from detour.fetch.comtrade_codes import comtrade_code, comtrade_codes
from detour.fetch.comtrade_merge import merge_for_ingest
from detour.fetch.http_retry import RetryPolicy

__all__ = [
    "COMTRADE_FIELDS",
    "DEFAULT_FLOWS",
    "Chunk",
    "ComtradeClient",
    "FetchResult",
    "QueryOptions",
    "RetryPolicy",
    "comtrade_code",
    "comtrade_codes",
    "fetch_comtrade",
    "merge_for_ingest",
    "plan_chunks",
]
