"""Alerts: what a detector found, as an immutable value with a deterministic id.

The id hashes the key fields only (kind, origin, hub, destination, HS codes, first and last
year), so the same finding on the same data gets the same id on every engine and every run,
while its score, value and wording may be refined without changing identity.

JSON contract (``to_dict``), exact keys:

- ``id``: 16 hex digits, ``sha256`` of the key fields;
- ``kind``: one of ``KINDS``;
- ``origin``, ``hub`` (null if none), ``destination`` (null if unknown; for phantom and
  undeclared exports the declared partner): ISO3 codes;
- ``hs``: HS6 codes involved, sorted; ``start``/``end``: first and last year;
- ``score``: 0–100, comparable across kinds (see ``detour.detectors.scoring``);
- ``value_usd``: estimated diverted value; ``explanation``: one plain sentence;
- ``evidence``: declarations, each ``{year, reporter, partner, flow, hs, value}``.

>>> a = Alert("phantom_export", "DEU", None, "ARM", ("854231",), 2022, 2023, 71.5, 2.0e6, "x")
>>> a.id == Alert.from_dict(a.to_dict()).id, a.to_dict()["hub"] is None
(True, True)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

KINDS = ("transshipment", "transformation", "phantom_export", "undeclared_export", "unit_value")
FLOWS = ("export", "import", "re-export", "re-import")


@dataclass(frozen=True, order=True)
class Evidence:
    """One declaration behind an alert: what ``reporter`` declared about its flow with ``partner``."""

    year: int
    reporter: str
    partner: str
    flow: str
    hs: str
    value: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "reporter": self.reporter,
            "partner": self.partner,
            "flow": self.flow,
            "hs": self.hs,
            "value": self.value,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Evidence:
        if d["flow"] not in FLOWS:
            raise ValueError(f"evidence flow {d['flow']!r} is not one of {', '.join(FLOWS)}")
        return cls(
            int(d["year"]),
            str(d["reporter"]),
            str(d["partner"]),
            str(d["flow"]),
            str(d["hs"]),
            float(d["value"]),
        )


@dataclass(frozen=True)
class Alert:
    kind: str
    origin: str
    hub: str | None
    destination: str | None
    hs: tuple[str, ...]
    start: int
    end: int
    score: float
    value_usd: float
    explanation: str
    evidence: tuple[Evidence, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"alert kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if self.end < self.start:
            raise ValueError(f"alert ends ({self.end}) before it starts ({self.start})")
        if not self.hs or any(len(h) != 6 or not h.isdigit() for h in self.hs):
            raise ValueError(f"alert hs must be a non-empty list of 6-digit codes, got {list(self.hs)!r}")
        # Canonical order makes equal findings equal values (and equal ids).
        object.__setattr__(self, "hs", tuple(sorted(set(self.hs))))
        object.__setattr__(self, "evidence", tuple(sorted(set(self.evidence))))

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.kind, self.origin, self.hub, self.destination, list(self.hs), self.start, self.end)

    @property
    def id(self) -> str:
        text = json.dumps(self.key, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "origin": self.origin,
            "hub": self.hub,
            "destination": self.destination,
            "hs": list(self.hs),
            "start": self.start,
            "end": self.end,
            "score": self.score,
            "value_usd": self.value_usd,
            "explanation": self.explanation,
            "evidence": [e.to_dict() for e in self.evidence],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Alert:
        alert = cls(
            kind=str(d["kind"]),
            origin=str(d["origin"]),
            hub=d.get("hub"),
            destination=d.get("destination"),
            hs=tuple(str(h) for h in d["hs"]),
            start=int(d["start"]),
            end=int(d["end"]),
            score=float(d["score"]),
            value_usd=float(d["value_usd"]),
            explanation=str(d["explanation"]),
            evidence=tuple(Evidence.from_dict(e) for e in d.get("evidence", ())),
        )
        if "id" in d and d["id"] != alert.id:
            raise ValueError(f"alert id {d['id']!r} does not match its key fields (expected {alert.id})")
        return alert
