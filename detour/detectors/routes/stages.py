"""Selection stages: competition between explanations of the same evidence, then the threshold.

Each stage is a function of the surviving route rows that keeps their index (``run_stages``), so
``detour.detectors.trace`` can say where a route stopped and what beat it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from detour.detectors.panel import Panel
from detour.detectors.scoring import to_score
from detour.model.alert import Alert


def one_reading(routes: pd.DataFrame, z: str) -> pd.DataFrame:
    """Keep, for each candidate route (origin, hub, destination, goods in and out), its best
    reading: the break year whose evidence ``z`` is the largest once the legs' fit year by year
    and their support are counted.

    ``score_routes`` keeps each route's ``READINGS`` strongest break years by the legs' z alone.
    The year that makes the legs' surges look largest is not always the one in which they fit:
    a delivery that began in 2023 may read as a weaker break from 2022 (its inbound leg's
    pre-period then ends earlier, its noise is smaller), paired with an onward leg a year later
    that the inbound leg's 2022 never carried. Chosen on z alone, that reading loses its fit and
    support, and with them the competition with another origin whose one-off 2022 shipment
    fits it no worse. The choice among a few readings is a small extra search, but the readings
    share their data: they are one route's evidence read from different years, not independent
    chances.
    """
    if routes.empty:
        return routes
    keys = ["o", "h", "d", "hs_in", "hs_out"]
    best = routes.sort_values(z, ascending=False, kind="stable").drop_duplicates(keys)
    return routes.loc[routes.index.isin(best.index)]


def one_origin(routes: pd.DataFrame, z: str) -> pd.DataFrame:
    """Keep, for each onward leg (hub, destination, product), the routes of its best origin only.

    One onward surge is one piece of evidence: when several origins' inbound surges could each
    explain it, they are competing explanations, not several findings. The look-elsewhere
    correction already charges the best of them for the competition; the others would only repeat
    the same onward evidence further down the list.
    """
    return _best_only(routes, z, ["h", "d", "hs_out"], "o")


def one_destination(routes: pd.DataFrame, z: str) -> pd.DataFrame:
    """Keep, for each inbound leg (origin, hub, goods in), the routes of its best destination only.

    The mirror of ``one_origin``: one inbound surge is one piece of evidence, and when it can be
    paired with onward surges to several destinations, the pairings are competing explanations
    of where the goods went. The onward look-elsewhere correction charges the best pairing for
    the competition; the others would repeat the same inbound evidence with a chance onward
    surge (a big economy sells new things to someone every year).
    """
    return _best_only(routes, z, ["o", "h", "hs_in"], "d")


def weigh_by_priors(routes: pd.DataFrame, panel: Panel, kind: str) -> pd.DataFrame:
    """The routes whose evidence ``z_fit`` times the priors of their ends (a listed hub, a
    destination of concern from its ``since`` year, judged at the route's first year ``t1``)
    clears the threshold, each with its ``score``. The threshold sees the priors as it sees the
    reason to detour: a route through a listed hub to a destination of concern needs less of the
    data's own evidence than one between two unlisted countries."""
    prior = [panel.prior(h, d, int(t)) for h, d, t in zip(routes.h, routes.d, routes.t1, strict=True)]
    weighed = routes.z_fit * np.asarray(prior, dtype=float)
    kept = routes[weighed >= panel.params.keep_z].copy()
    kept["score"] = [to_score(z, kind) for z in weighed[weighed >= panel.params.keep_z]]
    return kept


Stage = tuple[str, Callable[[pd.DataFrame], pd.DataFrame]]


def run_stages(
    routes: pd.DataFrame,
    stages: Sequence[Stage],
    record: Callable[[str, pd.DataFrame, pd.DataFrame], None] | None = None,
) -> pd.DataFrame:
    """Pass scored routes through a detector's selection stages in order (competition between
    explanations, the threshold), each a function of the surviving rows that keeps their index.
    ``record(name, before, after)`` sees every stage: ``detour.detectors.trace`` uses it to say
    where a route stopped and what beat it; the detectors' own ``score`` passes none."""
    for name, step in stages:
        after = step(routes)
        if record is not None:
            record(name, routes, after)
        routes = after
    return routes


ROUTE_KINDS = ("transshipment", "transformation")


def legs_of(alert: Alert) -> tuple[set[tuple[str, str, str]], set[tuple[str, str, str]]]:
    """A route alert's inbound and onward legs (exporter, importer, HS6 as declared), read from
    its evidence: each declaration of a flow origin → hub or hub → destination, by either side."""
    def flows(a: str, b: str | None) -> set[tuple[str, str, str]]:
        out = set()
        for e in alert.evidence:
            out_side = e.flow in ("export", "re-export")
            exporter, importer = (e.reporter, e.partner) if out_side else (e.partner, e.reporter)
            if (exporter, importer) == (a, b):
                out.add((exporter, importer, e.hs))
        return out

    return flows(alert.origin, alert.hub), flows(alert.hub or "", alert.destination)


def one_explanation(alerts: list[Alert]) -> list[Alert]:
    """Across the route detectors, keep one explanation per leg: the better-scoring alert when a
    transshipment and a transformation alert share a leg (the same flow, the same goods).

    ``one_origin`` and ``one_destination`` apply this within each detector. Across them, one
    onward surge of drones out of a hub may be read as drones forwarded from one origin
    (transshipment) or as drones assembled from another origin's chips (transformation), and one
    inbound surge of chips as chips forwarded or chips built into drones. Each reading uses the
    same evidence; they compete, and the weaker repeats the stronger's evidence with a chance
    partner. A leg in different roles is no competition: goods forwarded O → H1 → H2 and then
    built into a product H2 → D are a chain, H1 → H2 the onward leg of one and the inbound leg of
    the other. Alerts of other kinds, and route alerts that share no leg, are kept as they are.
    """
    claimed: dict[tuple[str, ...], str] = {}  # (role, leg) → the kind of the alert that explains it
    dropped: set[str] = set()
    for a in sorted((a for a in alerts if a.kind in ROUTE_KINDS), key=lambda a: (-a.score, a.id)):
        inbound, onward = legs_of(a)
        legs = {("in", *leg) for leg in inbound} | {("out", *leg) for leg in onward}
        if any(claimed.get(leg, a.kind) != a.kind for leg in legs):
            dropped.add(a.id)
            continue
        claimed.update(dict.fromkeys(legs, a.kind))
    return [a for a in alerts if a.id not in dropped]


def _best_only(routes: pd.DataFrame, z: str, legs: list[str], who: str) -> pd.DataFrame:
    """The rows whose ``who`` is the best-scoring one (ties: the first in order) within ``legs``."""
    if routes.empty:
        return routes
    best = routes.groupby(legs)[z].transform("max")
    top = routes[routes[z] == best].groupby(legs)[who].min().to_dict()
    keys = zip(*(routes[c] for c in legs), strict=True)
    keep = [top.get(k) == w for k, w in zip(keys, routes[who], strict=True)]
    return routes[np.asarray(keep, dtype=bool)]
