"""OGC API Features (Parts 1–3) at /ogc: landing page, conformance, collections and items."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from geoservice.accounts.principal import Principal
from geoservice.errors import NotFound
from geoservice.ogc import access, documents, openapi, tabular
from geoservice.ogc.collections import Collection
from geoservice.ogc.params import feature_query
from geoservice.ogc.query import (
    FeatureQuery,
    count_matched,
    extent,
    geojson_features,
    geojson_page,
)
from geoservice.ogc.stream import gzipped
from geoservice.web import gis
from geoservice.web.context import settings_of
from geoservice.web.gis import read as db
from geoservice.web.gis import wants_gzip
from geoservice.web.negotiation import negotiate
from geoservice.web.routing import RouteTable
from geoservice.web.templates import render

routes = RouteTable()
gis.register_once()


def base_url(request: Request) -> str:
    configured = settings_of(request).web.base_url
    return (configured or str(request.base_url)).rstrip("/")


def _json(doc: dict[str, Any], media: str = documents.JSON, **headers: str) -> Response:
    return JSONResponse(doc, media_type=media, headers=headers or None)


@routes.page("GET", "/ogc")
async def ogc_landing(request: Request) -> Response:
    doc = documents.landing(base_url(request))
    if negotiate(request, ("json", "html")) == "html":
        return render(request, "ogc_index.html", {"doc": doc, "collections": None})
    return _json(doc)


@routes.page("GET", "/ogc/conformance")
async def ogc_conformance(request: Request) -> Response:
    doc = documents.conformance()
    if negotiate(request, ("json", "html")) == "html":
        return render(request, "ogc_index.html", {"doc": {"title": "Conformance", "links": [
            documents.link(uri, "conformance", "text/html") for uri in doc["conformsTo"]]},
            "collections": None})
    return _json(doc)


@routes.page("GET", "/ogc/api")
async def ogc_openapi(request: Request) -> Response:
    return _json(openapi.document(base_url(request)),
                 "application/vnd.oai.openapi+json;version=3.0")


def _collection_docs(conn: Connection, base: str, principal: Principal | None,
                     public: bool) -> list[dict[str, Any]]:
    return [documents.collection(base, c, _extent(conn, c, principal))
            for c in access.listed(conn, principal, public)]


def _extent(conn: Connection, c: Collection,
            principal: Principal | None) -> tuple[float, float, float, float] | None:
    if c.is_layer:
        from sqlalchemy import text

        row = conn.execute(text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT "
            "ST_Transform(extent, 4326) AS e FROM layer_versions WHERE layer_id = :id AND "
            "version = :v) s WHERE e IS NOT NULL"),
            {"id": c.params["layer_id"], "v": c.params["layer_version"]}).first()
        return None if row is None else (row[0], row[1], row[2], row[3])
    return extent(conn, FeatureQuery(c, principal))


@routes.page("GET", "/ogc/collections")
async def ogc_collections(request: Request) -> Response:
    principal, public = await gis.viewer(request)
    base = base_url(request)
    fmt = negotiate(request, ("json", "html"))
    items = await db(request, _collection_docs, base, principal, public)
    doc = {"links": [documents.link(f"{base}/ogc/collections?f=json", "self", documents.JSON),
                     documents.link(f"{base}/ogc/collections?f=html", "alternate",
                                    documents.HTML)],
           "collections": items}
    if fmt == "html":
        return render(request, "ogc_index.html",
                      {"doc": {"title": "Collections", "links": []}, "collections": items})
    return _json(doc)


def _one(conn: Connection, cid: str, base: str, principal: Principal | None,
         public: bool) -> dict[str, Any]:
    c = access.readable(conn, cid, principal, public)
    return documents.collection(base, c, _extent(conn, c, principal))


@routes.page("GET", "/ogc/collections/{cid}")
async def ogc_collection(request: Request) -> Response:
    principal, public = await gis.viewer(request)
    fmt = negotiate(request, ("json", "html"))
    doc = await db(request, _one, request.path_params["cid"], base_url(request), principal,
                   public)
    if fmt == "html":
        return render(request, "ogc_collection.html", {"doc": doc})
    return _json(doc)


def _queryables(conn: Connection, cid: str, base: str, principal: Principal | None,
                public: bool) -> dict[str, Any]:
    return documents.queryables(base, access.readable(conn, cid, principal, public))


@routes.page("GET", "/ogc/collections/{cid}/queryables")
async def ogc_queryables(request: Request) -> Response:
    principal, public = await gis.viewer(request)
    doc = await db(request, _queryables, request.path_params["cid"], base_url(request),
                   principal, public)
    return _json(doc, "application/schema+json")


def _sortables(conn: Connection, cid: str, base: str, principal: Principal | None,
               public: bool) -> dict[str, Any]:
    return documents.sortables(base, access.readable(conn, cid, principal, public))


@routes.page("GET", "/ogc/collections/{cid}/sortables")
async def ogc_sortables(request: Request) -> Response:
    principal, public = await gis.viewer(request)
    doc = await db(request, _sortables, request.path_params["cid"], base_url(request),
                   principal, public)
    return _json(doc, "application/schema+json")


def _prepare(conn: Connection, cid: str, principal: Principal | None, public: bool,
             params: dict[str, str], fid: str | None,
             fmt: str) -> tuple[FeatureQuery, int | None, list[str] | None]:
    c = access.readable(conn, cid, principal, public)
    query = feature_query(c, principal, params)
    if fid is not None:
        query.fid(fid)
        query.limit, query.offset = 1, 0
        features = geojson_features(conn, query)
        if not features:
            raise NotFound(f"There is no feature {fid!r} in {cid}.", code="unknown_feature")
        return query, 1, features
    matched = count_matched(conn, query) if fmt in ("geojson", "json") else None
    return query, matched, None


def _links(request: Request, base: str, query: FeatureQuery, returned: int,
           matched: int | None) -> list[dict[str, str]]:
    path = f"{base}{request.url.path}"
    params = dict(request.query_params)

    def href(**changes: Any) -> str:
        merged = {**params, **{k: str(v) for k, v in changes.items()}}
        return f"{path}?{urlencode(merged)}"

    links = [documents.link(href(f="geojson"), "self", documents.GEOJSON),
             documents.link(href(f="html"), "alternate", documents.HTML),
             documents.link(href(f="csv"), "alternate", "text/csv")]
    more = returned >= query.limit and (matched is None or query.offset + query.limit < matched)
    if more:
        links.append(documents.link(href(offset=query.offset + query.limit, f="geojson"),
                                    "next", documents.GEOJSON, "Next page"))
    if query.offset > 0:
        links.append(documents.link(href(offset=max(0, query.offset - query.limit),
                                         f="geojson"), "prev", documents.GEOJSON,
                                    "Previous page"))
    return links


def _items(conn: Connection, principal: Principal | None, public: bool, cid: str,
           params: dict[str, str], fmt: str, gzip: bool,
           links: Callable[[FeatureQuery, int, int | None], list[dict[str, str]]]
           ) -> tuple[FeatureQuery, bytes | None, bool]:
    """The items answer in one transaction: the query, then (GeoJSON, CSV) the whole body,
    gzipped when asked and worth it, built in the worker thread rather than on the event
    loop."""
    query, matched, _ = _prepare(conn, cid, principal, public, params, None, fmt)
    if fmt == "csv":
        text = tabular.to_csv(query.collection, tabular.csv_rows(conn, query))
        return query, text.encode(), False
    if fmt not in ("geojson", "json"):
        return query, None, False
    features, returned = geojson_page(conn, query)
    head: dict[str, Any] = {"type": "FeatureCollection"}
    if matched is not None:
        head["numberMatched"] = matched
    head["numberReturned"] = returned
    head["links"] = links(query, returned, matched)
    body = b"".join([(json.dumps(head)[:-1] + ', "features": [').encode(), features, b"]}"])
    if gzip and len(body) > 50_000:
        return query, b"".join(gzipped([body])), True
    return query, body, False


@routes.page("GET", "/ogc/collections/{cid}/items")
async def ogc_items(request: Request) -> Response:
    fmt = negotiate(request, ("geojson", "json", "html", "csv"), default="geojson")
    params = {k: v for k, v in request.query_params.items()}
    base = base_url(request)

    def links(query: FeatureQuery, returned: int, matched: int | None) -> list[dict[str, str]]:
        return _links(request, base, query, returned, matched)

    query, body, zipped = await gis.read_as(request, _items, request.path_params["cid"], params,
                                            fmt, wants_gzip(request), links)
    if fmt == "html":
        return render(request, "ogc_items.html", {"collection": query.collection,
                                                  "limit": query.limit})
    headers = {"Content-Crs": f"<{query.crs.uri}>"}
    if fmt == "csv":
        return Response(body, media_type="text/csv", headers=headers)
    if zipped:
        headers.update({"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
    return Response(body, media_type=documents.GEOJSON, headers=headers)


@routes.page("GET", "/ogc/collections/{cid}/items/{fid}")
async def ogc_item(request: Request) -> Response:
    fmt = negotiate(request, ("geojson", "json", "html"), default="geojson")
    params = {k: v for k, v in request.query_params.items()}
    cid, fid = request.path_params["cid"], request.path_params["fid"]

    def one(conn: Connection, principal: Principal | None,
            public: bool) -> tuple[FeatureQuery, int | None, list[str] | None]:
        return _prepare(conn, cid, principal, public, params, fid, fmt)

    query, _, features = await gis.read_as(request, one)
    if fmt == "html":
        return render(request, "ogc_items.html", {"collection": query.collection, "limit": 1})
    assert features is not None
    feature = json.loads(features[0])
    base = f"{base_url(request)}/ogc/collections/{cid}"
    feature["links"] = [
        documents.link(f"{base}/items/{fid}?f=geojson", "self", documents.GEOJSON),
        documents.link(f"{base}/items/{fid}?f=html", "alternate", documents.HTML),
        documents.link(f"{base}?f=json", "collection", documents.JSON)]
    return JSONResponse(feature, media_type=documents.GEOJSON,
                        headers={"Content-Crs": f"<{query.crs.uri}>"})

