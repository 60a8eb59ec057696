"""Engine registry: ``get_engine(name)`` returns a fresh engine of that name."""

from __future__ import annotations

from detour import settings
from detour.engine.base import Engine
from detour.errors import ConfigError

ENGINES = ("duckdb", "spark")


def get_engine(name: str | None = None, **options: object) -> Engine:
    name = name or settings.engine_name()
    if name == "duckdb":
        from detour.engine.duckdb import DuckDBEngine

        return DuckDBEngine()
    if name == "spark":
        from detour.engine.spark import SparkEngine

        return SparkEngine(**options)  # type: ignore[arg-type]
    raise ConfigError(f"unknown engine {name!r}", hint=f"choose one of: {', '.join(ENGINES)}")


__all__ = ["ENGINES", "Engine", "get_engine"]
