"""The mirror view: what the exporter declared beside what the importer declared.

One row per (year, exporter, importer, hs). ``export_value`` is the exporter's FOB declaration,
``import_value`` the importer's CIF declaration, each USD as declared and null where that side
declared nothing. ``gap`` is the importer's value brought back to FOB with the estimated margin
minus the exporter's value; ``log_ratio`` is the log of the same ratio. The four flags tell
whether a missing side is a silence about this flow or a reporter that declared nothing that
year, or nothing in that chapter, at all (DOMAIN.md: not a gap in one flow).

How it runs at scale:

- **One model per store version.** The CIF/FOB margin model (``analysis.cif_fob``) is fitted
  over every year in the store and the coverage (who declared what at all) is one small table;
  both are cached under ``STORE/derived/`` keyed by the catalogue's sequence number, so every
  mirror query on the same store uses the same margins (a ``--year`` query gives the same
  numbers as the full view) and only the first query pays for them.
- **Filters go down.** ``--exporter``, ``--importer``, ``--hs`` and ``--year`` filter the
  declarations before they are paired, so a corridor query reads and pairs only its corridor.
- **A year at a time.** The mirror key holds the year, so ``write_mirror`` pairs and writes one
  year after another: memory is bounded by one year's declarations, however many years the
  store holds.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

import ibis
import pandas as pd

from detour.analysis.cif_fob import LEVELS, attach_margin, margin_bins, model_from_bins
from detour.analysis.declarations import StoreProfile, annual, coverage
from detour.engine.base import Engine
from detour.errors import DetourError
from detour.store.catalog import Store

log = logging.getLogger(__name__)

FLAG_COLUMNS = {
    "importer_not_reporting_year": "importer did not report that year",
    "importer_not_reporting_chapter": "importer did not report that chapter",
    "exporter_not_reporting_year": "exporter did not report that year",
    "exporter_not_reporting_chapter": "exporter did not report that chapter",
}
DERIVED = "derived"
_names = count(1)


def _name(base: str) -> str:
    """A fresh name for a small registered table (a reused name could hand back stale rows)."""
    return f"{base}_{next(_names)}"


@dataclass(frozen=True)
class MirrorQuery:
    year: int | None = None
    exporter: str | None = None
    importer: str | None = None
    hs: str | None = None
    sources: tuple[str, ...] = ()

    def narrows(self) -> bool:
        return bool(self.exporter or self.importer or self.hs)


def mirror_pairs(ann: ibis.Table) -> ibis.Table:
    """Export, import and re-export declarations side by side on (year, exporter, importer, hs).

    One scan and one group-by: each declaration is oriented (an import's partner is the
    exporter) and lands in its side's columns through filtered aggregates. ``annual`` leaves at
    most one row per side and key, and the sum is that row's value; a caller that relabels codes
    (the detectors' HS-revision bridge sums the six HS2022 subheadings of 3603 into 360300) may
    pass several, whose values and weights add up.
    """
    imp = ann.flow == "import"
    t = ann.filter(ann.flow.isin(["export", "import", "re-export"])).mutate(
        exporter=ibis.cases((imp, ann.partner), else_=ann.reporter),
        importer=ibis.cases((imp, ann.reporter), else_=ann.partner))
    x, m, rx = t.flow == "export", t.flow == "import", t.flow == "re-export"
    # The basis travels as a boolean (is it CIF?) through the group-by, the costliest step of the
    # mirror: a string aggregate per side costs more than the value's own. Bases are FOB or CIF.
    g = t.group_by(["year", "exporter", "importer", "hs"]).aggregate(
        export_value=t.value_usd.sum(where=x), _x_cif=(t.value_basis == "CIF").max(where=x),
        export_kg=t.net_kg.sum(where=x), import_value=t.value_usd.sum(where=m),
        _m_cif=(t.value_basis == "CIF").max(where=m), import_kg=t.net_kg.sum(where=m),
        reexport_value=t.value_usd.sum(where=rx))

    def basis(value: ibis.Column, cif: ibis.Column) -> ibis.Column:
        return ibis.cases((value.isnull(), ibis.null("string")), (cif, "CIF"), else_="FOB")

    return g.select("year", "exporter", "importer", "hs", "export_value",
                    export_basis=basis(g.export_value, g._x_cif), export_kg=g.export_kg,
                    import_value=g.import_value, import_basis=basis(g.import_value, g._m_cif),
                    import_kg=g.import_kg, reexport_value=g.reexport_value)


def narrow(ann: ibis.Table, q: MirrorQuery) -> ibis.Table:
    """Only the declarations a query's mirror rows are made of (an import's partner is its
    exporter), so a corridor query never pairs the whole world."""
    imp = ann.flow == "import"
    if q.exporter:
        x = q.exporter.upper()
        ann = ann.filter((imp & (ann.partner == x)) | (~imp & (ann.reporter == x)))
    if q.importer:
        m = q.importer.upper()
        ann = ann.filter((imp & (ann.reporter == m)) | (~imp & (ann.partner == m)))
    if q.hs:
        ann = ann.filter(ann.hs.startswith(q.hs.replace(".", "")))
    return ann


# -- the margin model and the coverage, cached per store version ---------------------------------

@dataclass
class MarginModel:
    """The fitted CIF/FOB margins as one engine table (level, exporter, importer, chapter, m, n)
    and the world median. It stays in the engine: at ten years of Comtrade the cell level alone
    has millions of rows, which must not pass through pandas."""

    table: ibis.Table
    world: float | None

    def tables(self) -> tuple[ibis.Table, ibis.Table, ibis.Table]:
        t, out = self.table, []
        for level, keys in list(LEVELS.items())[:3]:
            suffix = {"cell": "cell", "pair": "pair", "importer": "imp"}[level]
            mine = t.filter(t.level == level)
            out.append(mine.select(*keys, **{f"m_{suffix}": mine.m}))
        return out[0], out[1], out[2]

    @classmethod
    def of(cls, engine: Engine, table: ibis.Table) -> MarginModel:
        world = engine.execute(table.filter(table.level == "world").m.max())
        return cls(table, None if world is None or pd.isna(world) else float(world))


def _levels(bins: ibis.Table) -> ibis.Table:
    """The model's four levels as one table with uniform columns."""
    parts = []
    for (level, keys), table in zip(LEVELS.items(), model_from_bins(bins), strict=True):
        table = table.rename(m=table.columns[len(keys)], n=table.columns[len(keys) + 1])
        cols = {c: (table[c] if c in keys else ibis.null("string")) for c in ("exporter", "importer", "chapter")}
        parts.append(table.select(level=ibis.literal(level), **cols, m=table.m.cast("float64"),
                                  n=table.n.cast("int64")))
    return ibis.union(*parts)


