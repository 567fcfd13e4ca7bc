"""EUDR-X documents of a supplier's statements: JSON, or ``?f=xml`` / ``?f=csv``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from geoservice.errors import BadRequest
from geoservice.references import eudrx, say, supplier
from geoservice.web import auth
from geoservice.web.context import db
from geoservice.web.routing import Param, RouteTable

routes = RouteTable()


@routes.api("GET", "/api/v1/statements/{id}/eudr-x",
            summary="EUDR-X 2.0.1 document of a statement for one delivered order item",
            tags=("references",), params=(
                Param("id", "path", "Statement id"),
                Param("order", required=True, description="Customer order number"),
                Param("item", required=True, description="Customer item number"),
                Param("hs", description="HS code (2, 4 or 6 digits), optional"),
                Param("sscc", description="Serial shipping container code, optional"),
                Param("f", description="json (default), xml or csv")),
            response={"type": "object", "description": "EUDR-X 2.0.1 (json/schema.json)"},
            response_content_types=("application/json", "application/xml", "text/csv"))
async def statement_eudr_x(request: Request) -> Response:
    principal = await auth.require(request)
    say.use(principal)
    q = request.query_params
    fmt = q.get("f") or "json"
    if fmt not in ("json", "xml", "csv"):
        raise BadRequest(f"f={fmt!r} is not known; use json, xml or csv.", code="invalid_format")
    doc = await db(request, supplier.document, principal, request.path_params["id"],
                   order=q.get("order"), item=q.get("item"), hs_code=q.get("hs"),
                   container=q.get("sscc"))
    disposition = {"Content-Disposition":
                   f'attachment; filename="{eudrx.file_name(doc, fmt)}"'}
    if fmt == "xml":
        return Response(eudrx.to_xml(doc), media_type="application/xml", headers=disposition)
    if fmt == "csv":
        return Response(eudrx.csv_text(doc), media_type="text/csv; charset=utf-8",
                        headers=disposition)
    return JSONResponse(doc, headers=disposition)
