"""Reporting quirks: who reports when, who hides what, and which file style each reporter uses.

- **Non-reporters** declare nothing at all in some years (small economies at random, and Russia
  from 2022, which stopped publishing). Their partners still declare their side.
- **Chapter suppression**: a reporter hides chapter 93 for every partner and year. Its hidden
  value either lands under HS ``999999`` (per partner) or stays only in the chapter-93 total row.
- **Re-exports**: entrepôts (UAE, Singapore, Hong Kong, Netherlands, Belgium) declare some of
  their exports as ``RX``; for half of those the final importer names the country of origin.
- **File style**: each reporter belongs to the API group (comma CSV, ``cifvalue``/``fobvalue``)
  or the bulk group (tab-separated gzip, ``CIFValue``/``FOBValue``); some reporters also publish
  breakdowns by mode of transport and by consignment country beside their totals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from detour.simulate.world import SANCTIONS_YEAR, World

HIDDEN_CHAPTER = "93"
SUPPRESSOR_POOL = ("CHE", "ISR", "ZAF", "BRA", "SWE", "KOR", "AUT", "BEL", "FIN", "ESP")
NON_REPORTER_POOL = (
    "TJK", "NIC", "MNG", "ETH", "IRQ", "MMR", "KEN", "NGA", "ALB", "MNE", "BIH", "MDA", "DZA", "OMN", "LKA",
    "BGD", "EGY", "PAK", "KGZ", "UZB",
)
ENTREPOTS = ("ARE", "SGP", "HKG", "NLD", "BEL")
RX_SHARE = 0.04
BREAKDOWN_SHARE = 0.35


@dataclass
class QuirkPlan:
    non_reporters: list[tuple[str, int]] = field(default_factory=list)
    suppressors: dict[str, str] = field(default_factory=dict)  # iso3 → "999999" | "chapter"
    bulk: set[str] = field(default_factory=set)  # reporters writing bulk-style files
    breakdown: set[str] = field(default_factory=set)  # reporters publishing transport-mode splits

    def reports(self, iso3: str, year: int) -> bool:
        return (iso3, year) not in self._silent

    def hides(self, iso3: str, hs: str) -> bool:
        return iso3 in self.suppressors and hs.startswith(HIDDEN_CHAPTER)

    def __post_init__(self) -> None:
        self._silent = set(self.non_reporters)

    def add_silent(self, iso3: str, year: int) -> None:
        self.non_reporters.append((iso3, year))
        self._silent.add((iso3, year))


def plan_quirks(
    world: World, rng: np.random.Generator, n_suppressors: int = 2, n_silent: int = 4
) -> QuirkPlan:
    iso = list(world.countries.iso3)
    plan = QuirkPlan()
    if world.has("RUS") and world.years[-1] >= SANCTIONS_YEAR > world.years[0]:
        for y in world.years:
            if y >= SANCTIONS_YEAR:
                plan.add_silent("RUS", y)
    pool = [c for c in NON_REPORTER_POOL if c in iso] or [c for c in iso[len(iso) // 2 :]]
    for c in rng.permutation(pool)[:n_silent]:
        span = int(rng.integers(1, 3))
        first = int(rng.integers(0, len(world.years) - span + 1))
        for y in world.years[first : first + span]:
            plan.add_silent(str(c), y)
    plan.non_reporters.sort()
    pool = [c for c in SUPPRESSOR_POOL if c in iso]
    for k, c in enumerate(rng.permutation(pool)[:n_suppressors]):
        plan.suppressors[str(c)] = "999999" if k % 2 == 0 else "chapter"
    plan.bulk = {c for c in iso if rng.random() < 0.5}
    plan.breakdown = {c for c in iso if rng.random() < BREAKDOWN_SHARE}
    return plan


def re_exports(world: World, ship: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, list[dict]]:
    """Mark some entrepôt exports as RX; for half, the final importer names the origin instead."""
    hubs = [world.c(c) for c in ENTREPOTS if world.has(c)]
    ship = ship.reset_index(drop=True)
    cand = np.flatnonzero(((ship.tag == 0) & ship.exp.isin(hubs)).to_numpy())
    pick = cand[rng.random(len(cand)) < RX_SHARE]
    ship.loc[pick, "rx"] = True
    # The hub's largest supplier of that product that year stands for the country of origin.
    inflow = ship[ship.imp.isin(hubs) & (ship.tag == 0)]
    top = inflow.sort_values("fob", ascending=False, kind="stable").drop_duplicates(["year", "imp", "prod"])
    origin = top.set_index(["year", "imp", "prod"]).exp
    records = []
    iso, hs = world.countries.iso3.to_numpy(), world.products.hs.to_numpy()
    for k in pick[rng.random(len(pick)) < 0.5]:
        row = ship.loc[k]
        o = origin.get((row.year, row.exp, row["prod"]))
        if o is None or o == row.imp:
            continue
        ship.loc[k, "m_partner"] = o
        records.append(
            {
                "hub": iso[row.exp],
                "destination": iso[row.imp],
                "origin": iso[o],
                "hs": hs[row["prod"]],
                "year": int(row.year),
            }
        )
    return ship, records


def apply(world: World, decl: pd.DataFrame, plan: QuirkPlan) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop what non-reporters would have declared and hide suppressed chapters.

    Returns the published leaf declarations and the hidden ones (which still count in the
    reporter's chapter and TOTAL aggregate rows).
    """
    iso = world.countries.iso3.to_numpy()
    silent = [world.c(c) * 10000 + y for c, y in plan.non_reporters if world.has(c)]
    decl = decl[~np.isin(decl.reporter.to_numpy().astype(np.int64) * 10000 + decl.year.to_numpy(), silent)]
    rep = iso[decl.reporter]
    hidden_mask = np.isin(rep, list(plan.suppressors)) & decl.hs.str.startswith(HIDDEN_CHAPTER).to_numpy()
    hidden, leaf = decl[hidden_mask], decl[~hidden_mask]
    to_999 = np.array([plan.suppressors[c] == "999999" for c in iso[hidden.reporter]], dtype=bool)
    moved = (
        hidden[to_999]
        .groupby(["year", "reporter", "partner", "flow"], sort=True)[["value", "kg"]]
        .sum()
        .reset_index()
        .assign(hs="999999", qty=np.nan, unit="N/A")
    )
    leaf = pd.concat([leaf, moved[leaf.columns]], ignore_index=True)
    leaf = leaf.sort_values(["year", "reporter", "flow", "partner", "hs"], kind="stable", ignore_index=True)
    return leaf, hidden[~to_999].reset_index(drop=True)
