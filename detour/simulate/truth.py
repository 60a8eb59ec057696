"""What was planted: the answer key written beside the simulated files as ``truth.json``.

Layout (keys beyond these are informative extras)::

    {"seed": 7,
     "scenarios": [{"id": "S01", "kind": "transshipment", "origin": "DEU", "hub": "ARM",
                    "destination": "RUS", "hs": ["854231"], "start": 2022, "end": 2024,
                    "value_usd": 41000000.0, "note": "..."}],
     "decoys": [{"id": "D01", "kind": "decoy:procurement_surge", "countries": ["POL", "KOR"],
                 "hs": ["930690"], "start": 2022, "end": 2023, "note": "..."}],
     "non_reporters": [["TJK", 2019]],
     "suppressed": [["CHE", "93"]]}

Scenario kinds are exactly the detector kinds. For ``phantom_export`` and ``undeclared_export``
the hub is null and ``destination`` is the declared partner (the hub the goods were declared
to, for phantoms). ``value_usd`` is the FOB value moved by the scenario over all its years.
A decoy's empty ``hs`` list means "every product" (a non-reporter declares nothing at all).

>>> s = Scenario("S01", "unit_value", "ARM", None, "RUS", ["854231"], 2022, 2024, 1.5e6)
>>> Scenario.from_dict(s.to_dict()) == s
True
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

KINDS = ("transshipment", "transformation", "phantom_export", "undeclared_export", "unit_value")
DECOY_KINDS = (
    "decoy:procurement_surge", "decoy:broad_buying", "decoy:cif_fob", "decoy:chapter_suppression",
    "decoy:non_reporter",
)


@dataclass(frozen=True)
class Scenario:
    id: str
    kind: str
    origin: str
    hub: str | None
    destination: str | None
    hs: list[str]
    start: int
    end: int
    value_usd: float
    note: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown scenario kind {self.kind!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Scenario:
        return cls(str(d["id"]), str(d["kind"]), str(d["origin"]), d.get("hub"), d.get("destination"),
                   [str(h) for h in d["hs"]], int(d["start"]), int(d["end"]), float(d["value_usd"]),
                   str(d.get("note", "")))


@dataclass(frozen=True)
class Decoy:
    id: str
    kind: str
    countries: list[str]
    hs: list[str]
    start: int
    end: int
    note: str = ""

    def __post_init__(self) -> None:
        if self.kind not in DECOY_KINDS:
            raise ValueError(f"unknown decoy kind {self.kind!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Decoy:
        return cls(str(d["id"]), str(d["kind"]), [str(c) for c in d["countries"]], [str(h) for h in d["hs"]],
                   int(d["start"]), int(d["end"]), str(d.get("note", "")))


@dataclass
class Truth:
    seed: int
    scenarios: list[Scenario] = field(default_factory=list)
    decoys: list[Decoy] = field(default_factory=list)
    non_reporters: list[tuple[str, int]] = field(default_factory=list)
    suppressed: list[tuple[str, str]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "scenarios": [s.to_dict() for s in self.scenarios],
            "decoys": [d.to_dict() for d in self.decoys],
            "non_reporters": [list(x) for x in self.non_reporters],
            "suppressed": [list(x) for x in self.suppressed],
            **self.extra,
        }

    def write(self, path: Path) -> Path:
        path.write_text(json.dumps(self.to_dict(), indent=1, sort_keys=False) + "\n", encoding="utf-8")
        return path

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Truth:
        known = {"seed", "scenarios", "decoys", "non_reporters", "suppressed"}
        return cls(
            seed=int(d["seed"]),
            scenarios=[Scenario.from_dict(s) for s in d.get("scenarios", [])],
            decoys=[Decoy.from_dict(x) for x in d.get("decoys", [])],
            non_reporters=[(str(c), int(y)) for c, y in d.get("non_reporters", [])],
            suppressed=[(str(c), str(ch)) for c, ch in d.get("suppressed", [])],
            extra={k: v for k, v in d.items() if k not in known},
        )

    @classmethod
    def read(cls, path: Path) -> Truth:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
