"""A generated Comtrade+ world at real HS6 scale, written by DuckDB SQL (no Python row loop).

One year of UN Comtrade+ HS6 data holds about 19M declaration rows: ~200 reporters, ~5,000 HS6
codes, exports and imports, with World rows and transport-mode breakdowns beside the totals.
The file has the 47 columns of the API CSV, so readers do the same work as on a real file.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from detour.model.codes import numeric_table

COLUMNS = (
    "typeCode, freqCode, refPeriodId, refYear, refMonth, period, reporterCode, reporterISO, reporterDesc, "
    "flowCode, flowDesc, partnerCode, partnerISO, partnerDesc, partner2Code, partner2ISO, partner2Desc, "
    "classificationCode, classificationSearchCode, isOriginalClassification, cmdCode, cmdDesc, aggrLevel, isLeaf, "
    "customsCode, customsDesc, mosCode, motCode, motDesc, qtyUnitCode, qtyUnitAbbr, qty, isQtyEstimated, "
    "altQtyUnitCode, altQtyUnitAbbr, altQty, isAltQtyEstimated, netWgt, isNetWgtEstimated, grossWgt, "
    "isGrossWgtEstimated, cifvalue, fobvalue, primaryValue, legacyEstimationFlag, isReported, isAggregate"
)


def countries(n: int = 200) -> list[tuple[int, str]]:
    """The first n real countries (ISO numeric → ISO3), Comtrade's own code where it differs."""
    table = numeric_table()
    own = {842: "USA", 251: "FRA", 381: "ITA", 699: "IND", 579: "NOR", 757: "CHE", 490: "TWN"}
    iso_dupes = {840, 250, 380, 356, 578, 756, 158}
    picked = list(own.items())
    for code, iso3 in sorted(table.items()):
        if len(picked) >= n:
            break
        if code in iso_dupes or code in own or iso3.startswith("X") or code == 0 or iso3 in {i for _, i in picked}:
            continue
        picked.append((code, iso3))
    return picked


def write_world(path: Path, rows: int = 19_000_000, year: int = 2022, reporters: int = 200, hs_codes: int = 5000,
                seed: float = 0.42) -> Path:
    """Write ``rows`` declaration rows (+ ~3% World and breakdown rows) as an API-style CSV."""
    con = duckdb.connect()
    con.execute(f"SELECT setseed({seed})")
    # Rows with extra = 2 also get a transport-mode breakdown row (motCode 2100) beside their
    # total, as real files do; extra = 1 rows are World aggregates.
    # Rows i (export, reporter a) and i + 1 (import, reporter b) describe the same flow, so most
    # exports have a mirror; the importer's value is ~4% higher (CIF) plus ~3% noise.
    cty = countries(reporters)
    con.execute("CREATE TABLE c AS SELECT * FROM (VALUES " + ", ".join(f"({i}, {code}, '{iso}')" for i, (code, iso)
                in enumerate(cty)) + ") t(idx, code, iso)")
    n_c = len(cty)
    # Row i: flow by parity, HS by i / 2 mod hs_codes, reporter and partner spread so that most
    # export rows have an import mirror (the same pair, HS and year, seen from the other side).
    con.execute(f"""
    CREATE VIEW g AS
    SELECT i, (i % 2) AS is_imp, 100000 + ((i // 2) * 7919 % {hs_codes}) * 17 % 900000 AS hs,
           ((i // 2) // {hs_codes}) % {n_c} AS a, ((i // 2) // {hs_codes * n_c} + 1 + ((i // 2) // {hs_codes}) // {n_c}) % {n_c} AS b,
           exp(8 + 3 * (hash(i // 2) % 10007) / 10007.0) * (1 + 0.04 * (i % 2) + 0.03 * random()) AS v, CASE WHEN i % 41 = 0 THEN 1 WHEN i % 43 = 0 THEN 2 ELSE 0 END AS extra
    FROM range({rows}) r(i)""")
    exprs = [
        "'C'", "'A'", f"'{year}0101'", str(year), "52", str(year),
        "r.code", "r.iso", "r.iso", "CASE WHEN is_imp = 1 THEN 'M' ELSE 'X' END", "'flow'",
        "CASE WHEN extra = 1 THEN 0 ELSE p.code END", "CASE WHEN extra = 1 THEN 'W00' ELSE p.iso END", "'partner'",
        "0", "'W00'", "'World'", "'H6'", "'HS'", "'True'", "lpad(hs::VARCHAR, 6, '0')", "'goods'", "6", "'True'",
        "'C00'", "'TOTAL CPC'", "0", "CASE WHEN d = 1 THEN 2100 ELSE 0 END", "'mode'", "8", "'kg'",
        "round(v / 12, 1)", "'False'", "-1", "'N/A'", "NULL", "'False'", "round(v / 12, 1)", "'False'",
        "round(v / 11, 1)", "'False'",
        "CASE WHEN is_imp = 1 THEN round(v * 1.06, 2) END", "CASE WHEN is_imp = 0 THEN round(v, 2) END",
        "CASE WHEN is_imp = 1 THEN round(v * 1.06, 2) ELSE round(v, 2) END", "0", "'True'", "'False'",
    ]
    names = [c.strip() for c in COLUMNS.split(",")]
    select = ", ".join(f'{e} AS "{n}"' for e, n in zip(exprs, names, strict=True))
    con.execute(f"""
    COPY (SELECT {select} FROM (SELECT * REPLACE (CASE WHEN d = 1 THEN v * 0.6 ELSE v END AS v)
                                FROM g CROSS JOIN (VALUES (0), (1)) dup(d) WHERE d = 0 OR extra = 2) g
          JOIN c r ON r.idx = CASE WHEN is_imp = 1 THEN b ELSE a END
          JOIN c p ON p.idx = CASE WHEN is_imp = 1 THEN a ELSE b END
          WHERE a <> b)
    TO '{path}' (HEADER true, DELIMITER ',')""")
    return path
