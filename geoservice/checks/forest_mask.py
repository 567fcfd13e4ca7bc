"""Exact 2020 forest share of a polygon from the forest raster (windowed reads).

Each pixel is weighted by the exact fraction of it that the polygon covers, computed in closed
form (``cell_areas``); the result equals exactextract's coverage fractions (tests/checks).
"""

from __future__ import annotations

import math
import threading
from types import TracebackType
from typing import Any

import numpy as np
import rasterio
import shapely
from rasterio.windows import Window
from shapely.geometry.base import BaseGeometry

from geoservice.checks.model import Cover

FOREST = 1


_open = threading.local()


def shared(path: str) -> ForestMask:
    """This thread's open mask of ``path`` (raster files never change: a version is a file)."""
    masks: dict[str, ForestMask] = _open.__dict__.setdefault("masks", {})
    mask = masks.get(path)
    if mask is None:
        mask = masks[path] = ForestMask(path)
    return mask


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
        left, top = self._x0 + col0 * self._res_x, self._y0 - row0 * self._res_y
        weights = cell_areas(geom, left, top, self._res_x, self._res_y, width, height)
        weights /= self._pixel_m2
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




def cell_areas(
    geom: BaseGeometry, left: float, top: float, res_x: float, res_y: float, width: int,
    height: int,
) -> np.ndarray[Any, Any]:
    """Exact area of ``geom`` in each cell of a north-up grid (row 0 at the top), in m².

    With F(x, y) = area of geom ∩ {x' ≤ x, y' ≤ y}, Green's theorem gives
    F = −Σ over directed edges of ∫ min(y'(x'), y) dx' for x' ≤ x (exterior counter-clockwise,
    holes clockwise), a closed form per edge; a cell's area is F's mixed difference at its
    corners. Edges wholly left of a grid line add a per-row constant (a cumulative sum over
    edges sorted by their right end); only the few edges a grid line crosses are integrated
    per column, so the cost grows with rows × (edges + crossings), not rows × columns × edges.
    Coordinates are shifted to the grid corner to keep the sums small.
    """
    xs = np.arange(width + 1, dtype=np.float64) * res_x
    ys = -np.arange(height + 1, dtype=np.float64) * res_y
    rings = [ring - (left, top) for ring in _rings(geom)]
    if not rings:
        return np.zeros((height, width))
    xa = np.concatenate([r[:-1, 0] for r in rings])
    ya = np.concatenate([r[:-1, 1] for r in rings])
    xb = np.concatenate([r[1:, 0] for r in rings])
    yb = np.concatenate([r[1:, 1] for r in rings])
    keep = xa != xb
    xa, ya, xb, yb = xa[keep], ya[keep], xb[keep], yb[keep]
    corner = np.zeros((height + 1, width + 1))
    if xa.size:
        lo, hi, sign = np.minimum(xa, xb), np.maximum(xa, xb), np.sign(xb - xa)
        slope = (yb - ya) / (xb - xa)
        y_lo, y_hi = ya + (lo - xa) * slope, ya + (hi - xa) * slope
        full = _integral(ys, hi - lo, y_lo, y_hi) * sign
        order = np.argsort(hi, kind="stable")
        cumulative = np.concatenate([np.zeros((ys.size, 1)), np.cumsum(full[:, order], axis=1)],
                                    axis=1)
        corner = cumulative[:, np.searchsorted(hi[order], xs, side="right")]
        cols, edges = np.nonzero((lo[None, :] < xs[:, None]) & (xs[:, None] < hi[None, :]))
        if cols.size:
            x = xs[cols]
            part = _integral(ys, x - lo[edges], y_lo[edges],
                             ya[edges] + (x - xa[edges]) * slope[edges]) * sign[edges]
            starts = np.flatnonzero(np.r_[True, cols[1:] != cols[:-1]])
            corner[:, cols[starts]] += np.add.reduceat(part, starts, axis=1)
    corner = -corner
    cells: np.ndarray[Any, Any] = (corner[:-1, 1:] - corner[:-1, :-1] - corner[1:, 1:]
                                   + corner[1:, :-1])
    return cells


def _integral(
    ys: np.ndarray[Any, Any], length: np.ndarray[Any, Any], y0: np.ndarray[Any, Any],
    y1: np.ndarray[Any, Any],
) -> np.ndarray[Any, Any]:
    """∫ min(y(x), Y) dx over linear pieces (length, y0 → y1), for every Y in ``ys``."""
    du = y0[None, :] - ys[:, None]
    dv = y1[None, :] - ys[:, None]
    pos, neg = np.maximum(du, dv), np.minimum(du, dv)
    spread = np.where(pos > neg, pos - neg, 1.0)
    above = np.where(neg >= 0, (du + dv) / 2 * length,
                     np.where(pos <= 0, 0.0, length * pos * pos / (2 * spread)))
    result: np.ndarray[Any, Any] = (y0 + y1) / 2 * length - above
    return result


def _rings(geom: BaseGeometry) -> list[np.ndarray[Any, Any]]:
    """Coordinates of every ring, exteriors counter-clockwise and holes clockwise."""
    rings: list[np.ndarray[Any, Any]] = []
    for part in shapely.get_parts(geom):
        if part.geom_type == "Polygon":
            rings.append(_oriented(np.asarray(part.exterior.coords)[:, :2], True))
            rings.extend(_oriented(np.asarray(r.coords)[:, :2], False) for r in part.interiors)
        elif part.geom_type in ("MultiPolygon", "GeometryCollection"):
            rings.extend(_rings(part))
    return rings


def _oriented(xy: np.ndarray[Any, Any], counter_clockwise: bool) -> np.ndarray[Any, Any]:
    x, y = xy[:, 0] - xy[0, 0], xy[:, 1] - xy[0, 1]
    signed = float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))
    return xy if (signed > 0) == counter_clockwise else xy[::-1]
