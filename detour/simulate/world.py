"""The baseline world: who ships what to whom, year by year, before anything is planted.

A gravity-like score per (exporter, importer, HS6) — log GDPs, log distance, the exporter's
capability in the product's category, the importer's taste, a pair effect — decides which
flows exist and how big they are. Year to year a flow's log value follows an AR(1) around its
score, so most flows persist and some enter or exit near the threshold. On top come a world
trend (2020 dip, 2021 rebound), slow country-level random walks, and the 2022 sanctions break
(coalition → Russia/Belarus collapses in sanctioned goods; Iran is sanctioned all along).

A shipment is one true FOB flow; ``declare`` later turns it into the exporter's and the
importer's declarations. Columns of the shipments table:

- ``year, exp, imp, prod`` — integer indexes into the world's countries and products;
- ``fob`` (USD), ``kg``, ``cif`` (the importer's CIF/FOB factor for this route);
- ``decl_x, decl_m`` — whether each side declares it; ``m_partner`` — whom the importer names;
- ``rx`` — the exporter declares it as a re-export; ``tag`` — 0 baseline, else a planted record.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from detour.detectors.revisions import history_bound
from detour.simulate import catalogue

EU = (
    "DEU", "FRA", "ITA", "ESP", "NLD", "BEL", "POL", "SWE", "AUT", "IRL", "DNK", "FIN", "CZE", "ROU", "PRT",
    "GRC", "HUN", "SVK", "BGR", "HRV", "LTU", "SVN", "LVA", "EST",
)
COALITION = frozenset(EU + ("USA", "GBR", "CAN", "JPN", "KOR", "AUS", "NZL", "CHE", "NOR", "TWN"))
SANCTIONED = ("RUS", "BLR")
SANCTIONS_YEAR = 2022
SANCTIONED_CATEGORIES = frozenset(catalogue.WATCH_CATEGORIES | {"vehicles", "machinery"})
PRODUCERS = {
    "arms": "USA RUS FRA DEU ITA CZE BGR SRB TUR ISR KOR CHN BRA ZAF UKR POL CHE NOR SWE GBR BEL AUT ESP IND "
    "PAK ROU FIN BLR IRN",
    "explosives": "USA RUS DEU FRA CZE BGR SRB POL NOR SWE CHN ZAF TUR KOR IND ESP GBR",
    "aircraft": "USA FRA DEU GBR ITA CAN BRA RUS CHN ISR ESP TUR",
    "drones": "CHN USA ISR TUR IRN FRA DEU TWN KOR",
    "ships": "KOR CHN JPN ITA DEU FRA NLD USA RUS TUR ESP NOR",
    "mil_vehicles": "USA DEU RUS FRA GBR KOR POL CZE TUR ISR UKR ITA",
    "chips": "TWN KOR CHN MYS SGP JPN USA PHL VNM DEU IRL NLD HKG ISR",
    "electronics": "CHN VNM TWN KOR MEX MYS THA DEU USA JPN HKG SGP CZE POL HUN IND NLD",
    "machinery": "DEU CHN JPN USA ITA CHE KOR TWN FRA AUT CZE NLD SWE",
    "energy": "RUS SAU NOR KAZ ARE QAT USA CAN IRN NGA AZE IRQ KWT OMN DZA AUS",
    "agri": "BRA USA ARG UKR RUS AUS CAN FRA NLD IND THA VNM IDN MYS NZL KAZ",
}
for _alias, _of in (
    ("arms_parts", "arms"), ("ammo", "arms"), ("aircraft_parts", "aircraft"), ("semis", "chips"),
    ("capacitors", "chips"), ("telecom", "electronics"), ("radionav", "electronics"),
    ("machine_tools", "machinery"), ("bearings", "machinery"), ("optics", "machinery"),
):
    PRODUCERS[_alias] = PRODUCERS[_of]
RESTRICTED = frozenset({"arms", "arms_parts", "ammo", "explosives", "mil_vehicles", "aircraft", "drones"})
CATEGORY_SIZE = {
    "energy": 1.5, "chips": 1.0, "precious": 0.8, "vehicles": 0.8, "arms": -2.0, "ammo": -1.5,
    "arms_parts": -2.0, "explosives": -2.0, "mil_vehicles": -2.0, "ships": -1.5, "drones": -1.0,
}
TREND = {
    2016: 0.0, 2017: 0.08, 2018: 0.17, 2019: 0.14, 2020: 0.06, 2021: 0.27, 2022: 0.37, 2023: 0.31,
    2024: 0.33,
}
# HS2022 successors of retired HS2017 codes (WCO correlation, the 1:1 and n:1 rows): a flow in the
# old code goes on under the new one(s), as in real files. A split code's trade divides among its
# successors.
SUCCESSORS = {
    "880310": ("880710",), "880320": ("880720",), "880330": ("880730",), "880390": ("880790",),
    "360300": ("360310", "360320", "360330", "360340", "360350", "360360"),
}
DRONE_HOMES = ("880220", "880211", "852580", "880212", "880230", "880240")  # where drones were declared
RHO, SIGMA = 0.75, 0.55  # AR(1) persistence and typical stationary s.d. of a flow's log value
DENSITY = 0.035  # share of (exporter, importer, HS6) cells trading in a year at scale 1
MEDIAN_FLOW_USD = 1.5e6
SHIP_COLUMNS = (
    "year", "exp", "imp", "prod", "fob", "kg", "cif", "decl_x", "decl_m", "m_partner", "rx", "tag",
)


@dataclass
class World:
    countries: pd.DataFrame
    products: pd.DataFrame
    years: list[int]
    dist: np.ndarray  # km between capitals
    margin: np.ndarray  # typical CIF/FOB margin of each route: 2% near, 12% far

    def c(self, iso3: str) -> int:
        return int(self._cidx[iso3])

    def p(self, hs: str) -> int:
        return int(self._pidx[hs])

    def has(self, iso3: str) -> bool:
        return iso3 in self._cidx

    def has_hs(self, hs: str) -> bool:
        return hs in self._pidx

    def __post_init__(self) -> None:
        self._cidx = {c: i for i, c in enumerate(self.countries.iso3)}
        self._pidx = {h: i for i, h in enumerate(self.products.hs)}

    def lineage(self, codes: list[str] | tuple[str, ...]) -> list[str]:
        """The codes plus those they continue across an HS revision (880790 → also 880390)."""
        old = [o for o, news in SUCCESSORS.items() if self.has_hs(o) and any(n in codes for n in news)]
        return list(codes) + [o for o in old if o not in codes]

    def continuation(self) -> dict[int, tuple[int, ...]]:
        """Retired product → its successors in this world, when the revision falls inside it."""
        ps = self.products
        out = {}
        for old, news in SUCCESSORS.items():
            succ = tuple(self.p(n) for n in news if self.has_hs(n))
            if self.has_hs(old) and succ:
                last = int(ps["last"].iloc[self.p(old)])
                if all(int(ps["first"].iloc[n]) == last + 1 for n in succ):
                    out[self.p(old)] = succ
        return out

    def carried(self) -> dict[int, int]:
        """Product created by HS2022 n:n (8806) → the HS2017 code its trade was declared under
        before (``revisions.history_bound``; the first of ``DRONE_HOMES`` present in this world).

        Drones were traded before 2022, declared with light aircraft (8802.11/.20) or cameras
        (8525.80); HS2022 moved that trade to 8806. So a drone flow goes on across the revision:
        before 2022 it sits inside its correlate's flow, from 2022 in its own code."""
        ps, out = self.products, {}
        if not self.years:
            return out
        for i, hs in enumerate(ps.hs):
            bound = history_bound(str(hs))
            if not bound or int(ps["first"].iloc[i]) <= self.years[0]:
                continue
            home = next((h for h in DRONE_HOMES if h in bound and self.has_hs(h)), None)
            if home is not None and int(ps["first"].iloc[self.p(home)]) <= self.years[0]:
                out[i] = self.p(home)
        return out

    def valid(self, prod: int | np.ndarray, year: int) -> np.ndarray:
        """Whether HS codes exist in a year (HS2022 created 8806/8807 and retired 8803)."""
        first, last = self.products["first"].to_numpy(), self.products["last"].to_numpy()
        return (first[prod] <= year) & (year <= last[prod])


