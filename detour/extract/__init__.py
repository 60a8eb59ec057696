"""Claim extraction: English news text → :class:`detour.model.claim.Claim` values.

The rules backend (spaCy blank English, gazetteers and patterns) is the default and needs
nothing else. ``backend="llm"`` asks an OpenAI-compatible endpoint (``DETOUR_LLM_URL``);
``backend="auto"`` uses it only when configured.

>>> from detour.extract import extract_claims
>>> [c.status for c in extract_claims("Belgrade denied supplying ammunition to Ukraine.")]
['denied']
"""

from __future__ import annotations

from detour.errors import ExtractError
from detour.extract import claims as _rules
from detour.extract import llm as _llm
from detour.extract.reader import read_article
from detour.model.claim import Claim

BACKENDS = ("rules", "llm", "auto")


def extract_claims(
    text: str, published: str | None = None, doc_sha256: str | None = None, *, backend: str = "rules"
) -> list[Claim]:
    """Claims in ``text``; ``published`` (ISO date) anchors relative time expressions."""
    if backend not in BACKENDS:
        raise ExtractError(f"unknown extraction backend {backend!r}", f"use one of {', '.join(BACKENDS)}")
    if backend == "llm" or (backend == "auto" and _llm.configured()):
        return _llm.extract_claims_llm(text, published, doc_sha256)
    return _rules.extract_claims(text, published, doc_sha256)


__all__ = ["BACKENDS", "extract_claims", "read_article"]
