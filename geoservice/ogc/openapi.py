"""The OpenAPI 3.0 document of the OGC API Features endpoints (served at /ogc/api)."""

from __future__ import annotations

from typing import Any

from geoservice import __version__
from geoservice.ogc.crs import SUPPORTED


def _param(name: str, description: str, schema: dict[str, Any], where: str = "query",
           required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": where, "description": description,
            "required": required or where == "path", "schema": schema, "style": "form",
            "explode": False}


CID = _param("collectionId", "Collection id: felling_areas, findings or a layer id.",
             {"type": "string"}, "path")
F = _param("f", "Output format.", {"type": "string", "enum": ["json", "geojson", "html", "csv"]})
CRS_ENUM = {"type": "string", "format": "uri", "enum": [c.uri for c in SUPPORTED]}
ITEM_PARAMS = [
    CID, F,
    _param("limit", "Features per page (1–10 000, default 100; larger is a 400).",
           {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100}),
    _param("offset", "Features to skip.", {"type": "integer", "minimum": 0, "default": 0}),
    _param("bbox", "Lower-left and upper-right corner in the axis order of bbox-crs.",
           {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}),
    _param("bbox-crs", "CRS of bbox (default CRS84).", CRS_ENUM),
    _param("crs", "CRS of the returned geometries (default CRS84).", CRS_ENUM),
    _param("coordinate-precision", "Decimals of the returned coordinates: 6 in degrees "
           "(about 0.1 m, RFC 7946 §11.2) and 3 in metres by default; up to 9 (1 mm).",
           {"type": "integer", "minimum": 0, "maximum": 9}),
    _param("datetime", "Instant or interval (issued_on of felling areas, created_at of "
           "findings).", {"type": "string"}),
    _param("filter", "CQL2 filter.", {"type": "string"}),
    _param("filter-lang", "cql2-text (default) or cql2-json.",
           {"type": "string", "enum": ["cql2-text", "cql2-json"]}),
    _param("filter-crs", "CRS of geometry literals in filter (default CRS84).", CRS_ENUM),
    _param("sortby", "Sort keys: property names, '-' before a name sorts descending "
           "(e.g. -area_ha,cirsma).", {"type": "array", "items": {"type": "string"}}),
]
PROPERTIES = _param("properties", "Only these properties in each feature (comma-separated).",
                    {"type": "array", "items": {"type": "string"}})
ITEM_PARAMS.append(PROPERTIES)


def _op(summary: str, op_id: str, params: list[dict[str, Any]], media: str) -> dict[str, Any]:
    return {"get": {
        "summary": summary, "operationId": op_id, "parameters": params,
        "responses": {
            "200": {"description": summary, "content": {media: {"schema": {"type": "object"}}}},
            "400": {"description": "Invalid request", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/exception"}}}},
            "401": {"description": "Log in first"},
            "404": {"description": "Not found"},
        }}}


def document(base: str) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "geoservice OGC API Features", "version": __version__},
        "servers": [{"url": base}],
        "paths": {
            "/ogc": _op("Landing page", "getLandingPage", [F], "application/json"),
            "/ogc/conformance": _op("Conformance classes", "getConformance", [F],
                                    "application/json"),
            "/ogc/api": _op("This document", "getOpenApi", [],
                            "application/vnd.oai.openapi+json;version=3.0"),
            "/ogc/collections": _op("Collections", "getCollections", [F], "application/json"),
            "/ogc/collections/{collectionId}": _op("One collection", "describeCollection",
                                                   [CID, F], "application/json"),
            "/ogc/collections/{collectionId}/queryables": _op(
                "Queryable properties", "getQueryables", [CID], "application/schema+json"),
            "/ogc/collections/{collectionId}/items": _op(
                "Features", "getFeatures", ITEM_PARAMS, "application/geo+json"),
            "/ogc/collections/{collectionId}/items/{featureId}": _op(
                "One feature", "getFeature",
                [CID, _param("featureId", "Feature id.", {"type": "string"}, "path"), F,
                 ITEM_PARAMS[6], PROPERTIES], "application/geo+json"),
            "/ogc/collections/{collectionId}/sortables": _op(
                "Sortable properties", "getSortables", [CID], "application/schema+json"),
        },
        "components": {
            "schemas": {"exception": {
                "type": "object", "required": ["code"],
                "properties": {"code": {"type": "string"}, "description": {"type": "string"}}}},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}, {}],
    }
