"""Planted diversion, one function per kind (the detector kinds of DOMAIN.md).

- ``transshipment``: O → H surges and H → D surges the same year or the next, same goods; the
  direct O → D flow stops (sanctions variant: coalition → RUS/BLR/IRN from 2022) or never
  existed (covert variant: arms to a war-time buyer).
- ``transformation``: components O → H, the assembled product H → D, from the DOMAIN families.
  When Serbia, Czechia and Ukraine are in the world the first one is the motivating case.
- ``phantom_export``: O declares exports to H that H never declares as imports; part of the
  extra exports is genuine (EBRD: phantoms were about half).
- ``undeclared_export``: D declares imports from O, O declares nothing to D in those goods.
- ``unit_value``: on an existing corridor the price per kg jumps (sanctions premium) or drops
  (misclassification) while the value stays in the usual range.

Each function returns a ``Scenario`` (id filled in later) or None when the world cannot host it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from detour.simulate import planting as pl
from detour.simulate.planting import Planter
from detour.simulate.truth import KINDS, Scenario
from detour.simulate.world import COALITION

# component codes → product codes (DOMAIN.md "Transformation"); the flag says sanctions-type.
FAMILIES = (
    ("explosives → ammunition", ("3601", "3602", "3603"), ("9306",), False),
    ("weapon parts → weapons", ("9305",), ("9301", "9302", "9303", "9304"), False),
    (
        "electronic components → navigation, telecom, drones",
        ("8541", "8542", "8532"),
        ("8526", "8517", "8806", "8807"),
        True,
    ),
    ("aircraft parts → aircraft", ("8803", "8807"), ("8802", "8806"), True),
)


def _roles(p: Planter, sanctions: bool, hs: list[str]) -> tuple[str, str, str] | None:
    """(origin, hub, destination) that exist, report, and have not been given these goods."""
    pre = [y for y in p.world.years if y < p.win[0]]
    if sanctions:
        origins = p.present(sorted(COALITION & set(p.iso)))
        dests, hubs = p.present(pl.SANCTIONED_DESTINATIONS), p.present(pl.HUBS)
    else:
        origins, dests = p.present(pl.ARMS_ORIGINS), p.present(pl.ARMS_DESTINATIONS)
        hubs = p.present(pl.HUBS + pl.ASSEMBLERS)
    ranked = [c for c in p.exporters(hs, pre).index if c in origins] or origins
    o = p.pick(ranked[:8])
    d = p.pick([c for c in dests if c != o])
    h = p.pick([c for c in hubs if c not in (o, d) and p.reporting(c, p.window_years)])
    return (o, h, d) if o and h and d else None


def transshipment(p: Planter) -> Scenario | None:
    sanctions = p.rng.random() < 0.7
    if not p.open_window(sanctions):
        return None
    hs = p.goods(pl.SANCTION_GOODS if sanctions else pl.ARMS_GOODS, p.win, k=int(p.rng.integers(1, 3)))
    roles = _roles(p, sanctions, hs) if hs else None
    if not roles:
        return None
    o, h, d = roles
    lag, tag = int(p.rng.integers(0, 2)), p.new_tag()
    pre = [y for y in p.world.years if y < p.win[0]]
    annual = p.magnitude(max(p.level(o, h, hs, pre), 0.5 * p.level(o, d, hs, pre)))
    gone = p.mask(o, d, hs, p.window_years if sanctions else p.world.years)
    p.ship = p.ship[~gone].reset_index(drop=True)  # the direct route stops, or never existed
    moved, last = 0.0, p.win[0]
    for y, v in zip(p.window_years, p.ramp(p.window_years, annual), strict=True):
        for code in hs:
            moved += p.add(o, h, code, y, v / len(hs), tag=tag)
            if y + lag <= p.world.years[-1]:
                p.add(h, d, code, y + lag, v / len(hs) * p.rng.uniform(1.05, 1.25), tag=tag)
                last = max(last, y + lag)
    p.claim((o, h, d), hs)
    note = "sanctions evasion; direct route stopped" if sanctions else "covert supply; no direct route"
    return Scenario("", "transshipment", o, h, d, hs, p.win[0], last, moved, f"{note}; lag {lag}y")


def transformation(p: Planter) -> Scenario | None:
    motivating = not p.done_motivating and all(p.world.has(c) for c in ("SRB", "CZE", "UKR"))
    fam = FAMILIES[1] if motivating else FAMILIES[int(p.rng.integers(len(FAMILIES)))]
    name, comp_heads, prod_heads, sanctions = fam
    if not p.open_window(sanctions, fixed=(2023, p.world.years[-1]) if motivating else None):
        return None
    lag = int(p.rng.integers(0, 2))
    comps = p.goods_in(comp_heads, p.win, k=int(p.rng.integers(1, 3)))
    prods = p.goods_in(prod_heads, (p.win[0] + lag, min(p.win[1] + lag, p.world.years[-1])), k=1)
    if motivating:  # parts of military weapons → artillery and military weapons ("heavy weapons")
        comps = [h for h in ("930591", "930599") if p.world.has_hs(h)] or comps
        prods = [h for h in ("930110", "930190") if p.world.has_hs(h)][:1] or prods
    if not comps or not prods:
        return None
    if motivating:
        roles: tuple[str, str, str] | None = ("SRB", "CZE", "UKR")
        p.done_motivating = True
    else:
        roles = _roles(p, sanctions, comps)
    if not roles:
        return None
    o, h, d = roles
    tag = p.new_tag()
    pre = [y for y in p.world.years if y < p.win[0]]
    annual = p.magnitude(p.level(o, h, comps, pre))
    if motivating:
        # Sized like the public reporting on the case, not like the (absent) flow it rides on:
        # the Financial Times (2024) put Serbian ammunition that reached Ukraine through third
        # countries at about EUR 800M over two years. Parts for weapons: USD 20-200M a year.
        annual = max(annual, float(np.exp(p.rng.uniform(np.log(2e7), np.log(2e8)))))
    moved, last = 0.0, p.win[0]
    for y, v in zip(p.window_years, p.ramp(p.window_years, annual), strict=True):
        for code in comps:
            moved += p.add(o, h, code, y, v / len(comps), tag=tag)
        if y + lag <= p.world.years[-1]:
            p.add(h, d, prods[0], y + lag, v * p.rng.uniform(1.5, 3.0), tag=tag)
            last = max(last, y + lag)
    p.claim((o, h, d), comps + prods)
    note = ("motivating case: " if motivating else "") + name
    return Scenario("", "transformation", o, h, d, comps + prods, p.win[0], last, moved, note)


def phantom_export(p: Planter) -> Scenario | None:
    sanctions = p.rng.random() < 0.75
    if not p.open_window(sanctions):
        return None
    goods = pl.SANCTION_GOODS if sanctions else pl.ARMS_GOODS + pl.SANCTION_GOODS
    hs = p.goods(goods, p.win, k=int(p.rng.integers(1, 3)))
    pre = [y for y in p.world.years if y < p.win[0]]
    origins = (
        [
            c
            for c in p.exporters(hs, pre).index
            if c in p.present(sorted(COALITION & set(p.iso))) and p.reporting(c, p.window_years)
        ]
        if hs
        else []
    )
    o = p.pick(origins[:8])
    h = p.pick([c for c in p.present(pl.HUBS) if c != o and p.reporting(c, p.window_years)])
    if not o or not h:
        return None
    tag = p.new_tag()
    annual = p.magnitude(p.level(o, h, hs, pre))
    moved = 0.0
    for y, v in zip(p.window_years, p.ramp(p.window_years, annual), strict=True):
        for code in hs:
            moved += p.add(o, h, code, y, v / len(hs), decl_m=False, tag=tag)
            p.add(o, h, code, y, v / len(hs) * p.rng.uniform(0.0, 1.0), tag=tag)  # genuine part
    p.claim((o, h), hs)
    return Scenario(
        "", "phantom_export", o, None, h, hs,
        p.win[0],
        p.win[1],
        moved,
        f"{o} declares exports to {h} that {h} never declares as imports",
    )


def undeclared_export(p: Planter) -> Scenario | None:
    sanctions = False
    if not p.open_window(sanctions):
        return None
    hs = p.goods(pl.ARMS_GOODS, p.win, k=int(p.rng.integers(1, 3)))
    o = p.pick([c for c in p.present(pl.ARMS_ORIGINS) if p.reporting(c, p.window_years)])
    d = p.pick([c for c in p.present(pl.ARMS_DESTINATIONS) if c != o and p.reporting(c, p.window_years)])
    if not hs or not o or not d:
        return None
    tag = p.new_tag()
    pre = [y for y in p.world.years if y < p.win[0]]
    annual = p.magnitude(p.level(None, d, hs, pre) / 4)
    p.ship.loc[p.mask(o, d, hs, p.window_years), "decl_x"] = False  # O declares nothing to D in these goods
    moved = 0.0
    for y, v in zip(p.window_years, p.ramp(p.window_years, annual), strict=True):
        for code in hs:
            moved += p.add(o, d, code, y, v / len(hs), decl_x=False, tag=tag)
    p.claim((o, d), hs)
    return Scenario(
        "", "undeclared_export", o, None, d, hs,
        p.win[0],
        p.win[1],
        moved,
        f"{d} declares imports from {o}; {o} declares nothing to {d}",
    )


def unit_value(p: Planter) -> Scenario | None:
    sanctions = p.rng.random() < 0.7
    if not p.open_window(sanctions):
        return None
    hs = p.goods(pl.SANCTION_GOODS + pl.ARMS_GOODS, p.win, k=1)
    pre = [y for y in p.world.years if y < p.win[0]][-3:]
    if not hs or len(pre) < 2:
        return None
    s = p.ship[p.mask(hs=hs, years=pre + p.window_years)]
    seen = s.groupby(["exp", "imp"]).year.nunique()
    lanes = [(p.iso[e], p.iso[i]) for e, i in seen[seen == len(pre) + len(p.window_years)].index]
    hubby = [lane for lane in lanes if set(lane) & set(pl.HUBS + pl.SANCTIONED_DESTINATIONS)]
    lanes = [
        lane
        for lane in (hubby or lanes)
        if all(c not in p.plan.suppressors for c in lane) and p.reporting(lane[0], p.window_years)
    ]
    if not lanes:
        return None
    o, d = lanes[int(p.rng.integers(len(lanes)))]
    premium = p.rng.random() < 0.7
    value_x, kg_x = (
        (p.rng.uniform(1.2, 1.8), p.rng.uniform(0.3, 0.5))
        if premium
        else (p.rng.uniform(0.9, 1.1), p.rng.uniform(3.0, 5.0))
    )
    m = p.mask(o, d, hs, p.window_years)
    p.ship.loc[m, "fob"] = np.round(p.ship.fob[m] * value_x)
    p.ship.loc[m, "kg"] = p.ship.kg[m] * kg_x
    p.ship.loc[m, "tag"] = p.new_tag()
    p.claim((o, d), hs)
    what = "sanctions premium" if premium else "possible misclassification"
    return Scenario(
        "", "unit_value", o, None, d, hs,
        p.win[0],
        p.win[1],
        float(p.ship.fob[m].sum()),
        f"{what}: USD/kg x{value_x / kg_x:.2f}",
    )


PLANTERS: dict[str, Callable[[Planter], Scenario | None]] = {
    "transshipment": transshipment, "transformation": transformation, "phantom_export": phantom_export,
    "undeclared_export": undeclared_export, "unit_value": unit_value,
}
assert tuple(PLANTERS) == KINDS


def plant(p: Planter, n: int) -> list[Scenario]:
    """``n`` scenarios, the least planted kind first, so kinds stay balanced; a kind that does
    not fit is tried again later with other random choices."""
    out: list[Scenario] = []
    planted = dict.fromkeys(KINDS, 0)
    failed = dict.fromkeys(KINDS, 0)
    for _ in range(n * 8):
        if len(out) >= n:
            break
        kind = min(KINDS, key=lambda k: (planted[k], failed[k], KINDS.index(k)))
        found = PLANTERS[kind](p)
        if found is None:
            failed[kind] += 1
        else:
            out.append(found)
            planted[kind] += 1
    return [Scenario(**{**s.to_dict(), "id": f"S{k + 1:02d}"}) for k, s in enumerate(out)]
