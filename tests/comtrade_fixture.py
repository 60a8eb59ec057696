"""Real-shaped UN Comtrade+ rows for tests: every column the API and bulk files carry."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path
from typing import Any

API_COLUMNS = [
    "typeCode", "freqCode", "refPeriodId", "refYear", "refMonth", "period", "reporterCode", "reporterISO",
    "reporterDesc", "flowCode", "flowDesc", "partnerCode", "partnerISO", "partnerDesc", "partner2Code",
    "partner2ISO", "partner2Desc", "classificationCode", "classificationSearchCode", "isOriginalClassification",
    "cmdCode", "cmdDesc", "aggrLevel", "isLeaf", "customsCode", "customsDesc", "mosCode", "motCode", "motDesc",
    "qtyUnitCode", "qtyUnitAbbr", "qty", "isQtyEstimated", "altQtyUnitCode", "altQtyUnitAbbr", "altQty",
    "isAltQtyEstimated", "netWgt", "isNetWgtEstimated", "grossWgt", "isGrossWgtEstimated", "cifvalue",
    "fobvalue", "primaryValue", "legacyEstimationFlag", "isReported", "isAggregate",
]
BULK_COLUMNS = [c.replace("cifvalue", "CIFValue").replace("fobvalue", "FOBValue") for c in API_COLUMNS]

# Comtrade's own reporter codes where they differ from ISO numeric (DOMAIN.md).
CODES = {"USA": (842, "USA"), "FRA": (251, "France"), "ITA": (381, "Italy"), "IND": (699, "India"),
         "NOR": (579, "Norway"), "CHE": (757, "Switzerland"), "TWN": (490, "Other Asia, nes"),
         "SRB": (688, "Serbia"), "CZE": (203, "Czechia"), "BGR": (100, "Bulgaria"), "UKR": (804, "Ukraine"),
         "DEU": (276, "Germany"), "RUS": (643, "Russian Federation"), "ARM": (51, "Armenia"),
         "KAZ": (398, "Kazakhstan"), "POL": (616, "Poland"), "W00": (0, "World")}
ISO_COL = {"TWN": "S19"}


def row(year: int, reporter: str, flow: str, partner: str, hs: str, value: float, *, kg: float | None = None,
        month: int | None = None, mot: int = 0, customs: str = "C00", partner2: str = "W00", aggr: int | None = None,
        cls: str = "H5", iso: bool = True) -> dict[str, Any]:
    rc, rdesc = CODES[reporter]
    pc, pdesc = CODES[partner]
    p2c, p2desc = CODES[partner2]
    imp = flow in ("M", "RM")
    kg = value / 10 if kg is None else kg
    return {
        "typeCode": "C", "freqCode": "M" if month else "A",
        "refPeriodId": f"{year}{month or 1:02d}01", "refYear": year, "refMonth": month or 52,
        "period": f"{year}{month:02d}" if month else year,
        "reporterCode": rc, "reporterISO": ISO_COL.get(reporter, reporter) if iso else "", "reporterDesc": rdesc,
        "flowCode": flow, "flowDesc": flow, "partnerCode": pc, "partnerISO": ISO_COL.get(partner, partner) if iso else "",
        "partnerDesc": pdesc, "partner2Code": p2c, "partner2ISO": partner2, "partner2Desc": p2desc,
        "classificationCode": cls, "classificationSearchCode": "HS", "isOriginalClassification": "True",
        "cmdCode": hs, "cmdDesc": "goods", "aggrLevel": aggr if aggr is not None else (len(hs) if hs != "TOTAL" else 0),
        "isLeaf": "True" if len(hs) == 6 else "False", "customsCode": customs, "customsDesc": "x",
        "mosCode": 0, "motCode": mot, "motDesc": "x", "qtyUnitCode": 8, "qtyUnitAbbr": "kg", "qty": kg,
        "isQtyEstimated": "False", "altQtyUnitCode": -1, "altQtyUnitAbbr": "N/A", "altQty": "",
        "isAltQtyEstimated": "False", "netWgt": kg, "isNetWgtEstimated": "False", "grossWgt": kg * 1.1,
        "isGrossWgtEstimated": "False", "cifvalue": value if imp else "", "fobvalue": "" if imp else value,
        "primaryValue": value, "legacyEstimationFlag": 0, "isReported": "True", "isAggregate": "False",
    }


def write(path: Path, rows: list[dict[str, Any]], *, bulk: bool = False, gz: bool = False) -> Path:
    """API-style comma CSV, or bulk-style tab-separated file with CIFValue/FOBValue spelling."""
    columns = BULK_COLUMNS if bulk else API_COLUMNS
    opener = gzip.open if gz else open
    with opener(path, "wt", newline="", encoding="utf-8") as fh:  # type: ignore[operator]
        w = csv.writer(fh, delimiter="\t" if bulk else ",")
        w.writerow(columns)
        for r in rows:
            w.writerow([r[c.replace("CIFValue", "cifvalue").replace("FOBValue", "fobvalue")] for c in columns])
    return path
