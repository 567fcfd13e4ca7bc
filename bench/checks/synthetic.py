"""National-scale synthetic land-use layers, generated fast with numpy.

Shapes are star-shaped noisy polygons (smooth radial noise, so they are simple and valid):
compartments fill a 100 m grid (about 1 ha each); agricultural blocks have log-normal areas from
0.1 ha to a few hundred ha, with vertex counts growing with size (hundreds to thousands for the
big ones). The forest raster is smooth noise, with the blocks mostly open land in 2020.
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
from rasterio.features import rasterize

Array = np.ndarray[Any, Any]


@dataclass(frozen=True)
class Region:
    """The benchmark region in EPSG:3059 and the raster resolution."""

    x0: float = 500_000.0
    y0: float = 250_000.0
    size: float = 100_000.0
    pixel: float = 10.0


def stars(centres: Array, radii: Array, vertices: int, rng: np.random.Generator,
          roughness: float = 0.25) -> Array:
    """Star-shaped polygons with ``vertices`` vertices around ``centres``, area ≈ π r²."""
    n = len(centres)
    theta = np.linspace(0, 2 * np.pi, vertices, endpoint=False)[None, :]
    theta = theta + rng.uniform(0, 2 * np.pi / vertices * 0.4, (n, vertices))
    noise = np.ones((n, vertices))
    for k, amp in ((2, roughness), (3, roughness * 0.6), (5, roughness * 0.3)):
        noise += amp * rng.uniform(0, 1, (n, 1)) * np.sin(k * theta + rng.uniform(0, 6.3, (n, 1)))
    noise += rng.normal(0, 0.02, (n, vertices))
    r = radii[:, None] * np.clip(noise, 0.3, None)
    xy = np.stack([centres[:, 0:1] + r * np.cos(theta), centres[:, 1:2] + r * np.sin(theta)],
                  axis=-1)
    ring = np.concatenate([xy, xy[:, :1]], axis=1)
    polys: Array = shapely.polygons(ring)
    return polys


def compartments(region: Region, cell: float, seed: int, chunk: int = 100_000) -> Iterator[Array]:
    """Forest compartments: one noisy polygon per grid cell (8–24 vertices), in chunks."""
    rng = np.random.default_rng(seed)
    per_side = int(region.size // cell)
    index = np.arange(per_side * per_side)
    for start in range(0, index.size, chunk):
        ids = index[start:start + chunk]
        centres = np.c_[region.x0 + (ids % per_side + 0.5) * cell,
                        region.y0 + (ids // per_side + 0.5) * cell]
        vertices = int(rng.choice([8, 12, 16, 24]))
        yield stars(centres, np.full(len(ids), cell * 0.45), vertices, rng, roughness=0.1)


def blocks(region: Region, count: int, seed: int) -> Array:
    """Agricultural blocks: log-normal areas (median 0.6 ha), 0.1 ha to >100 ha."""
    rng = np.random.default_rng(seed)
    area_ha = np.clip(rng.lognormal(np.log(0.6), 1.3, count), 0.1, None)
    area_ha[: max(1, count // 2000)] = rng.uniform(100, 300, max(1, count // 2000))  # big ones
    radii = np.sqrt(area_ha * 10_000 / np.pi)
    centres = np.c_[rng.uniform(region.x0 + 500, region.x0 + region.size - 500, count),
                    rng.uniform(region.y0 + 500, region.y0 + region.size - 500, count)]
    wanted = np.clip(30 * area_ha ** 0.75, 8, 4000)
    buckets = np.array([8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096])
    chosen = buckets[np.searchsorted(buckets, wanted)]
    out = np.empty(count, dtype=object)
    for size in np.unique(chosen):
        sel = chosen == size
        out[sel] = stars(centres[sel], radii[sel], int(size), rng)
    return out


def forest_raster(region: Region, path: Path, blocks_geoms: Array, seed: int) -> Path:
    """10 m forest mask: smooth noise ~55 % forest; 95 % of blocks open land; a nodata strip."""
    rng = np.random.default_rng(seed)
    n = int(region.size / region.pixel)
    coarse = rng.normal(0, 1, (n // 100 + 2, n // 100 + 2))
    rows = np.linspace(0, coarse.shape[0] - 1.001, n)
    cols = np.linspace(0, coarse.shape[1] - 1.001, n)
    c0 = cols.astype(int)
    fc = (cols - c0)[None, :]
    data = np.empty((n, n), dtype="uint8")
    for start in range(0, n, 1000):  # bilinear upsampling, 1 000 rows at a time
        r = rows[start:start + 1000]
        r0 = r.astype(int)
        fr = (r - r0)[:, None]
        top = (1 - fc) * coarse[r0][:, c0] + fc * coarse[r0][:, c0 + 1]
        bottom = (1 - fc) * coarse[r0 + 1][:, c0] + fc * coarse[r0 + 1][:, c0 + 1]
        data[start:start + 1000] = ((1 - fr) * top + fr * bottom) > -0.12
    transform = Affine(region.pixel, 0, region.x0, 0, -region.pixel, region.y0 + region.size)
    cleared = blocks_geoms[rng.uniform(0, 1, len(blocks_geoms)) < 0.95]
    rasterize(((g, 0) for g in cleared), out=data, transform=transform)
    data[:, -200:] = 255  # a tile seam without data along the east edge
    with rasterio.open(path, "w", driver="GTiff", width=n, height=n, count=1, dtype="uint8",
                       crs="EPSG:3059", nodata=255, transform=transform, tiled=True,
                       blockxsize=256, blockysize=256, compress="deflate") as dst:
        dst.write(data, 1)
    return path


def felling_areas(region: Region, count: int, blocks_geoms: Array, seed: int) -> Array:
    """Felling areas of 0.3–5 ha (20–60 vertices); one in five next to an agricultural block."""
    rng = np.random.default_rng(seed)
    area_ha = rng.uniform(0.3, 5.0, count)
    centres = np.c_[rng.uniform(region.x0 + 300, region.x0 + region.size - 300, count),
                    rng.uniform(region.y0 + 300, region.y0 + region.size - 300, count)]
    near = rng.uniform(0, 1, count) < 0.2
    picks = rng.integers(0, len(blocks_geoms), int(near.sum()))
    edge = shapely.get_point(shapely.get_exterior_ring(blocks_geoms[picks]), 0)
    centres[near] = shapely.get_coordinates(edge)
    out = np.empty(count, dtype=object)
    vertices = rng.choice([20, 32, 48, 60], count)
    for size in np.unique(vertices):
        sel = vertices == size
        out[sel] = stars(centres[sel], np.sqrt(area_ha[sel] * 10_000 / np.pi), int(size), rng,
                         roughness=0.2)
    return out
