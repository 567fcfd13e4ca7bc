"""A synthetic Latvia: LAD-like field blocks in two versions, felling areas, a GFC2020-like tile.

Field blocks are made tile by tile (30 km × 30 km, 15 × 9 tiles over E 310 000–760 000,
N 170 000–440 000 in EPSG:3059) with ``bench.checks.synthetic.field_blocks``, so each tile is a
non-overlapping coverage calibrated on the real LAD samples; blocks keep 4 m from their cell's
edge and tiles do not overlap, so the national layer is a coverage too. Each tile is
deterministic in (GENERATOR_VERSION, seed, tile), so version 2 is the same tiles with 1 % of the
blocks changed: 0.5 % altered (scaled by 2 % about their centroid, which stays inside the 8 m
gap to the neighbours), 0.25 % removed, 0.25 % added (cells left empty in version 1).

``--scale`` keeps the density and calibration and takes fewer tiles: the ones nearest the
centre (7 of 135 at 0.05).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import shapely
from affine import Affine
from pyproj import Transformer
from rasterio.windows import Window

from bench.checks import synthetic as checks_synthetic

Array = np.ndarray[Any, Any]

GENERATOR_VERSION = 1
SEED = 12
BLOCKS = 1_200_000
CERTIFICATES = 100_000
E0, E1, N0, N1 = 310_000.0, 760_000.0, 170_000.0, 440_000.0
TILE = 30_000.0
COLUMNS, ROWS = int((E1 - E0) // TILE), int((N1 - N0) // TILE)  # 15 × 9
# share of Voronoi cells that become blocks, tuned so the national median is ≈ 2.1 ha with
# 37·ha^0.75 vertices (median ≈ 67–69) as in the real samples; 1.1 × blocks are asked for so
# that every tile has its full count plus cells for the blocks added in version 2.
SHARE = 0.55
ASKED = 1.1
ALTERED, REMOVED, ADDED = 0.005, 0.0025, 0.0025


@dataclass(frozen=True)
class Tile:
    index: int  # row-major over the national grid
    column: int
    row: int
    blocks: int  # in version 1

    @property
    def x0(self) -> float:
        return E0 + self.column * TILE

    @property
    def y0(self) -> float:
        return N0 + self.row * TILE


@dataclass(frozen=True)
class TileBlocks:
    """One tile's blocks in both versions; ``v1_ids``/``v2_ids`` are 0-based OBJECTID - 1."""

    v1: Array
    v2_kept: Array  # geometries of version 2 for the kept ids (altered ones changed)
    v2_kept_ids: Array  # indexes into v1 that survive
    altered: Array  # bool per kept id
    added: Array  # geometries only in version 2


