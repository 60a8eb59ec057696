"""Whether an exporter had a reason to leave a delivery out of its declarations (``hide_causes``).

DOMAIN.md pattern 4: an undeclared export (the importer records goods from O, O declares
nothing to that partner) is "typical of covert arms supply". Hiding a delivery pays where the
open declaration would be refused or questioned. The same reasons as a route's
(``routes.reason.reason_causes``) decide it:

- military goods (``hubs.yaml`` ``military_goods``) need an arms licence wherever they go, so
  hiding them has reasons anywhere, an ally included: unlike a route's arms, which reach the
  ally, arms left out of the declarations to an ally may be going on from there (the motivating
  case: Serbian ammunition to the Czech Republic, for Ukraine);
- every other watched good (dual-use electronics, bearings, machine tools, aircraft parts) ships
  freely except to a destination of concern whose restrictions bind the exporter, from the year
  they began (``hubs.yaml`` ``destinations``, ``since`` and ``restricted_by``). Elsewhere an
  importer's record with no declaration beside it has a commoner, innocent cause: the importer
  names the country of origin and the exporter the country it shipped to, so goods of O's make
  that reached the importer through a distributor or a third country's warehouse are recorded
  against O and declared by nobody to the importer (DOMAIN.md, partner attribution). Such a
  gap keeps ``NO_REASON`` of its evidence (``civil_goods``; ``unbound_origin`` where the importer
  is of concern but its restrictions do not bind O);
- goods from a country of concern keep a reason wherever they go (import bans on its goods).

Phantom exports are not weighed this way: the goods declared to H went somewhere else, and
where is unknown, so no destination can say whether they had a reason to go there. Without a
list of countries of concern (a panel built with no priors) nothing is weighed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from detour.detectors.panel import Panel
from detour.detectors.reference import military_goods, restricted_by, restricted_since

# Why an undeclared export had no reason to be hidden, the first that applies; "" when it had one.
CAUSES = ("unbound_origin", "civil_goods")


def hide_causes(panel: Panel, flows: pd.DataFrame) -> np.ndarray:
    """Per flow (``exporter``, ``importer``, ``hs``, ``start``: the gap's first year), why the
    exporter had no reason to hide it (one of ``CAUSES``), or "" when it had one.

    >>> from types import SimpleNamespace
    >>> p = SimpleNamespace(destination_prior={"RUS": 0.15, "BLR": 0.15})
    >>> f = pd.DataFrame({"exporter": ["SRB", "KOR", "DEU", "DEU", "DEU", "CHN"],
    ...                   "importer": ["UKR", "ITA", "NOR", "RUS", "BLR", "RUS"],
    ...                   "hs": ["930690", "930599", "854239", "854239", "854130", "854239"],
    ...                   "start": [2022, 2021, 2019, 2023, 2019, 2023]})
    >>> hide_causes(p, f).tolist()
    ['', '', 'civil_goods', '', 'civil_goods', 'unbound_origin']
    """
    n = len(flows)
    causes = np.full(n, "", dtype=object)
    if n == 0 or not panel.destination_prior:
        return causes
    since = restricted_since()
    start = flows.start.to_numpy(dtype=float)

    def of_concern(who: pd.Series) -> np.ndarray:
        listed = who.isin(list(panel.destination_prior)).to_numpy()
        return listed & (start >= who.map(since).fillna(0).to_numpy(dtype=float))

    bound = restricted_by()
    binds = np.array(
        [bound.get(d) is None or o in bound[d] for o, d in zip(flows.exporter, flows.importer, strict=True)],
        dtype=bool,
    )
    listed = of_concern(flows.importer)
    exempt = of_concern(flows.exporter)
    military = flows.hs.astype(str).str.startswith(military_goods()).to_numpy()
    civil = ~exempt & ~military & ~(listed & binds)

    def cause(where: np.ndarray, name: str) -> None:
        causes[where & (causes == "")] = name

    cause(civil & listed, "unbound_origin")
    cause(civil, "civil_goods")
    return causes
