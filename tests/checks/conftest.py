"""Fixtures of the check tests: the demo layers in the session database, certificates on them."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import shapely
from shapely.geometry import MultiPolygon
from sqlalchemy import Engine

from geoservice.certificates.model import Certificate
from geoservice.layers.manifest import load_demo_layers
from geoservice.settings import ROOT


@pytest.fixture(scope="session")
def layers_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the manifest; the demo files are generated next to it."""
    folder = tmp_path_factory.mktemp("layers")
    shutil.copy(ROOT / "layers" / "manifest.toml", folder / "manifest.toml")
    return folder


@pytest.fixture(scope="session")
def demo_layers(engine: Engine, layers_dir: Path) -> Iterator[str]:
    yield load_demo_layers(engine, layers_dir)


def valid(cert: Certificate) -> Certificate:
    """The simulator has one designed self-intersecting area; the check tests want it repaired."""
    areas = []
    for area in cert.areas:
        geom = area.geometry
        if not geom.is_valid:
            geom = MultiPolygon([p for p in shapely.make_valid(geom).geoms
                                 if p.geom_type == "Polygon"])
        areas.append(dataclasses.replace(area, geometry=geom))
    return dataclasses.replace(cert, areas=areas)
