"""A forest raster read over HTTP range requests (nginx), clipped, stored as a COG, registered."""

from __future__ import annotations

import secrets
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from pyproj import Transformer
from sqlalchemy import Engine, text

from geoservice.errors import GeoserviceError
from geoservice.layers.fetch.request import FetchRequest, execute
from geoservice.settings import Settings
from tests.layers.conftest import RangeServer

PIXEL = 8.983152841195215e-05  # JRC GFC2020's pixel in degrees
WEST, NORTH = 25.0, 57.0


CHECK = 20  # pixels per side of a patch of one class


def _forest(path: Path, *, crs: str | None = "EPSG:4326", width: int = 6000,
            height: int = 3000) -> Path:
    """A GFC2020-like COG: uint8, 1 = forest, 0 = not in random 20-pixel patches, nodata 255."""
    patches = np.random.default_rng(3).integers(0, 2, (height // CHECK + 1, width // CHECK + 1))
    rows, cols = np.indices((height, width))
    data = patches[rows // CHECK, cols // CHECK].astype("uint8")
    data[:5, :] = 255
    with rasterio.open(path, "w", driver="COG", width=width, height=height, count=1,
                       dtype="uint8", crs=crs, nodata=255, compress="DEFLATE", blocksize=256,
                       transform=Affine(PIXEL, 0, WEST, 0, -PIXEL, NORTH)) as dst:
        dst.write(data, 1)
    return path


def _request(url: str, title: str, clip: str = "25.05,56.93,25.15,56.98") -> FetchRequest:
    return FetchRequest(protocol="raster", location=url, role="forest_2020", title=title,
                        clip=clip)


def test_reads_only_the_clip_over_range_requests_and_stores_a_cog(
    range_server: RangeServer, fetch_settings: Settings, fetch_db: tuple[str, Engine],
) -> None:
    source = _forest(range_server.root / "JRC_GFC2020_V3_N60_E20.tif")
    title = f"Forest {secrets.token_hex(3)}"
    done = execute(fetch_db[1], fetch_settings,
                   _request(f"{range_server.url}/{source.name}", title))
    assert done.version == 1
    with fetch_db[1].connect() as conn:
        v = conn.execute(text(
            "SELECT raster_path, raster_width, raster_height, http_etag, coverage_source, "
            "ST_XMin(extent) AS x0, ST_YMax(extent) AS y1 FROM layer_versions "
            "WHERE layer_id = :l"), {"l": done.layer_id}).one()
    with rasterio.open(v.raster_path) as out, rasterio.open(source) as src:
        assert out.crs.to_epsg() == 3059 and out.res == (10.0, 10.0)
        assert out.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        assert out.overviews(1) and out.block_shapes[0] == (512, 512)
        assert (out.width, out.height) == (v.raster_width, v.raster_height)
        to_lonlat = Transformer.from_crs(3059, 4326, always_xy=True)
        rng = np.random.default_rng(7)
        data = out.read(1)
        checked = 0
        for _ in range(300):
            r, c = int(rng.integers(0, out.height)), int(rng.integers(0, out.width))
            x, y = out.xy(r, c)
            lon, lat = to_lonlat.transform(x, y)
            sr, sc = src.index(lon, lat)
            fr, fc = (lat - NORTH) / -PIXEL, (lon - WEST) / PIXEL
            if min(fr % CHECK, CHECK - fr % CHECK, fc % CHECK, CHECK - fc % CHECK) < 2:
                continue  # next to a patch's edge, nearest-neighbour may pick either side
            assert data[r, c] == src.read(1, window=((sr, sr + 1), (sc, sc + 1)))[0, 0]
            checked += 1
        assert checked > 150
    assert v.coverage_source == "clip" and v.http_etag
    size = source.stat().st_size
    gets = [r for r in range_server.requests() if r["method"] == "GET"]
    assert gets and all(r["range"].startswith("bytes=") for r in gets)
    assert size > 300_000
    assert sum(int(r["bytes"]) for r in gets) < size * 0.25  # the clip's blocks, not the tile


def test_an_unchanged_raster_makes_no_new_version(
    range_server: RangeServer, fetch_settings: Settings, fetch_db: tuple[str, Engine],
) -> None:
    source = _forest(range_server.root / "tile.tif")
    title = f"Forest {secrets.token_hex(3)}"
    url = f"{range_server.url}/{source.name}"
    execute(fetch_db[1], fetch_settings, _request(url, title))
    before = len(range_server.requests())
    again = execute(fetch_db[1], fetch_settings, _request(url, title))
    assert again.version is None and "unchanged" in again.summary
    assert [r["method"] for r in range_server.requests()[before:]] == ["HEAD"]
    with fetch_db[1].connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM layer_versions v JOIN layers l ON "
                                 "l.id = v.layer_id WHERE l.title = :t"),
                            {"t": title}).scalar_one() == 1


def test_a_raster_without_crs_or_an_absent_url_registers_nothing(
    range_server: RangeServer, fetch_settings: Settings, fetch_db: tuple[str, Engine],
) -> None:
    _forest(range_server.root / "nocrs.tif", crs=None)
    title = f"Forest {secrets.token_hex(3)}"
    with pytest.raises(GeoserviceError, match="no coordinate reference system"):
        execute(fetch_db[1], fetch_settings, _request(f"{range_server.url}/nocrs.tif", title))
    with pytest.raises(GeoserviceError, match="404"):
        execute(fetch_db[1], fetch_settings, _request(f"{range_server.url}/missing.tif", title))
    with pytest.raises(GeoserviceError, match="does not overlap"):
        _forest(range_server.root / "ok.tif")
        execute(fetch_db[1], fetch_settings, _request(f"{range_server.url}/ok.tif", title,
                                                      clip="21.0,56.0,21.1,56.1"))
    with fetch_db[1].connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM layers WHERE title = :t"),
                            {"t": title}).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM layer_fetches WHERE layer_title = :t "
                                 "AND outcome = 'failed'"), {"t": title}).scalar_one() == 3
    assert not list(Path(fetch_settings.check.layers_dir).rglob("*.tif"))
