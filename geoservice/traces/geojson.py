"""Producer GeoJSON for TRACES, built from shapely geometries in WGS84 longitude/latitude.

Coordinates are rounded to 6 decimals *before* validation: TRACES truncates to 6, which can
create duplicate vertices and self-intersections in an outline that was valid before. Polygons
leave with closed, duplicate-free, counter-clockwise rings and no holes; TRACES ignores holes, so
a hole is cut open (the polygon is split through it) rather than silently declared as plot area.
A point carries ``Area`` in ha and may not stand for a plot over 4 ha. LineStrings are refused.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient
from shapely.ops import split

from geoservice.traces.geocheck import MAX_POINT_AREA_HA, MIN_POINT_AREA_HA, check_geojson
from geoservice.traces.model import GeoJson

DECIMALS = 6
_LINEAR = frozenset({"LineString", "MultiLineString", "LinearRing"})


@dataclass(frozen=True)
class Plot:
    """One plot of land of a producer; ``area_ha`` is required meaning only for points."""

    geometry: BaseGeometry
    production_place: str | None = None
    area_ha: float | None = None


@dataclass(frozen=True)
class ProducerGeoJson:
    """The FeatureCollection to put (base64) into ``geometryGeojson``, and what was changed."""

    geojson: GeoJson
    warnings: tuple[str, ...]


class GeoJsonError(ValueError):
    """Plots that cannot be sent as they are; ``problems`` names each plot and the reason."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = tuple(problems)


class _PlotProblem(Exception):
    pass


def build_producer_geojson(
    plots: Sequence[Plot],
    *,
    producer_name: str | None = None,
    producer_country: str = "LV",
) -> ProducerGeoJson:
    """One Feature per plot (more when a plot had to be split); raises GeoJsonError with all
    problems at once. What the shapely pipeline did not validate itself (points, repaired or
    split outlines) is checked again with the rules the simulator applies."""
    base: dict[str, Any] = {"ProducerCountry": producer_country}
    if producer_name:
        base["ProducerName"] = producer_name
    features: list[dict[str, Any]] = []
    unchecked: list[dict[str, Any]] = []
    warnings: list[str] = []
    problems: list[str] = [] if plots else ["no plots given"]
    simple = _simple_polygons(plots)
    for index, plot in enumerate(plots, 1):
        label = plot.production_place or f"plot {index}"
        try:
            geometries = [simple[index - 1]] if index - 1 in simple else None
            if geometries is None:
                geometries = _plot_geometries(plot, label, warnings)
                unchecked.extend(geometries)
        except _PlotProblem as exc:
            problems.append(f"{label}: {exc}")
            continue
        props = dict(base)
        if plot.production_place:
            props["ProductionPlace"] = plot.production_place
        for geometry in geometries:
            own = dict(props)
            if geometry["type"] in ("Point", "MultiPoint") and plot.area_ha is not None:
                own["Area"] = round(float(plot.area_ha), 4)
            features.append({"type": "Feature", "properties": own, "geometry": geometry})
    collection: GeoJson = {"type": "FeatureCollection", "features": features}
    if not problems and unchecked:
        recheck = {"type": "GeometryCollection", "geometries": unchecked}
        problems = [f"built GeoJSON: {p.message}" for p in check_geojson(recheck)]
    if problems:
        raise GeoJsonError(problems)
    return ProducerGeoJson(collection, tuple(warnings))


def encode_geojson(obj: GeoJson) -> str:
    """Compact UTF-8 JSON in Base64, as ``geometryGeojson`` carries it."""
    raw = json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return base64.b64encode(raw).decode("ascii")


def decode_geojson(text: str | bytes) -> GeoJson:
    """Inverse of encode_geojson; ValueError when it is not Base64 of a JSON object."""
    try:
        obj = json.loads(base64.b64decode(text, validate=True).decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"geometryGeojson is not Base64-encoded JSON: {exc}") from exc
    if not isinstance(obj, dict):
        raise ValueError("geometryGeojson must encode a JSON object")
    return obj


