"""Rank hubs for rerouting origins' trade to a destination (the "Eurasian roundabout").

For each candidate hub the hub view (``detour.analysis.hub``) gives, as yearly averages before
and after the break: the origins' additional exports to the hub (as the origins declared them),
the hub's additional exports to the destination, the fall of the origins' direct exports to the
destination, and the phantom share (additional exports the hub never recorded as imports).

A hub can only have rerouted what both legs carried, so it is ranked by its *rerouting
capacity* ``min(additional origins→hub, additional hub→destination)``. With total-goods data
(Eurostat, IMF) the watch-list is ``TOTAL``: there are no non-watched goods to difference against.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from detour.analysis.hub import hub_view
from detour.detectors.watchlist import Watchlist, load_watchlist
from detour.engine.base import Engine
from detour.store.catalog import Store

TOTAL = Watchlist("total", "Total goods (HS code TOTAL)", ("TOTAL",))


@dataclass(frozen=True)
class HubRank:
    hub: str
    additional_origin_exports: float | None
    additional_hub_exports: float | None
    direct_fall: float | None
    rerouting_capacity: float | None
    substitution_ratio: float | None
    phantom_share: float | None
    origin_growth: float | None  # post/pre of the origins' declared exports to the hub
    phantom_increase: float | None = None
    additional_reported_years: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def rank_hubs(engine: Engine, store: Store, hubs: list[str], destination: str, origins: list[str], *,
              watchlist: str | Watchlist = TOTAL, break_year: int = 2022, pre_years: list[int] | None = None,
              post_years: list[int] | None = None) -> list[HubRank]:
    wl = watchlist if isinstance(watchlist, Watchlist) else load_watchlist(watchlist)
    out = []
    for hub in hubs:
        view = hub_view(engine, store, hub, destination, origins=origins, watchlist=wl, break_year=break_year,
                        pre_years=pre_years, post_years=post_years)
        f = view.figures
        o_h = next((r for r in view.rows if r["leg"] == "origins→hub" and r["goods"] == "watched"), None)
        add_o, add_h = f.get("additional_exports"), f.get("extra_hub_exports")
        capacity = min(add_o, add_h) if add_o is not None and add_h is not None else None
        growth = (o_h["exporter_declared_post"] / o_h["exporter_declared_pre"]
                  if o_h and o_h["exporter_declared_pre"] else None)
        out.append(HubRank(hub, add_o, add_h, f.get("direct_fall"), capacity, view.substitution_ratio,
                           view.phantom_share, growth, f.get("phantom_increase"),
                           f.get("additional_exports_reported_years")))
    return sorted(out, key=lambda r: -(r.rerouting_capacity if r.rerouting_capacity is not None else float("-inf")))


def combined_phantom_share(ranks: list[HubRank], hubs: list[str]) -> float | None:
    """Phantom share of several hubs together: their phantom increases over their additional
    exports (as in the EBRD study, which pools Armenia, Kazakhstan and Kyrgyzstan)."""
    sel = [r for r in ranks if r.hub in hubs and r.phantom_increase is not None and r.additional_reported_years]
    total = sum(r.additional_reported_years or 0.0 for r in sel)
    return round(sum(r.phantom_increase or 0.0 for r in sel) / total, 4) if total > 0 else None
