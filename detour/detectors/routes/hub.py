"""What the hub's own totals say about a route: the soft AND and its sentence.

Goods forwarded (or parts assembled and sold on) raise the hub's total imports of the inbound
goods and its total exports of the outbound ones. ``hub_weight`` weighs the legs' evidence by how
far those totals moved (``hub_share``), or could have shown the route and did not (``visible``);
``hub_witness`` says which in the explanation. ``owned_share`` and ``supplier_share`` attribute a
total's extra to one leg.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from detour.detectors.scoring import MIN_PART, _nanmedian

HUB_FLOOR = 0.4  # share of the legs' evidence kept when the hub's totals could show the route, and did not
BLIND_FLOOR = 0.6  # ... when the hub's totals are too large and noisy to show the route either way
OWNED = 0.5  # share of the hub's extra imports an origin must supply to take the total's break


def visible(
    total_pre: np.ndarray, total_sigma: np.ndarray, leg_pre: np.ndarray, leg_post: np.ndarray
) -> np.ndarray:
    """The z a total (log level ``total_pre``, noise ``total_sigma``) would show if a leg's extra
    goods (its log levels before and after, on the same floor) were added to it: how far the
    total *could* reveal the route. A leg of USD 5M a year in a hub that imports 2M of the goods
    is plain in its totals (z of several units); in a hub that imports 2 billion, invisible.

    >>> pre, post = np.log([5e4, 5e4]), np.log([5e6, 5e6])
    >>> visible(np.log([2e6, 2e9]), np.array([0.3, 0.15]), pre, post).round(2).tolist()
    [4.15, 0.02]
    """
    extra = np.fmax(np.exp(np.asarray(leg_post, float)) - np.exp(np.asarray(leg_pre, float)), 0.0)
    sig = np.where(np.asarray(total_sigma) > 0, total_sigma, 1.0)
    return np.nan_to_num((np.log(np.exp(total_pre) + extra) - total_pre) / sig)


def hub_weight(
    z_hub_in: np.ndarray, z_hub_out: np.ndarray, see_in: np.ndarray, see_out: np.ndarray, legs: np.ndarray
) -> np.ndarray:
    """Share of the legs' evidence a route keeps for its hub's totals, 0.4-1 (the soft AND).

    Per side (the hub's total imports of the inbound goods, its total exports of the outbound
    ones): a total that moved as much as the legs keeps all of it (``hub_share``). One that did
    not move keeps ``HUB_FLOOR`` when it could have shown the route (the z the leg's extra goods
    would give it, ``visible``, as large as the legs') and ``BLIND_FLOOR`` when it could not (a
    big economy's or an established producer's totals, where a route's goods are a rounding
    error: silence there says little). The weaker side counts.

    >>> hub_weight(*(np.array([x]) for x in (0.0, 8.0, 8.0, 8.0, 8.0))).round(2).tolist()
    [0.4]
    >>> hub_weight(*(np.array([x]) for x in (0.0, 8.0, 0.0, 8.0, 8.0))).round(2).tolist()
    [0.6]
    >>> hub_weight(*(np.array([x]) for x in (8.0, 8.0, 8.0, 8.0, 8.0))).round(2).tolist()
    [1.0]
    """
    def side(z: np.ndarray, see: np.ndarray) -> np.ndarray:
        floor = BLIND_FLOOR - (BLIND_FLOOR - HUB_FLOOR) * hub_share(see, legs)
        return floor + (1 - floor) * hub_share(z, legs)

    return np.fmin(side(z_hub_in, see_in), side(z_hub_out, see_out))


def hub_witness(route: pd.Series, hub: str, inbound: str, outbound: str) -> str:
    """What the hub's own totals say about a route, as a clause for its explanation.

    The soft AND (``hub_weight``) asks the hub's total imports of the inbound goods and its total
    exports of the outbound ones to corroborate the two legs. Each side either moved with them,
    could have shown a route of this size and did not, or is too large or noisy to tell either
    way. The analyst should know which: on the simulated worlds nearly every chance pairing of
    two new flows that reaches the top of the list has both totals unable to tell (a big
    economy), so the finding then rests on the two bilateral flows alone. A total moved when its
    own z is individually suggestive (``MIN_PART``, 2), and could have shown the route when the z
    the route's goods would give it (``visible``) is. The score weighs the same quantities against
    the legs' z (``hub_weight``); the sentence reports them on their own scale. ``route`` is a
    scored route row (``z_hub_in``, ``z_hub_out``, ``see_in``, ``see_out``).

    >>> row = pd.Series(dict(z_hub_in=7.0, z_hub_out=9.0, see_in=8.0, see_out=9.0))
    >>> hub_witness(row, "Armenia", "goods", "goods")
    "Armenia's total imports and exports of these goods rose with them"
    >>> big = row.copy(); big[["z_hub_in", "see_in", "z_hub_out", "see_out"]] = [0.3, 1.5, 0.2, 0.1]
    >>> hub_witness(big, "China", "goods", "goods")  # doctest: +ELLIPSIS
    "China's own totals in these goods are too large or too noisy ..., so the finding rests on ..."
    >>> quiet = row.copy(); quiet["z_hub_in"] = 0.5  # it could have shown the route (see_in 8)
    >>> hub_witness(quiet, "Kazakhstan", "components", "products")  # doctest: +ELLIPSIS
    "Kazakhstan's total imports of the components did not rise, ..., and its total exports ... rose with them"
    """

    def state(z: float, see: float) -> str:
        if np.nan_to_num(z) >= MIN_PART:
            return "moved"
        return "silent" if np.nan_to_num(see) >= MIN_PART else "blind"

    s_in, s_out = state(route.z_hub_in, route.see_in), state(route.z_hub_out, route.see_out)
    if s_in == s_out == "moved":
        if inbound == outbound:
            return f"{hub}'s total imports and exports of these goods rose with them"
        return f"{hub}'s total imports of the {inbound} and exports of the {outbound} rose with them"
    if s_in == s_out == "blind":
        return (
            f"{hub}'s own totals in these goods are too large or too noisy to confirm a route of this "
            "size, so the finding rests on the two flows alone"
        )
    said = {
        "moved": "rose with them",
        "silent": "did not rise, although a route of this size would show in them",
        "blind": "are too large or too noisy to confirm a route of this size",
    }
    return (
        f"{hub}'s total imports of the {inbound} {said[s_in]}, "
        f"and its total exports of the {outbound} {said[s_out]}"
    )


def hub_share(hub: np.ndarray, legs: np.ndarray) -> np.ndarray:
    """How far the hub's own totals moved against its legs, 0-1 (the soft AND's weight).

    >>> hub_share(np.array([2.0, 8.0, np.nan]), np.array([4.0, 4.0, 4.0])).tolist()
    [0.5, 1.0, 0.0]
    """
    legs = np.asarray(legs, dtype=float)
    return np.clip(np.nan_to_num(np.asarray(hub, dtype=float)) / np.where(legs > 0, legs, 1.0), 0.0, 1.0)


def owned_share(leg: np.ndarray, total: np.ndarray, t: int, e: int) -> np.ndarray:
    """Share of the total's excess over its pre median, in the episode ``[t, e)``, that the leg's
    own excess makes up (0-1).

    >>> owned_share(np.array([[1.0, 1.0, 1.0, 9.0]]), np.array([[5.0, 5.0, 5.0, 15.0]]), 3, 4).tolist()
    [0.8]
    """
    def extra(v: np.ndarray) -> np.ndarray:
        base = np.median(v[:, :t], axis=1)
        return np.maximum(v[:, t:e] - base[:, None], 0.0).sum(axis=1)

    return np.clip(extra(leg) / np.maximum(extra(total), 1.0), 0.0, 1.0)


def supplier_share(leg: np.ndarray, others: np.ndarray, t: int, e: int, weight: np.ndarray) -> np.ndarray:
    """Share of a buyer's extra purchases in the episode ``[t, e)`` (post median over pre median,
    NaN years left out) that the leg supplied, the others' extra weighted by ``weight`` (0-1).
    A leg with no extra has share 0; with no competing extra, 1.

    >>> supplier_share(np.array([[0.0, 0.0, 10.0]]), np.array([[0.0, 0.0, 70.0]]), 2, 3, np.ones(1)).tolist()
    [0.125]
    """
    def extra(v: np.ndarray) -> np.ndarray:
        return np.nan_to_num(np.fmax(_nanmedian(v[:, t:e]) - _nanmedian(v[:, :t]), 0.0))

    mine, theirs = extra(leg), extra(others) * np.nan_to_num(weight)
    return np.where(mine > 0, mine / np.maximum(mine + theirs, 1.0), 0.0)
