"""The layer registry in SQL: layers, their versions, and which version is current."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from geoservice.errors import Conflict, ValidationFailed

ROLES = ("forest_2020", "agriculture", "deforestation_permit", "land_use_cadastre",
         "protected_area", "forest_compartments")
KINDS = ("vector", "raster")
# The rules each role feeds when the manifest does not say.
DEFAULT_RULES: dict[str, tuple[str, ...]] = {
    "forest_2020": ("not_forest_2020", "forest_to_agriculture", "no_layer_data"),
    "agriculture": ("forest_to_agriculture",),
    "deforestation_permit": ("deforestation_permit",),
    "protected_area": ("protected_area",),
    "land_use_cadastre": (),
    "forest_compartments": (),
}
# Vector roles the overlay intersects with felling areas: only these are cut into layer_parts.
OVERLAY_ROLES = ("agriculture", "deforestation_permit", "protected_area")


@dataclass(frozen=True)
class LayerMeta:
    """What describes a layer, independent of its versions."""

    title: str
    role: str
    kind: str
    layer_id: str | None = None
    source: str = ""
    licence: str = ""
    rules: tuple[str, ...] | None = None


@dataclass(frozen=True)
class CurrentLayer:
    """The version of a layer that checks use now."""

    id: str
    title: str
    role: str
    kind: str
    version: int
    raster_path: str | None
    reference_date: date | None
    bbox: tuple[float, float, float, float] | None = None

    def covers(self, bounds: tuple[float, float, float, float]) -> bool:
        if self.bbox is None:
            return True
        return (self.bbox[0] <= bounds[0] and self.bbox[1] <= bounds[1]
                and bounds[2] <= self.bbox[2] and bounds[3] <= self.bbox[3])


def slug(title: str) -> str:
    """A layer id from a title: lower-case ASCII, digits and underscores, at most 63 chars."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    value = re.sub(r"[^a-z0-9]+", "_", ascii_title.lower()).strip("_")[:63].strip("_")
    return value or "layer"


def validate_meta(meta: LayerMeta) -> None:
    if meta.role not in ROLES:
        raise ValidationFailed(
            f"Unknown layer role {meta.role!r}; use one of {', '.join(ROLES)}.",
            code="layer_role_unknown")
    if meta.kind not in KINDS:
        raise ValidationFailed(f"Unknown layer kind {meta.kind!r}.", code="layer_kind_unknown")
    if not meta.title.strip():
        raise ValidationFailed("A layer needs a title.", code="layer_title_missing")


def next_version(conn: Connection, meta: LayerMeta) -> tuple[str, int]:
    """The layer id for ``meta.title`` (created if new) and the number of its next version.

    The title identifies the layer; a role or kind that differs from the registered one is a
    conflict rather than a silent change of meaning.
    """
    validate_meta(meta)
    row = conn.execute(
        text("SELECT id, role, kind FROM layers WHERE title = :t FOR UPDATE"), {"t": meta.title}
    ).first()
    if row is not None:
        if (row.role, row.kind) != (meta.role, meta.kind):
            raise Conflict(
                f"The layer {meta.title!r} is registered as {row.role}/{row.kind}, not "
                f"{meta.role}/{meta.kind}; use another title for a different layer.",
                code="layer_role_mismatch")
        latest = conn.execute(
            text("SELECT coalesce(max(version), 0) FROM layer_versions WHERE layer_id = :id"),
            {"id": row.id}).scalar_one()
        return str(row.id), int(latest) + 1
    layer_id = _free_id(conn, meta.layer_id or slug(meta.title))
    rules = meta.rules if meta.rules is not None else DEFAULT_RULES[meta.role]
    conn.execute(
        text("INSERT INTO layers (id, title, role, kind, source, licence, rule) "
             "VALUES (:id, :title, :role, :kind, :source, :licence, :rule)"),
        {"id": layer_id, "title": meta.title, "role": meta.role, "kind": meta.kind,
         "source": meta.source, "licence": meta.licence, "rule": ",".join(rules) or None},
    )
    return layer_id, 1


