"""Why a declared pair was flagged, or why not: origin → partner traced through the pair detectors
(``detour trace ORIGIN PARTNER``).

The two-country counterpart of ``trace.trace_route``. An analyst asking why Germany's exports to
Armenia were not read as phantom exports gets, for each of the pair's candidate HS codes:

- for phantom and undeclared exports (``gaps.score_gaps``): what the declaring side declared and
  what the silent side recorded over the episode, the years nobody could see and why (the partner
  did not report that year, or hid the chapter from everyone), the mirror ratio's break z, the
  share of the gap that was new trade, the recorded-late cut, the code's z, and the pair's
  evidence once its codes are combined;
- for unit values (``UnitValueDetector.assess``): the price before and after, the premium over
  the same goods on other corridors, the support and the z;
- the stage where it stopped: for gaps ``persistence`` (the gap never held in ``min_years`` known
  years in one run), ``history`` (too few known years before it to break from), ``code too weak``
  (under ``MIN_PART``), ``threshold`` or ``alert``; for unit values the gate its best reading
  stopped at (``unit_value.GATES``), ``threshold`` or ``alert``.

The detectors' own ``assess``, ``stages`` and ``alerts`` do the scoring over the candidates of
this one pair (``Scope(origins, hubs)``, the declared partner in the hub's role): a pair's codes
are scored and combined on their own, so the result is the full run's for that pair
(``tests/detectors/test_trace_pairs.py``). Nothing here scores anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from detour.detectors import as_declared, get_detector, mark_lead, open_panel
from detour.detectors.base import Scope
from detour.detectors.pair_reasons import gap_rows, no_candidate, price_rows, verdict
from detour.detectors.panel import Panel
from detour.detectors.routes import ROUTE_KINDS, run_stages
from detour.detectors.scoring import Params
from detour.detectors.trace import _iso
from detour.detectors.watchlist import Watchlist
from detour.engine.base import Engine
from detour.errors import ConfigError
from detour.model.alert import Alert
from detour.store.catalog import Store

PAIR_KINDS = ("phantom_export", "undeclared_export", "unit_value")
# ``declared_usd``: what the declaring side declared over the years shown (the exporter for phantom
# exports, the importer for undeclared ones); ``recorded_usd``: what the other side recorded (FOB);
# ``value_usd``: the gap (for unit values, the flow); ``z``: the code's own evidence; ``evidence``:
# what the threshold saw (a pair's codes combined).
COLUMNS = (
    "kind", "hs", "start", "end", "declared_usd", "recorded_usd", "value_usd", "unknown", "z_break", "added",
    "late", "reason", "before", "after", "premium", "support", "z", "evidence", "stage", "detail",
)  # fmt: skip
# ``bound``: the year's figures are the pair's trade in the code's bound (a code HS2022 created
# n:n, before it existed: ``gaps.score_gaps``), its history, never a gap.
SERIES = (
    "kind", "hs", "year", "declared_usd", "recorded_usd", "known", "held", "bound", "usd_per_kg", "relative",
)  # fmt: skip
# Rows best first: an alert, then the furthest a code got.
ORDER = ("alert", "min_score", "threshold", "codes or heading", "code too weak", "revision year", "value",
         "premium", "closed episode", "history", "persistence")  # fmt: skip


@dataclass
class PairTrace:
    """One declared pair through the pair detectors: a row per candidate HS code, and a verdict."""

    origin: str
    partner: str
    min_z: float
    candidates: dict[str, int]  # kind → candidate HS codes for this pair (engine-side filter)
    rows: pd.DataFrame  # COLUMNS, best first
    series: pd.DataFrame  # SERIES: each candidate code's yearly figures
    alerts: list[Alert] = field(default_factory=list)
    verdicts: dict[str, str] = field(default_factory=dict)  # kind → one sentence

    @property
    def flagged(self) -> bool:
        return bool(self.alerts)

    def to_dict(self) -> dict[str, Any]:
        def records(df: pd.DataFrame) -> list[dict[str, Any]]:
            return df.astype(object).where(df.notna(), None).to_dict(orient="records")

        return {
            "origin": self.origin,
            "partner": self.partner,
            "flagged": self.flagged,
            "min_z": self.min_z,
            "candidates": self.candidates,
            "verdicts": self.verdicts,
            "alerts": [a.to_dict() for a in self.alerts],
            "rows": records(self.rows),
            "series": records(self.series),
        }


def trace_pair(
    engine: Engine,
    store: Store | Path | str,
    origin: str,
    partner: str,
    *,
    kinds: Iterable[str] | None = None,
    watchlist: str | Path | Watchlist | Sequence[str | Path | Watchlist] | None = None,
    since: int | None = None,
    params: Params | None = None,
) -> PairTrace:
    """Trace ``origin → partner`` (the declared partner: the importer) through the pair detectors
    (``kinds``, default all three)."""
    o, p = _iso(origin, "origin"), _iso(partner, "partner")
    kinds = tuple(k.replace("-", "_") for k in (kinds or PAIR_KINDS))
    for k in kinds:
        if k in ROUTE_KINDS:
            raise ConfigError(
                f"{k} follows a route: trace it with three countries (ORIGIN HUB DESTINATION)",
                hint=f"with two countries choose from: {', '.join(PAIR_KINDS)}",
            )
        if k not in PAIR_KINDS:
            raise ConfigError(
                f"trace of a pair follows the pair detectors only, not {k!r}", hint=", ".join(PAIR_KINDS)
            )
    # Any: the gap and price detectors' ``assess``, ``stages`` and ``alerts`` are not on the base class.
    detectors: list[Any] = [get_detector(k) for k in kinds]
    panel = open_panel(engine, store, detectors, watchlist=watchlist, since=since, params=params)
    scope = Scope(origins=frozenset({o}), hubs=frozenset({p}))
    frames, series, counts, verdicts, made = [], [], {}, {}, []
    try:
        traded = _traded(panel, o, p) if panel.years else 0
        for det in detectors:
            cand = engine.execute(det.candidates(panel, scope)) if panel.years else pd.DataFrame()
            counts[det.kind] = int(len(cand))
            if cand.empty:
                verdicts[det.kind] = no_candidate(det.kind, o, p, traded, det, panel.params)
                continue
            target, alerts = _trace_kind(det, panel, scope, cand)
            made += alerts
            frames.append(
                gap_rows(target, panel, det.min_years)
                if det.kind != "unit_value"
                else price_rows(target, panel)
            )
            series.append(_series(target, panel.years))
    finally:
        panel.close()
    rows = _rows(frames)
    for det in detectors:
        if det.kind not in verdicts:
            mine = [a for a in made if a.kind == det.kind]
            verdicts[det.kind] = verdict(det.kind, rows[rows.kind == det.kind], mine, o, p)
    sr = pd.concat(series, ignore_index=True) if series else pd.DataFrame(columns=list(SERIES))
    verdicts = {d.kind: verdicts[d.kind] for d in detectors}
    return PairTrace(o, p, panel.params.min_z, counts, rows, sr, made, verdicts)


def _trace_kind(det: Any, panel: Panel, scope: Scope, cand: pd.DataFrame) -> tuple[pd.DataFrame, list[Alert]]:
    """One detector over the pair's candidates, as its ``score`` runs it, with a recorder: each
    candidate code with its ``stage`` and the ``evidence`` the threshold saw; and the alerts as
    ``run_detectors`` returns them."""
    prm, gaps = panel.params, det.kind != "unit_value"
    flows, rows = det.assess(panel, cand) if gaps else (det.assess(panel, cand), None)
    target = flows.copy()
    target["kind"], target["stage"], target["evidence"] = det.kind, "alert", np.nan
    # The evidence the threshold sees: the pair's codes combined, or a corridor's own z.
    weighed = "codes combined" if gaps else "scoring"

    def record(name: str, before: pd.DataFrame, after: pd.DataFrame) -> None:
        gone = before.index.difference(after.index)
        # Out at scoring: the gate the code's best reading stopped at (``GATES``).
        target.loc[gone, "stage"] = before.loc[gone, "gate"] if name == "scoring" else name
        if name == weighed:
            target.loc[after.index, "evidence"] = after.z

    final = run_stages(flows, det.stages(panel), record)
    alerts = det.alerts(panel, final, rows) if gaps else det.alerts(panel, final)
    kept = [a for a in alerts if scope.admits(a) and a.score >= prm.min_score]
    cut = {c for a in alerts if a not in kept for c in a.hs}
    target.loc[target.stage.eq("alert") & target.hs.isin(cut), "stage"] = "min_score"
    return target, [mark_lead(as_declared(a), prm) for a in kept]


def _traded(panel: Panel, o: str, p: str) -> int:
    """How many watched codes the pair traded at all, by either side's declaration."""
    t = panel.pairs
    t = t.filter((t.exporter == o) & (t.importer == p) & (t.v > 0))
    return len(panel.engine.execute(t.select("hs").distinct()))


