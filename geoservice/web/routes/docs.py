"""The OpenAPI document and a readable page for it (rendered by us, no CDN)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from geoservice.web.routing import RouteTable
from geoservice.web.templates import render

routes = RouteTable()


@routes.api("GET", "/api/v1/openapi.json", summary="This OpenAPI document", tags=("service",),
            public=True, response={"type": "object"})
async def openapi(request: Request) -> Response:
    return JSONResponse(request.app.state.openapi)


@routes.page("GET", "/api/v1/docs")
async def docs_page(request: Request) -> Response:
    spec = request.app.state.openapi
    return render(request, "api_docs.html", {"spec": spec})