def _free_id(conn: Connection, wanted: str) -> str:
    candidate, n = wanted, 1
    while conn.execute(text("SELECT 1 FROM layers WHERE id = :id"), {"id": candidate}).first():
        n += 1
        candidate = f"{wanted[:58]}_{n}"
    return candidate


def add_version(
    conn: Connection, layer_id: str, version: int, *, reference_date: date | None,
    source_crs: str | None, source_path: str, checksum: str, imported_by: str | None,
    raster_path: str | None = None, state: str = "ready",
) -> None:
    conn.execute(
        text("INSERT INTO layer_versions (layer_id, version, reference_date, source_crs, "
             "source_path, raster_path, checksum, imported_by, state) VALUES (:id, :v, :d, "
             ":crs, :src, :raster, :sum, :by, :state)"),
        {"id": layer_id, "v": version, "d": reference_date, "crs": source_crs, "src": source_path,
         "raster": raster_path, "sum": checksum, "by": imported_by, "state": state},
    )


def finish_version(
    conn: Connection, layer_id: str, version: int, *, feature_count: int,
    extent_wkb: bytes | None,
) -> None:
    """Record the version's size and extent and make it the current one."""
    conn.execute(
        text("UPDATE layer_versions SET feature_count = :n, extent = CASE WHEN "
             "CAST(:wkb AS bytea) IS NULL THEN NULL ELSE ST_GeomFromWKB(:wkb, 3059) END "
             "WHERE layer_id = :id AND version = :v"),
        {"n": feature_count, "wkb": extent_wkb, "id": layer_id, "v": version},
    )
    conn.execute(text("UPDATE layers SET current_version = :v WHERE id = :id"),
                 {"v": version, "id": layer_id})


def current_checksum(conn: Connection, title: str) -> str | None:
    return conn.execute(
        text("SELECT v.checksum FROM layers l JOIN layer_versions v ON v.layer_id = l.id "
             "AND v.version = l.current_version WHERE l.title = :t"), {"t": title}
    ).scalar_one_or_none()


def current_layers(conn: Connection) -> list[CurrentLayer]:
    rows = conn.execute(text(
        "SELECT l.id, l.title, l.role, l.kind, l.current_version, v.raster_path, "
        "v.reference_date, ST_XMin(v.extent) AS x0, ST_YMin(v.extent) AS y0, "
        "ST_XMax(v.extent) AS x1, ST_YMax(v.extent) AS y1 FROM layers l JOIN layer_versions v "
        "ON v.layer_id = l.id AND v.version = l.current_version ORDER BY l.role, l.id"))
    return [CurrentLayer(r.id, r.title, r.role, r.kind, int(r.current_version), r.raster_path,
                         r.reference_date,
                         None if r.x0 is None else (r.x0, r.y0, r.x1, r.y1)) for r in rows]


def list_layers(conn: Connection) -> list[dict[str, Any]]:
    """Every layer with all its versions, newest first (older versions stay for audit)."""
    layers = [dict(r) for r in conn.execute(text(
        "SELECT id, title, role, kind, source, licence, rule, current_version, created_at "
        "FROM layers ORDER BY role, id")).mappings()]
    versions = conn.execute(text(
        "SELECT layer_id, version, reference_date, source_crs, source_path, raster_path, "
        "feature_count, checksum, imported_at, imported_by, state, source_url, fetched_at, "
        "content_hash, http_etag, http_last_modified, raster_width, raster_height, "
        "coverage_source, "
        "CASE WHEN extent IS NULL THEN NULL ELSE "
        "ARRAY[ST_XMin(extent), ST_YMin(extent), ST_XMax(extent), ST_YMax(extent)] END AS bbox "
        "FROM layer_versions ORDER BY layer_id, version DESC")).mappings()
    by_layer: dict[str, list[dict[str, Any]]] = {}
    for v in versions:
        by_layer.setdefault(v["layer_id"], []).append(
            {k: val for k, val in v.items() if k != "layer_id"})
    for layer in layers:
        layer["rules"] = [r for r in (layer.pop("rule") or "").split(",") if r]
        layer["versions"] = by_layer.get(layer["id"], [])
    return layers
