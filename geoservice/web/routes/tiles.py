"""Vector tiles at /tiles/{collection}/{z}/{x}/{y}.mvt and their TileJSON at /tiles/{id}.json."""

from __future__ import annotations

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from geoservice.accounts.principal import Principal
from geoservice.errors import BadRequest
from geoservice.ogc import access, tiles
from geoservice.web import gis
from geoservice.web.context import settings_of
from geoservice.web.gis import read
from geoservice.web.routing import RouteTable

routes = RouteTable()
gis.register_once()
MVT = "application/vnd.mapbox-vector-tile"


def _tile(conn: Connection, principal: Principal | None, public: bool, cid: str, z: str, x: str,
          y: str) -> bytes:
    collection = access.readable(conn, cid, principal, public)
    return tiles.tile(conn, collection, principal, _int(z, "z"), _int(x, "x"), _int(y, "y"))


def _int(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise BadRequest(f"{name}={value!r} is not a whole number.", code="invalid_tile") \
            from None


@routes.page("GET", "/tiles/{cid}/{z}/{x}/{y}.mvt")
async def vector_tile(request: Request) -> Response:
    p = request.path_params
    data = await gis.read_as(request, _tile, p["cid"], p["z"], p["x"], p["y"])
    private = request.state.principal is not None
    return Response(data, media_type=MVT, headers={
        "Cache-Control": "private, max-age=60" if private else "public, max-age=300"})


def _tilejson(conn: Connection, cid: str, base: str, principal: Principal | None,
              public: bool) -> dict[str, object]:
    c = access.readable(conn, cid, principal, public)
    return tiles.tilejson(base, c, None)


@routes.page("GET", "/tiles/{cid}.json")
async def tile_json(request: Request) -> Response:
    principal, public = await gis.viewer(request)
    base = (settings_of(request).web.base_url or str(request.base_url)).rstrip("/")
    doc = await read(request, _tilejson, request.path_params["cid"], base, principal, public)
    return JSONResponse(doc)
