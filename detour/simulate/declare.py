"""Shipments → declarations: what each side writes down about the same goods.

The exporter declares FOB (flow ``X``, or ``RX`` for a re-export); the importer declares CIF,
i.e. FOB times the route's factor, with reporting noise: most declarations within a few per
cent, one in 25 of the smaller ones off by a lot (valuation, timing, misattributed partner).
Weights differ a little between the two sides. A few small baseline flows are declared by one
side only, as in real mirror data. Values and weights are whole numbers (USD, kg), as Comtrade
mostly writes them.

The result has one row per (year, reporter, partner, flow, HS6): exactly the canonical key the
store de-duplicates on, so planted and baseline shipments of the same flow are summed here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from detour.simulate.world import World

DECL_COLUMNS = ("year", "reporter", "partner", "flow", "hs", "value", "kg", "qty", "unit")
ONE_SIDED_SHARE = 0.04  # of the smallest 30% of baseline flows
BIG_NOISE_SHARE = 0.04


def declare(world: World, ship: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    ship = _one_sided(ship, rng)
    x = ship[ship.decl_x]
    x = x.assign(flow=np.where(x.rx, "RX", "X"))
    x = (
        x.groupby(["year", "exp", "imp", "flow", "prod"], sort=True, observed=True)[["fob", "kg"]]
        .sum()
        .reset_index()
        .rename(columns={"exp": "reporter", "imp": "partner", "fob": "value"})
    )
    m = ship[ship.decl_m].assign(value=lambda d: d.fob * d.cif, flow="M")
    m = (
        m.groupby(["year", "imp", "m_partner", "flow", "prod"], sort=True, observed=True)[["value", "kg"]]
        .sum()
        .reset_index()
        .rename(columns={"imp": "reporter", "m_partner": "partner"})
    )
    noise = rng.normal(0, 0.03, len(m))
    # Gross misreporting (valuation, timing, wrong partner) is common on small flows, rare on big ones.
    small = m.value.to_numpy() < np.quantile(m.value.to_numpy(), 0.8) if len(m) else np.zeros(0, bool)
    big = (rng.random(len(m)) < BIG_NOISE_SHARE) & small
    noise[big] = rng.normal(0, 0.35, int(big.sum()))
    m["value"] = m.value * np.exp(noise)
    m["kg"] = m.kg * np.exp(rng.normal(0, 0.05, len(m)))
    decl = pd.concat([x, m], ignore_index=True)
    return finish(world, decl)


def finish(world: World, decl: pd.DataFrame) -> pd.DataFrame:
    """Round to whole USD and kg, derive quantity in the product's unit, and name the HS code."""
    ps = world.products
    prod = decl["prod"].to_numpy()
    decl["value"] = np.maximum(np.round(decl.value.to_numpy()), 1.0)
    decl["kg"] = np.maximum(np.round(decl.kg.to_numpy()), 1.0)
    items = ps.unit.to_numpy()[prod] == "u"
    per_item = ps.item_kg.to_numpy()[prod]
    decl["qty"] = np.where(
        items,
        np.maximum(np.round(decl.kg.to_numpy() / np.where(items, per_item, 1.0)), 1.0),
        decl.kg.to_numpy(),
    )
    decl["unit"] = np.where(items, "u", "kg")
    decl["hs"] = ps.hs.to_numpy()[prod]
    decl = decl.sort_values(["year", "reporter", "flow", "partner", "hs"], kind="stable", ignore_index=True)
    return decl[list(DECL_COLUMNS)]


def _one_sided(ship: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    base = (ship.tag == 0).to_numpy()
    small = base & (ship.fob.to_numpy() < np.quantile(ship.fob.to_numpy()[base], 0.3))
    hit = small & (rng.random(len(ship)) < ONE_SIDED_SHARE)
    side = rng.random(len(ship)) < 0.5
    ship = ship.copy()
    ship.loc[hit & side, "decl_x"] = False
    ship.loc[hit & ~side, "decl_m"] = False
    return ship
