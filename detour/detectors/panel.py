"""The detection panel: watched flows aggregated once in the engine and shared by every detector.

Building it is the only full pass over the store:

1. *coverage*: which reporter declared anything, per (year, side, chapter), for the chapters
   the watch-list touches. One scan of four low-cardinality columns; the result is tiny and
   goes to pandas. It tells a silence about one flow from a reporter that hid a chapter or
   did not report that year (DOMAIN.md): no declaration at all means no chapter either.
2. *pairs*: declarations of watched goods only (filtered before any aggregation), summed to
   annual values, joined exporter side to importer side (``analysis.mirror.mirror_pairs``) with
   the CIF/FOB margin estimated from the data (``analysis.cif_fob``), and materialised in the
   engine. Columns: year, exporter, importer, hs, ``x_value`` (exports + re-exports, FOB),
   ``m_value`` (imports, CIF), ``rx_value`` (the re-export part of ``x_value``), ``x_kg``,
   ``m_kg``, ``margin_log`` and ``v``, the leg value in FOB terms: the larger of the two sides,
   so a leg stays visible when one reporter is silent.

   HS revisions are bridged first (``detectors.revisions``): 8803 declarations continue as
   8807, the six HS2022 subheadings of 3603 are summed back into 360300.

3. *confidential trade* (DOMAIN.md): a reporter's goods booked with a partner under chapter 99
   (``_confidential``), and its chapter totals that exceed the HS6 detail it declared in the
   chapter (``_chapter_residual``, read from the chapter totals the Comtrade reader keeps
   apart). Either way its silence about one of that partner's flows says nothing (``hidden``).
4. *code life*: the first and last year each HS6 code is used anywhere in the data. HS
   revisions create and retire codes (HS2022 created 8806/8807 and retired 8803), so a flow
   in a new code did not "appear from nothing": years outside a code's life are unknown.

Detectors run their candidate queries on ``pairs`` in the engine and only fetch the yearly
series of their candidates (``series``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import ibis
import numpy as np
import pandas as pd
from ibis import _

from detour.analysis.cif_fob import margins, with_margin
from detour.analysis.declarations import StoreProfile, annual
from detour.analysis.mirror import mirror_pairs
from detour.detectors.reference import restricted_since
from detour.detectors.revisions import bounds_of, bridge, declared, predecessors
from detour.detectors.scoring import Params
from detour.detectors.watchlist import Watchlist
from detour.engine.base import Engine
from detour.model.alert import Evidence
from detour.store.catalog import Store

SIDE = {"export": "X", "re-export": "X", "import": "M", "re-import": "M"}
_names = itertools.count()


@dataclass
class Panel:
    engine: Engine
    watchlist: Watchlist
    pairs: ibis.Table
    coverage: pd.DataFrame  # reporter, year, side (X|M), chapter
    years: tuple[int, ...]
    params: Params = field(default_factory=Params)
    hub_prior: dict[str, float] = field(default_factory=dict)
    destination_prior: dict[str, float] = field(default_factory=dict)
    shared: dict[str, ibis.Table] = field(default_factory=dict)  # intermediate tables reused by detectors
    # Where ``silent_seen`` reads which partners recorded trade with a reporter in a chapter
    # (default: ``pairs``). A view of the panel with other rows (``gaps.heading_panel``) keeps the
    # panel's own: a chapter's partners are the same whatever the rows are summed into.
    partners: ibis.Table | None = None
    code_life: pd.DataFrame = field(default_factory=pd.DataFrame)  # hs → first, last year in the data
    # (reporter, partner, year, side) with goods booked under a confidential code (``_confidential``)
    confidential: pd.MultiIndex = field(default_factory=lambda: pd.MultiIndex.from_tuples([], names=range(4)))
    # (reporter, partner, year, side, chapter) whose chapter total exceeds the declared HS6 detail
    # (``_chapter_residual``)
    in_chapter_total: pd.MultiIndex = field(
        default_factory=lambda: pd.MultiIndex.from_tuples([], names=range(5))
    )
    _cov_index: dict[str, pd.MultiIndex] = field(default_factory=dict, repr=False)
    _temp: list[Any] = field(default_factory=list, repr=False)

    @classmethod
    def build(
        cls,
        engine: Engine,
        store: Store,
        watchlist: Watchlist,
        params: Params | None = None,
        hub_prior: dict[str, float] | None = None,
    ) -> Panel:
        decl = engine.declarations(store)
        d = decl.filter(~decl.source.isin(["baci"]) & watchlist.chapter_predicate(decl.hs))
        cov = engine.execute(d.select("reporter", "year", "flow", chapter=d.hs.left(2)).distinct())
        cov["side"] = cov["flow"].map(SIDE)
        cov = cov.dropna(subset=["side"]).drop(columns="flow").drop_duplicates().reset_index(drop=True)
        cov["year"] = cov["year"].astype(int)
        years = tuple(range(int(cov.year.min()), int(cov.year.max()) + 1)) if len(cov) else ()
        panel = cls(engine, watchlist, None, cov, years, params or Params(), hub_prior or {})  # type: ignore[arg-type]
        panel.confidential = _confidential(engine, decl, panel.params.min_gap)
        chapters = engine.chapter_totals(store)
        if chapters is not None:
            panel.in_chapter_total = _chapter_residual(
                decl, chapters, watchlist, engine, panel.params.min_gap
            )
        # HS revisions: a flow declared under an old code and then under its successor is one
        # series (``revisions``), so predecessors are read too and relabelled before summing.
        watched = watchlist.union(predecessors(watchlist.codes) + bounds_of(watchlist.codes))
        d = decl.filter(watched.predicate(decl.hs))
        # A store of one source without monthly rows has one row per key already (ingest refuses
        # duplicate keys): ``annual`` skips the source and month resolution (a third of the
        # panel's time over all products), and ``mirror_pairs`` sums what the bridge relabelled.
        ann = annual(d.mutate(hs=bridge(d.hs)), profile=StoreProfile.of(store))
        if len({f.source for f in store.files()} - {"baci"}) > 1:
            # Two declaration sources would each hold the same flow: keep the larger, never the sum.
            ann = ann.group_by(["year", "reporter", "partner", "flow", "hs"]).aggregate(
                value_usd=ann.value_usd.max(), value_basis=ann.value_basis.max(), net_kg=ann.net_kg.max()
            )
        raw = panel.materialize(mirror_pairs(ann))
        world = engine.execute(margins(raw)[3].name("m").as_table())["m"].iloc[0]
        p = with_margin(raw, None if pd.isna(world) else float(world))
        x_value = p.export_value.fill_null(0) + p.reexport_value.fill_null(0)
        m_value = p.import_value.fill_null(0)
        p = p.select(
            "year",
            "exporter",
            "importer",
            "hs",
            "margin_log",
            x_value=x_value,
            m_value=m_value,
            rx_value=p.reexport_value.fill_null(0),
            x_kg=p.export_kg,
            m_kg=p.import_kg,
            v=ibis.greatest(x_value, m_value / p.margin_log.exp()),
        )
        panel.pairs = panel.materialize(p)
        life = engine.execute(
            panel.pairs.group_by("hs").aggregate(first=panel.pairs.year.min(), last=panel.pairs.year.max())
        )
        panel.code_life = life.set_index("hs")
        return panel

    def prior(self, hub: str | None, destination: str | None, year: int | None = None) -> float:
        """Lift for a listed hub and a destination of concern (never a filter). A destination
        is of concern from the year its restrictions began (``hubs.yaml`` ``since``): a route
        that began earlier (``year``) gets no lift for it."""
        lift = self.destination_prior.get(destination or "", 0.0)
        if year is not None and year < restricted_since().get(destination or "", 0):
            lift = 0.0
        return (1.0 + self.hub_prior.get(hub or "", 0.0)) * (1.0 + lift)

    def materialize(self, expr: ibis.Table) -> ibis.Table:
        """Compute ``expr`` once and keep it in the engine until ``close``."""
        if self.engine.name == "spark":
            t = expr.cache()
        else:
            # Not ``cache()``: its DROP on release fails with this ibis/sqlglot pairing.
            name = f"_detour_panel_{next(_names)}"
            t = self.engine.connect().create_table(name, expr, temp=True)
        self._temp.append(t)
        return t

    def close(self) -> None:
        for t in self._temp:
            if self.engine.name == "spark":
                t.release()
            else:
                self.engine.connect().raw_sql(f'DROP TABLE IF EXISTS "{t.get_name()}"')
        self._temp.clear()

    # -- pandas side: only ever for candidates ------------------------------------------------
    def series(self, keys: pd.DataFrame, on: dict[str, str], table: ibis.Table | None = None) -> pd.DataFrame:
        """Rows of ``table`` (default ``pairs``) whose columns ``on.values()`` match ``keys[on.keys()]``."""
        t = self.pairs if table is None else table
        if keys.empty:
            return self.engine.execute(t.limit(0))
        k = keys[list(on)].drop_duplicates().rename(columns=on)
        return self.engine.execute(t.semi_join(ibis.memtable(k), list(on.values())))

    def evidence(self, rows: pd.DataFrame) -> list[Evidence]:
        """The declarations behind ``pairs`` rows: each side as its reporter declared it."""
        out = []
        for r in rows.itertuples(index=False):
            y = int(r.year)
            hs = declared(str(r.hs), y)  # as the reporter declared it, across HS revisions
            if r.x_value - r.rx_value > 0:
                out.append(
                    Evidence(y, r.exporter, r.importer, "export", hs, round(float(r.x_value - r.rx_value), 2))
                )
            if r.rx_value > 0:
                out.append(Evidence(y, r.exporter, r.importer, "re-export", hs, round(float(r.rx_value), 2)))
            if r.m_value > 0:
                out.append(Evidence(y, r.importer, r.exporter, "import", hs, round(float(r.m_value), 2)))
        return out

    def observed(self, a: pd.Series, b: pd.Series, hs: pd.Series) -> np.ndarray:
        """(rows x years): could the flow a → b in ``hs`` have been seen that year? The code
        existed (see ``code_life``), and the exporter or the importer either reported the chapter
        on its side or reported that year while no partner recorded any trade with it in the
        chapter (``silent_seen``: a country that sold no propellants that year, rather than one
        that hides them)."""
        # Silences depend on the chapter only: judged once per (exporter, importer, chapter).
        rows, first = _unique_rows(a, b, pd.Series([f"{str(h)[:2]}0000" for h in hs], dtype=object))
        ua, ub, uh = (pd.Series(np.asarray(x, dtype=object)[first]) for x in (a, b, hs))
        seen = self.silent_seen(ua, ub, uh, "X") | self.silent_seen(ub, ua, uh, "M")
        return seen[rows] & self.alive(hs)

    def covered(self, reporter: pd.Series, hs: pd.Series, side: str) -> np.ndarray:
        """(rows x years): did ``reporter`` declare anything in ``hs``'s chapter on ``side`` that year?"""
        rows, first = _unique_rows(reporter, pd.Series([str(h)[:2] for h in hs], dtype=object))
        if len(first) < len(rows):  # judged once per (reporter, chapter)
            ur, uh = (pd.Series(np.asarray(x, dtype=object)[first]) for x in (reporter, hs))
            return self.covered(ur, uh, side)[rows]
        n, T = len(reporter), len(self.years)
        keys = pd.MultiIndex.from_arrays(
            [
                np.repeat(np.asarray(reporter, dtype=object), T),
                np.tile(np.asarray(self.years), n),
                np.repeat(np.asarray([str(h)[:2] for h in hs], dtype=object), T),
            ]
        )
        return keys.isin(self._coverage_index(side)).reshape(n, T)

    def silent_seen(self, reporter: pd.Series, partner: pd.Series, hs: pd.Series, side: str) -> np.ndarray:
        """(rows x years): does ``reporter``'s silence about ``partner`` in ``hs``'s chapter on
        ``side`` tell us something that year?

        Yes when it declared anything in the chapter on that side (``covered``). Also when it
        reported that year but declared nothing in the chapter, *and no other partner recorded
        trade with it in the chapter* (only ``partner`` did): DOMAIN.md's look-alike is a
        reporter that hides a chapter *everywhere*, which the data shows as several partners
        recording goods the reporter never declares. A reporter with one partner in the chapter
        that declares none of it hid that partner's trade; a reporter that declared nothing in the
        chapter while several partners recorded trade with it has a policy, and says nothing
        about any one flow.
        """
        seen = self.covered(reporter, hs, side)
        n, T = seen.shape
        if n == 0:
            return seen
        reported = np.asarray(
            pd.MultiIndex.from_arrays(
                [np.repeat(np.asarray(reporter, dtype=object), T), np.tile(np.asarray(self.years), n)]
            ).isin(pd.MultiIndex.from_frame(self.coverage[["reporter", "year"]].astype({"year": int})))
        ).reshape(n, T)
        ch = pd.Series([str(h)[:2] for h in hs], dtype=object)
        # Partners that recorded trade with the reporter in the chapter, per year, from the
        # mirror side of ``pairs`` (the reporter is the exporter on "X", the importer on "M").
        x_side = ("exporter", "importer", "m_value")
        me, them, val = x_side if side == "X" else ("importer", "exporter", "x_value")
        p = self.pairs if self.partners is None else self.partners
        keys = pd.DataFrame({me: np.asarray(reporter, dtype=object), "ch": ch}).drop_duplicates()
        q = p.filter(p[val] > 0).mutate(ch=p.hs.left(2)).semi_join(ibis.memtable(keys), [me, "ch"])
        df = self.engine.execute(q.select(me, them, "ch", "year").distinct())
        df["year"] = df["year"].astype(int)
        counts = df.groupby([me, "ch", "year"]).size()
        mine = pd.MultiIndex.from_frame(df[[me, them, "ch", "year"]])
        rows = pd.DataFrame(
            {
                me: np.repeat(np.asarray(reporter, dtype=object), T),
                them: np.repeat(np.asarray(partner, dtype=object), T),
                "ch": np.repeat(ch.to_numpy(), T),
                "year": np.tile(np.asarray(self.years), n),
            }
        )
        total = counts.reindex(pd.MultiIndex.from_frame(rows[[me, "ch", "year"]])).fillna(0).to_numpy()
        own = pd.MultiIndex.from_frame(rows).isin(mine)
        others = (total - own).reshape(n, T)
        return (seen | (reported & (others == 0))) & ~self.hidden(reporter, partner, side, hs)

    def hidden(
        self, reporter: pd.Series, partner: pd.Series, side: str, hs: pd.Series | None = None
    ) -> np.ndarray:
        """(rows x years): did ``reporter`` book goods with ``partner`` on ``side`` under a
        confidential code that year (``_confidential``), or, given ``hs``, keep value in the
        chapter total of ``hs``'s chapter that its HS6 detail does not show
        (``kept_in_chapter_total``)? Then its silence about any one of their flows says nothing:
        the goods may be there (DOMAIN.md, confidential trade)."""
        out = self._lookup(self.confidential, reporter, partner, side)
        if hs is not None:
            out |= self.kept_in_chapter_total(reporter, partner, hs, side)
        return out

    def kept_in_chapter_total(
        self, reporter: pd.Series, partner: pd.Series, hs: pd.Series, side: str
    ) -> np.ndarray:
        """(rows x years): did ``reporter``'s total for ``hs``'s chapter with ``partner`` on ``side``
        exceed the HS6 detail it declared there by at least ``min_gap`` (``_chapter_residual``)?"""
        return self._lookup(self.in_chapter_total, reporter, partner, side, hs)

    def _lookup(
        self,
        index: pd.MultiIndex,
        reporter: pd.Series,
        partner: pd.Series,
        side: str,
        hs: pd.Series | None = None,
    ) -> np.ndarray:
        n, T = len(reporter), len(self.years)
        if n == 0 or len(index) == 0:
            return np.zeros((n, T), dtype=bool)
        arrays = [
            np.repeat(np.asarray(reporter, dtype=object), T),
            np.repeat(np.asarray(partner, dtype=object), T),
            np.tile(np.asarray(self.years, dtype=int), n),
            np.full(n * T, side, dtype=object),
        ]
        if hs is not None:
            arrays.append(np.repeat(np.asarray([str(h)[:2] for h in hs], dtype=object), T))
        return np.asarray(pd.MultiIndex.from_arrays(arrays).isin(index)).reshape(n, T)

    def alive(self, hs: pd.Series) -> np.ndarray:
        """(rows x years): was the HS code in use that year (between its first and last year in the data)?"""
        life = self.code_life.reindex(pd.Index(np.asarray(hs, dtype=object)))
        yrs = np.asarray(self.years)[None, :]
        first = life["first"].to_numpy(dtype=float)[:, None]
        last = life["last"].to_numpy(dtype=float)[:, None]
        return (yrs >= first) & (yrs <= last)

    def _coverage_index(self, side: str) -> pd.MultiIndex:
        if side not in self._cov_index:
            c = self.coverage[self.coverage.side == side]
            self._cov_index[side] = pd.MultiIndex.from_arrays(
                [c.reporter.astype(object), c.year.astype(int), c.chapter.astype(object)]
            )
        return self._cov_index[side]


