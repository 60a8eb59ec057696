"""Fixture worlds per detector: one planted pattern (or two) beside each innocent look-alike.

Every world starts from a stable background so the detectors face ordinary noisy trade, then
overrides the flows a scenario needs (an explicit flow replaces the background one).
``LOOKALIKES[kind]`` names each look-alike with the (origin, partner, hs) it must not alert on.
"""

from __future__ import annotations

from tests.detectors.world import YEARS, World


def step(before: float, after: float, cut: int = 2022) -> dict[int, float]:
    return {y: (before if y < cut else after) for y in YEARS}


def transshipment_world(seed: int = 11) -> World:
    w = World(seed=seed).background()
    # Planted: DEU → ARM → RUS in processors, same year; direct DEU → RUS stops.
    w.flow("DEU", "RUS", "854231", step(8e6, 0))
    w.flow("DEU", "ARM", "854231", step(2e5, 6e6))
    w.flow("ARM", "RUS", "854231", step(0, 5.5e6))
    # Planted: KOR → KAZ → RUS in capacitors, the onward leg a year later; direct never existed.
    # Large enough to move KAZ's total trade in capacitors (a hub's signature).
    w.flow("KOR", "RUS", "853224", 0)
    w.flow("KOR", "KAZ", "853224", step(0, 3e7))
    w.flow("KAZ", "RUS", "853224", step(0, 2.8e7, 2023))
    # Look-alike: KAZ's own procurement surge of ammunition; nothing goes on to RUS.
    w.flow("FRA", "KAZ", "930690", step(3e5, 9e6))
    w.flow("FRA", "RUS", "930690", step(4e6, 0))
    w.flow("KAZ", "RUS", "930690", 1e6)
    # Look-alike: UKR buys 4x more cartridges from every supplier, SRB among them.
    for o in ("POL", "CZE", "USA", "TUR", "SRB", "KOR", "FRA"):
        w.flow(o, "UKR", "930630", step(2e6, 8e6))
    w.flow("BRA", "SRB", "930630", step(1e5, 4e6))
    w.flow("BRA", "UKR", "930630", 0)
    # Look-alike: direct trade continues beside the "route".
    w.flow("ITA", "ARE", "852691", step(2e5, 5e6))
    w.flow("ARE", "EGY", "852691", step(0, 4e6))
    w.flow("ITA", "EGY", "852691", 5e6)
    # Look-alike: an old, stable re-export business.
    w.flow("JPN", "ARE", "880730", 6e6)
    w.flow("ARE", "IND", "880730", 5e6)
    w.flow("JPN", "IND", "880730", 0)
    return w


def transformation_world(seed: int = 12) -> World:
    w = World(seed=seed).background()
    # Planted: propellants CZE → SRB, ammunition SRB → UKR a year later; no direct CZE → UKR ammunition.
    w.flow("CZE", "SRB", "360200", step(1e5, 4e6))
    w.flow("SRB", "UKR", "930690", step(0, 7e6, 2023))
    w.flow("CZE", "UKR", "930690", 0)
    # Look-alike: POL imports chips for its own industry; no product leg.
    w.flow("DEU", "POL", "854231", step(5e5, 9e6))
    # Look-alike: RUS buys 3x more radio-navigation gear from everyone, KAZ included.
    w.flow("TUR", "KAZ", "854239", step(2e5, 5e6))
    for o in ("KAZ", "CHN", "IND", "ARE", "VNM", "BRA"):
        w.flow(o, "RUS", "852691", step(3e6, 9e6))
    w.flow("TUR", "RUS", "852691", 0)
    # Look-alike: KOR keeps selling drones directly to EGY beside the parts route via ARE.
    w.flow("KOR", "ARE", "880730", step(2e5, 6e6))
    w.flow("ARE", "EGY", "880610", step(0, 5e6))
    w.flow("KOR", "EGY", "880610", 6e6)
    return w


