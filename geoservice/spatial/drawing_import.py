"""Polygons from a file a person drops into the drawing map: GeoJSON, Shapefile (zip), KML, GPX.

GDAL (pyogrio) reads the file; the CRS comes from the file itself (a Shapefile's ``.prj``, a
GeoJSON ``crs`` member, KML and GPX are WGS 84 by definition). Every polygon is answered in
EPSG:4326 for the browser, which makes each one an editable Geoman layer. A closed GPS track or
KML line (the walk around a felling area) becomes a polygon too; open lines and points are
counted and said, never silently dropped. Every refusal is a :class:`DrawingFileError` with a
catalogue key, so the caller reads it in their language.
"""

from __future__ import annotations

import tempfile
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
from pyogrio.raw import read as raw_read
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import LineString, MultiPolygon, Polygon, mapping

from geoservice.errors import ValidationFailed
from geoservice.spatial.crs import WGS84
from geoservice.spatial.repair import repair
from geoservice.vmd.zipguard import ZipLimits

SUFFIXES = (".geojson", ".json", ".zip", ".kml", ".kmz", ".gpx")
# What a zip may hold: one Shapefile, or one GeoJSON, KML or GPX file.
ZIPPED = (".shp", ".geojson", ".json", ".kml", ".gpx")
MAX_BYTES = 5 * 1024 * 1024
MAX_POLYGONS = 200
MAX_VERTICES = 100_000
# A zip of a drawing is a few files of a few MB; anything larger is not a drawing.
ZIP_LIMITS = ZipLimits(max_total_bytes=50 * 1024 * 1024, max_ratio=100.0,
                       ratio_from=1024 * 1024, max_members=40)
# Latvia in WGS 84 with a margin of a few kilometres.
LATVIA_LONLAT = (20.8, 55.6, 28.3, 58.15)
# Ends of a GPS track closer than this (metres) close the ring.
CLOSE_GAP_M = 25.0
LKS92 = 3059


