"""Admiralty grades, the STIX confidence mapping, estimative bands and reliability from history."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detour.errors import DetourError
from detour.model.grading import (
    CREDIBILITY,
    ESTIMATIVE_BANDS,
    RELIABILITY,
    VERDICTS,
    AdmiraltyGrade,
    confidence_to_credibility,
    credibility_to_confidence,
    estimative_band,
    find_estimative,
    normalise_verdict,
    reliability_from_history,
)

letters = st.sampled_from("ABCDEFabcdef")
digits = st.integers(1, 6)
separators = st.sampled_from(["", " ", "-", " - "])


@given(letters, digits, separators)
def test_parse_accepts_any_case_and_separator(letter, digit, sep):
    grade = AdmiraltyGrade.parse(f" {letter}{sep}{digit} ")
    assert grade.code == f"{letter.upper()}{digit}"
    assert AdmiraltyGrade.from_dict(grade.to_dict()) == grade == AdmiraltyGrade.parse(grade.code)


@given(st.text(max_size=6))
def test_parse_rejects_everything_else(text):
    stripped = "".join(text.split()).replace("-", "")
    valid = len(stripped) == 2 and stripped[0].upper() in RELIABILITY and stripped[1] in "123456"
    if not valid:
        with pytest.raises(DetourError):
            AdmiraltyGrade.parse(text)


@pytest.mark.parametrize(("reliability", "credibility"), [("G", 1), ("A", 0), ("A", 7), ("A", True), ("", 3)])
def test_constructor_validates(reliability, credibility):
    with pytest.raises(DetourError):
        AdmiraltyGrade(reliability, credibility)


def test_stix_confidence_follows_appendix_a():
    expected = {1: 90, 2: 70, 3: 50, 4: 30, 5: 10, 6: None}
    assert {c: credibility_to_confidence(c) for c in CREDIBILITY} == expected
    edges = (0, 19, 20, 39, 40, 59, 60, 79, 80, 100)
    assert [confidence_to_credibility(v) for v in edges] == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert AdmiraltyGrade("A", 6).confidence is None
    assert "usually reliable source, probably true" in AdmiraltyGrade("B", 2).describe()


@given(st.integers(1, 5))
def test_credibility_round_trips_through_confidence(cred):
    assert confidence_to_credibility(credibility_to_confidence(cred)) == cred


@given(st.integers(0, 100), st.integers(0, 100))
def test_higher_confidence_never_means_lower_credibility(a, b):
    lo, hi = sorted((a, b))
    assert confidence_to_credibility(hi) <= confidence_to_credibility(lo)  # 1 is the best digit


@pytest.mark.parametrize("bad", [-1, 101])
def test_confidence_out_of_range(bad):
    with pytest.raises(DetourError):
        confidence_to_credibility(bad)


def test_estimative_bands():
    assert all(0 <= b.low < b.high <= 100 for b in ESTIMATIVE_BANDS)
    assert estimative_band("Almost  certainly").low == 95
    assert estimative_band("likely").scale == "ICD 203" and estimative_band("possibly").scale == "PHIA"
    assert estimative_band("allegedly") is None
    found = find_estimative("It is very unlikely, though possibly true, and likely denied.")
    assert [(p, b.low) for p, b in found] == [("very unlikely", 5), ("possibly", 40), ("likely", 55)]


@given(st.lists(st.sampled_from([p for b in ESTIMATIVE_BANDS for p in b.phrases]), max_size=5))
def test_find_estimative_finds_each_phrase(phrases):
    text = " and ".join(phrases)
    assert [p for p, _ in find_estimative(text)] == phrases


@pytest.mark.parametrize(
    ("raw", "canon"),
    [
        ("Supported", "supported"),
        ("partly supported", "partly"),
        ("NOT_SUPPORTED", "not supported"),
        ("not-testable", "not testable"),
    ],
)
def test_normalise_verdict(raw, canon):
    assert normalise_verdict(raw) == canon


@pytest.mark.parametrize(
    ("history", "letter"),
    [
        ([], "F"),
        (["supported", "supported"], "F"),  # too few to judge
        (["not testable"] * 10, "F"),
        (["supported"] * 9, "B"),  # A needs a history of at least 10
        (["supported"] * 10, "A"),
        (["supported"] * 3 + ["partly"], "B"),
        (["supported", "partly", "not supported"], "C"),
        (["partly", "not supported", "contradicted", "partly"], "D"),
        (["contradicted"] * 3, "E"),
    ],
)
def test_reliability_letters(history, letter):
    assert reliability_from_history(history).letter == letter


ORDER = "ABCDE"


@given(st.lists(st.sampled_from(VERDICTS), min_size=3, max_size=30), st.integers(0, 29))
def test_a_better_verdict_never_lowers_reliability(history, i):
    i %= len(history)
    before = reliability_from_history(history)
    improved = reliability_from_history(history[:i] + ["supported"] + history[i + 1 :])
    if before.letter != "F" and improved.letter != "F":
        assert ORDER.index(improved.letter) <= ORDER.index(before.letter)
    assert improved.testable >= before.testable and improved.assessed == before.assessed


@pytest.mark.parametrize("module", ["detour.model.grading", "detour.model.marking"])
def test_docstring_examples(module):
    import doctest
    import importlib

    assert doctest.testmod(importlib.import_module(module)).failed == 0
