"""A loopback HTTP server that answers like ``comtradeapi.un.org/data/v1/get/C/{A|M}/HS``.

Records come from :mod:`comtrade_fake_data` and carry every Comtrade+ field. Like the live API
the server silently truncates at ``maxRecords`` (or its own ``cap``), answers a bad key with the
API gateway's 401 body, and serves the public HS reference file without a key.

Tests steer failures with ``script`` (actions consumed one per request, in order) or
``fail_when(index, params)`` (index counts data requests only; the HS reference file is
always served). An action is ``None`` (answer normally), ``"drop"`` (close the
socket without answering), ``"truncate"`` (promise a body, send half) or ``(status, headers,
body)``.
"""

from __future__ import annotations

import json
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from comtrade_fake_data import generate, hs_reference

KEY = "test-key"
Action = None | str | tuple[int, dict[str, str], Any]


@dataclass
class Seen:
    path: str
    params: dict[str, str]
    headers: dict[str, str]


@dataclass
class FakeComtrade:
    cap: int = 100_000
    list_key: str = "data"
    revision: int = 0
    seen: list[Seen] = field(default_factory=list)
    script: deque[Action] = field(default_factory=deque)
    fail_when: Any = None
    url: str = ""

    def reset(self) -> None:
        self.cap, self.list_key, self.fail_when, self.revision = 100_000, "data", None, 0
        self.seen.clear()
        self.script.clear()

    def data_requests(self) -> list[Seen]:
        return [s for s in self.seen if s.path.startswith("/data/v1/get/")]

    def answer(
        self, path: str, params: dict[str, str], headers: dict[str, str]
    ) -> tuple[str, int, dict, Any]:
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
            return (
                401,
                {},
                {
                    "statusCode": 401,
                    "message": "Access denied due to invalid subscription key. "
                    "Make sure to provide a valid key for an active subscription.",
                },
            )
        parts = path.split("/")
        if parts[:5] != ["", "data", "v1", "get", "C"] or len(parts) != 7 or parts[6] != "HS":
            return 404, {}, {"statusCode": 404, "message": "Resource not found"}
        rows = generate(parts[5], params, self.revision)
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
