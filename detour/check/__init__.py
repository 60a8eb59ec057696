"""Check a claim against the trade data: questions to the store, then a verdict with evidence.

A claim names countries, goods and (perhaps) a period. It becomes questions restricted to them:

1. do supplier → via exports of those goods rise (against the years before)?
2. do via → recipient exports rise?
3. are there undeclared supplier exports (importers record them, the supplier does not)?
4. are there phantom exports (the supplier records them, the importer does not)?
5. does a detector alert match (same countries, overlapping goods and years)? A *lead* (evidence
   under the detectors' threshold, ``run_detectors(leads=True)``) that matches is reported apart
   (``leads``): it lifts "not supported" to "partly supported", never to "supported", and adds
   nothing to the confidence.
6. for a claimed route (supplier → via → recipient) that no alert or lead names, why the route
   detectors did not flag it (``detour trace``; ``traces``, and one sentence among the reasons).

Verdicts: ``supported``, ``partly supported``, ``not supported``, ``contradicted``, or
``not testable`` when the store does not cover the goods or the countries: never "not
supported" for lack of data. A denial is checked as the negation of what it denies.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

from detour.check.legs import Leg, evidence, leg
from detour.check.verdict import Window, decide
from detour.model.claim import Claim


@cache
def _ml_hs() -> dict[str, list[str]]:
    return yaml.safe_load(resources.files("detour.data").joinpath("ml_hs.yaml").read_text())


def goods(claim: Claim) -> list[str]:
    """HS headings to look in: the claim's codes widened to 4 digits, else its ML categories."""
    heads = {h.replace(".", "")[:4] for h in claim.items.hs if len(h.replace(".", "")) >= 4}
    heads |= {h for h in claim.items.hs if len(h) == 2}
    if not heads:
        for ml in claim.items.ml:
            heads |= set(_ml_hs().get(ml.upper(), []))
    return sorted(heads)


# What a claim the data cannot test carries besides its reasons and what would settle it.
UNTESTABLE = {"verdict": "not testable", "confidence": 0, "questions": [], "evidence": [], "alerts": [],
              "leads": [], "traces": []}


def check_claim(ctx: Any, claim: Claim, shared: Any = None) -> dict[str, Any]:
    """Assess one claim; ``ctx`` is a ``detour.service.Context`` (engine + store). The claim's
    detector run and its route traces share one panel (``detectors.SharedPanel``, built only if
    the claim gets that far); ``shared`` lets the claims of one article share theirs too."""
    from detour.detectors import SharedPanel

    if shared is None:
        with SharedPanel(ctx.engine, ctx.store) as own:
            return _check(ctx, claim, own)
    return _check(ctx, claim, shared)


def _check(ctx: Any, claim: Claim, shared: Any) -> dict[str, Any]:
    from detour.analysis.mirror import prepare

    roles = claim.countries()
    suppliers = sorted(set(roles["supplier"]))
    vias = sorted(set(roles["via"]) - set(suppliers))
    recipients = sorted(set(roles["recipient"]) - set(suppliers))
    hs = goods(claim)
    base = {"claim_id": claim.id, "goods": hs, "suppliers": suppliers, "via": vias, "recipients": recipients}
    missing = [what for what, ok in (("the supplier's country", suppliers), ("the goods", hs),
                                     ("a recipient or intermediary country", recipients or vias)) if not ok]
    if missing and not (claim.kind == "halt" and suppliers and hs):
        return {**base, **UNTESTABLE,
                "reasons": [f"the claim does not name {', '.join(missing)} in a form the data can be queried by"],
                "settle": ["a claim naming the countries and goods involved"]}
    prep = prepare(ctx.engine, ctx.store)
    from detour.check.legs import _hs_filter

    if ctx.engine.execute(prep.ann.filter(_hs_filter(prep.ann, hs)).count()) == 0:
        return {**base, **UNTESTABLE,
                "reasons": [f"the store holds no declarations of HS {', '.join(hs)} by any reporter"],
                "settle": [f"UN Comtrade or national declarations of HS {', '.join(hs)} by "
                           f"{', '.join(suppliers + vias + recipients)} and their partners"]}
    years = _store_years(ctx)
    window = Window.of(claim, years)
    legs: dict[str, Leg] = {}
    if vias:
        legs["supplier→via"] = leg(ctx.engine, prep, suppliers, vias, hs)
        if recipients:
            legs["via→recipient"] = leg(ctx.engine, prep, vias, recipients, hs + _products_of(hs))
    if recipients:
        legs["supplier→recipient"] = leg(ctx.engine, prep, suppliers, recipients, hs)
    if claim.kind == "halt" and not (vias or recipients):
        world = sorted({p for p in _partners(ctx, prep, suppliers, hs)})
        legs["supplier→all partners"] = leg(ctx.engine, prep, suppliers, world, hs)
    from detour.detectors import is_lead

    found = _matching_alerts(ctx, suppliers, vias, recipients, hs, window, shared)
    alerts, leads = [a for a in found if not is_lead(a)], [a for a in found if is_lead(a)]
    result = decide(claim, legs, window, alerts, leads)
    traces = _why_not(ctx, claim, suppliers, vias, recipients, found, shared)
    result["reasons"] += [t["sentence"] for t in traces]
    ev = []
    for name, lg in legs.items():
        ev += [dict(e, leg=name) for e in evidence(ctx.engine, prep, lg.origins, lg.destinations, lg.hs,
                                                   range(window.baseline.start, window.period.stop))]
    series = {name: lg.series.to_dict(orient="list") for name, lg in legs.items()}
    return {**base, **result, "window": window.to_dict(), "evidence": ev, "series": series,
            "alerts": [a.to_dict() for a in alerts], "leads": [a.to_dict() for a in leads], "traces": traces}


