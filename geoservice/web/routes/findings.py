"""Check a certificate, read its findings, and review them (compliance officers)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel
from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from geoservice.accounts.principal import Principal
from geoservice.checks import queries, review
from geoservice.checks.runner import check_certificate
from geoservice.errors import ValidationFailed
from geoservice.web import auth
from geoservice.web.body import parse_json
from geoservice.web.context import db, request_id, settings_of
from geoservice.web.routing import Param, RouteTable

routes = RouteTable()
CERT = Param("id", "path", "Certificate id")
CRS = Param("crs", description="EPSG:4326 (default) or EPSG:3059 for the geometries",
            schema={"type": "string", "enum": ["EPSG:4326", "EPSG:3059"]})


class LayerRef(BaseModel):
    id: str
    version: int


class Message(BaseModel):
    lv: str
    en: str


class FindingOut(BaseModel):
    """A finding exactly as api.md names it, plus certificate, run, review and details."""

    id: str
    area_id: str | None
    rule: str
    severity: Literal["info", "flag", "block"]
    layer: LayerRef | None
    overlap_ha: float | None
    overlap_percent: float | None
    geometry: dict[str, Any] | None = Field(description="GeoJSON, EPSG:4326 unless ?crs=")
    message: Message
    status: str
    certificate_id: str
    ca_number: str
    run_id: str
    review: dict[str, Any] | None
    details: dict[str, Any]
    organisation_name: str | None = Field(default=None, description="The tenant, for officers")
    created_at: str | None = Field(default=None, description="When the check found it")


class CheckOut(BaseModel):
    verdict: Literal["clear", "flagged", "blocked"]
    certificate_id: str
    run_id: str
    findings: list[FindingOut]


class FindingList(RootModel[list[FindingOut]]):
    """Findings, oldest first."""


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["clear", "confirm"]
    reason: str = Field(default="", max_length=4000,
                        description="Required (≥ 10 characters) to clear.")


def _srid(request: Request) -> int:
    crs = request.query_params.get("crs", "EPSG:4326").upper()
    if crs not in ("EPSG:4326", "EPSG:3059"):
        raise ValidationFailed(f"crs must be EPSG:4326 or EPSG:3059, not {crs!r}.",
                               code="invalid_crs")
    return 3059 if crs == "EPSG:3059" else 4326


@routes.api("POST", "/api/v1/certificates/{id}/check", tags=("checks",), params=(CERT, CRS),
            summary="Check every felling area against the land-use layers", response=CheckOut)
async def check(request: Request) -> Response:
    cert_id, srid = request.path_params["id"], _srid(request)
    settings = settings_of(request).check

    def work(conn: Connection, principal: Principal) -> dict[str, Any]:
        queries.visible_certificate(conn, principal, cert_id)
        outcome = check_certificate(conn, cert_id, settings, by_user=principal.user_id)
        return {"verdict": outcome.verdict, "certificate_id": cert_id,
                "run_id": outcome.run_id,
                "findings": queries.of_certificate(conn, principal, cert_id, srid,
                                                   run_id=outcome.run_id)}

    # The caller is authenticated in the same transaction as the check (one thread hop).
    return JSONResponse(await auth.run_required(request, None, work))


@routes.api("GET", "/api/v1/certificates/{id}/findings", tags=("checks",), params=(CERT, CRS),
            summary="Current findings of a certificate",
            response=FindingList)
async def certificate_findings(request: Request) -> Response:
    found = await auth.run_required(request, None, queries.of_certificate,
                                    request.path_params["id"], _srid(request))
    return JSONResponse(found)


@routes.api("GET", "/api/v1/findings", tags=("checks",), summary="Review queue and decisions",
            params=(Param("status", description="open (the queue), cleared or confirmed",
                          schema={"type": "string", "enum": list(queries.STATUSES)}),
                    Param("limit", schema={"type": "integer", "minimum": 1, "maximum": 1000}),
                    Param("offset", schema={"type": "integer", "minimum": 0}), CRS),
            response=FindingList)
async def list_findings(request: Request) -> Response:
    principal = await auth.require(request)
    status = request.query_params.get("status", "open")
    if status not in queries.STATUSES:
        raise ValidationFailed(f"status must be one of {', '.join(queries.STATUSES)}, not "
                               f"{status!r}.", code="invalid_status")
    limit, offset = _int(request, "limit", 100, 1, 1000), _int(request, "offset", 0, 0, 10**9)
    found = await db(request, queries.by_status, principal, status, limit=limit, offset=offset,
                     srid=_srid(request))
    return JSONResponse(found)


def _int(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise ValidationFailed(f"{name} must be a whole number from {low} to {high}, not "
                               f"{raw!r}.", code="invalid_parameter")
    return value


@routes.api("POST", "/api/v1/findings/{id}/review", tags=("checks",), body=ReviewIn,
            params=(Param("id", "path", "Finding id"),), response=FindingOut,
            summary="Clear (with a reason) or confirm a finding (compliance officers)")
async def review_finding(request: Request) -> Response:
    principal: Principal = await auth.require(request, roles=("compliance_officer",))
    body = await parse_json(request, ReviewIn)
    result = await db(request, review.review, principal, request.path_params["id"],
                      body.decision, body.reason, request_id(request))
    return JSONResponse(result)
