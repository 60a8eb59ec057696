"""Small synthetic trade worlds, written as real Comtrade+ files and ingested into a store.

A world holds *true* flows (exporter, importer, HS6 → FOB value per year). Each flow is
declared twice, as in reality: the exporter writes ``X`` (FOB) and the importer ``M`` (CIF, a
few per cent above FOB), each with a little reporting noise. Scenarios switch one side off
(phantom or undeclared exports), silence a reporter for a year or a chapter, or plant surges.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pycountry

from detour.ingest import ingest_paths
from detour.store import Store
from tests.comtrade_fixture import API_COLUMNS, write

YEARS = tuple(range(2015, 2025))
BREAK = 2022
# Suppliers, hubs and destinations used across the detector tests.
COUNTRIES = (
    "DEU",
    "FRA",
    "ITA",
    "POL",
    "CZE",
    "USA",
    "JPN",
    "KOR",
    "CHN",
    "TUR",
    "SRB",
    "ARM",
    "KAZ",
    "ARE",
    "IND",
    "UKR",
    "RUS",
    "BRA",
    "EGY",
    "VNM",
)
GOODS = ("930690", "930630", "360200", "854231", "854239", "853224", "852691", "880730", "880610", "940360")
UNIT_VALUE = {
    "930690": 20.0,
    "930630": 40.0,
    "360200": 5.0,
    "854231": 900.0,
    "854239": 600.0,
    "853224": 150.0,
    "852691": 300.0,
    "880730": 250.0,
    "880610": 400.0,
    "940360": 4.0,
}


@dataclass
class Flow:
    values: dict[int, float]  # true FOB value per year
    x_years: set[int] | None = None  # years the exporter declares it (None = all)
    m_years: set[int] | None = None  # years the importer declares it
    uv: dict[int, float] = field(default_factory=dict)  # USD/kg override per year
    margin: float = 0.06  # log CIF/FOB
    recorded: dict[int, float] = field(default_factory=dict)  # share the importer records per year (1)


@dataclass
class World:
    seed: int = 0
    years: tuple[int, ...] = YEARS
    flows: dict[tuple[str, str, str], Flow] = field(default_factory=dict)
    silent: set[tuple[str, int, str, str | None]] = field(default_factory=set)  # reporter, year, X|M, chapter

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.seed)

    def flow(
        self, exporter: str, importer: str, hs: str, values: dict[int, float] | float, **kw: Any
    ) -> Flow:
        if not isinstance(values, dict):
            values = {y: float(values) for y in self.years}
        f = Flow({y: v for y, v in values.items() if v > 0}, **kw)
        self.flows[(exporter, importer, hs)] = f
        return f

    def background(
        self,
        countries: tuple[str, ...] = COUNTRIES,
        goods: tuple[str, ...] = GOODS,
        density: float = 0.35,
        noise: float = 0.15,
    ) -> World:
        """Stable flows with log-normal year-to-year noise between random pairs."""
        for e in countries:
            for i in countries:
                for hs in goods:
                    if e == i or self.rng.random() > density or (e, i, hs) in self.flows:
                        continue
                    level = float(np.exp(self.rng.uniform(np.log(2e5), np.log(5e7))))
                    drift = self.rng.normal(0, 0.02)
                    self.flow(
                        e,
                        i,
                        hs,
                        {
                            y: level * np.exp(drift * k + self.rng.normal(0, noise))
                            for k, y in enumerate(self.years)
                        },
                    )
        return self

    def drop(self, country: str, hs: str) -> None:
        """Remove the background's flows of ``hs`` into and out of ``country``."""
        for key in [k for k in self.flows if country in k[:2] and k[2] == hs]:
            del self.flows[key]

    def silence(self, reporter: str, year: int, side: str, chapter: str | None = None) -> None:
        """``reporter`` declares nothing on ``side`` (X or M) that year (in ``chapter`` only, if given)."""
        self.silent.add((reporter, year, side, chapter))

    def _silent(self, reporter: str, year: int, side: str, hs: str) -> bool:
        return (reporter, year, side, None) in self.silent or (reporter, year, side, hs[:2]) in self.silent

    def declarations(self) -> list[tuple[int, str, str, str, str, float, float]]:
        """(year, reporter, X|M, partner, hs, value, kg) rows, in a deterministic order."""
        out = []
        for (e, i, hs), f in sorted(self.flows.items()):
            for y, v in sorted(f.values.items()):
                uv = f.uv.get(y, UNIT_VALUE.get(hs, 50.0))
                kg = v / uv
                if (f.x_years is None or y in f.x_years) and not self._silent(e, y, "X", hs):
                    xv = v * np.exp(self.rng.normal(0, 0.02))
                    out.append((y, e, "X", i, hs, round(xv, 2), round(kg, 3)))
                if (f.m_years is None or y in f.m_years) and not self._silent(i, y, "M", hs):
                    mv = v * f.recorded.get(y, 1.0) * np.exp(f.margin + self.rng.normal(0, 0.02))
                    out.append(
                        (y, i, "M", e, hs, round(mv, 2), round(kg * np.exp(self.rng.normal(0, 0.01)), 3))
                    )
        return out

    def write_csv(self, path: Path) -> Path:
        return write(path, [_row(*d) for d in self.declarations()])

    def ingest(self, directory: Path) -> Store:
        directory.mkdir(parents=True, exist_ok=True)
        path = self.write_csv(directory / f"world-{self.seed}.csv")
        ingest_paths(directory / "store", [path], "comtrade", progress=False)
        return Store(directory / "store")

    def detect(self, directory: Path) -> list:
        """Every detector's alerts on this world, ingested under ``directory``, on DuckDB."""
        from detour.detectors import run_detectors
        from detour.engine import get_engine

        return run_detectors(get_engine("duckdb"), self.ingest(directory))


