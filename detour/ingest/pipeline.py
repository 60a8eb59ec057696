"""Ingest one file into the store: stage, validate, de-duplicate, commit atomically."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import duckdb

from detour import settings
from detour.errors import InputError, RowProblem
from detour.ingest.arrow_source import DUCKDB_SHARE, RELATION, ArrowSource
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
from detour.ingest.sniff import Sniffed, first_invalid_utf8, sniff
from detour.store.catalog import FileEntry, Store

log = logging.getLogger(__name__)
MAX_SHOWN = 10
KEY = "year, month, reporter, partner, partner2, flow, hs, classification"


def ingest_file(store: Store, path: Path, reader: Reader, *, skip_invalid: bool = False,
                replace: bool = False, progress: Any = None) -> IngestReport:
    sniffed = sniff(path)
    # A file already in the store is left alone (ingest is idempotent), unless ``replace`` asks
    # to read it again: a store written before a reader kept something new (chapter totals)
    # gets it by re-reading its files, each replacing its own earlier entry in one commit.
    known = store.find(sniffed.sha256)
    if known is not None and not replace:
        return IngestReport(str(path), sniffed.sha256, reader.name, known.source, "unchanged",
                            rows_written=known.rows_written)
    with store.writer() as writer:
        known = store.find(sniffed.sha256)
        if known is not None and not replace:  # landed while we waited for the lock
            return IngestReport(str(path), sniffed.sha256, reader.name, known.source, "unchanged",
                                rows_written=known.rows_written)
        work = writer.new_staging_dir(sniffed.sha256[:16])
        con = new_connection(work / "tmp")
        try:
            reader.prepare(con, sniffed)
            reader.rejected_lines = rejected_lines(con, sniffed) if skip_invalid else []
            staged = work / "staged"
            parser = _read(con, reader, sniffed, staged, progress)
            parts = con.execute(f"SELECT _part, coalesce(year, -1), count(*) FROM {_staged_sql(staged)} "
                                "GROUP BY ALL ORDER BY ALL").fetchall() if any(staged.rglob("*.parquet")) else []
            report = IngestReport(str(path), sniffed.sha256, reader.name, reader.source, "ingested", parser=parser)
            _check_rows(con, staged, parts, path, report, skip_invalid)
            _check_breakdowns(con, staged, path, report, skip_invalid)
            if reader.rejected_lines:
                report.skipped["malformed row"] = len(reader.rejected_lines)
                report.rows_read += len(reader.rejected_lines)
            ok = _split_years(con, staged, [y for status, y, _ in parts if status == "ok"], work / "parts", progress,
                              path)
            ok = _check_duplicates(con, ok, work, path, report, skip_invalid)
            # Chapter totals (Comtrade's 2-digit aggregate rows) are kept apart, never summed with
            # the detail: the store's ``chapters`` dataset (``Store.parquet_files("chapters")``).
            chapters = _split_years(con, staged, [y for status, y, _ in parts if status == CHAPTER],
                                    work / "chapters", progress, path, CHAPTER)
            chapters = _check_duplicates(con, chapters, work, path, report, skip_invalid, "chapters-dedup")
            report.chapter_rows = sum(rows for _, _, rows in chapters)
            files = _files_sql([f for f, _, _ in ok])
            slices = con.execute(f"SELECT DISTINCT reporter, year, flow, coalesce(month, 0) FROM {files} "
                                 "ORDER BY ALL").fetchall() if ok else []
            superseded = _overlaps(store, reader.source, slices, path, replace)
            if known is not None and known.sha256 not in superseded:
                superseded.append(known.sha256)
        finally:
            con.close()
        report.rows_written = sum(rows for _, _, rows in ok)
        report.years = sorted({year for _, year, _ in ok})
        report.replaced = superseded
        if superseded:
            report.status = "replaced"
        entry = FileEntry(sha256=sniffed.sha256, path=str(path.resolve()), source=reader.source,
                          format=reader.name, seq=0, ingested_at=0.0, rows_written=report.rows_written,
                          slices=[list(s) for s in slices], report=report.to_dict())
        writer.commit(entry, ok, superseded, chapters)
    log.info("%s: %s rows into %s", path, report.rows_written, store.root)
    return report


def _read(con: duckdb.DuckDBPyConnection, reader: Reader, sniffed: Sniffed, staged: Path, progress: Any) -> str:
    """One pass over the file into staging Parquet, one file per row status.

    The kept rows' file is already the store's part when the file holds one year. (Partitioning
    by year as well would save the split below, but DuckDB keeps one buffer per partition in
    memory and, under the memory cap, crawls; statuses are few.)

    Rows come from pyarrow's parallel parser when the file allows it (``arrow_source``); on any
    error there the file is read again by DuckDB's reader, which names the line and the problem.
    """
    def copy(fraction: Any = None) -> None:
        run_with_progress(con, f"COPY (SELECT {CANONICAL}, coalesce(_status, 'ok') AS _part "
                          f"FROM ({reader.select_sql(sniffed)})) TO {sql_str(str(staged))} "
                          "(FORMAT parquet, PARTITION_BY (_part), COMPRESSION zstd, ROW_GROUP_SIZE 500000)",
                          f"reading {sniffed.path.name}", progress, fraction)

    if settings.parallel_csv() and not reader.rejected_lines:
        reader.arrow = True
        reader.select_sql(sniffed)  # records the columns the reader uses
        source = ArrowSource(sniffed, reader.columns)
        limit = int(settings.size_bytes(settings.duckdb_memory_limit()) * DUCKDB_SHARE)
        con.execute(f"SET memory_limit = '{limit // 1024}KiB'")
        try:
            source.register(con)
            copy(lambda: source.fraction)
            return "pyarrow"
        except Exception as exc:  # noqa: BLE001 - any failure: DuckDB's reader reads the file again
            if source.bad_utf8:
                # DuckDB's reader only decodes the columns a reader uses, so it would pass what
                # pyarrow refused: find the line here.
                if (error := first_invalid_utf8(sniffed.path, sniffed.compressed)) is not None:
                    raise error from None
            log.debug("%s: the parallel reader stopped (%s); reading again with DuckDB's reader",
                      sniffed.path, str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__)
            shutil.rmtree(staged, ignore_errors=True)
        finally:
            reader.arrow = False
            source.close()
            con.unregister(RELATION)
            con.execute(f"SET memory_limit = '{settings.duckdb_memory_limit()}'")
    try:
        copy()
    except duckdb.Error as exc:
        raise duckdb_error(sniffed.path, exc) from None
    return "duckdb"


def _files_sql(files: list[Path]) -> str:
    return f"read_parquet([{', '.join(sql_str(str(f)) for f in files)}], hive_partitioning = false)"


def _staged_sql(staged: Path) -> str:
    """Every staged row with its status (``_part``, from the directory names)."""
    return f"read_parquet({sql_str(str(staged / '**' / '*.parquet'))}, hive_partitioning = true)"


CHAPTER = "chapter"  # row status of a chapter total (``detour.ingest.comtrade``), kept apart


def _split_years(con: duckdb.DuckDBPyConnection, staged: Path, years: list[int], out: Path, progress: Any,
                 path: Path, status: str = "ok") -> list[tuple[Path, int, int]]:
    """The rows of one status (the kept declarations, or the chapter totals kept apart), one
    Parquet part per year (the store partitions by year)."""
    out.mkdir()
    parts: list[tuple[Path, int, int]] = []
    if not years:
        return parts
    kept = sorted((staged / f"_part={status}").glob("*.parquet"))
    if len(set(years)) == 1 and len(kept) == 1:  # already the part: the status column is not in it
        year = years[0]
        part = out / f"{year}.parquet"
        kept[0].rename(part)
        rows = con.execute(f"SELECT sum(num_rows) FROM parquet_file_metadata({sql_str(str(part))})").fetchone()[0]
        return [(part, year, int(rows or 0))]
    for year in sorted(set(years)):
        part = out / f"{year}.parquet"
        run_with_progress(con, f"COPY (SELECT {CANONICAL} FROM {_files_sql(kept)} WHERE "
                          f"year = {int(year)}) TO {sql_str(str(part))} (FORMAT parquet, COMPRESSION zstd, "
                          "ROW_GROUP_SIZE 500000)", f"writing {path.name} {year}", progress)
        rows = con.execute(f"SELECT sum(num_rows) FROM parquet_file_metadata({sql_str(str(part))})").fetchone()[0]
        parts.append((part, year, int(rows or 0)))
    return parts


def _check_rows(con: duckdb.DuckDBPyConnection, staged: Path, parts: list, path: Path, report: IngestReport,
                skip_invalid: bool) -> None:
    counts: dict[str, int] = {}
    for status, _, rows in parts:
        counts[status] = counts.get(status, 0) + rows
    report.rows_read = sum(counts.values())
    report.dropped = {k[5:]: v for k, v in counts.items() if k.startswith("drop:")}
    bad = {k[4:]: v for k, v in counts.items() if k.startswith("bad:")}
    if report.rows_read == 0:
        raise InputError(str(path), "no data rows after the header")
    if bad and not skip_invalid:
        first = con.execute(f"SELECT row, _part FROM {_staged_sql(staged)} WHERE _part LIKE 'bad:%' "
                            f"ORDER BY row LIMIT {MAX_SHOWN}").fetchall()
        rows = [RowProblem(int(r), status[4:]) for r, status in first]
        raise InputError(str(path), f"{sum(bad.values())} invalid rows; nothing was ingested", rows=rows,
                         counts=bad, hint="fix the rows, or pass --skip-invalid to skip them")
    report.skipped = bad


BREAKDOWN = "drop:breakdown beside total"
FLOW_KEY = ("{t}year", "coalesce({t}month, 0)", "{t}reporter", "{t}partner", "{t}flow", "{t}hs")


def _check_breakdowns(con: duckdb.DuckDBPyConnection, staged: Path, path: Path, report: IngestReport,
                      skip_invalid: bool) -> None:
    """Breakdown rows are dropped because their total is in the file; a flow that has breakdown
    rows but no total row would be lost, and would then look undeclared by its reporter in the
    mirror (a false phantom). Such a file is a filtered extract: an error, or with
    ``skip_invalid`` those flows are left out and counted."""
    if not report.dropped.get(BREAKDOWN[5:]):
        return
    src = _staged_sql(staged)
    key = ", ".join(f"{k.format(t='')} AS k{i}" for i, k in enumerate(FLOW_KEY))
    on = " AND ".join(f"{k.format(t='o.')} = b.k{i}" for i, k in enumerate(FLOW_KEY))
    con.execute(f"CREATE OR REPLACE TEMP TABLE _bd AS SELECT {key}, min(row) AS line, count(*) AS n FROM {src} "
                f"WHERE _part = '{BREAKDOWN}' AND reporter IS NOT NULL AND partner IS NOT NULL AND flow IS NOT NULL "
                "GROUP BY ALL")
    # The file is the probe side of the join (the ingest connection keeps joins as written).
    con.execute(f"CREATE OR REPLACE TEMP TABLE _have AS SELECT DISTINCT b.* FROM {src} o "
                f"JOIN _bd b ON {on} WHERE o._part = 'ok'")
    orphans = con.execute("SELECT line, n FROM _bd ANTI JOIN _have USING (line) ORDER BY line").fetchall()
    if not orphans:
        return
    rows = sum(n for _, n in orphans)
    if not skip_invalid:
        raise InputError(str(path), f"{len(orphans)} flows have breakdown rows (by customs procedure, transport "
                         "mode or second partner) but no total row; summing breakdowns can double count, and "
                         "dropping them would make the flows look undeclared",
                         rows=[RowProblem(int(line), "breakdown without its total row") for line, _ in orphans[:MAX_SHOWN]],
                         hint="download the file with its totals (customsCode C00, motCode 0, mosCode 0, "
                              "partner2Code 0), or pass --skip-invalid to leave these flows out")
    report.dropped[BREAKDOWN[5:]] -= rows
    if not report.dropped[BREAKDOWN[5:]]:
        del report.dropped[BREAKDOWN[5:]]
    report.skipped["breakdown without total row"] = rows


def _check_duplicates(con: duckdb.DuckDBPyConnection, ok: list[tuple[Path, int, int]], work: Path, path: Path,
                      report: IngestReport, skip_invalid: bool, name: str = "dedup") -> list[tuple[Path, int, int]]:
    """Two rows for the same declaration would double count: an error, or keep the first."""
    if not ok:
        return ok
    src = _files_sql([f for f, _, _ in ok])
    # Grouping on one 64-bit hash of the key is far cheaper than on its eight columns; the few
    # candidate keys (true duplicates, or rare hash collisions) are then checked exactly.
    dups = con.execute(f"WITH h AS (SELECT hash({KEY}) AS k FROM {src} GROUP BY k HAVING count(*) > 1) "
                       f"SELECT list(row ORDER BY row) FROM {src} SEMI JOIN h ON hash({KEY}) = h.k "
                       f"GROUP BY {KEY} HAVING count(*) > 1 ORDER BY min(row) LIMIT {MAX_SHOWN}").fetchall()
    if not dups:
        return ok
    if not skip_invalid:
        rows = [RowProblem(int(r[0][1]), "duplicate declaration", f"same flow as line {int(r[0][0])}")
                for r in dups]
        raise InputError(str(path), "duplicate declarations (same period, reporter, partner, flow and HS code)",
                         rows=rows, hint="summing both would double count; remove one, or pass --skip-invalid "
                         "to keep the first")
    dedup = work / name
    con.execute(f"COPY (SELECT * EXCLUDE (_n), year AS _y FROM (SELECT *, row_number() OVER "
                f"(PARTITION BY {KEY} ORDER BY row) AS _n FROM {src}) WHERE _n = 1) TO {sql_str(str(dedup))} "
                "(FORMAT parquet, PARTITION_BY (_y), COMPRESSION zstd, ROW_GROUP_SIZE 500000)")
    kept = [(f, int(f.parent.name.split("=")[1]), int(con.execute(f"SELECT count(*) FROM {_files_sql([f])}")
                                                        .fetchone()[0])) for f in sorted(dedup.rglob("*.parquet"))]
    skipped = sum(n for _, _, n in ok) - sum(n for _, _, n in kept)
    report.skipped["duplicate declaration"] = report.skipped.get("duplicate declaration", 0) + skipped
    return kept


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
