"""Why a route was flagged, or why not: one origin → hub → destination traced through the route
detectors (``detour trace``).

An analyst checking an allegation ("Serbian parts are assembled in Czechia for Ukraine") needs
more than the absence of an alert. ``trace_route`` runs the transshipment and transformation
detectors exactly as ``run_detectors`` does, but over the one hub (every competitor of the route
goes through that hub, so its evidence is the same as in a full run), and reports for each of the
route's candidate code pairs:

- the evidence of each leg (``z_in``, ``z_out``, after their look-elsewhere charges), what the
  hub's own totals showed (``hub_weight``: 1 when they moved with the legs), the reason to
  detour (0.5 when the route has none, ``reason_why`` says why), the fit of the legs' sizes and
  the years' support, and the evidence ``z_fit`` they make together; as context only, the
  origin's open trade with the destination in the rest of the chapter (``open_chapter``, USD a
  year);
- the stage where it stopped: ``scoring`` (no break year where both legs stood out, or for
  transshipment the direct flow went on), ``best reading`` (another break year of the same code
  pair reads better: such rows are left out of the table), ``one origin`` (another origin's
  inbound surge explains the same onward surge better, by more than ``NEAR`` allows, and which),
  ``one destination`` (the same inbound surge pairs better with another onward surge),
  ``route's codes combined`` (too weak to be part of the route), ``threshold`` (evidence × priors
  under ``min_z``), ``one explanation``
  (the alert was made, then a stronger alert of the other route kind claimed one of its legs), or
  ``alert``.

Nothing here scores anything itself: the detectors' ``assess`` and ``stages`` do, and
``routes.run_stages`` reports each stage's survivors (its ``record`` hook). Two countries (a
declared pair through the phantom-export, undeclared-export and unit-value detectors) are traced
by ``trace_pair.trace_pair``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from detour.detectors import DETECTORS, SharedPanel, as_declared, get_detector, panel_for
from detour.detectors.base import Scope
from detour.detectors.pair_reasons import usd
from detour.detectors.routes import NEAR, ROUTE_KINDS, legs_of, one_explanation, run_stages
from detour.detectors.routes.fit import PRICE_HIGH, PRICE_LOW
from detour.detectors.routes.reason import open_chapter
from detour.detectors.scoring import MIN_PART, Params
from detour.detectors.watchlist import Watchlist
from detour.engine.base import Engine
from detour.errors import ConfigError
from detour.model.alert import Alert
from detour.model.codes import country_name
from detour.store.catalog import Store

COLUMNS = (
    "kind", "hs_in", "hs_out", "t1", "t2", "z_in", "z_out", "hub_weight", "reason", "reason_why",
    "direct_open", "open_chapter", "fit", "price_ratio", "support", "z_fit", "prior", "evidence", "stage",
    "detail",
)  # fmt: skip


@dataclass
class RouteTrace:
    """One route through the route detectors: a row per candidate code pair, and a verdict."""

    origin: str
    hub: str
    destination: str
    min_z: float
    candidates: dict[str, int]  # kind → candidate code pairs for this route (engine-side filter)
    rows: pd.DataFrame  # COLUMNS, best evidence first
    alerts: list[Alert] = field(default_factory=list)  # this route's alerts after one_explanation
    verdicts: dict[str, str] = field(default_factory=dict)  # kind → one sentence

    @property
    def flagged(self) -> bool:
        return bool(self.alerts)

    def to_dict(self) -> dict[str, Any]:
        rows = self.rows.replace({np.nan: None}).to_dict(orient="records")
        return {
            "origin": self.origin,
            "hub": self.hub,
            "destination": self.destination,
            "flagged": self.flagged,
            "min_z": self.min_z,
            "candidates": self.candidates,
            "verdicts": self.verdicts,
            "alerts": [a.to_dict() for a in self.alerts],
            "rows": rows,
        }


def _iso(value: str, role: str) -> str:
    code = (value or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ConfigError(f"{role} must be an ISO3 country code, got {value!r}", hint="e.g. SRB, CZE, UKR")
    return code


def trace_route(
    engine: Engine,
    store: Store | Path | str,
    origin: str,
    hub: str,
    destination: str,
    *,
    kinds: Iterable[str] | None = None,
    watchlist: str | Path | Watchlist | Sequence[str | Path | Watchlist] | None = None,
    since: int | None = None,
    params: Params | None = None,
    shared: SharedPanel | None = None,
) -> RouteTrace:
    """Trace ``origin → hub → destination`` through the route detectors (``kinds``, default both);
    on ``shared``'s panel when given, else on one of its own."""
    o, h, d = _iso(origin, "origin"), _iso(hub, "hub"), _iso(destination, "destination")
    kinds = tuple(kinds or ROUTE_KINDS)
    for k in kinds:
        if k.replace("-", "_") not in ROUTE_KINDS:
            pair = k.replace("-", "_") in DETECTORS
            raise ConfigError(
                f"a trace of three countries follows the route detectors only, not {k!r}"
                + ("; it traces a declared pair: give two countries (ORIGIN PARTNER)" if pair else ""),
                hint=", ".join(ROUTE_KINDS),
            )
    detectors = [get_detector(k) for k in kinds]
    scope = Scope(hubs=frozenset({h}))
    frames, counts, made, verdicts = [], {}, [], {}
    with panel_for(
        engine, store, detectors, shared=shared, watchlist=watchlist, since=since, params=params
    ) as panel:
        for det in detectors:
            cand = engine.execute(det.candidates(panel, scope)) if panel.years else pd.DataFrame()
            mine = cand[(cand.o == o) & (cand.d == d)] if len(cand) else cand
            if det.kind == "transshipment" and len(mine):
                mine = mine[mine.hs_in == mine.hs_out]
            counts[det.kind] = int(len(mine))
            if not len(mine):
                verdicts[det.kind] = _no_candidate(det.kind, o, h, d, panel.params)
                continue
            routes, _ = det.assess(panel, cand)
            target = routes[(routes.o == o) & (routes.d == d)].copy()
            # The detector's year profiles (``attrs``) are for all its routes: pandas compares
            # attrs when frames are concatenated, and arrays of two detectors cannot be compared.
            target.attrs = {}
            if target.empty:
                verdicts[det.kind] = _not_scored(det.kind, o, h, d, len(mine))
                continue
            target["stage"], target["detail"] = "alert", ""
            ends = zip(target.h, target.d, target.t1, strict=True)
            target["prior"] = [panel.prior(hh, dd, int(t)) for hh, dd, t in ends]
            target["evidence"] = np.nan

            def record(name: str, before: pd.DataFrame, after: pd.DataFrame, target=target) -> None:
                gone = target.index.intersection(before.index).difference(after.index)
                for i in gone:
                    target.loc[i, ["stage", "detail"]] = name, _why(name, before.loc[i], after, panel)
                kept = target.index.intersection(after.index)
                target.loc[kept, "evidence"] = after.loc[kept, "z_fit"] * target.loc[kept, "prior"]
                if name == "threshold":
                    target.loc[gone, "evidence"] = before.loc[gone, "z_fit"] * target.loc[gone, "prior"]

            run_stages(routes, det.stages(panel), record)
            target["kind"] = det.kind
            frames.append(target)
            made += [as_declared(a) for a in det.run(panel, scope)]
        min_z = panel.params.min_z
        rows = _rows(frames)
        # Context, never a discount (``routes.reason.open_chapter``): the origin's open trade with
        # the destination in the other goods of the onward code's chapter, USD a year.
        if len(rows):
            years = list(panel.years)
            cand = pd.DataFrame({"o": o, "d": d, "hs_out": rows.hs_out.astype(str)})
            at = np.array([years.index(int(t)) for t in rows.t1])
            rows["open_chapter"] = np.round(open_chapter(panel, cand, at), 0)
    kept = one_explanation(made)
    kept_ids = {a.id for a in kept}
    mine_alerts = [a for a in kept if (a.origin, a.hub, a.destination) == (o, h, d)]
    for a in made:
        if (a.origin, a.hub, a.destination) == (o, h, d) and a.id not in kept_ids:
            claimed = _claimant(a, kept)
            mask = rows.kind.eq(a.kind) & rows.stage.eq("alert")
            rows.loc[mask, "stage"] = "one explanation"
            rows.loc[mask, "detail"] = claimed
    for det in detectors:
        if det.kind not in verdicts:
            mine_rows = rows[rows.kind == det.kind]
            verdicts[det.kind] = _verdict(det.kind, mine_rows, mine_alerts, o, h, d, min_z)
    verdicts = {det.kind: verdicts[det.kind] for det in detectors}
    return RouteTrace(o, h, d, min_z, counts, rows, mine_alerts, verdicts)


