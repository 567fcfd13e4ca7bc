"""Exact 2020 forest share of polygons from the forest raster, a batch at a time.

Each pixel is weighted by the exact fraction of it that the polygon covers (``fractions``): the
boundary is cut at every pixel edge and Green's theorem gives each cell's area in closed form,
for all polygons of a batch in a few numpy calls. The result equals exactextract's coverage
fractions (tests/checks). Pixels come from a per-process cache of the raster's blocks.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import numpy as np
import rasterio
import shapely
from rasterio.windows import Window
from shapely.geometry.base import BaseGeometry

from geoservice.checks.model import Cover

FOREST = 1
CACHED_BLOCKS = 1024  # 64 MiB of 256 × 256 byte blocks per open raster
Array = np.ndarray[Any, Any]
Bounds = tuple[float, float, float, float]

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
        self._block_h, self._block_w = self._ds.block_shapes[0]
        self._blocks: OrderedDict[tuple[int, int], Array] = OrderedDict()

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
        return self.covers([geom])[0]

    def covers(self, geoms: Sequence[BaseGeometry], within: Sequence[Bounds | None] | None = None,
               ) -> list[Cover]:
        """``cover`` of each geometry, computed together.

        ``within[i]``, when given, is a box that contains ``geoms[i]`` (the felling area of an
        overlap): geometries with the same box share one read of the pixels.
        """
        if not geoms:
            return []
        boxes = [g.bounds if w is None else w for g, w in
                 zip(geoms, within or [None] * len(geoms), strict=True)]
        windows = [self._window(b) for b in boxes]
        pixels: dict[tuple[int, int, int, int], Array] = {}
        data = []
        for window in windows:
            block = pixels.get(window)
            if block is None:
                block = pixels[window] = self._read(*window).T.ravel()  # column-major
            data.append(block)
        cols, rows, widths, heights = (np.array(v) for v in zip(*windows, strict=True))
        weights = fractions(np.asarray(geoms, dtype=object),
                            self._x0 + cols * self._res_x, self._y0 - rows * self._res_y,
                            self._res_x, self._res_y, widths, heights)
        values = np.concatenate(data)
        starts = np.concatenate([[0], np.cumsum(widths * heights)[:-1]])
        forest = np.add.reduceat(weights * (values == FOREST), starts) * self._pixel_m2
        other = np.add.reduceat(weights * ((values != self._nodata) & (values != FOREST)),
                                starts) * self._pixel_m2
        areas = shapely.area(np.asarray(geoms, dtype=object))
        empty = shapely.is_empty(np.asarray(geoms, dtype=object))
        forest, other = np.maximum(forest, 0.0), np.maximum(other, 0.0)  # no −0.0 % from noise
        return [Cover(0.0, 0.0, 0.0) if e else Cover(float(f), float(o), max(float(a - f - o), 0.0))
                for f, o, a, e in zip(forest, other, areas, empty, strict=True)]

    def _window(self, bounds: Bounds) -> tuple[int, int, int, int]:
        """(col, row, width, height) of the pixels around ``bounds``."""
        minx, miny, maxx, maxy = bounds
        col0 = math.floor((minx - self._x0) / self._res_x)
        col1 = math.ceil((maxx - self._x0) / self._res_x)
        row0 = math.floor((self._y0 - maxy) / self._res_y)
        row1 = math.ceil((self._y0 - miny) / self._res_y)
        return col0, row0, max(col1 - col0, 1), max(row1 - row0, 1)

    def _read(self, c0: int, r0: int, w: int, h: int) -> Array:
        """Pixels of a window from the cached blocks; outside the raster they are nodata."""
        out = np.full((h, w), self._nodata, dtype=self._ds.dtypes[0])
        cs, rs = max(c0, 0), max(r0, 0)
        ce, re_ = min(c0 + w, self._ds.width), min(r0 + h, self._ds.height)
        bw, bh = self._block_w, self._block_h
        for bi in range(rs // bh, (re_ - 1) // bh + 1) if re_ > rs and ce > cs else ():
            for bj in range(cs // bw, (ce - 1) // bw + 1):
                block = self._block(bi, bj)
                y0, x0 = bi * bh, bj * bw
                ya, yb = max(rs, y0), min(re_, y0 + block.shape[0])
                xa, xb = max(cs, x0), min(ce, x0 + block.shape[1])
                out[ya - r0:yb - r0, xa - c0:xb - c0] = block[ya - y0:yb - y0, xa - x0:xb - x0]
        return out

    def _block(self, bi: int, bj: int) -> Array:
        block = self._blocks.get((bi, bj))
        if block is None:
            bw, bh = self._block_w, self._block_h
            block = self._ds.read(1, window=Window(
                bj * bw, bi * bh, min(bw, self._ds.width - bj * bw),
                min(bh, self._ds.height - bi * bh)))
            self._blocks[(bi, bj)] = block
            if len(self._blocks) > CACHED_BLOCKS:
                self._blocks.popitem(last=False)
        else:
            self._blocks.move_to_end((bi, bj))
        return block


def cell_areas(
    geom: BaseGeometry, left: float, top: float, res_x: float, res_y: float, width: int,
    height: int,
) -> Array:
    """Exact area of ``geom`` in each cell of a north-up grid (row 0 at the top), in m²."""
    weights = fractions(np.array([geom], dtype=object), np.array([left]), np.array([top]),
                        res_x, res_y, np.array([width]), np.array([height]))
    cells: Array = weights.reshape(width, height).T * (res_x * res_y)
    return cells


def fractions(
    geoms: Array, lefts: Array, tops: Array, res_x: float, res_y: float, widths: Array,
    heights: Array,
) -> Array:
    """Covered fraction of every cell of every geometry's grid, concatenated column-major.

    Geometry ``i`` has a north-up grid of ``widths[i]`` × ``heights[i]`` cells whose top-left
    corner is (``lefts[i]``, ``tops[i]``) and which contains it. In pixel units (u east, y
    north), Green's theorem gives a region's area as −∮ (y − y₀) du for any constant y₀. Every
    edge is cut where it crosses a pixel edge, so each piece lies in one cell; the area of
    polygon ∩ cell is −Σ du·(ȳ − y_bottom) over the pieces inside the cell, plus −Σ du over
    the pieces above it in the same column (a cumulative sum down each column). Exteriors count
    counter-clockwise and holes clockwise; a ring of the other orientation changes sign.
    """
    sizes = widths * heights
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    out = np.zeros(int(offsets[-1]))
    parts, owner = shapely.get_parts(geoms, return_index=True)
    while True:
        nested = np.isin(shapely.get_type_id(parts), (6, 7))
        if not nested.any():
            break
        sub, idx = shapely.get_parts(parts[nested], return_index=True)
        parts = np.concatenate([parts[~nested], sub])
        owner = np.concatenate([owner[~nested], owner[nested][idx]])
    polygons = shapely.get_type_id(parts) == 3
    parts, owner = parts[polygons], owner[polygons]
    if not parts.size:
        return out
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    first = np.r_[True, ring_part[1:] != ring_part[:-1]]  # the exterior comes first
    sign = np.where(shapely.is_ccw(rings) == first, 1.0, -1.0)
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    edge_ring = ring[:-1][same]
    item = owner[ring_part[edge_ring]]
    sign = sign[edge_ring]
    ua = (xy[:-1, 0][same] - lefts[item]) / res_x
    ub = (xy[1:, 0][same] - lefts[item]) / res_x
    va = (tops[item] - xy[:-1, 1][same]) / res_y
    vb = (tops[item] - xy[1:, 1][same]) / res_y
    moving = ua != ub  # vertical edges add nothing to −∮ y du
    ua, ub, va, vb, item, sign = (a[moving] for a in (ua, ub, va, vb, item, sign))
    n = ua.size
    # Parameters t ∈ (0, 1) where an edge crosses a pixel column or row line.
    t_cols = _crossings(ua, ub)
    t_rows = _crossings(va, vb)
    edge = np.concatenate([np.arange(n), np.arange(n), t_cols[0], t_rows[0]])
    t = np.concatenate([np.zeros(n), np.ones(n), t_cols[1], t_rows[1]])
    order = np.lexsort((t, edge))
    edge, t = edge[order], t[order]
    piece = edge[1:] == edge[:-1]
    e, t0, t1 = edge[:-1][piece], t[:-1][piece], t[1:][piece]
    du = (ub[e] - ua[e]) * (t1 - t0)
    mid = (t0 + t1) / 2
    u_mid = ua[e] + (ub[e] - ua[e]) * mid
    v_mid = va[e] + (vb[e] - va[e]) * mid
    it = item[e]
    h = heights[it]
    col = np.clip(np.floor(u_mid).astype(np.int64), 0, widths[it] - 1)
    row = np.clip(np.floor(v_mid).astype(np.int64), 0, h - 1)
    base = offsets[it] + col * h
    signed = du * sign[e]
    out += np.bincount(base + row, weights=-signed * (row + 1 - v_mid), minlength=out.size)
    below = row + 1 < h
    step = np.bincount((base + row + 1)[below], weights=-signed[below], minlength=out.size)
    running = np.cumsum(step)
    col_starts = np.repeat(offsets[:-1], widths) + np.concatenate(
        [np.arange(w) * hh for w, hh in zip(widths, heights, strict=True)])
    before = np.concatenate([[0.0], running])[col_starts]
    out += running - np.repeat(before, np.repeat(heights, widths))
    return out


def _crossings(a: Array, b: Array) -> tuple[Array, Array]:
    """(edge index, t) for every integer strictly between a[i] and b[i] on edge a → b."""
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    first = np.floor(lo).astype(np.int64) + 1
    last = np.ceil(hi).astype(np.int64) - 1
    count = np.maximum(last - first + 1, 0)
    edge = np.repeat(np.arange(a.size), count)
    k = np.arange(edge.size) - np.repeat(np.cumsum(count) - count, count) + first[edge]
    t = (k - a[edge]) / (b[edge] - a[edge])
    return edge, t
