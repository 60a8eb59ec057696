"""The demo sample article, evidence offsets, ids and the modules' doctests."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import detour.extract
from detour.extract import extract_claims, read_article
from detour.model.claim import Claim

SAMPLE = Path(__file__).parents[2] / "detour" / "data" / "samples" / "article_serbia.txt"


@pytest.fixture(scope="module")
def sample_claims() -> list[Claim]:
    return extract_claims(read_article(str(SAMPLE)))


def test_sample_gives_the_motivating_claim(sample_claims: list[Claim]) -> None:
    main = sample_claims[0]
    assert main.kind == "assembly" and main.status == "alleged"
    assert main.countries() == {"supplier": ["SRB", "SRB"], "recipient": ["UKR"], "via": ["CZE", "BGR"]}
    assert main.claimant is not None and main.claimant.name == "SVR"
    assert main.channel is not None and main.channel.name == "Dmitry Peskov"
    assert {"covert", "falsified documents", "assembly abroad"} <= set(main.modality)
    assert main.published == "2025-05-30"  # from the "Published:" header


def test_sample_has_the_halt_and_the_denial(sample_claims: list[Claim]) -> None:
    halt = next(c for c in sample_claims if c.kind == "halt")
    assert (halt.period.start, halt.period.end) == ("2022-09-01", "2022-12-31")
    denial = next(
        c
        for c in sample_claims
        if c.status == "denied" and c.claimant and c.claimant.iso3 == "SRB" and c.kind == "assembly"
    )
    assert denial.countries()["via"] == ["CZE", "BGR"]


def test_evidence_offsets_point_into_the_text(sample_claims: list[Claim]) -> None:
    text = read_article(str(SAMPLE))
    for claim in sample_claims:
        for ev in claim.evidence:
            assert " ".join(text[ev.start : ev.end].split()) == ev.sentence
            assert len(ev.doc_sha256) == 64


def test_ids_are_deterministic_and_round_trip(sample_claims: list[Claim]) -> None:
    again = extract_claims(read_article(str(SAMPLE)))
    assert [c.id for c in again] == [c.id for c in sample_claims]
    assert len({c.id for c in sample_claims}) == len(sample_claims)
    for claim in sample_claims:
        assert Claim.from_dict(claim.to_dict()) == claim


def test_doc_sha256_is_used_when_given() -> None:
    (claim,) = extract_claims("Serbian firms sold shells to Ukraine.", "2024-01-01", doc_sha256="abc")
    assert claim.evidence[0].doc_sha256 == "abc"


def test_no_published_date_leaves_relative_time_unresolved() -> None:
    (claim,) = extract_claims("Serbian firms sold shells to Ukraine last year.")
    assert claim.period.text == "last year" and claim.period.start is None


MODULES = sorted(m.name for m in pkgutil.iter_modules(detour.extract.__path__))


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    module = importlib.import_module(f"detour.extract.{name}")
    result = doctest.testmod(module)
    assert result.failed == 0
