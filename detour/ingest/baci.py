"""CEPII BACI yearly files: ``t,i,j,k,v,q`` (year, exporter, importer, HS6, kUSD, tonnes).

BACI is already reconciled (one value per flow), so it is stored as source ``baci`` with the
exporter as reporter and flow ``export``, FOB basis; the mirror view leaves it out because it
cannot show mirror gaps. Values are thousand USD and quantities metric tons: stored as USD and
kg. BACI writes HS codes without the leading zero of chapters 01–09 ("10121"): padded here.

The side tables shipped with each release are used when they sit beside the data file:
``country_codes_V*.csv`` maps exporter/importer codes (else Comtrade's/ISO numeric table), and
``product_codes_HS*_V*.csv`` lists valid products (an unknown product is then a bad row).
The classification comes from the file name: ``BACI_HS17_Y2021_V202301.csv`` → H5.
"""

from __future__ import annotations

import re

import duckdb
import pandas as pd

from detour.errors import InputError
from detour.ingest.base import Reader, sql_str
from detour.ingest.sniff import Sniffed
from detour.model.codes import normalise_hs, numeric_table

CLASSIFICATIONS = {"HS92": "H0", "HS96": "H1", "HS02": "H2", "HS07": "H3", "HS12": "H4", "HS17": "H5", "HS22": "H6"}
REQUIRED = ("t", "i", "j", "k", "v", "q")


class BaciReader(Reader):
    name = "baci"
    source = "baci"

    def prepare(self, con: duckdb.DuckDBPyConnection, sniffed: Sniffed) -> None:
        cols = [h.lower() for h in sniffed.header]
        missing = [c for c in REQUIRED if c not in cols]
        if missing:
            raise InputError(str(sniffed.path), f"line 1: not a BACI file, missing columns: {', '.join(missing)}",
                             hint="BACI files have the header t,i,j,k,v,q")
        table = numeric_table()
        side = sorted(sniffed.path.parent.glob("country_codes_V*.csv"))
        if side:
            cc = pd.read_csv(side[-1], dtype=str, keep_default_na=False)
            code_col = next(c for c in cc.columns if c.startswith("country_code"))
            iso_col = next((c for c in cc.columns if "iso3" in c), None)
            if iso_col:
                for code, iso in zip(cc[code_col], cc[iso_col], strict=True):
                    if code.strip().isdigit() and len(iso.strip()) == 3:
                        table[int(code)] = iso.strip().upper()
        con.register("_num_df", pd.DataFrame(sorted(table.items()), columns=["code", "iso3"]))
        con.execute("CREATE TEMP TABLE _num AS SELECT code::INTEGER AS code, iso3 FROM _num_df")
        products = sorted(sniffed.path.parent.glob("product_codes_HS*_V*.csv"))
        self.check_products = bool(products)
        if products:
            pc = pd.read_csv(products[-1], dtype=str, keep_default_na=False)
            codes = sorted({normalise_hs(c) for c in pc[pc.columns[0]] if c.strip()})
            con.register("_prod_df", pd.DataFrame({"hs": codes}))
            con.execute("CREATE TEMP TABLE _prod AS SELECT hs FROM _prod_df")
        m = re.search(r"(HS\d\d)", sniffed.path.name.upper())
        self.classification = CLASSIFICATIONS.get(m.group(1)) if m else None

    def select_sql(self, sniffed: Sniffed) -> str:
        cls = sql_str(self.classification) if self.classification else "NULL"
        prod_join = "LEFT JOIN _prod p ON p.hs = b.hs" if self.check_products else ""
        prod_ok = "p.hs IS NOT NULL" if self.check_products else "TRUE"
        return f"""
        WITH raw AS {self.numbered(sniffed)},
        b AS (
          SELECT _row, TRY_CAST(trim(t) AS INTEGER) AS y,
            TRY_CAST(trim(i) AS INTEGER) AS ic, TRY_CAST(trim(j) AS INTEGER) AS jc,
            lpad(trim(k), 6, '0') AS hs, trim(k) AS k_raw, nullif(trim(v), '') AS v_raw,
            nullif(nullif(trim(q), ''), 'NA') AS q_raw
          FROM raw)
        SELECT 'baci' AS source, y::SMALLINT AS year, NULL::TINYINT AS month,
          ri.iso3 AS reporter, pj.iso3 AS partner, NULL::VARCHAR AS partner2, 'export' AS flow, b.hs,
          {cls} AS classification, TRY_CAST(v_raw AS DOUBLE) * 1000 AS value_usd, 'FOB' AS value_basis,
          TRY_CAST(q_raw AS DOUBLE) * 1000 AS net_kg, TRY_CAST(q_raw AS DOUBLE) AS qty,
          CASE WHEN q_raw IS NULL THEN NULL ELSE 't' END AS qty_unit,
          {sql_str(sniffed.sha256)} AS file_sha256, _row AS "row", _row,
          CASE
            WHEN y IS NULL OR y < 1950 OR y > 2100 THEN 'bad:invalid year'
            WHEN ri.iso3 IS NULL THEN 'bad:unknown exporter code'
            WHEN pj.iso3 IS NULL THEN 'bad:unknown importer code'
            WHEN NOT regexp_full_match(k_raw, '[0-9]{{5,6}}') THEN 'bad:invalid HS code'
            WHEN NOT ({prod_ok}) THEN 'bad:product not in the BACI product table'
            WHEN v_raw IS NULL THEN 'bad:missing value'
            WHEN TRY_CAST(v_raw AS DOUBLE) IS NULL THEN 'bad:non-numeric value'
            WHEN TRY_CAST(v_raw AS DOUBLE) < 0 THEN 'bad:negative value'
            WHEN q_raw IS NOT NULL AND TRY_CAST(q_raw AS DOUBLE) IS NULL THEN 'bad:non-numeric quantity'
            WHEN TRY_CAST(q_raw AS DOUBLE) < 0 THEN 'bad:negative quantity'
          END AS _status
        FROM b LEFT JOIN _num ri ON ri.code = b.ic LEFT JOIN _num pj ON pj.code = b.jc {prod_join}"""
