"""Transformation: components go O → H, the assembled product goes H → D (DOMAIN.md pattern 2).

The component → product map is ``detour/data/transformations.yaml`` (propellants → ammunition,
weapon parts → weapons, electronic components → radio-navigation, telecom and drones, aircraft
parts → aircraft). A rule is active when the watch-list touches any of its headings; the panel
then also holds the rule's other headings, so a watch-list of products still sees their parts.

Statistics as for transshipment (``detour.detectors.routes``): components into the hub surge,
products out of it to the destination surge the same year or a year later faster than the
destination's imports of those products from everyone else, and the destination's direct
imports of the product from the origin stopped or never existed, or the route keeps half its
evidence (an open channel, ``routes.reason_to_detour``). Look-alikes: a hub importing
parts for its own use (no product leg), a destination re-arming from all suppliers (no excess
over its other suppliers), an origin that keeps selling the product directly (a supply chain
it had no need to hide; not excluded outright, because parts and the assembled product are
different goods, and a hub's assembly for the destination is not explained by the origin's own
sales of the product), and unrelated
new flows that coincide: assembled products are worth more than their parts, but not out of
all proportion, so the products' excess value must be 1-10x the components' (``coherence``).
"""

from __future__ import annotations

import functools

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from detour.detectors.base import Detector, Scope
from detour.detectors.panel import Panel
from detour.detectors.reference import Rule, transformation_rules
from detour.detectors.routes import (
    Stage,
    coherence,
    hub_weight,
    hub_witness,
    one_destination,
    one_origin,
    one_reading,
    profile_fit,
    route_candidates,
    run_stages,
    score_routes,
    shared_clause,
    support,
    weigh_by_priors,
)
from detour.detectors.scoring import MIN_PART, combined
from detour.detectors.watchlist import Watchlist
from detour.model.alert import Alert
from detour.model.codes import country_name

FIT_LOW, FIT_HIGH = 1.0, 10.0  # products' excess value / the components' excess value


def _touches(watchlist: Watchlist, heading: str) -> bool:
    return any(c.startswith(heading) or heading.startswith(c) for c in watchlist.codes)


def active_rules(watchlist: Watchlist) -> tuple[Rule, ...]:
    return tuple(
        r for r in transformation_rules() if any(_touches(watchlist, h) for h in r.components + r.products)
    )


KIT_FIT = 0.5  # a component's own size fit (``coherence``) at which it can be part of a kit


def kit(routes: pd.DataFrame, member: np.ndarray | pd.Series | None = None) -> pd.Series:
    """Route evidence with the inbound leg's evidence combined over the components of one product.

    A kit of parts (barrels and receivers, two propellants) arrives as several HS6 codes, each its
    own declaration with its own noise, all feeding one product leg. The product leg is one piece
    of evidence, so the rows are not combined as a whole (they share it); but the inbound side is
    several independent surges, combined with Stouffer's rule over the components that are
    individually suggestive (``scoring.combined``). The route's z is then rebuilt as in
    ``routes.score_routes``: the weaker leg, softened by the hub's totals. It never falls.

    ``member`` (default: every row) says which rows can be part of a kit: a component whose own
    extra goods are far out of proportion to the product's (``coherence`` under ``KIT_FIT``: a
    surge many times the product's value, bought for something else) is not part of the delivery,
    lends the kit nothing and takes nothing from it. Each part of a genuine kit is smaller than
    the whole, so its own ratio to the product only rises, within the detector's wide window.
    """
    if routes.empty:
        return routes.z_raw
    member = np.ones(len(routes), dtype=bool) if member is None else np.asarray(member, dtype=bool)
    # Only components that surged in the same year belong to one kit, and only a component that
    # is itself suggestive (``MIN_PART``) takes the kit's evidence: a code that did not move is
    # not part of the delivery.
    # The look-elsewhere charge (``score_routes``) is one per onward surge, whatever the size of
    # the kit: the components' own z's are combined before it, and it is taken once.
    raw = (routes.z_in + routes.elsewhere).where(member, -np.inf)
    z_in = combined(routes.assign(_z=raw), ["o", "h", "d", "hs_out", "t1"], "hs_in", "_z") - routes.elsewhere
    z_in = np.where(member & (routes.z_in >= MIN_PART), np.fmax(z_in, routes.z_in), routes.z_in)
    legs = np.fmin(z_in, routes.z_out)
    rebuilt = legs * hub_weight(routes.z_hub_in, routes.z_hub_out, routes.see_in, routes.see_out, legs)
    return pd.Series(np.fmax(routes.z_raw, rebuilt), index=routes.index)


