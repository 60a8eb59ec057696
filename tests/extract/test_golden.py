"""Golden tests for claim extraction: titled input/expected pairs in ``golden/*.yaml``.

Each expected claim lists only the fields worth asserting:

- ``kind``, ``status``, ``claimant``, ``channel``: equal (claimant/channel by name; ``null``
  means none);
- ``supplier``, ``recipient``, ``via``: the set of ISO3 codes, exactly;
- ``hs``: each expected code is a prefix of some extracted code; ``ml``, ``hedges``,
  ``modality``, ``words``: subsets;
- ``period``: ``start``/``end`` equal;
- ``warnings``: each is a substring of some warning; ``[]`` means no warnings.

The number of claims must match, in text order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from detour.extract import extract_claims
from detour.model.claim import Claim

GOLDEN = Path(__file__).parent / "golden"


def _cases() -> list[dict[str, Any]]:
    cases = []
    for path in sorted(GOLDEN.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            case["file"] = path.name
            cases.append(case)
    return cases


CASES = _cases()


def _summary(c: Claim) -> dict[str, Any]:
    return {
        "kind": c.kind,
        "status": c.status,
        **c.countries(),
        "hs": list(c.items.hs),
        "ml": list(c.items.ml),
        "words": list(c.items.words),
        "claimant": c.claimant.name if c.claimant else None,
        "channel": c.channel.name if c.channel else None,
        "hedges": list(c.hedges),
        "modality": list(c.modality),
        "period": {"start": c.period.start, "end": c.period.end},
        "warnings": list(c.warnings),
    }


def _problems(expected: dict[str, Any], claim: Claim) -> list[str]:
    got = _summary(claim)
    out = []
    for key, want in expected.items():
        have = got[key]
        if key in ("supplier", "recipient", "via"):
            ok = set(want or []) == set(have)
        elif key == "hs":
            ok = all(any(h.startswith(str(w)) for h in have) for w in want)
        elif key in ("ml", "hedges", "modality", "words"):
            ok = set(want) <= set(have)
        elif key == "period":
            ok = all(str(want.get(k)) == str(have.get(k)) for k in want)
        elif key == "warnings":
            ok = (not have) if want == [] else all(any(w in h for h in have) for w in want)
        else:
            ok = want == have
        if not ok:
            out.append(f"  {key}: expected {want!r}, got {have!r}")
    return out


def test_there_are_enough_golden_cases() -> None:
    assert len(CASES) >= 40
    titles = [c["title"] for c in CASES]
    assert len(titles) == len(set(titles)), "golden titles must be unique"


@pytest.mark.parametrize("case", CASES, ids=[c["title"] for c in CASES])
def test_golden(case: dict[str, Any]) -> None:
    claims = extract_claims(case["text"], str(case.get("published") or "") or None)
    expected = case.get("expected") or []
    lines = []
    if len(claims) != len(expected):
        lines.append(f"expected {len(expected)} claims, got {len(claims)}")
    for n, (want, claim) in enumerate(zip(expected, claims, strict=False)):
        problems = _problems(want, claim)
        if problems:
            lines.append(f"claim {n}:")
            lines += problems
    if lines:
        got = yaml.safe_dump([_summary(c) for c in claims], sort_keys=False, allow_unicode=True, width=120)
        pytest.fail(f"[{case['file']}] {case['title']}\n" + "\n".join(lines) + "\nextracted:\n" + got)
