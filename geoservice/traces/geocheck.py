"""TRACES rules for a producer's GeoJSON as TRACES receives it.

Both our builder (as a self-check) and the simulator apply these checks, so what the builder
emits is what the simulator accepts. Coordinates are truncated to 6 decimals first, as TRACES
does, and only then validated. Holes are ignored (TRACES only reads outer rings).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import shapely

GeoProblemKind = Literal["GEO_INVALID", "GEO_INVALID_GEOMETRY", "GEO_AREA_INVALID"]

GEOMETRY_TYPES = frozenset({"Point", "MultiPoint", "Polygon", "MultiPolygon", "GeometryCollection"})
PROPERTY_NAMES = ("ProducerName", "ProducerCountry", "ProductionPlace", "Area")
MIN_POINT_AREA_HA = 0.0001
MAX_POINT_AREA_HA = 4.0
DEFAULT_POINT_AREA_HA = 4.0


@dataclass(frozen=True)
class GeoProblem:
    """One broken rule; ``kind`` names the EUDR_COMMODITIES_PRODUCER_* error it maps to."""

    kind: GeoProblemKind
    message: str


def truncate6(values: np.ndarray) -> np.ndarray:
    """Cut to 6 decimals like TRACES; the inner rounding removes binary noise (0.3 stays 0.3)."""
    return np.trunc(np.round(values * 1e6, 3)) / 1e6


def check_geojson(obj: Any, *, cattle: bool = False) -> list[GeoProblem]:
    """All problems of a decoded GeoJSON object (FeatureCollection, Feature or geometry)."""
    problems: list[GeoProblem] = []
    found = 0
    for geometry, props in _geometries(obj, {}, problems):
        found += 1
        _check_geometry(geometry, props, problems, cattle)
    if found == 0 and not problems:
        problems.append(GeoProblem("GEO_INVALID", "the GeoJSON contains no geometry"))
    return problems


def _geometries(
    obj: Any, props: dict[str, Any], problems: list[GeoProblem]
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    if not isinstance(obj, dict):
        problems.append(GeoProblem("GEO_INVALID", "GeoJSON must be a JSON object"))
        return []
    kind = obj.get("type")
    if kind == "FeatureCollection":
        features = obj.get("features")
        if not isinstance(features, list):
            problems.append(GeoProblem("GEO_INVALID", "FeatureCollection without features"))
            return []
        return [g for f in features for g in _geometries(f, props, problems)]
    if kind == "Feature":
        own = obj.get("properties") or {}
        merged = {**props, **own} if isinstance(own, dict) else props
        return _geometries(obj.get("geometry"), merged, problems)
    if kind == "GeometryCollection":
        parts = obj.get("geometries")
        if not isinstance(parts, list) or not parts:
            problems.append(GeoProblem("GEO_INVALID", "GeometryCollection without geometries"))
            return []
        return [g for part in parts for g in _geometries(part, props, problems)]
    return [(obj, props)]


def _check_geometry(
    geometry: dict[str, Any], props: dict[str, Any], problems: list[GeoProblem], cattle: bool
) -> None:
    kind = geometry.get("type")
    if kind not in GEOMETRY_TYPES:
        problems.append(GeoProblem("GEO_INVALID", f"geometry type {kind!r} is not accepted"))
        return
    coords = geometry.get("coordinates")
    if kind == "Point":
        if _positions([coords], problems) is not None:
            _check_area(props, problems, cattle)
    elif kind == "MultiPoint":
        if not isinstance(coords, list) or not coords:
            problems.append(GeoProblem("GEO_INVALID", "MultiPoint without points"))
        elif _positions(coords, problems) is not None:
            _check_area(props, problems, cattle)
    elif kind == "Polygon":
        exterior = _exterior(coords, problems)
        if exterior is not None:
            _check_polygonal([exterior], problems)
    else:  # MultiPolygon
        if not isinstance(coords, list) or not coords:
            problems.append(GeoProblem("GEO_INVALID", "MultiPolygon without polygons"))
            return
        exteriors = [_exterior(polygon, problems) for polygon in coords]
        if all(e is not None for e in exteriors):
            _check_polygonal([e for e in exteriors if e is not None], problems)


def _positions(coords: Any, problems: list[GeoProblem]) -> np.ndarray | None:
    """Positions as an (n, 2) array, truncated; None (with a problem) when malformed."""
    try:
        arr = np.asarray(coords)
    except ValueError:
        arr = np.empty(0)
    if arr.ndim != 2 or arr.shape[1] < 2 or arr.dtype.kind not in "iuf":
        problems.append(
            GeoProblem("GEO_INVALID", "positions must be [longitude, latitude] numbers")
        )
        return None
    xy = arr[:, :2].astype(float)
    if not np.isfinite(xy).all() or (np.abs(xy[:, 0]) > 180).any() or (np.abs(xy[:, 1]) > 90).any():
        problems.append(GeoProblem("GEO_INVALID", "coordinates outside ±180 / ±90 degrees"))
        return None
    return truncate6(xy)


def _exterior(polygon: Any, problems: list[GeoProblem]) -> np.ndarray | None:
    if not isinstance(polygon, list) or not polygon:
        problems.append(GeoProblem("GEO_INVALID", "polygon without rings"))
        return None
    ring = _positions(polygon[0], problems)
    if ring is None:
        return None
    if len(ring) < 4:
        problems.append(
            GeoProblem(
                "GEO_INVALID_GEOMETRY", f"a polygon ring needs ≥ 4 positions, has {len(ring)}"
            )
        )
        return None
    if not (ring[0] == ring[-1]).all():
        problems.append(GeoProblem("GEO_INVALID_GEOMETRY", "polygon ring is not closed"))
        return None
    if (ring[1:] == ring[:-1]).all(axis=1).any():
        problems.append(
            GeoProblem(
                "GEO_INVALID_GEOMETRY",
                "consecutive duplicate positions after truncation to 6 decimals",
            )
        )
        return None
    return ring


def _check_polygonal(exteriors: list[np.ndarray], problems: list[GeoProblem]) -> None:
    polygons = [shapely.Polygon(ring) for ring in exteriors]
    for polygon in polygons:
        if not polygon.is_valid or polygon.area <= 0:
            reason = shapely.is_valid_reason(polygon)
            problems.append(GeoProblem("GEO_INVALID_GEOMETRY", f"invalid polygon: {reason}"))
            return
    if len(polygons) > 1 and not shapely.MultiPolygon(polygons).is_valid:
        problems.append(GeoProblem("GEO_INVALID_GEOMETRY", "parts of a MultiPolygon overlap"))


def _check_area(props: dict[str, Any], problems: list[GeoProblem], cattle: bool) -> None:
    area = props.get("Area", DEFAULT_POINT_AREA_HA)
    if isinstance(area, bool) or not isinstance(area, int | float) or not math.isfinite(area):
        problems.append(
            GeoProblem("GEO_AREA_INVALID", f"Area must be a number of ha, got {area!r}")
        )
    elif area < MIN_POINT_AREA_HA:
        problems.append(GeoProblem("GEO_AREA_INVALID", f"Area {area} ha is below 0.0001 ha"))
    elif area > MAX_POINT_AREA_HA and not cattle:
        problems.append(
            GeoProblem("GEO_AREA_INVALID", f"a plot of {area} ha (over 4 ha) must be a polygon")
        )
