"""A resumable download directory: one CSV per finished chunk plus ``manifest.json``.

The chunk CSV is the truth: it is written to a temporary file in the same directory, flushed
to disk and renamed over its final name, so a file named ``<key>.csv`` is always complete and
an interrupted run leaves none. The manifest is an index written the same way after each
change (parameters, row count, time, and which chunks were split because they filled the
record cap); if a crash lands between the two renames, the next run re-adds the entry.

>>> import tempfile, pathlib
>>> d = DownloadDir(pathlib.Path(tempfile.mkdtemp()))
>>> p = d.write_chunk("abc", ["x", "y"], [{"x": 1, "y": None}, {"x": True, "y": "é"}], {"q": "1"})
>>> p.read_text(encoding="utf-8").splitlines()
['x,y', '1,', 'True,é']
>>> d.complete("abc"), d.complete("zzz")
(True, False)
"""

from __future__ import annotations

import csv
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from detour.errors import StoreError

log = logging.getLogger("detour.fetch")

MANIFEST = "manifest.json"
_PART = ".part"


def atomic_write(path: Path, write: Any) -> None:
    """Call ``write(file)`` on a temp file beside ``path``, fsync, then rename over ``path``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=_PART)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class DownloadDir:
    """Finished chunks of one source under ``root`` (e.g. ``<store>/downloads/comtrade``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create download directory {self.root}: {exc}") from exc
        for stale in self.root.glob(f".*{_PART}"):  # left by a killed process
            stale.unlink(missing_ok=True)
        self._manifest = self._read_manifest()

    def _read_manifest(self) -> dict[str, Any]:
        path = self.root / MANIFEST
        if not path.exists():
            return {"version": 1, "chunks": {}}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StoreError(
                f"{path} is unreadable: {exc}",
                hint="delete it; finished chunk files are kept and will be re-indexed",
            ) from exc
        data.setdefault("chunks", {})
        return data

    def _save_manifest(self) -> None:
        atomic_write(self.root / MANIFEST, lambda f: json.dump(self._manifest, f, indent=1, sort_keys=True))

    def chunk_path(self, key: str) -> Path:
        return self.root / f"{key}.csv"

    def complete(self, key: str) -> bool:
        return self.chunk_path(key).is_file()

    def entry(self, key: str) -> Mapping[str, Any] | None:
        return self._manifest["chunks"].get(key)

    def entries(self) -> dict[str, Mapping[str, Any]]:
        """Manifest entries by chunk key (a copy)."""
        return dict(self._manifest["chunks"])

    def was_split(self, key: str) -> bool:
        entry = self.entry(key)
        return bool(entry and entry.get("status") == "split")

    def ensure_indexed(self, key: str, params: Mapping[str, str]) -> None:
        """Record a chunk file found on disk whose manifest entry a crash lost."""
        if (self.entry(key) or {}).get("status") != "complete":
            self._record(
                key, {"status": "complete", "file": self.chunk_path(key).name, "params": dict(params)}
            )

    def write_chunk(
        self,
        key: str,
        fields: Sequence[str],
        rows: Iterable[Mapping[str, Any]],
        params: Mapping[str, str],
    ) -> Path:
        """Write rows as CSV with exactly ``fields`` as header; None becomes an empty cell."""
        path = self.chunk_path(key)
        count = 0

        def write(handle: Any) -> None:
            nonlocal count
            writer = csv.writer(handle)
            writer.writerow(fields)
            for row in rows:
                writer.writerow(["" if row.get(f) is None else row.get(f) for f in fields])
                count += 1

        atomic_write(path, write)
        self._record(key, {"status": "complete", "file": path.name, "rows": count, "params": dict(params)})
        log.info("wrote %s (%d rows)", path, count)
        return path

    def mark_split(self, key: str, params: Mapping[str, str], children: Sequence[str]) -> None:
        self._record(key, {"status": "split", "params": dict(params), "children": list(children)})

    def _record(self, key: str, entry: dict[str, Any]) -> None:
        entry["at"] = datetime.now(UTC).isoformat(timespec="seconds")
        self._manifest["chunks"][key] = entry
        self._save_manifest()
