"""Splitting a Comtrade+ query into requests that each stay under the record cap and URL limit.

A :class:`Chunk` is one ``GET /data/v1/get/C/{freq}/HS`` call. Its ``key`` hashes the query
parameters (not the record cap), so a re-run plans the same keys and can skip finished ones.
When a response comes back full, :meth:`Chunk.split` halves it along the first dimension that
still has more than one value: HS codes, then partners, then flows, then months.

>>> c = Chunk(QueryOptions(), reporter=842, periods=("2022",), cmd_codes=("930100", "930200"),
...           partners=(688,), flows=("M", "X"))
>>> [s.cmd_codes for s in c.split()]
[('930100',), ('930200',)]
>>> c.params()["cmdCode"], c.params()["flowCode"], c.params()["partner2Code"]
('930100,930200', 'M,X', '0')
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from detour.errors import ConfigError, FetchError

DEFAULT_FLOWS = ("M", "X", "RM", "RX")
# The API gateway rejects URLs over 4 KB (4096 characters); keep a margin for proxies.
MAX_URL_LENGTH = 4000
# Rows one HS code is expected to yield per partner, flow and period; "plus" adds breakdowns by
# mode of transport, customs procedure and second partner next to their totals.
_BREAKDOWN_FACTOR = {"classic": 1, "plus": 8}
_ALL_PARTNERS_GUESS = 250


@dataclass(frozen=True)
class QueryOptions:
    """Settings shared by every chunk of one fetch."""

    freq: str = "A"
    breakdown: str = "classic"
    # None: totals only (partner2 World, customs C00, all modes) in classic mode, every
    # breakdown in plus mode.
    totals_only: bool | None = None

    def __post_init__(self) -> None:
        if self.freq not in ("A", "M"):
            raise ConfigError(f"unknown frequency {self.freq!r}", hint="use A (annual) or M (monthly)")
        if self.breakdown not in _BREAKDOWN_FACTOR:
            raise ConfigError(f"unknown breakdown mode {self.breakdown!r}", hint="use classic or plus")

    @property
    def only_totals(self) -> bool:
        return self.breakdown == "classic" if self.totals_only is None else self.totals_only


@dataclass(frozen=True)
class Chunk:
    options: QueryOptions
    reporter: int
    periods: tuple[str, ...]
    cmd_codes: tuple[str, ...]
    partners: tuple[int, ...] | None  # None: every partner, World included
    flows: tuple[str, ...]

    @property
    def path(self) -> str:
        return f"/data/v1/get/C/{self.options.freq}/HS"

    def params(self, max_records: int | None = None) -> dict[str, str]:
        """Query parameters in the API's spelling; ``maxRecords`` only when given."""
        p = {
            "reporterCode": str(self.reporter),
            "period": ",".join(self.periods),
            "cmdCode": ",".join(self.cmd_codes),
            "flowCode": ",".join(self.flows),
        }
        if self.partners is not None:
            p["partnerCode"] = ",".join(str(c) for c in self.partners)
        if self.options.only_totals:
            p.update(partner2Code="0", customsCode="C00", motCode="0")
        p.update(breakdownMode=self.options.breakdown, includeDesc="true")
        if max_records is not None:
            p["maxRecords"] = str(max_records)
        return p

    def url(self, base: str, max_records: int | None = None) -> str:
        # Commas stay literal: they are legal in a query and keep long code lists short.
        return f"{base.rstrip('/')}{self.path}?{urlencode(self.params(max_records), safe=',')}"

    @property
    def key(self) -> str:
        canonical = json.dumps({"path": self.path, **self.params()}, sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()[:24]

    @property
    def label(self) -> str:
        span = self.periods[0] if len(self.periods) == 1 else f"{self.periods[0]}-{self.periods[-1]}"
        partners = "all" if self.partners is None else len(self.partners)
        return f"reporter {self.reporter} {span}: {len(self.cmd_codes)} HS, partners {partners}"

    def split(self) -> tuple[Chunk, ...]:
        for name in ("cmd_codes", "partners", "flows", "periods"):
            values = getattr(self, name)
            if values is not None and len(values) > 1:
                half = (len(values) + 1) // 2
                return (replace(self, **{name: values[:half]}), replace(self, **{name: values[half:]}))
        raise FetchError(
            f"{self.label}: one HS code, partner, flow and period still fills the record cap",
            hint="name partners explicitly (--partner), use --breakdown classic, or use a premium key",
        )


def periods_for(year: int, freq: str) -> tuple[str, ...]:
    return (str(year),) if freq == "A" else tuple(f"{year}{m:02d}" for m in range(1, 13))


def _pack(items: Sequence[str], fits: Callable[[tuple[str, ...]], bool]) -> list[tuple[str, ...]]:
    """Greedy groups of consecutive items while ``fits(group)`` holds."""
    groups: list[tuple[str, ...]] = []
    current: list[str] = []
    for item in items:
        if current and not fits((*current, item)):
            groups.append(tuple(current))
            current = []
        if not fits((item,)):
            raise ConfigError(f"{item!r} alone makes a Comtrade request too long")
        current.append(item)
    if current:
        groups.append(tuple(current))
    return groups


def plan_chunks(
    options: QueryOptions,
    reporters: Sequence[int],
    partners: Sequence[int] | None,
    cmd_codes: Sequence[str],
    years: Sequence[int],
    flows: Sequence[str] = DEFAULT_FLOWS,
    *,
    base_url: str = "https://comtradeapi.un.org",
    max_records: int = 100_000,
    max_url_length: int = MAX_URL_LENGTH,
    hs_group_size: int | None = None,
) -> list[Chunk]:
    """Chunks by year, then reporter, then groups of partners and HS codes."""
    if not (reporters and cmd_codes and years and flows):
        raise ConfigError("a Comtrade fetch needs reporters, HS codes, years and flows")
    n_partners = len(partners) if partners else _ALL_PARTNERS_GUESS
    per_code = (
        n_partners * len(flows) * len(periods_for(0, options.freq)) * _BREAKDOWN_FACTOR[options.breakdown]
    )
    group_size = hs_group_size or max(1, max_records // per_code)

    def partner_fits(group: tuple[str, ...]) -> bool:
        return len(",".join(group)) <= max_url_length // 2

    partner_groups: list[tuple[int, ...] | None] = [None]
    if partners:
        partner_groups = [tuple(int(p) for p in g) for g in _pack([str(p) for p in partners], partner_fits)]
    chunks: list[Chunk] = []
    for year in years:
        for reporter in reporters:
            for pgroup in partner_groups:
                base = Chunk(options, reporter, periods_for(year, options.freq), (), pgroup, tuple(flows))

                def fits(group: tuple[str, ...], base: Chunk = base) -> bool:
                    too_long = len(replace(base, cmd_codes=group).url(base_url, max_records)) > max_url_length
                    return len(group) <= group_size and not too_long

                chunks.extend(replace(base, cmd_codes=g) for g in _pack(list(cmd_codes), fits))
    return chunks