@dataclass
class _Cache:
    """Derived tables of one store version under ``STORE/derived/`` (best effort: a read-only
    store is simply not cached)."""

    store: Store
    sources: tuple[str, ...]
    key: str = field(init=False)

    def __post_init__(self) -> None:
        seq = int(self.store.catalog().get("seq", 0))
        self.key = f"{seq}-{'+'.join(sorted(self.sources)) or 'declared'}"

    def path(self, name: str) -> Path:
        return self.store.root / DERIVED / f"{name}-{self.key}.parquet"

    def load(self, name: str) -> pd.DataFrame | None:
        p = self.path(name)
        if not p.exists():
            return None
        try:
            return pd.read_parquet(p)
        except Exception:  # noqa: BLE001 - a damaged cache is recomputed, never trusted
            log.warning("ignoring unreadable cache %s", p)
            return None

    def _publish(self, name: str, write: Any) -> Path | None:
        """Write with ``write(tmp_path)`` beside the cache, then rename into place."""
        p = self.path(name)
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            tmp = p.with_name(f".{p.name}.tmp{os.getpid()}")
            write(tmp)
            if p.is_dir():
                shutil.rmtree(p)
            os.replace(tmp, p)
            for old in p.parent.glob(f"{name}-*.parquet"):  # earlier store versions
                if old != p and old.name.split("-", 2)[-1] == p.name.split("-", 2)[-1]:
                    shutil.rmtree(old) if old.is_dir() else old.unlink(missing_ok=True)
            return p
        except OSError as exc:
            log.debug("not caching %s: %s", p, exc)
            return None

    def save(self, name: str, df: pd.DataFrame) -> None:
        self._publish(name, lambda tmp: df.to_parquet(tmp, index=False))

    def save_table(self, engine: Engine, name: str, expr: ibis.Table) -> ibis.Table:
        """Write an engine table to the cache and read it back; kept in the engine if the store
        cannot be written."""
        p = self._publish(name, lambda tmp: engine.write_parquet(expr, tmp))
        return engine.read_parquet([p], _name(name)) if p is not None else engine.materialize(expr)


def _annual(engine: Engine, store: Store, sources: tuple[str, ...]) -> tuple[ibis.Table, StoreProfile]:
    profile = StoreProfile.of(store)
    return annual(engine.declarations(store), sources=list(sources) or None, profile=profile), profile


