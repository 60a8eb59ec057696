"""The optional LLM backend against a real HTTP server on loopback with a canned completion."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from detour.errors import ExtractError
from detour.extract import extract_claims
from detour.extract.llm import configured, extract_claims_llm

TEXT = (
    "Russia's Foreign Intelligence Service said Serbian companies covertly supply Ukraine with "
    "components for heavy weapons. Belgrade denied it."
)
CANNED = {
    "claims": [
        {
            "kind": "assembly",
            "supplier": [{"name": "Serbian companies", "iso3": "SRB", "kind": "company"}],
            "recipient": [{"name": "Ukraine", "iso3": "UKR", "kind": "country"}],
            "via": ["CZE", {"name": "Atlantis", "iso3": "ATL"}],
            "items": {"words": ["components for heavy weapons"], "hs": ["930591"], "ml": ["ML2"]},
            "period": {"start": None, "end": None},
            "modality": ["covert"],
            "claimant": {"name": "SVR", "iso3": "RUS", "kind": "agency"},
            "status": "rumoured",
            "hedges": [],
            "evidence": [
                "Russia's Foreign Intelligence Service said Serbian companies covertly supply Ukraine with "
                "components for heavy weapons.",
                "A sentence the text does not contain.",
            ],
        }
    ]
}


class _Handler(BaseHTTPRequestHandler):
    requests: list[dict[str, Any]] = []
    reply: Any = None
    status = 200

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(
            {"path": self.path, "auth": self.headers.get("Authorization"), "body": body}
        )
        payload = json.dumps(type(self).reply).encode()
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_Handler]]:
    httpd = HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Handler.requests, _Handler.status = [], 200
    _Handler.reply = {
        "choices": [{"message": {"role": "assistant", "content": "```json\n" + json.dumps(CANNED) + "\n```"}}]
    }
    monkeypatch.setenv("DETOUR_LLM_URL", f"http://127.0.0.1:{httpd.server_port}/v1")
    monkeypatch.setenv("DETOUR_LLM_MODEL", "test-model")
    monkeypatch.setenv("DETOUR_LLM_KEY", "sk-test")
    yield _Handler
    httpd.shutdown()
    httpd.server_close()


def test_not_configured_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DETOUR_LLM_URL", raising=False)
    assert not configured()
    with pytest.raises(ExtractError, match="no LLM endpoint"):
        extract_claims_llm(TEXT)
    assert extract_claims(TEXT, backend="auto") == extract_claims(TEXT)


def test_claims_from_a_chat_completion(server: type[_Handler]) -> None:
    claims = extract_claims_llm(TEXT, "2025-05-30")
    request = server.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer sk-test"
    assert request["body"]["model"] == "test-model"
    assert "2025-05-30" in request["body"]["messages"][1]["content"]
    (claim,) = claims
    assert claim.countries() == {"supplier": ["SRB"], "recipient": ["UKR"], "via": ["CZE"]}
    assert claim.status == "alleged"  # "rumoured" is not a status
    assert claim.items.hs == ("930591",)
    (ev,) = claim.evidence
    assert TEXT[ev.start : ev.end] == ev.sentence
    assert any("not found in the text" in w for w in claim.warnings)
    assert claim.published == "2025-05-30"


def test_auto_backend_uses_the_endpoint_when_configured(server: type[_Handler]) -> None:
    assert extract_claims(TEXT, backend="auto")[0].claimant.name == "SVR"  # type: ignore[union-attr]
    assert len(server.requests) == 1


def test_server_error_is_an_extract_error(server: type[_Handler]) -> None:
    server.status, server.reply = 500, {"error": "boom"}
    with pytest.raises(ExtractError, match="failed"):
        extract_claims_llm(TEXT)


def test_non_json_answer_is_an_extract_error(server: type[_Handler]) -> None:
    server.reply = {"choices": [{"message": {"content": "I think Serbia did it."}}]}
    with pytest.raises(ExtractError, match="not JSON"):
        extract_claims_llm(TEXT)


def test_unknown_backend() -> None:
    with pytest.raises(ExtractError, match="unknown extraction backend"):
        extract_claims(TEXT, backend="magic")
