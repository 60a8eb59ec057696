"""Annual declarations: the one view every analysis starts from.

Rules, in order:
- reconciled sources (BACI) are not declarations and are left out unless asked for;
- a reporter that declared a year both annually and monthly is counted once: its annual
  figures win, and its months are summed only for (source, reporter, year, flow) slices that
  have no annual rows;
- where several declaration sources hold the same (reporter, year, flow), one is used;
- rows are summed to one value per (source, year, reporter, partner, flow, hs).

>>> import ibis, pandas as pd
>>> t = ibis.memtable(pd.DataFrame({"source": ["comtrade"] * 3, "year": [2021] * 3, "month": [None, 1, 2],
...     "reporter": ["FRA"] * 3, "partner": ["DEU"] * 3, "flow": ["export"] * 3, "hs": ["930690"] * 3,
...     "value_usd": [10.0, 4.0, 5.0], "value_basis": ["FOB"] * 3, "net_kg": [1.0, 1.0, 1.0]}))
>>> annual(t).execute().value_usd.tolist()
[10.0]
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
from ibis import _

from detour.store.catalog import Store

RECONCILED_SOURCES = ("baci",)


@dataclass(frozen=True)
class StoreProfile:
    """What the catalogue says about the declarations: their sources and whether any is monthly."""

    sources: frozenset[str]
    monthly: bool

    @classmethod
    def of(cls, store: Store) -> StoreProfile:
        files = store.files()
        return cls(frozenset(f.source for f in files), any(s[3] for f in files for s in f.slices))

    def simple(self, sources: list[str] | None, include_reconciled: bool) -> bool:
        used = set(sources) if sources else {s for s in self.sources
                                             if include_reconciled or s not in RECONCILED_SOURCES}
        return not self.monthly and len(used & self.sources) <= 1
SLICE = ("source", "reporter", "year", "flow")
KEY = ("source", "year", "reporter", "partner", "flow", "hs")


def annual(decl: ibis.Table, sources: list[str] | None = None, include_reconciled: bool = False,
           profile: StoreProfile | None = None) -> ibis.Table:
    """Annual declarations. ``profile`` (from the catalogue) lets a simple store skip the
    source and month resolution: one source and no monthly rows are already one row per key,
    because ingest refuses duplicate keys in a file and overlapping files of one source."""
    if sources:
        decl = decl.filter(decl.source.isin(sources))
    elif not include_reconciled:
        decl = decl.filter(~decl.source.isin(RECONCILED_SOURCES))
    if profile is not None and profile.simple(sources, include_reconciled):
        return decl.select(*KEY, "value_usd", "value_basis", "net_kg", months=ibis.literal(0))
    decl = decl.select(*KEY, "month", "value_usd", "value_basis", "net_kg")
    # One source per (reporter, year, flow): two sources holding the same reporter's declarations
    # (say Comtrade and a national CSV) would otherwise be summed. The alphabetically first wins.
    best = decl.group_by(["reporter", "year", "flow"]).aggregate(_best=decl.source.min())
    decl = decl.semi_join(best, [decl.reporter == best.reporter, decl.year == best.year,
                                 decl.flow == best.flow, decl.source == best._best])
    yearly = decl.filter(decl.month.isnull())
    has_annual = yearly.select(*SLICE).distinct()
    monthly = decl.filter(decl.month.notnull()).anti_join(has_annual, list(SLICE))
    both = yearly.mutate(_m=ibis.literal(0)).union(monthly.mutate(_m=ibis.literal(1)))
    return both.group_by(list(KEY)).aggregate(
        value_usd=_.value_usd.sum(),
        value_basis=_.value_basis.max(),
        net_kg=_.net_kg.sum(),
        months=_._m.sum(),
    )


def coverage(ann: ibis.Table) -> ibis.Table:
    """(reporter, year, flow, chapter) slices with any declaration: who reported what at all."""
    return ann.mutate(chapter=ann.hs.substr(0, 2)).select("reporter", "year", "flow", "chapter").distinct()
