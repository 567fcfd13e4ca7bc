"""Whole collections as streamed GeoJSON at /download/{collection}.geojson (gzip on request)."""

from __future__ import annotations

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from geoservice.accounts.principal import Principal
from geoservice.ogc import access, exceptions
from geoservice.ogc.crs import parse_ogc
from geoservice.ogc.dbcall import read
from geoservice.ogc.query import FeatureQuery
from geoservice.ogc.stream import gzipped, joined, wants_gzip
from geoservice.web.context import engine_of
from geoservice.web.routing import RouteTable

routes = RouteTable()
exceptions.register_once()


def _plan(conn: Connection, cid: str, principal: Principal | None, public: bool,
          crs_name: str | None) -> FeatureQuery:
    c = access.readable(conn, cid, principal, public)
    return FeatureQuery(c, principal, crs=parse_ogc(crs_name))


@routes.page("GET", "/download/{cid}.geojson")
async def download(request: Request) -> Response:
    principal, public = await access.viewer(request)
    cid = request.path_params["cid"]
    query = await read(request, _plan, cid, principal, public, request.query_params.get("crs"))
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
