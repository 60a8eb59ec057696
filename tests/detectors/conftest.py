from __future__ import annotations

import functools

import pytest

from detour.detectors import run_detectors
from detour.engine import get_engine
from tests.detectors import scenarios

WORLDS = {
    "transshipment": scenarios.transshipment_world,
    "transformation": scenarios.transformation_world,
    "gaps": scenarios.gap_world,
    "unit_value": scenarios.unit_value_world,
    "mixed": scenarios.mixed_world,
}


@pytest.fixture(scope="session")
def world_store(tmp_path_factory):
    """``world_store(name)``: the ingested store of a fixture world, built once per session."""

    @functools.cache
    def build(name: str):
        return WORLDS[name]().ingest(tmp_path_factory.mktemp(name))

    return build


@pytest.fixture(scope="session")
def world_alerts(world_store):
    """``world_alerts(name)``: every alert of a fixture world on DuckDB, computed once."""

    @functools.cache
    def run(name: str):
        return run_detectors(get_engine("duckdb"), world_store(name))

    return run


def involves(alert, origin: str, partner: str, hs: str) -> bool:
    """Does ``alert`` implicate the flow origin → partner in hs (``*`` matches anything)?"""
    countries = {alert.origin, alert.hub, alert.destination}
    return (
        (origin == "*" or alert.origin == origin)
        and (partner == "*" or partner in countries)
        and (hs == "*" or hs in alert.hs)
    )
