"""Records and reference files shaped like Comtrade+'s, for the fake server.

Like the live API, a query that names no partner gets the World partner (``partnerCode 0``,
``W00``) beside the partner detail, and plus mode gets motCode breakdowns beside the
``motCode 0`` total. Values are deterministic per declaration and ``revision`` (a data release).
"""

from __future__ import annotations

import hashlib
from typing import Any

COUNTRIES = {
    0: ("W00", "World"), 100: ("BGR", "Bulgaria"), 203: ("CZE", "Czechia"), 251: ("FRA", "France"),
    276: ("DEU", "Germany"), 490: ("S19", "Other Asia, nes"), 643: ("RUS", "Russian Federation"),
    688: ("SRB", "Serbia"), 699: ("IND", "India"), 804: ("UKR", "Ukraine"), 842: ("USA", "USA"),
}  # fmt: skip
ALL_PARTNERS = (100, 203, 276, 643, 804)  # detail partners when partnerCode is omitted
FLOWS = {"M": "Import", "X": "Export", "RM": "Re-import", "RX": "Re-export"}
MOT_BREAKDOWN = {1000: "Air", 2100: "Sea", 3200: "Road"}
# A slice of the public "Combined HS" list (all revisions: 360300 is HS2017, 360310 HS2022).
HS_REFERENCE_CODES = (
    "TOTAL",
    "36",
    "3601",
    "360100",
    "3602",
    "360200",
    "3603",
    "360300",
    "360310",
    "360320",
    "360360",
    "93",
    "9301",
    "930110",
    "930120",
    "930190",
    "9302",
    "930200",
    "9303",
    "930310",
    "930320",
    "930330",
    "930390",
    "9305",
    "930510",
    "930520",
    "930591",
    "930599",
    "9306",
    "930621",
    "930629",
    "930630",
    "930690",
    "88",
    "8806",
    "880610",
    "880621",
    "8807",
    "880710",
    "880720",
    "880730",
    "880790",
)


def hs_reference() -> dict[str, Any]:
    """Shaped like ``/files/v1/app/reference/HS.json``."""

    def item(code: str) -> dict[str, Any]:
        parent = "-1" if code == "TOTAL" else ("TOTAL" if len(code) == 2 else code[:-2])
        level = 0 if code == "TOTAL" else len(code)
        return {
            "id": code,
            "text": f"{code} - Commodity {code}",
            "parent": parent,
            "isLeaf": int(level == 6),
            "aggrLevel": level,
        }

    return {
        "more": False,
        "minimumInputLength": 2,
        "classCode": "HS",
        "className": "Combined HS",
        "results": [item(c) for c in HS_REFERENCE_CODES],
    }


def _value(*parts: object) -> int:
    return int(hashlib.sha256(repr(parts).encode()).hexdigest()[:8], 16) % 900_000 + 1_000


def _record(
    freq: str,
    period: str,
    reporter: int,
    flow: str,
    partner: int,
    cmd: str,
    mot: int,
    value: int,
    aggregate: bool,
) -> dict[str, Any]:
    year, month = int(period[:4]), int(period[4:]) if len(period) == 6 else 52
    r_iso, r_desc = COUNTRIES.get(reporter, (str(reporter), f"Area {reporter}"))
    p_iso, p_desc = COUNTRIES.get(partner, (str(partner), f"Area {partner}"))
    imports = flow in ("M", "RM")
    leaf = len(cmd) == 6
    return {
        "typeCode": "C", "freqCode": freq, "refPeriodId": int(f"{year}{month if month <= 12 else 1:02d}01"),
        "refYear": year, "refMonth": month, "period": period,
        "reporterCode": reporter, "reporterISO": r_iso, "reporterDesc": r_desc,
        "flowCode": flow, "flowDesc": FLOWS[flow],
        "partnerCode": partner, "partnerISO": p_iso, "partnerDesc": p_desc,
        "partner2Code": 0, "partner2ISO": "W00", "partner2Desc": "World",
        "classificationCode": "H6", "classificationSearchCode": "HS", "isOriginalClassification": True,
        "cmdCode": cmd, "cmdDesc": f"Commodity {cmd}", "aggrLevel": 0 if cmd == "TOTAL" else len(cmd),
        "isLeaf": leaf, "customsCode": "C00", "customsDesc": "TOTAL CPC", "mosCode": "0",
        "motCode": mot, "motDesc": MOT_BREAKDOWN.get(mot, "TOTAL MOT"),
        "qtyUnitCode": 8 if leaf else -1, "qtyUnitAbbr": "kg" if leaf else "N/A",
        "qty": value // 7 if leaf else None, "isQtyEstimated": False,
        "altQtyUnitCode": -1, "altQtyUnitAbbr": "N/A", "altQty": None, "isAltQtyEstimated": False,
        "netWgt": value // 7 if leaf else None, "isNetWgtEstimated": False,
        "grossWgt": None, "isGrossWgtEstimated": False,
        "cifvalue": float(value) if imports else None, "fobvalue": None if imports else float(value),
        "primaryValue": float(value), "legacyEstimationFlag": 0, "isReported": not aggregate,
        "isAggregate": aggregate,
    }  # fmt: skip


def generate(freq: str, params: dict[str, str], revision: int = 0) -> list[dict[str, Any]]:
    """Every record the query selects, before any cap; ``revision`` stands for a data release."""

    def codes(name: str) -> list[str]:
        return [c for c in params.get(name, "").split(",") if c]

    named = [int(p) for p in codes("partnerCode")]
    details = [p for p in (named or ALL_PARTNERS) if p != 0]
    plus = params.get("breakdownMode") == "plus" and "motCode" not in params
    rows: list[dict[str, Any]] = []
    for period in codes("period"):
        for cmd in codes("cmdCode"):
            for flow in codes("flowCode"):
                reporter = int(params["reporterCode"])
                world = 0
                for partner in details:
                    value = _value(reporter, period, cmd, flow, partner, revision)
                    world += value
                    rows.append(_record(freq, period, reporter, flow, partner, cmd, 0, value, plus))
                    if plus:  # detail by mode of transport beside the motCode 0 total
                        shares = [value // 2, value // 3, value - value // 2 - value // 3]
                        for mot, share in zip(MOT_BREAKDOWN, shares, strict=True):
                            rows.append(
                                _record(freq, period, reporter, flow, partner, cmd, mot, share, False)
                            )
                if not named or 0 in named:
                    rows.append(_record(freq, period, reporter, flow, 0, cmd, 0, world, True))
    return rows
