"""Felling certificate registry: create (VMD or manual), search, read, change, delete, history."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response

from geoservice.accounts import audit
from geoservice.accounts.principal import Principal
from geoservice.certificates import read, validate, volumes, write
from geoservice.certificates.present import GEOJSON_MEDIA, feature_collection
from geoservice.certificates.schemas import (
    CertificateIn,
    CertificateList,
    CertificateOut,
    CertificatePatch,
    FetchIn,
    VolumesIn,
)
from geoservice.certificates.sources import fetch
from geoservice.errors import BadRequest
from geoservice.spatial.crs import LKS92, parse_crs
from geoservice.web import auth, query
from geoservice.web.body import model_from, read_json
from geoservice.web.context import db, settings_of
from geoservice.web.negotiation import negotiate
from geoservice.web.routing import Param, RouteTable

routes = RouteTable()
TAGS = ("certificates",)
EDITORS = ("owner", "analyst", "admin")
ID = Param("id", "path", "Certificate id")
F = Param("f", description="json (default) or geojson (one feature per felling area)",
          schema={"type": "string", "enum": ["json", "geojson"]})
CRS = Param("crs", description="Output CRS: EPSG:4326 (default) or EPSG:3059",
            schema={"type": "string", "enum": ["EPSG:4326", "EPSG:3059"]})
CONTENT = ("application/json", GEOJSON_MEDIA)
STATUSES = ("draft", "ready", "in_statement", "submitted")
VERDICTS = ("unchecked", "clear", "flagged", "blocked")
MAX_LIMIT = 500


def respond(data: Any, status: int = 200, media: str = "application/json") -> Response:
    """orjson: a page of 50 certificates with geometry encodes in about a fifth of json's time."""
    body = orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)
    return Response(body, status_code=status, media_type=media)


def output_crs(request: Request) -> int:
    return parse_crs(request.query_params.get("crs") or None, field="crs")


def certificate_response(request: Request, cert: dict[str, Any], epsg: int,
                         status: int = 200) -> Response:
    if negotiate(request, ("json", "geojson")) == "geojson":
        return respond(feature_collection([cert], epsg), status, GEOJSON_MEDIA)
    return respond(cert, status)


@routes.api("POST", "/api/v1/certificates", tags=TAGS, status=201,
            summary="Add a certificate: fetched from VMD by CA number, or typed in (manual)",
            description="Send {\"ca_number\": …} to fetch it from the State Forest Service, or "
            "the whole certificate with \"source\": \"manual\". Geometry in EPSG:4326 unless "
            "\"crs\": \"EPSG:3059\". A manual certificate with implausible values (an area "
            "away from its parcel, a sliver, a clear felling over the legal size, a quarter or "
            "compartment that is not a number) answers 422 plausibility_unconfirmed listing the "
            "warnings (code, field, messages); send them back in \"confirm_warnings\" with a "
            "reason each to save.", body=CertificateIn, response=CertificateOut,
            params=(CRS, F), response_content_types=CONTENT)
async def create_certificate(request: Request) -> Response:
    principal = await auth.require(request, roles=EDITORS)
    epsg = output_crs(request)
    raw = await read_json(request)
    manual = isinstance(raw, dict) and ("areas" in raw or raw.get("source") == "manual")
    confirmations: list[Any] = []
    if manual:
        body = model_from(raw, CertificateIn)
        cert = validate.from_input(body)
        confirmations = list(body.confirm_warnings)
    else:
        wanted = model_from(raw, FetchIn)
        await db(request, _ensure_new, principal, wanted.ca_number)
        settings = settings_of(request).vmd
        fetched = await fetch(vmd_source(request), wanted.ca_number, settings)
        cert = validate.checked(fetched)

    def store(conn: Connection) -> dict[str, Any]:
        if manual:
            write.confirm_plausible(conn, principal, cert, confirmations,
                                    sliver_ha=settings_of(request).check.sliver_ha,
                                    lang=auth.caller_language(request))
        cert_id = write.create(conn, principal, cert)
        return read.load(conn, [cert_id], epsg)[0]

    return certificate_response(request, await db(request, store), epsg, 201)


def _ensure_new(conn: Connection, principal: Principal, ca_number: str) -> None:
    found = write.existing_id(conn, principal.organisation_id, ca_number)
    if found:
        raise write.duplicate(ca_number, found)


def vmd_source(request: Request) -> Any:
    """The app's VMD source, made from settings on first use (tests may set their own)."""
    source = getattr(request.app.state, "vmd_source", None)
    if source is None:
        from geoservice.certificates.sources import make_vmd_source

        source = make_vmd_source(settings_of(request).vmd)
        request.app.state.vmd_source = source
    return source


def _int(request: Request, name: str, default: int, low: int, high: int) -> int:
    return query.integer(request.query_params, name, default, low, high)


def _choice(request: Request, name: str, allowed: tuple[str, ...]) -> str | None:
    value = request.query_params.get(name) or None
    if value is not None and value not in allowed:
        raise BadRequest(f"{name}={value!r} is not one of: {', '.join(allowed)}.",
                         code="invalid_parameter", details=[{"field": name}])
    return value


def _bbox(request: Request) -> tuple[tuple[float, float, float, float] | None, int]:
    raw = request.query_params.get("bbox")
    epsg = parse_crs(request.query_params.get("bbox-crs") or None, field="bbox-crs")
    if not raw:
        return None, epsg
    try:
        values = [float(v) for v in raw.split(",")]
    except ValueError:
        values = []
    if len(values) != 4 or values[0] >= values[2] or values[1] >= values[3]:
        order = "easting, northing" if epsg == LKS92 else "longitude, latitude"
        raise BadRequest(f"bbox={raw!r} must be four numbers minx,miny,maxx,maxy ({order}) "
                         "with min < max.", code="invalid_bbox", details=[{"field": "bbox"}])
    return (values[0], values[1], values[2], values[3]), epsg