CONFIDENTIAL = "99"  # HS chapter 99 (9999, 999999): "commodities not specified according to kind"


def _confidential(engine: Engine, decl: ibis.Table, least: float) -> pd.MultiIndex:
    """(reporter, partner, year, side) where the reporter booked at least ``least`` USD a year
    with the partner under chapter 99 (``999999``, ``9999``): national confidentiality rules
    move hidden HS6 detail there (DOMAIN.md). The threshold is ``min_gap``, the size below which
    a one-sided flow is routine anyway: a smaller confidential entry could not hold a gap."""
    d = decl.filter(~decl.source.isin(["baci"]) & decl.hs.startswith(CONFIDENTIAL))
    df = engine.execute(
        d.group_by(["reporter", "partner", "year", "flow"]).aggregate(value=d.value_usd.sum())
    )
    df["side"] = df["flow"].map(SIDE)
    keys = ["reporter", "partner", "year", "side"]
    df = df.dropna(subset=["side"]).groupby(keys, as_index=False)["value"].sum()
    df = df[df.value >= least]
    return pd.MultiIndex.from_arrays(
        [df.reporter.astype(object), df.partner.astype(object), df.year.astype(int), df.side.astype(object)]
    )


def _chapter_residual(
    decl: ibis.Table, chapters: ibis.Table, watchlist: Watchlist, engine: Engine, least: float
) -> pd.MultiIndex:
    """(reporter, partner, year, side, chapter) where the reporter's chapter total with the
    partner exceeds the HS6 detail it declared in that chapter by at least ``least`` USD (summed
    over the flows of a side): national confidentiality rules can keep hidden detail in the
    chapter total only (DOMAIN.md). Totals and detail are each resolved to annual values first
    (``annual``: one source per reporter-year-flow, annual rows before months) and compared,
    never summed together. Only the chapters the watch-list touches are read.

    A reporter whose chapter total matches its detail (as Comtrade's aggregates do, to rounding)
    adds nothing; ``least`` (``min_gap``) is the size below which a one-sided flow is routine."""
    c = chapters.filter(~chapters.source.isin(["baci"]) & watchlist.chapter_predicate(chapters.hs))
    # The same total in two files of one source (a chapter-only extract beside a full one: ingest
    # checks overlaps on the detail only) is one total, never two.
    same = ["source", "year", "month", "reporter", "partner", "flow", "hs"]
    c = c.group_by(same).aggregate(
        value_usd=c.value_usd.max(), value_basis=c.value_basis.max(), net_kg=c.net_kg.max()
    )
    c = annual(c).select("reporter", "partner", "year", "flow", chapter=_.hs, total=_.value_usd)
    d = decl.filter(~decl.source.isin(["baci"]) & watchlist.chapter_predicate(decl.hs))
    d = d.semi_join(c.select("reporter", "partner", "year").distinct(), ["reporter", "partner", "year"])
    d = annual(d)
    d = d.group_by(["reporter", "partner", "year", "flow", d.hs.left(2).name("chapter")]).aggregate(
        detail=d.value_usd.sum()
    )
    keys = ["reporter", "partner", "year", "flow", "chapter"]
    j = c.left_join(d, keys).select(*[c[k] for k in keys], c.total, d.detail)
    df = engine.execute(j.mutate(residual=j.total - j.detail.fill_null(0.0)).filter(_.residual > 0))
    df["side"] = df["flow"].map(SIDE)
    keys = ["reporter", "partner", "year", "side", "chapter"]
    df = df.dropna(subset=["side"]).groupby(keys, as_index=False)["residual"].sum()
    df = df[df.residual >= least]
    return pd.MultiIndex.from_arrays(
        [
            df.reporter.astype(object),
            df.partner.astype(object),
            df.year.astype(int),
            df.side.astype(object),
            df.chapter.astype(object),
        ]
    )


def _unique_rows(*columns: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """For rows given as parallel columns: each row's index among the distinct rows, and the
    position of each distinct row's first occurrence (``x[first][rows]`` rebuilds ``x``)."""
    frame = pd.DataFrame({i: np.asarray(c, dtype=object) for i, c in enumerate(columns)})
    if frame.empty:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    rows = frame.groupby(list(frame.columns), sort=False, dropna=False).ngroup().to_numpy()
    first = np.unique(rows, return_index=True)[1]
    return rows, first
