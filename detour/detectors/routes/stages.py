"""Selection stages: competition between explanations of the same evidence, then the threshold.

Each stage is a function of the surviving route rows that keeps their index (``run_stages``), so
``detour.detectors.trace`` can say where a route stopped and what beat it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from detour.detectors.panel import Panel
from detour.detectors.scoring import to_score
from detour.model.alert import Alert
from detour.model.codes import country_name

# A competing explanation of the same leg within this share of the best one's evidence is kept
# beside it (``one_origin``, ``one_destination``): the data cannot tell the two apart.
NEAR = 0.75


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
    """Keep, for each onward leg (hub, destination, product), the routes of its best origin, and
    of any other origin whose evidence comes within ``NEAR`` of it.

    One onward surge is one piece of evidence: when several origins' inbound surges could each
    explain it, they are competing explanations, not several findings. The look-elsewhere
    correction already charges the best of them for the competition; a clearly weaker one would
    only repeat the same onward evidence further down the list. But when two origins' evidence
    is within a quarter of each other the data cannot tell which one's goods went on (two
    schemes through one hub in the same goods at the same time, or a chance inbound surge as
    strong as the real one): keeping only the better would be a coin toss that drops a finding
    half the time. Both are kept, and each alert names the other (``shared_o``).
    """
    return _best_only(routes, z, ["h", "d", "hs_out"], "o")


def one_destination(routes: pd.DataFrame, z: str) -> pd.DataFrame:
    """Keep, for each inbound leg (origin, hub, goods in), the routes of its best destination only.

    The mirror of ``one_origin``: one inbound surge is one piece of evidence, and when it can be
    paired with onward surges to several destinations, the pairings are competing explanations
    of where the goods went. The onward look-elsewhere correction charges the best pairing for
    the competition; the others would repeat the same inbound evidence with a chance onward
    surge (a big economy sells new things to someone every year). As for origins, a destination
    within ``NEAR`` of the best is kept too, each alert naming the other (``shared_d``).
    """
    return _best_only(routes, z, ["o", "h", "hs_in"], "d")


def shared_clause(g: pd.DataFrame, hub: str) -> str:
    """The clause an alert's sentence ends with when another origin or destination was kept
    beside its own on the same legs (``one_origin``, ``one_destination``: within ``NEAR`` of each
    other), "" when none; ``g`` is the alert's route rows, ``hub`` the hub's name.

    >>> g = pd.DataFrame({"shared_o": ["BEL", ""], "shared_d": ["", ""]})
    >>> shared_clause(g, "Türkiye")
    "; but Belgium's goods into Türkiye explain the same onward surge nearly as well (a separate alert)"
    """
    def named(col: str) -> list[str]:
        vals = g[col] if col in g.columns else pd.Series(dtype=object)
        return [country_name(x) for x in sorted({x for x in vals.fillna("") if x})]

    out = ""
    if origins := named("shared_o"):
        out += (
            f"; but {' and '.join(origins)}'s goods into {hub} explain the same onward surge nearly as "
            "well (a separate alert)"
        )
    if destinations := named("shared_d"):
        out += (
            f"; {'and' if origins else 'but'} the same inbound goods pair nearly as well with {hub}'s "
            f"exports to {' and '.join(destinations)} (a separate alert)"
        )
    return out


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
    """Across the route detectors, keep one explanation per leg: when a transshipment and a
    transformation alert share a leg (the same flow, the same goods), the better-scoring one, and
    the other too when it scores within ``NEAR`` of it.

    ``one_origin`` and ``one_destination`` apply this within each detector. Across them, one
    onward surge of drones out of a hub may be read as drones forwarded from one origin
    (transshipment) or as drones assembled from another origin's chips (transformation), and one
    inbound surge of chips as chips forwarded or chips built into drones. Each reading uses the
    same evidence; they compete, and a clearly weaker one repeats the stronger's evidence with a
    chance partner. But when the two score within a quarter of each other the data cannot tell
    them apart (goods forwarded through a hub that an origin also declared components to, both
    surging at once): as within a detector, keeping only the better would be a coin toss, so both
    are kept and each ends by naming the other (``rival_clause``). A leg in different roles is no
    competition: goods forwarded O → H1 → H2 and then built into a product H2 → D are a chain,
    H1 → H2 the onward leg of one and the inbound leg of the other. Alerts of other kinds, and
    route alerts that share no leg, are kept as they are.
    """
    claimed: dict[tuple[str, ...], Alert] = {}  # (role, leg) → the best alert explaining it
    dropped: set[str] = set()
    rivals: dict[str, list[Alert]] = {}  # alert id → near alerts of the other kind on its legs
    for a in sorted((a for a in alerts if a.kind in ROUTE_KINDS), key=lambda a: (-a.score, a.id)):
        inbound, onward = legs_of(a)
        legs = {("in", *leg) for leg in inbound} | {("out", *leg) for leg in onward}
        rivals_here = [claimed[leg] for leg in legs if leg in claimed and claimed[leg].kind != a.kind]
        others = {b.id: b for b in rivals_here}
        if any(a.score < NEAR * b.score for b in others.values()):
            dropped.add(a.id)
            continue
        for b in others.values():
            rivals.setdefault(a.id, []).append(b)
            rivals.setdefault(b.id, []).append(a)
        for leg in legs:
            claimed.setdefault(leg, a)

    def named(a: Alert) -> Alert:
        if a.id not in rivals:
            return a
        return replace(a, explanation=a.explanation.rstrip(".") + rival_clause(rivals[a.id]) + ".")

    return [named(a) for a in alerts if a.id not in dropped]


def rival_clause(rivals: list[Alert]) -> str:
    """The clause a route alert ends with when an alert of the other route kind on one of its legs
    scored within ``NEAR`` of it (``one_explanation``)."""
    named = [
        f"a {b.kind} ({' → '.join(country_name(c) for c in (b.origin, b.hub, b.destination) if c)})"
        for b in sorted(rivals, key=lambda b: (-b.score, b.id))
    ]
    return f"; read as {' and as '.join(named)}, the same legs score nearly as well (a separate alert)"


def _best_only(routes: pd.DataFrame, z: str, legs: list[str], who: str) -> pd.DataFrame:
    """The rows whose ``who`` is the best-scoring one within ``legs``, or scores at least ``NEAR``
    times the best (evidence above 0 only: a leg with no evidence keeps its best ``who`` alone,
    ties: the first in order). Column ``shared_<who>``: the other ``who`` kept on the same legs
    (the strongest, "" when none), for the alert's explanation.

    >>> r = pd.DataFrame({"h": ["TUR"] * 3, "d": ["RUS"] * 3, "hs_out": ["880623"] * 3,
    ...                   "o": ["BEL", "GBR", "USA"], "z": [6.4, 5.3, 2.0]})
    >>> kept = _best_only(r, "z", ["h", "d", "hs_out"], "o")
    >>> kept.o.tolist(), kept.shared_o.tolist()
    (['BEL', 'GBR'], ['GBR', 'BEL'])
    """
    if routes.empty:
        return routes.assign(**{f"shared_{who}": pd.Series(dtype=object)})
    best = routes.groupby(legs)[z].transform("max")
    mine = routes.groupby(legs + [who])[z].transform("max")
    top = routes[routes[z] == best].groupby(legs)[who].min().to_dict()
    keys = list(zip(*(routes[c] for c in legs), strict=True))
    first = np.array([top.get(k) == w for k, w in zip(keys, routes[who], strict=True)], dtype=bool)
    keep = first | ((best > 0) & (mine >= NEAR * best)).to_numpy()
    kept = routes[keep].copy()
    # Per legs, the kept ``who`` by their best z, strongest first: each row names the strongest other.
    ranked = (
        kept.assign(_m=mine[keep]).groupby(legs + [who], sort=False)["_m"].max()
        .reset_index().sort_values("_m", ascending=False, kind="stable")
    )
    order: dict[tuple, list[str]] = {}
    for row in ranked.itertuples(index=False):
        order.setdefault(tuple(getattr(row, c) for c in legs), []).append(getattr(row, who))
    kept[f"shared_{who}"] = [
        next((x for x in order[tuple(k)] if x != w), "")
        for k, w in zip(zip(*(kept[c] for c in legs), strict=True), kept[who], strict=True)
    ]
    return kept