@routes.api("GET", "/api/v1/certificates", tags=TAGS, response=CertificateList,
            summary="Search certificates (CA number, cadastral designation, place, map area)",
            params=(Param("q", description="CA number or cadastral designation prefix, or "
                          "part of the place name"),
                    Param("status", schema={"type": "string", "enum": list(STATUSES)}),
                    Param("verdict", schema={"type": "string", "enum": list(VERDICTS)}),
                    Param("bbox", description="minx,miny,maxx,maxy in lon/lat (or bbox-crs)"),
                    Param("bbox-crs", schema={"type": "string",
                                              "enum": ["EPSG:4326", "EPSG:3059"]}),
                    Param("limit", schema={"type": "integer", "minimum": 1,
                                           "maximum": MAX_LIMIT, "default": 50}),
                    Param("offset", schema={"type": "integer", "minimum": 0, "default": 0}),
                    CRS, F), response_content_types=CONTENT)
async def list_certificates(request: Request) -> Response:
    epsg = output_crs(request)
    fmt = negotiate(request, ("json", "geojson"))
    bbox, bbox_epsg = _bbox(request)
    filters = read.Filters(
        q=(request.query_params.get("q") or "").strip()[:100] or None,
        status=_choice(request, "status", STATUSES),
        verdict=_choice(request, "verdict", VERDICTS), bbox=bbox, bbox_epsg=bbox_epsg,
        limit=_int(request, "limit", 50, 1, MAX_LIMIT),
        offset=_int(request, "offset", 0, 0, 10_000_000),
    )
    items, counted = await auth.run_required(request, None, read.search, filters, epsg)
    exact = counted <= read.COUNT_CAP
    total = min(counted, read.COUNT_CAP)
    if fmt == "geojson":
        doc = feature_collection(items, epsg)
        if exact:
            doc["numberMatched"] = total
        doc["numberReturned"] = len(items)
        return respond(doc, media=GEOJSON_MEDIA)
    return respond({"items": items, "total": total, "total_exact": exact, "limit": filters.limit,
                    "offset": filters.offset})


@routes.api("GET", "/api/v1/certificates/{id}", tags=TAGS, summary="One certificate",
            params=(ID, CRS, F), response=CertificateOut, response_content_types=CONTENT)
async def get_certificate(request: Request) -> Response:
    epsg = output_crs(request)
    negotiate(request, ("json", "geojson"))
    cert = await auth.run_required(request, None, read.get, request.path_params["id"], epsg)
    return certificate_response(request, cert, epsg)


@routes.api("PATCH", "/api/v1/certificates/{id}", tags=TAGS, body=CertificatePatch,
            summary="Change dates, place, status (draft/ready) or felling areas (by cirsma)",
            params=(ID, CRS, F), response=CertificateOut, response_content_types=CONTENT)
async def patch_certificate(request: Request) -> Response:
    principal = await auth.require(request, roles=EDITORS)
    epsg = output_crs(request)
    body = model_from(await read_json(request), CertificatePatch)

    def change(conn: Connection) -> dict[str, Any]:
        cert_id = write.patch(conn, principal, request.path_params["id"], body,
                              sliver_ha=settings_of(request).check.sliver_ha,
                              lang=auth.caller_language(request))
        return read.load(conn, [cert_id], epsg)[0]

    return certificate_response(request, await db(request, change), epsg)


@routes.api("DELETE", "/api/v1/certificates/{id}", tags=TAGS, status=204, params=(ID,),
            summary="Delete a certificate that is not in a statement")
async def delete_certificate(request: Request) -> Response:
    principal = await auth.require(request, roles=EDITORS)
    await db(request, write.delete, principal, request.path_params["id"])
    return Response(status_code=204)


@routes.api("PUT", "/api/v1/certificates/{id}/volumes", tags=TAGS, body=VolumesIn,
            summary="Correct volumes by species and split them over HS headings (4403/4401)",
            params=(ID, CRS), response=CertificateOut)
async def put_volumes(request: Request) -> Response:
    principal = await auth.require(request, roles=EDITORS)
    epsg = output_crs(request)
    body = model_from(await read_json(request), VolumesIn)

    def change(conn: Connection) -> dict[str, Any]:
        cert_id = volumes.set_volumes(conn, principal, request.path_params["id"], body)
        return read.load(conn, [cert_id], epsg)[0]

    return respond(await db(request, change))


HISTORY_SCHEMA: dict[str, Any] = {"type": "object", "properties": {"items": {
    "type": "array", "items": {"type": "object", "properties": {
        "at": {"type": "string", "format": "date-time"}, "action": {"type": "string"},
        "actor": {"type": "string", "nullable": True}, "changes": {"type": "object"},
        "messages": {"type": "object", "description": "The action and its changes in words, "
                     "per language: {lv: {action, lines}, en: {action, lines}}"}}}}}}


@routes.api("GET", "/api/v1/certificates/{id}/history", tags=TAGS, params=(ID,),
            summary="Audit log of the certificate: who changed what, when",
            response=HISTORY_SCHEMA)
async def certificate_history(request: Request) -> Response:
    principal = await auth.require(request)

    def query(conn: Connection) -> list[dict[str, Any]]:
        row = read.visible_row(conn, principal, request.path_params["id"])
        from geoservice.web.routes.ui_history import entry_messages

        return [{**item, "messages": entry_messages(item)}
                for item in audit.history(conn, write.ENTITY, row["id"])]

    return respond({"items": await db(request, query)})

