"""Declarations → Comtrade+ files, with the rows real files carry beside the detail.

Per year and per reporter group, one file: the API group as comma CSV with ``cifvalue`` and
``fobvalue``, the bulk group as tab-separated gzip with ``CIFValue`` and ``FOBValue``. Besides
the leaf HS6 totals each file holds, as real ones do:

- partner World rows (``partnerCode 0``, ``W00``) per reporter, flow and HS6;
- ``TOTAL`` rows per partner (and for World), and for API-group reporters chapter rows
  (``aggrLevel 2``); a reporter hiding chapter 93 in the chapter total gets that row too;
- transport-mode splits (``motCode`` 1000 air, 2100 sea, 3100 rail, 3200 road) beside the
  ``motCode 0`` total for breakdown reporters, and a few rows by consignment country;
- Comtrade's own reporter codes (USA 842, ...; Taiwan 490 / ``S19``) and ``refMonth`` 52.

Files are byte-for-byte reproducible: rows are sorted, gzip carries no name and mtime 0.
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from detour.simulate.quirks import HIDDEN_CHAPTER, QuirkPlan
from detour.simulate.world import World

API_COLUMNS = (
    "typeCode", "freqCode", "refPeriodId", "refYear", "refMonth", "period", "reporterCode", "reporterISO",
    "reporterDesc", "flowCode", "flowDesc", "partnerCode", "partnerISO", "partnerDesc", "partner2Code",
    "partner2ISO", "partner2Desc", "classificationCode", "classificationSearchCode",
    "isOriginalClassification", "cmdCode", "cmdDesc", "aggrLevel", "isLeaf", "customsCode", "customsDesc",
    "mosCode", "motCode", "motDesc", "qtyUnitCode", "qtyUnitAbbr", "qty", "isQtyEstimated", "altQtyUnitCode",
    "altQtyUnitAbbr", "altQty", "isAltQtyEstimated", "netWgt", "isNetWgtEstimated", "grossWgt",
    "isGrossWgtEstimated", "cifvalue", "fobvalue", "primaryValue", "legacyEstimationFlag", "isReported",
    "isAggregate",
)  # fmt: skip
BULK_COLUMNS = tuple({"cifvalue": "CIFValue", "fobvalue": "FOBValue"}.get(c, c) for c in API_COLUMNS)
FLOW_DESC = {"X": "Export", "M": "Import", "RX": "Re-export"}
MOT_DESC = {0: "TOTAL MOT", 1000: "Air", 2100: "Sea", 3100: "Railway", 3200: "Road"}
UNITS = {"kg": (8, "kg"), "u": (5, "u"), "N/A": (-1, "N/A")}
SPECIAL_DESC = {"TOTAL": "All Commodities", "999999": "Commodities not specified according to kind"}
WORLD = -1  # partner index of the World aggregate
ROW_COLUMNS = (
    "year", "reporter", "partner", "flow", "hs", "aggr", "value", "kg", "qty", "unit", "mot", "p2",
    "aggregate",
)


def write_year(
    world: World, plan: QuirkPlan, leaf: pd.DataFrame, hidden: pd.DataFrame, year: int, out_dir: Path,
    rng: np.random.Generator,
) -> list[tuple[Path, int]]:
    rows = comtrade_rows(world, plan, leaf[leaf.year == year], hidden[hidden.year == year], rng)
    bulk_idx = [world.c(c) for c in sorted(plan.bulk)]
    written = []
    for style, part in (
        ("api", rows[~rows.reporter.isin(bulk_idx)]),
        ("bulk", rows[rows.reporter.isin(bulk_idx)]),
    ):
        if len(part):
            name = f"comtrade-{style}-A-{year}" + (".txt.gz" if style == "bulk" else ".csv")
            written.append((write_file(world, part, out_dir / name, bulk=style == "bulk"), len(part)))
    return written


def comtrade_rows(
    world: World, plan: QuirkPlan, leaf: pd.DataFrame, hidden: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    iso = world.countries.iso3.to_numpy()
    base = leaf.assign(aggr=6, mot=0, p2=WORLD, aggregate=False)
    keys = ["year", "reporter", "flow", "hs"]
    world_rows = (
        leaf.groupby(keys, sort=True)[["value", "kg", "qty"]]
        .sum(min_count=1)
        .reset_index()
        .merge(leaf[["hs", "unit"]].drop_duplicates("hs"), on="hs")
        .assign(partner=WORLD, aggr=6, mot=0, p2=WORLD, aggregate=True)
    )
    everything = pd.concat([leaf, hidden], ignore_index=True)
    everything["chapter"] = everything.hs.str[:2]
    parts = [base, world_rows]
    for partner_keys in (["partner"], []):
        tot = everything.groupby(["year", "reporter", "flow", *partner_keys], sort=True)[
            ["value", "kg"]
        ].sum()
        tot = tot.reset_index().assign(
            hs="TOTAL", aggr=0, qty=np.nan, unit="N/A", mot=0, p2=WORLD, aggregate=True
        )
        parts.append(tot if partner_keys else tot.assign(partner=WORLD))
    api = ~np.isin(iso[everything.reporter], sorted(plan.bulk))
    hider = np.isin(iso[everything.reporter], [c for c, how in plan.suppressors.items() if how == "chapter"])
    chap = everything[api | (hider & (everything.chapter == HIDDEN_CHAPTER).to_numpy())]
    chap = chap.groupby(["year", "reporter", "flow", "partner", "chapter"], sort=True)[["value", "kg"]].sum()
    parts.append(
        chap.reset_index()
        .rename(columns={"chapter": "hs"})
        .assign(aggr=2, qty=np.nan, unit="N/A", mot=0, p2=WORLD, aggregate=True)
    )
    parts.extend(_breakdowns(world, plan, leaf, rng))
    return pd.concat([p[list(ROW_COLUMNS)] for p in parts], ignore_index=True)


def _breakdowns(
    world: World, plan: QuirkPlan, leaf: pd.DataFrame, rng: np.random.Generator
) -> list[pd.DataFrame]:
    """Transport-mode splits of big flows, and consignment-country rows for a few imports."""
    iso = world.countries.iso3.to_numpy()
    mine = leaf[np.isin(iso[leaf.reporter], sorted(plan.breakdown)) & (leaf.hs != "999999").to_numpy()]
    big = mine[mine.value >= mine.groupby("reporter").value.transform("median")]
    modes = np.array([1000, 2100, 3100, 3200])
    first = rng.integers(0, len(modes), len(big))
    second = (first + rng.integers(1, len(modes), len(big))) % len(modes)
    share = rng.uniform(0.1, 0.9, len(big))
    out = []
    for mode, frac in ((modes[first], share), (modes[second], 1 - share)):
        part = big.assign(
            value=np.maximum(np.round(big.value * frac), 1.0),
            kg=np.maximum(np.round(big.kg * frac), 1.0),
            mot=mode,
            p2=WORLD,
            aggr=6,
            aggregate=False,
        )
        out.append(
            part.assign(qty=np.where(part.unit == "kg", part.kg, np.maximum(np.round(part.qty * frac), 1)))
        )
    imports = mine[(mine.flow == "M").to_numpy() & (rng.random(len(mine)) < 0.02)]
    via = rng.integers(0, len(iso), len(imports))
    out.append(
        imports[via != imports.partner.to_numpy()].assign(
            p2=via[via != imports.partner.to_numpy()], mot=0, aggr=6, aggregate=False
        )
    )
    return out


def write_file(world: World, rows: pd.DataFrame, path: Path, *, bulk: bool) -> Path:
    return write_table(comtrade_table(world, rows), path, bulk=bulk)


def write_table(table: pa.Table, path: Path, *, bulk: bool, compresslevel: int = 6) -> Path:
    """Comma CSV (API style) or gzip tab-separated (bulk style) with an unquoted header line."""
    header = BULK_COLUMNS if bulk else API_COLUMNS
    delim = "\t" if bulk else ","
    buf = io.BytesIO()
    buf.write((delim.join(header) + "\n").encode())
    pacsv.write_csv(
        table,
        buf,
        pacsv.WriteOptions(include_header=False, delimiter=delim, quoting_style="none" if bulk else "needed"),
    )
    data = buf.getvalue()
    path.write_bytes(gzip.compress(data, compresslevel=compresslevel, mtime=0) if bulk else data)
    return path


def comtrade_table(world: World, rows: pd.DataFrame) -> pa.Table:
    """Rows (``ROW_COLUMNS``) → an Arrow table with every Comtrade+ column, sorted like real files."""
    cs, ps = world.countries, world.products
    idx = {
        k: np.where(rows[k].to_numpy() < 0, len(cs), rows[k].to_numpy())
        for k in ("reporter", "partner", "p2")
    }
    codes = np.append(cs.code.to_numpy(), 0)
    rank = {k: np.unique(rows[k].to_numpy().astype(str), return_inverse=True)[1] for k in ("hs", "flow")}
    order = np.lexsort(
        [
            codes[idx["p2"]],
            rows.mot.to_numpy(),
            rank["hs"],
            codes[idx["partner"]],
            rank["flow"],
            codes[idx["reporter"]],
        ]
    )
    rows = rows.iloc[order].reset_index(drop=True)
    idx = {k: v[order] for k, v in idx.items()}
    n, year = len(rows), rows.year.to_numpy().astype(np.int64)
    iso_col, names = pa.array([*cs.iso_col, "W00"]), pa.array([*cs.name, "World"])
    hs_codes, hs_idx = np.unique(rows.hs.to_numpy().astype(str), return_inverse=True)
    desc = dict(zip(ps.hs, ps.desc, strict=True)) | SPECIAL_DESC
    flows, flow_idx = np.unique(rows.flow.to_numpy().astype(str), return_inverse=True)
    units, unit_idx = np.unique(rows.unit.to_numpy().astype(str), return_inverse=True)
    mots, mot_idx = np.unique(rows.mot.to_numpy(), return_inverse=True)
    is_m = (rows.flow == "M").to_numpy()
    value = rows.value.to_numpy().astype(np.int64)
    aggr = rows.aggr.to_numpy().astype(np.int64)

    def const(v: object) -> pa.Array:
        return pa.repeat(v, n)

    def pick(values: list[object], i: np.ndarray) -> pa.Array:
        return pa.array(values).take(pa.array(i))

    cols = {
        "typeCode": const("C"),
        "freqCode": const("A"),
        "refPeriodId": pa.array(year * 10000 + 101),
        "refYear": pa.array(year),
        "refMonth": const(52),
        "period": pa.array(year),
        "reporterCode": pa.array(codes[idx["reporter"]]),
        "reporterISO": iso_col.take(idx["reporter"]),
        "reporterDesc": names.take(idx["reporter"]),
        "flowCode": pick(list(flows), flow_idx),
        "flowDesc": pick([FLOW_DESC[f] for f in flows], flow_idx),
        "partnerCode": pa.array(codes[idx["partner"]]),
        "partnerISO": iso_col.take(idx["partner"]),
        "partnerDesc": names.take(idx["partner"]),
        "partner2Code": pa.array(codes[idx["p2"]]),
        "partner2ISO": iso_col.take(idx["p2"]),
        "partner2Desc": names.take(idx["p2"]),
        "classificationCode": pick(["H5", "H6"], (year >= 2022).astype(int)),
        "classificationSearchCode": const("HS"),
        "isOriginalClassification": const("True"),
        "cmdCode": pick(list(hs_codes), hs_idx),
        "cmdDesc": pick([desc.get(h, f"Chapter {h}") for h in hs_codes], hs_idx),
        "aggrLevel": pa.array(aggr),
        "isLeaf": pick(["False", "True"], (aggr == 6).astype(int)),
        "customsCode": const("C00"),
        "customsDesc": const("TOTAL CPC"),
        "mosCode": const(0),
        "motCode": pa.array(rows.mot.to_numpy().astype(np.int64)),
        "motDesc": pick([MOT_DESC[m] for m in mots], mot_idx),
        "qtyUnitCode": pick([UNITS[u][0] for u in units], unit_idx),
        "qtyUnitAbbr": pick([UNITS[u][1] for u in units], unit_idx),
        "qty": pa.array(rows.qty.to_numpy(), pa.float64(), from_pandas=True).cast(pa.int64()),
        "isQtyEstimated": const("False"),
        "altQtyUnitCode": const(-1),
        "altQtyUnitAbbr": const("N/A"),
        "altQty": pa.nulls(n, pa.int64()),
        "isAltQtyEstimated": const("False"),
        "netWgt": pa.array(rows.kg.to_numpy().astype(np.int64)),
        "isNetWgtEstimated": const("False"),
        "grossWgt": pa.nulls(n, pa.int64()),
        "isGrossWgtEstimated": const("False"),
        "cifvalue": pa.array(value, mask=~is_m),
        "fobvalue": pa.array(value, mask=is_m),
        "primaryValue": pa.array(value),
        "legacyEstimationFlag": const(0),
        "isReported": const("True"),
        "isAggregate": pick(["False", "True"], rows["aggregate"].to_numpy().astype(int)),
    }
    return pa.table(cols)
