"""Shared tools for planting scenarios and decoys into the baseline shipments.

A ``Planter`` holds the shipments, the quirk plan and one random stream. It answers questions
about the baseline (how much did O ship to H in these goods before?), picks countries, goods
and windows so that planted records do not trip over each other or over the quirks, and
collects the shipments to add. Every choice goes through the one stream in a fixed order, so a
seed always plants the same things.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from detour.simulate.quirks import QuirkPlan
from detour.simulate.world import SANCTIONS_YEAR, World, route_cif, shipments, unit_kg

HUBS = (
    "ARM", "GEO", "KAZ", "KGZ", "UZB", "TJK", "ARE", "TUR", "SRB", "IND", "ISR", "MEX", "BRA", "ZAF", "TWN",
    "NIC",
)
ASSEMBLERS = ("CZE", "BGR", "POL", "SVK", "ROU")  # arms industries a covert supply chain can run through
ARMS_ORIGINS = (
    "SRB", "BGR", "CZE", "POL", "ROU", "TUR", "KOR", "ZAF", "BRA", "IND", "PAK", "USA", "DEU", "FRA", "ITA",
    "GBR", "ISR", "CHN",
)
ARMS_DESTINATIONS = ("UKR", "ARM", "AZE", "ISR", "SAU", "EGY", "PAK", "IND", "MMR", "NGA")
SANCTIONED_DESTINATIONS = ("RUS", "BLR", "IRN")
SANCTION_GOODS = (
    "chips", "semis", "capacitors", "telecom", "radionav", "electronics", "bearings", "optics",
    "machine_tools", "aircraft_parts", "drones", "instruments",
)
ARMS_GOODS = ("arms", "arms_parts", "ammo", "explosives", "mil_vehicles")


class Planter:
    def __init__(self, world: World, ship: pd.DataFrame, plan: QuirkPlan, rng: np.random.Generator) -> None:
        self.world, self.plan, self.rng = world, plan, rng
        self.ship = ship.reset_index(drop=True)
        self.added: list[pd.DataFrame] = []
        self.used_hs4: set[str] = set()
        self.busy: set[tuple[str, str]] = set()  # (country, hs4) already given a role
        self.tag = 0
        self.win: tuple[int, int] = (world.years[0], world.years[-1])
        self.window_years: list[int] = list(world.years)
        self.done_motivating = False
        self.iso = world.countries.iso3.to_numpy()
        self.hs = world.products.hs.to_numpy()

    # -- the baseline ----------------------------------------------------------------------
    def mask(
        self,
        exp: str | None = None,
        imp: str | None = None,
        hs: Sequence[str] = (),
        years: Sequence[int] = (),
    ) -> np.ndarray:
        s, w = self.ship, self.world
        m = np.ones(len(s), dtype=bool)
        if exp is not None:
            m &= (s.exp == w.c(exp)).to_numpy()
        if imp is not None:
            m &= (s.imp == w.c(imp)).to_numpy()
        if hs:  # a code and the code it continues across an HS revision: one flow
            m &= s["prod"].isin([w.p(h) for h in w.lineage(list(hs))]).to_numpy()
        if years:
            m &= s.year.isin(list(years)).to_numpy()
        return m

    def level(self, exp: str | None, imp: str | None, hs: Sequence[str], years: Sequence[int]) -> float:
        """Mean yearly FOB of a flow over some years (0 when it did not trade)."""
        if not years:
            return 0.0
        return float(self.ship.fob[self.mask(exp, imp, hs, years)].sum()) / len(years)

    def exporters(self, hs: Sequence[str], years: Sequence[int]) -> pd.Series:
        m = self.mask(hs=hs, years=years)
        return (
            self.ship[m]
            .groupby("exp")
            .fob.sum()
            .rename(index=lambda i: self.iso[i])
            .sort_values(ascending=False, kind="stable")
        )

    # -- choices ---------------------------------------------------------------------------
    def present(self, isos: Sequence[str], *, exclude: Sequence[str] = ()) -> list[str]:
        return [c for c in isos if self.world.has(c) and c not in exclude and c not in self.plan.suppressors]

    def reporting(self, iso3: str, years: Sequence[int]) -> bool:
        return all(self.plan.reports(iso3, y) for y in years)

    def pick(self, options: Sequence[str]) -> str | None:
        return str(options[int(self.rng.integers(len(options)))]) if options else None

    def window(self, sanctions: bool) -> tuple[int, int] | None:
        ys = self.world.years
        if sanctions:
            if not ys[0] < SANCTIONS_YEAR <= ys[-1]:
                return None
            late = SANCTIONS_YEAR + 1 <= ys[-1] and self.rng.random() < 0.3
            return (SANCTIONS_YEAR + int(late), ys[-1])
        if len(ys) < 4:
            return None
        start = int(self.rng.integers(ys[0] + 2, ys[-1]))
        return start, min(ys[-1], start + int(self.rng.integers(1, 3)))

    def open_window(self, sanctions: bool, fixed: tuple[int, int] | None = None) -> bool:
        """Choose the years of the next record; False when the world has no room for it."""
        ys = self.world.years
        ok = fixed is not None and ys[0] + 2 <= fixed[0] <= fixed[1] <= ys[-1]
        win = fixed if ok else self.window(sanctions)
        if win is None:
            return False
        self.win, self.window_years = win, list(range(win[0], win[1] + 1))
        return True

    def goods_in(self, heads: Sequence[str], window: tuple[int, int], k: int = 1) -> list[str]:
        """Up to ``k`` HS6 codes under one of the given headings, valid through the window."""
        ps = self.world.products
        ok = ps[ps.hs.str[:4].isin(heads) & (ps["first"] <= window[0]) & (ps["last"] >= window[1])]
        found = sorted(set(ok.hs.str[:4]))
        head = self.pick([h for h in found if h not in self.used_hs4] or found)
        if head is None:
            return []
        codes = list(ok.hs[ok.hs.str[:4] == head])
        return sorted(str(c) for c in self.rng.permutation(codes)[:k])

    def goods(
        self, categories: Sequence[str], window: tuple[int, int], k: int = 1, countries: Sequence[str] = ()
    ) -> list[str]:
        """Up to ``k`` HS6 codes of one heading, valid through the window; fresh headings first.
        Only codes the default watch-list covers (``catalogue``'s ``listed``)."""
        ps = self.world.products
        ok = ps[ps.category.isin(categories) & ps.listed & (ps["first"] <= window[0]) & (ps["last"] >= window[1])]
        heads = sorted(set(ok.hs.str[:4]))
        fresh = [
            h for h in heads if h not in self.used_hs4 and not any((c, h) in self.busy for c in countries)
        ]
        head = self.pick(fresh or heads)
        if head is None:
            return []
        codes = list(ok.hs[ok.hs.str[:4] == head])
        take = min(len(codes), k)
        return sorted(str(c) for c in self.rng.permutation(codes)[:take])

    def claim(self, countries: Sequence[str | None], hs: Sequence[str]) -> None:
        for h in {x[:4] for x in hs}:
            self.used_hs4.add(h)
            self.busy.update((c, h) for c in countries if c)

    # -- planting --------------------------------------------------------------------------
    def new_tag(self) -> int:
        self.tag += 1
        return self.tag

    def add(
        self, exp: str, imp: str, hs: str, year: int, fob: float,
        *,
        uv_mult: float = 1.0,
        decl_x: bool = True,
        decl_m: bool = True,
        tag: int = 0,
    ) -> float:
        w = self.world
        i, j, p = np.array([w.c(exp)]), np.array([w.c(imp)]), np.array([w.p(hs)])
        fob_arr = np.array([round(max(fob, 1.0))])
        kg = unit_kg(w, p, fob_arr, np.exp(self.rng.normal(0, 0.1, 1)) * uv_mult)
        self.added.append(
            shipments(
                year=np.int16(year),
                exp=i.astype(np.int16),
                imp=j.astype(np.int16),
                prod=p.astype(np.int16),
                fob=fob_arr,
                kg=kg,
                cif=route_cif(w, i, j, p, self.rng),
                decl_x=decl_x,
                decl_m=decl_m,
                tag=tag,
            )
        )
        return float(fob_arr[0])

    def ramp(self, years: Sequence[int], annual: float) -> list[float]:
        """Yearly values of a planted flow: it builds up, then holds with some wobble."""
        shape = np.minimum(1.0, 0.5 + 0.5 * np.arange(len(years)))
        return list(annual * shape * np.exp(self.rng.normal(0, 0.15, len(years))))

    def magnitude(self, reference: float) -> float:
        """Annual planted value: a multiple of the flow it rides on, never below a floor."""
        floor = float(np.exp(self.rng.uniform(np.log(1e6), np.log(2e7))))
        return max(floor, reference * float(np.exp(self.rng.uniform(np.log(0.4), np.log(5.0)))))

    def result(self) -> pd.DataFrame:
        return pd.concat([self.ship, *self.added], ignore_index=True)
