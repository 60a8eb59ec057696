"""Innocent look-alikes: patterns a good detector stays quiet on (DOMAIN.md, "Not diversion").

- ``decoy:procurement_surge``: a country's own imports surge from one or two suppliers, with no
  onward flow. Half the time the buyer is one of the named hubs, which is the hard case.
- ``decoy:broad_buying``: a destination buys much more of the same goods from many suppliers
  directly (Ukraine from 2022 when the world has it).
- ``decoy:cif_fob``: large but ordinary CIF/FOB gaps on long routes, on both sides declared.
- ``decoy:chapter_suppression`` and ``decoy:non_reporter`` restate the quirk plan as decoys.
"""

from __future__ import annotations

from itertools import groupby

from detour.simulate.planting import ARMS_GOODS, HUBS, SANCTION_GOODS, Planter
from detour.simulate.quirks import HIDDEN_CHAPTER
from detour.simulate.truth import Decoy
from detour.simulate.world import PRODUCERS

BUYERS = ("POL", "IND", "SAU", "ISR", "ARM", "KAZ", "TUR", "ARE", "EGY", "QAT", "AZE", "BRA", "MEX", "GEO")
LONG_ROUTE_KM = 7000


def procurement_surge(p: Planter) -> Decoy | None:
    if not p.open_window(False):
        return None
    hubby = p.rng.random() < 0.5
    buyer = p.pick([c for c in p.present(HUBS if hubby else BUYERS) if p.reporting(c, p.window_years)])
    hs = p.goods(ARMS_GOODS + SANCTION_GOODS, p.win, k=int(p.rng.integers(1, 3)), countries=[buyer or ""])
    if not buyer or not hs:
        return None
    pre = [y for y in p.world.years if y < p.win[0]]
    suppliers = [c for c in p.exporters(hs, pre).index if c != buyer and c not in p.plan.suppressors][:6]
    chosen = [str(c) for c in p.rng.permutation(suppliers)[: int(p.rng.integers(1, 3))]]
    if not chosen:
        return None
    tag = p.new_tag()
    for s in chosen:
        annual = 2 * p.magnitude(p.level(s, buyer, hs, pre))
        for y, v in zip(p.window_years, p.ramp(p.window_years, annual), strict=True):
            for code in hs:
                p.add(s, buyer, code, y, v / len(hs), tag=tag)
    p.claim([buyer, *chosen], hs)
    return Decoy(
        "",
        "decoy:procurement_surge",
        [buyer, *chosen],
        hs,
        p.win[0],
        p.win[1],
        f"{buyer} buys more for itself; nothing goes onward",
    )


def broad_buying(p: Planter) -> Decoy | None:
    war = p.world.has("UKR") and p.open_window(True)
    if not war and not p.open_window(False):
        return None
    dest = "UKR" if war else p.pick(p.present(BUYERS))
    hs = p.goods(ARMS_GOODS, p.win, k=1, countries=[dest or ""])
    if not dest or not hs:
        return None
    known = list(p.exporters(hs, p.world.years).index)[:12]
    makers = [c for c in p.present(PRODUCERS["arms"].split()) if c not in known]  # new suppliers may join
    suppliers = [c for c in known + makers if c != dest and c not in p.plan.suppressors]
    chosen = sorted(str(c) for c in p.rng.permutation(suppliers[:16])[: int(p.rng.integers(4, 9))])
    if len(chosen) < 3:
        return None
    pre = [y for y in p.world.years if y < p.win[0]]
    tag = p.new_tag()
    for s in chosen:
        annual = p.magnitude(p.level(s, dest, hs, pre))
        for y, v in zip(p.window_years, p.ramp(p.window_years, annual), strict=True):
            p.add(s, dest, hs[0], y, v, tag=tag)
    p.claim([dest, *chosen], hs)
    return Decoy(
        "",
        "decoy:broad_buying",
        [dest, *chosen],
        hs,
        p.win[0],
        p.win[1],
        f"{dest} buys directly from {len(chosen)} suppliers",
    )


def cif_fob(p: Planter) -> Decoy | None:
    s, w = p.ship, p.world
    watch = w.products.watch.to_numpy()[s["prod"].to_numpy()]
    far = w.dist[s.exp.to_numpy(), s.imp.to_numpy()] > LONG_ROUTE_KM
    lanes = s[watch & far & (s.tag == 0).to_numpy()].groupby(["exp", "imp", "prod"]).year.nunique()
    lanes = lanes[lanes >= max(2, len(w.years) // 2)]
    lanes = [
        k
        for k in lanes.index
        if (p.iso[k[0]], p.hs[k[2]][:4]) not in p.busy
        and all(c not in p.plan.suppressors for c in (p.iso[k[0]], p.iso[k[1]]))
    ]
    if not lanes:
        return None
    e, i, prod = lanes[int(p.rng.integers(len(lanes)))]
    m = ((s.exp == e) & (s.imp == i) & (s["prod"] == prod)).to_numpy()
    gap = p.rng.uniform(0.18, 0.40)
    s.loc[m, "cif"] = 1.0 + gap
    s.loc[m, "tag"] = p.new_tag()
    years = sorted(s.year[m].unique())
    p.claim([p.iso[e], p.iso[i]], [p.hs[prod]])
    return Decoy(
        "",
        "decoy:cif_fob",
        [p.iso[e], p.iso[i]],
        [p.hs[prod]],
        int(years[0]),
        int(years[-1]),
        f"CIF {gap:.0%} above FOB on a {w.dist[e, i]:,.0f} km route",
    )


def from_quirks(p: Planter) -> list[Decoy]:
    out = []
    chapter = sorted(h for h in p.hs if h.startswith(HIDDEN_CHAPTER))
    ys = p.world.years
    for c, how in sorted(p.plan.suppressors.items()):
        where = "HS 999999" if how == "999999" else "the chapter total only"
        out.append(
            Decoy(
                "",
                "decoy:chapter_suppression",
                [c],
                chapter,
                ys[0],
                ys[-1],
                f"{c} hides chapter {HIDDEN_CHAPTER} for every partner and year; value under {where}",
            )
        )
    for c, spans in groupby(sorted(p.plan.non_reporters), key=lambda x: x[0]):
        years = [y for _, y in spans]
        start = years[0]
        for k, y in enumerate(years):  # one decoy per run of consecutive silent years
            if k + 1 == len(years) or years[k + 1] != y + 1:
                out.append(Decoy("", "decoy:non_reporter", [c], [], start, y, f"{c} declared nothing"))
                start = years[k + 1] if k + 1 < len(years) else y
    return out


def plant(p: Planter, per_kind: int = 2) -> list[Decoy]:
    out: list[Decoy] = []
    for make in (procurement_surge, broad_buying, cif_fob):
        made = 0
        for _ in range(per_kind * 4):
            if made >= per_kind:
                break
            found = make(p)
            if found is not None:
                out.append(found)
                made += 1
    out.extend(from_quirks(p))
    return [Decoy(**{**d.to_dict(), "id": f"D{k + 1:02d}"}) for k, d in enumerate(out)]
