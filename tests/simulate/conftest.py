"""One small simulated world shared by the simulator tests (24 countries, 60 HS6 codes, 6 years).

Small enough to simulate and ingest in a couple of seconds, big enough to hold every scenario
kind, every decoy kind and every quirk (both suppression variants, all of Comtrade's own codes).
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pandas as pd
import pytest

from detour.ingest import ingest_paths
from detour.simulate import build_panel, simulate
from detour.store.catalog import Store

SEED = 7
SMALL = {"countries": 24, "products": 60, "years": (2019, 2024)}


@pytest.fixture(scope="session")
def small_run(tmp_path_factory):
    return simulate(tmp_path_factory.mktemp("sim") / "out", SEED, **SMALL)


@pytest.fixture(scope="session")
def small_panel():
    return build_panel(SEED, **SMALL)


@pytest.fixture(scope="session")
def small_ingest(small_run, tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("store") / "store")
    reports = ingest_paths(store, small_run.paths, fmt="comtrade", progress=False)
    return store, reports


def read_rows(path: Path) -> pd.DataFrame:
    """Every row of one written file as text, with the file's name and header spelling."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as fh:  # type: ignore[operator]
        reader = csv.reader(fh, delimiter="\t" if ".txt" in path.name else ",")
        header = next(reader)
        df = pd.DataFrame(list(reader), columns=header)
    df = df.rename(columns={"CIFValue": "cifvalue", "FOBValue": "fobvalue"})
    return df.assign(file=path.name, header="|".join(header))


@pytest.fixture(scope="session")
def small_rows(small_run) -> pd.DataFrame:
    return pd.concat([read_rows(p) for p in small_run.paths], ignore_index=True)
