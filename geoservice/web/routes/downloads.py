"""Whole collections, streamed: /download/{collection}.geojson (gzip on request), .fgb, .parquet."""

from __future__ import annotations

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from geoservice.accounts.principal import Principal
from geoservice.ogc import access, formats
from geoservice.ogc.crs import CRS84, Crs, parse_ogc
from geoservice.ogc.params import decimals
from geoservice.ogc.query import FeatureQuery
from geoservice.ogc.stream import gzipped, joined
from geoservice.web import gis
from geoservice.web.context import engine_of
from geoservice.web.gis import wants_gzip
from geoservice.web.routing import RouteTable

routes = RouteTable()
gis.register_once()


def _plan(conn: Connection, principal: Principal | None, public: bool, cid: str,
          params: dict[str, str], default: Crs = CRS84) -> FeatureQuery:
    c = access.readable(conn, cid, principal, public)
    return FeatureQuery(c, principal, crs=parse_ogc(params.get("crs"), default),
                        decimals=decimals(params))


@routes.page("GET", "/download/{cid}.geojson")
async def download(request: Request) -> Response:
    cid = request.path_params["cid"]
    query = await gis.read_as(request, _plan, cid, dict(request.query_params))
    c = query.collection
    sql = (f"SELECT {query.geojson_select()} FROM {c.from_sql} WHERE {query.where} "
           f"ORDER BY {query.order}")
    head = '{"type": "FeatureCollection", "features": ['
    chunks = joined(engine_of(request), sql, dict(query.params), head, "]}\n")
    headers = {"Content-Disposition": f'attachment; filename="{c.id}.geojson"',
               "Content-Crs": f"<{query.crs.uri}>", "Vary": "Accept-Encoding"}
    if wants_gzip(request):
        headers["Content-Encoding"] = "gzip"
        return StreamingResponse(gzipped(chunks), media_type="application/geo+json",
                                 headers=headers)
    return StreamingResponse(chunks, media_type="application/geo+json", headers=headers)


def _binary(request: Request, query: FeatureQuery, ext: str) -> Response:
    maker = formats.flatgeobuf if ext == "fgb" else formats.geoparquet
    c = query.collection
    headers = {"Content-Disposition": f'attachment; filename="{c.id}.{ext}"',
               "Content-Crs": f"<{query.crs.uri}>"}
    return StreamingResponse(maker(engine_of(request), query), media_type=formats.MEDIA[ext],
                             headers=headers)


@routes.page("GET", "/download/{cid}.fgb")
async def download_flatgeobuf(request: Request) -> Response:
    query = await gis.read_as(request, _plan, request.path_params["cid"],
                              dict(request.query_params), formats.DEFAULT_CRS)
    return _binary(request, query, "fgb")


@routes.page("GET", "/download/{cid}.parquet")
async def download_geoparquet(request: Request) -> Response:
    query = await gis.read_as(request, _plan, request.path_params["cid"],
                              dict(request.query_params), formats.DEFAULT_CRS)
    return _binary(request, query, "parquet")
