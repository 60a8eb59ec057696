"""Whether the origin had a reason to send the goods round at all (``reason_to_detour``)."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from detour.detectors.panel import Panel
from detour.detectors.reference import group, military_goods, restricted_by, restricted_since
from detour.detectors.scoring import _nanmedian, matrix

NO_REASON = 0.5  # evidence kept by a route whose origin openly ships the destination the same goods
DIRECT_MATERIAL = 1_000_000.0  # USD a year: direct chapter trade that is open trade (``open_chapter``)


# Why a route has no reason to detour (``reason_causes``), the first that applies in this order;
# "" when it has one. ``detour.detectors.trace`` says each in words.
CAUSES = ("direct_open", "unbound_origin", "civil_goods", "ally")


def reason_to_detour(
    panel: Panel,
    cand: pd.DataFrame,
    t1: np.ndarray,
    direct_open: np.ndarray | None = None,
    transformed: bool = False,
) -> np.ndarray:
    """Per route, 1 when the origin had a reason to send the goods round, else ``NO_REASON``
    (``reason_causes`` says why)."""
    return factor(reason_causes(panel, cand, t1, direct_open, transformed))


def factor(causes: np.ndarray) -> np.ndarray:
    """The evidence each route keeps for its cause (``reason_causes``): all of it without one,
    ``NO_REASON`` with one."""
    return np.where(np.asarray(causes) == "", 1.0, NO_REASON)


def reason_causes(
    panel: Panel,
    cand: pd.DataFrame,
    t1: np.ndarray,
    direct_open: np.ndarray | None = None,
    transformed: bool = False,
) -> np.ndarray:
    """Per route, why the origin had no reason to send the goods round (one of ``CAUSES``), or ""
    when it had one.

    A detour costs money and raises questions; it pays only when the direct channel is closed.
    For transshipment the route's own code's direct flow must already have stopped or never
    existed (``score_routes``). For transformation it may have gone on (``direct_open``): an
    origin that goes on selling the destination the assembled product itself has an open
    channel for it, whatever the destination.

    The origin's open trade with the destination in *other* goods of the chapter is no such
    channel (``open_chapter`` measures it for ``detour trace``, which reports it as context). Until
    the fourteenth round it halved the route too; it was dropped because covert supply runs beside
    open sales (a government that licenses some arms to a buyer may still send others round for
    deniability, or to keep volumes out of its published reports), because DOMAIN.md defines
    covert supply by the route's own goods ("the direct O → D flow ... never existed"), and
    because on the simulator's worlds it cost planted routes and kept out only chance routes that
    ranked below them (docs/accuracy-history.md, fourteenth round).

    Destinations of concern (``hubs.yaml``: comprehensive restrictions) keep a reason for every
    watched good: restrictions there name particular goods (the EU's HS6 sanctions lists), so
    the listed codes are sent round while the rest of the trade goes on. But restrictions
    bind the exporters of the countries that impose them (``hubs.yaml`` ``restricted_by``: the
    coalition and the partner countries with similar export controls, everyone for UN
    sanctions): Thai aircraft parts or Bangladeshi chips ship to Russia or Iran openly, so for a
    route from an origin they do not bind, the destination is no more of concern than any other.

    And the goods must be closed to the destination at all. Military goods (``hubs.yaml``
    ``military_goods``: arms, ammunition, explosives, armoured vehicles, warships) need an arms
    licence wherever they go, so their covert supply has reasons anywhere. Every other watched good
    (dual-use electronics, bearings, machine tools, aircraft and drone parts: mostly civil trade)
    ships freely except to the destinations of concern, so a route of such goods (the goods that
    reach the destination: the product, for an assembly route) to any other destination has no
    reason to go round and keeps ``NO_REASON``. Military goods have no reason to go round to a
    member of the sanctions coalition either (``hubs.yaml`` group ``coalition``: the EU, the UK, the
    US, Canada, Japan, Norway, Switzerland): allies buy arms openly from every supplier not itself
    under restrictions. Goods *from* a country of concern keep a reason wherever they go (import
    bans: Russian goods sent round to the EU through a third country), but only when they arrive as
    they left (transshipment): components built into a product in the hub (``transformed``, an
    assembly route) give the product the hub's origin, so an import ban on the origin's goods is no
    reason to assemble them elsewhere; the product's own goods and destination decide. A country is
    of concern from the year its restrictions began (``hubs.yaml`` ``since``: Russia and Belarus
    2022), judged at the route's first year: processors sent round to Russia in 2019 had no more
    reason to go round than processors sent to Brazil. Without a list of countries of concern (a
    panel built with no priors) these parts are not applied.
    """
    n = len(cand)
    if n == 0:
        return np.zeros(0, dtype=object)
    # A country is of concern for a route from the year its restrictions began (``hubs.yaml``
    # ``since``): the route's first year must be that year or later.
    since = restricted_since()
    year = np.asarray(panel.years)[np.asarray(t1)]

    def of_concern(who: pd.Series) -> np.ndarray:
        listed = who.isin(list(panel.destination_prior)).to_numpy()
        first = who.map(since).fillna(0).to_numpy()
        return listed & (year >= first)

    # Restrictions bind the exporters of the countries that impose them (``hubs.yaml``
    # ``restricted_by``): a destination is of concern to a route only when its origin is one.
    bound = restricted_by()
    binds = np.array(
        [(bound.get(d) is None) or (o in bound[d]) for o, d in zip(cand.o, cand.d, strict=True)], dtype=bool
    )
    listed = of_concern(cand.d)
    concern = listed & binds
    causes = np.full(n, "", dtype=object)

    def cause(where: np.ndarray, name: str) -> None:
        causes[np.asarray(where, dtype=bool) & (causes == "")] = name

    if direct_open is not None:
        # The origin goes on shipping the destination the very goods the route delivers: an open
        # channel whatever the destination (the restrictions' lists cannot be what it avoids).
        cause(np.asarray(direct_open, dtype=bool), "direct_open")
    if panel.destination_prior:
        military = cand.hs_out.str.startswith(military_goods()).to_numpy()
        ally = cand.d.isin(group("coalition")).to_numpy()
        # Goods from a country of concern keep a reason only as they left it (not ``transformed``).
        exempt = of_concern(cand.o) & (not transformed)
        civil = ~exempt & ~military & ~concern
        cause(civil & listed, "unbound_origin")  # of concern, but its restrictions do not bind O
        cause(civil, "civil_goods")
        cause(~exempt & military & ally, "ally")
    return causes


def open_chapter(panel: Panel, cand: pd.DataFrame, t1: np.ndarray) -> np.ndarray:
    """Per route, the origin's direct trade with the destination in the *other* watched goods of
    the onward code's chapter (the route's own onward code taken out), in USD a year from the
    route's first year (column ``t1``), when that trade was material (``DIRECT_MATERIAL``) before
    the route began and went on (its median from ``t1`` at least half its earlier median); 0
    otherwise.

    Context for ``detour trace`` ("Germany also ships India other goods of the same chapter
    openly"), never a discount on the evidence (``reason_causes``)."""
    n, T = len(cand), len(panel.years)
    if n == 0:
        return np.zeros(0)
    p = panel.pairs
    keys = pd.DataFrame(
        {"exporter": cand.o.to_numpy(), "importer": cand.d.to_numpy(), "ch": cand.hs_out.str[:2].to_numpy()}
    ).drop_duplicates()
    q = p.mutate(ch=p.hs.left(2)).semi_join(ibis.memtable(keys), ["exporter", "importer", "ch"])
    df = panel.engine.execute(q.group_by(["exporter", "importer", "ch", "hs", "year"]).aggregate(v=q.v.sum()))
    own = pd.DataFrame({"exporter": cand.o, "importer": cand.d, "hs": cand.hs_out})
    index = pd.DataFrame({"exporter": cand.o, "importer": cand.d, "ch": cand.hs_out.str[:2]})
    chapter = matrix(
        df.groupby(["exporter", "importer", "ch", "year"], as_index=False)["v"].sum(),
        ["exporter", "importer", "ch"],
        "v",
        panel.years,
        index,
    )
    code = matrix(df, ["exporter", "importer", "hs"], "v", panel.years, own)
    rest = np.maximum(np.nan_to_num(chapter) - np.nan_to_num(code), 0.0)  # the route's own code taken out
    cols = np.arange(T)[None, :]
    t = np.asarray(t1)[:, None]
    pre = np.nan_to_num(_nanmedian(np.where(cols < t, rest, np.nan)))
    post = np.nan_to_num(_nanmedian(np.where(cols >= t, rest, np.nan)))
    return np.where((pre >= DIRECT_MATERIAL) & (post >= 0.5 * pre), post, 0.0)
