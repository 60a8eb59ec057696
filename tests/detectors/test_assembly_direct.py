"""An assembly route whose origin also sells the product directly (6 Dec 2026, sixth round).

Transshipment carries the same goods as the direct flow, so an origin that still ships them to
the destination itself has no use for a hub, and the route is dropped. An assembly route
carries other goods (parts in, weapons out): the origin's own sales of the product do not
explain the hub's assembled exports. So for transformation a direct product flow that went on
is an open channel (``routes.reason_to_detour``): the route keeps half its evidence and says so,
instead of vanishing. The two routes below are the same shape (weapon parts from nothing to USD
3M a year into an unlisted hub from 2022, rifles from it to the destination at USD 6M); only the
origin's direct sales of rifles differ.
"""

from __future__ import annotations

import functools

import pytest

from tests.detectors.scenarios import step
from tests.detectors.world import World

ROUTES = {
    # (origin, hub, destination): parts 930591 in, rifles 930400 out
    "no direct sales": ("FRA", "NPL", "VNM"),
    "direct sales went on": ("DEU", "LAO", "EGY"),
}


@functools.cache
def _world() -> World:
    w = World(seed=41).background()
    for o, h, d in ROUTES.values():
        for key in [k for k in w.flows if k[0] == o and k[1] == d and k[2][:2] == "93"]:
            del w.flows[key]  # no other direct trade in the chapter: the product is the only channel
        w.flow(o, h, "930591", step(0, 3e6, 2022))
        w.flow(h, d, "930400", step(0, 6e6, 2022))
    # The codes are traded elsewhere all along (a code new to the data would be an HS revision).
    w.flow("ITA", "FRA", "930591", 2e6)
    w.flow("USA", "POL", "930400", 5e6)
    o, _, d = ROUTES["direct sales went on"]
    w.flow(o, d, "930400", 4e6)  # rifles sold directly, every year, before and after
    return w


@pytest.fixture(scope="module")
def alerts(tmp_path_factory):
    return _world().detect(tmp_path_factory.mktemp("assembly_direct"))


def _route(alerts, name: str):
    o, h, d = ROUTES[name]
    found = [
        a for a in alerts if a.kind == "transformation" and (a.origin, a.hub, a.destination) == (o, h, d)
    ]
    assert len(found) <= 1
    return found[0] if found else None


def test_an_assembly_route_is_found_beside_the_origins_direct_sales(alerts):
    plain, direct = _route(alerts, "no direct sales"), _route(alerts, "direct sales went on")
    assert plain is not None and "never existed" in plain.explanation
    assert direct is not None, "the direct product flow must not drop an assembly route"
    assert "went on" in direct.explanation and "ordinary supply chain" in direct.explanation
    assert set(direct.hs) == {"930591", "930400"}


def test_direct_sales_halve_the_evidence(alerts):
    plain, direct = _route(alerts, "no direct sales"), _route(alerts, "direct sales went on")
    assert plain is not None and direct is not None
    assert direct.score < 0.8 * plain.score
