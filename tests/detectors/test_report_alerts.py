"""Alert sections of the HTML report: a Sankey, the legs' series and the evidence per alert."""

from __future__ import annotations

import json
import re

from detour.engine import get_engine
from detour.report.alerts import render_alert_sections


def test_sections_per_alert(world_store, world_alerts):
    alerts = world_alerts("mixed")
    html = render_alert_sections(alerts, get_engine("duckdb"), world_store("mixed"))
    assert html.count("<section class='alert'") == len(alerts)
    for a in alerts:
        assert f"id='alert-{a.id}'" in html
    assert html.count('"type":"sankey"') == len(alerts)
    assert html.count('"type":"scatter"') >= 2 * len(alerts)  # exporter- and importer-declared lines
    assert "<script src=" not in html and "plotly.js v" not in html  # plotly.js comes from the page
    assert "Evidence:" in html and "<table class='evidence'>" in html


def test_transshipment_sankey_has_the_route(world_store, world_alerts):
    a = next(a for a in world_alerts("mixed") if a.kind == "transshipment")
    html = render_alert_sections([a], get_engine("duckdb"), world_store("mixed"))
    sankey = json.loads(re.search(r'\[\{"link".*?"type":"sankey"\}\]', html).group(0))[0]
    assert set(sankey["node"]["label"]) == {"Germany", "Armenia", "Russian Federation"}
    assert len(sankey["link"]["value"]) >= 2 and min(sankey["link"]["value"]) > 0


def test_no_alerts_says_so(world_store):
    assert "No alerts" in render_alert_sections([], get_engine("duckdb"), world_store("mixed"))


def test_explanations_are_escaped(world_store, world_alerts):
    from dataclasses import replace

    a = replace(world_alerts("mixed")[0], explanation="<script>alert(1)</script>")
    html = render_alert_sections([a], get_engine("duckdb"), world_store("mixed"))
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


def test_unit_value_alert_shows_the_declared_prices(world_store, world_alerts):
    a = next(a for a in world_alerts("mixed") if a.kind == "unit_value")
    html = render_alert_sections([a], get_engine("duckdb"), world_store("mixed"))
    # Plotly's JSON writes "/" as "\u002f": the price traces sit on the second y axis.
    assert "USD\\u002fkg" in html and '"yaxis":"y2"' in html
    b = next(a for a in world_alerts("mixed") if a.kind == "transshipment")
    assert '"yaxis":"y2"' not in render_alert_sections([b], get_engine("duckdb"), world_store("mixed"))