def _rows(frames: list[pd.DataFrame]) -> pd.DataFrame:
    if not frames:
        return pd.DataFrame(columns=list(COLUMNS))
    df = pd.concat(frames, ignore_index=True)
    # Another break year of a code pair shown in its best reading adds nothing to the table.
    df = df[df.stage != "best reading"]
    legs = np.fmin(df.z_in, df.z_out)
    # The hub's soft AND as it was applied: the route's raw evidence over its weaker leg.
    df["hub_weight"] = np.where(legs > 0, df.z_raw / legs.where(legs > 0), np.nan).clip(0.0, 1.0)
    df["evidence"] = df.evidence.fillna(df.z_fit * df.prior)
    order = {"alert": 0, "one explanation": 1, "threshold": 2}
    df["_o"] = df.stage.map(order).fillna(3)
    df = df.sort_values(["_o", "evidence"], ascending=[True, False])
    df["open_chapter"] = 0.0  # filled by ``trace_route`` on its panel
    if "price_ratio" not in df.columns:  # transshipment only (``routes.price_fit``)
        df["price_ratio"] = np.nan
    out = df[list(COLUMNS)].reset_index(drop=True)
    numbers = ("z_in", "z_out", "hub_weight", "reason", "fit", "price_ratio", "support", "z_fit", "prior")
    for c in (*numbers, "evidence"):
        out[c] = out[c].astype(float).round(3)
    out["t1"], out["t2"] = out.t1.astype(int), out.t2.astype(int)
    out["direct_open"] = out.direct_open.astype(bool)
    return out


