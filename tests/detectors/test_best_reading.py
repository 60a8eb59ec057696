"""Which origin and which break year a transshipment names (``routes.one_reading``,
``TransshipmentDetector`` ranking origins by ``z_own``).

Seed 115 of the simulator (never-seen set 111-120) planted Germany → Uzbekistan → Iran in
capacitors from 2023, both legs running 2023-2024 at matching sizes. South Korea had shipped
Uzbekistan the same capacitors once, in 2022. Two things named South Korea:

- Chosen on the legs' z alone, Germany's best reading broke in 2022 (a zero year in its
  post-period, the onward leg a year later), where its legs no longer keep pace year by year.
  Kept as three readings and chosen on the weighed evidence, the 2023 reading fits.
- South Korea's one-off lump "fitted" the onward leg through the hub's total imports, which in
  2023-2024 were Germany's goods. That hub-wide fit is the same for every origin that surged
  into the hub; origins now compete on their own goods' fit.
"""

from __future__ import annotations

import pandas as pd

import detour.detectors.routes.legs as legs
from detour.detectors import run_detectors
from detour.detectors.routes import one_reading
from detour.engine import get_engine
from tests.detectors.world import World


def _world() -> World:
    w = World(seed=115).background()
    # Uzbekistan and Iran report chapter 85 every year (other goods), so their silences are seen.
    w.flow("CHN", "UZB", "854231", 2e6)
    w.flow("UZB", "CHN", "854239", 1e6)
    w.flow("CHN", "IRN", "854231", 3e6)
    w.flow("DEU", "UZB", "853224", {2023: 1.13e6, 2024: 2.17e6})
    w.flow("UZB", "IRN", "853224", {2023: 1.41e6, 2024: 2.57e6})
    w.flow("KOR", "UZB", "853224", {2022: 1.3e6})
    return w


def _routes(tmp_path, monkeypatch, readings: int = legs.READINGS) -> dict[tuple[str, str, str], float]:
    monkeypatch.setattr(legs, "READINGS", readings)
    store = _world().ingest(tmp_path)
    alerts = run_detectors(get_engine("duckdb"), store, kinds=["transshipment"])
    return {(a.origin, a.hub, a.destination): a.score for a in alerts}


def test_the_origin_whose_own_goods_fit_is_named(tmp_path, monkeypatch):
    found = _routes(tmp_path, monkeypatch)
    assert ("DEU", "UZB", "IRN") in found
    assert ("KOR", "UZB", "IRN") not in found


def test_the_break_year_that_fits_is_the_one_scored(tmp_path, monkeypatch):
    """Read from 2022 only (one reading, chosen on z), Germany's route keeps less evidence."""
    three = _routes(tmp_path / "three", monkeypatch)[("DEU", "UZB", "IRN")]
    one = _routes(tmp_path / "one", monkeypatch, readings=1).get(("DEU", "UZB", "IRN"), 0.0)
    assert three > one + 10


def test_one_reading_keeps_the_best_row_of_each_code_pair_and_its_index():
    df = pd.DataFrame(
        {
            "o": ["DEU", "DEU", "KOR", "DEU"],
            "h": ["UZB"] * 4,
            "d": ["IRN"] * 4,
            "hs_in": ["853224", "853224", "853224", "853221"],
            "hs_out": ["853224", "853224", "853224", "853221"],
            "t1": [2022, 2023, 2022, 2023],
            "z_fit": [2.9, 4.1, 4.0, 1.0],
        },
        index=[10, 11, 12, 13],
    )
    kept = one_reading(df, "z_fit")
    assert kept.index.tolist() == [11, 12, 13]
