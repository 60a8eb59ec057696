"""The alert JSON contract: exact keys, deterministic ids, lossless round trip."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detour.model.alert import KINDS, Alert, Evidence

KEYS = [
    "id",
    "kind",
    "origin",
    "hub",
    "destination",
    "hs",
    "start",
    "end",
    "score",
    "value_usd",
    "explanation",
    "evidence",
]
EVIDENCE_KEYS = ["year", "reporter", "partner", "flow", "hs", "value"]


def sample(**kw) -> Alert:
    base = dict(
        kind="transshipment",
        origin="DEU",
        hub="ARM",
        destination="RUS",
        hs=("854231", "854232"),
        start=2022,
        end=2024,
        score=81.5,
        value_usd=1.6e7,
        explanation="Germany's exports surged.",
        evidence=(
            Evidence(2022, "DEU", "ARM", "export", "854231", 6e6),
            Evidence(2022, "ARM", "DEU", "import", "854231", 6.3e6),
        ),
    )
    return Alert(**{**base, **kw})


def test_exact_keys_and_types():
    d = json.loads(json.dumps(sample().to_dict()))
    assert list(d) == KEYS
    assert isinstance(d["hs"], list) and all(len(h) == 6 for h in d["hs"])
    assert isinstance(d["start"], int) and isinstance(d["end"], int)
    assert [list(e) for e in d["evidence"]] == [EVIDENCE_KEYS] * 2
    assert len(d["id"]) == 16 and int(d["id"], 16) >= 0


def test_id_hashes_key_fields_only():
    a = sample()
    assert a.id == sample(score=12.0, value_usd=1.0, explanation="other words", evidence=()).id
    assert a.id == sample(hs=("854232", "854231", "854231")).id  # order and duplicates do not matter
    for change in (
        {"kind": "transformation"},
        {"hub": None},
        {"destination": "BLR"},
        {"hs": ("854231",)},
        {"start": 2021},
        {"end": 2023},
        {"origin": "FRA"},
    ):
        assert sample(**change).id != a.id, change


def test_phantom_shape_has_null_hub():
    a = sample(kind="phantom_export", hub=None, destination="KAZ")
    d = a.to_dict()
    assert d["hub"] is None and d["destination"] == "KAZ"


@pytest.mark.parametrize(
    "bad,match",
    [
        ({"kind": "smuggling"}, "kind"),
        ({"hs": ("8542",)}, "6-digit"),
        ({"hs": ()}, "6-digit"),
        ({"start": 2025}, "before it starts"),
    ],
)
def test_invalid_alerts_are_refused(bad, match):
    with pytest.raises(ValueError, match=match):
        sample(**bad)


def test_tampered_id_is_refused():
    d = sample().to_dict()
    d["id"] = "0" * 16
    with pytest.raises(ValueError, match="does not match"):
        Alert.from_dict(d)


def test_unknown_evidence_flow_is_refused():
    d = sample().to_dict()
    d["evidence"][0]["flow"] = "smuggled"
    with pytest.raises(ValueError, match="evidence flow"):
        Alert.from_dict(d)


codes = st.lists(st.from_regex(r"[0-9]{6}", fullmatch=True), min_size=1, max_size=4)
countries = st.sampled_from(["DEU", "ARM", "RUS", "SRB", "UKR", "CZE"])


@given(
    kind=st.sampled_from(KINDS),
    o=countries,
    h=st.one_of(st.none(), countries),
    d=st.one_of(st.none(), countries),
    hs=codes,
    start=st.integers(1990, 2030),
    span=st.integers(0, 5),
    score=st.floats(0, 100),
    value=st.floats(0, 1e12),
)
def test_round_trip(kind, o, h, d, hs, start, span, score, value):
    a = Alert(
        kind,
        o,
        h,
        d,
        tuple(hs),
        start,
        start + span,
        score,
        value,
        "x",
        (Evidence(start, o, d or o, "export", hs[0], value),),
    )
    back = Alert.from_dict(json.loads(json.dumps(a.to_dict())))
    assert back == a and back.id == a.id and back.evidence == a.evidence