def make_world(n_countries: int, n_products: int, years: tuple[int, int], hs_revision: bool = True) -> World:
    """Countries, products and routes. ``hs_revision=False`` lets every code exist in every year
    (no HS2022 break: 8806/8807 before 2022, 8803 after), for diagnosing a detector."""
    cs, ps = catalogue.countries(n_countries), catalogue.products(n_products)
    if not hs_revision:
        ps = ps.assign(first=0, last=9999)
    lat, lon = np.radians(cs.lat.to_numpy()), np.radians(cs.lon.to_numpy())
    cosd = np.sin(lat[:, None]) * np.sin(lat[None, :]) + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.cos(
        lon[:, None] - lon[None, :]
    )
    dist = np.maximum(6371.0 * np.arccos(np.clip(cosd, -1, 1)), 150.0)
    frac = np.clip((np.log(dist) - np.log(300)) / (np.log(15000) - np.log(300)), 0, 1)
    return World(cs, ps, list(range(years[0], years[1] + 1)), dist, 0.02 + 0.10 * frac)


def shipments(**cols: object) -> pd.DataFrame:
    """A shipments table from column arrays; unspecified flags take their defaults."""
    n = len(np.atleast_1d(np.asarray(cols["fob"])))
    defaults = {"cif": 1.0, "decl_x": True, "decl_m": True, "rx": False, "tag": 0}
    data = {
        k: np.broadcast_to(np.asarray(cols.get(k, defaults.get(k))), (n,)).copy()
        for k in SHIP_COLUMNS
        if k != "m_partner"
    }
    data["m_partner"] = np.broadcast_to(np.asarray(cols.get("m_partner", data["exp"])), (n,)).copy()
    return pd.DataFrame(data, columns=list(SHIP_COLUMNS))


