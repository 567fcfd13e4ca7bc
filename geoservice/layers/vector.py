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
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from sqlalchemy import Connection, text

from geoservice.errors import ValidationFailed
from geoservice.layers.gml import Feature
from geoservice.layers.registry import OVERLAY_ROLES
from geoservice.layers.sql import load

TARGET_CRS = CRS.from_epsg(3059)
CHUNK = 20_000
ID_COLUMNS = ("id", "ID", "BLOCK_NUMBER", "PARCEL_ID", "permit_no", "code", "SITECODE")
# Parts of at most this many vertices keep ST_Intersects and ST_Intersection cheap.
SUBDIVIDE_VERTICES = 128
Progress = Callable[[Iterable[Any]], Iterable[Any]]
# (source id, attributes as JSON, EWKB MultiPolygon in EPSG:3059, fingerprint)
Row = tuple[str | None, str, bytes, bytes]


@dataclass(frozen=True)
class VectorStats:
    features: int
    repaired: int
    emptied: int
    parts: int


@dataclass
class VectorStream:
    """An OGR layer read in chunks of ``CHUNK`` features: never held in memory whole."""

    path: Path
    layer: str | None
    source_crs: str
    total: int
    id_column: str | None
    transformer: Transformer | None
    kept: int = 0
    dropped: int = 0  # features that are not polygons (points, lines, empty)

    def _reproject(self, xy: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        assert self.transformer is not None
        x, y = self.transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    def chunks(self) -> Iterator[list[Feature]]:
        for start in range(0, self.total, CHUNK):
            try:
                frame = pyogrio.read_dataframe(self.path, layer=self.layer, skip_features=start,
                                               max_features=CHUNK)
            except Exception as exc:  # pyogrio raises several DataSourceError flavours
                raise ValidationFailed(f"{self.path.name} is corrupt or unreadable: {exc}",
                                       code="layer_unreadable") from exc
            geoms = np.asarray(frame.geometry.values, dtype=object)
            if self.transformer is not None:
                geoms = shapely.transform(geoms, self._reproject)
            keep = np.isin(shapely.get_type_id(geoms), (3, 6)) & ~shapely.is_empty(geoms)
            records = frame.drop(columns=frame.geometry.name).to_dict("records")
            chunk = [Feature(None if self.id_column is None else str(rec.get(self.id_column)),
                             {k: _plain(v) for k, v in rec.items()}, geom)
                     for rec, geom, ok in zip(records, geoms, keep, strict=True) if ok]
            self.kept += len(chunk)
            self.dropped += len(records) - len(chunk)
            yield chunk


def stream(path: Path, layer: str | None = None) -> VectorStream:
    """Open ``path`` for chunked reading; a clear ValidationFailed for anything unusable."""
    try:
        info = pyogrio.read_info(path, layer=layer)
    except Exception as exc:  # pyogrio raises several DataSourceError flavours
        raise ValidationFailed(
            f"{path.name} cannot be read as a vector file: {exc}", code="layer_unreadable"
        ) from exc
    crs = _crs(path, info.get("crs"))
    total = int(info.get("features") or 0)
    if total <= 0:
        raise ValidationFailed(f"{path.name} has no features.", code="layer_empty")
    fields = list(info.get("fields", []))
    id_column = next((c for c in ID_COLUMNS if c in fields), None)
    transformer = None if crs.equals(TARGET_CRS) else Transformer.from_crs(
        crs, TARGET_CRS, always_xy=True)
    return VectorStream(path, layer, crs.to_string(), total, id_column, transformer)


def _plain(value: Any) -> Any:
    """An attribute value as JSON can hold it (numpy scalars, NaN, dates)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


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
