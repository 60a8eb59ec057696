"""Watch-lists and reference files: the facts they must hold, and prefix matching."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

from detour.detectors.reference import group, hub_prior, transformation_rules
from detour.detectors.watchlist import load_watchlist, load_watchlists
from detour.errors import ConfigError

TOP_NINE = ["854231", "854232", "854233", "854239", "851762", "852691", "853221", "853224", "854800"]
FAMILIES = [
    "8471",
    "8482",
    "8507",
    "8517",
    "8525",
    "8526",
    "8529",
    "8532",
    "8536",
    "8541",
    "8542",
    "8548",
    "9013",
    "9014",
]


def test_chpl_has_fifty_codes_and_the_top_nine():
    chpl = load_watchlist("chpl")
    assert len(chpl.codes) == 50 and all(len(c) == 6 for c in chpl.codes)
    assert set(TOP_NINE) <= set(chpl.codes)


def test_default_covers_arms_chpl_and_families():
    wl = load_watchlist("default")
    for hs in [
        "930690",
        "360100",
        "360490",
        "871000",
        "880240",
        "880390",
        "880610",
        "880730",
        "890610",
        *[c + "00" for c in FAMILIES],
        *TOP_NINE,
        "845811",
        "903082",
    ]:
        assert wl.matches(hs), hs
    for hs in ["940360", "870899", "360500", "880100", "850110"]:
        assert not wl.matches(hs), hs
    assert "85" in wl.chapters and "93" in wl.chapters


def test_arms_list():
    arms = load_watchlist("arms")
    assert arms.codes == (
        "3601",
        "3602",
        "3603",
        "3604",
        "8710",
        "8802",
        "8803",
        "8806",
        "8807",
        "8906",
        "93",
    )


def test_union_and_all():
    both = load_watchlists(["arms", "chpl"])
    assert both.matches("930100") and both.matches("854231") and not both.matches("851712")
    assert load_watchlist("all").matches("010121")


def test_predicate_matches_in_the_engine():
    wl = load_watchlist("arms")
    t = ibis.memtable(pd.DataFrame({"hs": ["930690", "360200", "871000", "870899", "880730", "010121"]}))
    got = t.filter(wl.predicate(t.hs)).execute().hs.tolist()
    assert got == [h for h in t.execute().hs if wl.matches(h)] == ["930690", "360200", "871000", "880730"]


def test_yaml_file_with_include(tmp_path):
    p = tmp_path / "mine.yaml"
    p.write_text('name: mine\ninclude: [arms]\ncodes:\n  - {code: "8542.31", label: CPUs}\n  - "9013"\n')
    wl = load_watchlist(str(p))
    assert wl.matches("854231") and wl.matches("930100") and wl.labels["854231"] == "CPUs"


@pytest.mark.parametrize(
    "text,match",
    [
        ("name: x\ncodes: ['123']\n", "2, 4 or 6 digits"),
        ("codes: ['93']\n", "needs a 'name'"),
        ("name: x\ncodes: []\n", "no codes"),
        ("name: x\ninclude: [nope]\ncodes: ['93']\n", "unknown watch-list"),
    ],
)
def test_bad_yaml_says_what_is_wrong(tmp_path, text, match):
    p = tmp_path / "bad.yaml"
    p.write_text(text)
    with pytest.raises(ConfigError, match=match):
        load_watchlist(str(p))


def test_unknown_name():
    with pytest.raises(ConfigError, match="unknown watch-list"):
        load_watchlist("weapons")


def test_hubs_and_coalition():
    assert set(hub_prior()) == {
        "ARM",
        "BRA",
        "GEO",
        "IND",
        "ISR",
        "KAZ",
        "KGZ",
        "MEX",
        "NIC",
        "SRB",
        "ZAF",
        "TWN",
        "TJK",
        "ARE",
        "UZB",
    }
    coalition = group("coalition")
    assert len(coalition) == 33 and {"DEU", "GBR", "USA", "CAN", "JPN", "NOR", "CHE"} <= set(coalition)
    assert "RUS" not in coalition


def test_transformation_map():
    rules = {r.name: r for r in transformation_rules()}
    assert rules["propellants_to_ammunition"].products == ("9306",)
    assert rules["weapon_parts_to_weapons"].products == ("9301", "9302", "9303", "9304")
    assert set(rules["electronics_to_equipment"].components) == {"8541", "8542", "8532"}
    assert set(rules["aircraft_parts_to_aircraft"].products) == {"8802", "8806"}
