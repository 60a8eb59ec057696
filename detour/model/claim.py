"""Claims: allegations about transfers of goods, as immutable values with deterministic ids.

A claim is what someone asserts, never a fact. ``Claim.id`` is a hash of the document hash,
the evidence span and the claim's key fields, so re-extracting the same text gives the same ids.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class Party:
    """A country (``iso3``) or an organisation (``name``, with its country where known)."""

    name: str
    iso3: str | None = None
    kind: str = "country"  # country | company | agency | ministry | person | outlet

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Party:
        return cls(name=d["name"], iso3=d.get("iso3"), kind=d.get("kind", "country"))


@dataclass(frozen=True)
class Items:
    words: tuple[str, ...] = ()
    hs: tuple[str, ...] = ()
    ml: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Items:
        return cls(tuple(d.get("words", ())), tuple(d.get("hs", ())), tuple(d.get("ml", ())))


@dataclass(frozen=True)
class Period:
    start: str | None = None  # ISO date YYYY-MM-DD
    end: str | None = None
    text: str | None = None  # the words it was resolved from

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> Period:
        d = d or {}
        return cls(d.get("start"), d.get("end"), d.get("text"))


@dataclass(frozen=True)
class Evidence:
    sentence: str
    start: int
    end: int
    doc_sha256: str = ""

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Evidence:
        return cls(d["sentence"], int(d["start"]), int(d["end"]), d.get("doc_sha256", ""))


STATUSES = ("alleged", "reported", "confirmed", "denied")


@dataclass(frozen=True)
class Claim:
    kind: str  # supply | transshipment | assembly | denial-of-supply ...
    supplier: tuple[Party, ...] = ()
    recipient: tuple[Party, ...] = ()
    via: tuple[Party, ...] = ()
    items: Items = field(default_factory=Items)
    period: Period = field(default_factory=Period)
    modality: tuple[str, ...] = ()
    claimant: Party | None = None
    channel: Party | None = None
    status: str = "alleged"
    hedges: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    warnings: tuple[str, ...] = ()
    published: str | None = None

    @property
    def id(self) -> str:
        key = {
            "kind": self.kind,
            "supplier": [asdict(p) for p in self.supplier],
            "recipient": [asdict(p) for p in self.recipient],
            "via": [asdict(p) for p in self.via],
            "items": asdict(self.items),
            "evidence": [(e.doc_sha256, e.start, e.end) for e in self.evidence],
        }
        digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()
        return "claim-" + digest[:16]

    def countries(self) -> dict[str, list[str]]:
        """ISO3 codes per role, ignoring parties whose country is unknown."""
        return {
            role: [p.iso3 for p in getattr(self, role) if p.iso3]
            for role in ("supplier", "recipient", "via")
        }

    def to_dict(self) -> dict[str, Any]:
        d = {"id": self.id}
        for f in fields(self):
            d[f.name] = _plain(getattr(self, f.name))
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Claim:
        def parties(key: str) -> tuple[Party, ...]:
            return tuple(Party.from_dict(p) for p in d.get(key) or ())

        return cls(
            kind=d["kind"],
            supplier=parties("supplier"),
            recipient=parties("recipient"),
            via=parties("via"),
            items=Items.from_dict(d.get("items") or {}),
            period=Period.from_dict(d.get("period")),
            modality=tuple(d.get("modality") or ()),
            claimant=Party.from_dict(d["claimant"]) if d.get("claimant") else None,
            channel=Party.from_dict(d["channel"]) if d.get("channel") else None,
            status=d.get("status", "alleged"),
            hedges=tuple(d.get("hedges") or ()),
            evidence=tuple(Evidence.from_dict(e) for e in d.get("evidence") or ()),
            warnings=tuple(d.get("warnings") or ()),
            published=d.get("published"),
        )


def _plain(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return {k: _plain(v) for k, v in asdict(value).items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value
