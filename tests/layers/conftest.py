"""Fixtures of the layer tests: a private database for fetches, the LAD WFS stand-in, settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from geoservice.db.disposable import disposable_database
from geoservice.layers.fetch.http import Client
from geoservice.layers.fetch.simulator import LadWfs, from_sample
from geoservice.settings import CheckSettings, DatabaseSettings, FetchSettings, Settings
from tests.conftest import _admin_url

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "latvia"
LAD_SAMPLE = SHARED / "lad_lauki_2024_sample100_wfs_gml32.xml.gz"


@pytest.fixture(scope="module")
def fetch_db() -> Iterator[tuple[str, Engine]]:
    """A database of its own: fetched national layers never reach the other tests' verdicts."""
    with disposable_database(_admin_url(), "geoservice_fetch") as created:
        yield created


@pytest.fixture()
def fetch_settings(fetch_db: tuple[str, Engine], tmp_path: Path) -> Settings:
    return Settings(database=DatabaseSettings(url=fetch_db[0], pool_size=2),
                    check=CheckSettings(layers_dir=str(tmp_path / "layers")),
                    fetch=FetchSettings(backoff_seconds=0.01, retries=3, timeout_seconds=2.0))


@pytest.fixture()
def fast_client() -> Client:
    return Client(timeout=2.0, retries=3, backoff=0.01)


@pytest.fixture()
def lad() -> LadWfs:
    return from_sample(LAD_SAMPLE)
