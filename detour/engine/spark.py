"""Apache Spark engine: Ibis over PySpark, ``local[N]`` in tests or a ``spark://`` master."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import ibis

from detour import settings
from detour.engine.base import Engine

_SESSIONS: dict[str, Any] = {}


def spark_session(master: str | None = None) -> Any:
    """One SparkSession per master URL per process: JVM start-up costs seconds."""
    from pyspark.sql import SparkSession

    master = master or settings.spark_master()
    if master not in _SESSIONS:
        os.environ.setdefault("PYSPARK_PYTHON", os.sys.executable)  # type: ignore[attr-defined]
        builder = (
            SparkSession.builder.master(master)
            .appName("detour")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", os.environ.get("DETOUR_SPARK_PARTITIONS", "8"))
            .config("spark.ui.enabled", "false")
            .config("spark.sql.ansi.enabled", "false")
            .config("spark.driver.memory", os.environ.get("DETOUR_SPARK_DRIVER_MEMORY", "2g"))
        )
        _SESSIONS[master] = builder.getOrCreate()
        _SESSIONS[master].sparkContext.setLogLevel("ERROR")
    return _SESSIONS[master]


class SparkEngine(Engine):
    name = "spark"

    def __init__(self, master: str | None = None) -> None:
        super().__init__()
        self.master = master

    def _make_backend(self) -> Any:
        return ibis.pyspark.connect(spark_session(self.master))

    def _read_parquet(self, files: list[str], name: str = "declarations") -> ibis.Table:
        con = self.connect()
        # The files carry their own year/source columns; recursiveFileLookup stops Spark from
        # also inferring them from the hive-style directory names (which would clash).
        df = con._session.read.option("recursiveFileLookup", "true").parquet(*files)
        df.createOrReplaceTempView(name)
        return con.table(name)

    def materialize(self, expr: ibis.Table) -> ibis.Table:
        """Cached now, not on first use: Spark's cache is lazy, and the files behind ``expr``
        may be removed before it is read (a scratch directory, on a store that cannot be written)."""
        table = expr.cache()
        self.connect().execute(table.count())
        return table

    def read_parquet(self, paths: list[Path], name: str) -> ibis.Table:
        con = self.connect()
        con._session.read.parquet(*[str(p) for p in paths]).createOrReplaceTempView(name)
        return con.table(name)
