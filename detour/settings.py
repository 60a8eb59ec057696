"""DETOUR_* environment settings, read in one place.

Imports nothing from detour. Every setting is a function so tests can change the
environment without reloading modules.
"""

from __future__ import annotations

import os
import re
from pathlib import Path


def store_dir() -> Path:
    """Store directory (``DETOUR_STORE``, default ``./detour-store``)."""
    return Path(os.environ.get("DETOUR_STORE", "detour-store"))


def engine_name() -> str:
    """Default query engine (``DETOUR_ENGINE``): ``duckdb`` or ``spark``."""
    return os.environ.get("DETOUR_ENGINE", "duckdb")


def spark_master() -> str:
    """Spark master URL (``DETOUR_SPARK_MASTER``), ``local[2]`` by default."""
    return os.environ.get("DETOUR_SPARK_MASTER", "local[2]")


def duckdb_memory_limit() -> str:
    """Memory cap handed to DuckDB (``DETOUR_MEMORY_LIMIT``, default ``1536MB``).

    DuckDB would otherwise take 80% of the machine; with a cap it spills to disk instead, which
    keeps a whole ingest or mirror of a 19M-row year under 2 GB at a small cost in speed.
    """
    return os.environ.get("DETOUR_MEMORY_LIMIT") or "1536MB"


def size_bytes(text: str) -> int:
    """``1536MB``, ``2GB``, ``1.5GiB``, ... in bytes, as DuckDB reads them (KB = 1000 B, KiB = 1024 B)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B|B)?\s*", text, flags=re.IGNORECASE)
    if not m:
        raise ValueError(f"not a memory size: {text!r} (expected e.g. 1536MB or 2GB)")
    unit = (m.group(2) or "B").upper()
    base = 1024 if "I" in unit else 1000
    return int(float(m.group(1)) * base ** "BKMGT".index(unit[0]))


def duckdb_threads() -> int | None:
    value = os.environ.get("DETOUR_THREADS")
    return int(value) if value else None


def parallel_csv() -> bool:
    """Parse CSV with pyarrow's parallel reader where the file allows it
    (``DETOUR_PARALLEL_CSV``, default on; ``0`` always uses DuckDB's reader)."""
    return os.environ.get("DETOUR_PARALLEL_CSV", "1") not in ("0", "false", "no")


def comtrade_api_key() -> str | None:
    """UN Comtrade+ subscription key (``DETOUR_COMTRADE_KEY`` or ``COMTRADE_API_KEY``)."""
    return os.environ.get("DETOUR_COMTRADE_KEY") or os.environ.get("COMTRADE_API_KEY")


def comtrade_api_base() -> str:
    """Base URL of the Comtrade+ API (``DETOUR_COMTRADE_URL``); tests point it at loopback."""
    return os.environ.get("DETOUR_COMTRADE_URL", "https://comtradeapi.un.org")


def claims_db_url() -> str | None:
    """Claims database URL (``DETOUR_CLAIMS_DB``); default is a SQLite file in the store."""
    return os.environ.get("DETOUR_CLAIMS_DB") or None


def max_text_bytes() -> int:
    """Largest article accepted by claim extraction (``DETOUR_MAX_TEXT_BYTES``)."""
    return int(os.environ.get("DETOUR_MAX_TEXT_BYTES", str(2_000_000)))


def llm_url() -> str | None:
    """Optional OpenAI-compatible endpoint for claim extraction (``DETOUR_LLM_URL``)."""
    return os.environ.get("DETOUR_LLM_URL") or None


def llm_model() -> str:
    return os.environ.get("DETOUR_LLM_MODEL", "gpt-4o-mini")


def llm_key() -> str | None:
    return os.environ.get("DETOUR_LLM_KEY") or None
