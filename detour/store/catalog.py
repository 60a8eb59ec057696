"""The declaration store: Parquet parts partitioned by source and year, and their catalogue.

Layout of a store directory::

    catalog.json                               the only source of truth for what is in the store
    declarations/source=S/year=Y/part-*.parquet canonical declarations (detour.model.flow schema)
    chapters/source=S/year=Y/part-*.parquet     chapter totals (2-digit aggregate rows), the same
                                               schema, kept apart and never summed with the detail
    .staging/                                  work area of an ingest in progress
    .lock                                      writers hold an exclusive flock on it

Atomicity: an ingest writes its parts, fsyncs them, then replaces ``catalog.json`` with
``os.replace`` (atomic on POSIX). Readers only read parts the catalogue lists, so an ingest
killed at any point (even ``kill -9``) leaves the store as it was; its orphaned files are
removed by the next writer. Idempotence: files are keyed by the sha256 of their bytes.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detour.errors import StoreError

CATALOG = "catalog.json"
DATASETS = ("declarations", "chapters")
VERSION = 1


@dataclass
class FileEntry:
    """One ingested input file and the parts it produced."""

    sha256: str
    path: str
    source: str
    format: str
    seq: int
    ingested_at: float
    rows_written: int
    parts: list[dict[str, Any]] = field(default_factory=list)  # {"path", "year", "rows"}
    slices: list[list[Any]] = field(default_factory=list)  # [reporter, year, flow, month (0 = annual)]
    report: dict[str, Any] = field(default_factory=dict)
    chapters: list[dict[str, Any]] = field(default_factory=list)  # parts of chapter totals, as ``parts``

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Store:
    """A store directory. Cheap to construct; reads the catalogue on demand."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    # -- reading -----------------------------------------------------------------------------
    @property
    def catalog_path(self) -> Path:
        return self.root / CATALOG

    def exists(self) -> bool:
        return self.catalog_path.exists()

    def catalog(self) -> dict[str, Any]:
        if not self.catalog_path.exists():
            return {"version": VERSION, "seq": 0, "files": []}
        try:
            data = json.loads(self.catalog_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise StoreError(f"{self.catalog_path}: catalogue is not valid JSON ({exc})") from exc
        if data.get("version") != VERSION:
            raise StoreError(f"{self.catalog_path}: unsupported catalogue version {data.get('version')}")
        return data

    def files(self) -> list[FileEntry]:
        return [FileEntry(**f) for f in self.catalog()["files"]]

    def find(self, sha256: str) -> FileEntry | None:
        return next((f for f in self.files() if f.sha256 == sha256), None)

    def parquet_files(self, sources: list[str] | None = None, dataset: str = "declarations") -> list[Path]:
        """The live parts of ``dataset``: ``declarations`` (the detail) or ``chapters`` (chapter
        totals kept apart by the Comtrade reader)."""
        if dataset not in DATASETS:
            raise ValueError(f"unknown dataset {dataset!r}: one of {', '.join(DATASETS)}")
        out = []
        for f in self.files():
            if sources and f.source not in sources:
                continue
            parts = f.parts if dataset == "declarations" else f.chapters
            out.extend(self.root / p["path"] for p in parts if p["rows"] > 0)
        return out

    def summary(self) -> dict[str, Any]:
        files = self.files()
        by_source: dict[str, dict[str, Any]] = {}
        for f in files:
            s = by_source.setdefault(f.source, {"files": 0, "rows": 0, "chapter_rows": 0, "years": set()})
            s["files"] += 1
            s["rows"] += f.rows_written
            s["chapter_rows"] += sum(p["rows"] for p in f.chapters)
            s["years"].update(p["year"] for p in f.parts)
        return {
            "store": str(self.root),
            "files": len(files),
            "rows": sum(f.rows_written for f in files),
            "sources": {k: {**v, "years": sorted(v["years"])} for k, v in by_source.items()},
        }

    # -- writing -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def writer(self) -> Iterator[StoreWriter]:
        """Exclusive write access; cleans up what a killed writer left behind."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "a+") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fcntl.flock(lock, fcntl.LOCK_EX)  # another ingest runs: wait for it
            try:
                self._collect_garbage()
                yield StoreWriter(self)
            finally:
                shutil.rmtree(self.root / ".staging", ignore_errors=True)
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _collect_garbage(self) -> None:
        shutil.rmtree(self.root / ".staging", ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            (self.root / (CATALOG + ".tmp")).unlink()
        listed = {str(self.root / p["path"]) for f in self.files() for p in f.parts + f.chapters}
        for dataset in DATASETS:
            if (self.root / dataset).exists():
                for part in (self.root / dataset).rglob("*.parquet"):
                    if str(part) not in listed:
                        part.unlink()


class StoreWriter:
    """Moves staged parts into place and commits the catalogue in one atomic replace."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.staging = store.root / ".staging"

    def new_staging_dir(self, name: str) -> Path:
        path = self.staging / name
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        return path

    def commit(self, entry: FileEntry, staged_parts: list[tuple[Path, int, int]], remove: list[str],
               chapters: list[tuple[Path, int, int]] | None = None) -> FileEntry:
        """Place ``staged_parts`` ([(path, year, rows)]) and the ``chapters`` parts (chapter
        totals), record ``entry``; drop files ``remove``."""
        catalog = self.store.catalog()
        entry.seq = int(catalog.get("seq", 0)) + 1
        entry.ingested_at = time.time()
        for dataset, staged_list, listed in (("declarations", staged_parts, entry.parts),
                                             ("chapters", chapters or [], entry.chapters)):
            for i, (staged, year, rows) in enumerate(staged_list):
                # The commit's sequence number keeps a re-read file's parts apart from its live
                # earlier ones, which stay in place until the new catalogue is written.
                name = f"part-{entry.sha256[:16]}-{entry.seq}-{i}.parquet"
                rel = Path(dataset) / f"source={entry.source}" / f"year={year}" / name
                dest = self.store.root / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                _fsync_file(staged)
                os.replace(staged, dest)
                listed.append({"path": str(rel), "year": year, "rows": rows})
        removed = [f for f in catalog["files"] if f["sha256"] in remove]
        catalog["files"] = [f for f in catalog["files"] if f["sha256"] not in remove] + [entry.to_dict()]
        catalog["seq"] = entry.seq
        self._write_catalog(catalog)
        for f in removed:  # only after the commit: until then the old parts are still live
            for p in f["parts"] + f.get("chapters", []):
                with contextlib.suppress(FileNotFoundError):
                    (self.store.root / p["path"]).unlink()
        return entry

    def _write_catalog(self, catalog: dict[str, Any]) -> None:
        tmp = self.store.root / (CATALOG + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(catalog, fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.store.catalog_path)
        _fsync_dir(self.store.root)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
