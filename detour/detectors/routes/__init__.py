"""Routes origin → hub → destination: shared by the transshipment and transformation detectors.

Engine side (``route_candidates``): flow-years that surge (value at least ``growth`` times the
flow's mean of all earlier years, and at least ``min_value``) are found with one window pass;
inbound surges O→H are joined to outbound surges H→D in the same year or a year later, with
linked goods (the same HS6 for transshipment, component → product for transformation).

Pandas side (``score_routes``), per candidate route, for every admissible break year ``t`` and
episode end ``e`` (``scoring.episodes``: a route may run a few years and stop), the onward leg
in the same episode or a year later:

- ``z_in``: robust z of O→H at ``t`` on its own history, less ``expected_max(m)`` when ``m``
  inbound flows (origins × goods) are candidates for the same onward surge (look-elsewhere: the
  best of m noise z's is that large on average; electronic components are bought from everyone);
- ``z_out``: robust z of H→D at ``t`` or ``t+1``, *minus the growth of the destination's imports
  of the same goods from everyone else* (a difference in differences, in log units, over the
  root sum of squares of both noises). A destination buying more from all its suppliers lifts
  every one of them and scores nothing;
- the direct flow O→D must have stopped (post median at most ``stop_ratio`` × pre median) or
  never been material (post median below ``min_value``); otherwise the route is not needed.
  This gate holds for transshipment (the same goods: an origin that still ships them to the
  destination itself has no use for a hub). An assembly route carries other goods than the
  direct flow, so for transformation a direct product flow that went on is no gate but an open
  channel (``reason_to_detour``), which halves the evidence.

- ``z_hub``: the hub's *total* trade in the goods, from and to everyone, should break too: its
  total imports of the inbound goods *and* its total exports of the outbound goods (the smaller
  of the two z's). A big economy has new bilateral flows every year (churn), and a hub that
  merely switched suppliers or customers got no extra goods; goods forwarded (or parts assembled
  and sold on) raise both its imports and its exports.

Each candidate keeps its ``READINGS`` strongest break years as rows of their own; the detectors
choose one after weighing the fit (``one_reading``). The route's z is ``min(z_in, z_out)`` (both
legs must move, so a country's own procurement surge, with no onward leg, scores nothing) times
``hub_weight``: a soft AND with the hub's totals, so a hub whose totals did not move keeps 40% of
the evidence where they could have shown the route (``HUB_FLOOR``) and 60% where they are too large
to tell (``BLIND_FLOOR``). The onward z also needs the hub to have supplied at least half of the
destination's extra imports (``supplier_share``: a market opening to many suppliers at once is no
route).
The detectors then weigh it by how well the two legs' *excess values* fit together (``coherence``):
for transshipment, what the hub sent on against what it took in; for transformation, the products'
value against the components'. Chance coincidences of two unrelated new flows rarely fit; planted or
real routes do. They also weigh it by the fit *year by year* (``profile_fit``: two coincident flows
rarely keep pace, one stops while the other runs on) and by the onward leg's support (``support``:
one year seen).

The package, one concept per module:

- ``candidates``: the engine-side join of surges;
- ``legs``: ``score_routes``, the legs' z, the hub's totals and the excess values per reading;
- ``hub``: the soft AND with the hub's totals and its sentence;
- ``fit``: the legs' fit in size, year by year and in support;
- ``reason``: whether the origin had a reason to send the goods round;
- ``bounds``: codes HS2022 created n:n, whose early years hold a bound;
- ``stages``: competition between explanations and the threshold.
"""

from detour.detectors.routes.bounds import persist
from detour.detectors.routes.candidates import Pred, route_candidates, surges
from detour.detectors.routes.fit import coherence, competes, jump, price_fit, profile_fit, support
from detour.detectors.routes.hub import (
    BLIND_FLOOR,
    HUB_FLOOR,
    OWNED,
    hub_share,
    hub_weight,
    hub_witness,
    visible,
)
from detour.detectors.routes.legs import READINGS, score_routes
from detour.detectors.routes.reason import CAUSES, reason_causes, reason_to_detour
from detour.detectors.routes.stages import (
    NEAR,
    ROUTE_KINDS,
    Stage,
    legs_of,
    one_destination,
    one_explanation,
    one_origin,
    one_reading,
    run_stages,
    shared_clause,
    weigh_by_priors,
)

__all__ = [
    "BLIND_FLOOR",
    "HUB_FLOOR",
    "NEAR",
    "OWNED",
    "READINGS",
    "ROUTE_KINDS",
    "Pred",
    "Stage",
    "coherence",
    "competes",
    "hub_share",
    "hub_weight",
    "hub_witness",
    "jump",
    "legs_of",
    "one_destination",
    "one_explanation",
    "one_origin",
    "one_reading",
    "persist",
    "price_fit",
    "profile_fit",
    "reason_to_detour",
    "reason_causes",
    "CAUSES",
    "route_candidates",
    "run_stages",
    "score_routes",
    "shared_clause",
    "support",
    "surges",
    "visible",
    "weigh_by_priors",
]
