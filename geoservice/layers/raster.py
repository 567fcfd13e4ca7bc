"""Raster layers: validate a GeoTIFF and store it as a Cloud Optimized GeoTIFF in EPSG:3059."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import rasterio
import rasterio.shutil
import shapely
from rasterio.crs import CRS
from rasterio.errors import CRSError, RasterioIOError
from rasterio.vrt import WarpedVRT
from rasterio.warp import Resampling

from geoservice.errors import ValidationFailed

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


def store(path: Path, destination: Path, nodata: float | None = None) -> StoredRaster:
    """Copy ``path`` to ``destination`` as a COG in EPSG:3059 (nearest-neighbour if warped)."""
    source_crs, nodata_value = validate(path, nodata)
    destination.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(path) as src:
        options = {"driver": "COG", "compress": "DEFLATE", "blocksize": 256,
                   "overview_resampling": "nearest"}
        if src.crs == TARGET and src.nodata == nodata_value:
            rasterio.shutil.copy(src, destination, **options)
        else:
            with WarpedVRT(src, crs=TARGET, resampling=Resampling.nearest,
                           src_nodata=nodata_value, nodata=nodata_value) as vrt:
                rasterio.shutil.copy(vrt, destination, **options)
    with rasterio.open(destination) as out:
        left, bottom, right, top = out.bounds
        pixels = out.width * out.height
    extent = shapely.box(left, bottom, right, top)
    return StoredRaster(destination, source_crs, shapely.to_wkb(extent), pixels)
