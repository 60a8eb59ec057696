"""UN Comtrade+ bulk files and API extracts (CSV or TSV, optionally gzip), either column spelling.

What is kept: one row per declared leaf HS6 flow. What is dropped, and counted by reason:

- partner World (``partnerCode 0`` / ``W00``): an aggregate of the detail beside it;
- breakdown rows: anything but the total ``customsCode C00, motCode 0, mosCode 0,
  partner2Code 0``; the total already contains them;
- commodity aggregates: ``TOTAL``, 4-digit codes, ``aggrLevel`` below 6, *except chapter totals*
  (2-digit codes), which are validated like any row and kept apart (``chapter totals`` in the
  report, the store's ``chapters`` dataset), never summed with the detail: the chapter total
  minus its stored HS6 detail is where confidential trade shows (DOMAIN.md);
- inward/outward processing flows (XIP, MIP, XOP, MOP), which are not sales.

Countries map by ISO3 where the file has a known one (``S19`` "Other Asia, nes" → TWN), else by
Comtrade's own numeric table (USA 842, France 251, ...). Annual rows carry ``refMonth`` 52 in
Comtrade+; only ``freqCode M`` rows get a month. The value is ``primaryValue`` (FOB for exports,
CIF for imports); its basis follows the flow unless only the other value was declared.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from detour.errors import InputError
from detour.ingest.base import Reader, sql_str
from detour.ingest.sniff import Sniffed
from detour.model.codes import iso3_table, numeric_table
from detour.model.flow import COMTRADE_FLOWS, COMTRADE_PROCESSING_FLOWS

REQUIRED = ("reporterCode", "flowCode", "partnerCode", "cmdCode")


class ComtradeReader(Reader):
    name = "comtrade"
    source = "comtrade"

    def prepare(self, con: duckdb.DuckDBPyConnection, sniffed: Sniffed) -> None:
        self.cols = {h.lower(): h for h in sniffed.header}
        self.used: set[str] = set()
        missing = [c for c in REQUIRED if c.lower() not in self.cols]
        if "refyear" not in self.cols and "period" not in self.cols:
            missing.append("refYear (or period)")
        if not ({"primaryvalue", "cifvalue", "fobvalue"} & set(self.cols)):
            missing.append("primaryValue (or cifvalue/fobvalue)")
        if missing:
            raise InputError(str(sniffed.path), f"line 1: not a Comtrade+ file, missing columns: {', '.join(missing)}",
                             hint="use --format csv with a mapping for other layouts")
        num = pd.DataFrame(sorted(numeric_table().items()), columns=["code", "iso3"])
        iso = pd.DataFrame(sorted(iso3_table().items()), columns=["alias", "iso3"])
        flows = pd.DataFrame([(k, v.value) for k, v in COMTRADE_FLOWS.items()], columns=["code", "flow"])
        con.register("_num_df", num)
        con.register("_iso_df", iso)
        con.register("_flow_df", flows)
        con.execute("CREATE TEMP TABLE _num AS SELECT code::INTEGER AS code, iso3 FROM _num_df")
        con.execute("CREATE TEMP TABLE _iso AS SELECT alias, iso3 FROM _iso_df")
        con.execute("CREATE TEMP TABLE _flow AS SELECT code, flow FROM _flow_df")

    def _c(self, name: str) -> str:
        """Column reference by case-insensitive name, or NULL when the file lacks it."""
        actual = self.cols.get(name.lower())
        if actual:
            self.used.add(actual)
        return f'trim("{actual}")' if actual else "NULL"

    def select_sql(self, sniffed: Sniffed) -> str:
        c = self._c
        processing = ", ".join(sql_str(f) for f in sorted(COMTRADE_PROCESSING_FLOWS))
        primary = c("primaryValue")
        body = f"""
        t AS (
          SELECT _row,
            TRY_CAST(coalesce({c('refYear')}, left({c('period')}, 4)) AS INTEGER) AS y,
            CASE WHEN upper(coalesce({c('freqCode')}, '')) = 'M'
                   OR (length(coalesce({c('period')}, '')) = 6 AND {c('freqCode')} IS NULL)
                 THEN TRY_CAST(coalesce({c('refMonth')}, right({c('period')}, 2)) AS INTEGER) END AS m,
            upper({c('flowCode')}) AS fc,
            TRY_CAST({c('reporterCode')} AS DOUBLE)::INTEGER AS rc, upper({c('reporterISO')}) AS ri,
            TRY_CAST({c('partnerCode')} AS DOUBLE)::INTEGER AS pc, upper({c('partnerISO')}) AS pi,
            TRY_CAST(coalesce({c('partner2Code')}, '0') AS DOUBLE)::INTEGER AS p2c,
            coalesce(upper({c('customsCode')}), 'C00') AS cc,
            coalesce(TRY_CAST({c('motCode')} AS DOUBLE), 0) AS mot,
            coalesce(TRY_CAST({c('mosCode')} AS DOUBLE), 0) AS mos,
            regexp_replace(coalesce({c('cmdCode')}, ''), '[^0-9A-Za-z]', '', 'g') AS cmd,
            TRY_CAST({c('aggrLevel')} AS DOUBLE) AS lvl,
            upper({c('classificationCode')}) AS cls,
            coalesce({primary}, CASE WHEN upper({c('flowCode')}) IN ('M', 'RM', 'FM', 'MIP', 'MOP')
                     THEN coalesce({c('cifvalue')}, {c('fobvalue')})
                     ELSE coalesce({c('fobvalue')}, {c('cifvalue')}) END) AS v_raw,
            {c('cifvalue')} AS cif_raw, {c('fobvalue')} AS fob_raw,
            {c('netWgt')} AS w_raw, {c('qty')} AS q_raw,
            coalesce({c('qtyUnitAbbr')}, {c('qtyUnitCode')}) AS unit
          FROM raw),
        j AS (
          SELECT t.*, f.flow,
            coalesce(ri1.iso3, rn.iso3) AS reporter, coalesce(pi1.iso3, pn.iso3) AS partner,
            TRY_CAST(v_raw AS DOUBLE) AS v, TRY_CAST(w_raw AS DOUBLE) AS w, TRY_CAST(q_raw AS DOUBLE) AS q
          FROM t
          LEFT JOIN _flow f ON f.code = t.fc
          LEFT JOIN _iso ri1 ON ri1.alias = t.ri
          LEFT JOIN _num rn ON rn.code = t.rc
          LEFT JOIN _iso pi1 ON pi1.alias = t.pi
          LEFT JOIN _num pn ON pn.code = t.pc)
        SELECT
          {sql_str(self.source)} AS source, y::SMALLINT AS year, m::TINYINT AS month,
          reporter, partner, NULL::VARCHAR AS partner2, flow,
          CASE WHEN length(cmd) = 5 THEN '0' || cmd ELSE cmd END AS hs,
          cls AS classification, v AS value_usd,
          CASE WHEN flow IN ('import', 're-import')
               THEN CASE WHEN cif_raw IS NULL AND fob_raw IS NOT NULL THEN 'FOB' ELSE 'CIF' END
               ELSE CASE WHEN fob_raw IS NULL AND cif_raw IS NOT NULL THEN 'CIF' ELSE 'FOB' END END AS value_basis,
          w AS net_kg, CASE WHEN unit IN ('-1', 'N/A') THEN NULL ELSE q END AS qty,
          CASE WHEN unit IN ('-1', 'N/A') THEN NULL ELSE unit END AS qty_unit,
          {sql_str(sniffed.sha256)} AS file_sha256, _row AS "row", _row,
          CASE
            WHEN y IS NULL OR y < 1950 OR y > 2100 THEN 'bad:invalid year'
            WHEN m IS NOT NULL AND (m < 1 OR m > 12) THEN 'bad:invalid month'
            WHEN fc IN ({processing}) THEN 'drop:processing flow'
            WHEN flow IS NULL THEN 'bad:unknown flowCode'
            WHEN pc = 0 OR pi = 'W00' THEN 'drop:partner World'
            WHEN cc <> 'C00' OR mot <> 0 OR mos <> 0 OR p2c <> 0 THEN 'drop:breakdown beside total'
            WHEN upper(cmd) = 'TOTAL' OR length(cmd) NOT IN (2, 5, 6) OR (lvl < 6 AND length(cmd) <> 2)
              OR (length(cmd) = 2 AND NOT regexp_full_match(cmd, '[0-9][0-9]')) THEN 'drop:commodity aggregate'
            WHEN reporter IS NULL THEN 'bad:unknown reporter code'
            WHEN partner IS NULL THEN 'bad:unknown partner code'
            WHEN v_raw IS NULL THEN 'bad:missing value'
            WHEN v IS NULL OR isnan(v) OR isinf(v) THEN 'bad:non-numeric value'
            WHEN v < 0 THEN 'bad:negative value'
            WHEN w_raw IS NOT NULL AND w IS NULL THEN 'bad:non-numeric netWgt'
            WHEN w < 0 THEN 'bad:negative netWgt'
            WHEN q_raw IS NOT NULL AND q IS NULL THEN 'bad:non-numeric qty'
            WHEN q < 0 THEN 'bad:negative qty'
            WHEN length(cmd) = 2 THEN 'chapter'
          END AS _status
        FROM j"""
        return f"WITH raw AS {self.numbered(sniffed, sorted(self.used))}, {body}"
