"""``geoservice layers import`` and ``layers list`` as an operator types them."""

from __future__ import annotations

import secrets
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import Engine

from geoservice.cli.main import main


def test_import_twice_then_list(
    tmp_path: Path, engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GEOSERVICE_DATABASE_URL", database_url)
    monkeypatch.setenv("GEOSERVICE_CHECK_LAYERS_DIR", str(tmp_path))
    path = tmp_path / "permits.gpkg"
    gpd.GeoDataFrame({"purpose": ["agriculture"]},
                     geometry=[shapely.box(430_000, 210_000, 430_100, 210_100)],
                     crs="EPSG:3059").to_file(path)
    title = f"CLI permits {secrets.token_hex(3)}"
    args = ["layers", "import", str(path), "--role", "deforestation_permit", "--title", title,
            "--date", "2026-05-01"]
    assert main(args) == 0
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "v1: 1 features" in out and "v2: 1 features" in out
    assert main(["layers", "list"]) == 0
    listed = capsys.readouterr().out
    assert title in listed and "(2 versions)" in listed
    assert main(["layers", "import", str(tmp_path / "missing.gpkg"), "--role", "agriculture",
                 "--title", "x"]) == 1
    assert "does not exist" in capsys.readouterr().err
