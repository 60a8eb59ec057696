"""A loopback HTTP server that answers like ``comtradeapi.un.org/data/v1/get/C/{A|M}/HS``.

Records carry every Comtrade+ field. Like the live API it returns the World partner
(``partnerCode 0``/``W00``) beside the partner detail when no partner is named, motCode
breakdowns beside the ``motCode 0`` total in plus mode, silently truncates at ``maxRecords``
(or its own ``cap``), and answers a bad key with the API gateway's 401 body.

Tests steer failures with ``script`` (actions consumed one per request, in order) or
``fail_when(index, params)`` (index counts data requests only; the HS reference file is
always served). An action is ``None`` (answer normally), ``"drop"`` (close the
socket without answering), ``"truncate"`` (promise a body, send half) or ``(status, headers,
body)``.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

KEY = "test-key"
COUNTRIES = {
    0: ("W00", "World"), 100: ("BGR", "Bulgaria"), 203: ("CZE", "Czechia"), 251: ("FRA", "France"),
    276: ("DEU", "Germany"), 490: ("S19", "Other Asia, nes"), 643: ("RUS", "Russian Federation"),
    688: ("SRB", "Serbia"), 699: ("IND", "India"), 804: ("UKR", "Ukraine"), 842: ("USA", "USA"),
}  # fmt: skip
ALL_PARTNERS = (100, 203, 276, 643, 804)  # detail partners when partnerCode is omitted
FLOWS = {"M": "Import", "X": "Export", "RM": "Re-import", "RX": "Re-export"}
MOT_BREAKDOWN = {1000: "Air", 2100: "Sea", 3200: "Road"}
Action = None | str | tuple[int, dict[str, str], Any]
# A slice of the public "Combined HS" list (all revisions: 360300 is HS2017, 360310 HS2022).
HS_REFERENCE_CODES = (
    "TOTAL", "36", "3601", "360100", "3602", "360200", "3603", "360300", "360310", "360320", "360360",
    "93", "9301", "930110", "930120", "930190", "9302", "930200", "9303", "930310", "930320", "930330",
    "930390", "9305", "930510", "930520", "930591", "930599", "9306", "930621", "930629", "930630",
    "930690", "88", "8806", "880610", "880621", "8807", "880710", "880720", "880730", "880790",
)


def hs_reference() -> dict[str, Any]:
    """Shaped like ``/files/v1/app/reference/HS.json``."""
    def item(code: str) -> dict[str, Any]:
        parent = "-1" if code == "TOTAL" else ("TOTAL" if len(code) == 2 else code[:-2])
        level = 0 if code == "TOTAL" else len(code)
        return {"id": code, "text": f"{code} - Commodity {code}", "parent": parent,
                "isLeaf": int(level == 6), "aggrLevel": level}

    return {"more": False, "minimumInputLength": 2, "classCode": "HS", "className": "Combined HS",
            "results": [item(c) for c in HS_REFERENCE_CODES]}


@dataclass
class Seen:
    path: str
    params: dict[str, str]
    headers: dict[str, str]


def _value(*parts: object) -> int:
    return int(hashlib.sha256(repr(parts).encode()).hexdigest()[:8], 16) % 900_000 + 1_000


def _record(freq: str, period: str, reporter: int, flow: str, partner: int, cmd: str, mot: int,
            value: int, aggregate: bool) -> dict[str, Any]:
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


def generate(freq: str, params: dict[str, str]) -> list[dict[str, Any]]:
    """Every record the query selects, before any cap."""
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
                    value = _value(reporter, period, cmd, flow, partner)
                    world += value
                    rows.append(_record(freq, period, reporter, flow, partner, cmd, 0, value, plus))
                    if plus:  # detail by mode of transport beside the motCode 0 total
                        shares = [value // 2, value // 3, value - value // 2 - value // 3]
                        for mot, share in zip(MOT_BREAKDOWN, shares, strict=True):
                            rows.append(_record(freq, period, reporter, flow, partner, cmd, mot, share, False))
                if not named or 0 in named:
                    rows.append(_record(freq, period, reporter, flow, 0, cmd, 0, world, True))
    return rows


@dataclass
class FakeComtrade:
    cap: int = 100_000
    list_key: str = "data"
    seen: list[Seen] = field(default_factory=list)
    script: deque[Action] = field(default_factory=deque)
    fail_when: Any = None
    url: str = ""

    def reset(self) -> None:
        self.cap, self.list_key, self.fail_when = 100_000, "data", None
        self.seen.clear()
        self.script.clear()

    def data_requests(self) -> list[Seen]:
        return [s for s in self.seen if s.path.startswith("/data/v1/get/")]

    def answer(self, path: str, params: dict[str, str], headers: dict[str, str]) -> tuple[str, int, dict, Any]:
        """(mode, status, headers, body); mode is normal, drop or truncate."""
        self.seen.append(Seen(path, params, headers))
        if path == "/files/v1/app/reference/HS.json":  # public blob, never scripted
            return "normal", 200, {}, hs_reference()
        index = len(self.data_requests()) - 1
        action: Action = None
        if self.script:
            action = self.script.popleft()
        elif self.fail_when is not None:
            action = self.fail_when(index, params)
        if isinstance(action, tuple):
            return ("normal", *action)
        return (action or "normal", *self.respond(path, params, headers))

    def respond(self, path: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, dict, Any]:
        if headers.get("ocp-apim-subscription-key") != KEY:
            return 401, {}, {"statusCode": 401, "message": "Access denied due to invalid subscription key. "
                             "Make sure to provide a valid key for an active subscription."}
        parts = path.split("/")
        if parts[:5] != ["", "data", "v1", "get", "C"] or len(parts) != 7 or parts[6] != "HS":
            return 404, {}, {"statusCode": 404, "message": "Resource not found"}
        rows = generate(parts[5], params)
        limit = min(self.cap, int(params.get("maxRecords", self.cap)))
        data = rows[:limit]
        return 200, {}, {"elapsedTime": "0.01 secs", "count": len(data), self.list_key: data, "error": ""}


def serve(fake: FakeComtrade) -> tuple[ThreadingHTTPServer, threading.Thread]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep pytest output clean
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            split = urlsplit(self.path)
            headers = {k.lower(): v for k, v in self.headers.items()}
            mode, status, extra, body = fake.answer(split.path, dict(parse_qsl(split.query)), headers)
            if mode == "drop":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            payload = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            for name, value in extra.items():
                self.send_header(name, value)
            length = len(payload) * 2 if mode == "truncate" else len(payload)
            self.send_header("Content-Length", str(length))
            self.end_headers()
            if mode == "truncate":  # promise the whole body, send half, hang up
                self.wfile.write(payload[: len(payload) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread
