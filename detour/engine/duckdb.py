"""Embedded default engine: Ibis over an in-process DuckDB."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import ibis

from detour import settings
from detour.engine.base import Engine


class DuckDBEngine(Engine):
    name = "duckdb"

    def _make_backend(self) -> Any:
        # Spill files go to the system temp directory, not the current working directory.
        spill = Path(tempfile.gettempdir()) / f"detour-duckdb-{os.getpid()}"
        con = ibis.duckdb.connect(temp_directory=str(spill))
        con.raw_sql(f"SET memory_limit = '{settings.duckdb_memory_limit()}'")
        threads = settings.duckdb_threads()
        if threads:
            con.raw_sql(f"SET threads = {int(threads)}")
        # Order-insensitive analyses: letting DuckDB reorder rows saves memory on big scans.
        con.raw_sql("SET preserve_insertion_order = false")
        return con

    def materialize(self, expr: ibis.Table) -> ibis.Table:
        # A named temp table rather than Ibis' cache(): cache() drops its table from a finalizer
        # that fails noisily on DuckDB 2 when the connection is already gone.
        self._n = getattr(self, "_n", 0) + 1
        return self.connect().create_table(f"_detour_tmp_{self._n}", expr, temp=True)

    def drop(self, table: ibis.Table) -> None:
        """Free a table made by ``materialize`` (long loops would otherwise hold them all)."""
        name = table.op().name.replace('"', '""')  # Ibis' drop_table emits SQL DuckDB 2 rejects
        self.connect().raw_sql(f'DROP TABLE IF EXISTS temp.main."{name}"')

    def _read_parquet(self, files: list[str], name: str = "declarations") -> ibis.Table:
        return self.connect().read_parquet(files, table_name=name)
