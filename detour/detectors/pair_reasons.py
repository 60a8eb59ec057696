"""The words of ``detour trace ORIGIN PARTNER`` (``trace_pair``): per candidate code of a declared
pair, the figures the pair detectors computed turned into one plain sentence, and one verdict
per kind. Kept apart from ``trace_pair``, which runs the detectors, so each fits in the head:
nothing here scores anything, it only reads the rows ``assess`` and the stages left.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from detour.detectors.gaps import ADDED_FLOOR, HELD, hs_label, is_heading
from detour.detectors.panel import Panel
from detour.detectors.revisions import REVISION_YEAR, history_bound
from detour.detectors.routes.reason import NO_REASON
from detour.detectors.scoring import LEAD_Z, MIN_PART, Params
from detour.detectors.unit_value import CANDIDATE_JUMP, MIN_PREMIUM
from detour.model.alert import Alert
from detour.model.codes import country_name

# Why an importer's record with nothing declared beside it gave the exporter no reason to hide
# it (``gap_reason.CAUSES``), in words.
HIDE_WORDS = {
    "unbound_origin": "the importer's restrictions do not bind the exporter: no reason to hide the goods",
    "civil_goods": (
        "goods that ship freely to this importer: no reason to hide them (an importer names the "
        "country of origin, so goods that came through a third country are recorded against it)"
    ),
}


def _years(start: int, end: int) -> str:
    return str(start) if start == end else f"{start}–{end}"


def usd(v: float) -> str:
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
    under a confidential code (``Panel.hidden``), one whose chapter total exceeds its HS6 detail
    (``Panel.kept_in_chapter_total``), or a code not in use."""
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
    in_total = {
        side: panel.kept_in_chapter_total(pd.Series([me]), pd.Series([them]), pd.Series([hs]), side)[0]
        for me, them, side, _ in sides
    }
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
                to = "from" if side == "M" else "to"
                text = (
                    f"{country_name(me)} booked {flow} {to} {country_name(them)} under a confidential code "
                    "(chapter 99), where these goods may be"
                )
            elif in_total[side][j]:
                to = "from" if side == "M" else "to"
                text = (
                    f"{country_name(me)}'s chapter {ch} total of {flow} {to} {country_name(them)} exceeds "
                    "the HS6 detail it declared, so these goods may be in the total only"
                )
            else:
                text = (
                    f"{country_name(me)} declared no {flow} in chapter {ch} while other partners recorded "
                    f"such trade with it, a chapter it hides"
                )
            why.setdefault(text, []).append(y)
    return "; ".join(f"{_span(ys)}: {text}" for text, ys in why.items())


