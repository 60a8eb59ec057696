"""CIF/FOB margins estimated from the data: robust medians by pair and product group.

Why medians and not BACI's gravity regression: a regression needs distances and contiguity for
every pair, and Detour ships no geography table; the mirror data already holds thousands of
matched flows per busy pair. For each matched flow (both sides declared, exporter FOB, importer
CIF, both positive) we take ``r = ln(CIF / FOB)`` and drop outliers (``|r| > ln 5``, a factor
of five is misreporting, not freight). The margin of a flow is then the median ``r`` of, in
order of preference:

1. its (exporter, importer, HS section-like group = chapter) cell, if it has >= ``MIN_CELL`` flows;
2. its (exporter, importer) pair, if it has >= ``MIN_PAIR`` flows;
3. its importer (importers declare CIF, so freight and insurance are theirs), then the world.

The result is clipped to ``[0, ln 1.25]``: a CIF value below FOB is not a freight cost, and
freight and insurance above 25% of the goods' value are rare outside bulk commodities.
DOMAIN.md: CIF is typically 2–12% above FOB.
"""

from __future__ import annotations

import math

import ibis

MIN_CELL = 10
MIN_PAIR = 10
MAX_ABS_LOG = math.log(5.0)
CLIP_HI = math.log(1.25)


def matched_log_ratios(pairs: ibis.Table) -> ibis.Table:
    """Matched mirror flows with ``r = ln(import/export)``, outliers removed."""
    ok = pairs.filter(
        (pairs.export_value > 0) & (pairs.import_value > 0)
        & (pairs.export_basis == "FOB") & (pairs.import_basis == "CIF")
    )
    ok = ok.mutate(r=(ok.import_value / ok.export_value).ln(), chapter=ok.hs.substr(0, 2))
    return ok.filter(ok.r.abs() <= MAX_ABS_LOG)


def margins(pairs: ibis.Table) -> tuple[ibis.Table, ibis.Table, ibis.Table, ibis.Expr]:
    """(cell, pair, importer) median tables and the world median, each of ``ln(CIF/FOB)``."""
    ok = matched_log_ratios(pairs)
    cell = ok.group_by(["exporter", "importer", "chapter"]).aggregate(m_cell=ok.r.median(), n_cell=ok.count())
    cell = cell.filter(cell.n_cell >= MIN_CELL)
    pair = ok.group_by(["exporter", "importer"]).aggregate(m_pair=ok.r.median(), n_pair=ok.count())
    pair = pair.filter(pair.n_pair >= MIN_PAIR)
    imp = ok.group_by("importer").aggregate(m_imp=ok.r.median(), n_imp=ok.count())
    imp = imp.filter(imp.n_imp >= MIN_PAIR)
    world = ok.r.median()
    return cell, pair, imp, world


def with_margin(pairs: ibis.Table, world_value: float | None) -> ibis.Table:
    """Attach ``margin_log`` (clipped) to every mirror row."""
    cell, pair, imp, _ = margins(pairs)
    # .view() after each join: Ibis would otherwise try to extend one join chain with the next.
    p = pairs.mutate(chapter=pairs.hs.substr(0, 2)).view()
    p = p.left_join(cell, ["exporter", "importer", "chapter"]).drop("exporter_right", "importer_right",
                                                                    "chapter_right").view()
    p = p.left_join(pair, ["exporter", "importer"]).drop("exporter_right", "importer_right").view()
    p = p.left_join(imp, "importer").drop("importer_right").view()
    fallback = ibis.literal(world_value if world_value is not None and not math.isnan(world_value) else 0.05)
    raw = ibis.coalesce(p.m_cell, p.m_pair, p.m_imp, fallback)
    clipped = ibis.greatest(ibis.least(raw, ibis.literal(CLIP_HI)), ibis.literal(0.0))
    return p.mutate(margin_log=clipped).drop("m_cell", "n_cell", "m_pair", "n_pair", "m_imp", "n_imp")
