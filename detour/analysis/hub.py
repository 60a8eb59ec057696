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
    return df, _reported_years(engine, store, hub)


def _reported_years(engine: Engine, store: Store, hub: str) -> set[int]:
    """Years the hub reported its imports in full.

    A year whose declared imports (from everyone) are under 40% of the hub's median year is a
    partial file (a few months published), not a collapse of trade: counting it would turn
    every origin's exports that year into "phantoms".
    """
    decl = engine.declarations(store)
    imp = decl.filter((decl.reporter == hub) & (decl.flow == "import"))
    totals = engine.execute(imp.group_by("year").aggregate(total=imp.value_usd.sum()))
    if totals.empty:
        return set()
    floor = 0.4 * float(totals.total.median())
    return {int(y) for y, t in zip(totals.year, totals.total, strict=True) if t >= floor}


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
    pre_years: list[int] | None = None,
    post_years: list[int] | None = None,
) -> HubView:
    """``pre_years``/``post_years`` fix the comparison windows (e.g. 2019–2021 against 2022–2023
    when a source starts in 2019 or its last year is incomplete); by default every year in the
    store before the break is "pre" and every year from it on is "post"."""
    hub, destination = hub.upper(), destination.upper()
    origins = sorted({o.upper() for o in (origins or group("coalition"))} - {hub, destination})
    wl = load_watchlist(watchlist or "default")
    df, hub_years = _yearly(engine, store, origins, hub, destination, wl)
    years = sorted({int(y) for y in df.year}) if len(df) else []
    pre = sorted(pre_years) if pre_years else [y for y in years if y < break_year]
    post = sorted(post_years) if post_years else [y for y in years if y >= break_year]

    def avg(leg: str, watched: bool, col: str, period: list[int], reported_only: bool = False) -> float:
        s = df[(df.leg == leg) & (df.watched == watched) & df.year.isin(period)]
        if col == "gap" or reported_only:
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
    # The phantom share compares like with like: additional exports over the same years the
    # hub reported its imports in full.
    additional_reported = avg(LEGS[0], True, "x", post, True) - avg(LEGS[0], True, "x", pre, True)
    figures = {
        "extra_hub_exports": extra_hd,
        "direct_fall": direct_fall,
        "additional_exports": additional,
        "phantom_increase": phantom,
        "additional_exports_reported_years": additional_reported,
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
        _ratio(phantom, additional_reported),
        {k: round(v, 2) for k, v in figures.items() if math.isfinite(v)},
    )
