"""Assemble report sections from the service layer's results."""

from __future__ import annotations

import pandas as pd

from detour.report.charts import mirror_gap_chart, reliability_chart, top_corridors
from detour.report.html import Section, table_html


def mirror_sections(mirror: pd.DataFrame, reliability: pd.DataFrame, corridors: int = 6) -> list[Section]:
    top = top_corridors(mirror, corridors)
    flagged = mirror[mirror["flags"].map(len) > 0]
    summary = pd.DataFrame([{
        "mirror rows": len(mirror),
        "both sides declared": int((mirror.export_value.notna() & mirror.import_value.notna()).sum()),
        "exporter only": int((mirror.export_value.notna() & mirror.import_value.isna()).sum()),
        "importer only": int((mirror.export_value.isna() & mirror.import_value.notna()).sum()),
        "rows flagged (a side did not report)": len(flagged),
        "median CIF/FOB margin": float(mirror.cif_fob_margin.median()) if len(mirror) else float("nan"),
    }])
    worst = mirror.dropna(subset=["log_ratio"]).assign(abs_lr=lambda d: d.log_ratio.abs())
    worst = worst.sort_values("abs_lr", ascending=False).head(20)[
        ["year", "exporter", "importer", "hs", "export_value", "import_value", "cif_fob_margin", "gap", "log_ratio"]]
    return [
        Section("mirror", "Mirror view: exporter's declaration beside importer's",
                table_html(summary) + mirror_gap_chart(mirror, top),
                "Bars: what each side declared (USD as declared). Line: the gap after bringing the importer's "
                "CIF value back to FOB with the estimated margin, as a share of the larger side."),
        Section("mirror-largest", "Largest adjusted discrepancies (both sides declared)", table_html(worst)),
        Section("reliability", "Reporter reliability",
                reliability_chart(reliability) + table_html(
                    reliability.sort_values("reliability").head(20)),
                "reliability = exp(−error); error is each country's share of the absolute CIF/FOB-adjusted log "
                "discrepancy in a two-way model over all its matched flows (BACI-style). Coverage is the share of "
                "the value its partners declared with it that it declared too."),
    ]
