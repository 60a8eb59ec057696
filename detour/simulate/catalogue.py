"""The simulated world's countries and HS6 codes, picked from two small tables in this package.

``countries.csv`` lists about 90 real countries in priority order (named hubs, sanctioned
destinations and Comtrade's own-code reporters first); ``products.csv`` lists about 340 real HS6
codes with a category, a typical unit value (USD/kg) and the years the code exists. Worlds larger
than the tables (the real-scale fast path) are padded with further ISO countries at made-up
coordinates and with synthetic HS6 codes in ordinary chapters.

>>> c = countries(20)
>>> len(c), {"USA", "TWN", "ARM"} <= set(c.iso3)
(20, True)
>>> int(c.set_index("iso3").loc["USA", "code"]), c.set_index("iso3").loc["TWN", "iso_col"]
(842, 'S19')
>>> p = products(40)
>>> len(p), {"930690", "854231", "880622"} <= set(p.hs)
(40, True)
"""

from __future__ import annotations

import csv
import hashlib
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd
import pycountry

from detour.detectors.watchlist import load_watchlist

# Comtrade's own reporter codes where they differ from ISO numeric (DOMAIN.md); the writer uses
# these so that ingest has to map them back.
COMTRADE_CODE = {"USA": 842, "FRA": 251, "ITA": 381, "IND": 699, "NOR": 579, "CHE": 757, "TWN": 490}
ISO_COLUMN = {"TWN": "S19"}  # Taiwan appears as "Other Asia, nes" with ISO3 S19
NAMES = {"TWN": "Other Asia, nes"}

# Codes every world keeps, whatever its size: each scenario family needs one of each side.
CORE_HS = (
    "930690", "930630", "930110", "930200", "930591", "930599", "360100", "360200", "360300", "360340",
    "854231", "854232", "853224", "851762", "852691", "880622", "880730", "880330", "880211", "880220",
    "871000", "848210", "847150", "890610",
)
WATCH_CATEGORIES = frozenset(
    {
        "arms", "arms_parts", "ammo", "explosives", "mil_vehicles", "aircraft", "aircraft_parts", "drones",
        "ships", "chips", "semis", "capacitors", "telecom", "radionav", "electronics", "bearings", "optics",
        "machine_tools", "instruments",
    }
)
# Ordinary chapters for synthetic padding codes, and the category each one stands for.
PAD_CHAPTERS = {
    **{f"{c:02d}": "agri" for c in range(1, 25)},
    **{f"{c:02d}": "chemicals" for c in range(28, 39)},
    **{f"{c:02d}": "textiles" for c in range(50, 68)},
    **{f"{c:02d}": "metals" for c in range(72, 84)},
    "39": "plastics", "40": "plastics", "44": "wood", "48": "wood", "84": "machinery", "85": "electronics",
    "90": "instruments", "94": "misc", "95": "misc", "96": "misc",
}
PAD_UV = {
    "agri": 2.0, "chemicals": 5.0, "textiles": 15.0, "metals": 2.5, "plastics": 2.5, "wood": 1.0,
    "machinery": 25.0, "electronics": 60.0, "instruments": 150.0, "misc": 8.0,
}


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("detour.simulate").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(line for line in text.splitlines() if line and not line.startswith("#")))


