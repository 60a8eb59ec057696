"""Readers registry and the ``ingest_paths`` entry point.

>>> [r for r in READERS]
['comtrade', 'baci', 'csv']
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from detour.errors import ConfigError, InputError
from detour.ingest.base import IngestReport, Reader
from detour.store.catalog import Store

READERS = ("comtrade", "baci", "csv")


def get_reader(name: str, mapping: Path | None = None) -> Reader:
    if name == "comtrade":
        from detour.ingest.comtrade import ComtradeReader

        return ComtradeReader()
    if name == "baci":
        from detour.ingest.baci import BaciReader

        return BaciReader()
    if name == "csv":
        from detour.ingest.csvmap import MappedCsvReader

        if mapping is None:
            raise ConfigError("--format csv needs --mapping FILE.yaml", hint="see docs/ingest.md for the mapping format")
        return MappedCsvReader(mapping)
    raise ConfigError(f"unknown format {name!r}", hint=f"choose one of: {', '.join(READERS)}")


DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz", ".gz")
SIDE_TABLES = ("country_codes", "product_codes")  # BACI's code tables sit beside its data files


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given; a directory stands for its data files (recursively, in name order),
    leaving out hidden files and BACI's side tables."""
    out: list[Path] = []
    for path in map(Path, paths):
        if not path.is_dir():
            out.append(path)
            continue
        found = sorted(f for f in path.rglob("*") if f.is_file() and not f.name.startswith((".", "_"))
                       and f.name.lower().endswith(DATA_SUFFIXES) and not f.name.startswith(SIDE_TABLES))
        if not found:
            raise InputError(str(path), "directory holds no data files (.csv, .tsv, .txt, optionally .gz)")
        out.extend(found)
    return out


def ingest_paths(store: Path | Store, paths: list[Path], fmt: str, mapping: Path | None = None,
                 skip_invalid: bool = False, replace: bool = False, progress: bool = True) -> list[IngestReport]:
    """Ingest files one by one; each lands whole or not at all. Stops at the first bad file."""
    from detour.ingest.pipeline import ingest_file

    store = store if isinstance(store, Store) else Store(store)
    reader = get_reader(fmt, mapping)
    paths = expand_paths(paths)
    reports = []
    with progress_bar(progress) as bar:
        for path in paths:
            reports.append(ingest_file(store, Path(path), reader, skip_invalid=skip_invalid,
                                       replace=replace, progress=bar))
    return reports


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Any]:
    """A running rich progress bar on stderr (``None`` when disabled) for long library work."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeElapsedColumn(), console=Console(stderr=True), transient=True) as bar:
        yield bar


__all__ = ["READERS", "IngestReport", "get_reader", "ingest_paths"]
