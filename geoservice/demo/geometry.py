"""Shape helpers for the demo layers: field-like polygons and exact-fraction overlaps."""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import Polygon

from geoservice.vmd.shapes import blob


def field_shape(
    center: tuple[float, float], width: float, height: float, angle_deg: float, seed: int
) -> Polygon:
    """A field-block-like outline: a rotated quadrilateral with wobbly, densified edges."""
    rng = np.random.default_rng(seed)
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=float) * [width / 2, height / 2]
    corners += rng.normal(0, min(width, height) * 0.06, corners.shape)
    points = []
    for i in range(4):
        a, b = corners[i], corners[(i + 1) % 4]
        steps = int(rng.integers(2, 6))
        for t in np.linspace(0, 1, steps, endpoint=False):
            offset = 0.0 if t == 0 else float(rng.normal(0, 2.5))
            normal = np.array([a[1] - b[1], b[0] - a[0]]) / float(np.hypot(*(b - a)))
            points.append(a + (b - a) * t + normal * offset)
    xy = np.array(points)
    rad = math.radians(angle_deg)
    rot = np.array([[math.cos(rad), -math.sin(rad)], [math.sin(rad), math.cos(rad)]])
    out = xy @ rot.T + np.array(center)
    return shapely.make_valid(Polygon(np.round(out, 2))).buffer(0)


def side_cut(
    target: Polygon, fraction: float, angle_deg: float, outer_ha: float, seed: int
) -> Polygon:
    """An irregular polygon reaching in from the ``angle_deg`` side of ``target``, covering
    exactly ``fraction`` of it (to 0.01 %), and extending outward over ``outer_ha`` of land.

    Used to design overlaps: a field block covering 45 % of a stand, a 100 m² sliver, a permit.
    """
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be between 0 and 1, got {fraction}")
    u = np.array([math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))])
    c = np.array(target.centroid.coords[0])
    outer = blob(tuple(c + u * 110.0), outer_ha, 40, seed, 1.2, angle_deg)
    outer = shapely.union(outer, target)
    coords = shapely.get_coordinates(target) - c
    lo, hi = float((coords @ u).min()), float((coords @ u).max())
    far = 2000.0
    v = np.array([-u[1], u[0]])

    def cut(t: float) -> Polygon:
        a, b = c + u * t, c + u * far
        half = Polygon([a - v * far, a + v * far, b + v * far, b - v * far])
        return shapely.intersection(outer, half)

    for _ in range(60):
        mid = (lo + hi) / 2
        share = shapely.intersection(cut(mid), target).area / target.area
        if share > fraction:
            lo = mid
        else:
            hi = mid
    result = cut((lo + hi) / 2)
    if not isinstance(result, Polygon):
        raise ValueError("the outer land does not join the cut part; give a larger outer_ha")
    return Polygon(np.round(shapely.get_coordinates(result.exterior), 2))
