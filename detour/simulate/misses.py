"""Why a benchmark run missed what it missed: the planted scenarios outside its first N, explained.

``precision@N`` loses a place in two ways, and they call for different work:

- **missed**: no alert of the first 3N matches the scenario. Each one is traced through its own
  detector with ``detour trace`` (``detectors.trace.trace_route`` for the route kinds,
  ``detectors.trace_pair.trace_pair`` for the pair kinds), and the stage where the best reading
  of the scenario's countries stopped is recorded: ``no candidate`` (the engine-side filter never
  paired the flows), ``not scored`` (candidates, but no break year where the legs stood out), a
  detector stage (``one origin``, ``route's codes combined``, ``threshold``, ``history``, ...),
  or ``alert`` when the trace flags the countries but the alert is ranked beyond 3N or does not
  match the scenario (other years or other goods). Whether a lead (``detect --leads``) matches
  it is recorded too.
- **ranked out**: the scenario's alert is within 3N but below place N; its rank and score are
  recorded beside the N-th alert's score, the bar it did not clear.

The benchmark (``benchmarks/accuracy.py --why``) tabulates both over its seeds, so the notes on
what is weak can be re-measured by anyone instead of being read off by hand. Nothing here scores
anything itself: the stages are the detectors' own, as ``detour trace`` reports them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from detour.detectors import SharedPanel
from detour.detectors.routes import ROUTE_KINDS
from detour.detectors.trace import trace_route
from detour.detectors.trace_pair import trace_pair
from detour.engine.base import Engine
from detour.simulate.accuracy import _get, matched_ranks, matches
from detour.simulate.truth import Scenario, Truth
from detour.store.catalog import Store

NO_CANDIDATE = "no candidate"
NOT_SCORED = "not scored"


def _describe(s: Scenario) -> dict[str, Any]:
    return {
        "id": s.id, "kind": s.kind, "origin": s.origin, "hub": s.hub, "destination": s.destination,
        "hs": list(s.hs), "start": s.start, "end": s.end, "value_usd": round(float(s.value_usd), 2),
    }  # fmt: skip


def ranked_out(alerts: Sequence[Any], truth: Truth) -> list[dict[str, Any]]:
    """Scenarios whose alert is within the first 3N but below place N: rank (0-based), score, and
    the N-th alert's score."""
    n = len(truth.scenarios)
    if not n or len(alerts) < n:
        return []
    bar = float(_get(alerts[n - 1], "score"))
    ranks = matched_ranks(alerts, truth, 3 * n)
    out = []
    for s in truth.scenarios:
        rank = ranks.get(s.id)
        if rank is not None and rank >= n:
            score = float(_get(alerts[rank], "score"))
            out.append({**_describe(s), "rank": rank, "score": score, "nth_score": bar})
    return out


def trace_stage(
    engine: Engine, store: Store | Path | str, s: Scenario, shared: SharedPanel | None = None
) -> dict[str, Any]:
    """The stage where the scenario's countries stopped in its own detector, and the trace's
    one-sentence verdict."""
    if s.kind in ROUTE_KINDS:
        if s.hub is None:
            raise ValueError(f"scenario {s.id} is a {s.kind} without a hub")
        t: Any = trace_route(engine, store, s.origin, s.hub, s.destination, kinds=[s.kind], shared=shared)
    else:
        t = trace_pair(engine, store, s.origin, s.destination, kinds=[s.kind])
    rows = t.rows[t.rows.kind == s.kind] if len(t.rows) else t.rows
    if not t.candidates.get(s.kind, 0):
        stage = NO_CANDIDATE
    elif rows.empty:
        stage = NOT_SCORED
    else:
        stage = str(rows.iloc[0].stage)
    flagged = any(a.kind == s.kind for a in t.alerts)
    return {"stage": stage, "flagged": flagged, "verdict": t.verdicts.get(s.kind, "")}


def why_missed(
    engine: Engine,
    store: Store | Path | str,
    truth: Truth,
    alerts: Sequence[Any],
    leads: Sequence[Any] = (),
) -> list[dict[str, Any]]:
    """Every planted scenario no alert of the first 3N matches, traced (``trace_stage``); ``lead``
    is the score of the best lead (``leads``: the run's leads only, best first) matching it, if any."""
    n = len(truth.scenarios)
    found = matched_ranks(alerts, truth, 3 * n)
    missed = [s for s in truth.scenarios if s.id not in found]
    if not missed:
        return []
    out = []
    with SharedPanel(engine, store) as shared:
        for s in missed:
            lead = next((a for a in leads if matches(a, s)), None)
            out.append(
                {
                    **_describe(s),
                    **trace_stage(engine, store, s, shared),
                    "lead": None if lead is None else float(_get(lead, "score")),
                }
            )
    return out
