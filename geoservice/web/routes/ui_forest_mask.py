"""The 2020 forest mask as a PNG for the map view: green where the raster says forest, else clear.

The current version of the layer with role ``forest_2020`` is read with rasterio in a window
around the requested box and resampled (nearest) onto a Web Mercator grid of the requested size,
so Leaflet can lay it over the map exactly with the box's corners.
"""

from __future__ import annotations

import math

import numpy as np
import rasterio
from affine import Affine
from rasterio.io import DatasetReader, MemoryFile
from rasterio.warp import Resampling, reproject, transform_bounds
from rasterio.windows import Window
from sqlalchemy import Connection, text
from starlette.requests import Request
from starlette.responses import Response

from geoservice.errors import BadRequest, NotFound
from geoservice.web import auth
from geoservice.web.context import db, in_thread, settings_of
from geoservice.web.routing import RouteTable

routes = RouteTable()

FOREST_RGBA = (34, 139, 34, 170)
MAX_PIXELS = 2048
MAX_SPAN_DEGREES = 0.5
WEB_MERCATOR = "EPSG:3857"
Box = tuple[float, float, float, float]

_CURRENT_RASTER = text("""
SELECT v.raster_path FROM layers l
JOIN layer_versions v ON v.layer_id = l.id AND v.version = l.current_version
WHERE l.role = 'forest_2020' AND l.kind = 'raster' AND v.raster_path IS NOT NULL
ORDER BY l.created_at
""")


def current_forest_rasters(conn: Connection) -> list[str]:
    """Every current forest 2020 raster: the real map comes in tiles, so all are drawn."""
    return [str(path) for (path,) in conn.execute(_CURRENT_RASTER)]


def parse_box(raw: str) -> Box:
    """``minlon,minlat,maxlon,maxlat`` in WGS84, within the world and not too large."""
    try:
        parts = [float(p) for p in raw.split(",")]
    except ValueError:
        parts = []
    if len(parts) != 4 or not all(math.isfinite(p) for p in parts):
        raise BadRequest(f"bbox must be four numbers minlon,minlat,maxlon,maxlat; got {raw!r}.",
                         code="invalid_bbox")
    west, south, east, north = parts
    if not (-180 <= west < east <= 180 and -85 <= south < north <= 85):
        raise BadRequest(f"bbox {raw!r} is not a WGS84 box with min < max.", code="invalid_bbox")
    if east - west > MAX_SPAN_DEGREES or north - south > MAX_SPAN_DEGREES:
        raise BadRequest(f"bbox is larger than {MAX_SPAN_DEGREES}°; zoom in to see the forest "
                         "mask.", code="bbox_too_large")
    return west, south, east, north


def _size(request: Request, name: str) -> int:
    raw = request.query_params.get(name, "256")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PIXELS:
        raise BadRequest(f"{name} must be a whole number from 1 to {MAX_PIXELS}; got {raw!r}.",
                         code=f"invalid_{name}")
    return int(raw)


def _window(src: DatasetReader, bounds: Box) -> tuple[Window, Affine] | None:
    """The pixel window covering ``bounds`` (source CRS) of a north-up raster, and its transform.

    Computed from the affine coefficients directly: affine's ``*`` operator is deprecated and
    rasterio's window helpers still use it.
    """
    t = src.transform
    if t.b or t.d:
        raise BadRequest("The forest raster is rotated; it cannot be shown as a map overlay.",
                         code="rotated_raster")
    minx, miny, maxx, maxy = bounds
    col0 = max(0, math.floor((minx - t.c) / t.a))
    col1 = min(src.width, math.ceil((maxx - t.c) / t.a))
    row0 = max(0, math.floor((maxy - t.f) / t.e))
    row1 = min(src.height, math.ceil((miny - t.f) / t.e))
    if col1 <= col0 or row1 <= row0:
        return None
    return (Window(col0, row0, col1 - col0, row1 - row0),
            Affine(t.a, 0.0, t.c + col0 * t.a, 0.0, t.e, t.f + row0 * t.e))


def render_mask(paths: list[str], box: Box, width: int, height: int) -> bytes:
    """PNG bytes (RGBA) of the forest pixels (value 1) of any of ``paths`` inside ``box``."""
    west, south, east, north = transform_bounds("EPSG:4326", WEB_MERCATOR, *box)
    dst_transform = Affine((east - west) / width, 0.0, west, 0.0, -(north - south) / height, north)
    forest = np.zeros((height, width), dtype=bool)
    for path in paths:
        with rasterio.open(path) as src:
            found = _window(src, transform_bounds("EPSG:4326", src.crs, *box, densify_pts=21))
            if found is None:
                continue
            window, src_transform = found
            values = np.full((height, width), 255, dtype=np.uint8)
            reproject(src.read(1, window=window), values, src_transform=src_transform,
                      src_crs=src.crs, src_nodata=src.nodata, dst_transform=dst_transform,
                      dst_crs=WEB_MERCATOR, dst_nodata=255, resampling=Resampling.nearest)
            forest |= values == 1
    rgba = np.zeros((4, height, width), dtype=np.uint8)
    for band, value in enumerate(FOREST_RGBA):
        rgba[band][forest] = value
    with MemoryFile() as memory:
        with memory.open(driver="PNG", width=width, height=height, count=4, dtype="uint8",
                         crs=WEB_MERCATOR, transform=dst_transform) as png:
            png.write(rgba)
        return bytes(memory.read())


@routes.page("GET", "/map/forest-mask.png")
async def forest_mask(request: Request) -> Response:
    if not settings_of(request).web.layers_public:
        await auth.require(request)
    box = parse_box(request.query_params.get("bbox", ""))
    width, height = _size(request, "width"), _size(request, "height")
    paths = await db(request, current_forest_rasters)
    if not paths:
        raise NotFound("No forest 2020 raster layer is loaded; import one with `geoservice "
                       "layers import PATH --role forest_2020`.", code="no_forest_layer")
    png = await in_thread(render_mask, paths, box, width, height)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})