def _code(iso3: str) -> int:
    return {"USA": 842, "FRA": 251, "ITA": 381, "IND": 699}.get(iso3) or int(
        pycountry.countries.get(alpha_3=iso3).numeric
    )


def _row(
    year: int, reporter: str, flow: str, partner: str, hs: str, value: float, kg: float
) -> dict[str, Any]:
    imp = flow == "M"
    r = dict.fromkeys(API_COLUMNS, "")
    r.update(
        {
            "typeCode": "C",
            "freqCode": "A",
            "refPeriodId": f"{year}0101",
            "refYear": year,
            "refMonth": 52,
            "period": year,
            "reporterCode": _code(reporter),
            "reporterISO": reporter,
            "reporterDesc": reporter,
            "flowCode": flow,
            "partnerCode": _code(partner),
            "partnerISO": partner,
            "partnerDesc": partner,
            "partner2Code": 0,
            "partner2ISO": "W00",
            "classificationCode": "H6",
            "cmdCode": hs,
            "aggrLevel": min(len(hs), 6),  # a 2-digit code is a chapter total (aggrLevel 2)
            "isLeaf": str(len(hs) == 6),
            "customsCode": "C00",
            "mosCode": 0,
            "motCode": 0,
            "qtyUnitCode": 8,
            "qtyUnitAbbr": "kg",
            "qty": kg,
            "netWgt": kg,
            "cifvalue": value if imp else "",
            "fobvalue": "" if imp else value,
            "primaryValue": value,
            "isReported": "True",
            "isAggregate": "False",
        }
    )
    return r


def route_profiles(e_in: list[float], e_out: list[float]) -> Any:
    """A one-route table carrying year profiles, as ``routes.score_routes`` returns it (every
    year inside the route's window, no hub-total excess)."""
    import pandas as pd

    r = pd.DataFrame({"t1": [2020], "t2": [2021], "end": [2021]})
    a, b = np.array([e_in]), np.array([e_out])
    r.attrs["profiles"] = (a, np.zeros_like(a), b, np.ones_like(a, dtype=bool))
    return r


def pair_alerts(alerts: list, kind: str, origin: str, destination: str) -> list:
    """The alerts of ``kind`` on the declared pair ``origin`` → ``destination``."""
    return [a for a in alerts if a.kind == kind and (a.origin, a.destination) == (origin, destination)]
