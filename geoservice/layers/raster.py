"""Raster layers: validate a GeoTIFF and store it as a Cloud Optimized GeoTIFF in EPSG:3059."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import rasterio
import rasterio.shutil
import shapely
from rasterio.crs import CRS
from rasterio.errors import CRSError, RasterioIOError
from rasterio.vrt import WarpedVRT
from rasterio.warp import Resampling

from geoservice.errors import InsufficientStorage, ValidationFailed, disk_full

TARGET = CRS.from_epsg(3059)


@dataclass(frozen=True)
class StoredRaster:
    path: Path
    source_crs: str
    extent_wkb: bytes
    pixels: int


def validate(path: Path, nodata: float | None = None) -> tuple[str, float]:
    """The source CRS and nodata value, or a ValidationFailed a person can act on."""
    try:
        with rasterio.open(path) as src:
            crs, src_nodata, count = src.crs, src.nodata, src.count
            width, height = src.width, src.height
    except RasterioIOError as exc:
        raise ValidationFailed(f"{path.name} cannot be read as a raster: {exc}",
                               code="layer_unreadable") from exc
    if crs is None:
        raise ValidationFailed(
            f"{path.name} has no coordinate reference system; set one with gdal_edit.py -a_srs.",
            code="layer_crs_missing")
    try:
        if crs.to_wkt() == "" or not (crs.is_projected or crs.is_geographic):
            raise ValidationFailed(f"{path.name} has an unknown CRS.", code="layer_crs_unknown")
    except CRSError as exc:
        raise ValidationFailed(f"{path.name} has an unknown CRS.",
                               code="layer_crs_unknown") from exc
    if count < 1 or width < 1 or height < 1:
        raise ValidationFailed(f"{path.name} has no pixels.", code="layer_empty")
    chosen = nodata if nodata is not None else src_nodata
    if chosen is None:
        raise ValidationFailed(
            f"{path.name} declares no nodata value, so missing data would look like 'not "
            "forest'. Set one (gdal_edit.py -a_nodata 255) or pass --nodata.",
            code="raster_no_nodata")
    return crs.to_string(), float(chosen)


def _short_of_room(folder: Path, needed: int) -> bool:
    """Less room left in ``folder`` than ``needed`` bytes (and at least 1 MiB)."""
    try:
        stat = os.statvfs(folder)
    except OSError:
        return False
    return stat.f_bfree * stat.f_frsize < max(needed, 1 << 20)


def store(path: Path, destination: Path, nodata: float | None = None) -> StoredRaster:
    """Copy ``path`` to ``destination`` as a COG in EPSG:3059 (nearest-neighbour if warped).

    The COG is written under a hidden name beside ``destination`` and renamed when whole, so a
    failure (a full disk above all) leaves no file, half-written or otherwise.
    """
    source_crs, nodata_value = validate(path, nodata)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f".{destination.name}.{os.getpid()}.partial")
    try:
        with rasterio.open(path) as src:
            options = {"driver": "COG", "compress": "DEFLATE", "blocksize": 256,
                       "overview_resampling": "nearest"}
            if src.crs == TARGET and src.nodata == nodata_value:
                rasterio.shutil.copy(src, partial, **options)
            else:
                with WarpedVRT(src, crs=TARGET, resampling=Resampling.nearest,
                               src_nodata=nodata_value, nodata=nodata_value) as vrt:
                    rasterio.shutil.copy(vrt, partial, **options)
        with rasterio.open(partial) as out:
            left, bottom, right, top = out.bounds
            pixels = out.width * out.height
        os.replace(partial, destination)
    except BaseException as exc:
        # libtiff reports a full disk only on stderr, GDAL then raises a seek or write error
        # and removes its temporary files: a disk with less room than the source file is full.
        full = disk_full(exc) or _short_of_room(destination.parent, path.stat().st_size)
        partial.unlink(missing_ok=True)
        if full:
            raise InsufficientStorage(
                f"{destination.parent} is full: {path.name} was not stored (nothing was kept). "
                "Free some space and import it again.", code="storage_full") from exc
        raise
    extent = shapely.box(left, bottom, right, top)
    return StoredRaster(destination, source_crs, shapely.to_wkb(extent), pixels)
