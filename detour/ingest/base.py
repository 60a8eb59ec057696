"""The ingest pipeline shared by every reader, and the reader contract.

A reader turns one input file into a DuckDB SELECT that yields the canonical declaration
columns plus two bookkeeping columns:

- ``_row``: the row's line in the file (the header is line 1), also stored as provenance;
- ``_status``: NULL to keep the row, ``'drop:<why>'`` for rows that are legitimately not
  declarations (World partner, breakdown beside its total, commodity aggregate), or
  ``'bad:<why>'`` for rows that are wrong (unknown country, negative value, ...).

The pipeline runs that SELECT once over the file (streaming, DuckDB spills to the staging
directory), writing Parquet partitioned by status: the 'ok' file is the store's part as it is
when the file holds one year (else it is split by year), the others are only counted and quoted
in errors. It then checks duplicates and breakdowns without totals, and commits the parts and
the catalogue atomically. Nothing reaches the store unless the whole file is good, or
``skip_invalid`` was asked for and the bad rows were counted.
"""

from __future__ import annotations

import re
import threading
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, ClassVar

import duckdb

from detour import settings
from detour.errors import InputError, RowProblem
from detour.ingest.arrow_source import RELATION
from detour.ingest.sniff import Sniffed
from detour.model.flow import COLUMNS


class Reader(ABC):
    """One input format. Subclasses set ``name`` and write ``select_sql``."""

    name: ClassVar[str]
    source: str = ""
    # Physical lines of malformed rows DuckDB's parser rejected (set by the pipeline with
    # --skip-invalid); line numbers of the rows after them are corrected by ``numbered``.
    rejected_lines: list[int] = []
    # Set by the pipeline when the rows come from the parallel pyarrow stream
    # (detour.ingest.arrow_source); ``columns`` then records which the reader uses.
    arrow: bool = False
    columns: list[str] | None = None

    def numbered(self, sniffed: Sniffed, columns: list[str] | None = None) -> str:
        """The file's rows with ``_row``, from whichever source the pipeline chose."""
        self.columns = columns
        if self.arrow:
            cols = ", ".join(f'"{c}"' for c in columns) if columns else "*"
            return f"(SELECT {cols}, _row FROM {RELATION})" if columns else f"(SELECT * FROM {RELATION})"
        return numbered(sniffed, self.rejected_lines, columns)

    def prepare(self, con: duckdb.DuckDBPyConnection, sniffed: Sniffed) -> None:
        """Register lookup tables and validate the header; raise InputError if it is unusable."""

    @abstractmethod
    def select_sql(self, sniffed: Sniffed) -> str:
        """SELECT producing canonical columns plus ``_row`` and ``_status``."""


@dataclass
class IngestReport:
    path: str
    sha256: str
    format: str
    source: str
    status: str  # ingested | unchanged | replaced
    rows_read: int = 0
    rows_written: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    years: list[int] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    parser: str = ""  # pyarrow (parallel) or duckdb (the fallback; see detour.ingest.arrow_source)
    chapter_rows: int = 0  # chapter totals kept apart from the detail (``Store.parquet_files("chapters")``)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_LINE_RE = re.compile(r"[Ll]ine:?\s*(\d+)")


def duckdb_error(path: Path, exc: Exception) -> InputError:
    """Turn a DuckDB parser error into an InputError naming the file and line."""
    text = str(exc)
    m = _LINE_RE.search(text)
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    if "unicode" in text.lower() or "utf-8" in text.lower():
        problem = "not valid UTF-8"
    elif "gzip" in text.lower() or "zlib" in text.lower() or "decompress" in text.lower():
        problem = "corrupt or truncated gzip file"
    elif "column" in text.lower() and ("expected" in text.lower() or "found" in text.lower()):
        problem = "malformed row (wrong number of columns)"
    else:
        problem = "cannot parse file"
    rows = [RowProblem(int(m.group(1)), problem, first[:200])] if m else []
    msg = problem if rows else f"{problem}: {first[:300]}"
    return InputError(str(path), msg, rows=rows,
                      hint="fix the file, or pass --skip-invalid to skip malformed rows")