def store_years(store: Store, sources: tuple[str, ...] = ()) -> list[int]:
    """The years the catalogue holds declarations for."""
    return sorted({int(p["year"]) for f in store.files() if not sources or f.source in sources
                   for p in f.parts if p["rows"] > 0})


@contextlib.contextmanager
def _scratch_dir() -> Iterator[Path]:
    d = Path(tempfile.mkdtemp(prefix="detour-mirror-"))
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def pair_files(engine: Engine, store: Store, sources: tuple[str, ...] = (),
               progress: Any = None) -> dict[int, Path] | None:
    """The whole store's mirror pairs, one Parquet file per year, cached per store version
    (``STORE/derived/pairs-*``); None when the store cannot be written.

    Pairing is the mirror's costliest step (one hash group-by over every declaration), and
    every mirror query, the margin fit and ``write_mirror`` start from it. It is computed once
    per store version, a year at a time (memory stays bounded at ten years), and later queries
    read only the years and the exporters, importers or codes they ask for. Any ingest changes
    the version, so a cache can never be stale; it can always be deleted.
    """
    cache = _Cache(store, sources)
    d = cache.path("pairs")
    if not d.is_dir():
        ann, _ = _annual(engine, store, sources)
        years = store_years(store, sources)
        task = progress.add_task("pairing declarations", total=len(years)) if progress else None

        def write(tmp: Path) -> None:
            tmp.mkdir()
            for year in years:
                engine.write_parquet(mirror_pairs(ann.filter(ann.year == year)), tmp / f"{year}.parquet")
                if task is not None:
                    progress.advance(task)
            (tmp / "_years.json").write_text(json.dumps(years))

        if cache._publish("pairs", write) is None:
            return None
    try:
        years = json.loads((d / "_years.json").read_text())
    except (OSError, ValueError):  # a damaged cache is recomputed, never trusted
        log.warning("ignoring unreadable cache %s", d)
        shutil.rmtree(d, ignore_errors=True)
        return pair_files(engine, store, sources, progress)
    return {int(y): d / f"{y}.parquet" for y in years}


def cached_pairs(engine: Engine, files: dict[int, Path], year: int | None = None) -> ibis.Table:
    """Pairs read back from ``pair_files`` (one year's, or all)."""
    chosen = [files[year]] if year is not None and year in files else list(files.values()) if year is None else []
    if not chosen:
        return mirror_pairs(_empty_annual(engine))
    return engine.read_parquet(chosen, _name("pairs"))


def _empty_annual(engine: Engine) -> ibis.Table:
    return engine.from_pandas(pd.DataFrame({
        "year": pd.Series(dtype="int16"), "reporter": pd.Series(dtype="string"), "partner": pd.Series(dtype="string"),
        "flow": pd.Series(dtype="string"), "hs": pd.Series(dtype="string"), "value_usd": pd.Series(dtype="float64"),
        "value_basis": pd.Series(dtype="string"), "net_kg": pd.Series(dtype="float64")}), "no_declarations")


def margin_model(engine: Engine, store: Store, sources: tuple[str, ...] = (),
                 pairs: ibis.Table | None = None, progress: Any = None) -> MarginModel:
    """The store's margin model: cached, or fitted (from ``pairs`` when they are the whole
    store's, else one year at a time, from the cached pairs where there are some) and cached."""
    cache = _Cache(store, sources)
    path = cache.path("margins")
    if path.exists():
        try:
            return MarginModel.of(engine, engine.read_parquet([path], _name("margins")))
        except Exception:  # noqa: BLE001 - a damaged cache is refitted, never trusted
            log.warning("ignoring unreadable cache %s", path)
    if pairs is not None:
        return MarginModel.of(engine, cache.save_table(engine, "margins", _levels(margin_bins(pairs))))
    files = pair_files(engine, store, sources, progress)
    ann, _ = _annual(engine, store, sources)
    years = store_years(store, sources)
    with _scratch_dir() as tmp:
        parts = []
        task = progress.add_task("fitting CIF/FOB margins", total=len(years)) if progress else None
        for year in years:
            part = tmp / f"bins-{year}.parquet"
            year_pairs = cached_pairs(engine, files, year) if files is not None else \
                mirror_pairs(ann.filter(ann.year == year))
            engine.write_parquet(margin_bins(year_pairs), part)
            parts.append(part)
            if task is not None:
                progress.advance(task)
        if not parts:
            empty = pd.DataFrame({"exporter": pd.Series(dtype="string"), "importer": pd.Series(dtype="string"),
                                  "chapter": pd.Series(dtype="string"), "b": pd.Series(dtype="int32"),
                                  "n": pd.Series(dtype="int64")})
            return MarginModel.of(engine, engine.materialize(_levels(engine.from_pandas(empty, "no_bins"))))
        bins = engine.read_parquet(parts, _name("margin_bins"))
        return MarginModel.of(engine, cache.save_table(engine, "margins", _levels(bins)))


