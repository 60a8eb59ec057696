"""The detector contract.

A detector finds one kind of diversion (``kind``, one of ``detour.model.alert.KINDS``) in a
``Panel`` of watched flows, in two stages:

1. ``candidates(panel, scope)`` is an Ibis expression over ``panel.pairs``: the scans, joins
   and group-bys over millions of rows happen in the engine, and the result is a small table
   of candidate keys (a few thousand rows at Comtrade scale). It applies the scope filters
   (origins, hubs, destinations) as early as it can.
2. ``score(panel, candidates)`` fetches the yearly series of those candidates only
   (``Panel.series``), judges each against its own history and its innocent look-alikes with
   the robust statistics of ``detour.detectors.scoring``, and returns ``Alert`` values whose
   evidence z is at least ``panel.params.min_z`` (and score at least ``min_score``).

Detectors are stateless; ``run`` is the only entry point callers need. The same code runs
on every engine: nothing here imports duckdb or pyspark.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import ibis
import pandas as pd

from detour.model.alert import Alert

if TYPE_CHECKING:
    from detour.detectors.panel import Panel
    from detour.detectors.watchlist import Watchlist


@dataclass(frozen=True)
class Scope:
    """Who an analyst asked about; ``None`` means everyone."""

    origins: frozenset[str] | None = None
    hubs: frozenset[str] | None = None
    destinations: frozenset[str] | None = None

    def admits(self, alert: Alert) -> bool:
        # Phantom and undeclared exports have no hub: their declared partner plays that role.
        hub = alert.hub if alert.hub is not None else alert.destination
        return (
            (self.origins is None or alert.origin in self.origins)
            and (self.hubs is None or hub in self.hubs)
            and (self.destinations is None or alert.destination in self.destinations)
        )


class Detector(ABC):
    name: ClassVar[str]
    kind: ClassVar[str]

    def codes(self, watchlist: Watchlist) -> tuple[str, ...]:
        """HS prefixes the panel must hold for this detector (by default: the watch-list)."""
        return watchlist.codes

    @abstractmethod
    def candidates(self, panel: Panel, scope: Scope) -> ibis.Table:
        """Ibis: the small table of candidate keys, computed in the engine."""

    @abstractmethod
    def score(self, panel: Panel, candidates: pd.DataFrame) -> list[Alert]:
        """Pandas: robust scoring of the candidates' own series; alerts with z >= ``min_z``."""

    def run(self, panel: Panel, scope: Scope | None = None) -> list[Alert]:
        scope = scope or Scope()
        cand = panel.engine.execute(self.candidates(panel, scope))
        if cand.empty:
            return []
        return [a for a in self.score(panel, cand) if scope.admits(a) and a.score >= panel.params.min_score]
