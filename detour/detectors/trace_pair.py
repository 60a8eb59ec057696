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

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from detour.detectors import as_declared, get_detector, mark_lead, open_panel
from detour.detectors.base import Scope
from detour.detectors.gaps import ADDED_FLOOR, HELD
from detour.detectors.panel import Panel
from detour.detectors.revisions import REVISION_YEAR
from detour.detectors.routes import ROUTE_KINDS, run_stages
from detour.detectors.scoring import LEAD_Z, MIN_PART, Params
from detour.detectors.trace import _iso
from detour.detectors.unit_value import CANDIDATE_JUMP, MIN_PREMIUM
from detour.detectors.watchlist import Watchlist
from detour.engine.base import Engine
from detour.errors import ConfigError
from detour.model.alert import Alert
from detour.model.codes import country_name
from detour.store.catalog import Store

PAIR_KINDS = ("phantom_export", "undeclared_export", "unit_value")
# ``declared_usd``: what the declaring side declared over the years shown (the exporter for phantom
# exports, the importer for undeclared ones); ``recorded_usd``: what the other side recorded (FOB);
# ``value_usd``: the gap (for unit values, the flow); ``z``: the code's own evidence; ``evidence``:
# what the threshold saw (a pair's codes combined).
COLUMNS = (
    "kind", "hs", "start", "end", "declared_usd", "recorded_usd", "value_usd", "unknown", "z_break", "added",
    "late", "before", "after", "premium", "support", "z", "evidence", "stage", "detail",
)  # fmt: skip
SERIES = ("kind", "hs", "year", "declared_usd", "recorded_usd", "known", "held", "usd_per_kg", "relative")
# Rows best first: an alert, then the furthest a code got.
ORDER = ("alert", "min_score", "threshold", "code too weak", "revision year", "value", "premium",
         "closed episode", "history", "persistence")  # fmt: skip


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
                verdicts[det.kind] = _no_candidate(det.kind, o, p, traded, det, panel.params)
                continue
            target, alerts = _trace_kind(det, panel, scope, cand)
            made += alerts
            frames.append(
                _gap_rows(target, panel, det.min_years)
                if det.kind != "unit_value"
                else _price_rows(target, panel)
            )
            series.append(_series(target, panel.years))
    finally:
        panel.close()
    rows = _rows(frames)
    for det in detectors:
        if det.kind not in verdicts:
            mine = [a for a in made if a.kind == det.kind]
            verdicts[det.kind] = _verdict(det.kind, rows[rows.kind == det.kind], mine, o, p)
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
                       "held": r.held[j]}  # fmt: skip
            out.append({"kind": r.kind, "hs": r.hs, "year": y, **row})
    df = pd.DataFrame(out).reindex(columns=list(SERIES))
    for c in ("declared_usd", "recorded_usd", "usd_per_kg", "relative"):
        df[c] = df[c].astype(float).round(3)
    return df


def _years(start: int, end: int) -> str:
    return str(start) if start == end else f"{start}–{end}"


def _usd(v: float) -> str:
    return f"USD {v / 1e6:,.1f} million" if abs(v) >= 1e5 else f"USD {v:,.0f}"


def _span(ys: Sequence[int]) -> str:
    """Years as runs: 2019, 2021–2024."""
    runs: list[list[int]] = []
    for y in sorted(ys):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def _unknown(panel: Panel, o: str, p: str, hs: str, known: Sequence[bool]) -> str:
    """The years nobody could see this flow, and why: a reporter that did not report that year, or
    one that declared nothing in the chapter while other partners recorded trade with it (the
    chapter hidden from everyone, ``Panel.silent_seen``), one that booked trade with the partner
    under a confidential code (``Panel.hidden``), or a code not in use."""
    years = [y for y, k in zip(panel.years, known, strict=True) if not k]
    if not years:
        return ""
    ch = hs[:2]
    reported = set(zip(panel.coverage.reporter, panel.coverage.year.astype(int), strict=True))
    alive = panel.alive(pd.Series([hs]))[0]
    why: dict[str, list[int]] = {}
    sides = ((o, p, "X", "exports"), (p, o, "M", "imports"))
    seen = {side: panel.silent_seen(pd.Series([me]), pd.Series([them]), pd.Series([hs]), side)[0]
            for me, them, side, _ in sides}  # fmt: skip
    hidden = {side: panel.hidden(pd.Series([me]), pd.Series([them]), side)[0] for me, them, side, _ in sides}
    for j, y in enumerate(panel.years):
        if y not in years:
            continue
        if not alive[j]:
            why.setdefault(f"HS {hs} was not in use", []).append(y)
            continue
        for me, them, side, flow in sides:
            if seen[side][j]:
                continue
            if (me, y) not in reported:
                text = f"{country_name(me)} did not report"
            elif hidden[side][j]:
                text = (
                    f"{country_name(me)} booked {flow} {'from' if side == 'M' else 'to'} {country_name(them)} "
                    "under a confidential code "
                    f"(chapter 99), where these goods may be"
                )
            else:
                text = (
                    f"{country_name(me)} declared no {flow} in chapter {ch} while other partners recorded "
                    f"such trade with it, a chapter it hides"
                )
            why.setdefault(text, []).append(y)
    return "; ".join(f"{_span(ys)}: {text}" for text, ys in why.items())


