"""The query seam: every analysis is an Ibis expression, executed by one of these engines.

Contract for an engine:
- ``connect()`` returns an Ibis backend, created lazily and reused.
- ``declarations(store)`` returns the store's canonical declarations (``detour.model.flow``
  schema) as an Ibis table, reading only the Parquet files the catalogue lists.
- ``materialize(expr)`` computes an intermediate once for reuse (temp table / cached frame).
- ``execute(expr)`` runs an expression and returns a pandas DataFrame.
- ``close()`` releases the backend (a Spark session stays alive for the process).

Analyses never import duckdb or pyspark; they take Ibis tables and return Ibis tables, so the
same code runs embedded or on a cluster.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import ibis
import pandas as pd

if TYPE_CHECKING:
    from detour.store.catalog import Store


class Engine(ABC):
    name: ClassVar[str]

    def __init__(self) -> None:
        self._con: Any = None

    @abstractmethod
    def _make_backend(self) -> Any:
        """Create the Ibis backend for this engine."""

    def connect(self) -> Any:
        if self._con is None:
            self._con = self._make_backend()
        return self._con

    def declarations(self, store: Store) -> ibis.Table:
        """All catalogued declarations as one Ibis table (empty table if the store is empty)."""
        files = [str(p) for p in store.parquet_files()]
        if not files:
            from detour.model.flow import DECLARATION_SCHEMA

            return self.from_pandas(DECLARATION_SCHEMA.empty_table().to_pandas(), "declarations_empty")
        return self._read_parquet(files)

    def chapter_totals(self, store: Store) -> ibis.Table | None:
        """The chapter totals kept apart at ingest (2-digit ``hs``, the canonical schema), or None
        when the store holds none. Never to be summed with ``declarations``."""
        files = [str(p) for p in store.parquet_files(dataset="chapters")]
        return self._read_parquet(files, "chapter_totals") if files else None

    @abstractmethod
    def _read_parquet(self, files: list[str], name: str = "declarations") -> ibis.Table:
        """Read a list of Parquet files with the canonical schema, as the table ``name``."""

    def write_parquet(self, expr: ibis.Table, path: Path) -> None:
        """Run ``expr`` and write its rows to ``path`` (a file on DuckDB, a directory on Spark)."""
        self.connect().to_parquet(expr, str(path))

    def read_parquet(self, paths: list[Path], name: str) -> ibis.Table:
        """Read back what ``write_parquet`` wrote, as one table."""
        return self.connect().read_parquet([str(p) for p in paths], table_name=name)

    def from_pandas(self, df: pd.DataFrame, name: str) -> ibis.Table:
        """A small in-memory table (reference data, parameters) the backend registers on use.

        ``name`` labels it in logs only: Ibis gives every memtable its own unique name."""
        del name
        return ibis.memtable(df)

    def materialize(self, expr: ibis.Table) -> ibis.Table:
        """Compute ``expr`` once and keep it for this engine's lifetime (reused several times)."""
        return expr.cache()

    def drop(self, table: ibis.Table) -> None:
        """Free a table made by ``materialize``."""
        with contextlib.suppress(Exception):  # an uncached expression has nothing to free
            table.release()

    def execute(self, expr: ibis.Expr) -> Any:
        """A pandas DataFrame for a table expression, a Python scalar for a scalar one."""
        return self.connect().execute(expr)

    def close(self) -> None:
        self._con = None
