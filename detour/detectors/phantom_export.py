"""Phantom exports: the origin declares exports to H that H never records as imports.

DOMAIN.md pattern 3 (the EBRD "Eurasian Roundabout": about half the additional EU and UK
exports to Armenia, Kazakhstan and Kyrgyzstan in 2022–23 never arrived there): the goods went
elsewhere. Statistics in ``detour.detectors.gaps``. The gap must be *persistent* (two observed
years or more) and *new* (a drop of the mirror ratio against the flow's own history). Look-alikes:
an ordinary CIF/FOB margin (modelled per pair and chapter), a hub that hides the whole chapter or
did not report that year (those years are unknown, not gaps), and a pair whose mirror always
disagreed (no break).

``destination`` is the declared partner H; ``hub`` is null (where the goods went is unknown).
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from detour.detectors.base import Detector, Scope
from detour.detectors.gaps import (
    gap_candidates,
    heading_candidates,
    heading_members,
    heading_panel,
    is_heading,
    one_reading,
    score_gaps,
)
from detour.detectors.pair_reasons import usd
from detour.detectors.panel import Panel
from detour.detectors.routes import Stage, run_stages
from detour.detectors.scoring import MIN_PART, combined, to_score
from detour.model.alert import Alert
from detour.model.codes import country_name

MIN_YEARS = 2


def pair_episodes(flows: pd.DataFrame) -> pd.Series:
    """Per code row, the number of its scheme within its declared pair: codes whose gaps ran in
    overlapping or adjacent years are one scheme; a gap in other goods years after the last one
    ended is another (two findings, each with its own years, not one that spans both and the
    quiet years between). Each row's years are its ``start``–``end``.

    >>> f = pd.DataFrame({"exporter": ["ISR"] * 3 + ["DEU"], "importer": ["SAU"] * 3 + ["TUR"],
    ...                   "start": [2018, 2021, 2019, 2022], "end": [2019, 2022, 2019, 2023]})
    >>> pair_episodes(f).tolist()
    [0, 1, 0, 0]
    """
    out = pd.Series(0, index=flows.index, dtype=int)
    for _, g in flows.groupby(["exporter", "importer"], sort=False):
        episode, reach = -1, None
        for i, start, end in sorted(zip(g.index, g.start, g.end, strict=True), key=lambda r: (r[1], r[2])):
            if reach is None or int(start) > reach + 1:
                episode += 1
                reach = int(end)
            else:
                reach = max(reach, int(end))
            out.at[i] = episode
    return out


class PhantomExportDetector(Detector):
    name = "phantom_export"
    kind = "phantom_export"
    declaring = "exporter"
    min_years = MIN_YEARS

    def candidates(self, panel: Panel, scope: Scope) -> ibis.Table:
        """Candidate codes, and candidate headings read as a whole (``gaps.heading_panel``)."""
        codes = gap_candidates(panel, scope, self.declaring, self.min_years)
        return codes.union(heading_candidates(panel, scope, self.declaring, self.min_years))

    def explain(
        self, o: str, h: str, codes: list[str], start: int, end: int, value: float, note: str = ""
    ) -> str:
        return (
            f"{country_name(o)} declared {usd(value)} of exports of HS {', '.join(codes)} to "
            f"{country_name(h)} in {start}–{end} that {country_name(h)}, while reporting imports in "
            f"the same chapters, never recorded beyond the usual CIF/FOB margin{note}."
        )

    def assess(self, panel: Panel, candidates: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Every candidate code's (and heading's) evidence ``z`` and what it is made of
        (``gaps.score_gaps``; -inf where no episode qualified), before the codes are combined; plus
        the fetched rows. A heading row's ``members`` are the codes it names (``heading_members``);
        its rows are theirs."""
        heads = candidates.hs.map(is_heading).to_numpy(dtype=bool) if len(candidates) else np.zeros(0, bool)
        flows, rows = score_gaps(panel, candidates[~heads], self.declaring, self.min_years)
        flows["members"] = pd.Series([(h,) for h in flows.hs], index=flows.index, dtype=object)
        if heads.any():
            hf, _ = score_gaps(heading_panel(panel), candidates[heads], self.declaring, self.min_years)
            hf["members"], mrows = heading_members(panel, hf, self.declaring)
            flows = pd.concat([flows, hf], ignore_index=True) if len(flows) else hf
            rows = pd.concat([rows, mrows], ignore_index=True).drop_duplicates(
                ["year", "exporter", "importer", "hs"]
            )
        return flows, rows

    def stages(self, panel: Panel) -> list[Stage]:
        """The codes that scored, each strong enough to count (``MIN_PART``), each heading read as
        a whole only where none of its codes counts on its own (``gaps.one_reading``), combined
        into one evidence per declared pair, then the threshold."""
        return [
            ("scoring", lambda f: f[np.isfinite(f.z)]),
            ("code too weak", lambda f: f[f.z >= MIN_PART]),
            ("codes or heading", one_reading),
            ("codes combined", self._combine),
            ("threshold", lambda f: f[f.z >= panel.params.keep_z]),
        ]

    def _combine(self, flows: pd.DataFrame) -> pd.DataFrame:
        # One alert per declared pair and episode: its codes' evidence combined.
        flows = flows.copy()
        flows["episode"] = pair_episodes(flows)
        flows["z"] = combined(flows, ["exporter", "importer", "episode"], "hs", "z")
        flows["score"] = [to_score(z, self.kind) for z in flows.z]
        return flows

    def score(self, panel: Panel, candidates: pd.DataFrame) -> list[Alert]:
        flows, rows = self.assess(panel, candidates)
        return self.alerts(panel, run_stages(flows, self.stages(panel)), rows)

    def alerts(self, panel: Panel, flows: pd.DataFrame, rows: pd.DataFrame) -> list[Alert]:
        """One alert per declared pair and episode (``pair_episodes``) of the codes that passed
        every stage."""
        alerts = []
        for (o, h, _), g in flows.groupby(["exporter", "importer", "episode"], sort=True):
            start, end = int(g.start.min()), int(g.end.max())
            codes = sorted({c for m in g.members for c in m})
            value = round(float(g.value_usd.sum()), 2)
            heads = [str(x)[:4] for x in g.hs if is_heading(x)]
            note = (
                f" (no code alone showed it; heading{'s' if len(heads) > 1 else ''} "
                f"{', '.join(heads)} summed did)"
                if heads
                else ""
            )
            ev = rows[
                (rows.exporter == o)
                & (rows.importer == h)
                & rows.hs.isin(codes)
                & rows.year.between(start - 1, end)
            ]
            alerts.append(
                Alert(
                    self.kind,
                    o,
                    None,
                    h,
                    tuple(codes),
                    start,
                    end,
                    float(g.score.max()),
                    value,
                    self.explain(o, h, codes, start, end, value, note),
                    tuple(panel.evidence(ev)),
                )
            )
        return alerts
