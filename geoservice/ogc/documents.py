"""JSON documents of OGC API Features: landing page, conformance, collections, queryables."""

from __future__ import annotations

from typing import Any

from geoservice.ogc.collections import Collection
from geoservice.ogc.crs import CRS84, STORAGE, SUPPORTED

# Declared exactly as implemented (tests/ogc/test_ogc_api.py exercises each class).
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/ogcapi-features-8/1.0/conf/sorting",
    "http://www.opengis.net/spec/ogcapi-features-8/1.0/conf/sortables",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
]

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"


def link(href: str, rel: str, type_: str, title: str = "") -> dict[str, str]:
    out = {"href": href, "rel": rel, "type": type_}
    if title:
        out["title"] = title
    return out


def landing(base: str) -> dict[str, Any]:
    return {
        "title": "geoservice — felling areas, findings and land-use layers",
        "description": "OGC API Features (Parts 1–3) of the EUDR due diligence service for "
                       "Latvian timber. WFS 2.0 at /wfs, vector tiles at /tiles.",
        "links": [
            link(f"{base}/ogc?f=json", "self", JSON, "This document"),
            link(f"{base}/ogc?f=html", "alternate", HTML, "This document as HTML"),
            link(f"{base}/ogc/api", "service-desc", "application/vnd.oai.openapi+json;version=3.0",
                 "The OpenAPI definition"),
            link(f"{base}/ogc/conformance", "conformance", JSON, "Conformance classes"),
            link(f"{base}/ogc/collections", "data", JSON, "Collections"),
        ],
    }


def conformance() -> dict[str, Any]:
    return {"conformsTo": CONFORMANCE}


def collection(base: str, c: Collection,
               extent: tuple[float, float, float, float] | None) -> dict[str, Any]:
    href = f"{base}/ogc/collections/{c.id}"
    doc: dict[str, Any] = {
        "id": c.id, "title": c.title, "description": c.description, "itemType": "feature",
        "crs": [crs.uri for crs in SUPPORTED], "storageCrs": STORAGE.uri,
        "links": [
            link(f"{href}?f=json", "self", JSON),
            link(f"{href}?f=html", "alternate", HTML),
            link(f"{href}/items?f=geojson", "items", GEOJSON, "Features as GeoJSON"),
            link(f"{href}/items?f=html", "items", HTML, "Features on a map"),
            link(f"{href}/items?f=csv", "items", "text/csv", "Features as CSV"),
            link(f"{href}/queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                 "application/schema+json", "Queryable properties"),
            link(f"{href}/sortables", "http://www.opengis.net/def/rel/ogc/1.0/sortables",
                 "application/schema+json", "Properties to sort by (sortby)"),
            link(f"{base}/download/{c.id}.geojson", "enclosure", GEOJSON, "Whole collection"),
            link(f"{base}/tiles/{c.id}.json", "tiles", JSON, "TileJSON of vector tiles"),
        ],
    }
    ext: dict[str, Any] = {}
    if extent is not None:
        ext["spatial"] = {"bbox": [list(extent)], "crs": CRS84.uri}
    if c.datetime_sql:
        ext["temporal"] = {"interval": [[None, None]],
                           "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}
    if ext:
        doc["extent"] = ext
    return doc


def queryables(base: str, c: Collection) -> dict[str, Any]:
    props: dict[str, Any] = {
        "geometry": {"$ref": "https://geojson.org/schema/MultiPolygon.json",
                     "x-ogc-role": "primary-geometry"},
    }
    for p in c.properties:
        schema: dict[str, Any] = {"type": p.type}
        if p.format:
            schema["format"] = p.format
        if p.title:
            schema["title"] = p.title
        props[p.name] = schema
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base}/ogc/collections/{c.id}/queryables",
        "type": "object", "title": c.title, "properties": props,
        "additionalProperties": False,
    }


def sortables(base: str, c: Collection) -> dict[str, Any]:
    """The properties ``sortby`` accepts: every property, not the geometry."""
    doc = queryables(base, c)
    doc["properties"].pop("geometry")
    doc["$id"] = f"{base}/ogc/collections/{c.id}/sortables"
    return doc