def reporting(engine: Engine, store: Store, sources: tuple[str, ...] = (), ann: ibis.Table | None = None) -> pd.DataFrame:
    """Who declared anything, per (reporter, year, flow, chapter): small, cached per version."""
    cache = _Cache(store, sources)
    df = cache.load("coverage")
    if df is None:
        ann = ann if ann is not None else _annual(engine, store, sources)[0]
        df = engine.execute(coverage(ann))
        df = df.astype({"reporter": "string", "flow": "string", "chapter": "string", "year": "int64"})
        cache.save("coverage", df)
    return df


# -- the view ------------------------------------------------------------------------------------

@dataclass
class Prepared:
    """Annual declarations and mirror pairs (cached in the engine), the margin model and the
    coverage. Every later step reads these several times; caching keeps the scans to one."""

    ann: ibis.Table
    pairs: ibis.Table
    model: MarginModel
    cov: pd.DataFrame


def prepare(engine: Engine, store: Store, year: int | None = None, sources: tuple[str, ...] = (),
            query: MirrorQuery | None = None, reuse: bool = True) -> Prepared:
    """``reuse=False`` when the caller reads the pairs once: they are then paired inside the
    caller's query instead of being kept in the engine (unless the margin model must be fitted
    on them first)."""
    ann, profile = _annual(engine, store, sources)
    whole = year is None and not (query and query.narrows())
    if year is not None:
        ann = ann.filter(ann.year == year)
    files = pair_files(engine, store, sources)
    if files is not None:  # the usual case: pairs cached for this store version
        pairs = cached_pairs(engine, files, year)
        pairs = narrow_pairs(pairs, query) if query else pairs
        model = margin_model(engine, store, sources)
        return Prepared(ann, pairs, model, reporting(engine, store, sources, ann if whole else None))
    if not profile.simple(list(sources) or None, False):  # a plain projection is cheaper to re-read
        ann = engine.materialize(ann)
    pairs = mirror_pairs(narrow(ann, query) if query else ann)
    fitted = _Cache(store, sources).path("margins").exists()
    if reuse or (whole and not fitted):
        pairs = engine.materialize(pairs)
    model = margin_model(engine, store, sources, pairs if whole else None)
    return Prepared(ann, pairs, model, reporting(engine, store, sources, ann if whole else None))


def _reporting_grid(cov: pd.DataFrame, flow: str, side: str) -> pd.DataFrame:
    """Every (reporter, year) that declared ``flow`` at all × every chapter seen, with whether
    that reporter declared the chapter: one lookup answers both flags of a side."""
    cov = cov.astype({"reporter": "string", "year": "int64", "flow": "string", "chapter": "string"})
    mine = cov[cov.flow == flow]
    years = mine[["reporter", "year"]].drop_duplicates()
    chapters = pd.DataFrame({"chapter": pd.Series(sorted(cov.chapter.dropna().unique()), dtype="string")})
    grid = years.merge(chapters, how="cross")
    seen = mine[["reporter", "year", "chapter"]].drop_duplicates().assign(_seen=True)
    grid = grid.merge(seen, how="left", on=["reporter", "year", "chapter"])
    grid["_seen"] = grid["_seen"].fillna(False).astype(bool)
    grid.columns = [f"_{side}_r", f"_{side}_y", f"_{side}_c", f"_{side}_ch"]
    return grid.astype({f"_{side}_r": "string", f"_{side}_y": "int64", f"_{side}_c": "string"})


def _flags(engine: Engine, pairs: ibis.Table, cov: pd.DataFrame) -> ibis.Table:
    p = pairs
    for side, flow in (("importer", "import"), ("exporter", "export")):
        g = engine.from_pandas(_reporting_grid(cov, flow, side), _name(f"reporting_{side}"))
        p = p.left_join(g, [p[side] == g[f"_{side}_r"], p.year.cast("int64") == g[f"_{side}_y"],
                            p.chapter == g[f"_{side}_c"]]).view()
        p = p.mutate(**{
            f"{side}_not_reporting_year": p[f"_{side}_ch"].isnull(),
            f"{side}_not_reporting_chapter": p[f"_{side}_ch"].notnull() & ~p[f"_{side}_ch"].fill_null(True),
        }).drop(f"_{side}_r", f"_{side}_y", f"_{side}_c", f"_{side}_ch")
    return p


