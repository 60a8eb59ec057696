"""The canonical declaration: what one reporter declared about one flow.

The Parquet schema below is the store's contract. Every reader produces exactly these columns,
in this order. Values are USD as declared (never converted between FOB and CIF), weights kg.
"""

from __future__ import annotations

from enum import StrEnum

import pyarrow as pa


class Flow(StrEnum):
    EXPORT = "export"
    IMPORT = "import"
    REEXPORT = "re-export"
    REIMPORT = "re-import"


# Comtrade+ flowCode → canonical flow. Processing codes are kept apart on purpose: goods sent
# out for processing are not a sale, and summing them with X/M double counts the round trip.
COMTRADE_FLOWS: dict[str, Flow] = {
    "X": Flow.EXPORT,
    "M": Flow.IMPORT,
    "RX": Flow.REEXPORT,
    "RM": Flow.REIMPORT,
    "DX": Flow.EXPORT,  # domestic exports: reported by some countries instead of X
    "FM": Flow.IMPORT,  # foreign imports (BACI-style "imports for consumption")
}
COMTRADE_PROCESSING_FLOWS = frozenset({"XIP", "MIP", "XOP", "MOP"})

VALUE_BASIS = {Flow.EXPORT: "FOB", Flow.REEXPORT: "FOB", Flow.IMPORT: "CIF", Flow.REIMPORT: "CIF"}

DECLARATION_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("year", pa.int16(), nullable=False),
        pa.field("month", pa.int8()),
        pa.field("reporter", pa.string(), nullable=False),
        pa.field("partner", pa.string(), nullable=False),
        pa.field("partner2", pa.string()),
        pa.field("flow", pa.string(), nullable=False),
        pa.field("hs", pa.string(), nullable=False),
        pa.field("classification", pa.string()),
        pa.field("value_usd", pa.float64(), nullable=False),
        pa.field("value_basis", pa.string(), nullable=False),
        pa.field("net_kg", pa.float64()),
        pa.field("qty", pa.float64()),
        pa.field("qty_unit", pa.string()),
        pa.field("file_sha256", pa.string(), nullable=False),
        pa.field("row", pa.int64(), nullable=False),
    ]
)

COLUMNS = tuple(DECLARATION_SCHEMA.names)

# DuckDB column types matching DECLARATION_SCHEMA, used by SQL-based readers.
DUCKDB_TYPES = {
    "source": "VARCHAR",
    "year": "SMALLINT",
    "month": "TINYINT",
    "reporter": "VARCHAR",
    "partner": "VARCHAR",
    "partner2": "VARCHAR",
    "flow": "VARCHAR",
    "hs": "VARCHAR",
    "classification": "VARCHAR",
    "value_usd": "DOUBLE",
    "value_basis": "VARCHAR",
    "net_kg": "DOUBLE",
    "qty": "DOUBLE",
    "qty_unit": "VARCHAR",
    "file_sha256": "VARCHAR",
    "row": "BIGINT",
}
