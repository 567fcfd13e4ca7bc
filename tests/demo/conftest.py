"""Fixtures of the demo-layer tests: the layers generated once per session, and a second run."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pytest

from geoservice.demo.layers import generate, main


@dataclass(frozen=True)
class Generated:
    directory: Path
    seconds: float

    def read(self, name: str) -> gpd.GeoDataFrame:
        return gpd.read_file(self.directory / name)


@pytest.fixture(scope="session")
def layers(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    directory = tmp_path_factory.mktemp("layers") / "demo"
    started = time.perf_counter()
    assert main([str(directory)]) == 0
    return Generated(directory, time.perf_counter() - started)


@pytest.fixture(scope="session")
def second_run(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    directory = tmp_path_factory.mktemp("again")
    started = time.perf_counter()
    generate(directory)
    return Generated(directory, time.perf_counter() - started)
