"""Deterministic, realistic-looking stand outlines for the simulator's made-up stands."""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon


def blob(
    center: tuple[float, float],
    area_ha: float,
    vertices: int,
    seed: int,
    elongation: float = 1.0,
    angle_deg: float = 0.0,
) -> Polygon:
    """An irregular, always valid polygon of exactly ``area_ha`` (to the cm) around ``center``.

    The outline is star-shaped (radius as a smooth random function of the angle plus a little
    vertex noise), so it never self-intersects; coordinates are rounded to 1 cm like register
    data. Same arguments, same polygon: the seed fixes the shape.
    """
    if not 3 <= vertices <= 500:
        raise ValueError(f"vertices must be between 3 and 500, got {vertices}")
    rng = np.random.default_rng(seed)
    step = 2 * math.pi / vertices
    t = np.arange(vertices) * step + rng.uniform(-0.3, 0.3, vertices) * step
    radius = np.ones(vertices)
    for k in range(2, 6):
        radius += rng.uniform(0.0, 0.16 / (k - 1)) * np.cos(k * t + rng.uniform(0, 2 * math.pi))
    radius *= 1 + rng.uniform(-0.035, 0.035, vertices)
    x = radius * np.cos(t) * elongation
    y = radius * np.sin(t) / elongation
    a = math.radians(angle_deg)
    xr = x * math.cos(a) - y * math.sin(a)
    yr = x * math.sin(a) + y * math.cos(a)
    unit = Polygon(np.column_stack([xr, yr]))
    scale = math.sqrt(area_ha * 10_000.0 / unit.area)
    coords = np.column_stack([center[0] + xr * scale, center[1] + yr * scale])
    return Polygon(np.round(coords, 2))


def with_bowtie(polygon: Polygon, at: int) -> Polygon:
    """The polygon with exterior vertices ``at`` and ``at + 1`` swapped: a small bow-tie.

    That is the classic digitising slip (two clicks in the wrong order). The ring crosses
    itself once; ``shapely.make_valid`` repairs it with a small change of area.
    """
    ring = list(polygon.exterior.coords)[:-1]
    if not 1 <= at < len(ring) - 2:
        raise ValueError(f"bow-tie vertex {at} must be between 1 and {len(ring) - 3}")
    ring[at], ring[at + 1] = ring[at + 1], ring[at]
    return Polygon(ring)


def as_multipolygon(geometry: shapely.Geometry) -> MultiPolygon:
    """A Polygon or MultiPolygon as a MultiPolygon; anything else is a ValueError."""
    if isinstance(geometry, MultiPolygon):
        return geometry
    if isinstance(geometry, Polygon):
        return MultiPolygon([geometry])
    raise ValueError(f"expected a Polygon or MultiPolygon, got {geometry.geom_type}")
