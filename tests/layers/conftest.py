"""Fixtures of the layer tests: a private layers folder with the demo manifest."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

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

