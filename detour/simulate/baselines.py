"""Two naive detectors to measure Detour against, on the same store and the same engine.

Both are what an analyst would try first with a spreadsheet, written as Ibis expressions over
``detour.analysis.declarations.annual`` so they run on DuckDB or Spark:

- **mirror gap**: rank (exporter, importer, HS6, year) by |X − M|, the exporter's declared
  exports against the importer's declared imports. A bigger export side reads as a phantom
  export, a bigger import side as an undeclared export. No CIF/FOB allowance, no check that
  the partner reported at all, no look at chapter suppression.
- **co-surge**: rank (origin, hub, destination, HS6, year) by the product of the year-on-year
  increases of O → H and H → D in the same HS6 and year, both positive, O ≠ D. Each leg is
  valued from the exporter's declaration, else the importer's. Reads as a transshipment.

Their output is in the alert contract (kind, origin, hub, destination, hs, start, end, score),
best first, so ``detour.simulate.accuracy`` scores them exactly like the real detectors.
"""

from __future__ import annotations

from typing import Any

import ibis

from detour.analysis.declarations import annual
from detour.engine.base import Engine
from detour.store.catalog import Store

KEY = ["exporter", "importer", "hs", "year"]


def _mirror(engine: Engine, store: Store) -> ibis.Table:
    ann = annual(engine.declarations(store))
    x = ann.filter(ann.flow == "export").select(
        exporter=ann.reporter, importer=ann.partner, hs=ann.hs, year=ann.year, x=ann.value_usd
    )
    m = ann.filter(ann.flow == "import").select(
        exporter=ann.partner, importer=ann.reporter, hs=ann.hs, year=ann.year, m=ann.value_usd
    )
    j = x.outer_join(m, [x[k] == m[k] for k in KEY])
    return j.select(*[ibis.coalesce(x[k], m[k]).name(k) for k in KEY], x=x.x, m=m.m)


def mirror_gap_alerts(engine: Engine, store: Store, limit: int) -> list[dict[str, Any]]:
    t = _mirror(engine, store)
    gap = t.x.fill_null(0) - t.m.fill_null(0)
    t = t.mutate(gap=gap.abs(), sign=gap).order_by([ibis.desc("gap"), *KEY]).limit(limit)
    rows = engine.execute(t)
    return [
        {
            "kind": "phantom_export" if r.sign > 0 else "undeclared_export",
            "origin": r.exporter,
            "hub": None,
            "destination": r.importer,
            "hs": [r.hs],
            "start": int(r.year),
            "end": int(r.year),
            "score": float(r.gap),
        }
        for r in rows.itertuples()
    ]


def cosurge_alerts(engine: Engine, store: Store, limit: int) -> list[dict[str, Any]]:
    t = _mirror(engine, store)
    legs = t.select(*KEY, v=ibis.coalesce(t.x, t.m))
    prev = legs.select(
        exporter=legs.exporter, importer=legs.importer, hs=legs.hs, year=legs.year + 1, v0=legs.v
    )
    d = legs.left_join(prev, [legs[k] == prev[k] for k in KEY])
    d = d.select(*[legs[k] for k in KEY], up=legs.v - prev.v0.fill_null(0))
    first = engine.execute(legs.aggregate(y=legs.year.min()))["y"].iloc[0]
    d = d.filter((d.up > 0) & (d.year > int(first)))  # the first year has no "before" to grow from
    a = d.select(o=d.exporter, h=d.importer, hs=d.hs, year=d.year, up1=d.up)
    b = d.select(h2=d.exporter, dd=d.importer, hs2=d.hs, year2=d.year, up2=d.up)
    pairs = a.join(b, [a.h == b.h2, a.hs == b.hs2, a.year == b.year2]).filter(lambda r: r.o != r.dd)
    pairs = pairs.mutate(score=pairs.up1 * pairs.up2)
    top = pairs.order_by([ibis.desc("score"), "o", "h", "dd", "hs", "year"]).limit(limit)
    rows = engine.execute(top.select("o", "h", "dd", "hs", "year", "score"))
    return [
        {
            "kind": "transshipment", "origin": r.o, "hub": r.h, "destination": r.dd,
            "hs": [r.hs],
            "start": int(r.year),
            "end": int(r.year),
            "score": float(r.score),
        }
        for r in rows.itertuples()
    ]


BASELINES = {"mirror gap": mirror_gap_alerts, "co-surge": cosurge_alerts}
