"""Exact 2020 forest share of a polygon from the forest raster (windowed reads).

Each pixel is weighted by the fraction of it the polygon covers: pixels touched by the polygon
but away from its boundary weigh 1; pixels on or next to the boundary get their exact
polygon ∩ pixel area from shapely. The result equals exactextract's coverage fractions.
"""

from __future__ import annotations

import math
from types import TracebackType
from typing import Any

import numpy as np
import rasterio
from affine import Affine
import shapely
from rasterio.features import rasterize
from rasterio.windows import Window
from shapely.geometry.base import BaseGeometry

from geoservice.checks.model import Cover

FOREST = 1


class ForestMask:
    """One open forest raster; use as a context manager, one per thread."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._ds = rasterio.open(path)
        t = self._ds.transform
        if t.b != 0 or t.d != 0:
            raise ValueError(f"{path}: rotated rasters are not supported")
        self._x0, self._y0, self._res_x, self._res_y = t.c, t.f, t.a, -t.e
        self._pixel_m2 = self._res_x * self._res_y
        nodata = self._ds.nodata
        self._nodata = 255 if nodata is None else int(nodata)

    def __enter__(self) -> ForestMask:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._ds.close()

    @property
    def pixel_m2(self) -> float:
        return float(self._pixel_m2)

    def cover(self, geom: BaseGeometry) -> Cover:
        """Forest, other and nodata areas (m²) inside ``geom`` (EPSG:3059)."""
        if geom.is_empty:
            return Cover(0.0, 0.0, 0.0)
        weights, data = self.weights(geom)
        valid = data != self._nodata
        forest = float((weights * (data == FOREST)).sum()) * self._pixel_m2
        other = float((weights * (valid & (data != FOREST))).sum()) * self._pixel_m2
        nodata = max(geom.area - forest - other, 0.0)
        return Cover(forest, other, nodata)

    def weights(self, geom: BaseGeometry) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """Coverage fraction per pixel of the window around ``geom``, and the pixel values."""
        minx, miny, maxx, maxy = geom.bounds
        col0 = math.floor((minx - self._x0) / self._res_x)
        col1 = math.ceil((maxx - self._x0) / self._res_x)
        row0 = math.floor((self._y0 - maxy) / self._res_y)
        row1 = math.ceil((self._y0 - miny) / self._res_y)
        width, height = max(col1 - col0, 1), max(row1 - row0, 1)
        window = Window(col0, row0, width, height)
        data = self._read(window)
        transform = Affine(self._res_x, 0.0, self._x0 + col0 * self._res_x,
                           0.0, -self._res_y, self._y0 - row0 * self._res_y)
        touched = rasterize([geom], (height, width), transform=transform, all_touched=True,
                            dtype="uint8").astype(bool)
        edge = rasterize([geom.boundary], (height, width), transform=transform,
                         all_touched=True, dtype="uint8").astype(bool)
        edge = _dilate(edge) & touched
        weights = np.where(touched & ~edge, 1.0, 0.0)
        rows, cols = np.nonzero(edge)
        if rows.size:
            x0 = self._x0 + (col0 + cols) * self._res_x
            y1 = self._y0 - (row0 + rows) * self._res_y
            boxes = shapely.box(x0, y1 - self._res_y, x0 + self._res_x, y1)
            shapely.prepare(geom)
            inter = shapely.area(shapely.intersection(boxes, geom))
            weights[rows, cols] = inter / self._pixel_m2
        return weights, data

    def _read(self, window: Window) -> np.ndarray[Any, Any]:
        """Pixels of ``window``; outside the raster they are nodata (no boundless VRT)."""
        c0, r0 = int(window.col_off), int(window.row_off)
        w, h = int(window.width), int(window.height)
        out = np.full((h, w), self._nodata, dtype=self._ds.dtypes[0])
        cs, rs = max(c0, 0), max(r0, 0)
        ce, re_ = min(c0 + w, self._ds.width), min(r0 + h, self._ds.height)
        if ce > cs and re_ > rs:
            out[rs - r0:re_ - r0, cs - c0:ce - c0] = self._ds.read(
                1, window=Window(cs, rs, ce - cs, re_ - rs))
        return out


def _dilate(mask: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Grow a boolean mask by one pixel in all eight directions."""
    out = mask.copy()
    out[1:, :] |= mask[:-1, :]
    out[:-1, :] |= mask[1:, :]
    grown = out.copy()
    grown[:, 1:] |= out[:, :-1]
    grown[:, :-1] |= out[:, 1:]
    return grown
