"""NATO Admiralty grading, estimative language, and source reliability from history.

An Admiralty grade pairs *source reliability* (A completely reliable … E unreliable,
F cannot be judged) with *information credibility* (1 confirmed … 5 improbable,
6 cannot be judged). The two are independent: a reliable source can pass on doubtful
information.

STIX ``confidence`` (0–100) is derived from credibility only, using the "Admiralty
Credibility" scale of STIX 2.1 Appendix A: 1→90, 2→70, 3→50, 4→30, 5→10, and 6 has no
value (the property is omitted rather than guessed). Source reliability is about the
claimant, not the claim, so it is exported beside the confidence (``x_detour_admiralty``)
rather than folded into it. Going back, 80–100→1, 60–79→2, 40–59→3, 20–39→4, 0–19→5.

>>> g = AdmiraltyGrade.parse("b2"); g.code, g.confidence
('B2', 70)
>>> confidence_to_credibility(55), estimative_band("Almost certainly").low
(3, 95)
>>> reliability_from_history(["supported"] * 4 + ["contradicted"]).letter
'B'
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from detour.errors import DetourError

RELIABILITY = {
    "A": ("Completely reliable", "No doubt of authenticity or competency; a history of complete reliability"),
    "B": ("Usually reliable", "Minor doubt; a history of valid information most of the time"),
    "C": ("Fairly reliable", "Doubt; has provided valid information in the past"),
    "D": ("Not usually reliable", "Significant doubt; has provided valid information in the past"),
    "E": ("Unreliable", "Lacking authenticity and competency; a history of invalid information"),
    "F": ("Reliability cannot be judged", "No basis exists for evaluating the reliability of the source"),
}
CREDIBILITY = {
    1: ("Confirmed by other sources", "Confirmed independently; logical; consistent with other information"),
    2: ("Probably true", "Not confirmed; logical; consistent with other information"),
    3: ("Possibly true", "Not confirmed; reasonably logical; agrees with some other information"),
    4: ("Doubtful", "Not confirmed; possible but not logical; no other information on the subject"),
    5: ("Improbable", "Not confirmed; not logical; contradicted by other information"),
    6: ("Truth cannot be judged", "No basis exists for evaluating the validity of the information"),
}
_STIX_CONFIDENCE = {1: 90, 2: 70, 3: 50, 4: 30, 5: 10}


def credibility_to_confidence(credibility: int) -> int | None:
    """STIX 2.1 Appendix A value for a credibility digit; ``None`` for 6 (cannot be judged)."""
    if credibility not in CREDIBILITY:
        raise DetourError(f"credibility must be 1–6, got {credibility!r}")
    return _STIX_CONFIDENCE.get(credibility)


def confidence_to_credibility(confidence: int) -> int:
    """The credibility digit whose STIX Appendix A range holds ``confidence`` (0–100)."""
    if not 0 <= confidence <= 100:
        raise DetourError(f"confidence must be 0–100, got {confidence!r}")
    return 5 - min(confidence // 20, 4)


@dataclass(frozen=True)
class AdmiraltyGrade:
    reliability: str = "F"
    credibility: int = 6

    def __post_init__(self) -> None:
        if str(self.reliability).upper() not in RELIABILITY:
            raise DetourError(f"source reliability must be one of A–F, got {self.reliability!r}")
        object.__setattr__(self, "reliability", str(self.reliability).upper())
        if isinstance(self.credibility, bool) or self.credibility not in CREDIBILITY:
            raise DetourError(f"information credibility must be 1–6, got {self.credibility!r}")

    @classmethod
    def parse(cls, code: str) -> AdmiraltyGrade:
        """``"B2"`` (any case, optional space or hyphen) → grade."""
        m = re.fullmatch(r"\s*([A-Fa-f])[\s-]*([1-6])\s*", code or "")
        if not m:
            hint = "write a letter A–F and a digit 1–6, e.g. B2"
            raise DetourError(f"not an Admiralty grade: {code!r}", hint=hint)
        return cls(m.group(1), int(m.group(2)))

    @property
    def code(self) -> str:
        return f"{self.reliability}{self.credibility}"

    @property
    def confidence(self) -> int | None:
        return credibility_to_confidence(self.credibility)

    def describe(self) -> str:
        source, info = RELIABILITY[self.reliability][0], CREDIBILITY[self.credibility][0]
        return f"{self.code}: {source.lower()} source, {info.lower()}"

    def to_dict(self) -> dict[str, Any]:
        return {"reliability": self.reliability, "credibility": self.credibility}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AdmiraltyGrade:
        return cls(d.get("reliability", "F"), int(d.get("credibility", 6)))


@dataclass(frozen=True)
class Band:
    """A probability range (percent) that an estimative phrase stands for."""

    phrases: tuple[str, ...]
    low: int
    high: int
    scale: str  # where the band comes from

    @property
    def midpoint(self) -> int:
        return (self.low + self.high) // 2


# ICD 203 (US, 2015) bands; "possibly"/"realistic possibility" come from the UK PHIA
# yardstick because news hedges use them and ICD 203 has no such term.
ESTIMATIVE_BANDS = (
    Band(("almost no chance", "remote", "remote chance"), 1, 5, "ICD 203"),
    Band(("very unlikely", "highly improbable", "highly unlikely"), 5, 20, "ICD 203"),
    Band(("unlikely", "improbable", "improbably", "probably not"), 20, 45, "ICD 203"),
    Band(("possibly", "possible", "realistic possibility"), 40, 50, "PHIA"),
    Band(("roughly even chance", "roughly even odds", "even chance"), 45, 55, "ICD 203"),
    Band(("likely", "probable", "probably"), 55, 80, "ICD 203"),
    Band(("very likely", "highly probable", "highly likely"), 80, 95, "ICD 203"),
    Band(("almost certain", "almost certainly", "nearly certain", "nearly certainly"), 95, 99, "ICD 203"),
)
_BY_PHRASE = {p: b for b in ESTIMATIVE_BANDS for p in b.phrases}
# Longest phrases first so "very unlikely" is never read as "unlikely" or "likely".
_PHRASES = sorted(map(re.escape, _BY_PHRASE), key=len, reverse=True)
_PHRASE_RE = re.compile(r"\b(" + "|".join(_PHRASES) + r")\b", re.I)


def estimative_band(phrase: str) -> Band | None:
    """The band for one estimative phrase, or ``None`` if it is not one."""
    return _BY_PHRASE.get(" ".join(phrase.lower().split()))


def find_estimative(text: str) -> list[tuple[str, Band]]:
    """Every estimative phrase in ``text``, in order, with its band."""
    return [(m.group(1), _BY_PHRASE[m.group(1).lower()]) for m in _PHRASE_RE.finditer(" ".join(text.split()))]


VERDICTS = ("supported", "partly", "not supported", "contradicted", "not testable")
# How far each verdict speaks for the claimant: "not supported" (the data do not show the
# trade) counts against it less than "contradicted" (the data show the opposite).
VERDICT_SCORES = {"supported": 1.0, "partly": 0.5, "not supported": 0.25, "contradicted": 0.0}
_VERDICT_ALIASES = {"partly supported": "partly", "partial": "partly", "untestable": "not testable"}


def normalise_verdict(verdict: str) -> str:
    key = " ".join(str(verdict).lower().replace("_", " ").replace("-", " ").split())
    key = _VERDICT_ALIASES.get(key, key)
    if key not in VERDICTS:
        raise DetourError(f"unknown verdict {verdict!r}", hint=f"use one of: {', '.join(VERDICTS)}")
    return key


@dataclass(frozen=True)
class ReliabilityEstimate:
    letter: str
    assessed: int  # every verdict, including "not testable"
    testable: int
    score: float | None  # mean verdict score over testable verdicts
    counts: tuple[tuple[str, int], ...]


def reliability_from_history(verdicts: Iterable[str]) -> ReliabilityEstimate:
    """A reliability letter from a claimant's past verdicts.

    Fewer than 3 testable verdicts gives F (cannot be judged). A needs at least 10 and a
    mean score of 0.9, because the Admiralty A means *a history* of complete reliability.
    Otherwise: B ≥ 0.75, C ≥ 0.5, D ≥ 0.25, E below.
    """
    counts = Counter(normalise_verdict(v) for v in verdicts)
    scores = [VERDICT_SCORES[v] for v in counts.elements() if v in VERDICT_SCORES]
    mean = sum(scores) / len(scores) if scores else None
    if mean is None or len(scores) < 3:
        letter = "F"
    elif mean >= 0.9 and len(scores) >= 10:
        letter = "A"
    else:
        letter = "B" if mean >= 0.75 else "C" if mean >= 0.5 else "D" if mean >= 0.25 else "E"
    ordered = tuple((v, counts[v]) for v in VERDICTS if counts[v])
    return ReliabilityEstimate(letter, sum(counts.values()), len(scores), mean, ordered)
