"""Accuracy on simulated panels: precision@N and recall@3N against the planted truth.

N is the number of planted scenarios. Alerts are taken in the order given (detectors return
them best first). The matching rule, applied in rank order:

- an alert **matches** a scenario when the kinds are equal, the origins are equal, the hubs
  are equal if the scenario has a hub, the destinations are equal if the scenario has one, at
  least one HS code agrees on its first 4 digits, and the year ranges overlap;
- each scenario is matched at most once: an alert takes the first still-unmatched scenario it
  fits (in truth order); a second alert on the same scenario is not a hit;
- **precision@N** = matched alerts among the first N ÷ N (fewer than N alerts count as misses);
- **recall@3N** = scenarios matched by the first 3N alerts ÷ N;
- a **false alarm on a decoy** is an alert in the first N that matches no scenario but touches
  a decoy: year ranges overlap, an HS heading agrees (a decoy with no HS list covers every
  product), and the alert names the decoy's first country (the buyer, destination, reporter
  or exporter) plus, for decoys of two or more countries, at least one of the others.

>>> from detour.simulate.truth import Scenario, Truth
>>> t = Truth(1, [Scenario("S01", "phantom_export", "DEU", None, "ARM", ["854231"], 2022, 2023, 1e6)])
>>> a = {"kind": "phantom_export", "origin": "DEU", "hub": None, "destination": "ARM", "hs": ["854239"],
...      "start": 2023, "end": 2024}
>>> s = score([a, a], t, "x")
>>> s.precision_at_n, s.recall_at_3n
(1.0, 1.0)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from detour.engine import get_engine
from detour.errors import DetourError
from detour.ingest import ingest_paths
from detour.simulate.baselines import BASELINES
from detour.simulate.panel import simulate
from detour.simulate.truth import KINDS, Decoy, Scenario, Truth
from detour.store.catalog import Store

LEADS = "detour --leads"  # the same run's ranked list with the leads after the alerts


def _get(alert: Any, key: str) -> Any:
    return alert.get(key) if isinstance(alert, dict) else getattr(alert, key, None)


def _hs4(codes: Any) -> set[str]:
    return {str(h)[:4] for h in ([codes] if isinstance(codes, str) else codes or ())}


def _overlap(a0: int, a1: int, b0: int, b1: int) -> bool:
    return a0 <= b1 and b0 <= a1


def matches(alert: Any, s: Scenario) -> bool:
    return (
        _get(alert, "kind") == s.kind
        and _get(alert, "origin") == s.origin
        and (s.hub is None or _get(alert, "hub") == s.hub)
        and (s.destination is None or _get(alert, "destination") == s.destination)
        and bool(_hs4(_get(alert, "hs")) & _hs4(s.hs))
        and _overlap(int(_get(alert, "start")), int(_get(alert, "end")), s.start, s.end)
    )


def touches(alert: Any, d: Decoy) -> bool:
    named = {_get(alert, k) for k in ("origin", "hub", "destination")} - {None}
    first, others = d.countries[0], set(d.countries[1:])
    return (
        _overlap(int(_get(alert, "start")), int(_get(alert, "end")), d.start, d.end)
        and (not d.hs or bool(_hs4(_get(alert, "hs")) & _hs4(d.hs)))
        and first in named
        and (not others or bool(named & others))
    )


@dataclass
class Score:
    name: str
    n: int
    alerts: int
    hits_at_n: int
    found_at_3n: int
    decoys_at_n: int
    precision_at_n: float
    recall_at_3n: float
    found: list[str] = field(default_factory=list)  # scenario ids matched within 3N
    by_kind: dict[str, list[int]] = field(default_factory=dict)  # kind → [found within 3N, planted]
    decoy_kinds: dict[str, int] = field(default_factory=dict)  # decoy kind → false alarms in the first N
    # alert kind → alerts in the first N that match no scenario (decoys and chance alike): what
    # took the places of the planted scenarios
    unmatched_kinds: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def matched_ranks(alerts: list[Any], truth: Truth, depth: int) -> dict[str, int]:
    """Scenario id → rank of the alert that matched it within the first ``depth`` alerts: alerts
    in rank order, each taking the first still-unmatched scenario it fits (the matching rule)."""
    ranks: dict[str, int] = {}
    for rank, alert in enumerate(alerts[:depth]):
        hit = next((s for s in truth.scenarios if s.id not in ranks and matches(alert, s)), None)
        if hit is not None:
            ranks[hit.id] = rank
    return ranks


def score(alerts: list[Any], truth: Truth, name: str) -> Score:
    n = len(truth.scenarios)
    matched = matched_ranks(alerts, truth, 3 * n)  # scenario id → rank of the alert that matched it
    hit_ranks = set(matched.values())
    hits_at_n = sum(rank < n for rank in hit_ranks)
    decoys_at_n = 0
    decoy_kinds: dict[str, int] = {}
    unmatched: dict[str, int] = {}
    for rank, alert in enumerate(alerts[:n]):
        if rank not in hit_ranks and not any(matches(alert, s) for s in truth.scenarios):
            kind = str(_get(alert, "kind"))
            unmatched[kind] = unmatched.get(kind, 0) + 1
            touched = next((d for d in truth.decoys if touches(alert, d)), None)
            if touched is not None:
                decoys_at_n += 1
                decoy_kinds[touched.kind] = decoy_kinds.get(touched.kind, 0) + 1
    by_kind = {
        k: [
            sum(s.kind == k and s.id in matched for s in truth.scenarios),
            sum(s.kind == k for s in truth.scenarios),
        ]
        for k in KINDS
    }
    return Score(
        name,
        n,
        len(alerts),
        hits_at_n,
        len(matched),
        decoys_at_n,
        hits_at_n / n if n else 0.0,
        len(matched) / n if n else 0.0,
        sorted(matched),
        by_kind,
        decoy_kinds,
        dict(sorted(unmatched.items())),
    )


BOOTSTRAP = 2000  # resamples of the seeds for the pooled figures' interval (``seed_interval``)


def mean_scores(scores: list[Score]) -> dict[str, Any]:
    """Pooled figures over seeds: sums of hits over sums of N (not a mean of ratios), each with
    its 95% interval over seeds (``seed_interval``)."""
    n = sum(s.n for s in scores)
    return {
        "seeds": len(scores),
        "n": n,
        "precision_at_n": sum(s.hits_at_n for s in scores) / n if n else 0.0,
        "recall_at_3n": sum(s.found_at_3n for s in scores) / n if n else 0.0,
        "decoys_at_n": sum(s.decoys_at_n for s in scores),
        "precision_at_n_95": seed_interval([s.hits_at_n for s in scores], [s.n for s in scores]),
        "recall_at_3n_95": seed_interval([s.found_at_3n for s in scores], [s.n for s in scores]),
    }


def seed_interval(hits: list[int], ns: list[int], level: float = 0.95) -> list[float]:
    """The pooled ratio's percentile interval when the seeds are resampled with replacement
    (``BOOTSTRAP`` resamples, a fixed generator so a run repeats itself).

    The seeds are the unit of sampling: scenarios of one world share its baseline, its hubs and
    its noise, so they are not independent draws and a binomial interval over scenarios would
    be too narrow. With fewer than two seeds there is nothing to resample and the interval is
    the figure itself.

    >>> seed_interval([10, 10, 10], [12, 12, 12])
    [0.833, 0.833]
    >>> lo, hi = seed_interval([12, 8, 10, 11, 9, 12, 7, 10], [12] * 8); lo < 10 / 12 < hi
    True
    """
    h, n = np.asarray(hits, dtype=float), np.asarray(ns, dtype=float)
    if len(h) == 0 or n.sum() == 0:
        return [0.0, 0.0]
    if len(h) < 2:
        return [round(float(h.sum() / n.sum()), 3)] * 2
    pick = np.random.default_rng(0).integers(0, len(h), size=(BOOTSTRAP, len(h)))
    ratio = h[pick].sum(axis=1) / np.maximum(n[pick].sum(axis=1), 1.0)
    tail = (1.0 - level) / 2 * 100
    lo, hi = np.percentile(ratio, [tail, 100 - tail])
    return [round(float(lo), 3), round(float(hi), 3)]


class DetectorsMissing(DetourError):
    """``detour.detectors.run_detectors`` cannot be imported, so there is nothing to measure."""


def load_detectors() -> Callable[..., list[Any]]:
    try:
        from detour.detectors import run_detectors
    except ImportError as exc:
        raise DetectorsMissing(
            f"detour.detectors.run_detectors is not available ({exc})",
            hint="the detectors are not installed yet; no accuracy figures can be measured",
        ) from exc
    return run_detectors


def evaluate_seed(
    seed: int,
    work: Path,
    *,
    countries: int = 70,
    products: int = 300,
    years: tuple[int, int] = (2016, 2024),
    scale: float = 1.0,
    n_scenarios: int | None = None,
    engine: str = "duckdb",
    progress: Callable[[str], None] | None = None,
    hs_revision: bool = True,
    why: bool = False,
) -> dict[str, Any]:
    """Simulate one seed, ingest it, run Detour and the naive baselines, and score all three.

    The result always says which planted scenarios Detour found only below place N
    (``ranked_out``, ``detour.simulate.misses``); with ``why`` it also traces each scenario no
    alert of the first 3N matched to the detector stage where it stopped (``missed``)."""
    run_detectors = load_detectors()  # fail before any expensive work
    step = progress or (lambda _: None)
    began = time.perf_counter()
    step(f"seed {seed}: simulate")
    sim = simulate(
        work / f"seed-{seed}",
        seed,
        countries=countries,
        products=products,
        years=years,
        scale=scale,
        n_scenarios=n_scenarios,
        hs_revision=hs_revision,
    )
    step(f"seed {seed}: ingest")
    store = Store(work / f"seed-{seed}" / "store")
    ingest_paths(store, sim.paths, fmt="comtrade", progress=False)
    truth = Truth.read(sim.truth_path)
    n = len(truth.scenarios)
    eng = get_engine(engine)
    timings = {"simulate": sim.seconds, "ingest": time.perf_counter() - began - sim.seconds}
    step(f"seed {seed}: detectors")
    t0 = time.perf_counter()
    from detour.detectors import is_lead

    found = run_detectors(eng, store, leads=True)
    timings["detour"] = time.perf_counter() - t0
    # Leads score under every alert, so the alerts alone are the ranked list's head: one run
    # scores both what ``detect`` prints and what ``detect --leads`` prints.
    ranked = [a.to_dict() for a in found]
    alerts = [a.to_dict() for a in found if not is_lead(a)]
    scores = {"detour": score(alerts, truth, "detour"), LEADS: score(ranked, truth, LEADS)}
    for name, baseline in BASELINES.items():
        step(f"seed {seed}: baseline {name}")
        t0 = time.perf_counter()
        scores[name] = score(baseline(eng, store, 3 * n), truth, name)
        timings[name] = time.perf_counter() - t0
    from detour.simulate.misses import ranked_out, why_missed

    extra: dict[str, Any] = {"ranked_out": ranked_out(alerts, truth)}
    if why:
        step(f"seed {seed}: tracing the missed scenarios")
        t0 = time.perf_counter()
        leads = [a.to_dict() for a in found if is_lead(a)]
        extra["missed"] = why_missed(eng, store, truth, alerts, leads)
        timings["why"] = time.perf_counter() - t0
    eng.close()
    return {
        "seed": seed, "n": n, "declarations": sim.declarations, "rows_written": sim.rows_written,
        "timings": {k: round(v, 2) for k, v in timings.items()},
        "scores": {k: s.to_dict() for k, s in scores.items()},
        "top_alerts": ranked[:n],
        **extra,
    }


def benchmark(seeds: list[int], work: Path, **options: Any) -> dict[str, Any]:
    """Every seed in turn; pooled precision@N and recall@3N per method."""
    runs = [evaluate_seed(seed, work, **options) for seed in seeds]
    return {
        "seeds": seeds,
        # ``why`` adds traces to the runs, not another kind of world: runs with and without it pool.
        "options": {k: v for k, v in options.items() if k not in ("progress", "why")},
        "pooled": pool(runs),
        "runs": runs,
    }


def pool(runs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Pooled figures per method over the runs of ``evaluate_seed`` (one benchmark's, or several
    benchmarks' put together: ``benchmarks/accuracy.py --merge``)."""
    methods = list(runs[0]["scores"]) if runs else []
    return {m: mean_scores([Score(**r["scores"][m]) for r in runs]) for m in methods}


def merge(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Several benchmark results (``benchmark``'s JSON, e.g. seeds run in parallel processes) as
    one: their runs together, pooled again. A seed met twice, or runs made with different
    options, are refused: the pooled figure would count a world twice or mix two kinds of world.
    """
    if not results:
        raise DetourError("nothing to merge: no benchmark results given")
    options = results[0].get("options", {})
    runs: list[dict[str, Any]] = []
    for i, r in enumerate(results):
        if r.get("options", {}) != options:
            raise DetourError(
                f"result {i + 1} was run with other options ({r.get('options')}) than result 1 ({options})"
            )
        runs += r["runs"]
    seeds = [r["seed"] for r in runs]
    twice = sorted({s for s in seeds if seeds.count(s) > 1})
    if twice:
        raise DetourError(f"seed(s) {', '.join(map(str, twice))} appear in more than one result")
    return {"seeds": seeds, "options": options, "pooled": pool(runs), "runs": runs}
