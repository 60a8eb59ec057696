"""Ingest one file into the store: stage, validate, de-duplicate, commit atomically."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import duckdb

from detour.errors import InputError, RowProblem
from detour.ingest.base import (
    CANONICAL,
    IngestReport,
    Reader,
    duckdb_error,
    new_connection,
    rejected_lines,
    run_with_progress,
    sql_str,
)
from detour.ingest.sniff import sniff
from detour.store.catalog import FileEntry, Store

log = logging.getLogger(__name__)
MAX_SHOWN = 10
KEY = "year, month, reporter, partner, partner2, flow, hs, classification"


def ingest_file(store: Store, path: Path, reader: Reader, *, skip_invalid: bool = False,
                replace: bool = False, progress: Any = None) -> IngestReport:
    sniffed = sniff(path)
    known = store.find(sniffed.sha256)
    if known is not None:
        return IngestReport(str(path), sniffed.sha256, reader.name, known.source, "unchanged",
                            rows_written=known.rows_written)
    with store.writer() as writer:
        if (known := store.find(sniffed.sha256)) is not None:  # landed while we waited for the lock
            return IngestReport(str(path), sniffed.sha256, reader.name, known.source, "unchanged",
                                rows_written=known.rows_written)
        work = writer.new_staging_dir(sniffed.sha256[:16])
        con = new_connection(work / "tmp")
        try:
            reader.prepare(con, sniffed)
            reader.rejected_lines = rejected_lines(con, sniffed) if skip_invalid else []
            raw = work / "raw.parquet"
            try:
                run_with_progress(con, f"COPY ({reader.select_sql(sniffed)}) TO {sql_str(str(raw))} "
                                  "(FORMAT parquet, ROW_GROUP_SIZE 500000)", f"reading {path.name}", progress)
            except duckdb.Error as exc:
                raise duckdb_error(path, exc) from None
            report = IngestReport(str(path), sniffed.sha256, reader.name, reader.source, "ingested")
            _check_rows(con, raw, path, report, skip_invalid)
            if reader.rejected_lines:
                report.skipped["malformed row"] = len(reader.rejected_lines)
                report.rows_read += len(reader.rejected_lines)
            _check_duplicates(con, raw, path, report, skip_invalid)
            slices = con.execute(f"SELECT DISTINCT reporter, year, flow, coalesce(month, 0) "
                                 f"FROM read_parquet({sql_str(str(raw))}) "
                                 "WHERE _status IS NULL ORDER BY ALL").fetchall()
            superseded = _overlaps(store, reader.source, slices, path, replace)
            parts_dir = work / "parts"
            run_with_progress(con, f"COPY (SELECT {CANONICAL} FROM read_parquet({sql_str(str(raw))}) "
                              f"WHERE _status IS NULL) TO {sql_str(str(parts_dir))} "
                              "(FORMAT parquet, PARTITION_BY (year), WRITE_PARTITION_COLUMNS true, "
                              "COMPRESSION zstd, ROW_GROUP_SIZE 500000)", f"writing {path.name}", progress)
            staged = _staged_parts(con, parts_dir)
        finally:
            con.close()
        report.rows_written = sum(rows for _, _, rows in staged)
        report.years = sorted({year for _, year, _ in staged})
        report.replaced = superseded
        if superseded:
            report.status = "replaced"
        entry = FileEntry(sha256=sniffed.sha256, path=str(path.resolve()), source=reader.source,
                          format=reader.name, seq=0, ingested_at=0.0, rows_written=report.rows_written,
                          slices=[list(s) for s in slices], report=report.to_dict())
        writer.commit(entry, staged, superseded)
    log.info("%s: %s rows into %s", path, report.rows_written, store.root)
    return report


def _check_rows(con: duckdb.DuckDBPyConnection, raw: Path, path: Path, report: IngestReport,
                skip_invalid: bool) -> None:
    src = f"read_parquet({sql_str(str(raw))})"
    counts = dict(con.execute(f"SELECT coalesce(_status, 'ok'), count(*) FROM {src} GROUP BY 1").fetchall())
    report.rows_read = sum(counts.values())
    report.dropped = {k[5:]: v for k, v in counts.items() if k.startswith("drop:")}
    bad = {k[4:]: v for k, v in counts.items() if k.startswith("bad:")}
    if report.rows_read == 0:
        raise InputError(str(path), "no data rows after the header")
    if bad and not skip_invalid:
        first = con.execute(f"SELECT _row, _status FROM {src} WHERE _status LIKE 'bad:%' "
                            f"ORDER BY _row LIMIT {MAX_SHOWN}").fetchall()
        rows = [RowProblem(int(r), s[4:]) for r, s in first]
        raise InputError(str(path), f"{sum(bad.values())} invalid rows; nothing was ingested", rows=rows,
                         counts=bad, hint="fix the rows, or pass --skip-invalid to skip them")
    report.skipped = bad


def _check_duplicates(con: duckdb.DuckDBPyConnection, raw: Path, path: Path, report: IngestReport,
                      skip_invalid: bool) -> None:
    """Two rows for the same declaration would double count: an error, or keep the first."""
    src = f"read_parquet({sql_str(str(raw))})"
    dups = con.execute(f"SELECT list(_row ORDER BY _row) FROM {src} WHERE _status IS NULL "
                       f"GROUP BY {KEY} HAVING count(*) > 1 LIMIT {MAX_SHOWN}").fetchall()
    if not dups:
        return
    if not skip_invalid:
        rows = [RowProblem(int(r[0][1]), "duplicate declaration", f"same flow as line {int(r[0][0])}")
                for r in dups]
        raise InputError(str(path), "duplicate declarations (same period, reporter, partner, flow and HS code)",
                         rows=rows, hint="summing both would double count; remove one, or pass --skip-invalid "
                         "to keep the first")
    tmp = Path(str(raw) + ".dedup")
    con.execute(f"COPY (SELECT * EXCLUDE (_status), CASE WHEN _status IS NULL AND row_number() OVER "
                f"(PARTITION BY {KEY} ORDER BY _row) > 1 THEN 'bad:duplicate declaration' ELSE _status END "
                f"AS _status FROM {src}) TO {sql_str(str(tmp))} (FORMAT parquet, ROW_GROUP_SIZE 500000)")
    tmp.replace(raw)
    skipped = con.execute(f"SELECT count(*) FROM {src} WHERE _status = 'bad:duplicate declaration'").fetchone()[0]
    report.skipped["duplicate declaration"] = int(skipped)


def _overlaps(store: Store, source: str, slices: list[tuple], path: Path, replace: bool) -> list[str]:
    """Files of the same source already holding any (reporter, year, flow, month) of this file.

    Month 0 stands for annual declarations, which may sit beside monthly ones: the annual view
    prefers them (detour.analysis.declarations), so both can be stored without double counting.
    """
    mine = {tuple(s) for s in slices}
    hits = [f for f in store.files() if f.source == source and mine & {tuple(s) for s in f.slices}]
    if hits and not replace:
        f = hits[0]
        both = sorted(mine & {tuple(s) for s in f.slices})[:3]
        raise InputError(str(path), f"already in the store from {f.path} for (reporter, year, flow, month) "
                         f"{', '.join(map(str, both))}; ingesting both would double count",
                         hint="pass --replace to supersede the older file(s)")
    return [f.sha256 for f in hits]


def _staged_parts(con: duckdb.DuckDBPyConnection, parts_dir: Path) -> list[tuple[Path, int, int]]:
    out = []
    for part in sorted(parts_dir.rglob("*.parquet")):
        year = int(part.parent.name.split("=", 1)[1])
        rows = con.execute(f"SELECT count(*) FROM read_parquet({sql_str(str(part))})").fetchone()[0]
        out.append((part, year, int(rows)))
    return out
