"""A forest raster read from a GeoTIFF/COG (local or over HTTP range requests), clipped, stored.

GDAL reads the source through ``/vsicurl/`` block by block: only the blocks of the clip are
transferred, never the whole tile or the global file. The clip is warped (nearest neighbour:
class values stay classes) onto a 10 m EPSG:3059 grid strip by strip, written as a tiled
DEFLATE GeoTIFF, then as a Cloud Optimized GeoTIFF with overviews under the layers folder, and
registered as a new version. When the source's HTTP validators, or else the stored file's
hash, are what the current version has, nothing new is registered.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rasterio
import rasterio.shutil
import requests
import shapely
from affine import Affine
from rasterio.crs import CRS
from rasterio.errors import RasterioIOError
from rasterio.vrt import WarpedVRT
from rasterio.warp import Resampling, transform_bounds
from rasterio.windows import Window
from sqlalchemy import Engine, text

from geoservice import events
from geoservice.errors import ValidationFailed
from geoservice.layers import harvest, registry
from geoservice.layers.fetch.http import Client, FetchFailed, validators
from geoservice.layers.importer import checksum

TARGET = CRS.from_epsg(3059)
STRIP_ROWS = 512
Bounds = tuple[float, float, float, float]
Progress = Callable[[Iterable[Any]], Iterable[Any]]
GDAL_HTTP: dict[str, str | int | bool] = {
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",  # no directory listing of the server
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".tif,.tiff,.vrt",
    "GDAL_HTTP_MAX_RETRY": 5, "GDAL_HTTP_RETRY_DELAY": 2,
    "GDAL_HTTP_MERGE_CONSECUTIVE_RANGES": True, "GDAL_HTTP_MULTIPLEX": True,
    # vsicurl keeps what it downloaded (a strip's source blocks serve the next strip too);
    # the block cache is bounded so that a national clip stays well under 2 GiB.
    "CPL_VSIL_CURL_CACHE_SIZE": 256 << 20, "VSI_CACHE": True, "VSI_CACHE_SIZE": 64 << 20,
    "GDAL_CACHEMAX": 256,
}


@dataclass(frozen=True)
class RasterOutcome:
    layer_id: str
    version: int | None
    previous: int | None
    path: str | None
    width: int
    height: int
    unchanged: bool = False

    def summary(self) -> str:
        if self.unchanged:
            return (f"{self.layer_id}: unchanged; v{self.previous} stays current, no new "
                    "version")
        return (f"{self.layer_id} v{self.version}: raster {self.width} × {self.height} pixels "
                f"(10 m, EPSG:3059) stored at {self.path}")


def gdal_path(url: str) -> str:
    return f"/vsicurl/{url}" if url.startswith(("http://", "https://")) else url


def _head(client: Client, url: str) -> dict[str, str | None]:
    if not url.startswith(("http://", "https://")):
        return {"etag": None, "last_modified": None}
    try:
        response = client.session.head(url, timeout=client.timeout, allow_redirects=True)
    except requests.RequestException as exc:
        raise FetchFailed(f"{url} does not answer ({exc.__class__.__name__}); nothing was "
                          "registered.") from exc
    if response.status_code >= 400:
        raise FetchFailed(f"{url} answered HTTP {response.status_code} {response.reason}; "
                          "nothing was registered.")
    return validators(response)


def _grid(src: Any, clip: Bounds | None, pixel: float) -> tuple[Affine, int, int, Bounds]:
    """The EPSG:3059 grid (snapped to ``pixel``) of the clip within the source's bounds."""
    source_box = transform_bounds(src.crs, TARGET, *src.bounds, densify_pts=21)
    box = source_box
    if clip is not None:
        wanted = transform_bounds(CRS.from_epsg(4326), TARGET, *clip, densify_pts=21)
        box = (max(wanted[0], source_box[0]), max(wanted[1], source_box[1]),
               min(wanted[2], source_box[2]), min(wanted[3], source_box[3]))
        if box[0] >= box[2] or box[1] >= box[3]:
            raise ValidationFailed(
                f"The clip {clip} (lon/lat) does not overlap the raster, which covers "
                f"{tuple(round(v, 4) for v in src.bounds)} in {src.crs}.",
                code="raster_clip_outside")
    x0, y0 = math.floor(box[0] / pixel) * pixel, math.floor(box[1] / pixel) * pixel
    x1, y1 = math.ceil(box[2] / pixel) * pixel, math.ceil(box[3] / pixel) * pixel
    width, height = int(round((x1 - x0) / pixel)), int(round((y1 - y0) / pixel))
    return Affine(pixel, 0, x0, 0, -pixel, y1), width, height, (x0, y0, x1, y1)


def fetch(engine: Engine, client: Client, url: str, target: harvest.Target, *,
          store_dir: Path, clip: Bounds | None, nodata: float | None = None,
          pixel: float = 10.0, progress: Progress = lambda items: items) -> RasterOutcome:
    """Clip ``url`` to ``clip`` (lon/lat; None: the whole raster), store and register it."""
    started = harvest.now()
    try:
        outcome = _fetch(engine, client, url, target, store_dir, clip, nodata, pixel, progress)
    except (FetchFailed, ValidationFailed) as exc:
        harvest.log_fetch(engine, target, "failed", started, message=exc.message)
        raise
    harvest.log_fetch(engine, target, "unchanged" if outcome.unchanged else "new_version",
                      started, layer_id=outcome.layer_id, version=outcome.version,
                      features=outcome.width * outcome.height)
    return outcome


