"""Statements API: prepare, preview, submit, amend, withdraw and follow statements to TRACES."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from geoservice.errors import ValidationFailed
from geoservice.statements import prevalidate, service, store
from geoservice.statements.views import StatementOut, jsonable, statement_json
from geoservice.web import auth
from geoservice.web.body import model_from, parse_json, read_json
from geoservice.web.context import db, settings_of
from geoservice.web.routing import Param, RouteTable

routes = RouteTable()
ID = Param("id", "path", "Statement id")
TAGS = ("statements",)
REG_NO = r"^[0-9A-Za-z-]{3,40}$"


class StatementCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    certificate_ids: list[str] = Field(min_length=1, max_length=5000)
    buyers: list[str] = Field(default_factory=list, max_length=200)


class StatementAmend(BaseModel):
    model_config = ConfigDict(extra="forbid")
    certificate_ids: list[str] | None = Field(default=None, min_length=1, max_length=5000)


def _unique(ids: list[str]) -> list[str]:
    seen = list(dict.fromkeys(i.strip() for i in ids))
    for value in seen:
        if not value:
            raise ValidationFailed("Ids must not be empty.", code="empty_id")
    return seen


def _buyers(buyers: list[str]) -> list[str]:
    clean = _unique(buyers) if buyers else []
    bad = [b for b in clean if not re.match(REG_NO, b)]
    if bad:
        raise ValidationFailed(f"Buyer registration number {bad[0]!r} is not valid (3-40 "
                               "letters, digits or dashes).", code="invalid_buyer",
                               details=[{"field": "buyers", "value": b} for b in bad])
    return clean


@routes.api("POST", "/api/v1/statements", summary="Prepare a statement of certificates",
            tags=TAGS, body=StatementCreate, response=StatementOut, status=201)
async def create_statement(request: Request) -> Response:
    principal = await auth.require(request)
    body = await parse_json(request, StatementCreate)
    ids, buyers = _unique(body.certificate_ids), _buyers(body.buyers)
    row = await db(request, service.create, settings_of(request), principal, ids, buyers)
    return JSONResponse(statement_json(row, auth.caller_language(request)), status_code=201)


@routes.api("GET", "/api/v1/statements", summary="Statements you can see", tags=TAGS,
            params=(Param("status", description="draft|queued|submitted|available|rejected|"
                          "withdrawn"),
                    Param("limit", schema={"type": "integer", "default": 50}),
                    Param("offset", schema={"type": "integer", "default": 0})),
            response={"type": "object", "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/StatementOut"}},
                "total": {"type": "integer"}}})
async def list_statements(request: Request) -> Response:
    principal = await auth.require(request)
    q = request.query_params
    try:
        limit, offset = int(q.get("limit", "50")), int(q.get("offset", "0"))
    except ValueError:
        raise ValidationFailed("limit and offset must be whole numbers.",
                               code="invalid_paging") from None
    if not 1 <= limit <= 500 or offset < 0:
        raise ValidationFailed("limit must be 1-500 and offset 0 or more.", code="invalid_paging")
    rows, total = await db(request, store.listing, principal, q.get("status"), limit, offset)
    lang = auth.caller_language(request)
    return JSONResponse({"items": [statement_json(r, lang) for r in rows], "total": total})


@routes.api("GET", "/api/v1/statements/{id}", summary="A statement with its history",
            tags=TAGS, params=(ID,), response=StatementOut)
async def get_statement(request: Request) -> Response:
    principal = await auth.require(request)
    row = await db(request, store.detail, principal, request.path_params["id"])
    return JSONResponse(statement_json(row, auth.caller_language(request)))


@routes.api("GET", "/api/v1/statements/{id}/preview",
            summary="What will be sent: commodities, producers GeoJSON, warnings, limits",
            tags=TAGS, params=(ID,), response={"type": "object"})
async def preview_statement(request: Request) -> Response:
    principal = await auth.require(request)
    result = await db(request, service.preview, settings_of(request), principal,
                      request.path_params["id"])
    return JSONResponse(jsonable(result))


PROBLEMS = {"type": "object", "properties": {
    "statement_id": {"type": "string"}, "status": {"type": "string"},
    "valid": {"type": "boolean"}, "errors": {"type": "integer"}, "warnings": {"type": "integer"},
    "checked_at": {"type": "string"},
    "problems": {"type": "array", "items": {"type": "object", "properties": {
        "code": {"type": "string"}, "field": {"type": "string"},
        "severity": {"type": "string", "enum": ["error", "warning"]},
        "message": {"type": "object", "properties": {"lv": {"type": "string"},
                                                     "en": {"type": "string"}}},
        "fix": {"type": "object", "properties": {"where": {"type": "string"},
                                                 "href": {"type": "string"}}},
        "details": {"type": "object"}}}}}}


@routes.api("POST", "/api/v1/statements/{id}/validate",
            summary="Every problem TRACES or the service would find, without queueing anything",
            tags=TAGS, params=(ID,), response=PROBLEMS)
async def validate_statement(request: Request) -> Response:
    principal = await auth.require(request)
    result = await db(request, prevalidate.validate, settings_of(request), principal,
                      request.path_params["id"])
    return JSONResponse(jsonable(result))


@routes.api("POST", "/api/v1/statements/{id}/submit", summary="Queue the submission to TRACES",
            tags=TAGS, params=(ID,), response=StatementOut, status=202)
async def submit_statement(request: Request) -> Response:
    principal = await auth.require(request)
    row, _ = await db(request, service.submit, settings_of(request), principal,
                      request.path_params["id"])
    return JSONResponse(statement_json(row, auth.caller_language(request)), status_code=202)


@routes.api("POST", "/api/v1/statements/{id}/resubmit",
            summary="Send a corrected rejected statement to TRACES again (a new submission)",
            tags=TAGS, params=(ID,), response=StatementOut, status=202)
async def resubmit_statement(request: Request) -> Response:
    principal = await auth.require(request)
    row, _ = await db(request, service.resubmit, settings_of(request), principal,
                      request.path_params["id"])
    return JSONResponse(statement_json(row, auth.caller_language(request)), status_code=202)


@routes.api("POST", "/api/v1/statements/{id}/amend",
            summary="Replace an available statement within 72 h (same reference number)",
            tags=TAGS, params=(ID,), body=StatementAmend, response=StatementOut, status=202)
async def amend_statement(request: Request) -> Response:
    principal = await auth.require(request)
    raw = await request.body()
    body = model_from(await read_json(request), StatementAmend) if raw.strip() else \
        StatementAmend()
    ids = _unique(body.certificate_ids) if body.certificate_ids else None
    row, _ = await db(request, service.amend, settings_of(request), principal,
                      request.path_params["id"], ids)
    return JSONResponse(statement_json(row, auth.caller_language(request)), status_code=202)


@routes.api("POST", "/api/v1/statements/{id}/withdraw", summary="Withdraw within 72 h",
            tags=TAGS, params=(ID,), response=StatementOut, status=202)
async def withdraw_statement(request: Request) -> Response:
    principal = await auth.require(request)
    row, _ = await db(request, service.withdraw, principal, request.path_params["id"])
    return JSONResponse(statement_json(row, auth.caller_language(request)), status_code=202)


@routes.api("POST", "/api/v1/statements/{id}/rebuild",
            summary="Take the certificates' current data into a draft", tags=TAGS,
            params=(ID,), response=StatementOut)
async def rebuild_statement(request: Request) -> Response:
    principal = await auth.require(request)
    row = await db(request, service.rebuild, settings_of(request), principal,
                   request.path_params["id"])
    return JSONResponse(statement_json(row, auth.caller_language(request)))


@routes.api("DELETE", "/api/v1/statements/{id}", summary="Delete a draft or rejected statement",
            tags=TAGS, params=(ID,), status=204)
async def delete_statement(request: Request) -> Response:
    principal = await auth.require(request)
    await db(request, service.delete, principal, request.path_params["id"])
    return Response(status_code=204)
