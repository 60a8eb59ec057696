"""Transshipment: O → H and H → D surge together in the same goods while O → D stops or never existed.

DOMAIN.md pattern 1. The same HS6 code surges into the hub and, the same year or a year later,
out of it to the destination; see ``detour.detectors.routes`` for the statistics. Look-alikes
and why they stay quiet:

- the hub's own procurement surge: O → H surges, H → D does not, so the weakest leg is flat;
- the destination buying broadly: H → D rises no faster than D's imports from everyone else,
  so the difference in differences of the outbound leg is near zero;
- ordinary re-export trade that was always there: both legs' pre-periods already hold the
  level, so neither z is large;
- direct trade that continues: the route is not needed, the candidate is dropped.

One alert per (origin, hub, destination), listing every HS6 code that scored.
"""

from __future__ import annotations

import ibis
import pandas as pd

from detour.detectors.base import Detector, Scope
from detour.detectors.panel import Panel
from detour.detectors.routes import route_candidates, score_routes
from detour.detectors.scoring import to_score
from detour.model.alert import Alert
from detour.model.codes import country_name


class TransshipmentDetector(Detector):
    name = "transshipment"
    kind = "transshipment"

    def candidates(self, panel: Panel, scope: Scope) -> ibis.Table:
        return route_candidates(panel, scope, panel.watchlist.predicate, panel.watchlist.predicate,
                                lambda a, b: a == b)

    def score(self, panel: Panel, candidates: pd.DataFrame) -> list[Alert]:
        cand = candidates[candidates.hs_in == candidates.hs_out]
        routes, rows = score_routes(panel, cand)
        routes["score"] = [to_score(z, self.kind) for z in routes.z]
        routes = routes[routes.z_raw >= panel.params.min_z]
        alerts = []
        for (o, h, d), g in routes.groupby(["o", "h", "d"], sort=True):
            best = g.loc[g.score.idxmax()]
            start, end = int(g.t1.min()), int(g.end.max())
            codes = sorted(g.hs_in)
            legs = rows[rows.hs.isin(codes) & rows.year.between(start - 1, end)
                        & ((rows.exporter == o) & rows.importer.isin([h, d]) | (rows.exporter == h) & (rows.importer == d))]
            direct = "stopped" if (g.direct_pre >= panel.params.min_value).any() else "never existed"
            text = (f"{country_name(o)}'s exports of HS {', '.join(codes)} to {country_name(h)} surged from "
                    f"{int(best.t1)} and {country_name(h)}'s exports of the same goods to {country_name(d)} "
                    f"surged from {int(best.t2)}, while direct {country_name(o)}–{country_name(d)} trade "
                    f"{direct}.")
            alerts.append(Alert(self.kind, o, h, d, tuple(codes), start, end, float(g.score.max()),
                                round(float(g.value_usd.sum()), 2), text, tuple(panel.evidence(legs))))
        return alerts
