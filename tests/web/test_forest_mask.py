"""GET /map/forest-mask.png: the 2020 forest raster as a green, otherwise transparent PNG."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
import rasterio
from pyproj import Transformer
from rasterio.errors import NotGeoreferencedWarning
from starlette.testclient import TestClient

from tests.conftest import Account, bearer

to_wgs = Transformer.from_crs("EPSG:3059", "EPSG:4326", always_xy=True)


def box(minx: float, miny: float, maxx: float, maxy: float) -> str:
    west, south = to_wgs.transform(minx, miny)
    east, north = to_wgs.transform(maxx, maxy)
    return f"{west},{south},{east},{north}"


def pixels(png: bytes) -> np.ndarray:
    """The PNG's bands (a plain PNG has no georeferencing; rasterio warns about that)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.MemoryFile(io.BytesIO(png)) as memory, memory.open() as image:
            return image.read()


@pytest.mark.usefixtures("web_layers")
def test_mask_is_green_where_forest_and_transparent_elsewhere(
    client: TestClient, org_a: dict[str, Account]
) -> None:
    response = client.get("/map/forest-mask.png", headers=bearer(org_a["owner"]), params={
        "bbox": box(606_500, 305_500, 613_500, 313_500), "width": 300, "height": 340})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    rgba = pixels(response.content)
    assert rgba.shape == (4, 340, 300)
    alpha = rgba[3]
    forest = alpha > 0
    assert 0.05 < forest.mean() < 0.98  # the demo region has both forest and open land
    assert (rgba[1][forest] == 139).all() and (rgba[0][forest] == 34).all()


@pytest.mark.usefixtures("web_layers")
def test_outside_the_layer_nothing_is_drawn(client: TestClient, org_a: dict[str, Account]) -> None:
    response = client.get("/map/forest-mask.png", headers=bearer(org_a["owner"]), params={
        "bbox": "21.0,56.0,21.05,56.03", "width": 64, "height": 64})
    assert response.status_code == 200
    assert pixels(response.content)[3].max() == 0


@pytest.mark.parametrize(("params", "code"), [
    ({"bbox": "26,56"}, "invalid_bbox"),
    ({"bbox": "26.2,56.9,26.1,57.0"}, "invalid_bbox"),
    ({"bbox": "a,b,c,d"}, "invalid_bbox"),
    ({"bbox": "20,55,28,58"}, "bbox_too_large"),
    ({"bbox": "26.1,56.9,26.2,57.0", "width": "0"}, "invalid_width"),
    ({"bbox": "26.1,56.9,26.2,57.0", "height": "99999"}, "invalid_height"),
])
def test_bad_requests_get_a_clear_400(
    client: TestClient, org_a: dict[str, Account], params: dict[str, str], code: str
) -> None:
    response = client.get("/map/forest-mask.png", headers=bearer(org_a["owner"]), params=params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_needs_login_unless_layers_are_public(client: TestClient) -> None:
    response = client.get("/map/forest-mask.png", params={"bbox": "26.1,56.9,26.2,57.0"})
    assert response.status_code == 401
