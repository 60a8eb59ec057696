"""Yearly series of one leg of an alleged route (origins → destinations, in some goods).

Both sides of the mirror are kept: what the exporters declared and what the importers
declared, plus whether each side reported the goods' chapters at all that year, so that a
silence can be told apart from a zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import pandas as pd

from detour.analysis.declarations import coverage
from detour.analysis.mirror import Prepared
from detour.engine.base import Engine


@dataclass
class Leg:
    origins: list[str]
    destinations: list[str]
    hs: list[str]
    series: pd.DataFrame = field(default_factory=pd.DataFrame)  # year, export_value, import_value, flows
    reporting: pd.DataFrame = field(default_factory=pd.DataFrame)  # reporter, year, flow (chapter covered)

    @property
    def label(self) -> str:
        return f"{'+'.join(self.origins)} → {'+'.join(self.destinations)}"

    def value(self, years: range) -> float:
        """Trade in those years: the larger of the two declarations, year by year."""
        s = self.series[self.series.year.isin(list(years))]
        return float(s[["export_value", "import_value"]].max(axis=1).fillna(0).sum()) if len(s) else 0.0

    def reported(self, reporter_side: str, years: range) -> bool:
        """Did every country on that side declare something in the goods' chapters in each year?"""
        who = self.origins if reporter_side == "export" else self.destinations
        r = self.reporting
        r = r[(r.flow == reporter_side) & r.year.isin(list(years)) & r.reporter.isin(who)]
        return len(r.drop_duplicates(["reporter", "year"])) == len(who) * len(list(years))


def _hs_filter(t: ibis.Table, hs: list[str]) -> ibis.Expr:
    cond = ibis.literal(False)
    for prefix in hs:
        cond = cond | t.hs.startswith(prefix)
    return cond


def leg(engine: Engine, prep: Prepared, origins: list[str], destinations: list[str], hs: list[str]) -> Leg:
    p = prep.pairs
    sel = p.filter(p.exporter.isin(origins) & p.importer.isin(destinations) & _hs_filter(p, hs))
    series = engine.execute(sel.group_by("year").aggregate(
        export_value=sel.export_value.sum(), import_value=sel.import_value.sum(), flows=sel.count()))
    chapters = sorted({h[:2] for h in hs})
    cov = coverage(prep.ann)
    rep = cov.filter(cov.chapter.isin(chapters) & cov.reporter.isin(origins + destinations))
    reporting = engine.execute(rep.select("reporter", "year", "flow").distinct())
    return Leg(origins, destinations, hs, series.sort_values("year").reset_index(drop=True), reporting)


def evidence(engine: Engine, prep: Prepared, origins: list[str], destinations: list[str], hs: list[str],
             years: range, limit: int = 40) -> list[dict]:
    """The declarations behind a leg: one entry per declared side, largest first."""
    p = prep.pairs
    sel = p.filter(p.exporter.isin(origins) & p.importer.isin(destinations) & _hs_filter(p, hs)
                   & p.year.between(years.start, years.stop - 1))
    df = engine.execute(sel.order_by(ibis.desc(ibis.greatest(sel.export_value.fill_null(0),
                                                             sel.import_value.fill_null(0)))).limit(limit))
    out = []
    for r in df.itertuples():
        if pd.notna(r.export_value):
            out.append({"year": int(r.year), "reporter": r.exporter, "partner": r.importer, "flow": "export",
                        "hs": r.hs, "value": float(r.export_value)})
        if pd.notna(r.import_value):
            out.append({"year": int(r.year), "reporter": r.importer, "partner": r.exporter, "flow": "import",
                        "hs": r.hs, "value": float(r.import_value)})
    return out
