"""Hub view: the EBRD-style difference in differences on a world with known answers."""

from __future__ import annotations

import json

import pytest

from detour.analysis.hub import LEGS, hub_view
from detour.engine import get_engine
from tests.detectors.scenarios import step
from tests.detectors.world import World


@pytest.fixture(scope="module")
def roundabout(tmp_path_factory):
    """Coalition → ARM → RUS in chips from 2022, with half the extra exports to ARM never arriving."""
    w = World(seed=21)
    w.flow("DEU", "RUS", "854231", step(10e6, 2e6))  # direct trade falls by 8M a year
    # DEU's exports to ARM rise from 1M to 9M a year and ARM stops recording them: a phantom.
    w.flow("DEU", "ARM", "854231", step(1e6, 9e6), m_years=set(range(2015, 2022)))
    w.flow("FRA", "ARM", "854239", step(0, 4e6))  # recorded by ARM: real extra imports
    w.flow("ARM", "RUS", "854231", step(0.5e6, 4.5e6))  # the hub's onward trade rises by 4M a year
    # Other goods, the control: steady on every leg.
    for e, i in (("DEU", "ARM"), ("ARM", "RUS"), ("DEU", "RUS"), ("FRA", "ARM")):
        w.flow(e, i, "940360", 5e6)
    store = w.ingest(tmp_path_factory.mktemp("hub"))
    return store


def test_substitution_and_phantom_share(roundabout):
    v = hub_view(get_engine("duckdb"), roundabout, "arm", "rus")
    assert v.hub == "ARM" and v.destination == "RUS" and "DEU" in v.origins and "RUS" not in v.origins
    assert v.pre_years == tuple(range(2015, 2022)) and v.post_years == (2022, 2023, 2024)
    # Extra ARM → RUS 4M a year against a direct fall of 8M a year.
    assert v.substitution_ratio == pytest.approx(0.5, abs=0.03)
    # Additional exports to ARM: DEU +8M and FRA +4M a year; the unrecorded part rises from ~0
    # to DEU's 9M a year: 9 / 12.
    assert v.phantom_share == pytest.approx(0.75, abs=0.03)
    rows = {(r["leg"], r["goods"]): r for r in v.rows}
    assert set(rows) == {(leg, g) for leg in LEGS for g in ("watched", "other")}
    assert rows["origins→hub", "other"]["log_change"] == pytest.approx(0, abs=0.05)
    assert v.did["hub→destination"] == pytest.approx(2.197, abs=0.1)  # ln(4.5 / 0.5) minus ~0
    assert v.did["origins→destination"] < -1


def test_to_dict_is_json(roundabout):
    d = json.loads(
        json.dumps(hub_view(get_engine("duckdb"), roundabout, "ARM", "RUS", origins=["DEU"]).to_dict())
    )
    assert d["origins"] == ["DEU"] and d["substitution_ratio"] == pytest.approx(0.5, abs=0.03)
    assert {"rows", "did", "phantom_share", "figures", "break_year", "watchlist"} <= set(d)


def test_a_hub_that_did_not_substitute(roundabout):
    v = hub_view(get_engine("duckdb"), roundabout, "KAZ", "RUS", break_year=2022)
    assert v.substitution_ratio == 0.0  # direct trade fell, nothing went through KAZ
    assert v.phantom_share is None  # no additional exports to KAZ to take a share of
