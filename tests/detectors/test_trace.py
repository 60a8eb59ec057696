"""``detour trace``: a route traced through the route detectors agrees with the full run and says
where a route that was not flagged stopped, and why."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from detour.cli.detect import app
from detour.detectors.routes import NEAR, ROUTE_KINDS
from detour.detectors.trace import trace_route
from detour.engine import get_engine
from detour.errors import ConfigError
from tests.detectors import scenarios
from tests.detectors.scenarios import step


@pytest.fixture(scope="module")
def rival_store(tmp_path_factory):
    """The transformation world plus a second, clearly weaker origin of the same propellants into
    Serbia the same year (a quarter of Czechia's): one onward surge of ammunition, two candidate
    origins, the weaker's evidence under ``NEAR`` of the stronger's."""
    w = scenarios.transformation_world()
    w.flow("BGR", "SRB", "360200", step(1e5, 1e6))
    return w.ingest(tmp_path_factory.mktemp("rival"))


def test_a_near_rival_origin_is_kept_beside_the_best(tmp_path):
    """Two origins whose propellants into Serbia surged the same year, Bulgaria's 2.5M beside
    Czechia's 4M: their evidence for the one onward surge of ammunition is within ``NEAR`` of each
    other, so the data cannot tell whose propellants were built into it. Both routes are alerts,
    and each explanation names the other origin; with a clearly weaker rival (``rival_store``)
    only the stronger is."""
    w = scenarios.transformation_world()
    w.flow("BGR", "SRB", "360200", step(1e5, 2.5e6))
    store = w.ingest(tmp_path)
    engine = get_engine("duckdb")
    found = {}
    for o in ("BGR", "CZE"):
        t = trace_route(engine, store, o, "SRB", "UKR", kinds=["transformation"])
        assert t.flagged, t.verdicts
        (found[o],) = [a for a in t.alerts if a.kind == "transformation"]
    assert found["CZE"].score > found["BGR"].score
    near = "'s goods into Serbia explain the same onward surge nearly as well"
    assert f"but Bulgaria{near}" in found["CZE"].explanation
    assert f"but Czechia{near}" in found["BGR"].explanation
    assert found["CZE"].explanation.endswith("(a separate alert).")


@pytest.mark.parametrize("world", ["transshipment", "transformation", "mixed"])
def test_trace_agrees_with_the_full_run(world_store, world_alerts, world):
    """Every route alert of a full run is flagged by its trace with the same score, and the trace
    of a hub restricts nothing its evidence depends on."""
    routes = [a for a in world_alerts(world) if a.kind in ROUTE_KINDS]
    assert routes, "the fixture world must hold route alerts"
    engine = get_engine("duckdb")
    for alert in routes:
        t = trace_route(engine, world_store(world), alert.origin, alert.hub, alert.destination)
        assert t.flagged, t.verdicts
        mine = {(a.kind, a.hs, a.score) for a in t.alerts}
        assert (alert.kind, alert.hs, alert.score) in mine
        assert t.verdicts[alert.kind].startswith(f"Flagged as {alert.kind}: score {alert.score:.1f}")
        assert (t.rows[t.rows.kind == alert.kind].stage == "alert").any()


def test_trace_names_the_rival_origin(rival_store):
    engine = get_engine("duckdb")
    loser = trace_route(engine, rival_store, "BGR", "SRB", "UKR")
    winner = trace_route(engine, rival_store, "CZE", "SRB", "UKR")
    assert winner.flagged and not loser.flagged
    row = loser.rows[loser.rows.kind == "transformation"].iloc[0]
    assert row.stage == "one origin"
    assert "Czechia's HS 360200 into Serbia explains the same onward surge" in row.detail
    assert row.detail.endswith(f"(under {NEAR:.0%} of it)")
    assert "nearly as well" not in winner.alerts[0].explanation
    assert "stopped at 'one origin'" in loser.verdicts["transformation"]
    assert loser.candidates["transshipment"] == 0
    assert loser.verdicts["transshipment"].startswith("No transshipment candidate")


def test_trace_of_lookalikes(world_store):
    engine = get_engine("duckdb")
    store = world_store("transshipment")
    # Broad buying: the onward leg rose no faster than Ukraine's imports from everyone else.
    broad = trace_route(engine, store, "BRA", "SRB", "UKR", kinds=["transshipment"])
    assert not broad.flagged
    row = broad.rows.iloc[0]
    assert row.stage != "alert" and row.z_out < 1.0 < row.z_in
    assert "weaker leg: onward" in broad.verdicts["transshipment"]
    # Direct trade went on: scored out by the direct gate, said as such.
    direct = trace_route(engine, store, "ITA", "ARE", "EGY", kinds=["transshipment"])
    assert not direct.flagged and direct.rows.empty
    assert "direct flow went on" in direct.verdicts["transshipment"]


def test_trace_rejects_bad_input(world_store):
    engine = get_engine("duckdb")
    with pytest.raises(ConfigError, match="ISO3"):
        trace_route(engine, world_store("transshipment"), "Serbia", "CZE", "UKR")
    with pytest.raises(ConfigError, match="route detectors only"):
        trace_route(engine, world_store("transshipment"), "SRB", "CZE", "UKR", kinds=["unit_value"])


def test_trace_cli_json_and_table(rival_store):
    runner, obj = CliRunner(), {"store": rival_store.root, "engine": "duckdb"}
    res = runner.invoke(app, ["trace", "bgr", "srb", "ukr", "--format", "json"], obj=obj)
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert (data["origin"], data["hub"], data["destination"], data["flagged"]) == ("BGR", "SRB", "UKR", False)
    assert data["rows"][0]["stage"] == "one origin" and data["rows"][0]["kind"] == "transformation"
    res = runner.invoke(app, ["trace", "CZE", "SRB", "UKR"], obj=obj)
    assert res.exit_code == 0, res.output
    assert "Flagged as transformation" in res.stdout


def test_trace_of_a_route_both_detectors_score(tmp_path):
    """Processors forwarded DEU → ARM → RUS, and radio equipment built from them in ARM for
    RUS: one route that both detectors score. Their rows are one table (pandas once refused to
    concatenate the two detectors' frames, whose year profiles ride on ``attrs``)."""
    w = scenarios.transshipment_world()
    w.flow("ARM", "RUS", "852691", step(0, 9e6))
    store = w.ingest(tmp_path)
    t = trace_route(get_engine("duckdb"), store, "DEU", "ARM", "RUS")
    assert t.candidates["transshipment"] > 0 and t.candidates["transformation"] > 0
    assert set(t.rows.kind) == {"transshipment", "transformation"}
    assert t.flagged and t.rows.attrs == {}
