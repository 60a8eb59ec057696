"""The same detectors on DuckDB and on Spark (local mode): same alerts, same ids, same scores."""

from __future__ import annotations

import os
import shutil

import pytest

from detour.detectors import run_detectors
from detour.engine import get_engine


def test_mixed_world_finds_every_kind(world_alerts):
    alerts = world_alerts("mixed")
    assert [a.kind for a in alerts[:5]] and {a.kind for a in alerts} == {
        "transshipment",
        "transformation",
        "phantom_export",
        "undeclared_export",
        "unit_value",
    }
    assert [a.score for a in alerts] == sorted((a.score for a in alerts), reverse=True)


@pytest.mark.spark
def test_duckdb_and_spark_agree(world_store, world_alerts):
    if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java 17 (no java on PATH)")
    duck = world_alerts("mixed")
    spark = run_detectors(get_engine("spark"), world_store("mixed"))
    assert [a.id for a in spark] == [a.id for a in duck]
    for s, d in zip(spark, duck, strict=True):
        assert s.score == pytest.approx(d.score, abs=0.01)
        assert s.value_usd == pytest.approx(d.value_usd, rel=1e-6)
        assert s.evidence == d.evidence