def route_cif(
    world: World, exp: np.ndarray, imp: np.ndarray, prod: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """CIF/FOB factor: the route's margin, a bit higher for bulky goods, with shipment-level spread."""
    bulky = np.where(world.products.uv.to_numpy()[prod] < 2.0, 1.3, 1.0)
    m = world.margin[exp, imp] * bulky * np.exp(rng.normal(0, 0.2, len(exp)))
    return 1.0 + np.clip(m, 0.015, 0.16)


def unit_kg(world: World, prod: np.ndarray, fob: np.ndarray, price: np.ndarray) -> np.ndarray:
    return fob / (world.products.uv.to_numpy()[prod] * price)


def gravity(
    world: World, rng: np.random.Generator, prods: np.ndarray, orient: np.ndarray, pair: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Flattened (exporter, importer, product, score) over every exporter ≠ importer for ``prods``.

    Score = 0.9 log GDP_i + 0.75 log GDP_j − 1.1 log distance + pair effect + the exporter's
    capability in the product (producers of restricted goods far ahead of everyone else) + the
    importer's taste + the product's size.
    """
    cs, ps = world.countries, world.products.iloc[prods]
    n, m = len(cs), len(prods)
    iso = list(cs.iso3)
    cap = orient[:, None] + rng.normal(0, 1.0, (n, m))
    for name in sorted(set(ps.category)):
        producers = set(PRODUCERS.get(name, "").split())
        if producers:
            bonus = np.array([2.0 if c in producers else (-3.5 if name in RESTRICTED else 0.0) for c in iso])
            cap[:, (ps.category == name).to_numpy()] += bonus[:, None]
    taste = rng.normal(0, 0.7, (n, m))
    size = rng.normal(0, 0.8, m) + np.array([CATEGORY_SIZE.get(c, 0.0) for c in ps.category])
    lg = np.log(cs.gdp_bn.to_numpy())
    score = (
        0.9 * lg[:, None, None]
        + 0.75 * lg[None, :, None]
        - 1.1 * np.log(world.dist)[:, :, None]
        + pair[:, :, None]
        + cap[:, None, :]
        + taste[None, :, :]
        + size[None, None, :]
    )
    ii, jj, kk = np.nonzero(np.broadcast_to(~np.eye(n, dtype=bool)[:, :, None], score.shape))
    return ii, jj, prods[kk], score[ii, jj, kk]


def baseline(world: World, rng: np.random.Generator, scale: float = 1.0) -> pd.DataFrame:
    cs, ps = world.countries, world.products
    n, m = len(cs), len(ps)
    cats = sorted(set(ps.category))
    cat = np.array([cats.index(c) for c in ps.category])
    orient, pair = rng.normal(0, 0.3, n), rng.normal(0, 0.8, (n, n))
    ii, jj, pp, score = gravity(world, rng, np.arange(m), orient, pair)
    fixed = rng.normal(0, 1.0, len(score))  # entry cost: which cells trade at all
    spread = rng.normal(0, 0.8, len(score))  # value dispersion among cells that trade
    price = np.exp(rng.normal(0, 0.3, (n, m)))
    sanc = _sanctions(world, cats)
    shock_x, shock_m = np.zeros(n), np.zeros(n)
    # Big flows are steadier than small ones: volatility falls with the score (1.4x to 0.35x).
    typical = np.quantile(score, 1 - DENSITY)
    vol = SIGMA * np.clip(1.0 - 0.15 * (score - typical), 0.35, 1.4)
    e = rng.normal(0, 1.0, len(score)) * vol
    target = DENSITY * scale * len(score)
    tau = kappa = None
    # HS revision: a flow in a retired code goes on under its successors (the cell lives on);
    # the successors have no cells of their own, or the same trade would be drawn twice.
    cont = world.continuation()
    first = world.products["first"].to_numpy()
    goes_on, succeeded = np.zeros(m, dtype=bool), np.zeros(m, dtype=bool)
    for old, news in cont.items():
        goes_on[old] = True
        succeeded[list(news)] = True
    # Drone trade before HS2022, declared under a correlate (``World.carried``). Its noise comes
    # from a stream of its own, so the rest of the world is drawn exactly as without it.
    carry = world.carried()
    carried = np.zeros(m, dtype=bool)
    carried[list(carry)] = True
    carry_rng = np.random.default_rng(len(score) * 7919 + m)

    def draw(
        cells: np.ndarray, latent: np.ndarray, year: int, r: np.random.Generator, home: np.ndarray | None = None
    ) -> pd.DataFrame:
        """Shipments of the trading ``cells`` in ``year``, noise from ``r``; declared under
        ``home`` (a carried drone cell's correlate) instead of the cell's own product if given."""
        nonlocal kappa
        lv = latent[cells] + spread[cells] + r.normal(0, 0.15, len(cells))
        if kappa is None:
            kappa = np.log(MEDIAN_FLOW_USD) - np.median(lv)
        fob = np.maximum(np.round(np.exp(lv + kappa + TREND.get(year, 0.03 * (year - 2016)))), 1.0)
        i, j, p = ii[cells], jj[cells], pp[cells]
        kg = unit_kg(world, p, fob, price[i, p] * np.exp(r.normal(0, 0.1, len(cells))))
        declared = p.astype(np.int16) if home is None else home
        return shipments(
            year=np.full(len(cells), year, np.int16),
            exp=i.astype(np.int16),
            imp=j.astype(np.int16),
            prod=declared,
            fob=fob,
            kg=kg,
            cif=route_cif(world, i, j, declared, r),
        )

    out = []
    for t, year in enumerate(world.years):
        if t:
            e = RHO * e + np.sqrt(1 - RHO**2) * rng.normal(0, 1.0, len(score)) * vol
            shock_x += rng.normal(0, 0.04, n)
            shock_m += rng.normal(0, 0.04, n)
        latent = score + e + shock_x[ii] + shock_m[jj] + sanc(year)[ii, jj, cat[pp]]
        if tau is None:
            tau = np.partition(latent + fixed, -int(target))[-int(target)] if target < len(score) else -np.inf
        exists = (world.valid(pp, year) | goes_on[pp]) & ~succeeded[pp]
        live = np.flatnonzero((latent + fixed > tau) & exists)
        out.append(draw(live, latent, year, rng))
        early = np.flatnonzero((latent + fixed > tau) & carried[pp] & ~world.valid(pp, year))
        if len(early):
            home = np.array([carry[int(x)] for x in pp[early]], dtype=np.int16)
            out.append(draw(early, latent, year, carry_rng, home))
    return _relabel(world, pd.concat(out, ignore_index=True), cont, first)


def _relabel(world: World, ship: pd.DataFrame, cont: dict[int, tuple[int, ...]], first: np.ndarray) -> pd.DataFrame:
    """Rows of retired codes from their successors' first year on, declared under the successors
    (a split code's value divided among them in fixed shares)."""
    if not cont:
        return ship
    start = np.full(len(world.products), np.iinfo(np.int32).max)
    for old, news in cont.items():
        start[old] = first[news[0]]
    parts = [ship[ship.year.to_numpy() < start[ship["prod"].to_numpy()]]]
    for old, news in cont.items():
        late = ship[(ship["prod"] == old) & (ship.year >= first[news[0]])]
        shares = np.linspace(2.0, 1.0, len(news))
        shares = shares / shares.sum()
        for n, w in zip(news, shares, strict=True):
            part = late.assign(prod=np.int16(n), fob=np.maximum(np.round(late.fob * w), 1.0), kg=late.kg * w)
            parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _sanctions(world: World, cats: list[str]):  # type: ignore[no-untyped-def]
    """year → (exporter, importer, category) log multiplier of the sanctions regimes."""
    iso = list(world.countries.iso3)
    coal = np.array([c in COALITION for c in iso])
    target = np.array([c in SANCTIONED for c in iso])
    iran = np.array([c == "IRN" for c in iso])
    sens = np.array([c in SANCTIONED_CATEGORIES for c in cats])
    energy = np.array([c == "energy" for c in cats])
    ukr = np.array([c == "UKR" for c in iso])

    def at(year: int) -> np.ndarray:
        out = np.zeros((len(iso), len(iso), len(cats)))
        out[np.ix_(coal, iran)] += np.where(sens, np.log(0.01), np.log(0.1))
        if year >= SANCTIONS_YEAR:
            out[np.ix_(coal, target)] += np.where(sens, np.log(0.03), np.log(0.5))
            out[np.ix_(target, coal)] += np.where(energy & (year > SANCTIONS_YEAR), np.log(0.15), np.log(0.4))
            out[ukr, :, :] += np.log(0.6)  # war: Ukraine's exports fall
        return out

    return at
