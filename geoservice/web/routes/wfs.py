"""WFS 2.0 at /wfs: GetCapabilities, DescribeFeatureType and GetFeature (KVP GET and POST XML)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response

from geoservice.accounts.principal import Principal
from geoservice.errors import BadRequest
from geoservice.ogc import access, exceptions, gml, wfs_docs
from geoservice.ogc.crs import EPSG3059, bbox_to_xy, parse_numbers, parse_wfs, wfs_srs_name
from geoservice.ogc.dbcall import read
from geoservice.ogc.filters import to_sql
from geoservice.ogc.query import FeatureQuery, count_matched, geojson_features
from geoservice.ogc.wfs_request import WfsRequest, from_kvp, from_xml
from geoservice.web.context import settings_of
from geoservice.web.routing import RouteTable

routes = RouteTable()
exceptions.register_once()
XML = "application/xml"
GML32 = "application/gml+xml; version=3.2"


def _base(request: Request) -> str:
    return (settings_of(request).web.base_url or str(request.base_url)).rstrip("/")


def _capabilities(conn: Connection, base: str, principal: Principal | None,
                  public: bool) -> str:
    items: list[tuple[Any, tuple[float, ...] | None]] = []
    for c in access.listed(conn, principal, public):
        items.append((c, None))
    return wfs_docs.capabilities(base, items)


def _describe(conn: Connection, names: tuple[str, ...], principal: Principal | None,
              public: bool) -> str:
    if names:
        collections = [access.readable(conn, n, principal, public) for n in names]
    else:
        collections = access.listed(conn, principal, public)
    return wfs_docs.describe(collections)


def _query(conn: Connection, req: WfsRequest, principal: Principal | None,
           public: bool) -> FeatureQuery:
    if not req.type_names:
        raise BadRequest("GetFeature needs typeNames (e.g. typeNames=gs:felling_areas).",
                         code="missing_parameter", details=[{"locator": "typeNames"}])
    c = access.readable(conn, req.type_names[0], principal, public)
    crs = parse_wfs(req.srs_name)
    if req.output_format == "geojson":
        from dataclasses import replace

        crs = replace(crs, swap=False)  # GeoJSON is always x/y (lon/lat, easting/northing)
    count = wfs_docs.COUNT_DEFAULT if req.count is None else req.count
    query = FeatureQuery(c, principal, crs=crs, limit=count, offset=req.start_index)
    if req.bbox:
        parts = req.bbox.split(",")
        box_crs = EPSG3059
        if len(parts) in (5, 7):
            box_crs = parse_wfs(parts[-1])
            parts = parts[:-1]
        box = bbox_to_xy(parse_numbers(",".join(parts)), box_crs)
        query.bbox(box, box_crs)
    if req.filter is not None:
        where, params = to_sql(req.filter, c, parse_wfs(req.srs_name))
        query.add(where, params, "w")
    return query


def _get_feature(conn: Connection, req: WfsRequest, principal: Principal | None,
                 public: bool) -> tuple[FeatureQuery, int | None, list[Any]]:
    query = _query(conn, req, principal, public)
    matched = count_matched(conn, query)
    if req.result_type == "hits" or query.limit == 0:
        return query, matched, []
    if req.output_format == "geojson":
        return query, matched, geojson_features(conn, query)
    return query, matched, gml.gml_rows(conn, query)


def _next(request: Request, req: WfsRequest, query: FeatureQuery, returned: int,
          matched: int | None) -> str | None:
    if returned < query.limit or (matched is not None and query.offset + returned >= matched):
        return None
    if request.method != "GET":
        return None
    params = {k: v for k, v in request.query_params.items()
              if k.lower() not in ("startindex", "count", "maxfeatures")}
    params.update(STARTINDEX=str(query.offset + query.limit), COUNT=str(query.limit))
    return f"{_base(request)}/wfs?{urlencode(params)}"


async def _answer(request: Request, req: WfsRequest) -> Response:
    principal, public = await access.viewer(request)
    base = _base(request)
    if req.request == "GetCapabilities":
        doc = await read(request, _capabilities, base, principal, public)
        return Response(doc, media_type=XML)
    if req.request == "DescribeFeatureType":
        doc = await read(request, _describe, req.type_names, principal, public)
        return Response(doc, media_type="application/gml+xml; version=3.2; subtype=xsd")
    query, matched, rows = await read(request, _get_feature, req, principal, public)
    c = query.collection
    if req.output_format == "geojson":
        head: dict[str, Any] = {"type": "FeatureCollection"}
        if matched is not None:
            head["numberMatched"] = matched
        head["numberReturned"] = len(rows)
        if query.crs.srid != 4326:
            head["crs"] = {"type": "name", "properties": {"name": query.crs.urn}}
        body = json.dumps(head)[:-1] + ', "features": [' + ",".join(rows) + "]}"
        return Response(body, media_type="application/geo+json")
    next_href = _next(request, req, query, len(rows), matched)
    if req.result_type == "hits":
        head_xml = gml.collection_open(base, [c.id], matched, 0)
        return Response(head_xml.replace('numberReturned="0">', 'numberReturned="0"/>'),
                        media_type=GML32)
    parts = [gml.collection_open(base, [c.id], matched, len(rows), next_href)]
    parts.extend(gml.member(c, row) for row in rows)
    parts.append(gml.COLLECTION_CLOSE)
    return Response("".join(parts), media_type=GML32,
                    headers={"Content-Crs": wfs_srs_name(query.crs)})


@routes.page("GET", "/wfs")
async def wfs_get(request: Request) -> Response:
    return await _answer(request, from_kvp(request.query_params))


@routes.page("POST", "/wfs")
async def wfs_post(request: Request) -> Response:
    body = await request.body()
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        form = await request.form()
        return await _answer(request, from_kvp({k: str(v) for k, v in form.items()}))
    if not body.strip():
        raise BadRequest("POST a wfs:GetFeature XML document (or use GET with KVP).",
                         code="missing_parameter", details=[{"locator": "request"}])
    return await _answer(request, from_xml(body))