class DrawingFileError(Exception):
    """A file that gives no polygons for the drawing; ``key`` names the catalogue message."""

    def __init__(self, key: str, status: int = 422, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.status = status
        self.values = values


@dataclass
class Drawing:
    """The polygons of a file (EPSG:4326) and what was in it besides."""

    polygons: list[tuple[MultiPolygon, dict[str, Any]]] = field(default_factory=list)
    source_crs: str = "EPSG:4326"
    closed_lines: int = 0
    lines: int = 0
    points: int = 0
    repaired: int = 0

    def feature_collection(self, filename: str) -> dict[str, Any]:
        features = [{"type": "Feature", "properties": props,
                     "geometry": _rounded(mapping(geom))} for geom, props in self.polygons]
        return {"type": "FeatureCollection", "features": features, "filename": filename,
                "source_crs": self.source_crs, "closed_lines": self.closed_lines,
                "ignored": {"lines": self.lines, "points": self.points},
                "repaired": self.repaired}


def _rounded(geometry: dict[str, Any]) -> dict[str, Any]:
    def walk(value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            if value and isinstance(value[0], (int, float)):
                return [round(float(v), 7) for v in value[:2]]
            return [walk(v) for v in value]
        return value

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def read_drawing(filename: str, content: bytes) -> Drawing:
    """The polygons of an uploaded file, or a :class:`DrawingFileError` that says why not."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise DrawingFileError("drawing.import.file_type", name=filename)
    if len(content) > MAX_BYTES:
        raise DrawingFileError("drawing.import.too_big", status=413, name=filename,
                               mb=f"{MAX_BYTES / 1024 / 1024:g}")
    if not content.strip():
        raise DrawingFileError("drawing.import.empty", name=filename)
    with tempfile.TemporaryDirectory(prefix="geoservice-drawing-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(content)
        try:
            source = _source(path, filename, suffix)
            return _read(source, filename, Path(source).suffix.lower())
        except DrawingFileError as e:
            e.values.setdefault("name", filename)
            raise


def _source(path: Path, filename: str, suffix: str) -> str:
    """The GDAL path to read: the file, or the one dataset in a zip after the bomb checks."""
    if suffix not in (".zip", ".kmz"):
        return str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist()
                       if not m.is_dir() and not m.filename.startswith("__MACOSX")]
    except (zipfile.BadZipFile, OSError):
        raise DrawingFileError("drawing.import.corrupt_zip", name=filename) from None
    total = sum(m.file_size for m in members)
    packed = max(sum(m.compress_size for m in members), 1)
    if (len(members) > ZIP_LIMITS.max_members or total > ZIP_LIMITS.max_total_bytes
            or (total > ZIP_LIMITS.ratio_from and total > ZIP_LIMITS.max_ratio * packed)):
        raise DrawingFileError("drawing.import.too_big", status=413, name=filename,
                               mb=f"{MAX_BYTES / 1024 / 1024:g}")
    if any(m.flag_bits & 0x1 for m in members):
        raise DrawingFileError("drawing.import.zip_locked", name=filename)
    wanted = (".kml",) if suffix == ".kmz" else ZIPPED
    datasets = sorted(m.filename for m in members if m.filename.lower().endswith(wanted))
    if not datasets:
        raise DrawingFileError("drawing.import.zip_no_shapefile", name=filename)
    if len(datasets) > 1:
        raise DrawingFileError("drawing.import.zip_several", name=filename,
                               files=", ".join(datasets[:5]))
    return f"/vsizip/{path.resolve()}/{datasets[0]}"


def _read(source: str, filename: str, suffix: str) -> Drawing:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layers = [str(name) for name, _ in pyogrio.list_layers(source)]
    except (DataSourceError, DataLayerError, OSError):
        raise DrawingFileError("drawing.import.unreadable", name=filename) from None
    drawing = Drawing()
    found_crs: set[str] = set()
    for layer in layers:
        if suffix == ".gpx" and layer not in ("tracks", "routes", "waypoints"):
            continue  # route_points / track_points repeat the vertices of the lines
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                info = pyogrio.read_info(source, layer=layer)
                if not info.get("geometry_type"):
                    continue
                fields = [str(f) for f in info.get("fields", [])]
                name_field = next((f for f in fields
                                   if f.lower() in ("name", "nosaukums", "nos")), None)
                _, _, geometries, values = raw_read(
                    source, layer=layer, columns=[name_field] if name_field else [],
                    max_features=MAX_POLYGONS * 5 + 1)
        except (DataSourceError, DataLayerError, OSError, ValueError):
            raise DrawingFileError("drawing.import.unreadable", name=filename) from None
        names = [None if v is None else str(v)[:80] for v in values[0]] if name_field else []
        if not len(geometries):
            continue
        if len(geometries) > MAX_POLYGONS * 5:
            raise DrawingFileError("drawing.import.too_many", name=filename, n=MAX_POLYGONS)
        epsg, crs_name = _crs(info.get("crs"), filename, suffix)
        found_crs.add(crs_name)
        geoms = shapely.from_wkb(np.asarray(geometries, dtype=object))
        geoms = shapely.force_2d(geoms)
        _collect(drawing, geoms, names, epsg, layer)
    if not drawing.polygons:
        if drawing.lines or drawing.points:
            raise DrawingFileError("drawing.import.only_lines_points", name=filename,
                                   lines=drawing.lines, points=drawing.points)
        raise DrawingFileError("drawing.import.no_polygon", name=filename)
    if len(drawing.polygons) > MAX_POLYGONS:
        raise DrawingFileError("drawing.import.too_many", name=filename, n=MAX_POLYGONS)
    vertices = sum(int(shapely.get_num_coordinates(g)) for g, _ in drawing.polygons)
    if vertices > MAX_VERTICES:
        raise DrawingFileError("drawing.import.too_many_vertices", name=filename,
                               n=f"{MAX_VERTICES:,}".replace(",", " "))
    _inside_latvia(drawing, filename)
    drawing.source_crs = ", ".join(sorted(found_crs))
    return drawing


def _crs(wkt: str | None, filename: str, suffix: str) -> tuple[int | str, str]:
    """The CRS of a layer as something pyproj transforms from, and its name for the answer."""
    if not wkt:
        if suffix in (".kml", ".kmz", ".gpx", ".geojson", ".json"):
            return 4326, "EPSG:4326"  # by definition of the format (GeoJSON: RFC 7946)
        raise DrawingFileError("drawing.import.crs_missing", name=filename)
    try:
        crs = CRS.from_user_input(wkt)
    except CRSError:
        raise DrawingFileError("drawing.import.crs_unknown", name=filename) from None
    epsg = crs.to_epsg(min_confidence=70)
    if epsg is None and "latvia" in crs.name.lower() and crs.is_projected:
        epsg = LKS92  # an ESRI .prj of LKS-92 without an authority code
    if epsg is not None:
        try:
            CRS.from_epsg(epsg)
        except CRSError:
            epsg = None
    if epsg is not None:
        return epsg, f"EPSG:{epsg}"
    if crs.is_geographic or crs.is_projected:
        return crs.to_wkt(), crs.name
    raise DrawingFileError("drawing.import.crs_unknown", name=filename)


def _collect(drawing: Drawing, geoms: Any, names: list[str | None], epsg: int | str,
             layer: str) -> None:
    to_lks = Transformer.from_crs(epsg, LKS92, always_xy=True)
    to_wgs = Transformer.from_crs(LKS92, WGS84, always_xy=True)
    if epsg == WGS84:
        _degrees(geoms)
    for i, geom in enumerate(geoms):
        if geom is None or geom.is_empty:
            continue
        name = names[i] if i < len(names) else None
        for part in shapely.get_parts(geom):
            kind = part.geom_type
            if kind in ("Point", "MultiPoint"):
                drawing.points += 1
                continue
            metric = shapely.transform(part, lambda xy: np.column_stack(
                to_lks.transform(xy[:, 0], xy[:, 1])))
            if kind in ("LineString", "LinearRing"):
                ring = _closed_ring(metric)
                if ring is None:
                    drawing.lines += 1
                    continue
                drawing.closed_lines += 1
                metric = ring
            elif kind != "Polygon":
                continue
            polygons = MultiPolygon([metric]) if isinstance(metric, Polygon) else metric
            try:
                polygons, fixed = repair(polygons)
                drawing.repaired += int(fixed)
            except ValidationFailed:
                pass  # kept as drawn: the map shows it red, saving says why
            wgs = shapely.transform(polygons, lambda xy: np.column_stack(
                to_wgs.transform(xy[:, 0], xy[:, 1])))
            props: dict[str, Any] = {"layer": layer}
            if name:
                props["name"] = name
            drawing.polygons.append((wgs, props))
            if len(drawing.polygons) > MAX_POLYGONS:
                return


def _degrees(geoms: Any) -> None:
    """Metres in a file that says (or, being GeoJSON without ``crs``, means) degrees."""
    present = [g for g in geoms if g is not None and not g.is_empty]
    if not present:
        return
    x0, y0, x1, y1 = shapely.total_bounds(present)
    if x0 >= -180 and x1 <= 180 and y0 >= -90 and y1 <= 90:
        return
    looks_lks = x0 >= 250_000 and x1 <= 800_000 and y0 >= 100_000 and y1 <= 500_000
    raise DrawingFileError("drawing.import.metres_as_degrees" if looks_lks
                           else "drawing.import.outside", lon=f"{(x0 + x1) / 2:.0f}",
                           lat=f"{(y0 + y1) / 2:.0f}")


def _closed_ring(line: LineString) -> Polygon | None:
    coords = list(line.coords)
    if len(coords) < 4:
        return None
    gap = shapely.Point(coords[0]).distance(shapely.Point(coords[-1]))
    if gap > CLOSE_GAP_M:
        return None
    polygon = Polygon(coords if gap == 0 else [*coords, coords[0]])
    return polygon if polygon.area > 0 else None


def _inside_latvia(drawing: Drawing, filename: str) -> None:
    x0, y0, x1, y1 = LATVIA_LONLAT
    bounds = np.array([g.bounds for g, _ in drawing.polygons])
    minx, miny = bounds[:, 0].min(), bounds[:, 1].min()
    maxx, maxy = bounds[:, 2].max(), bounds[:, 3].max()
    if x0 <= minx and maxx <= x1 and y0 <= miny and maxy <= y1:
        return
    swapped = x0 <= miny and maxy <= x1 and y0 <= minx and maxx <= y1
    raise DrawingFileError("drawing.import.swapped" if swapped else "drawing.import.outside",
                           name=filename, lon=f"{(minx + maxx) / 2:.4f}",
                           lat=f"{(miny + maxy) / 2:.4f}")
