"""STIX 2.1 export: valid, round-trips through stix2, deterministic, and marking-tight."""

from __future__ import annotations

import json

import pytest
import stix2

from detour.model.grading import AdmiraltyGrade
from detour.model.marking import Marking, get_ladder
from detour.stix import export_bundle, marking_definition
from detour.store.claims import ClaimStore

from .conftest import PASSWORD, make_claim

# Published by OASIS (cti-stix-common-objects, TLP 2.0 extension); typed in, not generated.
TLP2_IDS = {
    "CLEAR": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "GREEN": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "AMBER": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "AMBER+STRICT": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "RED": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
REQUIRED = {
    "report": {"name", "published", "object_refs", "report_types"},
    "relationship": {"relationship_type", "source_ref", "target_ref"},
    "opinion": {"opinion", "object_refs"},
    "note": {"content", "object_refs"},
    "marking-definition": {"created"},
    "identity": {"name", "identity_class"},
    "location": {"country"},
}
COMMON = {"type", "spec_version", "id"}


@pytest.fixture
def setup(tmp_path):
    store = ClaimStore(f"sqlite:///{tmp_path / 'c.sqlite'}")
    admin = store.add_user("root", PASSWORD, "RED", ["admin"])
    green = store.add_user("green", PASSWORD, "GREEN", ["reader"], actor=admin)
    public = make_claim(words="shells", via=("CZE", "BGR"))
    secret = make_claim(words="redword", claimant="Bravo Desk", supplier="BGR", start=300)
    shared_party = make_claim(words="fuzes", claimant="Bravo Desk", start=600)
    store.save_claims(
        admin, [public], "doc1", marking=Marking.of("tlp", "GREEN"), grading=AdmiraltyGrade("D", 2)
    )
    store.save_claims(admin, [secret, shared_party], "doc2", marking=Marking.of("tlp", "RED"))
    store.record_assessment(
        admin, public.id, {"verdict": "not supported", "confidence": 65, "reasons": ["no flows"]}
    )
    store.record_assessment(
        admin, secret.id, {"verdict": "supported", "confidence": 90, "reasons": ["redreason"]}
    )
    return store, admin, green, public, secret


def by_type(bundle) -> dict[str, list]:
    out: dict[str, list] = {}
    for obj in bundle.objects:
        out.setdefault(obj["type"], []).append(obj)
    return out


def test_round_trip_keeps_every_object(setup):
    store, admin, *_ = setup
    bundle = export_bundle(admin, store)
    parsed = stix2.parse(bundle.serialize(), allow_custom=True)
    assert [o.id for o in parsed.objects] == [o.id for o in bundle.objects]
    for before, after in zip(bundle.objects, parsed.objects, strict=True):
        assert json.loads(before.serialize()) == json.loads(after.serialize())


def test_required_properties_and_references_resolve(setup):
    store, admin, *_ = setup
    bundle = json.loads(export_bundle(admin, store).serialize())
    ids = {o["id"] for o in bundle["objects"]}
    assert len(ids) == len(bundle["objects"]), "duplicate ids in bundle"
    for obj in bundle["objects"]:
        assert COMMON | REQUIRED.get(obj["type"], set()) <= obj.keys(), obj["type"]
        assert obj["spec_version"] == "2.1"
        refs = obj.get("object_refs", []) + obj.get("object_marking_refs", [])
        refs += [obj[k] for k in ("source_ref", "target_ref", "created_by_ref") if k in obj]
        assert set(refs) <= ids, f"{obj['id']} refers outside the bundle"
        if "confidence" in obj:
            assert 0 <= obj["confidence"] <= 100


def test_claim_mapping(setup):
    store, admin, green, public, _ = setup
    objs = by_type(export_bundle(admin, store))
    report = next(r for r in objs["report"] if r["x_detour_claim_id"] == public.id)
    assert report["confidence"] == 70 and report["x_detour_admiralty"] == "D2"  # credibility 2 → 70
    assert report["object_marking_refs"] == [TLP2_IDS["GREEN"]]
    assert str(report["published"]).startswith("2025-05-29")
    kinds = {
        (r["relationship_type"], r["source_ref"].split("--")[0], r["target_ref"].split("--")[0])
        for r in objs["relationship"]
        if r["id"] in report["object_refs"]
    }
    assert kinds == {("supplies-to", "location", "location"), ("transits-via", "location", "location")}
    countries = {loc["country"] for loc in objs["location"]}
    assert {"RS", "UA", "CZ", "BG"} <= countries
    opinion = next(o for o in objs["opinion"] if report["id"] in o["object_refs"])
    assert (opinion["opinion"], opinion["confidence"]) == ("disagree", 65)
    note = next(n for n in objs["note"] if report["id"] in n["object_refs"])
    assert json.loads(note["content"])["reasons"] == ["no flows"]
    secret_report = next(
        r for r in objs["report"] if r["x_detour_claim_id"] != public.id and "confidence" not in r
    )
    assert secret_report["x_detour_admiralty"] == "F6"  # cannot be judged: no confidence rather than a guess


def test_export_holds_only_what_the_user_may_read(setup):
    store, admin, green, public, secret = setup
    text = export_bundle(green, store).serialize()
    for word in ("redword", "redreason", "Bravo Desk", "fuzes", secret.id, TLP2_IDS["RED"]):
        assert word not in text
    objs = by_type(stix2.parse(text, allow_custom=True))
    assert [r["x_detour_claim_id"] for r in objs["report"]] == [public.id]
    assert {m.id for m in objs["marking-definition"]} == {TLP2_IDS["GREEN"]}
    full = export_bundle(admin, store).serialize()
    assert "redword" in full and TLP2_IDS["RED"] in full


def test_shared_party_takes_the_least_restrictive_marking(setup):
    store, admin, *_ = setup
    objs = by_type(export_bundle(admin, store))
    serbia = next(loc for loc in objs["location"] if loc["country"] == "RS")  # in GREEN and RED claims
    assert serbia["object_marking_refs"] == [TLP2_IDS["GREEN"]]
    bravo = next(i for i in objs["identity"] if i["name"] == "Bravo Desk")  # only in RED claims
    assert bravo["object_marking_refs"] == [TLP2_IDS["RED"]]


def test_export_is_deterministic(setup):
    store, admin, *_ = setup
    first, second = export_bundle(admin, store), export_bundle(admin, store)
    assert [o.serialize() for o in first.objects] == [o.serialize() for o in second.objects]


def test_tlp_definitions_are_the_published_ones():
    for level in get_ladder("tlp").levels:
        md = json.loads(marking_definition(level).serialize())
        assert md["id"] == TLP2_IDS[level.name] and md["name"] == f"TLP:{level.name}"
        assert md["created"] == "2022-10-01T00:00:00.000Z"
        ext = md["extensions"]["extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"]
        assert ext == {"extension_type": "property-extension", "tlp_2_0": level.name.lower()}


def test_ladder_markings_become_statements(tmp_path):
    store = ClaimStore(f"sqlite:///{tmp_path / 'c.sqlite'}", ladder="classification")
    boss = store.add_user("boss", PASSWORD, "TOP SECRET", ["admin"])
    store.save_claims(boss, [make_claim()], "doc1", marking=Marking.of("classification", "SECRET"))
    [md] = by_type(export_bundle(boss, store))["marking-definition"]
    assert md["definition_type"] == "statement" and md["definition"]["statement"].endswith("SECRET")
    again = marking_definition(get_ladder("classification").level("S"), "Security classification")
    assert again.id == md["id"]