def _unit(key: str) -> float:
    """A stable uniform number in [0, 1) for a key, independent of any random stream."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / 2**64


@cache
def _country_table() -> pd.DataFrame:
    df = pd.DataFrame(_rows("countries.csv"))
    return df.astype({"lat": float, "lon": float, "gdp_bn": float})


def countries(n: int) -> pd.DataFrame:
    """The first ``n`` countries (iso3, code, iso_col, name, lat, lon, gdp_bn), padded if needed."""
    table = _country_table()
    if n <= len(table):
        df = table.head(n).copy()
    else:
        known = set(table.iso3)
        extra = [
            c.alpha_3 for c in sorted(pycountry.countries, key=lambda c: c.alpha_3) if c.alpha_3 not in known
        ]
        if n - len(table) > len(extra):
            raise ValueError(f"at most {len(table) + len(extra)} countries can be simulated")
        pad = pd.DataFrame({"iso3": extra[: n - len(table)]})
        pad["lat"] = [-40 + 100 * _unit(f"lat:{c}") for c in pad.iso3]
        pad["lon"] = [-180 + 360 * _unit(f"lon:{c}") for c in pad.iso3]
        pad["gdp_bn"] = [float(np.exp(0.5 + 3.0 * _unit(f"gdp:{c}"))) for c in pad.iso3]
        df = pd.concat([table, pad], ignore_index=True)
    df["code"] = [COMTRADE_CODE.get(c) or _iso_numeric(c) for c in df.iso3]
    df["iso_col"] = [ISO_COLUMN.get(c, c) for c in df.iso3]
    df["name"] = [NAMES.get(c) or _name(c) for c in df.iso3]
    return df.reset_index(drop=True)


def _iso_numeric(iso3: str) -> int:
    return int(getattr(pycountry.countries.get(alpha_3=iso3), "numeric", 0))


def _name(iso3: str) -> str:
    c = pycountry.countries.get(alpha_3=iso3)
    return str(getattr(c, "common_name", None) or getattr(c, "name", iso3))


@cache
def _product_table() -> pd.DataFrame:
    df = pd.DataFrame(_rows("products.csv"))
    df["uv"] = df.uv.astype(float)
    df["item_kg"] = pd.to_numeric(df.item_kg, errors="coerce")
    df["first"] = pd.to_numeric(df["first"], errors="coerce").fillna(0).astype(int)
    df["last"] = pd.to_numeric(df["last"], errors="coerce").fillna(9999).astype(int)
    df["watch"] = df.category.isin(WATCH_CATEGORIES)
    # Planted scenarios and decoys use goods the product itself watches by default: a scheme in
    # goods nobody looks at is not the benchmark's question (847330, 890110, 901510 are
    # watch-category goods outside the default list). The list is read, not copied.
    default = load_watchlist("default")
    df["listed"] = df.watch & df.hs6.map(default.matches)
    return df


def products(n: int) -> pd.DataFrame:
    """``n`` HS6 codes: the core codes, then watch-list and ordinary goods interleaved 1:1, then padding."""
    table = _product_table()
    core = table[table.hs6.isin(CORE_HS)]
    rest = table[~table.hs6.isin(CORE_HS)]
    watch, plain = list(rest[rest.watch].index), list(rest[~rest.watch].index)
    order = list(core.index)
    while watch or plain:
        for queue, take in ((watch, 1), (plain, 1)):
            order.extend(queue[:take])
            del queue[:take]
    df = table.loc[order[:n]].rename(columns={"hs6": "hs"})
    if n > len(df):
        df = pd.concat([df, _padding(n - len(df), set(table.hs6))], ignore_index=True)
    return df.reset_index(drop=True)


def _padding(k: int, used: set[str]) -> pd.DataFrame:
    """Synthetic HS6 codes (chapter + heading + subheading) in ordinary chapters, never watch-listed."""
    codes: list[tuple[str, str]] = []
    chapters = sorted(PAD_CHAPTERS)
    heading, sub = 1, 10
    while len(codes) < k:
        for ch in chapters:
            code = f"{ch}{heading:02d}{sub:02d}"
            if code not in used and len(codes) < k:
                codes.append((code, PAD_CHAPTERS[ch]))
        sub += 10 if sub < 90 else 0
        if sub >= 90:
            heading, sub = heading + 1, 10
        if heading > 99:
            raise ValueError("too many products for synthetic padding")
    df = pd.DataFrame(codes, columns=["hs", "category"])
    df["unit"], df["item_kg"], df["first"], df["last"], df["watch"] = "kg", np.nan, 0, 9999, False
    df["listed"] = False
    df["uv"] = [PAD_UV[c] * float(np.exp(2 * _unit(f"uv:{h}") - 1)) for h, c in codes]
    df["desc"] = [f"Goods of subheading {h[:4]}.{h[4:]}" for h in df.hs]
    return df
