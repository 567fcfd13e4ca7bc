"""Synthetic felling areas and agricultural blocks over Latvia, generated fast with numpy.

Every shape is a noisy star-shaped polygon: vertex angles strictly increase around a centre and
the radius stays positive, so the ring is simple (valid) whatever the noise; an area-preserving
stretch and a rotation (affine, so still simple) make fields elongated. Areas are exact: each
ring is scaled to its target area after the noise is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

Array = np.ndarray[Any, Any]

# Latvia's EPSG:3059 bounds used for the data (easting, northing).
EAST = (320_000.0, 770_000.0)
NORTH = (170_000.0, 450_000.0)


@dataclass(frozen=True)
class Shapes:
    """Polygons as hex EWKB MultiPolygons (SRID 3059) with their areas in hectares."""

    ewkb: list[str]
    area_ha: Array
    vertices: int


def stars(centres: Array, area_ha: Array, counts: Array, stretch: Array,
          rng: np.random.Generator) -> Shapes:
    """One polygon per centre with ``counts`` vertices, exactly ``area_ha`` large."""
    n = len(centres)
    total = int(counts.sum())
    owner = np.repeat(np.arange(n), counts)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    k = np.arange(total) - np.repeat(starts, counts)
    per = counts[owner].astype(float)
    theta = 2 * np.pi * (k + rng.uniform(0.0, 0.6, total)) / per
    radius = np.ones(total)
    for harmonic, amp in ((2, 0.22), (3, 0.14), (5, 0.07), (9, 0.03)):
        a = rng.uniform(0, amp, n)[owner]
        phase = rng.uniform(0, 2 * np.pi, n)[owner]
        radius += a * np.sin(harmonic * theta + phase)
    # Vertex jitter comparable to the vertex spacing: ragged edges, no needles on big polygons.
    radius += rng.normal(0, 1, total) * np.minimum(0.05, 2.0 / per)
    radius = np.clip(radius, 0.35, None)
    u = radius * np.cos(theta) * stretch[owner]
    v = radius * np.sin(theta) / stretch[owner]
    angle = rng.uniform(0, np.pi, n)[owner]
    x = u * np.cos(angle) - v * np.sin(angle)
    y = u * np.sin(angle) + v * np.cos(angle)
    # Shoelace area of each unit ring, then scale to the wanted area.
    nxt = np.arange(total) + 1
    nxt[np.cumsum(counts) - 1] = starts
    unit = 0.5 * np.add.reduceat(x * y[nxt] - x[nxt] * y, starts)
    scale = np.sqrt(area_ha * 10_000 / unit)[owner]
    coords = np.round(np.c_[centres[owner, 0] + x * scale, centres[owner, 1] + y * scale], 2)
    rings = shapely.linearrings(coords, indices=owner)
    multi = shapely.multipolygons(shapely.polygons(rings), indices=np.arange(n))
    # Binary WKB then bytes.hex(): several times faster than shapely's own hex output.
    ewkb = shapely.to_wkb(shapely.set_srid(multi, 3059), include_srid=True)
    return Shapes([b.hex() for b in ewkb], np.asarray(shapely.area(multi)) / 10_000, total)


def _uniform_centres(rng: np.random.Generator, count: int, margin: float) -> Array:
    centres: Array = np.c_[rng.uniform(EAST[0] + margin, EAST[1] - margin, count),
                 rng.uniform(NORTH[0] + margin, NORTH[1] - margin, count)]
    return centres


def felling_areas(count: int, seed: int) -> Shapes:
    """Felling areas of 0.3–6 ha (skewed small) with 20–80 vertices, uniformly over Latvia."""
    rng = np.random.default_rng(seed)
    area_ha = 0.3 + 5.7 * rng.beta(1.4, 3.0, count)
    counts = rng.integers(20, 81, count)
    stretch = rng.uniform(1.0, 1.8, count)
    return stars(_uniform_centres(rng, count, 500), area_ha, counts, stretch, rng)


def agricultural_blocks(count: int, seed: int) -> Shapes:
    """Field blocks: log-normal areas 0.1 ha to a few hundred ha, clustered in farming regions.

    Vertex counts grow with size (about 10 for 0.1 ha, hundreds at 100 ha, thousands for the
    biggest ones, whose edges follow ditches and forest margins).
    """
    rng = np.random.default_rng(seed)
    area_ha = np.clip(rng.lognormal(np.log(1.6), 1.25, count), 0.1, 450.0)
    big = max(1, count // 1500)  # ~200 blocks of 100–450 ha
    area_ha[:big] = rng.uniform(100, 450, big)
    raggedness = rng.uniform(0.4, 2.0, count)
    counts = np.clip((8 + 12 * area_ha ** 0.8 * raggedness).astype(int), 8, 5000)
    stretch = rng.uniform(1.0, 2.5, count)
    clusters = _uniform_centres(rng, 1500, 5000)
    clustered = rng.uniform(0, 1, count) < 0.7
    centres = _uniform_centres(rng, count, 1500)
    picks = rng.integers(0, len(clusters), int(clustered.sum()))
    centres[clustered] = clusters[picks] + rng.normal(0, 4000, (int(clustered.sum()), 2))
    centres[:, 0] = np.clip(centres[:, 0], EAST[0] + 1500, EAST[1] - 1500)
    centres[:, 1] = np.clip(centres[:, 1], NORTH[0] + 1500, NORTH[1] - 1500)
    return stars(centres, area_ha, counts, stretch, rng)