def _current(engine: Engine, title: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT l.id, l.current_version, v.source_url, v.http_etag, v.http_last_modified, "
            "v.content_hash, v.raster_width, v.raster_height FROM layers l JOIN layer_versions v "
            "ON v.layer_id = l.id AND v.version = l.current_version WHERE l.title = :t"),
            {"t": title}).first()


def _fetch(engine: Engine, client: Client, url: str, target: harvest.Target, store_dir: Path,
           clip: Bounds | None, nodata: float | None, pixel: float,
           progress: Progress) -> RasterOutcome:
    heads = _head(client, url)
    current = _current(engine, target.meta.title)
    if (current is not None and current.source_url == url
            and (heads["etag"] or heads["last_modified"])
            and (heads["etag"], heads["last_modified"]) ==
            (current.http_etag, current.http_last_modified)):
        return RasterOutcome(current.id, None, current.current_version, None,
                             current.raster_width or 0, current.raster_height or 0, True)
    store_dir.mkdir(parents=True, exist_ok=True)
    partial = store_dir / f".fetch-{os.getpid()}.tif"
    final_tmp = store_dir / f".fetch-{os.getpid()}.cog.tif"
    try:
        with rasterio.Env(**GDAL_HTTP):
            try:
                src = rasterio.open(gdal_path(url))
            except RasterioIOError as exc:
                raise FetchFailed(f"{url} cannot be read as a raster: {exc}; nothing was "
                                  "registered.", code="layer_unreadable") from exc
            with src:
                if src.crs is None:
                    raise ValidationFailed(
                        f"{url} has no coordinate reference system, so its pixels cannot be "
                        "placed; nothing was registered.", code="layer_crs_missing")
                value = nodata if nodata is not None else src.nodata
                if value is None:
                    raise ValidationFailed(
                        f"{url} declares no nodata value, so missing data would look like "
                        "'not forest'. Pass --nodata (GFC2020: 255 outside the tiles' data).",
                        code="raster_no_nodata")
                transform, width, height, box = _grid(src, clip, pixel)
                profile = {"driver": "GTiff", "width": width, "height": height, "count": 1,
                           "dtype": src.dtypes[0], "crs": TARGET, "transform": transform,
                           "nodata": value, "tiled": True, "blockxsize": 512,
                           "blockysize": 512, "compress": "DEFLATE", "BIGTIFF": "IF_SAFER"}
                with WarpedVRT(src, crs=TARGET, transform=transform, width=width,
                               height=height, resampling=Resampling.nearest, src_nodata=value,
                               nodata=value, warp_extras={"NUM_THREADS": "ALL_CPUS"}) as vrt, \
                        rasterio.open(partial, "w", **profile) as dst:
                    strips = range(0, height, STRIP_ROWS)
                    for row in progress(strips):
                        window = Window(0, row, width, min(STRIP_ROWS, height - row))
                        dst.write(vrt.read(1, window=window), 1, window=window)
        with rasterio.Env(GDAL_CACHEMAX=256):  # the default is 5 % of the machine's memory
            rasterio.shutil.copy(partial, final_tmp, driver="COG", compress="DEFLATE",
                                 blocksize=512, overview_resampling="nearest",
                                 bigtiff="IF_SAFER", num_threads="ALL_CPUS")
        partial.unlink(missing_ok=True)
        digest = checksum(final_tmp)
        if current is not None and current.content_hash == digest:
            final_tmp.unlink(missing_ok=True)
            with engine.begin() as conn:
                conn.execute(text("UPDATE layer_versions SET fetched_at = now(), http_etag = :e, "
                                  "http_last_modified = :lm WHERE layer_id = :l AND version = :v"),
                             {"e": heads["etag"], "lm": heads["last_modified"], "l": current.id,
                              "v": current.current_version})
            return RasterOutcome(current.id, None, current.current_version, None, width, height,
                                 True)
        with engine.begin() as conn:
            layer_id, version = registry.next_version(conn, target.meta)
            destination = store_dir / layer_id / f"v{version}.tif"
            destination.parent.mkdir(parents=True, exist_ok=True)
            previous = conn.execute(text("SELECT current_version FROM layers WHERE id = :id"),
                                    {"id": layer_id}).scalar_one()
            registry.add_version(conn, layer_id, version, reference_date=target.reference_date,
                                 source_crs=str(src.crs), source_path=url, checksum=digest,
                                 imported_by="fetch", raster_path=str(destination.resolve()))
            extent = target.extent or box
            registry.finish_version(conn, layer_id, version, feature_count=1,
                                    extent_wkb=shapely.to_wkb(shapely.box(*extent)))
            conn.execute(text(
                "UPDATE layer_versions SET source_url = :u, fetched_at = now(), "
                "content_hash = :h, http_etag = :e, http_last_modified = :lm, raster_width = :w, "
                "raster_height = :hh, coverage_source = :cov WHERE layer_id = :l AND version = :v"),
                {"u": url, "h": digest, "e": heads["etag"], "lm": heads["last_modified"],
                 "w": width, "hh": height, "cov": target.coverage_source, "l": layer_id,
                 "v": version})
            os.replace(final_tmp, destination)
            try:
                events.emit(events.LAYER_REPLACED, conn, layer_id=layer_id, version=version,
                            previous=previous)
            except BaseException:
                destination.unlink(missing_ok=True)
                raise
        return RasterOutcome(layer_id, version, previous, str(destination), width, height)
    finally:
        partial.unlink(missing_ok=True)
        final_tmp.unlink(missing_ok=True)
