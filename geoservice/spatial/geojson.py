"""GeoJSON in and out: felling-area geometries as MultiPolygons in EPSG:3059.

Input may be a Polygon or MultiPolygon, or a Feature / FeatureCollection wrapping them, in
EPSG:4326 or EPSG:3059. Every rejection names the field and says what to send instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape

from geoservice.errors import ValidationFailed
from geoservice.spatial.bounds import require_in_latvia
from geoservice.spatial.crs import LKS92, WGS84, parse_crs, transform
from geoservice.spatial.repair import REPAIR_TOLERANCE, polygonal_part, repair

POLYGONAL = ("Polygon", "MultiPolygon")
GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                  "MultiPolygon", "GeometryCollection")
# Decimal places on output: 7 in degrees (≈1 cm), 2 in metres.
PRECISION = {WGS84: 7, LKS92: 2}


@dataclass(frozen=True)
class ParsedGeometry:
    """A felling-area geometry in EPSG:3059 and whether it had to be repaired."""

    geometry: MultiPolygon
    repaired: bool

    @property
    def area_ha(self) -> float:
        return round(float(self.geometry.area) / 10_000.0, 4)


def _fail(field: str, message: str, code: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message}", code=code,
                            details=[{"field": field, "code": code}])


def _geometries(obj: Any, field: str) -> list[dict[str, Any]]:
    """The geometry objects inside a geometry, Feature or FeatureCollection."""
    if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
        raise _fail(field, "expected a GeoJSON object with a \"type\" (Polygon, MultiPolygon, "
                    "Feature or FeatureCollection).", "geometry_malformed")
    kind = obj["type"]
    if kind == "Feature":
        geometry = obj.get("geometry")
        if geometry is None:
            raise _fail(field, "the Feature has no geometry; a felling area needs a polygon.",
                        "geometry_empty")
        return _geometries(geometry, field)
    if kind == "FeatureCollection":
        features = obj.get("features")
        if not isinstance(features, list) or not features:
            raise _fail(field, "the FeatureCollection has no features; a felling area needs a "
                        "polygon.", "geometry_empty")
        return [g for i, f in enumerate(features) for g in _geometries(f, f"{field}.features[{i}]")]
    if kind not in GEOMETRY_TYPES:
        raise _fail(field, f"{kind!r} is not a GeoJSON geometry type.", "geometry_malformed")
    if kind not in POLYGONAL:
        raise _fail(field, f"a felling area must be a Polygon or MultiPolygon, not a {kind}; "
                    "draw the boundary of the area as a closed polygon.", "geometry_type")
    return [obj]


def _shape(obj: dict[str, Any], field: str) -> MultiPolygon:
    coords = obj.get("coordinates")
    if not isinstance(coords, list) or not coords:
        raise _fail(field, f"the {obj['type']} has no coordinates (empty geometry).",
                    "geometry_empty")
    try:
        geometry = shape(obj)
    except (ValueError, TypeError, IndexError, AttributeError, shapely.errors.ShapelyError) as e:
        raise _fail(field, f"the {obj['type']} coordinates are malformed ({e}); each ring is a "
                    "list of at least 4 [x, y] positions, first equal to last.",
                    "geometry_malformed") from None
    if geometry.is_empty:
        raise _fail(field, f"the {obj['type']} is empty.", "geometry_empty")
    xy = shapely.get_coordinates(geometry)
    if not np.isfinite(xy).all():
        raise _fail(field, "coordinates must be finite numbers.", "geometry_malformed")
    return polygonal_part(geometry)


def parse_geometry(
    obj: Any, crs: object = None, *, field: str = "geometry", tolerance: float = REPAIR_TOLERANCE
) -> ParsedGeometry:
    """A felling-area geometry from GeoJSON, checked, repaired if slightly invalid, in EPSG:3059.

    ``crs`` is the body's ``crs`` (``None`` = EPSG:4326); a GeoJSON 2008 ``crs`` member on the
    object itself is honoured when it agrees.
    """
    epsg = parse_crs(crs, field="crs")
    if isinstance(obj, dict) and obj.get("crs") is not None:
        own = parse_crs(obj["crs"], field=f"{field}.crs")
        if crs is not None and own != epsg:
            raise _fail(field, f"the geometry says EPSG:{own} but the body says EPSG:{epsg}.",
                        "crs_mismatch")
        epsg = own
    parts = [_shape(g, field) for g in _geometries(obj, field)]
    polygons: list[Polygon] = [p for mp in parts for p in mp.geoms]
    geometry = MultiPolygon(polygons)
    if geometry.is_empty:
        raise _fail(field, "the geometry is empty.", "geometry_empty")
    minx, miny, maxx, maxy = geometry.bounds
    require_in_latvia((minx, miny, maxx, maxy), epsg, field=field)
    geometry = transform(geometry, epsg, LKS92)
    geometry, repaired = repair(geometry, tolerance=tolerance, field=field)
    if geometry.area <= 0 or not math.isfinite(geometry.area):
        raise _fail(field, "the polygon has no area (all its points lie on a line).",
                    "geometry_empty")
    return ParsedGeometry(geometry, repaired)


def to_geojson(geometry: shapely.Geometry, epsg: int = WGS84) -> dict[str, Any]:
    """The EPSG:3059 geometry as a GeoJSON geometry object in ``epsg``, rounded sensibly."""
    out = transform(geometry, LKS92, epsg)
    digits = PRECISION.get(epsg, 7)
    out = shapely.transform(out, lambda xy: np.round(xy, digits))
    mapping: dict[str, Any] = shapely.geometry.mapping(out)
    result: dict[str, Any] = _lists(mapping)
    return result


def _lists(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return [_lists(v) for v in value]
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    return value
