"""``simulate``: build a world, plant scenarios and decoys, declare, and write Comtrade+ files.

Every stage draws from its own child of ``SeedSequence(seed)``, so a seed always gives the same
bytes, and changing how many scenarios are planted does not reshuffle the baseline.

>>> import tempfile
>>> r = simulate(Path(tempfile.mkdtemp()), 3, countries=16, products=30, years=(2019, 2023))
>>> r.truth_path.name, len(r.paths) >= 5, r.scenarios > 0
('truth.json', True, True)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from detour.simulate import decoys, quirks, scenarios
from detour.simulate.declare import declare
from detour.simulate.planting import Planter
from detour.simulate.truth import Truth
from detour.simulate.world import World, baseline, make_world
from detour.simulate.writer import write_year

FLOWS = {"X": "export", "M": "import", "RX": "re-export"}
STAGES = ("world", "baseline", "quirks", "scenarios", "decoys", "re_exports", "declare", "write")


@dataclass
class Panel:
    """Everything a simulation decided, before it is written."""

    world: World
    truth: Truth
    plan: quirks.QuirkPlan
    leaf: pd.DataFrame  # the published leaf declarations (what the store should end up holding)
    hidden: pd.DataFrame  # declarations hidden by chapter suppression (only in aggregate rows)

    def expected(self) -> pd.DataFrame:
        """The leaf declarations in the store's canonical terms (ISO3, flow names, USD, kg)."""
        iso = self.world.countries.iso3.to_numpy()
        d = self.leaf
        return pd.DataFrame(
            {
                "year": d.year.to_numpy(),
                "reporter": iso[d.reporter],
                "partner": iso[d.partner],
                "flow": d.flow.map(FLOWS).to_numpy(),
                "hs": d.hs.to_numpy(),
                "value_usd": d.value.to_numpy(),
                "net_kg": d.kg.to_numpy(),
                "qty": d.qty.to_numpy(),
                "qty_unit": d.unit.replace("N/A", None).to_numpy(),
            }
        )


@dataclass
class SimulationResult:
    out_dir: Path
    seed: int
    paths: list[Path]
    truth_path: Path
    rows_written: int
    declarations: int
    scenarios: int
    decoys: int
    seconds: float
    files: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "out_dir": str(self.out_dir),
            "seed": self.seed,
            "paths": [str(p) for p in self.paths],
            "truth": str(self.truth_path),
            "rows_written": self.rows_written, "declarations": self.declarations,
            "scenarios": self.scenarios, "decoys": self.decoys,
            "seconds": round(self.seconds, 2),
            "files": self.files,
        }


def build_panel(
    seed: int,
    *,
    countries: int = 70,
    products: int = 300,
    years: tuple[int, int] = (2016, 2024),
    scale: float = 1.0,
    n_scenarios: int | None = None,
    progress: Callable[[str], None] | None = None,
    hs_revision: bool = True,
) -> Panel:
    if years[1] - years[0] < 3:
        raise ValueError("simulate at least four years, so planted changes have a before")
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(STAGES))]
    rng = dict(zip(STAGES, streams, strict=True))
    step = progress or (lambda _: None)
    step("world")
    world = make_world(countries, products, years, hs_revision)
    step("baseline")
    ship = baseline(world, rng["baseline"], scale)
    plan = quirks.plan_quirks(world, rng["quirks"])
    step("scenarios")
    p = Planter(world, ship, plan, rng["scenarios"])
    planted = scenarios.plant(p, n_scenarios if n_scenarios is not None else 12)
    p.rng = rng["decoys"]
    innocent = decoys.plant(p)
    ship, rx = quirks.re_exports(world, p.result(), rng["re_exports"])
    step("declare")
    leaf, hidden = quirks.apply(world, declare(world, ship, rng["declare"]), plan)
    truth = Truth(
        seed,
        planted,
        innocent,
        sorted(plan.non_reporters),
        sorted((c, quirks.HIDDEN_CHAPTER) for c in plan.suppressors),
    )
    truth.extra = {
        "params": {
            "countries": countries,
            "products": products,
            "years": list(years),
            "scale": scale,
            "n_scenarios": len(planted),
            "hs_revision": hs_revision,
        },
        "countries": list(world.countries.iso3),
        "re_exports": rx,
    }
    return Panel(world, truth, plan, leaf, hidden)


def simulate(
    out_dir: Path,
    seed: int,
    *,
    countries: int = 70,
    products: int = 300,
    years: tuple[int, int] = (2016, 2024),
    scale: float = 1.0,
    n_scenarios: int | None = None,
    progress: Callable[[str], None] | None = None,
    hs_revision: bool = True,
) -> SimulationResult:
    """Write a simulated Comtrade+ panel and its ``truth.json`` into ``out_dir``."""
    began = time.perf_counter()
    panel = build_panel(
        seed,
        countries=countries,
        products=products,
        years=years,
        scale=scale,
        n_scenarios=n_scenarios,
        progress=progress,
        hs_revision=hs_revision,
    )
    out_dir = Path(out_dir)
    files_dir = out_dir / "comtrade"
    files_dir.mkdir(parents=True, exist_ok=True)
    write_rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(len(STAGES))[-1])
    written: list[tuple[Path, int]] = []
    for year in panel.world.years:
        if progress:
            progress(f"write {year}")
        written.extend(
            write_year(panel.world, panel.plan, panel.leaf, panel.hidden, year, files_dir, write_rng)
        )
    truth_path = panel.truth.write(out_dir / "truth.json")
    return SimulationResult(
        out_dir,
        seed,
        [p for p, _ in written],
        truth_path,
        sum(n for _, n in written),
        len(panel.leaf),
        len(panel.truth.scenarios),
        len(panel.truth.decoys),
        time.perf_counter() - began,
        {p.name: n for p, n in written},
    )
