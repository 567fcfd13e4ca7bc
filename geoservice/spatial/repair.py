"""Repair of invalid polygons with ``make_valid``, only when the area barely changes.

A self-crossing ring (two clicks in the wrong order) is repaired with a tiny change of area; a
ring drawn in a figure eight around half the area is not a slip, and guessing would move the
felling area's boundary, so that is refused with the reason.
"""

from __future__ import annotations

import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.validation import explain_validity

from geoservice.errors import ValidationFailed

# Largest relative change of area accepted from a repair (1 %).
REPAIR_TOLERANCE = 0.01


def polygonal_part(geometry: shapely.Geometry) -> MultiPolygon:
    """The polygons of a geometry (make_valid may add lines and points) as a MultiPolygon."""
    if isinstance(geometry, MultiPolygon):
        return geometry
    if isinstance(geometry, Polygon):
        return MultiPolygon([geometry])
    parts = [g for g in shapely.get_parts(geometry) if isinstance(g, (Polygon, MultiPolygon))]
    polygons: list[Polygon] = []
    for part in parts:
        polygons.extend(part.geoms if isinstance(part, MultiPolygon) else [part])
    return MultiPolygon(polygons)


def repair(
    geometry: MultiPolygon, *, tolerance: float = REPAIR_TOLERANCE, field: str = "geometry"
) -> tuple[MultiPolygon, bool]:
    """``(valid geometry, repaired?)``; 422 when repairing would change the area too much."""
    if geometry.is_valid:
        return geometry, False
    reason = explain_validity(geometry)
    fixed = polygonal_part(shapely.make_valid(geometry))
    before = abs(geometry.area)
    after = fixed.area
    change = abs(after - before) / max(after, before) if max(after, before) > 0 else 1.0
    if fixed.is_empty or change > tolerance:
        raise ValidationFailed(
            f"{field}: the polygon is invalid ({reason}) and repairing it would change its area "
            f"by {change * 100:.1f} % (at most {tolerance * 100:g} % is repaired "
            "automatically); correct the drawing and send it again.",
            code="geometry_invalid",
            details=[{"field": field, "reason": reason,
                      "area_change_percent": round(change * 100, 2)}],
        )
    return fixed, True
