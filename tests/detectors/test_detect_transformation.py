"""Transformation: components in, products out; look-alikes stay quiet."""

from __future__ import annotations

import pytest

from tests.detectors.scenarios import LOOKALIKES


def _kind(alerts):
    return [a for a in alerts if a.kind == "transformation"]


def test_planted_components_to_products(world_alerts):
    alerts = _kind(world_alerts("transformation"))
    a = alerts[0]
    assert (a.origin, a.hub, a.destination) == ("CZE", "SRB", "UKR")
    assert a.hs == ("360200", "930690")  # the propellant and the ammunition made from it
    # SRB also exports ammunition to many others, so its totals barely move: the soft AND with
    # the hub's totals, too large to show the route, keeps 60% of the legs' evidence (BLIND_FLOOR),
    # and the score sits mid-scale.
    assert a.start == 2022 and a.end == 2024 and a.score >= 35
    assert "components" in a.explanation and "never existed" in a.explanation
    # ... and the sentence tells the analyst that Serbia's totals cannot corroborate it.
    assert a.explanation.endswith("so the finding rests on the two flows alone.")
    assert {(e.reporter, e.hs) for e in a.evidence} >= {
        ("CZE", "360200"),
        ("SRB", "930690"),
        ("UKR", "930690"),
    }


@pytest.mark.parametrize("name", list(LOOKALIKES["transformation"]))
def test_lookalike_stays_quiet(world_alerts, name):
    o, h, hs = LOOKALIKES["transformation"][name]
    hits = [a for a in _kind(world_alerts("transformation")) if a.origin == o and a.hub == h and hs in a.hs]
    assert hits == [], f"{name}: {[a.to_dict() for a in hits]}"


def test_transshipment_does_not_claim_a_transformation(world_alerts):
    assert not [a for a in world_alerts("transformation") if a.kind == "transshipment" and a.hub == "SRB"]


def test_rules_follow_the_watchlist():
    from detour.detectors.transformation import active_rules
    from detour.detectors.watchlist import Watchlist, load_watchlist

    assert [r.name for r in active_rules(load_watchlist("arms"))] == [
        "propellants_to_ammunition",
        "weapon_parts_to_weapons",
        "electronics_to_equipment",
        "aircraft_parts_to_aircraft",
    ]
    assert [r.name for r in active_rules(Watchlist("x", "x", ("9306",)))] == ["propellants_to_ammunition"]
    assert active_rules(Watchlist("x", "x", ("0101",))) == ()
