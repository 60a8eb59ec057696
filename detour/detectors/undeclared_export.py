"""Undeclared exports: H records imports from O, and O declares nothing to H in those goods.

DOMAIN.md pattern 4, typical of covert arms supply. The mirror image of phantom exports
(``detour.detectors.gaps``): the importer is the declaring side. Two observed years are needed,
as for phantoms: one-year holes in an exporter's records are common (timing, late revisions,
misattributed partners), so a single covert delivery is not flagged. The origin must have
reported exports in the same chapter that year, so a country that hides chapter 93 everywhere
(a common national rule) or did not report at all raises nothing. ``destination`` is the
declared partner H, the importer; ``hub`` is null.
"""

from __future__ import annotations

from detour.detectors.pair_reasons import usd
from detour.detectors.phantom_export import PhantomExportDetector
from detour.model.codes import country_name


class UndeclaredExportDetector(PhantomExportDetector):
    name = "undeclared_export"
    kind = "undeclared_export"
    declaring = "importer"
    min_years = 2

    def explain(
        self, o: str, h: str, codes: list[str], start: int, end: int, value: float, note: str = ""
    ) -> str:
        return (
            f"{country_name(h)} recorded {usd(value)} of imports of HS {', '.join(codes)} from "
            f"{country_name(o)} in {start}–{end} that {country_name(o)}, while reporting exports in "
            f"the same chapters, never declared{note}."
        )