def gap_rows(t: pd.DataFrame, panel: Panel, min_years: int) -> pd.DataFrame:
    prm, years = panel.params, np.asarray(panel.years)
    out = t.copy()
    unknown, details, declared, recorded, starts, ends = [], [], [], [], [], []
    for r in t.itertuples(index=False):
        big, small = np.asarray(r.declared, dtype=float), np.asarray(r.recorded, dtype=float)
        bound = np.asarray(r.bound, dtype=bool)  # the bound's years: history, never the gap
        if r.stage in ("persistence", "history"):  # the years the gap stands in the data, seen or not
            span = (big - small >= prm.min_gap) & (small < HELD * big) & ~bound
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
        (f"exports of HS {hs_label(r.hs)} to {p}", "declared", "recorded")
        if phantom
        else (f"imports of HS {hs_label(r.hs)} from {o}", "recorded", "declared")
    )
    bound = years[np.asarray(r.bound, dtype=bool)]
    basis = (
        f" (in {_span(bound.tolist())}, before HS {r.hs} existed, the pair's mirror in "
        f"HS {', '.join(history_bound(r.hs))})"
        if len(bound)
        else ""
    )
    text = (
        f"{declarer} {said} {usd(sums[0])} of {flow} in {_years(r.start, r.end)}, {silent} {other} "
        f"{usd(sums[1])}; the mirror ratio broke from its history{basis} with z {r.z_break:.2f}"
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
    why_not = HIDE_WORDS.get(str(getattr(r, "reason", "") or ""))
    if why_not:
        cuts.append(f"{why_not} (× {NO_REASON})")
    if cuts:
        text += f", cut to {r.z:.2f}: " + "; ".join(cuts)
    text += hidden
    if r.stage == "code too weak":
        return text + f"; z {r.z:.2f} is under {MIN_PART}, too weak to count towards the pair's evidence"
    if r.stage == "codes or heading":
        return text + (
            "; a code of the heading shows the gap on its own, so the heading is not read as a whole"
            if is_heading(r.hs)
            else f"; heading {str(r.hs)[:4]} read as a whole (its codes summed) shows the gap more clearly"
        )
    both = " with the pair's other codes" if abs(r.evidence - r.z) > 1e-9 else ""
    if r.stage == "threshold":
        return (
            text + f"; evidence {r.evidence:.2f}{both} is under the threshold {prm.min_z}" + _lead(r.evidence)
        )
    return text + f"; evidence {r.evidence:.2f}{both} clears the threshold {prm.min_z}"


def _lead(z: float) -> str:
    return f" (a lead: detect --leads lists it from {LEAD_Z})" if z >= LEAD_Z else ""


def price_rows(t: pd.DataFrame, panel: Panel) -> pd.DataFrame:
    out = t.copy()
    out["detail"] = [_price_detail(r, panel.params) for r in t.itertuples(index=False)]
    out["unknown"], out["reason"] = "", ""
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
    carried = f" (its prices before {REVISION_YEAR} are unknown: " + (
        "the corridor's drones were declared under it)"
        if r.carried == "corridor"
        else f"its exporter moved most of its trade in the code to 8806 in {REVISION_YEAR}, so its "
        "drones were declared under it)"
    )
    if r.stage == "history":
        return (
            f"{r.n_pre} known price(s) before any jump, fewer than {prm.min_pre}: no history to judge it by"
            + (carried if r.carried else "")
        )
    if r.stage == "closed episode":
        return (
            f"{moved}, but did not hold off-line every year or did not come back the year after "
            f"(in a code HS{REVISION_YEAR} narrowed, a jump before {REVISION_YEAR} must hold two years)"
        )
    if r.stage == "premium":
        return (
            f"{moved}: within {math.exp(MIN_PREMIUM):.1f} times of them "
            f"({math.exp(MIN_PREMIUM / 2):.2f} times for a price that went through them), no premium"
        )
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


def no_candidate(kind: str, o: str, p: str, traded: int, det: Any, prm: Params) -> str:
    on, pn = country_name(o), country_name(p)
    if not traded:
        return f"No {kind} candidate: neither side declared any trade of watched goods from {on} to {pn}."
    codes = f"in none of the {traded} watched code(s) {on} → {pn} traded"
    if kind == "unit_value":
        return (
            f"No {kind} candidate: {codes} did the price (USD/kg, against the same goods on other corridors) "
            f"jump {math.exp(CANDIDATE_JUMP):.0f} times against its earlier years to "
            f"{math.exp(MIN_PREMIUM):.1f} times the world median or more (or through it to "
            f"{math.exp(MIN_PREMIUM / 2):.2f} times on its other side), on a flow of "
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


def verdict(kind: str, rows: pd.DataFrame, alerts: list[Alert], o: str, p: str) -> str:
    pair = f"{country_name(o)} → {country_name(p)}"
    if alerts:
        found = "; ".join(
            f"HS {', '.join(a.hs)} in {_years(a.start, a.end)}, score {a.score:.1f}" for a in alerts
        )
        return f"Flagged as {kind} ({pair}): {found}."
    best = rows.iloc[0]
    head = f"Not flagged as {kind} ({pair}): the best code, HS {best.hs},"
    return f"{head} stopped at '{best.stage}': {best.detail}."
