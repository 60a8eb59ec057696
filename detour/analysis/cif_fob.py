"""CIF/FOB margins estimated from the data: robust medians by pair and product group.

Why medians and not BACI's gravity regression: a regression needs distances and contiguity for
every pair, and Detour ships no geography table; the mirror data already holds thousands of
matched flows per busy pair. For each matched flow (both sides declared, exporter FOB, importer
CIF, both positive) we take ``r = ln(CIF / FOB)`` and drop outliers (``|r| > ln 5``, a factor
of five is misreporting, not freight). The margin of a flow is then the median ``r`` of, in
order of preference:

1. its (exporter, importer, HS chapter) cell, if it has >= ``MIN_CELL`` flows;
2. its (exporter, importer) pair, if it has >= ``MIN_PAIR`` flows;
3. its importer (importers declare CIF, so freight and insurance are theirs), then the world.

The result is clipped to ``[0, ln 1.25]``: a CIF value below FOB is not a freight cost, and
freight and insurance above 25% of the goods' value are rare outside bulk commodities.
DOMAIN.md: CIF is typically 2–12% above FOB.

**Medians from histograms.** The medians are read off histograms of ``r`` in bins of
``BIN`` = 0.0001 (a hundredth of a per cent of the value), not computed by the engines' exact
median. Why write this instead of calling ``median()``: an exact median holds every value of a
group in memory at once (Spark's runs its driver out of heap at Comtrade scale) and cannot be
merged across passes, while bin counts are an ordinary sum. So the model can be fitted one year
at a time under a memory cap, and DuckDB and Spark compute the same numbers. The median is
exact to within half a bin: a margin of 5.00% may come out as 5.005%.

>>> import math
>>> median_of_bins([(bin_of(0.02), 1), (bin_of(0.05), 1), (bin_of(0.30), 1)]) == round(0.05 / BIN) * BIN
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import ibis

MIN_CELL = 10
MIN_PAIR = 10
MAX_ABS_LOG = math.log(5.0)
CLIP_HI = math.log(1.25)
BIN = 1e-4
DEFAULT_MARGIN = 0.05  # ln(CIF/FOB) when the data hold no matched flow at all

# The levels of the margin model, most specific first, and the keys each is estimated on.
LEVELS = {"cell": ("exporter", "importer", "chapter"), "pair": ("exporter", "importer"),
          "importer": ("importer",), "world": ()}


def bin_of(r: float) -> int:
    return round(r / BIN)


def median_of_bins(counts: Iterable[tuple[int, int]]) -> float:
    """Median of a histogram given as (bin, count) pairs (plain Python; the reference for tests)."""
    items = sorted(counts)
    n = sum(c for _, c in items)
    lo, hi = (n + 1) // 2, n // 2 + 1
    cum, b_lo, b_hi = 0, None, None
    for b, c in items:
        cum += c
        if b_lo is None and cum >= lo:
            b_lo = b
        if b_hi is None and cum >= hi:
            b_hi = b
    return (b_lo + b_hi) / 2 * BIN


def matched_log_ratios(pairs: ibis.Table) -> ibis.Table:
    """Matched mirror flows with ``r = ln(import/export)``, outliers removed."""
    ok = pairs.filter(
        (pairs.export_value > 0) & (pairs.import_value > 0)
        & (pairs.export_basis == "FOB") & (pairs.import_basis == "CIF")
    )
    ok = ok.mutate(r=(ok.import_value / ok.export_value).ln(), chapter=ok.hs.substr(0, 2))
    return ok.filter(ok.r.abs() <= MAX_ABS_LOG)


def margin_bins(pairs: ibis.Table) -> ibis.Table:
    """Counts of matched flows per (exporter, importer, chapter, bin of r): the model's input.

    Bin counts of several passes (years) are summed with ``union`` and ``sum(n)``."""
    ok = matched_log_ratios(pairs)
    ok = ok.mutate(b=(ok.r / BIN).round().cast("int32"))
    return ok.group_by(["exporter", "importer", "chapter", "b"]).aggregate(n=ok.count())


def _medians(bins: ibis.Table, keys: tuple[str, ...], min_n: int) -> ibis.Table:
    """Median of r per ``keys`` from bin counts, for groups with at least ``min_n`` flows.

    Groups too small to be used are dropped before the running sums, which is most cells."""
    k = list(keys)
    if k:
        totals = bins.group_by(k).aggregate(total=bins.n.sum())
        totals = totals.filter(totals.total >= min_n)
        h = bins.group_by([*k, "b"]).aggregate(n=bins.n.sum())
        h = h.inner_join(totals, k)
    else:
        h = bins.group_by("b").aggregate(n=bins.n.sum())
        h = h.mutate(total=h.n.sum().over(ibis.window()))
    h = h.mutate(cum=h.n.sum().over(ibis.window(group_by=k or None, order_by="b", rows=(None, 0))))
    lo, hi = (h.total + 1) // 2, h.total // 2 + 1
    agg = h.group_by(k) if k else h
    out = agg.aggregate(b_lo=h.b.min(where=h.cum >= lo), b_hi=h.b.min(where=h.cum >= hi), n=h.total.max())
    out = out.filter(out.n >= min_n)
    return out.select(*k, m=(out.b_lo + out.b_hi).cast("float64") / 2 * BIN, n=out.n)


def model_from_bins(bins: ibis.Table) -> tuple[ibis.Table, ibis.Table, ibis.Table, ibis.Table]:
    """(cell, pair, importer, world) median tables of ``ln(CIF/FOB)``; world has one row or none."""
    cell = _medians(bins, LEVELS["cell"], MIN_CELL).rename(m_cell="m", n_cell="n")
    pair = _medians(bins, LEVELS["pair"], MIN_PAIR).rename(m_pair="m", n_pair="n")
    imp = _medians(bins, LEVELS["importer"], MIN_PAIR).rename(m_imp="m", n_imp="n")
    world = _medians(bins, (), 1).rename(m_world="m", n_world="n")
    return cell, pair, imp, world


def margins(pairs: ibis.Table) -> tuple[ibis.Table, ibis.Table, ibis.Table, ibis.Expr]:
    """(cell, pair, importer) median tables and the world median (a scalar expression)."""
    cell, pair, imp, world = model_from_bins(margin_bins(pairs))
    return cell, pair, imp, world.m_world.max()


def attach_margin(pairs: ibis.Table, cell: ibis.Table, pair: ibis.Table, imp: ibis.Table,
                  world_value: float | None) -> ibis.Table:
    """``margin_log`` (clipped) on every mirror row, from the model's level tables."""
    # .view() after each join: Ibis would otherwise try to extend one join chain with the next.
    p = pairs.mutate(chapter=pairs.hs.substr(0, 2)).view()
    p = p.left_join(cell.select("exporter", "importer", "chapter", "m_cell"),
                    ["exporter", "importer", "chapter"]).drop("exporter_right", "importer_right",
                                                              "chapter_right").view()
    p = p.left_join(pair.select("exporter", "importer", "m_pair"),
                    ["exporter", "importer"]).drop("exporter_right", "importer_right").view()
    p = p.left_join(imp.select("importer", "m_imp"), "importer").drop("importer_right").view()
    ok = world_value is not None and not math.isnan(world_value)
    fallback = ibis.literal(world_value if ok else DEFAULT_MARGIN)
    raw = ibis.coalesce(p.m_cell, p.m_pair, p.m_imp, fallback)
    clipped = ibis.greatest(ibis.least(raw, ibis.literal(CLIP_HI)), ibis.literal(0.0))
    return p.mutate(margin_log=clipped).drop("m_cell", "m_pair", "m_imp")


def with_margin(pairs: ibis.Table, world_value: float | None) -> ibis.Table:
    """Attach ``margin_log`` (clipped) to every mirror row, fitting the model on ``pairs``."""
    cell, pair, imp, _ = margins(pairs)
    return attach_margin(pairs, cell, pair, imp, world_value)