def tiles(scale: float) -> list[Tile]:
    """The tiles of this scale, nearest the centre first, in national row-major order."""
    total = COLUMNS * ROWS
    n = max(1, min(total, round(total * scale)))
    cx, cy = (COLUMNS - 1) / 2, (ROWS - 1) / 2
    order = sorted(range(total), key=lambda i: ((i % COLUMNS - cx) ** 2 + (i // COLUMNS - cy)
                                                 ** 2, i))
    per, extra = divmod(BLOCKS, total)  # the national density, whatever the scale
    return [Tile(i, i % COLUMNS, i // COLUMNS, per + (i < extra)) for i in sorted(order[:n])]


def tile_blocks(tile: Tile, seed: int = SEED) -> TileBlocks:
    """Version 1 and 2 of one tile's blocks (deterministic)."""
    region = checks_synthetic.Region(x0=tile.x0, y0=tile.y0, size=TILE)
    n_added = round(tile.blocks * ADDED)
    attempt = 0
    while True:
        tile_seed = (GENERATOR_VERSION * 1_000_003 + seed * 10_007 + tile.index) * 31 + attempt
        made = checks_synthetic.field_blocks(region, int(tile.blocks * ASKED), seed=tile_seed,
                                             extent=TILE, share=SHARE * ASKED)
        if len(made) >= tile.blocks + n_added:
            break
        attempt += 1
    rng = np.random.default_rng(tile_seed + 7)
    v1 = made[:tile.blocks]
    added = made[tile.blocks:tile.blocks + n_added]
    fate = rng.permutation(tile.blocks)
    n_removed, n_altered = round(tile.blocks * REMOVED), round(tile.blocks * ALTERED)
    removed = np.zeros(tile.blocks, dtype=bool)
    removed[fate[:n_removed]] = True
    altered = np.zeros(tile.blocks, dtype=bool)
    altered[fate[n_removed:n_removed + n_altered]] = True
    kept_ids = np.flatnonzero(~removed)
    kept = v1[kept_ids].copy()
    kept_altered = altered[kept_ids]
    kept[kept_altered] = _scaled(kept[kept_altered], 1.02)
    return TileBlocks(v1=v1, v2_kept=kept, v2_kept_ids=kept_ids, altered=kept_altered,
                      added=added)


def _scaled(geoms: Array, factor: float) -> Array:
    if len(geoms) == 0:
        return geoms
    centres = shapely.get_coordinates(shapely.centroid(geoms))
    sizes = shapely.get_num_coordinates(geoms)
    coords = shapely.get_coordinates(geoms)
    middle = np.repeat(centres, sizes, axis=0)
    out: Array = shapely.set_coordinates(geoms.copy(), middle + (coords - middle) * factor)
    return out


def felling_areas(tile: Tile, count: int, blocks: Array, seed: int = SEED) -> Array:
    """``count`` felling areas of 0.3–5 ha in the tile's forest, a fifth on block edges."""
    region = checks_synthetic.Region(x0=tile.x0, y0=tile.y0, size=TILE)
    out: Array = checks_synthetic.felling_areas(region, count, blocks,
                                                seed=seed * 1_000 + tile.index)
    return out


# --- the forest raster: one 10°×10° GFC2020 tile, data only over Latvia ----------------------

PIXEL = 8.983152841195215e-05
TILE_WEST, TILE_NORTH, TILE_PIXELS = 20.0, 60.0, 111_320
LATVIA_LONLAT = (20.9, 55.6, 28.3, 58.1)
RASTER_BLOCK = 512
SPECKLE = 0.2


def raster_data_box(scale: float, chosen: list[Tile]) -> tuple[int, int, int, int]:
    """(col0, row0, col1, row1) in pixels, block-aligned: Latvia's box, or at a smaller scale
    the box of the chosen tiles (with a 2 km margin) inside it."""
    west, south, east, north = LATVIA_LONLAT
    if scale < 1:
        to_lonlat = Transformer.from_crs(3059, 4326, always_xy=True)
        xs = [t.x0 + d for t in chosen for d in (-2_000, TILE + 2_000)]
        ys = [t.y0 + d for t in chosen for d in (-2_000, TILE + 2_000)]
        lon, lat = to_lonlat.transform(np.array([min(xs), max(xs), min(xs), max(xs)]),
                                       np.array([min(ys), min(ys), max(ys), max(ys)]))
        west, east = max(west, float(lon.min())), min(east, float(lon.max()))
        south, north = max(south, float(lat.min())), min(north, float(lat.max()))
    b = RASTER_BLOCK
    col0 = int((west - TILE_WEST) / PIXEL) // b * b
    col1 = -(-int((east - TILE_WEST) / PIXEL) // b) * b
    row0 = int((TILE_NORTH - north) / PIXEL) // b * b
    row1 = -(-int((TILE_NORTH - south) / PIXEL) // b) * b
    return col0, row0, min(col1, TILE_PIXELS), min(row1, TILE_PIXELS)


def _node_noise(rows: Array, cols: Array, seed: int) -> Array:
    """Value noise in [-1, 1] at integer grid nodes, hashed so any window can be made alone."""
    h = ((rows.astype(np.uint64)[:, None] * np.uint64(0x9E3779B97F4A7C15))
         ^ (cols.astype(np.uint64)[None, :] * np.uint64(0xC2B2AE3D27D4EB4F))
         ^ np.uint64(seed * 0x165667B19E3779F9 % 2**64))
    h ^= h >> np.uint64(29)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(32)
    out: Array = (h >> np.uint64(40)).astype(np.float32) / np.float32(2**23) - np.float32(1)
    return out


def _octave(row0: int, n_rows: int, col0: int, n_cols: int, spacing: int, seed: int) -> Array:
    """Bilinear value noise with nodes every ``spacing`` pixels over a pixel window.

    The window starts and ends on multiples of ``spacing``, so the interpolation weights repeat
    every ``spacing`` pixels and broadcast instead of being gathered.
    """
    assert row0 % spacing == col0 % spacing == n_rows % spacing == n_cols % spacing == 0
    ni, nj = n_rows // spacing, n_cols // spacing
    i0, j0 = row0 // spacing, col0 // spacing
    nodes = _node_noise(np.arange(i0, i0 + ni + 1), np.arange(j0, j0 + nj + 1), seed)
    t = ((np.arange(spacing) + 0.5) / spacing).astype(np.float32)
    along = (nodes[:-1, None, :] * (1 - t)[None, :, None]
             + nodes[1:, None, :] * t[None, :, None]).reshape(n_rows, nj + 1)
    out: Array = (along[:, :-1, None] * (1 - t) + along[:, 1:, None] * t).reshape(n_rows, n_cols)
    return out


def forest_window(row0: int, n_rows: int, col0: int, n_cols: int, seed: int) -> Array:
    """uint8 forest mask (1 forest, 0 not) of a pixel window: multi-octave noise at ~50 %.

    Octaves of 2.9 km, 740 m, 185 m and 46 m (in latitude; half that in longitude at 57° N)
    give forest massifs, fields between them and ragged edges; a per-pixel speckle makes the
    edges as noisy as a classified 10 m product (single pixels and pairs along every edge).
    """
    field = _octave(row0, n_rows, col0, n_cols, 256, seed)
    for spacing, weight in ((64, 0.5), (16, 0.3), (4, 0.15)):
        field += np.float32(weight) * _octave(row0, n_rows, col0, n_cols, spacing,
                                              seed + spacing)
    rng = np.random.default_rng((seed, row0, col0))
    field += np.float32(SPECKLE) * (rng.random(field.shape, dtype=np.float32) - np.float32(0.5))
    out: Array = (field > 0).astype(np.uint8)
    return out


def forest_raster(path: Path, box: tuple[int, int, int, int], seed: int = SEED) -> dict[str, Any]:
    """Write the tile N60 E20 as a COG (DEFLATE, 512 blocks, SPARSE_OK): data only in ``box``."""
    from rasterio.shutil import copy as rio_copy

    col0, row0, col1, row1 = box
    transform = Affine(PIXEL, 0, TILE_WEST, 0, -PIXEL, TILE_NORTH)
    plain = path.with_suffix(".sparse.tif")
    profile = {"driver": "GTiff", "width": TILE_PIXELS, "height": TILE_PIXELS, "count": 1,
               "dtype": "uint8", "crs": "EPSG:4326", "transform": transform, "nodata": 255,
               "tiled": True, "blockxsize": RASTER_BLOCK, "blockysize": RASTER_BLOCK,
               "compress": "deflate", "zlevel": 1, "sparse_ok": True, "bigtiff": "yes",
               "num_threads": 2}
    forest = 0
    with rasterio.open(plain, "w", **profile) as dst:
        for r in range(row0, row1, RASTER_BLOCK):
            n = min(RASTER_BLOCK, row1 - r)
            data = forest_window(r, n, col0, col1 - col0, seed)
            forest += int(data.sum())
            dst.write(data, 1, window=Window(col0, r, col1 - col0, n))
    rio_copy(plain, path, driver="COG", COMPRESS="DEFLATE", BLOCKSIZE=RASTER_BLOCK,
             SPARSE_OK="TRUE", NUM_THREADS="2", BIGTIFF="IF_SAFER", RESAMPLING="NEAREST")
    plain.unlink()
    pixels = (col1 - col0) * (row1 - row0)
    return {"data_pixels": pixels, "forest_share": forest / pixels,
            "data_box_px": list(box), "bytes": path.stat().st_size}


def blocks_by_tile(scale: float, seed: int = SEED) -> Iterator[tuple[Tile, TileBlocks]]:
    for tile in tiles(scale):
        yield tile, tile_blocks(tile, seed)
