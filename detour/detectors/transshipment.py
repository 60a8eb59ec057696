"""Transshipment: O → H and H → D surge together in the same goods while O → D stops or never existed.

DOMAIN.md pattern 1. The same HS6 code surges into the hub and, the same year or a year later,
out of it to the destination; see ``detour.detectors.routes`` for the statistics. Look-alikes
and why they stay quiet:

- the hub's own procurement surge: O → H surges, H → D does not, so the weakest leg is flat;
- the destination buying broadly: H → D rises no faster than D's imports from everyone else,
  so the difference in differences of the outbound leg is near zero;
- ordinary re-export trade that was always there: both legs' pre-periods already hold the
  level, so neither z is large;
- direct trade that continues: the route is not needed, the candidate is dropped;
- two unrelated new flows that happen to coincide: the hub's extra exports to D do not match
  this origin's extra goods (or the hub's extra imports of them from every supplier, counted as
  far as the hub's totals moved); the evidence z is multiplied by ``coherence`` (1 within a
  factor 2, then falling), and the hub's total imports and exports of the goods do not both move;
- a hub that switched customers (or suppliers): one of its totals stays flat.

Ranking: the score lifts listed hubs and destinations of concern (``hubs.yaml``) by their prior,
and the evidence threshold sees the lifted evidence.

One alert per (origin, hub, destination), listing every HS6 code that scored.
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from detour.detectors.base import Detector, Scope
from detour.detectors.panel import Panel
from detour.detectors.routes import (
    Stage,
    coherence,
    hub_share,
    hub_witness,
    one_destination,
    one_origin,
    one_reading,
    price_fit,
    profile_fit,
    route_candidates,
    run_stages,
    score_routes,
    shared_clause,
    support,
    weigh_by_priors,
)
from detour.detectors.scoring import MIN_PART, combined
from detour.model.alert import Alert
from detour.model.codes import country_name

FIT_LOW, FIT_HIGH = 0.5, 2.0  # onward excess / the hub's excess imports of the goods


def _one_route(routes: pd.DataFrame) -> pd.DataFrame:
    """One alert per (origin, hub, destination): its codes' evidence combined (``combined``),
    each code counting only when it is itself suggestive (``MIN_PART``)."""
    routes = routes[routes.z_fit >= MIN_PART].copy()
    routes["z_fit"] = combined(routes, ["o", "h", "d"], "hs_in", "z_fit")
    return routes


class TransshipmentDetector(Detector):
    name = "transshipment"
    kind = "transshipment"

    def candidates(self, panel: Panel, scope: Scope) -> ibis.Table:
        return route_candidates(
            panel, scope, panel.watchlist.predicate, panel.watchlist.predicate, lambda a, b: a == b
        )

    def assess(self, panel: Panel, candidates: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Every candidate route's evidence ``z_fit`` (and its factors ``fit`` and ``support``)
        before any competition or threshold; plus the legs' rows."""
        cand = candidates[candidates.hs_in == candidates.hs_out]
        routes, rows = score_routes(panel, cand, window=(FIT_LOW, FIT_HIGH))
        # What the hub sent on should match what it took in: within 2x of this origin's extra
        # goods, or of the hub's extra imports of them from every supplier (a hub fed by many
        # origins). The alert names one origin, so the hub-wide fit counts only as far as the
        # hub visibly forwards as a whole: its totals moved as much as the legs (the share used in
        # the soft AND). Otherwise an onward surge ten times this origin's extra goods, matched
        # only by a big economy's total imports, would be pinned on whichever origin surged too.
        legs = np.fmin(routes.z_in, routes.z_out).to_numpy()
        share = hub_share(routes.z_hub.to_numpy(), legs)
        fit = np.fmax(
            coherence(routes.e_out / routes.e_in.clip(lower=1.0), FIT_LOW, FIT_HIGH),
            coherence(routes.e_out / routes.e_in_total.clip(lower=1.0), FIT_LOW, FIT_HIGH) * share,
        ) * profile_fit(routes, FIT_LOW, FIT_HIGH, True, share)
        # Forwarded goods keep their kilograms: the onward price per kg answers the inbound one
        # (``price_fit``). It says whose goods went on, so it weighs the origins' own fit too.
        price, routes["price_ratio"] = price_fit(routes, rows, panel.years)
        routes["fit"] = fit * price
        routes["support"] = support(routes, panel)
        routes["z_fit"] = routes.z_raw * routes.fit * routes.support * routes.reason
        # The same evidence with this origin's own goods only (no credit from the hub's totals):
        # what tells competing origins of one onward surge apart (``one_origin``). The hub-wide
        # fit is the same for every origin that surged into the hub: it says the hub forwards,
        # not whose goods it forwards. An origin whose one-off shipment a year before the onward
        # surge fits only through another origin's goods in the hub's totals must not win.
        own = coherence(routes.e_out / routes.e_in.clip(lower=1.0), FIT_LOW, FIT_HIGH)
        own = own * profile_fit(routes, FIT_LOW, FIT_HIGH, False) * price
        routes["z_own"] = routes.z_raw * own * routes.support * routes.reason
        return routes, rows

    def stages(self, panel: Panel) -> list[Stage]:
        """The best break year of each route (``one_reading``), one origin per onward surge (on its
        own goods' fit, ``z_own``), one destination per inbound surge, the codes of one route
        combined (a code too weak to be part of it left out), then the threshold."""
        return [
            ("best reading", lambda r: one_reading(r, "z_fit")),
            ("one origin", lambda r: one_origin(r, "z_own")),
            ("one destination", lambda r: one_destination(r, "z_fit")),
            ("route's codes combined", _one_route),
            ("threshold", lambda r: weigh_by_priors(r, panel, self.kind)),
        ]

    def score(self, panel: Panel, candidates: pd.DataFrame) -> list[Alert]:
        routes, rows = self.assess(panel, candidates)
        routes = run_stages(routes, self.stages(panel))
        alerts = []
        for (o, h, d), g in routes.groupby(["o", "h", "d"], sort=True):
            best = g.loc[g.score.idxmax()]
            start, end = int(g.t1.min()), int(g.end.max())
            codes = sorted(g.hs_in)
            legs = rows[
                rows.hs.isin(codes)
                & rows.year.between(start - 1, end)
                & (
                    (rows.exporter == o) & rows.importer.isin([h, d])
                    | (rows.exporter == h) & (rows.importer == d)
                )
            ]
            direct = "stopped" if (g.direct_pre >= panel.params.min_value).any() else "never existed"
            text = (
                f"{country_name(o)}'s exports of HS {', '.join(codes)} to {country_name(h)} surged from "
                f"{int(best.t1)} and {country_name(h)}'s exports of the same goods to {country_name(d)} "
                f"surged from {int(best.t2)}, while direct {country_name(o)}–{country_name(d)} trade "
                f"{direct}; {hub_witness(best, country_name(h), 'goods', 'goods')}"
                f"{shared_clause(g, country_name(h))}."
            )
            alerts.append(
                Alert(
                    self.kind,
                    o,
                    h,
                    d,
                    tuple(codes),
                    start,
                    end,
                    float(g.score.max()),
                    round(float(g.value_usd.sum()), 2),
                    text,
                    tuple(panel.evidence(legs)),
                )
            )
        return alerts
