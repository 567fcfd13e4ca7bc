"""What new layer versions changed: re-check runs, and alerts on submitted certificates."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, RootModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from geoservice.checks import alerts
from geoservice.web import auth
from geoservice.web.body import parse_json
from geoservice.web.context import db, request_id
from geoservice.web.routing import Param, RouteTable

routes = RouteTable()


class RecheckList(RootModel[list[dict[str, Any]]]):
    """Newest first: layer, versions, features added/removed, certificates re-checked, verdicts
    that changed (only those of organisations the caller may see)."""


class AlertList(RootModel[list[dict[str, Any]]]):
    """Submitted certificates whose verdict a new layer version would make worse."""


class AcknowledgeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=10, max_length=2000,
                        description="What was done about it (at least 10 characters)")


@routes.api("GET", "/api/v1/layers/rechecks", tags=("layers",), response=RecheckList,
            summary="Re-checks caused by new layer versions, with the verdicts they changed")
async def list_rechecks(request: Request) -> Response:
    principal = await auth.require(request)
    return JSONResponse(await db(request, alerts.rechecks, principal))


@routes.api("GET", "/api/v1/recheck-alerts", tags=("checks",), response=AlertList,
            params=(Param("status", description="open (default) or acknowledged",
                          schema={"type": "string", "enum": list(alerts.STATUSES)}),),
            summary="Submitted certificates a new layer version would flag (compliance officers)")
async def list_alerts(request: Request) -> Response:
    principal = await auth.require(request, roles=("compliance_officer", "admin"))
    status = request.query_params.get("status", "open")
    return JSONResponse(await db(request, alerts.list_alerts, principal, status))


@routes.api("POST", "/api/v1/recheck-alerts/{id}/acknowledge", tags=("checks",),
            body=AcknowledgeIn, params=(Param("id", "path", "Alert id"),),
            summary="Acknowledge an alert with what was done (compliance officers)")
async def acknowledge(request: Request) -> Response:
    principal = await auth.require(request, roles=("compliance_officer",))
    body = await parse_json(request, AcknowledgeIn)
    return JSONResponse(await db(request, alerts.acknowledge, principal,
                                 request.path_params["id"], body.reason, request_id(request)))