def _gap_rows(t: pd.DataFrame, panel: Panel, min_years: int) -> pd.DataFrame:
    prm, years = panel.params, np.asarray(panel.years)
    out = t.copy()
    unknown, details, declared, recorded, starts, ends = [], [], [], [], [], []
    for r in t.itertuples(index=False):
        big, small = np.asarray(r.declared, dtype=float), np.asarray(r.recorded, dtype=float)
        if r.stage in ("persistence", "history"):  # the years the gap stands in the data, seen or not
            span = (big - small >= prm.min_gap) & (small < HELD * big)
        else:
            span = (years >= r.start) & (years <= r.end)
        starts.append(int(years[span].min()) if span.any() else int(r.start))
        ends.append(int(years[span].max()) if span.any() else int(r.end))
        declared.append(float(big[span].sum()))
        recorded.append(float(small[span].sum()))
        unknown.append(_unknown(panel, r.exporter, r.importer, r.hs, r.known))
        sums = (declared[-1], recorded[-1])
        held = np.asarray(r.held, dtype=bool)
        details.append(_gap_detail(r, panel, min_years, years[span], held, sums, unknown[-1]))
    out["declared_usd"], out["recorded_usd"], out["unknown"], out["detail"] = (
        declared,
        recorded,
        unknown,
        details,
    )
    for c in ("before", "after", "premium", "support"):
        out[c] = np.nan
    out["late"] = out.late.astype(object)
    unscored = out.stage.isin(["persistence", "history"])
    out.loc[unscored, ["z_break", "added", "late", "value_usd"]] = np.nan
    out["start"], out["end"] = starts, ends
    return out


def _gap_detail(
    r: Any,
    panel: Panel,
    min_years: int,
    span: np.ndarray,
    held: np.ndarray,
    sums: tuple[float, float],
    unknown: str,
) -> str:
    prm, phantom = panel.params, r.kind == "phantom_export"
    o, p = country_name(r.exporter), country_name(r.importer)
    declarer, silent = (o, p) if phantom else (p, o)
    years = np.asarray(panel.years)
    hidden = f" (unknown years {unknown})" if unknown else ""
    if r.stage == "persistence":
        known = years[held]
        if not len(known):
            return (
                f"the gap ({_span(span.tolist())}) fell only in years nobody could see{hidden}"
                if len(span)
                else f"the gap never held in a known year{hidden}"
            )
        return (
            f"the gap held in {len(known)} known year(s) ({_span(known.tolist())}), never in "
            f"{min_years} known years in a row{hidden}"
        )
    if r.stage == "history":
        return (
            f"the gap opened in {int(r.opened)} with fewer than {prm.min_pre} known years of the pair's "
            f"mirror before it: no history to break from{hidden}"
        )
    # An exporter declares, an importer records (DOMAIN.md's words for the two sides).
    flow, said, other = (
        (f"exports of HS {r.hs} to {p}", "declared", "recorded")
        if phantom
        else (f"imports of HS {r.hs} from {o}", "recorded", "declared")
    )
    text = (
        f"{declarer} {said} {_usd(sums[0])} of {flow} in {_years(r.start, r.end)}, {silent} {other} "
        f"{_usd(sums[1])}; the mirror ratio broke from its history with z {r.z_break:.2f}"
    )
    cuts = []
    if r.added < 1:
        factor = ADDED_FLOOR + (1 - ADDED_FLOOR) * r.added
        share = "none" if r.added < 0.005 else f"only {r.added:.0%}"
        cuts.append(f"{share} of the gap was trade added above {declarer}'s earlier level (× {factor:.2f})")
    if r.late:
        cuts.append(
            f"the gap closed in {int(r.closed)} while {declarer} went on with the flow: {silent} {other} "
            f"it late (× {ADDED_FLOOR})"
        )
    if cuts:
        text += f", cut to {r.z:.2f}: " + "; ".join(cuts)
    text += hidden
    if r.stage == "code too weak":
        return text + f"; z {r.z:.2f} is under {MIN_PART}, too weak to count towards the pair's evidence"
    both = " with the pair's other codes" if abs(r.evidence - r.z) > 1e-9 else ""
    if r.stage == "threshold":
        return (
            text + f"; evidence {r.evidence:.2f}{both} is under the threshold {prm.min_z}" + _lead(r.evidence)
        )
    return text + f"; evidence {r.evidence:.2f}{both} clears the threshold {prm.min_z}"