def encoded_size(obj: GeoJson) -> int:
    """Bytes ``obj`` takes on the wire once Base64-encoded (what the 25 MB limit measures)."""
    raw = len(json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    return 4 * ((raw + 2) // 3)


def _simple_polygons(plots: Sequence[Plot]) -> dict[int, dict[str, Any]]:
    """Vectorised path for the common case, hole-free polygons that stay valid once rounded;
    everything else (index missing from the answer) takes the plot-by-plot path."""
    candidates = [i for i, p in enumerate(plots) if isinstance(p.geometry, Polygon)]
    if not candidates:
        return {}
    geoms = np.array([plots[i].geometry for i in candidates], dtype=object)
    box = shapely.bounds(geoms)
    keep = (shapely.get_num_interior_rings(geoms) == 0) & ~shapely.is_empty(geoms)
    keep &= (box[:, 0] >= -180) & (box[:, 2] <= 180) & (box[:, 1] >= -90) & (box[:, 3] <= 90)
    picked = np.flatnonzero(keep)
    if picked.size == 0:
        return {}
    rounded = shapely.transform(geoms[picked], lambda xy: np.round(xy, DECIMALS))
    try:
        rounded = shapely.remove_repeated_points(rounded)
    except shapely.errors.GEOSException:
        return {}  # some ring collapsed: let the careful path handle every plot
    good = shapely.is_valid(rounded) & (shapely.area(rounded) > 0)
    if not good.any():
        return {}
    rings = shapely.get_exterior_ring(shapely.orient_polygons(rounded[good]))
    coords, owner = shapely.get_coordinates(rings, return_index=True)
    parts = np.split(coords, np.flatnonzero(np.diff(owner)) + 1)
    return {
        candidates[k]: {"type": "Polygon", "coordinates": [ring.tolist()]}
        for k, ring in zip(picked[good], parts, strict=True)
    }


def _round(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: np.round(xy, DECIMALS))


def _plot_geometries(plot: Plot, label: str, warnings: list[str]) -> list[dict[str, Any]]:
    geom = plot.geometry
    if geom is None or geom.is_empty:
        raise _PlotProblem("empty geometry")
    minx, miny, maxx, maxy = geom.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise _PlotProblem(f"coordinates are not WGS84 lon/lat (bounds {geom.bounds})")
    kind = geom.geom_type
    if kind in _LINEAR:
        raise _PlotProblem("LineStrings are not accepted by TRACES; give the plot as a polygon")
    if kind in ("Point", "MultiPoint"):
        return [_points(geom, plot.area_ha)]
    parts = list(getattr(geom, "geoms", [geom]))
    if any(not isinstance(p, Polygon) for p in parts):
        raise _PlotProblem(f"{kind} mixes polygons with other geometry types")
    polygons = [p for part in parts for p in _clean_polygon(part, label, warnings, depth=0)]
    if not polygons:
        raise _PlotProblem("the outline collapses when rounded to 6 decimals")
    if len(polygons) == 1:
        return [_polygon_json(polygons[0])]
    whole = MultiPolygon(polygons)
    if whole.is_valid:
        return [{"type": "MultiPolygon", "coordinates": [_rings(p) for p in polygons]}]
    return [_polygon_json(p) for p in polygons]  # touching parts: one feature each


def _points(geom: BaseGeometry, area_ha: float | None) -> dict[str, Any]:
    if area_ha is not None and area_ha > MAX_POINT_AREA_HA:
        raise _PlotProblem(f"a plot of {area_ha} ha (over 4 ha) must be a polygon, not a point")
    if area_ha is not None and area_ha < MIN_POINT_AREA_HA:
        raise _PlotProblem(f"Area {area_ha} ha is below 0.0001 ha")
    coords = shapely.get_coordinates(_round(geom)).tolist()
    if geom.geom_type == "Point":
        return {"type": "Point", "coordinates": coords[0]}
    unique = [c for i, c in enumerate(coords) if c not in coords[:i]]
    return {"type": "MultiPoint", "coordinates": unique}


def _clean_polygon(poly: Polygon, label: str, warnings: list[str], depth: int) -> list[Polygon]:
    """Hole-free, rounded, valid, duplicate-free pieces of ``poly``."""
    pieces = _open_holes(poly, label, warnings)
    result: list[Polygon] = []
    for piece in pieces:
        rounded = _round(piece)
        # A ring that collapses below 4 positions raises; make_valid below decides then.
        with contextlib.suppress(shapely.errors.GEOSException):
            rounded = shapely.remove_repeated_points(rounded)
        if isinstance(rounded, Polygon) and rounded.is_valid and rounded.area > 0:
            result.append(orient(rounded, 1.0))
            continue
        if depth >= 2:
            raise _PlotProblem("outline stays invalid after rounding to 6 decimals and repair")
        repaired = [p for p in _polygons(shapely.make_valid(rounded)) if p.area > 0]
        if repaired:
            warnings.append(
                f"{label}: rounding to 6 decimals made the outline invalid; repaired "
                f"into {len(repaired)} part(s)"
            )
        else:
            warnings.append(f"{label}: a sliver collapsed when rounded to 6 decimals; dropped")
        for part in repaired:
            result.extend(_clean_polygon(part, label, warnings, depth + 1))
    return result


def _polygons(geom: BaseGeometry) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [geom]
    return [p for g in getattr(geom, "geoms", []) for p in _polygons(g)]


def _open_holes(poly: Polygon, label: str, warnings: list[str]) -> list[Polygon]:
    if not poly.interiors:
        return [poly]
    holes = len(poly.interiors)
    pieces = _cut_through_holes(poly, 0)
    if pieces is None:
        warnings.append(
            f"{label}: {holes} hole(s) could not be cut open and were dropped; "
            "their area is now declared as part of the plot"
        )
        return [Polygon(poly.exterior)]
    warnings.append(
        f"{label}: polygon with {holes} hole(s) split into {len(pieces)} hole-free parts "
        "(TRACES ignores holes; no area lost)"
    )
    return pieces


def _cut_through_holes(poly: Polygon, depth: int) -> list[Polygon] | None:
    """Split along the north-south line through a point inside the first hole, recursively."""
    if not poly.interiors:
        return [poly]
    if depth > 200:
        return None
    x = Polygon(poly.interiors[0]).representative_point().x
    _, miny, _, maxy = poly.bounds
    blade = LineString([(x, miny - 1.0), (x, maxy + 1.0)])
    try:
        pieces = [g for g in split(poly, blade).geoms if isinstance(g, Polygon) and g.area > 0]
    except (shapely.errors.GEOSException, ValueError):
        return None
    if len(pieces) < 2:
        return None
    result: list[Polygon] = []
    for piece in pieces:
        sub = _cut_through_holes(piece, depth + 1)
        if sub is None:
            return None
        result.extend(sub)
    return result


def _rings(poly: Polygon) -> list[list[list[float]]]:
    return [shapely.get_coordinates(poly.exterior).tolist()]


def _polygon_json(poly: Polygon) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": _rings(poly)}
