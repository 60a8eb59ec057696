"""Marking ladders from data files, levels, and separate read/write markings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detour.errors import ConfigError
from detour.model.marking import LADDERS, Marking, get_ladder, load_ladder

TLP = get_ladder("tlp")


def test_bundled_ladders_are_ordered():
    assert TLP.names() == ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")
    classification = ("UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET", "TOP SECRET")
    assert get_ladder("classification").names() == classification
    assert all(get_ladder(n).levels for n in LADDERS)
    ranks = [TLP.level(name) for name in ("clear", "green", "amber", "amber+strict", "red")]
    assert ranks == sorted(ranks) and len(set(ranks)) == 5


def test_aliases_and_unknown_levels():
    assert TLP.level("TLP:WHITE").name == "CLEAR" and TLP.level("amber_strict").name == "AMBER+STRICT"
    assert get_ladder("classification").level("top  secret").name == "TOP SECRET"
    with pytest.raises(ConfigError, match="unknown tlp marking") as err:
        TLP.level("PURPLE")
    assert "CLEAR, GREEN" in err.value.hint


def test_levels_of_different_ladders_do_not_compare():
    with pytest.raises(TypeError):
        assert TLP.level("RED") > get_ladder("classification").level("SECRET")


levels = st.sampled_from(TLP.names())


@given(levels, levels)
def test_markings_round_trip_and_keep_write_at_or_above_read(read, write):
    if TLP.level(write) < TLP.level(read):
        with pytest.raises(ConfigError, match="below read marking"):
            Marking.of("tlp", read, write)
    else:
        m = Marking.of("tlp", read, write)
        assert Marking.from_dict(m.to_dict()) == m and m.read.name == read and m.write.name == write


def test_write_defaults_to_read():
    assert Marking.of("tlp", "amber").write.name == "AMBER"


def test_site_ladder_from_a_file(tmp_path):
    path = tmp_path / "nato.yaml"
    path.write_text(
        "name: nato\nlevels:\n  - name: NATO UNCLASSIFIED\n    aliases: [NU]\n  - name: NATO SECRET\n"
    )
    ladder = load_ladder(path)
    assert ladder.level("nu") < ladder.level("nato secret")
    assert Marking.from_dict({"ladder": "nato", "read": "NU"}).read.name == "NATO UNCLASSIFIED"
    assert get_ladder(str(path)).names() == ladder.names()


@pytest.mark.parametrize(
    "text",
    [
        "levels: [{name: A}]",  # no name
        "name: x\nlevels: []",
        "name: x\nlevels:\n  - name: A\n  - name: a\n",  # duplicate
        "name: x\nkind: tlp\nlevels:\n  - name: A\n",  # tlp without stix ids
        "name: tlp\nlevels:\n  - name: A\n",  # shadows a bundled ladder
    ],
)
def test_bad_ladder_files(tmp_path, text):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError):
        load_ladder(path)


def test_unknown_ladder_names():
    with pytest.raises(ConfigError, match="unknown marking ladder"):
        get_ladder("rainbow")
    with pytest.raises(ConfigError, match="cannot read"):
        load_ladder("/nonexistent/ladder.yaml")
