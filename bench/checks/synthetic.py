"""National-scale synthetic land-use layers, generated fast with numpy.

Shapes are star-shaped noisy polygons (smooth radial noise, so they are simple and valid):
compartments fill a 100 m grid (about 1 ha each); agricultural blocks are a non-overlapping
coverage calibrated on the real LAD samples (see ``field_blocks``). The forest raster is smooth
noise, with the blocks mostly open land in 2020.
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


def field_blocks(region: Region, count: int, seed: int, extent: float = 200_000.0,
                 share: float = 0.35) -> Array:
    """LAD-like field blocks: a coverage (no two blocks overlap), calibrated on the real sample.

    Blocks are the cells of a Voronoi partition whose seed density varies smoothly (log-normal,
    so areas spread from a tenth of a hectare to a few hundred; cells over 400 ha are left out),
    over an ``extent`` × ``extent`` national-scale square centred on the raster region; ``share``
    of the cells, in contiguous farmland, are blocks. Each block keeps 4 m from its cell's edge
    (ditches, roads) and gets 37 · ha^0.75 vertices with a jitter of at most 1.5 m: the median
    of vertices / ha^0.75 is 33 and 42 in the two LAD field samples in ``shared/data/latvia``,
    whose median field is 1.7–2.4 ha. A block never leaves its cell, so blocks never overlap.
    """
    rng = np.random.default_rng(seed)
    x0 = region.x0 + region.size / 2 - extent / 2
    y0 = region.y0 + region.size / 2 - extent / 2
    cells_km = int(extent // 1000)
    density = np.exp(1.3 * _smooth_field(rng, cells_km, 8))
    n_cells = int(count / share)
    counts = rng.poisson(n_cells * density.ravel() / density.sum())
    which = np.repeat(np.arange(counts.size), counts)
    seeds = np.c_[x0 + (which % cells_km + rng.uniform(0, 1, which.size)) * 1000,
                  y0 + (which // cells_km + rng.uniform(0, 1, which.size)) * 1000]
    box = shapely.box(x0, y0, x0 + extent, y0 + extent)
    cells = shapely.get_parts(shapely.voronoi_polygons(
        shapely.multipoints(seeds), extend_to=box, ordered=True))
    farmland = _smooth_field(rng, cells_km, 20)
    fx = np.clip(((seeds[:, 0] - x0) // 1000).astype(int), 0, cells_km - 1)
    fy = np.clip(((seeds[:, 1] - y0) // 1000).astype(int), 0, cells_km - 1)
    rank = farmland[fy, fx] + rng.normal(0, 0.3, len(seeds))
    rank[shapely.area(cells) > 400 * 10_000] = -np.inf  # the largest LAD blocks are ~ 300 ha
    chosen = shapely.intersection(cells[np.argsort(-rank)[:int(count * 1.03)]], box)
    inner = shapely.buffer(chosen, -4.0, join_style="mitre")
    inner = inner[~shapely.is_empty(inner) & (shapely.area(inner) >= 1_000)]
    inner = np.array([max(shapely.get_parts(g), key=lambda p: p.area)
                      if g.geom_type == "MultiPolygon" else g for g in inner], dtype=object)[:count]
    ha = shapely.area(inner) / 10_000
    wanted = np.clip(37 * ha ** 0.75, 6, 4000)
    dense = shapely.segmentize(inner, shapely.length(inner) / wanted)
    coords = shapely.get_coordinates(dense)
    sizes = shapely.get_num_coordinates(dense)
    spacing = np.repeat(shapely.length(inner) / sizes, sizes)
    amp = np.minimum(1.5, 0.25 * spacing)[:, None]
    coords = coords + rng.uniform(-1, 1, coords.shape) * amp
    ends = np.cumsum(sizes) - 1
    coords[ends] = coords[ends - sizes + 1]  # rings stay closed
    out: Array = shapely.polygons(shapely.linearrings(coords, indices=np.repeat(
        np.arange(len(inner)), sizes)))
    rng.shuffle(out)
    return out


def _smooth_field(rng: np.random.Generator, n: int, coarse: int) -> Array:
    """An n × n field of smooth standard-normal-ish noise (bilinear from coarse × coarse)."""
    grid = rng.normal(0, 1, (coarse + 1, coarse + 1))
    t = np.linspace(0, coarse - 1e-9, n)
    i = t.astype(int)
    f = t - i
    rows = (1 - f)[:, None] * grid[i] + f[:, None] * grid[i + 1]
    field: Array = (1 - f)[None, :] * rows[:, i] + f[None, :] * rows[:, i + 1]
    field /= field.std()
    return field


def in_region(region: Region, geoms: Array) -> Array:
    """The geometries whose bounding box lies inside the raster region."""
    b = shapely.bounds(geoms)
    inside = ((b[:, 0] >= region.x0) & (b[:, 1] >= region.y0)
              & (b[:, 2] <= region.x0 + region.size) & (b[:, 3] <= region.y0 + region.size))
    selected: Array = geoms[inside]
    return selected


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
    """Felling areas of 0.3–5 ha (20–60 vertices), where fellings are: in forest, not in fields.

    Four in five lie anywhere at least 0.8 radii away from every agricultural block (their edge
    may still reach one). One in five sits at a point drawn uniformly along the blocks' edges (a
    long edge is likelier, as on a real forest edge), its centre moved out of the block by
    0–1.1 radii: some overlap a block by half, some by a sliver, some not at all.
    """
    rng = np.random.default_rng(seed)
    area_ha = rng.uniform(0.3, 5.0, count)
    radius = np.sqrt(area_ha * 10_000 / np.pi)
    tree = shapely.STRtree(blocks_geoms)
    centres = np.empty((0, 2))
    while len(centres) < count:
        xy = np.c_[rng.uniform(region.x0 + 300, region.x0 + region.size - 300, count),
                   rng.uniform(region.y0 + 300, region.y0 + region.size - 300, count)]
        clearance = 0.8 * radius[len(centres):len(centres) + count]
        xy = xy[:len(clearance)]
        in_fields = np.unique(tree.query(shapely.points(xy), predicate="dwithin",
                                         distance=clearance)[0])
        centres = np.r_[centres, np.delete(xy, in_fields, axis=0)]
    centres = centres[:count]
    near = np.flatnonzero(rng.uniform(0, 1, count) < 0.2)
    perimeter = shapely.length(blocks_geoms)
    picks = blocks_geoms[rng.choice(len(blocks_geoms), len(near), p=perimeter / perimeter.sum())]
    edge = shapely.get_coordinates(shapely.line_interpolate_point(
        shapely.get_exterior_ring(picks), rng.uniform(0, 1, len(near)), normalized=True))
    outward = edge - shapely.get_coordinates(shapely.centroid(picks))
    outward /= np.maximum(np.hypot(outward[:, 0], outward[:, 1]), 1e-9)[:, None]
    centres[near] = edge + outward * (radius[near] * rng.uniform(0, 1.1, len(near)))[:, None]
    out = np.empty(count, dtype=object)
    vertices = rng.choice([20, 32, 48, 60], count)
    for size in np.unique(vertices):
        sel = vertices == size
        out[sel] = stars(centres[sel], radius[sel], int(size), rng, roughness=0.2)
    return out
