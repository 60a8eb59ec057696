"""Any delimited file, read through a small YAML mapping onto the canonical declaration.

Example mapping (Eurostat Comext monthly exports, values in EUR, total goods only)::

    source: eurostat            # stored source label
    columns:                    # canonical field: column in the file
      reporter: reporter
      partner: partner
      flow: flow
      period: year_month        # or separate `year:` and `month:` columns
      value: value_eur
    period_format: "%Y-%m"      # strptime format of `period` ("Y%Y" for "Y2019")
    constants: {hs: TOTAL}      # fields the file does not carry
    countries: name             # name | iso3 | iso2 | numeric
    flows: {EXPORT: export, IMPORT: import}
    currency: EUR               # converted with detour/data/fx_usd.csv annual averages
    value_scale: 1              # e.g. 1000 for "thousand USD"
    drop:                       # regexes; matching rows are left out and counted
      reporter: ["^European Union", "^Euro area"]

Wide files (one column per year, as the IMF writes them) are unpivoted first::

    unpivot: {columns: "^(19|20)[0-9][0-9]$", name: year, value: value}

after which ``columns`` refers to the ``name`` and ``value`` columns.

Countries that do not resolve are bad rows (named by line), unless ``drop_unknown_countries``
is true: then they are counted as dropped (regional aggregates such as "Africa").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pycountry
import yaml

from detour.errors import ConfigError, InputError
from detour.ingest.base import Reader, csv_source, sql_str
from detour.ingest.sniff import Sniffed
from detour.model.codes import _data_rows, country_from_comtrade, country_from_iso3, country_from_name

FIELDS = ("reporter", "partner", "partner2", "flow", "hs", "year", "month", "period", "value", "net_kg", "qty",
          "qty_unit", "classification")
CODINGS = ("name", "iso3", "iso2", "numeric")


class MappedCsvReader(Reader):
    name = "csv"

    def __init__(self, mapping_path: Path) -> None:
        self.mapping_path = Path(mapping_path)
        try:
            m = yaml.safe_load(self.mapping_path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"{mapping_path}: cannot read mapping ({exc})") from exc
        if not isinstance(m, dict) or "columns" not in m or "source" not in m:
            raise ConfigError(f"{mapping_path}: a mapping needs `source:` and `columns:`",
                              hint="see the example in detour/ingest/csvmap.py or docs/ingest.md")
        unknown = set(m["columns"]) - set(FIELDS)
        if unknown:
            raise ConfigError(f"{mapping_path}: unknown fields in columns: {', '.join(sorted(unknown))}",
                              hint=f"fields are: {', '.join(FIELDS)}")
        if m.get("countries", "iso3") not in CODINGS:
            raise ConfigError(f"{mapping_path}: countries must be one of {', '.join(CODINGS)}")
        self.m: dict[str, Any] = m
        self.source = str(m["source"])

    def prepare(self, con: duckdb.DuckDBPyConnection, sniffed: Sniffed) -> None:
        header = set(sniffed.header)
        unpivot = self.m.get("unpivot")
        if unpivot:
            import re

            pattern = re.compile(unpivot["columns"])
            if not any(pattern.search(h) for h in sniffed.header):
                raise InputError(str(sniffed.path), f"line 1: no column matches unpivot pattern {unpivot['columns']!r}")
            header |= {unpivot.get("name", "name"), unpivot.get("value", "value")}
        cols = self.m["columns"]
        missing = [f"{field} ({col})" for field, col in cols.items() if col not in header]
        if missing:
            raise InputError(str(sniffed.path), f"line 1: columns named in {self.mapping_path.name} are missing: "
                             f"{', '.join(missing)}", hint=f"the header has: {', '.join(sniffed.header)}")
        have = set(cols) | set(self.m.get("constants", {}))
        for need in ("reporter", "partner", "flow", "value", "hs"):
            if need not in have:
                raise ConfigError(f"{self.mapping_path}: `{need}` needs a column or a constant")
        if "period" not in have and "year" not in have:
            raise ConfigError(f"{self.mapping_path}: `period` or `year` needs a column or a constant")
        names: set[str] = set()
        for field in ("reporter", "partner", "partner2"):
            if field in cols:
                names |= {r[0] for r in con.execute(
                    f'SELECT DISTINCT trim("{cols[field]}") FROM {csv_source(sniffed)}').fetchall() if r[0]}
        coding = self.m.get("countries", "iso3")
        resolved = [(n, _resolve(n, coding)) for n in sorted(names)]
        con.register("_cty_df", pd.DataFrame(resolved, columns=["name", "iso3"], dtype=object))
        con.execute("CREATE TEMP TABLE _cty AS SELECT name::VARCHAR AS name, iso3::VARCHAR AS iso3 FROM _cty_df")
        fx = pd.DataFrame(_data_rows("fx_usd.csv"))
        con.register("_fx_df", fx)
        con.execute("CREATE TEMP TABLE _fx AS SELECT currency, year::INTEGER AS year, usd_per_unit::DOUBLE AS rate "
                    "FROM _fx_df")

    def _raw(self, sniffed: Sniffed) -> str:
        unpivot = self.m.get("unpivot")
        if not unpivot:
            return f"raw AS {self.numbered(sniffed, sorted(set(self.m['columns'].values())))}"
        name, value = unpivot.get("name", "name"), unpivot.get("value", "value")
        # UNPIVOT leaves out empty cells: a year nobody declared is not a zero declaration.
        return (f"wide AS {self.numbered(sniffed)}, "
                f"raw AS (UNPIVOT wide ON COLUMNS({sql_str(unpivot['columns'])}) "
                f'INTO NAME "{name}" VALUE "{value}")')

    def _expr(self, field: str) -> str:
        cols, consts = self.m["columns"], self.m.get("constants", {})
        if field in cols:
            return f'nullif(trim("{cols[field]}"), \'\')'
        if field in consts:
            return sql_str(str(consts[field]))
        return "NULL"

    def select_sql(self, sniffed: Sniffed) -> str:
        e = self._expr
        fmt = self.m.get("period_format", "%Y")
        if "period" in self.m["columns"] or "period" in self.m.get("constants", {}):
            year = f"year(TRY_STRPTIME({e('period')}, {sql_str(fmt)}))"
            month = f"month(TRY_STRPTIME({e('period')}, {sql_str(fmt)}))" if "%m" in fmt else "NULL"
        else:
            year, month = f"TRY_CAST({e('year')} AS INTEGER)", f"TRY_CAST({e('month')} AS INTEGER)"
        flows = {str(k).upper(): v for k, v in (self.m.get("flows") or {}).items()}
        flow_case = "CASE upper(fl) " + " ".join(
            f"WHEN {sql_str(k)} THEN {sql_str(v)}" for k, v in flows.items()) + " ELSE lower(fl) END" if flows \
            else "lower(fl)"
        currency = str(self.m.get("currency", "USD")).upper()
        scale = float(self.m.get("value_scale", 1))
        drops = []
        for field, patterns in (self.m.get("drop") or {}).items():
            for p in patterns:
                drops.append(f"WHEN regexp_matches(coalesce({e(field)}, ''), {sql_str(p)}) THEN 'drop:mapping drop rule'")
        unknown = ("'drop:not a country'" if self.m.get("drop_unknown_countries") else None)
        rep_bad = unknown or "'bad:unknown reporter'"
        par_bad = unknown or "'bad:unknown partner'"
        return f"""
        WITH {self._raw(sniffed)},
        t AS (
          SELECT _row, {year} AS y, {month} AS m, {e('reporter')} AS rep, {e('partner')} AS par,
            {e('partner2')} AS par2, {e('flow')} AS fl, {e('hs')} AS hs_raw, {e('value')} AS v_raw,
            {e('net_kg')} AS w_raw, {e('qty')} AS q_raw, {e('qty_unit')} AS unit, {e('classification')} AS cls,
            CASE {' '.join(drops) if drops else "WHEN FALSE THEN NULL"} END AS _drop
          FROM raw),
        j AS (
          SELECT t.*, {flow_case} AS flow, r.iso3 AS reporter, p.iso3 AS partner, p2.iso3 AS partner2,
            TRY_CAST(replace(v_raw, ',', '') AS DOUBLE) * {scale} AS v0, fx.rate,
            TRY_CAST(w_raw AS DOUBLE) AS w, TRY_CAST(q_raw AS DOUBLE) AS q
          FROM t LEFT JOIN _cty r ON r.name = t.rep LEFT JOIN _cty p ON p.name = t.par
          LEFT JOIN _cty p2 ON p2.name = t.par2
          LEFT JOIN _fx fx ON fx.currency = {sql_str(currency)} AND (fx.year = t.y OR {sql_str(currency)} = 'USD'))
        SELECT {sql_str(self.source)} AS source, y::SMALLINT AS year, m::TINYINT AS month, reporter, partner,
          partner2, flow, regexp_replace(hs_raw, '[.\\s]', '', 'g') AS hs, cls AS classification,
          v0 * rate AS value_usd,
          CASE WHEN flow IN ('import', 're-import') THEN 'CIF' ELSE 'FOB' END AS value_basis,
          w AS net_kg, q AS qty, unit AS qty_unit, {sql_str(sniffed.sha256)} AS file_sha256, _row AS "row", _row,
          CASE
            WHEN _drop IS NOT NULL THEN _drop
            WHEN y IS NULL OR y < 1950 OR y > 2100 THEN 'bad:invalid period'
            WHEN flow NOT IN ('export', 'import', 're-export', 're-import') OR flow IS NULL THEN 'bad:unknown flow'
            WHEN reporter IS NULL THEN {rep_bad}
            WHEN partner IS NULL THEN {par_bad}
            WHEN hs_raw IS NULL THEN 'bad:missing HS code'
            WHEN v_raw IS NULL THEN 'bad:missing value'
            WHEN v0 IS NULL THEN 'bad:non-numeric value'
            WHEN v0 < 0 THEN 'bad:negative value'
            WHEN rate IS NULL THEN 'bad:no exchange rate for that currency and year'
            WHEN w_raw IS NOT NULL AND w IS NULL THEN 'bad:non-numeric net weight'
            WHEN w < 0 THEN 'bad:negative net weight'
          END AS _status
        FROM j"""


def _resolve(value: str, coding: str) -> str | None:
    if coding == "name":
        return country_from_name(value)
    if coding == "iso3":
        return country_from_iso3(value)
    if coding == "iso2":
        c = pycountry.countries.get(alpha_2=value.upper())
        return c.alpha_3 if c else None
    return country_from_comtrade(value)
