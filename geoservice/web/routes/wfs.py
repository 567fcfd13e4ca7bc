"""HTTP glue of the WFS 2.0 at /wfs: KVP GET, KVP form POST and XML POST to ``wfs_service``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from geoservice.errors import BadRequest
from geoservice.ogc import wfs_service
from geoservice.ogc.wfs_request import WfsRequest, from_kvp, from_xml
from geoservice.web import gis
from geoservice.web.context import settings_of
from geoservice.web.gis import read
from geoservice.web.routing import RouteTable

routes = RouteTable()
gis.register_once()


def _base(request: Request) -> str:
    return (settings_of(request).web.base_url or str(request.base_url)).rstrip("/")


async def _answer(request: Request, req: WfsRequest) -> Response:
    principal, public = await gis.viewer(request)
    viewer = wfs_service.Viewer(principal, public)
    result = await read(request, wfs_service.answer, req, viewer, _base(request))
    return Response(result.body, media_type=result.media_type, headers=result.headers)


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