def gap_world(seed: int = 13) -> World:
    """Phantom and undeclared exports with their look-alikes."""
    w = World(seed=seed).background()
    pre = set(range(2015, 2022))
    # Planted phantom: POL declares chips to KAZ from 2022 that KAZ never records.
    w.flow("POL", "KAZ", "854239", step(1e6, 9e6), m_years=pre)
    # Planted undeclared: UKR records cartridges from TUR from 2023; TUR declares nothing.
    w.flow("TUR", "UKR", "930630", step(0, 3e6, 2023), x_years=set())
    # Planted undeclared: BGR-style stop of declarations while deliveries go on (SRB → CZE ammunition).
    w.flow("SRB", "CZE", "930690", step(2e6, 6e6), x_years=pre)
    # Look-alike: a pair whose importer always records 40% less (no break) ...
    w.flow("FRA", "EGY", "852691", 8e6, margin=-0.5)
    # ... and a far pair with a large CIF margin.
    w.flow("USA", "BRA", "880730", 1.2e7, margin=0.2)
    # Look-alike: IND hides chapter 93 imports from 2020 on, from everyone.
    w.flow("ITA", "IND", "930690", step(1e6, 5e6, 2020))
    for y in range(2020, 2025):
        w.silence("IND", y, "M", "93")
    # Look-alike: VNM reports nothing at all in 2023-2024.
    w.flow("JPN", "VNM", "854231", step(2e6, 6e6))
    w.flow("VNM", "JPN", "854231", step(1e6, 5e6))
    for y in (2023, 2024):
        w.silence("VNM", y, "M")
        w.silence("VNM", y, "X")
    # Look-alike: USA hides chapter 93 exports in every year; UKR records its imports.
    w.flow("USA", "UKR", "930690", step(1e6, 9e6))
    for y in YEARS:
        w.silence("USA", y, "X", "93")
    # Look-alike: a one-year hole in TUR's import records (not persistent).
    w.flow("CHN", "TUR", "853224", 5e6, m_years=set(YEARS) - {2023})
    # Look-alikes: new flows from 2019 that one side records only from their third year, then
    # both sides go on recording the same flow (registered late, not goods gone elsewhere).
    late = {y: (1e6 if y >= 2019 else 0.0) for y in YEARS}
    w.flow("DEU", "KOR", "852691", late, m_years=set(range(2021, 2025)))
    w.flow("ITA", "EGY", "854231", late, x_years=set(range(2021, 2025)))
    return w


def unit_value_world(seed: int = 14) -> World:
    w = World(seed=seed).background()
    # Planted: CHN → RUS drone parts at 3.6x the price from 2022 (sanctions premium).
    f = w.flow("CHN", "RUS", "880730", 5e6)
    f.uv = step(250.0, 900.0)
    # Look-alike: the chip shortage lifts the price of 854231 on every corridor from 2021.
    for (_, _, hs), flow in w.flows.items():
        if hs == "854231":
            flow.uv = step(900.0, 2200.0, 2021)
    # Look-alike: a corridor that always traded dearer capacitors.
    g = w.flow("KOR", "JPN", "853224", 4e6)
    g.uv = dict.fromkeys(YEARS, 450.0)
    # Look-alike: a tiny flow whose price jumps.
    h = w.flow("EGY", "BRA", "852691", 3e4)
    h.uv = step(300.0, 1500.0)
    return w


LOOKALIKES = {
    "transshipment": {
        "procurement surge": ("FRA", "KAZ", "930690"),
        "broad buying": ("BRA", "SRB", "930630"),
        "direct trade continues": ("ITA", "ARE", "852691"),
        "stable re-exports": ("JPN", "ARE", "880730"),
    },
    "transformation": {
        "procurement of components": ("DEU", "POL", "854231"),
        "broad buying of products": ("TUR", "KAZ", "854239"),
        "direct product trade continues": ("KOR", "ARE", "880730"),
    },
    "phantom_export": {
        "constant mirror gap": ("FRA", "EGY", "852691"),
        "large CIF/FOB margin": ("USA", "BRA", "880730"),
        "importer hides the chapter": ("ITA", "IND", "930690"),
        "importer did not report": ("JPN", "VNM", "854231"),
        "one-year hole": ("CHN", "TUR", "853224"),
        "a new flow the importer recorded late": ("DEU", "KOR", "852691"),
    },
    "undeclared_export": {
        "constant mirror gap": ("FRA", "EGY", "852691"),
        "large CIF/FOB margin": ("USA", "BRA", "880730"),
        "exporter hides the chapter": ("USA", "UKR", "930690"),
        "exporter did not report": ("VNM", "JPN", "854231"),
        "importer's one-year hole": ("CHN", "TUR", "853224"),
        "a new flow the exporter declared late": ("ITA", "EGY", "854231"),
    },
    "unit_value": {
        "world price rise": ("*", "*", "854231"),
        "always dearer corridor": ("KOR", "JPN", "853224"),
        "tiny flow": ("EGY", "BRA", "852691"),
    },
}


def mixed_world(seed: int = 3) -> World:
    """One planted pattern of every kind: for the engine comparison, the CLI and the report."""
    w = World(seed=seed).background()
    w.flow("DEU", "RUS", "854231", step(8e6, 0))
    w.flow("DEU", "ARM", "854231", step(2e5, 6e6))
    w.flow("ARM", "RUS", "854231", step(0, 5.5e6))
    w.flow("CZE", "SRB", "360200", step(1e5, 4e6))
    w.flow("SRB", "UKR", "930690", step(0, 7e6, 2023))
    w.flow("CZE", "UKR", "930690", 0)
    w.flow("POL", "KAZ", "854239", step(1e6, 9e6), m_years=set(range(2015, 2022)))
    w.flow("TUR", "UKR", "930630", step(0, 3e6, 2023), x_years=set())
    f = w.flow("CHN", "RUS", "880730", 5e6)
    f.uv = step(250.0, 900.0)
    return w
