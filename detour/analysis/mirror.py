"""The mirror view: what the exporter declared beside what the importer declared.

One row per (year, exporter, importer, hs). ``export_value`` is the exporter's FOB declaration,
``import_value`` the importer's CIF declaration, each USD as declared and null where that side
declared nothing. ``gap`` is the importer's value brought back to FOB with the estimated margin
minus the exporter's value; ``log_ratio`` is the log of the same ratio. The four flags tell
whether a missing side is a silence about this flow or a reporter that declared nothing that
year, or nothing in that chapter, at all (DOMAIN.md: not a gap in one flow).
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import pandas as pd

from detour.analysis.cif_fob import margins, with_margin
from detour.analysis.declarations import StoreProfile, annual, coverage
from detour.engine.base import Engine
from detour.store.catalog import Store

FLAG_COLUMNS = {
    "importer_not_reporting_year": "importer did not report that year",
    "importer_not_reporting_chapter": "importer did not report that chapter",
    "exporter_not_reporting_year": "exporter did not report that year",
    "exporter_not_reporting_chapter": "exporter did not report that chapter",
}


@dataclass(frozen=True)
class MirrorQuery:
    year: int | None = None
    exporter: str | None = None
    importer: str | None = None
    hs: str | None = None
    sources: tuple[str, ...] = ()


def mirror_pairs(ann: ibis.Table) -> ibis.Table:
    """Export, import and re-export declarations side by side on (year, exporter, importer, hs).

    One scan and one group-by: each declaration is oriented (an import's partner is the
    exporter) and lands in its side's columns through filtered aggregates. ``annual`` leaves at
    most one row per side and key, so ``max`` picks that row's value.
    """
    imp = ann.flow == "import"
    t = ann.filter(ann.flow.isin(["export", "import", "re-export"])).mutate(
        exporter=ibis.cases((imp, ann.partner), else_=ann.reporter),
        importer=ibis.cases((imp, ann.reporter), else_=ann.partner))
    x, m, rx = t.flow == "export", t.flow == "import", t.flow == "re-export"
    return t.group_by(["year", "exporter", "importer", "hs"]).aggregate(
        export_value=t.value_usd.max(where=x), export_basis=t.value_basis.max(where=x),
        export_kg=t.net_kg.max(where=x), import_value=t.value_usd.max(where=m),
        import_basis=t.value_basis.max(where=m), import_kg=t.net_kg.max(where=m),
        reexport_value=t.value_usd.max(where=rx))


def _flags(pairs: ibis.Table, ann: ibis.Table) -> ibis.Table:
    cov = coverage(ann)
    years = cov.select("reporter", "year", "flow").distinct()
    p = pairs.mutate(chapter=pairs.hs.substr(0, 2)).view()
    for side, flow in (("importer", "import"), ("exporter", "export")):
        y = years.filter(years.flow == flow).select(
            _r=years.reporter, _y=years.year, **{f"_{side}_y": ibis.literal(True)})
        p = p.left_join(y, [p[side] == y._r, p.year == y._y]).drop("_r", "_y").view()
        c = cov.filter(cov.flow == flow).select(
            _r=cov.reporter, _y=cov.year, _c=cov.chapter, **{f"_{side}_c": ibis.literal(True)})
        p = p.left_join(c, [p[side] == c._r, p.year == c._y, p.chapter == c._c]).drop("_r", "_y", "_c").view()
        p = p.mutate(**{
            f"{side}_not_reporting_year": p[f"_{side}_y"].isnull(),
            f"{side}_not_reporting_chapter": p[f"_{side}_y"].notnull() & p[f"_{side}_c"].isnull(),
        }).drop(f"_{side}_y", f"_{side}_c")
    return p


@dataclass
class Prepared:
    """Annual declarations and mirror pairs, cached in the engine, and the world margin.

    Every later step reads these several times (margins, flags, coverage); caching them once
    (a temp table on DuckDB, a cached DataFrame on Spark) keeps the scans to one.
    """

    ann: ibis.Table
    pairs: ibis.Table
    world_margin: float | None


def prepare(engine: Engine, store: Store, year: int | None = None, sources: tuple[str, ...] = ()) -> Prepared:
    profile = StoreProfile.of(store)
    ann = annual(engine.declarations(store), sources=list(sources) or None, profile=profile)
    if year is not None:
        ann = ann.filter(ann.year == year)
    if not profile.simple(list(sources) or None, False):  # a plain projection is cheaper to re-read
        ann = engine.materialize(ann)
    pairs = engine.materialize(mirror_pairs(ann))
    value = engine.execute(margins(pairs)[3])
    return Prepared(ann, pairs, None if value is None or pd.isna(value) else float(value))


def mirror_expr(prep: Prepared, q: MirrorQuery) -> ibis.Table:
    pairs = with_margin(prep.pairs, prep.world_margin)
    if q.exporter:
        pairs = pairs.filter(pairs.exporter == q.exporter.upper())
    if q.importer:
        pairs = pairs.filter(pairs.importer == q.importer.upper())
    if q.hs:
        pairs = pairs.filter(pairs.hs.startswith(q.hs.replace(".", "")))
    pairs = _flags(pairs.drop("chapter"), prep.ann)
    fob_import = pairs.import_value / pairs.margin_log.exp()
    both = (pairs.export_value > 0) & (pairs.import_value > 0)
    return pairs.mutate(
        cif_fob_margin=pairs.margin_log.exp() - 1,
        gap=fob_import - pairs.export_value,
        log_ratio=ibis.cases((both, (fob_import / pairs.export_value).ln()), else_=ibis.null("float64")),
    ).drop("margin_log", "chapter")


def mirror_table(engine: Engine, store: Store, q: MirrorQuery | None = None) -> ibis.Table:
    """The mirror view as an engine expression (flags as four boolean columns, unordered)."""
    q = q or MirrorQuery()
    return mirror_expr(prepare(engine, store, q.year, q.sources), q)


def mirror(engine: Engine, store: Store, q: MirrorQuery | None = None) -> pd.DataFrame:
    """Compute the mirror view, ordered; returns a DataFrame with a ``flags`` list column."""
    df = engine.execute(mirror_table(engine, store, q).order_by(["year", "exporter", "importer", "hs"]))
    flag_cols = list(FLAG_COLUMNS)
    flags = df[flag_cols].fillna(False).astype(bool)
    df["flags"] = [[c for c, v in zip(flag_cols, row, strict=True) if v] for row in flags.itertuples(index=False)]
    return df.drop(columns=flag_cols).reset_index(drop=True)