def run_with_progress(con: duckdb.DuckDBPyConnection, sql: str, label: str, progress: Any,
                      fraction: Callable[[], float] | None = None) -> None:
    """Run one statement in a worker thread while the caller's rich progress bar polls DuckDB
    (or ``fraction``, the share done, where DuckDB cannot tell: a stream has no known size).

    Ctrl-C interrupts the query; the staging directory is then removed by the store writer.
    """
    error: list[BaseException] = []
    # Completion is signalled by an Event, not by Thread.join: on Python 3.11 a Ctrl-C that
    # lands inside join() can mark a still-running thread as stopped (the bpo-45274 fix
    # releases its lock), and the connection would then be closed under a running query.
    done = threading.Event()

    def work() -> None:
        try:
            con.execute(sql)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
            error.append(exc)
        finally:
            done.set()

    threading.Thread(target=work, daemon=True).start()
    task = progress.add_task(label, total=100) if progress is not None else None
    try:
        while not done.wait(0.2):
            if task is not None:
                pct = 100 * fraction() if fraction is not None else con.query_progress()
                if pct is not None and pct >= 0:
                    progress.update(task, completed=pct)
    except KeyboardInterrupt:
        con.interrupt()
        while not done.wait(0.1):
            pass
        raise
    if task is not None:
        progress.update(task, completed=100)
    if error:
        raise error[0]


def new_connection(tmp_dir: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"temp_directory": str(tmp_dir)})
    con.execute(f"SET memory_limit = '{settings.duckdb_memory_limit()}'")
    threads = settings.duckdb_threads()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    # read_csv without auto-detection has no row estimate, so the join optimiser takes the file
    # for a few dozen rows and builds its hash tables on it (RIGHT joins against the code
    # tables): every row of the file is then held in memory and, under the cap, spilled. Joins
    # stay as written instead: the file is the probe side, the code tables are built.
    con.execute("SET disabled_optimizers = 'join_order,build_side_probe_side'")
    con.execute("SET enable_progress_bar = true")  # needed for query_progress(); prints nothing
    con.execute("SET enable_progress_bar_print = false")
    return con


def sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def numbered(sniffed: Sniffed, rejected_lines: list[int], columns: list[str] | None = None) -> str:
    """The file's rows with ``_row`` = their line in the file (header = line 1).

    Only ``columns`` are kept: the window that numbers the rows holds what passes through it,
    so projecting first keeps memory to the columns a reader uses (10 of Comtrade's 47).

    When the parser skipped malformed lines L1 < L2 < ..., parsed row k (1-based) lies after
    reject i iff k > L_i - i - 1, so its line is k + 1 + #{i : L_i - i - 1 < k}.
    """
    src = csv_source(sniffed, ignore_errors=bool(rejected_lines))
    cols = ", ".join(f'"{c}"' for c in columns) if columns else "*"
    if not rejected_lines:
        return f"(SELECT row_number() OVER () + 1 AS _row, {cols} FROM {src})"
    thresholds = ", ".join(str(line - i - 1) for i, line in enumerate(sorted(rejected_lines), start=1))
    return (f"(SELECT k + 1 + (SELECT count(*) FROM unnest([{thresholds}]) AS t(thr) WHERE thr < k) AS _row, "
            f"* EXCLUDE (k) FROM (SELECT row_number() OVER () AS k, {cols} FROM {src}))")


def rejected_lines(con: duckdb.DuckDBPyConnection, sniffed: Sniffed) -> list[int]:
    """Lines the CSV parser cannot read (wrong column count, bad quoting): one extra pass."""
    con.execute(f"SELECT count(*) FROM {csv_source(sniffed, ignore_errors=True, store_rejects=True)}").fetchall()
    return sorted({int(r[0]) for r in con.execute("SELECT DISTINCT line FROM temp.reject_errors").fetchall()})


def csv_source(sniffed: Sniffed, ignore_errors: bool = False, store_rejects: bool = False) -> str:
    """DuckDB ``read_csv`` over the file, every column as text: types are checked row by row."""
    seen: set[str] = set()
    for h in sniffed.header:
        if h.lower() in seen:
            raise InputError(str(sniffed.path), f"line 1: column {h!r} appears twice in the header")
        seen.add(h.lower())
    delim = "\\t" if sniffed.delimiter == "\t" else sniffed.delimiter
    columns = ", ".join(f"{sql_str(h)}: 'VARCHAR'" for h in sniffed.header)
    extra = (", ignore_errors=true" if ignore_errors else "") + (", store_rejects=true" if store_rejects else "")
    return (f"read_csv({sql_str(str(sniffed.path))}, delim='{delim}', header=true, quote='\"', escape='\"', "
            f"compression='auto', auto_detect=false, columns={{{columns}}}{extra})")


CANONICAL = ", ".join(f'"{c}"' for c in COLUMNS)
