from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from detour.engine import get_engine

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
ENGINES = ["duckdb", pytest.param("spark", marks=pytest.mark.spark)]


def shared_file(rel: str) -> Path:
    """A real data file from ../shared/data, or skip with a clear message when it is absent."""
    path = SHARED / rel
    if not path.exists():
        pytest.skip(f"real data file {path} is absent (../shared/data is not beside this checkout)")
    return path


@pytest.fixture(params=ENGINES)
def engine(request):
    if request.param == "spark" and not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java 17 (no java on PATH)")
    return get_engine(request.param)


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def panel_builds(monkeypatch) -> list[int]:
    """Counts the detector panels built while the test runs (one entry per ``Panel.build``)."""
    from detour.detectors.panel import Panel

    built: list[int] = []
    build = Panel.build.__func__

    def counting(cls, *args, **kwargs):
        built.append(1)
        return build(cls, *args, **kwargs)

    monkeypatch.setattr(Panel, "build", classmethod(counting))
    return built