def mirror_expr(engine: Engine, prep: Prepared, q: MirrorQuery) -> ibis.Table:
    cell, pair, imp = prep.model.tables()
    pairs = narrow_pairs(prep.pairs, q)
    pairs = attach_margin(pairs, cell, pair, imp, prep.model.world)
    pairs = _flags(engine, pairs, prep.cov)
    fob_import = pairs.import_value / pairs.margin_log.exp()
    both = (pairs.export_value > 0) & (pairs.import_value > 0)
    return pairs.mutate(
        cif_fob_margin=pairs.margin_log.exp() - 1,
        gap=fob_import - pairs.export_value,
        log_ratio=ibis.cases((both, (fob_import / pairs.export_value).ln()), else_=ibis.null("float64")),
    ).drop("margin_log", "chapter")


def narrow_pairs(pairs: ibis.Table, q: MirrorQuery) -> ibis.Table:
    if q.exporter:
        pairs = pairs.filter(pairs.exporter == q.exporter.upper())
    if q.importer:
        pairs = pairs.filter(pairs.importer == q.importer.upper())
    if q.hs:
        pairs = pairs.filter(pairs.hs.startswith(q.hs.replace(".", "")))
    return pairs


def mirror_table(engine: Engine, store: Store, q: MirrorQuery | None = None) -> ibis.Table:
    """The mirror view as an engine expression (flags as four boolean columns, unordered)."""
    q = q or MirrorQuery()
    return mirror_expr(engine, prepare(engine, store, q.year, q.sources, q, reuse=False), q)


def mirror(engine: Engine, store: Store, q: MirrorQuery | None = None) -> pd.DataFrame:
    """Compute the mirror view, ordered; returns a DataFrame with a ``flags`` list column."""
    df = engine.execute(mirror_table(engine, store, q).order_by(["year", "exporter", "importer", "hs"]))
    flag_cols = list(FLAG_COLUMNS)
    flags = df[flag_cols].fillna(False).astype(bool)
    df["flags"] = [[c for c, v in zip(flag_cols, row, strict=True) if v] for row in flags.itertuples(index=False)]
    return df.drop(columns=flag_cols).reset_index(drop=True)


def write_mirror(engine: Engine, store: Store, out: Path, q: MirrorQuery | None = None,
                 progress: Any = None) -> dict[str, Any]:
    """Write the mirror view as Parquet, one file per year, a year at a time (bounded memory).

    ``out`` is a new directory; it appears whole or not at all (written beside it, then renamed).
    Returns ``{"path", "years", "rows"}``.
    """
    q = q or MirrorQuery()
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise DetourError(f"{out} already exists and is not empty; choose a new directory")
    years = [y for y in store_years(store, q.sources) if q.year is None or y == q.year]
    if not years:
        held = store_years(store, q.sources)
        raise DetourError(f"{store.root}: no declarations {f'for {q.year} ' if q.year else ''}in the store"
                          + (f" (it holds {held[0]}–{held[-1]})" if held else "; ingest files first"))
    files = pair_files(engine, store, q.sources, progress)
    model = margin_model(engine, store, q.sources, progress=progress)
    ann, profile = _annual(engine, store, q.sources)
    cov = reporting(engine, store, q.sources, ann)
    tmp = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    task = progress.add_task(f"writing {out.name}", total=len(years)) if progress else None
    rows = 0
    try:
        for year in years:
            ann_y = narrow(ann.filter(ann.year == year), q)
            kept = files is None
            if kept:  # a read-only store: pair this year here
                if not profile.simple(list(q.sources) or None, False):
                    ann_y = engine.materialize(ann_y)
                pairs = engine.materialize(mirror_pairs(ann_y))
            else:
                pairs = cached_pairs(engine, files, year)
            part = tmp / f"mirror-{year}.parquet"
            engine.write_parquet(mirror_expr(engine, Prepared(ann_y, pairs, model, cov), q), part)
            rows += int(engine.execute(engine.read_parquet([part], _name("mirror_part")).count()))
            if kept:
                engine.drop(pairs)
                if not profile.simple(list(q.sources) or None, False):
                    engine.drop(ann_y)
            if task is not None:
                progress.advance(task)
        (tmp / "_detour.json").write_text(json.dumps({"years": years, "rows": rows, "query": q.__dict__}) + "\n")
        if out.exists():
            out.rmdir()
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {"path": str(out), "years": years, "rows": rows}
