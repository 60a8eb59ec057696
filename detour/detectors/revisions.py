"""HS revisions: time series that cross HS2022 (DOMAIN.md).

HS2022 created 8807 (parts of aircraft and of unmanned aircraft) out of 8803, and split 3603
(fuses, detonating cords, caps, igniters, detonators) into six subheadings. A flow declared in
880390 until 2021 and in 880790 from 2022 is one flow, not a flow that stopped and another that
appeared from nothing. These are the few facts of the WCO HS2022–HS2017 correlation the
detectors need, written out here: the relationships where *all* of a new code's trade was in one
old code (1:1 and n:1), so the old code's series is the new code's history.

- 8807.10/.20/.30/.90 continue 8803.10/.20/.30/.90 one to one: the series keeps the HS2022 code;
- 3603.10–.60 all come from 3603.00: the series keeps the HS2017 code 360300 (the split cannot
  be undone, but the sum of the six new codes is the old code).

8806 (unmanned aircraft) is n:n: drones were declared under 8802.11–.40 (with manned aircraft
of their weight) and 8525.80 (cameras), which all continue. No one old code holds a drone
flow's history, so years before 2022 stay unknown for 8806 (``Panel.alive``). What the old codes
do give is a *bound*: whatever drones a pair traded before 2022 were inside that pair's trade in
the 8806 code's HS2017 correlates (``history_bound``). A pair that traded none of them cannot
have traded drones, so a drone flow that appears in 2022 or later appeared from nothing; a pair
with a large trade in light aircraft and cameras may have been trading drones all along, and the
bound (the whole of that trade) keeps the route statistics conservative.

>>> series_code("880390"), series_code("880790"), series_code("360340"), series_code("930110")
('880790', '880790', '360300', '930110')
>>> declared_codes("880790", 2020, 2023), declared_codes("880790", 2022, 2024), declared_codes("360300", 2021, 2023)
(('880390', '880790'), ('880790',), ('360300',))
"""

from __future__ import annotations

import ibis.expr.types as ir

REVISION_YEAR = 2022  # HS2022 entered into force on 1 January 2022

# HS2022 code → its one HS2017 predecessor (1:1): the series keeps the HS2022 code.
_CONTINUES = {"880710": "880310", "880720": "880320", "880730": "880330", "880790": "880390"}
# HS2017 code → the HS2022 codes it was split into (n:1): the series keeps the HS2017 code.
_SPLIT = {"360300": tuple(f"3603{s}" for s in ("10", "20", "30", "40", "50", "60"))}
# Code as declared → the code of the continuous series.
_SERIES: dict[str, str] = {
    **{old: new for new, old in _CONTINUES.items()},
    **{new: old for old, news in _SPLIT.items() for new in news},
}


# HS2022 8806 codes → their HS2017 correlates (WCO HS2022–HS2017 correlation, n:n): the codes
# whose sum bounds a pair's drone trade before 2022.
_LIGHT = ("852580", "880211", "880220")
_ANY = ("852580", "880211", "880212", "880220", "880230", "880240")
_BOUNDED: dict[str, tuple[str, ...]] = {
    "880610": ("880211", "880212", "880220", "880230", "880240"),
    **{c: _LIGHT for c in ("880621", "880622", "880623", "880624", "880691", "880692", "880693", "880694")},
    "880629": _ANY,
    "880699": _ANY,
}


def history_bound(hs: str) -> tuple[str, ...]:
    """HS2017 codes whose sum bounds the history of a code HS2022 created n:n (empty otherwise).

    >>> history_bound("880622"), history_bound("930110")
    (('852580', '880211', '880220'), ())
    """
    return _BOUNDED.get(hs, ())


def bounded_codes() -> tuple[str, ...]:
    return tuple(sorted(_BOUNDED))


def narrowed_codes() -> tuple[str, ...]:
    """HS2017 codes that lost part of their scope to a code HS2022 created n:n (and go on)."""
    return tuple(sorted({b for bs in _BOUNDED.values() for b in bs}))


def bounds_of(prefixes: tuple[str, ...]) -> tuple[str, ...]:
    """The bound codes of every code under ``prefixes`` that HS2022 created n:n (to widen a panel)."""
    under = [bs for c, bs in _BOUNDED.items() if any(c.startswith(p) for p in prefixes)]
    return tuple(sorted({b for bs in under for b in bs}))


def series_code(hs: str) -> str:
    return _SERIES.get(hs, hs)


def predecessors(prefixes: tuple[str, ...]) -> tuple[str, ...]:
    """Declared codes whose series falls under any of ``prefixes`` (to widen a panel's filter)."""
    return tuple(sorted(old for old, new in _SERIES.items() if any(new.startswith(p) for p in prefixes)))


def bridge(hs: ir.StringValue) -> ir.StringValue:
    """Ibis: the series code of a declared HS6 column."""
    return hs.substitute(_SERIES)


def declared_codes(code: str, start: int, end: int) -> tuple[str, ...]:
    """The codes a series was declared under in the years ``start``–``end``."""
    old = _CONTINUES.get(code)
    if old is None:
        return (code,)
    return tuple(c for c, ok in ((old, start < REVISION_YEAR), (code, end >= REVISION_YEAR)) if ok)


def declared(code: str, year: int) -> str:
    """The code a series was declared under in ``year``."""
    return declared_codes(code, year, year)[0]
