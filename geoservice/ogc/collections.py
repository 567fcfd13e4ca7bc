"""The feature collections GIS clients read: felling areas, findings and each vector layer.

A collection is a read-only view over one SQL ``FROM``: its id expression, geometry column,
allow-listed properties (name → SQL expression and type), tenancy column and datetime column.
Only names in ``properties`` ever reach SQL; values always travel as bound parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from geoservice.errors import NotFound

SAFE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


@dataclass(frozen=True)
class Prop:
    """One queryable property: its SQL expression and JSON-schema type (``format`` for dates)."""

    name: str
    sql: str
    type: str = "string"
    format: str | None = None
    title: str = ""

    @property
    def xsd(self) -> str:
        if self.format == "date":
            return "xsd:date"
        if self.format == "date-time":
            return "xsd:dateTime"
        return {"integer": "xsd:long", "number": "xsd:double", "boolean": "xsd:boolean"}.get(
            self.type, "xsd:string")


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    from_sql: str
    id_sql: str
    geom_sql: str
    properties: tuple[Prop, ...]
    tenancy_column: str | None = None
    datetime_sql: str | None = None
    where: str = "TRUE"
    params: dict[str, Any] = field(default_factory=dict)
    # SQL building the properties object in one go (layers: the attrs jsonb as it is).
    properties_json_sql: str | None = None
    is_layer: bool = False
    min_zoom: int = 6
    # The geometry kept in EPSG:4326 too (a generated column), read instead of transforming.
    lonlat_sql: str | None = None
    # FROM without the joins that only add properties, and the aliases those joins bring:
    # counting matches needs the joins only when a filter names one of those aliases.
    count_from_sql: str | None = None
    joined_aliases: tuple[str, ...] = ()

    def prop(self, name: str) -> Prop | None:
        for p in self.properties:
            if p.name == name:
                return p
        return None

    @property
    def json_properties_sql(self) -> str:
        if self.properties_json_sql:
            return self.properties_json_sql
        pairs = ", ".join(f"'{p.name}', {p.sql}" for p in self.properties)
        return f"json_build_object({pairs})"


FELLING_AREAS = Collection(
    id="felling_areas",
    title="Felling areas (cirsmas)",
    description="Felling areas of felling certificates (ciršanas apliecinājumi) with their "
    "certificate attributes and the area's check verdict.",
    from_sql="felling_areas fa JOIN certificates c ON c.id = fa.certificate_id",
    id_sql="fa.id::text",
    geom_sql="fa.geom",
    lonlat_sql="fa.geom_lonlat",
    # Every felling area has its certificate (NOT NULL foreign key): the join never filters.
    count_from_sql="felling_areas fa",
    joined_aliases=("c",),
    tenancy_column="fa.organisation_id",
    datetime_sql="c.issued_on",
    properties=(
        Prop("ca_number", "c.ca_number", title="Felling certificate number"),
        Prop("certificate_id", "c.id::text", title="Certificate id"),
        Prop("cirsma", "fa.cirsma::int", "integer", title="Felling area number"),
        Prop("cadastral_designation", "fa.cadastral_designation::text"),
        Prop("quarter", "fa.quarter", title="Forest quarter (kvartāls)"),
        Prop("compartment", "fa.compartment", title="Compartment (nogabals)"),
        Prop("felling_type", "fa.felling_type"),
        Prop("execution_method", "fa.execution_method"),
        Prop("area_ha", "fa.area_ha::float8", "number", title="Area, ha"),
        Prop("status", "c.status", title="Certificate status"),
        Prop("verdict", "fa.verdict", title="Check verdict of the felling area"),
        Prop("issued_on", "c.issued_on", "string", "date"),
        Prop("valid_until", "c.valid_until", "string", "date"),
    ),
)

FINDINGS = Collection(
    id="findings",
    title="Check findings",
    description="Overlaps of felling areas with land-use layers found by the checks.",
    from_sql="findings f",
    id_sql="f.id::text",
    geom_sql="f.geom",
    tenancy_column="f.organisation_id",
    datetime_sql="f.created_at",
    where="f.geom IS NOT NULL",
    properties=(
        Prop("certificate_id", "f.certificate_id::text"),
        Prop("area_id", "f.area_id::text"),
        Prop("rule", "f.rule"),
        Prop("severity", "f.severity"),
        Prop("overlap_ha", "f.overlap_ha::float8", "number"),
        Prop("overlap_percent", "f.overlap_percent::float8", "number"),
        Prop("status", "f.status"),
        Prop("message_lv", "f.message_lv"),
        Prop("message_en", "f.message_en"),
        Prop("layer_id", "f.layer_id"),
        Prop("layer_version", "f.layer_version", "integer"),
        Prop("created_at", "f.created_at", "string", "date-time"),
    ),
)

TENANT_COLLECTIONS = {c.id: c for c in (FELLING_AREAS, FINDINGS)}
_KEY_SAMPLE = 500
_layer_cache: dict[tuple[str, int], Collection] = {}


def _attr_prop(key: str, kinds: set[str]) -> Prop:
    literal = "'" + key + "'"  # key matched SAFE_KEY: letters, digits and underscores only
    if kinds == {"number"}:
        return Prop(key, f"CASE WHEN jsonb_typeof(lf.attrs->{literal}) = 'number' "
                         f"THEN (lf.attrs->>{literal})::float8 END", "number")
    if kinds == {"boolean"}:
        return Prop(key, f"CASE WHEN jsonb_typeof(lf.attrs->{literal}) = 'boolean' "
                         f"THEN (lf.attrs->>{literal})::boolean END", "boolean")
    return Prop(key, f"(lf.attrs->>{literal})")


def _layer_collection(conn: Connection, row: Any) -> Collection:
    key = (row.id, row.current_version)
    cached = _layer_cache.get(key)
    if cached is not None:
        return cached
    samples = conn.execute(text(
        "SELECT k.key, jsonb_typeof(k.value) AS kind FROM (SELECT attrs FROM layer_features "
        "WHERE layer_id = :id AND version = :v LIMIT :n) s, jsonb_each(s.attrs) k"),
        {"id": row.id, "v": row.current_version, "n": _KEY_SAMPLE}).all()
    kinds: dict[str, set[str]] = {}
    for sample in samples:
        if SAFE_KEY.match(sample.key):
            if sample.kind != "null":
                kinds.setdefault(sample.key, set()).add(sample.kind)
            else:
                kinds.setdefault(sample.key, set())
    props = tuple(_attr_prop(k, kinds[k]) for k in sorted(kinds))
    collection = Collection(
        id=row.id, title=row.title,
        description=f"Land-use layer '{row.title}' (role {row.role}), version "
                    f"{row.current_version}. Source: {row.source or 'not stated'}; "
                    f"licence: {row.licence or 'not stated'}.",
        from_sql="layer_features lf", id_sql="lf.id::text", geom_sql="lf.geom",
        where="lf.layer_id = :layer_id AND lf.version = :layer_version",
        params={"layer_id": row.id, "layer_version": row.current_version},
        properties=props, properties_json_sql="lf.attrs", is_layer=True, min_zoom=10,
    )
    _layer_cache[key] = collection
    return collection


_LAYERS_SQL = ("SELECT id, title, role, source, licence, current_version FROM layers "
               "WHERE kind = 'vector' AND current_version IS NOT NULL")


_LAYER_BY_ID = text(_LAYERS_SQL + " AND id = :id")  # parsed once: every tile asks it


def layer_collections(conn: Connection) -> list[Collection]:
    rows = conn.execute(text(_LAYERS_SQL + " ORDER BY id")).all()
    return [_layer_collection(conn, row) for row in rows if row.id not in TENANT_COLLECTIONS]


def all_collections(conn: Connection) -> list[Collection]:
    return [FELLING_AREAS, FINDINGS, *layer_collections(conn)]


def get_collection(conn: Connection, collection_id: str) -> Collection:
    """The collection by id; 404 with the list of ids otherwise."""
    if collection_id in TENANT_COLLECTIONS:
        return TENANT_COLLECTIONS[collection_id]
    row = conn.execute(_LAYER_BY_ID, {"id": collection_id}).first()
    if row is None:
        known = [c.id for c in all_collections(conn)]
        raise NotFound(f"There is no collection {collection_id!r}; collections: "
                       f"{', '.join(known)}.", code="unknown_collection")
    return _layer_collection(conn, row)
