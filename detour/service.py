"""Use cases shared by the CLI and any other shell. Each takes explicit inputs, returns values.

The CLI modules parse options, call one function here, and render the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from detour import settings
from detour.engine import Engine, get_engine
from detour.store.catalog import Store


@dataclass
class Context:
    """What every use case needs: where the store is and which engine runs the analyses."""

    store: Store
    engine_name: str = "duckdb"
    user: str | None = None
    _engine: Engine | None = field(default=None, repr=False)

    @classmethod
    def create(cls, store: Path | str | None = None, engine: str | None = None, user: str | None = None) -> Context:
        return cls(Store(store or settings.store_dir()), engine or settings.engine_name(), user)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = get_engine(self.engine_name)
        return self._engine


def ingest(ctx: Context, paths: list[Path], fmt: str, mapping: Path | None = None, skip_invalid: bool = False,
           replace: bool = False, progress: bool = True) -> list[dict[str, Any]]:
    from detour.ingest import ingest_paths

    return [r.to_dict() for r in ingest_paths(ctx.store, paths, fmt, mapping=mapping, skip_invalid=skip_invalid,
                                              replace=replace, progress=progress)]


def mirror(ctx: Context, year: int | None = None, exporter: str | None = None, importer: str | None = None,
           hs: str | None = None) -> pd.DataFrame:
    from detour.analysis.mirror import MirrorQuery
    from detour.analysis.mirror import mirror as run

    return run(ctx.engine, ctx.store, MirrorQuery(year=year, exporter=exporter, importer=importer, hs=hs))


def write_mirror(ctx: Context, out: Path, year: int | None = None, exporter: str | None = None,
                 importer: str | None = None, hs: str | None = None, progress: bool = True) -> dict[str, Any]:
    """The mirror view written as Parquet, one file per year, a year at a time (any store size)."""
    from detour.analysis.mirror import MirrorQuery
    from detour.analysis.mirror import write_mirror as run
    from detour.ingest import progress_bar

    with progress_bar(progress) as bar:
        return run(ctx.engine, ctx.store, out, MirrorQuery(year=year, exporter=exporter, importer=importer, hs=hs),
                   progress=bar)


def reliability(ctx: Context, year: int | None = None) -> pd.DataFrame:
    from detour.analysis.reliability import reliability as run

    return run(ctx.engine, ctx.store, year)


def store_info(ctx: Context) -> dict[str, Any]:
    return ctx.store.summary()


def detect(ctx: Context, watchlists: list[str] | None = None, **filters: Any) -> list[Any]:
    from detour.detectors import run_detectors
    from detour.detectors.watchlist import load_watchlists

    watchlist = load_watchlists(watchlists) if watchlists else None
    return run_detectors(ctx.engine, ctx.store, watchlist=watchlist, **filters)


def report(ctx: Context, out: Path, *, with_alerts: bool = True, articles: list[Path] | None = None,
           published: str | None = None, claim_results: list[dict[str, Any]] | None = None,
           title: str = "Detour report", marking: str | None = None) -> Path:
    """HTML report: mirror and reliability charts, alerts, and checked claims."""
    from detour import claims_service
    from detour.report.build import mirror_sections
    from detour.report.claims import claim_sections
    from detour.report.html import Section, write_report

    sections = mirror_sections(mirror(ctx), reliability(ctx))
    if with_alerts:
        from detour.report.alerts import render_alert_sections

        alerts = detect(ctx)
        sections.append(Section("alerts", f"Diversion alerts ({len(alerts)})",
                                render_alert_sections(alerts, ctx.engine, ctx.store)))
    results = list(claim_results or [])
    for article in articles or []:
        results += claims_service.check_article(ctx, str(article), published, marking=marking)["results"]
    sections.extend(claim_sections(results))
    return write_report(out, title, sections, store=str(ctx.store.root), engine=ctx.engine_name)


def demo(out: Path, seed: int = 2025, engine: str | None = None) -> dict[str, Any]:
    """Simulate a small Comtrade+ world with every quirk, ingest it into a fresh store, report."""
    import shutil
    import time

    from detour.simulate import simulate

    start = time.perf_counter()
    out = Path(out)
    sample, store_path = out / "sample", out / "store"
    shutil.rmtree(sample, ignore_errors=True)
    shutil.rmtree(store_path, ignore_errors=True)
    sim = simulate(sample, seed=seed, countries=40, products=120, years=(2016, 2024))
    ctx = Context.create(store_path, engine)
    reports = ingest(ctx, list(sim.paths), "comtrade")
    article = _sample_article()
    # The sample article is public news: its claims are marked TLP:CLEAR.
    path = report(ctx, out / "report.html", articles=[article] if article else [], title="Detour demo report",
                  marking="CLEAR")
    alerts = len(detect(ctx))
    return {"report": str(path.resolve()), "store": str(store_path.resolve()), "sample": str(sample.resolve()),
            "files": len(reports), "rows_written": sum(r["rows_written"] for r in reports),
            "dropped": _sum_dicts(r["dropped"] for r in reports), "alerts": alerts,
            "seconds": time.perf_counter() - start}


def _sum_dicts(dicts: Any) -> dict[str, int]:
    total: dict[str, int] = {}
    for d in dicts:
        for k, v in d.items():
            total[k] = total.get(k, 0) + v
    return total


def _sample_article() -> Path | None:
    from importlib import resources

    path = Path(str(resources.files("detour.data").joinpath("samples/article_serbia.txt")))
    return path if path.exists() else None


def roundabout(ctx: Context, hubs: list[str], destination: str, origins: str | list[str] = "coalition",
               watchlist: str | None = None, pre: list[int] | None = None, post: list[int] | None = None,
               break_year: int = 2022, pooled: list[str] | None = None) -> dict[str, Any]:
    """Rank hubs for rerouting origins' trade to a destination; pooled phantom share."""
    from detour.analysis.roundabout import TOTAL, combined_phantom_share, rank_hubs
    from detour.detectors.reference import group

    members = group(origins) if isinstance(origins, str) else origins
    ranks = rank_hubs(ctx.engine, ctx.store, [h.upper() for h in hubs], destination.upper(), list(members),
                      watchlist=watchlist or TOTAL, break_year=break_year, pre_years=pre, post_years=post)
    pooled = [p.upper() for p in (pooled or hubs)]
    return {"destination": destination.upper(), "origins": origins if isinstance(origins, str) else list(origins),
            "pre_years": pre, "post_years": post, "ranks": [r.to_dict() for r in ranks],
            "pooled_hubs": pooled, "pooled_phantom_share": combined_phantom_share(ranks, pooled)}