class TransformationDetector(Detector):
    name = "transformation"
    kind = "transformation"

    def codes(self, watchlist: Watchlist) -> tuple[str, ...]:
        return watchlist.codes + tuple(h for r in active_rules(watchlist) for h in r.components + r.products)

    def candidates(self, panel: Panel, scope: Scope) -> ibis.Table:
        rules = active_rules(panel.watchlist)
        if not rules:
            return panel.pairs.select(
                o=panel.pairs.exporter,
                h=panel.pairs.importer,
                d=panel.pairs.importer,
                hs_in=panel.pairs.hs,
                hs_out=panel.pairs.hs,
            ).limit(0)
        comps = sorted({h for r in rules for h in r.components})
        prods = sorted({h for r in rules for h in r.products})

        def link(a: ir.StringValue, b: ir.StringValue) -> ir.BooleanValue:
            each = [
                a.substr(0, 4).isin(list(r.components)) & b.substr(0, 4).isin(list(r.products)) for r in rules
            ]
            return functools.reduce(lambda x, y: x | y, each)

        return route_candidates(
            panel, scope, lambda hs: hs.substr(0, 4).isin(comps), lambda hs: hs.substr(0, 4).isin(prods), link
        )

    def assess(self, panel: Panel, candidates: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Every candidate route's evidence ``z_fit`` (and its factors ``fit`` and ``support``)
        before any competition or threshold; plus the legs' rows."""
        routes, rows = score_routes(panel, candidates, window=(FIT_LOW, FIT_HIGH), direct_gate=False)
        # Products out should be worth more than this origin's components in, but not out of all
        # proportion (the assembler may buy the same parts from others for its own production).
        fit = coherence(routes.e_out / routes.e_in.clip(lower=1.0), FIT_LOW, FIT_HIGH)
        routes["z_raw"] = kit(routes, fit >= KIT_FIT)
        routes["fit"] = fit * profile_fit(routes, FIT_LOW, FIT_HIGH, False)
        routes["support"] = support(routes, panel)
        routes["z_fit"] = routes.z_raw * routes.fit * routes.support * routes.reason
        return routes, rows

    def stages(self, panel: Panel) -> list[Stage]:
        """The best break year of each route (``one_reading``), one origin per onward surge, one
        destination per inbound surge, then the threshold."""
        return [
            ("best reading", lambda r: one_reading(r, "z_fit")),
            ("one origin", lambda r: one_origin(r, "z_fit")),
            ("one destination", lambda r: one_destination(r, "z_fit")),
            ("threshold", lambda r: weigh_by_priors(r, panel, self.kind)),
        ]

    def score(self, panel: Panel, candidates: pd.DataFrame) -> list[Alert]:
        routes, rows = self.assess(panel, candidates)
        routes = run_stages(routes, self.stages(panel))
        alerts = []
        for (o, h, d), g in routes.groupby(["o", "h", "d"], sort=True):
            best = g.loc[g.score.idxmax()]
            start, end = int(g.t1.min()), int(g.end.max())
            comps, prods = sorted(set(g.hs_in)), sorted(set(g.hs_out))
            legs = rows[
                rows.year.between(start - 1, end)
                & (
                    (rows.exporter == o) & (rows.importer == h) & rows.hs.isin(comps)
                    | (rows.exporter == h) & (rows.importer == d) & rows.hs.isin(prods)
                    | (rows.exporter == o) & (rows.importer == d) & rows.hs.isin(prods)
                )
            ]
            if best.direct_open:
                direct = (
                    f"went on ({country_name(o)} also sold those products to {country_name(d)} directly, "
                    "so this may be an ordinary supply chain)"
                )
            elif (g.direct_pre >= panel.params.min_value).any():
                direct = "stopped"
            else:
                direct = "never existed"
            text = (
                f"{country_name(o)}'s exports of components (HS {', '.join(comps)}) to {country_name(h)} "
                f"surged from {int(best.t1)} and {country_name(h)}'s exports of products made from them "
                f"(HS {', '.join(prods)}) to {country_name(d)} surged from {int(best.t2)}, while direct "
                f"{country_name(o)}–{country_name(d)} trade in those products {direct}; "
                f"{hub_witness(best, country_name(h), 'components', 'products')}"
                f"{shared_clause(g, country_name(h))}."
            )
            alerts.append(
                Alert(
                    self.kind,
                    o,
                    h,
                    d,
                    tuple(comps + prods),
                    start,
                    end,
                    float(g.score.max()),
                    round(float(g.value_usd.sum()), 2),
                    text,
                    tuple(panel.evidence(legs)),
                )
            )
        return alerts
