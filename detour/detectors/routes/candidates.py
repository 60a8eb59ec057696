"""Candidate routes, found in the engine: inbound surges O→H joined to onward surges H→D.

A flow-year surges when its value is at least ``growth`` times the flow's mean of all earlier
years, and at least ``min_value``; one window pass finds them all. Inbound surges are joined to
outbound surges out of the same hub in the same year or a year later, with linked goods (the
same HS6 for transshipment, component → product for transformation). Everything after this
(``detour.detectors.routes.legs``) works on the candidates' own series in pandas.
"""

from __future__ import annotations

from collections.abc import Callable

import ibis
import ibis.expr.types as ir

from detour.detectors.base import Scope
from detour.detectors.panel import Panel
from detour.detectors.revisions import REVISION_YEAR, bounded_codes, narrowed_codes

Pred = Callable[[ir.StringValue], ir.BooleanValue]


def surges(panel: Panel) -> ibis.Table:
    p, prm = panel.pairs, panel.params
    w = ibis.window(group_by=[p.exporter, p.importer, p.hs], order_by=p.year, preceding=None, following=0)
    # A code's first year anywhere in the data: flows in a code HS revisions created are not "new".
    born = p.year.min().over(ibis.window(group_by=p.hs))
    t = p.mutate(prev_sum=p.v.sum().over(w) - p.v, born=born)
    # Codes HS2022 created n:n (8806) have no history of their own, only a bound on it
    # (``revisions.history_bound``), which scoring uses: in their first year they are candidates
    # when they exceed ``growth`` times the pair's yearly mean before 2022 in all the bound
    # codes together (a superset of any one code's bound: a cheap, conservative pre-filter).
    # From their second year on, their own years are their history (``persist``).
    every = list(narrowed_codes())
    n_old = max(sum(1 for y in panel.years if y < REVISION_YEAR), 1)
    old = p.filter(p.hs.isin(every) & (p.year < REVISION_YEAR))
    old = old.group_by(["exporter", "importer"]).aggregate(bound_mean=old.v.sum() / n_old)
    t = t.left_join(old, ["exporter", "importer"]).select(t, old.bound_mean)
    bounded = t.hs.isin(list(bounded_codes()))
    own_mean = t.prev_sum / ibis.greatest(t.year - t.born, 1)
    first = bounded & (t.year <= t.born)
    prev_mean = ibis.ifelse(first, ibis.greatest(own_mean, t.bound_mean.fill_null(0.0)), own_mean)
    known = (t.year - t.born >= prm.min_pre) | bounded
    keep = known & (t.v >= prm.min_value) & (t.v >= prm.growth * prev_mean)
    if prm.since is not None:
        keep &= t.year >= prm.since - 1  # an inbound leg may surge a year before the outbound one
    return t.filter(keep).drop("bound_mean")


def route_candidates(
    panel: Panel,
    scope: Scope,
    inbound: Pred,
    outbound: Pred,
    link: Callable[[ir.StringValue, ir.StringValue], ir.BooleanValue],
) -> ibis.Table:
    s = surges(panel)
    a = s.filter(inbound(s.hs))
    if scope.origins is not None:
        a = a.filter(a.exporter.isin(sorted(scope.origins)))
    if scope.hubs is not None:
        a = a.filter(a.importer.isin(sorted(scope.hubs)))
    a = a.select(o=a.exporter, h=a.importer, hs_in=a.hs, t1=a.year)
    b = s.view()
    b = b.filter(outbound(b.hs))
    if scope.destinations is not None:
        b = b.filter(b.importer.isin(sorted(scope.destinations)))
    b = b.select(h2=b.exporter, d=b.importer, hs_out=b.hs, t2=b.year)
    j = a.join(b, [a.h == b.h2, link(a.hs_in, b.hs_out), b.t2 >= a.t1, b.t2 <= a.t1 + 1, a.o != b.d])
    return j.select("o", "h", "d", "hs_in", "hs_out").distinct()