def _rival(after: pd.DataFrame, row: pd.Series, keys: tuple[str, ...], z: str = "z_fit") -> pd.Series | None:
    """The surviving row with the best evidence ``z`` among those sharing ``keys`` with ``row``."""
    if after.empty:
        return None
    rivals = after[np.logical_and.reduce([after[k] == row[k] for k in keys])]
    return rivals.loc[rivals[z].idxmax()] if len(rivals) else None


def _near(best: float, mine: float) -> str:
    """Why a weaker explanation of the same leg was dropped: under ``NEAR`` of the best's evidence
    (within it, both are kept)."""
    return f" (under {NEAR:.0%} of it)" if best > 0 and mine < NEAR * best else ""


def _why(stage: str, row: pd.Series, after: pd.DataFrame, panel: Any) -> str:
    """Why ``row`` did not survive ``stage``: the competitor that won, or the shortfall."""
    keys = {
        "one origin": ("h", "d", "hs_out"),
        "one destination": ("o", "h", "hs_in"),
        "best reading": ("o", "h", "d", "hs_in", "hs_out"),
    }
    # Transshipment's origins compete on their own goods' fit (``z_own``), not the hub-wide one.
    own = stage == "one origin" and "z_own" in after.columns
    w = _rival(after, row, keys[stage], "z_own" if own else "z_fit") if stage in keys else None
    if w is not None and stage == "best reading":
        return (
            f"the same code pair reads better from {int(w.t1)}: evidence {w.z_fit:.2f} against "
            f"{row.z_fit:.2f} from {int(row.t1)}"
        )
    if w is not None and stage == "one origin":
        z, what = ("z_own", "evidence on its own goods") if own else ("z_fit", "evidence")
        return (
            f"{country_name(w.o)}'s HS {w.hs_in} into {country_name(row.h)} explains the same "
            f"onward surge (HS {row.hs_out} to {country_name(row.d)}) better: {what} "
            f"{w[z]:.2f} against {row[z]:.2f}{_near(w[z], row[z])}"
        )
    if w is not None:
        return (
            f"the same inbound surge (HS {row.hs_in}) pairs better with {country_name(row.h)}'s "
            f"HS {w.hs_out} to {country_name(w.d)}: evidence {w.z_fit:.2f} against {row.z_fit:.2f}"
            f"{_near(w.z_fit, row.z_fit)}"
        )
    if stage == "route's codes combined":
        return f"evidence {row.z_fit:.2f} is under {MIN_PART}, too weak to count as part of the route"
    if stage == "threshold":
        prior = panel.prior(row.h, row.d, int(row.t1))
        return (
            f"evidence {row.z_fit:.2f} × priors {prior:.2f} = {row.z_fit * prior:.2f} is under "
            f"the threshold {panel.params.min_z}"
        )
    return stage


def _claimant(alert: Alert, kept: list[Alert]) -> str:
    """The stronger alert of the other route kind that explains one of ``alert``'s legs."""
    inbound, onward = legs_of(alert)
    for other in sorted(kept, key=lambda a: -a.score):
        if other.kind == alert.kind or other.kind not in ROUTE_KINDS:
            continue
        i2, o2 = legs_of(other)
        if inbound & i2 or onward & o2:
            route = " → ".join(c for c in (other.origin, other.hub, other.destination) if c)
            return (
                f"flagged (score {alert.score:.1f}), but the {other.kind} alert {route} "
                f"(score {other.score:.1f}) explains the same leg better"
            )
    return f"flagged (score {alert.score:.1f}), then dropped as a competing explanation"


