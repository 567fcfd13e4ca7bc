"""OGR files by path or URL, and the named sources of layers/sources.toml from the command line."""

from __future__ import annotations

import secrets
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import Engine, text

from geoservice.cli.main import main
from geoservice.errors import ValidationFailed
from geoservice.layers.fetch.request import FetchRequest, execute
from geoservice.layers.fetch.simulator import LadWfs
from geoservice.settings import Settings
from tests.layers.conftest import RangeServer

X, Y = 560_000.0, 280_000.0


def _sites(path: Path, n: int = 3, crs: str | None = "EPSG:4326") -> Path:
    frame = gpd.GeoDataFrame(
        {"SITECODE": [f"LV00{i:05d}" for i in range(n)], "SITENAME": ["Teiči"] * n},
        geometry=[shapely.box(X + 300 * i, Y, X + 300 * i + 200, Y + 200) for i in range(n)],
        crs="EPSG:3059")
    frame = frame.to_crs(crs) if crs else frame.set_crs(None, allow_override=True)
    frame.to_file(path, driver="ESRI Shapefile" if path.suffix == ".shp" else None)
    return path


def _count(engine: Engine, title: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM layer_versions v JOIN layers l ON "
                                     "l.id = v.layer_id WHERE l.title = :t"),
                                {"t": title}).scalar_one())


def test_a_file_by_url_is_asked_for_conditionally(
    range_server: RangeServer, fetch_settings: Settings, fetch_db: tuple[str, Engine],
) -> None:
    _sites(range_server.root / "natura2000.gpkg")
    title = f"Natura 2000 {secrets.token_hex(3)}"
    request = FetchRequest(protocol="file", location=f"{range_server.url}/natura2000.gpkg",
                           role="protected_area", title=title, extent="latvia")
    first = execute(fetch_db[1], fetch_settings, request)
    assert first.version == 1 and "3 features" in first.summary
    again = execute(fetch_db[1], fetch_settings, request)
    assert again.version is None and "unchanged" in again.summary
    assert range_server.requests()[-1]["status"] == "304"
    assert _count(fetch_db[1], title) == 1
    with fetch_db[1].connect() as conn:
        row = conn.execute(text(
            "SELECT f.source_id, f.attrs->>'SITENAME' AS name, ST_XMin(f.geom) AS x "
            "FROM layer_features f JOIN layers l ON l.id = f.layer_id WHERE l.title = :t "
            "ORDER BY f.source_id LIMIT 1"), {"t": title}).one()
    assert (row.source_id, row.name) == ("LV0000000", "Teiči") and abs(row.x - X) < 0.01


def test_a_zipped_shapefile_and_a_file_without_crs(
    tmp_path: Path, fetch_settings: Settings, fetch_db: tuple[str, Engine],
) -> None:
    shp = _sites(tmp_path / "sites.shp", n=2)
    archive = tmp_path / "sites.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in tmp_path.glob("sites.*"):
            if part != archive:
                z.write(part, part.name)
    title = f"ĪADT {secrets.token_hex(3)}"
    done = execute(fetch_db[1], fetch_settings, FetchRequest(
        protocol="file", location=str(archive), role="protected_area", title=title,
        extent="latvia"))
    assert done.version == 1 and "2 features" in done.summary
    for part in tmp_path.glob("sites.*"):
        part.unlink()
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        _sites(shp, crs=None)
    with pytest.raises(ValidationFailed, match="no coordinate reference system"):
        execute(fetch_db[1], fetch_settings, FetchRequest(
            protocol="file", location=str(shp), role="protected_area", title=title,
            extent="latvia"))
    with pytest.raises(ValidationFailed, match="declares no extent"):
        execute(fetch_db[1], fetch_settings, FetchRequest(
            protocol="file", location=str(archive), role="protected_area", title="x y z"))
    assert _count(fetch_db[1], title) == 1


def test_named_sources_fetch_and_refresh_from_the_command_line(
    lad: LadWfs, range_server: RangeServer, fetch_db: tuple[str, Engine], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    _sites(range_server.root / "n2k.gpkg")
    tag = secrets.token_hex(3)
    with lad.serve() as url:
        catalogue = tmp_path / "sources.toml"
        catalogue.write_text(f"""
version = 1
[regions.latvia]
bbox = [20.90, 55.62, 28.30, 58.12]
[[sources]]
name = "lad_lauki"
protocol = "wfs"
url = "{url}"
type_name = "LAD:Lauki"
page_size = 40
role = "agriculture"
title = "LAD lauki {tag}"
coverage = "latvia"
[[sources]]
name = "natura2000"
protocol = "file"
url = "{range_server.url}/n2k.gpkg"
role = "protected_area"
title = "Natura 2000 {tag}"
coverage = "latvia"
[[sources]]
name = "iadt"
protocol = "file"
url = ""
role = "protected_area"
title = "ĪADT {tag}"
note = "no URL known"
""")
        monkeypatch.setenv("GEOSERVICE_DATABASE_URL", fetch_db[0])
        monkeypatch.setenv("GEOSERVICE_CHECK_LAYERS_DIR", str(tmp_path / "layers"))
        monkeypatch.setenv("GEOSERVICE_LAYERS_FETCH_SOURCES_FILE", str(catalogue))
        monkeypatch.setenv("GEOSERVICE_LAYERS_FETCH_BACKOFF_SECONDS", "0.01")
        assert main(["layers", "fetch", "lad_lauki"]) == 0
        out = capsys.readouterr().out
        assert "v1: 100 features" in out and "re-check:" in out
        assert main(["layers", "fetch", "iadt"]) == 1
        assert "has no URL" in capsys.readouterr().err
        assert main(["layers", "refresh", "--all"]) == 0
        out = capsys.readouterr().out
    assert "unchanged (100 features" in out and "iadt: skipped, no URL" in out
    assert "v1: 3 features" in out
    with fetch_db[1].connect() as conn:
        coverage = conn.execute(text(
            "SELECT v.coverage_source FROM layer_versions v JOIN layers l ON l.id = v.layer_id "
            "WHERE l.title = :t"), {"t": f"LAD lauki {tag}"}).scalar_one()
    assert coverage == "sources.toml coverage"
