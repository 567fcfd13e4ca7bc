"""Organisations' own XML document mappings: list, upload (TOML or JSON), delete."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from geoservice.errors import BadRequest
from geoservice.references import doc_mappings, mapping, say
from geoservice.web import auth
from geoservice.web.context import db
from geoservice.web.routing import Param, RouteTable

routes = RouteTable()
TAGS = ("references",)
EDITORS = ("owner", "analyst", "admin")
NAME = Param("name", description="Mapping name: 1–40 of a-z, 0-9, '-', '_'")
ITEM: dict[str, Any] = {"type": "object", "properties": {
    "name": {"type": "string"}, "title": {"type": "string"}, "builtin": {"type": "boolean"},
    "definition": {"type": "object", "nullable": True}}}


@routes.api("GET", "/api/v1/documents/mappings",
            summary="XML mappings you can use: built-in, auto, and your organisation's own",
            tags=TAGS, response={"type": "object", "properties": {
                "items": {"type": "array", "items": ITEM}}})
async def list_mappings(request: Request) -> Response:
    principal = await auth.require(request)
    say.use(principal)
    own = await db(request, doc_mappings.listing, principal)
    builtin = [{"name": n, "title": mapping.load(n).title, "builtin": True, "definition": None}
               for n in mapping.available()]
    builtin.append({"name": doc_mappings.AUTO, "title": "Automatic: any text or attribute "
                    "equal to one of your CA numbers", "builtin": True, "definition": None})
    return JSONResponse({"items": builtin + own})


@routes.api("POST", "/api/v1/documents/mappings",
            summary="Upload (or replace) one of your organisation's XML mappings; the same "
                    "keys as the built-in TOML files, as TOML (?name=) or JSON ({\"name\"})",
            tags=TAGS, params=(NAME,), body={"type": "string"},
            body_content_type="application/toml", status=201, response=ITEM)
async def upload_mapping(request: Request) -> Response:
    principal = await auth.require(request, roles=EDITORS)
    say.use(principal)
    raw = await request.body()
    if not raw.strip():
        raise BadRequest("The request body is empty; send the mapping as TOML or JSON.",
                         code="empty_body")
    name, definition = doc_mappings.parse_upload(
        raw, request.headers.get("content-type", ""), request.query_params.get("name"))
    new = await db(request, doc_mappings.save, principal, name, definition)
    return JSONResponse({"name": name, "title": definition.get("title", name),
                         "builtin": False, "definition": definition},
                        status_code=201 if new else 200)


@routes.api("DELETE", "/api/v1/documents/mappings",
            summary="Delete one of your organisation's XML mappings", tags=TAGS,
            params=(Param("name", required=True, description="Mapping name"),), status=204)
async def delete_mapping(request: Request) -> Response:
    principal = await auth.require(request, roles=EDITORS)
    say.use(principal)
    name = request.query_params.get("name") or ""
    await db(request, doc_mappings.delete, principal, name)
    return Response(status_code=204)
