"""Optional backend: claims from an OpenAI-compatible chat-completions endpoint.

Never required and never used unless ``DETOUR_LLM_URL`` is set (model ``DETOUR_LLM_MODEL``,
bearer key ``DETOUR_LLM_KEY``). The model is asked for JSON in Detour's claim shape; the
answer is validated like untrusted input: unknown statuses become "alleged", unknown country
codes are dropped, and evidence must be a sentence found verbatim in the text, or the claim
gets a warning instead of offsets.

>>> _json_payload('```json\\n{"claims": []}\\n```')
{'claims': []}
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from detour import settings
from detour.errors import ExtractError
from detour.extract.datemath import parse_published
from detour.extract.normalise import sha256_text
from detour.model.claim import STATUSES, Claim, Evidence, Items, Party, Period
from detour.model.codes import country_from_iso3

SYSTEM_PROMPT = """You extract claims about transfers of weapons and dual-use goods from news text.
Answer with one JSON object {"claims": [...]} and nothing else. Each claim has:
kind (supply|transshipment|assembly|halt), supplier, recipient, via (lists of {"name", "iso3", "kind"}
where kind is country|company), items ({"words": [...], "hs": [4 or 6 digit HS codes], "ml": ["ML3", ...]}),
period ({"start": "YYYY-MM-DD", "end": "YYYY-MM-DD", "text": "..."} resolved against the publication date),
modality (e.g. covert, falsified documents, re-export, assembly abroad, front companies, transshipment),
claimant and channel ({"name", "iso3", "kind"} or null), status (alleged|reported|confirmed|denied),
hedges (cue words found, e.g. allegedly, reportedly, according to), and evidence (a list of sentences
copied exactly from the text). Report only what the text says; a denial is a claim with status denied."""


def configured() -> bool:
    return settings.llm_url() is not None


def extract_claims_llm(
    text: str, published: str | None = None, doc_sha256: str | None = None, timeout: float = 60.0
) -> list[Claim]:
    """Claims from the configured endpoint; raises ExtractError if it is unset or fails."""
    url = settings.llm_url()
    if not url:
        raise ExtractError("no LLM endpoint is configured", "set DETOUR_LLM_URL or use the rules backend")
    headers = {"Content-Type": "application/json"}
    key = settings.llm_key()
    if key:
        headers["Authorization"] = f"Bearer {key}"
    body = {
        "model": settings.llm_model(),
        "temperature": 0,
        "response_format": {"type": "json_object"},
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"Publication date: {published or 'unknown'}\n\n{text}"},
        ],
    }
    endpoint = url.rstrip("/") + "/chat/completions"
    try:
        response = httpx.post(endpoint, json=body, headers=headers, timeout=timeout)
        response.raise_for_status()
        content = response.json()["choices"][0]["message"]["content"]
    except httpx.HTTPError as exc:
        raise ExtractError(
            f"LLM endpoint {endpoint} failed: {exc}", "check DETOUR_LLM_URL and DETOUR_LLM_KEY"
        ) from exc
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise ExtractError(
            f"LLM endpoint {endpoint} sent no chat completion", "is it OpenAI-compatible?"
        ) from exc
    payload = _json_payload(content)
    sha = doc_sha256 or sha256_text(text)
    pub = parse_published(published)
    return [
        _claim(raw, text, sha, pub.isoformat() if pub else None)
        for raw in payload.get("claims") or []
        if isinstance(raw, dict)
    ]


def _json_payload(content: str) -> dict[str, Any]:
    text = content.strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
        text = text.rsplit("```", 1)[0]
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExtractError(
            f"LLM answer is not JSON: {exc}", "try another model or the rules backend"
        ) from exc
    if isinstance(payload, list):
        payload = {"claims": payload}
    if not isinstance(payload, dict):
        raise ExtractError("LLM answer is not a JSON object", "try another model or the rules backend")
    return payload


_KINDS = ("country", "company", "agency", "government", "person", "outlet", "source")


def _parties(raw: Any) -> tuple[Party, ...]:
    out = []
    for p in raw or ():
        if isinstance(p, str):
            p = {"name": p, "iso3": p if len(p) == 3 else None}
        if isinstance(p, dict) and p.get("name"):
            kind = str(p.get("kind")) if p.get("kind") in _KINDS else "country"
            out.append(Party(str(p["name"]), country_from_iso3(p.get("iso3")), kind))
    return tuple(out)


def _party(raw: Any) -> Party | None:
    found = _parties([raw]) if raw else ()
    return found[0] if found else None


def _strings(raw: Any) -> tuple[str, ...]:
    return tuple(str(x) for x in raw or () if isinstance(x, str | int))


def _claim(raw: dict[str, Any], text: str, sha: str, published: str | None) -> Claim:
    evidence, warnings = [], list(_strings(raw.get("warnings")))
    for sentence in _strings(raw.get("evidence")):
        start = text.find(sentence)
        if start < 0:
            warnings.append(f"LLM evidence not found in the text: {sentence[:60]!r}")
        else:
            evidence.append(Evidence(sentence, start, start + len(sentence), sha))
    items: dict[str, Any] = raw["items"] if isinstance(raw.get("items"), dict) else {}
    period: dict[str, Any] = raw["period"] if isinstance(raw.get("period"), dict) else {}
    status = str(raw["status"]) if raw.get("status") in STATUSES else "alleged"
    return Claim(
        kind=str(raw.get("kind") or "supply"),
        supplier=_parties(raw.get("supplier")),
        recipient=_parties(raw.get("recipient")),
        via=_parties(raw.get("via")),
        items=Items(
            _strings(items.get("words")),
            tuple(h for h in _strings(items.get("hs")) if h.isdigit()),
            _strings(items.get("ml")),
        ),
        period=Period(period.get("start"), period.get("end"), period.get("text")),
        modality=_strings(raw.get("modality")),
        claimant=_party(raw.get("claimant")),
        channel=_party(raw.get("channel")),
        status=status,
        hedges=_strings(raw.get("hedges")),
        evidence=tuple(evidence),
        warnings=tuple(warnings),
        published=published,
    )
