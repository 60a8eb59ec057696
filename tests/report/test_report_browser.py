"""The HTML report in a real headless Chromium: charts render offline, no script errors."""

from __future__ import annotations

import shutil

import pytest

from detour import claims_service as cs
from detour import service
from detour.ingest import ingest_paths
from detour.service import Context
from tests.check.test_check import panel_rows
from tests.claims.test_claims_flow import ARTICLE
from tests.comtrade_fixture import write

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.browser


@pytest.fixture
def report(tmp_path, monkeypatch):
    monkeypatch.setenv("DETOUR_USER", "analyst")
    ingest_paths(tmp_path / "store", [write(tmp_path / "p.csv", panel_rows())], "comtrade", progress=False)
    ctx = Context.create(tmp_path / "store", "duckdb")
    results = cs.check_article(ctx, str(ARTICLE))["results"]
    return service.report(ctx, tmp_path / "r.html", with_alerts=False, claim_results=results)


@pytest.mark.skipif(not CHROMIUM, reason="headless Chromium is not installed (Debian package chromium)")
def test_report_renders_charts_without_network(report):
    import re

    from playwright.sync_api import sync_playwright

    assert not re.search(r"<script[^>]+src=", report.read_text())  # plotly.js is inline, no CDN
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.route("**/*", lambda route: route.abort() if not route.request.url.startswith("file:") else
                   route.continue_())
        page.goto(report.as_uri())
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=20_000)
        plots = page.locator(".js-plotly-plot").count()
        bars = page.locator(".js-plotly-plot .bars path").count()
        verdicts = page.locator(".verdict").all_inner_texts()
        browser.close()
    assert errors == []
    assert plots >= 3 and bars > 10
    assert any("supported" in v or "contradicted" in v for v in verdicts)
