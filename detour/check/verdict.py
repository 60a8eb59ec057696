"""From leg series to a verdict, a confidence and the reasons, stated plainly.

Thresholds: a leg *rises* when its yearly average in the claim's period is at least 1.5× the
average of the three years before (or appears from nothing); it *falls* below 0.67×. Declared
trade that does not rise does not refute a covert supply claim, whose goods are by definition
not declared as such: that gives "not supported", never "contradicted". "Contradicted" needs
the data to say the opposite of the claim (a halt with rising exports; a reported rise that
was a fall, both sides declaring).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from detour.check.legs import Leg
from detour.model.claim import Claim

RISE, FALL = 1.5, 0.67


@dataclass(frozen=True)
class Window:
    baseline: range
    period: range
    inferred: bool

    @classmethod
    def of(cls, claim: Claim, store_years: list[int]) -> Window:
        start = _year(claim.period.start)
        end = _year(claim.period.end) or start
        inferred = start is None
        if start is None:
            anchor = _year(claim.published) or (max(store_years) if store_years else dt.date.today().year)
            start, end = anchor - 2, anchor
        if claim.kind == "halt":  # compare the years after the halt with the years before it
            start, end = start + 1, (start + 2)
        last = max(store_years) if store_years else end
        period = range(start, min(end, last) + 1)
        return cls(range(start - 3, start), period, inferred)

    def to_dict(self) -> dict[str, Any]:
        return {"baseline": [self.baseline.start, self.baseline.stop - 1],
                "period": [self.period.start, self.period.stop - 1] if len(self.period) else [],
                "period_inferred": self.inferred}


def _year(iso: str | None) -> int | None:
    return int(iso[:4]) if iso else None


def _avg(lg: Leg, years: range) -> float:
    return lg.value(years) / max(len(years), 1)


def answer(lg: Leg, w: Window) -> dict[str, Any]:
    before, during = _avg(lg, w.baseline), _avg(lg, w.period)
    reported = lg.reported("export", w.period) or lg.reported("import", w.period)
    s = lg.series[lg.series.year.isin(list(w.period))]
    exp, imp = float(s.export_value.fillna(0).sum()), float(s.import_value.fillna(0).sum())
    if not len(w.period) or (not reported and during == 0):
        verdict = "unknown"
    elif during > 0 and (before == 0 or during >= RISE * before):
        verdict = "rises"
    elif before > 0 and during <= FALL * before:
        verdict = "falls"
    else:
        verdict = "flat" if during > 0 else "none"
    return {"leg": lg.label, "answer": verdict, "before_avg_usd": round(before, 2), "during_avg_usd": round(during, 2),
            "exporter_declared_usd": round(exp, 2), "importer_declared_usd": round(imp, 2),
            "undeclared": imp > 1.5 * exp + 1 and lg.reported("export", w.period),
            "phantom": exp > 1.5 * imp + 1 and lg.reported("import", w.period),
            "both_sides_reported": lg.reported("export", w.period) and lg.reported("import", w.period)}


def decide(
    claim: Claim, legs: dict[str, Leg], w: Window, alerts: list[Any], leads: Sequence[Any] = ()
) -> dict[str, Any]:
    qs = {name: answer(lg, w) for name, lg in legs.items()}
    reasons: list[str] = []
    covert = bool({"covert", "falsified documents", "front companies"} & set(claim.modality))
    testable = [q for q in qs.values() if q["answer"] != "unknown"]
    for name, q in qs.items():
        reasons.append(_sentence(name, q, w))
    if alerts:
        reasons.append(f"{len(alerts)} detector alert(s) match the claim's countries, goods and years")
    if leads:
        reasons.append(f"{len(leads)} detector lead(s) match them: evidence under the detectors' threshold, "
                       "a weak pattern rather than a finding")
    if not len(w.period):
        verdict = "not testable"
        reasons.append("the store holds no declarations for the claim's period")
    elif not testable and not alerts:
        verdict = "not testable"
    elif claim.kind == "halt":
        q = next(iter(qs.values()))
        verdict = {"falls": "supported", "none": "supported", "rises": "contradicted"}.get(q["answer"], "not supported")
    else:
        route = [qs[k] for k in ("supplier→via", "via→recipient") if k in qs]
        direct = qs.get("supplier→recipient")
        rising = [q for q in qs.values() if q["answer"] == "rises"]
        gaps = [q for q in qs.values() if q["undeclared"] or q["phantom"]]
        if alerts or (route and all(q["answer"] == "rises" for q in route)) or (
                not route and direct and direct["answer"] == "rises"):
            verdict = "supported"
        elif rising or gaps or leads:
            verdict = "partly supported"
        elif not covert and any(q["answer"] == "falls" and q["both_sides_reported"] for q in qs.values()):
            verdict = "contradicted"
        else:
            verdict = "not supported"
            if covert:
                reasons.append("declared trade does not show it; a covert supply under falsified documents would "
                               "not be declared as such, so this does not refute the claim")
    if claim.status == "denied" and verdict not in ("not testable",):
        underlying = verdict
        verdict = {"supported": "contradicted", "contradicted": "supported"}.get(underlying, "partly supported"
                                                                             if underlying == "not supported"
                                                                             else underlying)
        reasons.append(f"the claim is a denial; the supply it denies is '{underlying}' by the data")
    return {"verdict": verdict, "confidence": _confidence(verdict, qs, alerts, w, claim), "reasons": reasons,
            "questions": list(qs.values()), "settle": _settle(claim, legs, qs, w, covert)}


def _sentence(name: str, q: dict[str, Any], w: Window) -> str:
    span = f"{w.period.start}–{w.period.stop - 1}" if len(w.period) else "the period"
    base = f"{w.baseline.start}–{w.baseline.stop - 1}"
    words = {"rises": "rose", "falls": "fell", "flat": "stayed about flat", "none": "did not appear",
             "unknown": "cannot be seen (no declarations by either side in those chapters)"}
    text = (f"{q['leg']} ({name}) trade {words[q['answer']]} in {span}: "
            f"USD {q['during_avg_usd']:,.0f}/year against {q['before_avg_usd']:,.0f}/year in {base}")
    if q["undeclared"]:
        text += "; importers recorded more than the exporters declared (undeclared exports)"
    if q["phantom"]:
        text += "; exporters declared more than the importers recorded (phantom exports)"
    return text


def _confidence(verdict: str, qs: dict[str, dict], alerts: list, w: Window, claim: Claim) -> int:
    if verdict == "not testable":
        return 0
    c = 40
    if qs and all(q["both_sides_reported"] for q in qs.values()):
        c += 15
    if alerts:
        c += 15
    if any(q["answer"] == "rises" and q["before_avg_usd"] == 0 for q in qs.values()):
        c += 10
    if any(q["answer"] == "unknown" for q in qs.values()):
        c -= 15
    if w.inferred:
        c -= 10
    if any(h.startswith("93") for h in (claim.items.hs or ())) and not all(
            q["both_sides_reported"] for q in qs.values()):
        c -= 10  # arms are often suppressed by whole reporters
    return max(5, min(95, c))


def _settle(claim: Claim, legs: dict[str, Leg], qs: dict[str, dict], w: Window, covert: bool) -> list[str]:
    countries = sorted({c for lg in legs.values() for c in lg.origins + lg.destinations})
    heads = sorted({h for lg in legs.values() for h in lg.hs})
    years = f"{w.baseline.start}–{max(w.period.stop - 1, w.baseline.stop)}"
    out = [f"UN Comtrade HS6 declarations in {', '.join(heads)} by {', '.join(countries)} for {years}, "
           "both exports and imports (mirror both sides)"]
    if any(h.startswith("93") for h in heads):
        out.append("national arms-export licence reports (EU COARM, categories ML2/ML3) for the supplier and hubs")
    if covert:
        out.append("transaction-level customs records or bills of lading: goods moved under falsified documents "
                   "are declared under other codes or destinations")
    return out
