"""Merging chunk files into one file per (frequency, reporter, year) for ingest.

The store keeps one file per (reporter, year, flow, month) slice and refuses a second file for
a slice it holds, because summing both would double count. Chunks cut a reporter-year by HS
codes and partners, so they are merged first. A merged file holds *every* finished chunk in the
download directory for its reporter-year, earlier runs included, so ingesting a newer version
with ``replace`` supersedes the older one without losing codes fetched before. Rows that
declare the same flow twice (overlapping queries, a classic and a plus run) are kept once: the
most recently fetched.

Merged files live in ``<download dir>/merged/{A|M}-{reporterCode}-{year}.csv`` with the same
header as the chunks (:data:`detour.fetch.comtrade_api.COMTRADE_FIELDS`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb

from detour.fetch.download_dir import DownloadDir

log = logging.getLogger("detour.fetch")

# One declaration; the breakdown columns keep plus-mode detail apart from its totals.
DECLARATION = (
    "period", "reporterCode", "flowCode", "partnerCode", "partner2Code", "cmdCode",
    "classificationCode", "customsCode", "motCode", "mosCode",
)  # fmt: skip
Group = tuple[str, str, str]  # (freq, reporterCode, year)


def _group(params: dict[str, str]) -> Group:
    period = params["period"].split(",")[0]
    return ("A" if len(period) == 4 else "M", params["reporterCode"], period[:4])


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def merge_for_ingest(out_dir: Path, chunk_paths: Iterable[Path], fields: Sequence[str]) -> list[Path]:
    """Merged files for every reporter-year the given chunks touch, rebuilt from all chunks."""
    store = DownloadDir(out_dir)
    wanted = {Path(p).name for p in chunk_paths}
    groups: dict[Group, list[tuple[str, Path]]] = defaultdict(list)
    touched: set[Group] = set()
    for key, entry in store.entries().items():
        path = store.chunk_path(key)
        if entry.get("status") != "complete" or not path.is_file():
            continue
        group = _group(entry["params"])
        groups[group].append((str(entry.get("at", "")), path))
        if path.name in wanted:
            touched.add(group)
    merged_dir = store.root / "merged"
    merged_dir.mkdir(exist_ok=True)
    out: list[Path] = []
    for group in sorted(touched):
        files = [p for _, p in sorted(groups[group])]  # oldest first, so the newest row wins
        target = merged_dir / f"{group[0]}-{group[1]}-{group[2]}.csv"
        _merge(files, target, fields)
        out.append(target)
    return out


def _merge(files: Sequence[Path], target: Path, fields: Sequence[str]) -> None:
    ranks = " ".join(f"WHEN {_sql_str(str(p))} THEN {i}" for i, p in enumerate(files))
    sources = "[" + ", ".join(_sql_str(str(p)) for p in files) + "]"
    cols = ", ".join(_quote(f) for f in fields)
    key = ", ".join(_quote(f) for f in DECLARATION)
    tmp = target.with_name(f".{target.name}.part")
    con = duckdb.connect()
    try:
        # all_varchar keeps every cell byte for byte (codes with leading zeros, "True"/"False").
        con.execute(
            f"COPY (SELECT {cols} FROM read_csv({sources}, header = true, all_varchar = true, "
            f"union_by_name = true, filename = true) "
            f"QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY CASE filename {ranks} END DESC) = 1 "
            f"ORDER BY {key}) TO {_sql_str(str(tmp))} (HEADER, DELIMITER ',')"
        )
    finally:
        con.close()
    tmp.replace(target)
    log.info("merged %d chunk files into %s", len(files), target)