def _no_candidate(kind: str, o: str, h: str, d: str, prm: Params) -> str:
    goods = (
        "the same watched goods" if kind == "transshipment" else "components and the products made from them"
    )
    return (
        f"No {kind} candidate: {country_name(o)} → {country_name(h)} and {country_name(h)} → "
        f"{country_name(d)} never surged in {goods} in the same or the next year (a flow-year "
        f"must reach USD {prm.min_value:,.0f} and {prm.growth:g}× its earlier yearly mean)."
    )


def _not_scored(kind: str, o: str, h: str, d: str, n: int) -> str:
    gate = (
        ", or the direct flow went on (transshipment needs it stopped or never there)"
        if kind == "transshipment"
        else ""
    )
    return (
        f"{n} {kind} candidate code pair(s) for {country_name(o)} → {country_name(h)} → "
        f"{country_name(d)}, but no break year in which both legs' surges stood out{gate}."
    )


def _verdict(kind: str, rows: pd.DataFrame, alerts: list[Alert], o: str, h: str, d: str, min_z: float) -> str:
    route = f"{country_name(o)} → {country_name(h)} → {country_name(d)}"
    mine = [a for a in alerts if a.kind == kind]
    if mine:
        return f"Flagged as {kind}: score {mine[0].score:.1f} ({route})."
    best = rows.iloc[0]
    pair = f"HS {best.hs_in}" if best.hs_in == best.hs_out else f"HS {best.hs_in} → {best.hs_out}"
    head = f"Not flagged as {kind}: the best reading ({pair}, from {int(best.t1)}) "
    if best.stage == "one explanation":
        text = head + f"was {best.detail}"
    elif best.stage == "threshold":
        text = head + f"has evidence {best.evidence:.2f} after priors, under the threshold {min_z}"
    else:
        text = head + f"stopped at '{best.stage}': {best.detail}"
    weak = _weaknesses(best, o, d)
    return text + (f" ({'; '.join(weak)})." if weak else ".")


def halved_because(cause: str, o: str, d: str) -> str:
    """A route's cause for keeping half its evidence (``routes.reason.CAUSES``), in words.

    >>> halved_because("unbound_origin", "VNM", "RUS")
    "Russian Federation's restrictions do not bind Vietnam's exporters, who ship it such goods openly"
    """
    origin, dest = country_name(o), country_name(d)
    return {
        "direct_open": f"{origin} also sold {dest} the product directly",
        "unbound_origin": (
            f"{dest}'s restrictions do not bind {origin}'s exporters, who ship it such goods openly"
        ),
        "civil_goods": f"dual-use goods ship to {dest} openly (not a destination of concern in those years)",
        "ally": f"{dest} buys arms openly from its allies' suppliers",
    }.get(cause, f"{origin} ships {dest} such goods openly, or they need no detour")


def _weaknesses(row: Any, o: str, d: str) -> list[str]:
    """The factors that cut the row's evidence, in words, then the open trade in the chapter (context)."""
    out = []
    legs = {"inbound": row.z_in, "onward": row.z_out}
    weaker = min(legs, key=lambda k: legs[k])
    out.append(f"weaker leg: {weaker}, z {legs[weaker]:.2f}")
    if row.hub_weight < 0.95:
        out.append(f"the hub's own totals did not show it (× {row.hub_weight:.2f})")
    if row.reason < 1:
        out.append(f"halved: {halved_because(str(getattr(row, 'reason_why', '') or ''), o, d)}")
    if row.fit < 0.8:
        out.append(f"the legs' sizes or prices fit poorly (× {row.fit:.2f})")
    ratio = float(getattr(row, "price_ratio", np.nan))
    if np.isfinite(ratio) and not PRICE_LOW <= ratio <= PRICE_HIGH:
        out.append(
            f"the onward goods cost {ratio:.2f} times the inbound goods per kg (forwarded goods: "
            f"{PRICE_LOW:g}–{PRICE_HIGH:g} times)"
        )
    if row.support < 0.8:
        out.append(f"few years support it (× {row.support:.2f})")
    chapter = float(getattr(row, "open_chapter", 0.0) or 0.0)
    if chapter > 0:
        out.append(
            f"context, no discount: {country_name(o)} also ships {country_name(d)} {usd(chapter)} a year of"
            " other goods of the same chapter openly"
        )
    return out