def _rows(frames: list[pd.DataFrame]) -> pd.DataFrame:
    if not frames:
        return pd.DataFrame(columns=list(COLUMNS))
    df = pd.concat(frames, ignore_index=True)
    df["_o"] = df.stage.map({s: i for i, s in enumerate(ORDER)}).fillna(len(ORDER))
    df["_z"] = df.evidence.fillna(df.z).replace(-np.inf, np.nan)
    df["_v"] = df.declared_usd.fillna(df.value_usd)
    df = df.sort_values(["_o", "_z", "_v"], ascending=[True, False, False], na_position="last")
    out = df[list(COLUMNS)].reset_index(drop=True)
    for c in ("z_break", "added", "before", "after", "premium", "support", "z", "evidence"):
        out[c] = out[c].astype(float).replace([np.inf, -np.inf], np.nan).round(3)
    return out


def _series(target: pd.DataFrame, years: tuple[int, ...]) -> pd.DataFrame:
    out = []
    for r in target.itertuples(index=False):
        for j, y in enumerate(years):
            if r.kind == "unit_value":
                row = {"usd_per_kg": r.price[j], "relative": r.relative[j]}
            else:
                row = {"declared_usd": r.declared[j], "recorded_usd": r.recorded[j], "known": r.known[j],
                       "held": r.held[j], "bound": r.bound[j]}  # fmt: skip
            out.append({"kind": r.kind, "hs": r.hs, "year": y, **row})
    df = pd.DataFrame(out).reindex(columns=list(SERIES))
    for c in ("declared_usd", "recorded_usd", "usd_per_kg", "relative"):
        df[c] = df[c].astype(float).round(3)
    return df
