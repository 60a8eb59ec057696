"""Hub view: did a hub replace a group of origins' direct trade with a destination?

An EBRD-style difference in differences ("Eurasian Roundabout", CEPR DP20097): three legs —
origins → hub, hub → destination, origins → destination — for watched and for other goods,
as yearly averages before and after the break year. Other goods are the control: the
difference in differences of a leg is ``ln(post/pre)`` of watched goods minus the same for
other goods, in log points.

Two ratios summarise the roundabout:

- ``substitution_ratio``: the extra hub → destination exports of watched goods, relative to the
  fall of direct origins → destination exports of watched goods (1.0 = the hub fully replaced
  the direct trade; both as yearly averages, post minus pre);
- ``phantom_share``: of the additional exports of watched goods the origins declared to the
  hub, the share the hub never recorded as imports (origin-declared FOB minus hub-declared CIF
  brought back to FOB, per flow, counted only in years the hub reported imports at all).

A leg's value per flow is the larger of the two declarations in FOB terms, so a leg stays
visible when one side is silent (the destination may not report after the break).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import ibis
import numpy as np
import pandas as pd

from detour.analysis.cif_fob import margins, with_margin
from detour.analysis.declarations import annual
from detour.analysis.mirror import mirror_pairs
from detour.detectors.reference import group
from detour.detectors.watchlist import Watchlist, load_watchlist
from detour.engine.base import Engine
from detour.store.catalog import Store

LEGS = ("origins→hub", "hub→destination", "origins→destination")


@dataclass(frozen=True)
class HubView:
    hub: str
    destination: str
    origins: tuple[str, ...]
    watchlist: str
    break_year: int
    pre_years: tuple[int, ...]
    post_years: tuple[int, ...]
    rows: tuple[dict[str, Any], ...]  # leg, goods, exporter_declared/importer_declared/value pre & post
    did: dict[str, float | None]  # leg → log-point difference in differences
    substitution_ratio: float | None
    phantom_share: float | None
    figures: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["origins"], d["pre_years"], d["post_years"] = (
            list(self.origins),
            list(self.pre_years),
            list(self.post_years),
        )
        d["rows"] = [dict(r) for r in self.rows]
        return d


def _legs(pairs: ibis.Table, origins: list[str], hub: str, destination: str) -> ibis.Table:
    o_h = pairs.exporter.isin(origins) & (pairs.importer == hub)
    h_d = (pairs.exporter == hub) & (pairs.importer == destination)
    o_d = pairs.exporter.isin(origins) & (pairs.importer == destination)
    leg = ibis.cases((o_h, LEGS[0]), (h_d, LEGS[1]), (o_d, LEGS[2]), else_=ibis.null("string"))
    return pairs.mutate(leg=leg).filter(ibis._.leg.notnull())


def _yearly(
    engine: Engine, store: Store, origins: list[str], hub: str, destination: str, watchlist: Watchlist
) -> tuple[pd.DataFrame, set[int]]:
    decl = engine.declarations(store)
    near = origins + [hub, destination]
    decl = decl.filter(decl.reporter.isin(near) & decl.partner.isin(near))
    pairs = mirror_pairs(annual(decl))
    world = engine.execute(margins(pairs)[3].name("m").as_table())["m"].iloc[0]
    p = with_margin(pairs, None if pd.isna(world) else float(world))
    p = _legs(p, origins, hub, destination)
    x = p.export_value.fill_null(0) + p.reexport_value.fill_null(0)
    m_fob = p.import_value.fill_null(0) / p.margin_log.exp()
    p = p.mutate(
        x=x,
        m=p.import_value.fill_null(0),
        v=ibis.greatest(x, m_fob),
        gap=ibis.greatest(x - m_fob, 0),
        watched=watchlist.predicate(p.hs),
    )
    df = engine.execute(
        p.group_by(["leg", "watched", "year"]).aggregate(
            x=p.x.sum(), m=p.m.sum(), v=p.v.sum(), gap=p.gap.sum()
        )
    )
    hub_years = engine.execute(
        decl.filter((decl.reporter == hub) & (decl.flow == "import")).select("year").distinct()
    )
    return df, {int(y) for y in hub_years.year}


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 4) if den > 0 and math.isfinite(num) else None


def hub_view(
    engine: Engine,
    store: Store,
    hub: str,
    destination: str,
    *,
    origins: list[str] | None = None,
    watchlist: str | Watchlist | None = None,
    break_year: int = 2022,
) -> HubView:
    hub, destination = hub.upper(), destination.upper()
    origins = sorted({o.upper() for o in (origins or group("coalition"))} - {hub, destination})
    wl = load_watchlist(watchlist or "default")
    df, hub_years = _yearly(engine, store, origins, hub, destination, wl)
    years = sorted({int(y) for y in df.year}) if len(df) else []
    pre, post = [y for y in years if y < break_year], [y for y in years if y >= break_year]

    def avg(leg: str, watched: bool, col: str, period: list[int]) -> float:
        s = df[(df.leg == leg) & (df.watched == watched) & df.year.isin(period)]
        if col == "gap":
            s = s[s.year.isin(hub_years)]
            period = [y for y in period if y in hub_years]
        return float(s[col].sum() / len(period)) if period else float("nan")

    rows, did = [], {}
    for leg in LEGS:
        logs = {}
        for watched in (True, False):
            r: dict[str, Any] = {"leg": leg, "goods": "watched" if watched else "other"}
            for col, label in (("x", "exporter_declared"), ("m", "importer_declared"), ("v", "value")):
                r[f"{label}_pre"], r[f"{label}_post"] = (
                    avg(leg, watched, col, pre),
                    avg(leg, watched, col, post),
                )
            a, b = r["value_pre"], r["value_post"]
            r["change"] = b - a
            r["log_change"] = float(np.log(b / a)) if a > 0 and b > 0 else None
            logs[watched] = r["log_change"]
            rows.append(r)
        did[leg] = None if logs[True] is None or logs[False] is None else round(logs[True] - logs[False], 4)

    extra_hd = avg(LEGS[1], True, "v", post) - avg(LEGS[1], True, "v", pre)
    direct_fall = avg(LEGS[2], True, "x", pre) - avg(LEGS[2], True, "x", post)
    additional = avg(LEGS[0], True, "x", post) - avg(LEGS[0], True, "x", pre)
    phantom = avg(LEGS[0], True, "gap", post) - avg(LEGS[0], True, "gap", pre)
    figures = {
        "extra_hub_exports": extra_hd,
        "direct_fall": direct_fall,
        "additional_exports": additional,
        "phantom_increase": phantom,
    }
    return HubView(
        hub,
        destination,
        tuple(origins),
        wl.name,
        break_year,
        tuple(pre),
        tuple(post),
        tuple(rows),
        did,
        _ratio(extra_hd, direct_fall),
        _ratio(phantom, additional),
        {k: round(v, 2) for k, v in figures.items() if math.isfinite(v)},
    )