def _lead(z: float) -> str:
    return f" (a lead: detect --leads lists it from {LEAD_Z})" if z >= LEAD_Z else ""


def _price_rows(t: pd.DataFrame, panel: Panel) -> pd.DataFrame:
    out = t.copy()
    out["detail"] = [_price_detail(r, panel.params) for r in t.itertuples(index=False)]
    out["unknown"] = ""
    for c in ("declared_usd", "recorded_usd", "z_break", "added", "late"):
        out[c] = np.nan
    return out


def _price_detail(r: Any, prm: Params) -> str:
    verb = "rose" if r.after > r.before else "fell"
    moved = (
        f"the price {verb} from about USD {r.before:,.2f}/kg to USD {r.after:,.2f}/kg in "
        f"{_years(r.start, r.end)}, "
        f"{r.premium:.2f} times the price of the same goods on other corridors"
    )
    carried = (
        f" (its prices before {REVISION_YEAR} are unknown: the corridor's drones were declared under it)"
    )
    if r.stage == "history":
        return (
            f"{r.n_pre} known price(s) before any jump, fewer than {prm.min_pre}: no history to judge it by"
            + (carried if r.carried else "")
        )
    if r.stage == "closed episode":
        return f"{moved}, but did not hold off-line every year or did not come back the year after"
    if r.stage == "premium":
        return f"{moved}: within {math.exp(MIN_PREMIUM):.1f} times of them, no premium"
    if r.stage == "value":
        return f"{moved}, but the flow was under USD {prm.min_value:,.0f} in {r.start}"
    if r.stage == "revision year":
        return (
            f"{moved}, but HS {r.hs} lost goods to new codes in the HS{REVISION_YEAR} revision and the jump "
            f"fell in {REVISION_YEAR}: its mix of goods changed, not its price"
        )
    support = " (seen off-line in one year only: × 0.71)" if r.support < 1 else ""
    text = f"{moved}, against {r.n_pre} earlier prices{support}; evidence z {r.z:.2f}"
    if r.stage == "threshold":
        return text + f" is under the threshold {prm.min_z}" + _lead(r.z)
    return text + f" clears the threshold {prm.min_z}"


def _no_candidate(kind: str, o: str, p: str, traded: int, det: Any, prm: Params) -> str:
    on, pn = country_name(o), country_name(p)
    if not traded:
        return f"No {kind} candidate: neither side declared any trade of watched goods from {on} to {pn}."
    codes = f"in none of the {traded} watched code(s) {on} → {pn} traded"
    if kind == "unit_value":
        return (
            f"No {kind} candidate: {codes} did the price (USD/kg, against the same goods on other corridors) "
            f"jump {math.exp(CANDIDATE_JUMP):.0f} times against its earlier years to "
            f"{math.exp(MIN_PREMIUM):.1f} times the world median or more, on a flow of "
            f"USD {prm.min_value:,.0f} or more."
        )
    declarer, silent, flow, other = (
        (on, pn, "declare exports", "recorded")
        if kind == "phantom_export"
        else (pn, on, "record imports", "declared")
    )
    return (
        f"No {kind} candidate: {codes} did {declarer} {flow} at least USD {prm.min_gap:,.0f} above "
        f"what {silent} {other} (and {silent} under {HELD:.0%} of it) in {det.min_years} years or more."
    )


def _verdict(kind: str, rows: pd.DataFrame, alerts: list[Alert], o: str, p: str) -> str:
    pair = f"{country_name(o)} → {country_name(p)}"
    if alerts:
        found = "; ".join(
            f"HS {', '.join(a.hs)} in {_years(a.start, a.end)}, score {a.score:.1f}" for a in alerts
        )
        return f"Flagged as {kind} ({pair}): {found}."
    best = rows.iloc[0]
    head = f"Not flagged as {kind} ({pair}): the best code, HS {best.hs},"
    return f"{head} stopped at '{best.stage}': {best.detail}."
