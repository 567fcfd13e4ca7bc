"""Vector layers: read any OGR file, reproject to EPSG:3059, COPY in, repair, subdivide."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import shapely
from psycopg.types.json import Jsonb
from pyproj import CRS
from pyproj.exceptions import CRSError
from sqlalchemy import Connection, text

from geoservice.errors import ValidationFailed
from geoservice.layers.gml import attrs_json, fingerprint
from geoservice.layers.registry import OVERLAY_ROLES
from geoservice.layers.sql import load

TARGET_CRS = CRS.from_epsg(3059)
CHUNK = 20_000
# Parts of at most this many vertices keep ST_Intersects and ST_Intersection cheap.
SUBDIVIDE_VERTICES = 128
Progress = Callable[[Iterable[Any]], Iterable[Any]]
# (source id, attributes as JSON, EWKB MultiPolygon in EPSG:3059, fingerprint)
Row = tuple[str | None, str, bytes, bytes]


@dataclass(frozen=True)
class VectorFile:
    """A vector file read and reprojected, ready to be written."""

    source_crs: str
    geometries: np.ndarray[Any, Any]
    source_ids: list[str | None]
    attributes: list[str]
    dropped: int


@dataclass(frozen=True)
class VectorStats:
    features: int
    repaired: int
    emptied: int
    parts: int


def read(path: Path) -> VectorFile:
    """Read polygons from ``path``; a clear ValidationFailed for anything unusable."""
    try:
        info = pyogrio.read_info(path)
    except Exception as exc:  # pyogrio raises several DataSourceError flavours
        raise ValidationFailed(
            f"{path.name} cannot be read as a vector file: {exc}", code="layer_unreadable"
        ) from exc
    crs = _crs(path, info.get("crs"))
    try:
        frame = pyogrio.read_dataframe(path)
    except Exception as exc:
        raise ValidationFailed(f"{path.name} is corrupt or unreadable: {exc}",
                               code="layer_unreadable") from exc
    if len(frame) == 0:
        raise ValidationFailed(f"{path.name} has no features.", code="layer_empty")
    geoms = np.asarray(frame.geometry.values, dtype=object)
    if not crs.equals(TARGET_CRS):
        geoms = np.asarray(frame.geometry.to_crs(TARGET_CRS).values, dtype=object)
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6)) & ~shapely.is_empty(geoms)
    if not polygonal.any():
        raise ValidationFailed(
            f"{path.name} has no polygons; land-use layers are areas.", code="layer_not_polygons")
    frame = frame.loc[polygonal]
    keep = geoms[polygonal]
    attrs = [c for c in frame.columns if c != frame.geometry.name]
    id_column = next((c for c in ("id", "ID", "BLOCK_NUMBER", "PARCEL_ID", "permit_no", "code")
                      if c in attrs), None)
    ids = [None if id_column is None else str(v) for v in
           (frame[id_column] if id_column else [None] * len(frame))]
    rows = frame[attrs].to_dict("records")
    return VectorFile(crs.to_string(), keep, ids, [attrs_json(r) for r in rows],
                      int((~polygonal).sum()))


def _crs(path: Path, value: str | None) -> CRS:
    if not value:
        raise ValidationFailed(
            f"{path.name} has no coordinate reference system; add a .prj or reproject it to "
            "EPSG:3059 first.", code="layer_crs_missing")
    try:
        crs = CRS.from_user_input(value)
    except CRSError as exc:
        raise ValidationFailed(f"{path.name} has an unknown CRS ({value}).",
                               code="layer_crs_unknown") from exc
    if crs.to_epsg() is None and not crs.is_projected and not crs.is_geographic:
        raise ValidationFailed(f"{path.name} has a CRS that cannot be transformed ({value}).",
                               code="layer_crs_unknown")
    return crs


def rows(data: VectorFile) -> Iterator[Row]:
    """(source_id, attrs JSON, EWKB MultiPolygon with SRID 3059, fingerprint) per feature."""
    geoms = data.geometries
    single = shapely.get_type_id(geoms) == 3
    multi = geoms.copy()
    multi[single] = shapely.multipolygons(geoms[single].reshape(-1, 1)) if single.any() else []
    multi = shapely.set_srid(multi, 3059)
    wkbs = shapely.to_wkb(multi, include_srid=True)
    for sid, attrs, wkb in zip(data.source_ids, data.attributes, wkbs, strict=True):
        yield sid, attrs, bytes(wkb), fingerprint(bytes(wkb), attrs)


def copy_features(
    conn: Connection, layer_id: str, version: int, features: Iterable[Row],
    progress: Progress = lambda items: items,
) -> int:
    """COPY features in binary (EWKB), the fast way for millions of rows."""
    raw = conn.connection.driver_connection
    cursor = raw.cursor()  # type: ignore[union-attr]
    count = 0
    with cursor.copy("COPY layer_features (layer_id, version, source_id, attrs, geom, "
                     "fingerprint) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(["text", "int4", "text", "jsonb", "bytea", "bytea"])
        for sid, attrs, wkb, digest in progress(features):
            copy.write_row((layer_id, version, sid, Jsonb(attrs, dumps=_as_is), wkb, digest))
            count += 1
    return count


def _as_is(value: object) -> str:
    """Attributes arrive already JSON-encoded."""
    return str(value)


def finalize(conn: Connection, layer_id: str, version: int) -> VectorStats:
    """Repair invalid rings (ST_MakeValid, counted), cut parts with ST_Subdivide, analyse.

    Only layers of an overlay role get parts (``registry.OVERLAY_ROLES``); others have none.
    """
    params = {"layer": layer_id, "version": version}
    repaired = conn.execute(text(load("repair_features.sql")), params).scalar_one()
    emptied = conn.execute(text(
        "DELETE FROM layer_features WHERE layer_id = :layer AND version = :version "
        "AND ST_IsEmpty(geom)"), params).rowcount
    parts = conn.execute(text(load("subdivide_features.sql")),
                         {**params, "vertices": SUBDIVIDE_VERTICES,
                          "roles": list(OVERLAY_ROLES)}).rowcount
    features = conn.execute(text(
        "SELECT count(*) FROM layer_features WHERE layer_id = :layer AND version = :version"),
        params).scalar_one()
    conn.execute(text("ANALYZE layer_parts"))
    conn.execute(text("ANALYZE layer_features"))
    return VectorStats(int(features), int(repaired), int(emptied), int(parts))


def extent_wkb(conn: Connection, layer_id: str, version: int) -> bytes | None:
    value = conn.execute(text(
        "SELECT ST_AsBinary(ST_Envelope(ST_SetSRID(ST_Extent(geom)::geometry, 3059))) "
        "FROM layer_features WHERE layer_id = :layer AND version = :version"),
        {"layer": layer_id, "version": version}).scalar_one()
    return bytes(value) if value is not None else None
