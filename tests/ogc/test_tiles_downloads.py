"""Vector tiles (tenancy, TileJSON) and the streamed, gzip-able GeoJSON download."""

from __future__ import annotations

import gzip
import json
import math

import pyproj
from starlette.testclient import TestClient

from tests.conftest import bearer
from tests.factories import ORIGIN
from tests.ogc.conftest import World

LONLAT = pyproj.Transformer.from_crs(3059, 4326, always_xy=True).transform(*ORIGIN)


def _tile(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def test_tiles_respect_tenancy(client: TestClient, world: World) -> None:
    z, x, y = _tile(LONLAT[0] + 0.0005, LONLAT[1] + 0.0005, 14)
    path = f"/tiles/felling_areas/{z}/{x}/{y}.mvt"
    mine = client.get(path, headers=bearer(world.a["owner"]))
    assert mine.status_code == 200 and len(mine.content) > 20, mine.text
    assert mine.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    assert client.get(path, headers=bearer(world.b["owner"])).content == b""
    assert client.get(path).status_code == 401
    layer = client.get(f"/tiles/{world.layer_id}/{z}/{x}/{y}.mvt",
                       headers=bearer(world.a["owner"]))
    assert len(layer.content) > 20
    assert client.get("/tiles/felling_areas/3/9/1.mvt",
                      headers=bearer(world.a["owner"])).status_code == 400
    tj = client.get("/tiles/felling_areas.json", headers=bearer(world.a["owner"])).json()
    assert tj["tiles"][0].endswith("/tiles/felling_areas/{z}/{x}/{y}.mvt")


def test_download_streams_gzip(client: TestClient, world: World) -> None:
    h = bearer(world.a["owner"])
    plain = client.get("/download/felling_areas.geojson", headers={**h,
                                                                   "accept-encoding": "identity"})
    assert plain.status_code == 200 and len(json.loads(plain.content)["features"]) == 2
    raw = client.get("/download/felling_areas.geojson",
                     headers={**h, "accept-encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip"
    assert json.loads(raw.content) == json.loads(plain.content)  # httpx already inflated it
    assert gzip.compress(b"x")  # the codec is there
    assert client.get("/download/felling_areas.geojson").status_code == 401
    assert client.get("/download/nope.geojson", headers=h).status_code == 404
