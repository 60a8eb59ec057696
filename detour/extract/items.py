"""The item lexicon: words for goods → HS codes and Military List categories.

Data in ``detour/data/items.yaml``. Calibres ("155mm shells", "7.62 mm rounds") are decided
by size: 20 mm and above is artillery/cannon ammunition (HS 930690), below it small-arms
cartridges (930630); both are ML3.

>>> lookup("drone parts").hs, lookup("Shells").ml
(('8807',), ('ML3',))
>>> calibre_item(155.0).hs, calibre_item(7.62).hs
(('930690',), ('930630',))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from detour.errors import ConfigError
from detour.extract.normalise import hyphen_variants

_HS = re.compile(r"^\d{4}(\d{2})?$")
_ML = re.compile(r"^ML(\d|1\d|2[0-2])$")


@dataclass(frozen=True)
class ItemSense:
    hs: tuple[str, ...]
    ml: tuple[str, ...]


@cache
def lexicon() -> dict[str, ItemSense]:
    """Lower-case surface form → codes; validated (HS at 4 or 6 digits, ML1–ML22)."""
    text = resources.files("detour.data").joinpath("items.yaml").read_text(encoding="utf-8")
    out: dict[str, ItemSense] = {}
    for n, entry in enumerate(yaml.safe_load(text) or (), 1):
        hs = tuple(str(h) for h in entry.get("hs") or ())
        ml = tuple(entry.get("ml") or ())
        bad = [h for h in hs if not _HS.match(h)] + [m for m in ml if not _ML.match(m)]
        if bad or not entry.get("words"):
            raise ConfigError(
                f"items.yaml entry {n}: bad codes {bad} or no words",
                "HS codes have 4 or 6 digits, ML categories are ML1..ML22",
            )
        for word in entry["words"]:
            for variant in hyphen_variants(str(word).lower()):
                if variant in out and out[variant] != ItemSense(hs, ml):
                    raise ConfigError(
                        f"items.yaml: {word!r} is listed twice with different codes",
                        "keep one entry per word",
                    )
                out[variant] = ItemSense(hs, ml)
    return out


def lookup(phrase: str) -> ItemSense | None:
    return lexicon().get(" ".join(phrase.lower().split()))


def calibre_item(mm: float) -> ItemSense:
    """Codes for ammunition named by calibre."""
    return ItemSense(("930690",) if mm >= 20 else ("930630",), ("ML3",))


CALIBRE_NOUNS = ("shells", "shell", "rounds", "round", "ammunition", "projectiles", "cartridges", "munitions")
_CALIBRE = re.compile(r"^(\d{1,3}(?:\.\d{1,2})?)(?:-?mm)?$", re.I)


def calibre_value(token_text: str) -> float | None:
    """The number in "155", "155mm" or "7.62"; None for anything else.

    >>> calibre_value("155mm"), calibre_value("7.62"), calibre_value("many")
    (155.0, 7.62, None)
    """
    m = _CALIBRE.match(token_text)
    return float(m.group(1)) if m else None
