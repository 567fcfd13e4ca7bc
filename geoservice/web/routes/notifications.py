"""Notification settings: a user's own e-mail choice, and an organisation's webhooks."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from geoservice.accounts.principal import Principal
from geoservice.errors import Forbidden
from geoservice.notify import webhooks
from geoservice.notify.outbox import EVENTS
from geoservice.statements.views import jsonable
from geoservice.web import auth
from geoservice.web.body import parse_json
from geoservice.web.context import db, settings_of
from geoservice.web.error_text import request_language
from geoservice.web.routing import Param, RouteTable

routes = RouteTable()
ID = Param("id", "path", "Webhook id")
TAGS = ("notifications",)


class MePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    notifications: bool


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(min_length=8, max_length=2000)
    events: list[str] = Field(min_length=1, max_length=len(EVENTS),
                              description="Some of " + ", ".join(EVENTS))


WEBHOOK = {"type": "object", "properties": {
    "id": {"type": "string"}, "organisation_id": {"type": "string"}, "url": {"type": "string"},
    "events": {"type": "array", "items": {"type": "string"}},
    "created_at": {"type": "string"},
    "secret": {"type": "string", "description": "Only in the answer to POST: shown once"}}}
DELIVERY = {"type": "object", "properties": {
    "id": {"type": "integer"}, "notification_id": {"type": "integer"},
    "event": {"type": "string"}, "attempt": {"type": "integer"},
    "status_code": {"type": "integer", "nullable": True},
    "error": {"type": "string", "nullable": True,
              "description": "Why it failed; for a try cut off by a stopped worker: no answer "
                             "recorded (it was sent again with the same X-Geoservice-Delivery)"},
    "duration_ms": {"type": "integer", "nullable": True},
    "at": {"type": "string"},
    "state": {"type": "string", "description": "pending (will retry), done or failed"}}}


@routes.api("PATCH", "/api/v1/me", summary="Turn your notification e-mails on or off",
            tags=("accounts",), body=MePatch,
            response={"type": "object", "properties": {"email": {"type": "string"},
                                                       "notifications": {"type": "boolean"}}})
async def patch_me(request: Request) -> Response:
    principal = await auth.require(request)
    body = await parse_json(request, MePatch)

    def update(conn: Connection) -> dict[str, Any]:
        conn.execute(text("UPDATE users SET notifications = :n WHERE id = CAST(:u AS uuid)"),
                     {"n": body.notifications, "u": principal.user_id})
        return {"email": principal.email, "notifications": body.notifications}

    return JSONResponse(await db(request, update))


def _hook_admin(principal: Principal) -> None:
    if principal.role not in ("owner", "admin"):
        raise Forbidden(f"Webhooks are managed by the organisation's owners and admins; you "
                        f"are {principal.role}.", code="role_required")


@routes.api("POST", "/api/v1/webhooks", summary="Register a webhook (its secret is shown once)",
            tags=TAGS, body=WebhookCreate, response=WEBHOOK, status=201)
async def create_webhook(request: Request) -> Response:
    principal = await auth.require(request)
    _hook_admin(principal)
    body = await parse_json(request, WebhookCreate)
    production = settings_of(request).web.environment == "production"
    row = await db(request, webhooks.create, principal, body.url.strip(), body.events,
                   production=production, lang=request_language(request))
    return JSONResponse(jsonable(row), status_code=201)


@routes.api("GET", "/api/v1/webhooks", summary="Your organisation's webhooks", tags=TAGS,
            response={"type": "array", "items": WEBHOOK})
async def list_webhooks(request: Request) -> Response:
    principal = await auth.require(request)
    return JSONResponse(jsonable(await db(request, webhooks.listing, principal)))


@routes.api("GET", "/api/v1/webhooks/{id}/deliveries",
            summary="Every delivery attempt of a webhook, newest first", tags=TAGS,
            params=(ID,), response={"type": "array", "items": DELIVERY})
async def webhook_deliveries(request: Request) -> Response:
    principal = await auth.require(request)
    rows = await db(request, webhooks.deliveries, principal, request.path_params["id"])
    return JSONResponse(jsonable(rows))
