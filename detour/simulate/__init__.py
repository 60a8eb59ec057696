"""Simulated Comtrade+ panels with planted diversion, innocent decoys and real reporting quirks.

``simulate(out_dir, seed)`` writes Comtrade+ files (``out_dir/comtrade/``) and the answer key
(``out_dir/truth.json``); ``build_panel`` returns the same panel in memory, including the leaf
declarations the store must hold after ingest. ``simulate_world_rows`` is the vectorised fast
path for real-scale volume benchmarks (about 19 M declaration rows a year). See docs/simulator.md.
"""

from __future__ import annotations

from detour.simulate.bulk import simulate_world_rows
from detour.simulate.panel import Panel, SimulationResult, build_panel, simulate
from detour.simulate.truth import DECOY_KINDS, KINDS, Decoy, Scenario, Truth

__all__ = [
    "DECOY_KINDS", "KINDS", "Decoy", "Panel", "Scenario", "SimulationResult", "Truth", "build_panel",
    "simulate", "simulate_world_rows",
]