MAX_TRACES = 6  # routes traced per claim: each runs the route detectors over the store
ROUTE_KIND = {"assembly": "transformation", "transshipment": "transshipment"}


def _why_not(ctx: Any, claim: Claim, suppliers: list[str], vias: list[str], recipients: list[str],
             found: list[Any], shared: Any = None) -> list[dict[str, Any]]:
    """For a claimed route that no alert or lead names (supplier → via → recipient), why the route
    detectors did not flag it (``detectors.trace.trace_route``): one sentence per route, for the
    claim's kind of route (assembly: transformation; transshipment) or both."""
    from detour.detectors.trace import trace_route

    named = {(a.origin, a.hub, a.destination) for a in found}
    routes = [(s, v, r) for s in suppliers for v in vias for r in recipients if (s, v, r) not in named]
    kinds = [ROUTE_KIND[claim.kind]] if claim.kind in ROUTE_KIND else None
    out = []
    for o, h, d in routes[:MAX_TRACES]:
        t = trace_route(ctx.engine, ctx.store, o, h, d, kinds=kinds, shared=shared)
        text = "; ".join(f"{k}: {v}" for k, v in t.verdicts.items())
        out.append({"origin": o, "hub": h, "destination": d, "flagged": t.flagged, "verdicts": t.verdicts,
                    "sentence": f"route {o} → {h} → {d} (detour trace): {text}"})
    return out


def _products_of(hs: list[str]) -> list[str]:
    """Assembled products the components may leave the hub as (transformation map)."""
    from detour.detectors.reference import transformation_rules

    out = {p for rule in transformation_rules() if any(h[:4] in rule.components for h in hs) for p in rule.products}
    return sorted(out - set(hs))


def _store_years(ctx: Any) -> list[int]:
    return sorted({int(p["year"]) for f in ctx.store.files() for p in f.parts})


def _partners(ctx: Any, prep: Any, suppliers: list[str], hs: list[str]) -> list[str]:
    p = prep.pairs
    from detour.check.legs import _hs_filter

    sel = p.filter(p.exporter.isin(suppliers) & _hs_filter(p, hs)).select("importer").distinct()
    return list(ctx.engine.execute(sel)["importer"])


def _matching_alerts(ctx: Any, suppliers: list[str], vias: list[str], recipients: list[str], hs: list[str],
                     window: Window, shared: Any = None) -> list[Any]:
    from detour.detectors import run_detectors

    if not suppliers:
        return []
    found = run_detectors(ctx.engine, ctx.store, origins=suppliers, hubs=vias or None,
                          destinations=recipients or None, leads=True, shared=shared)
    out = []
    for a in found:
        d = a.to_dict()
        if not any(str(h).startswith(tuple(hs)) or any(x.startswith(str(h)[:4]) for x in hs) for h in d["hs"]):
            continue
        if d["end"] < window.period.start - 1 or d["start"] > window.period.stop:
            continue
        out.append(a)
    return out
