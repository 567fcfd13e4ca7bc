"""Mandates API (the signed authorisation to act in TRACES) and an organisation's own TRACES
credentials for submitting as OPERATOR."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from geoservice.accounts import audit
from geoservice.accounts.principal import Principal
from geoservice.errors import (
    BadRequest,
    Forbidden,
    GeoserviceError,
    NotFound,
    UnsupportedMediaType,
    disk_full,
)
from geoservice.statements import credentials, mandates
from geoservice.statements.views import MandateOut, jsonable
from geoservice.web import auth
from geoservice.web.body import parse_json, upload_form
from geoservice.web.context import db, settings_of
from geoservice.web.routing import Param, RouteTable

routes = RouteTable()
ID = Param("id", "path", "Mandate id")
TAGS = ("mandates",)
UPLOAD_SCHEMA = {"type": "object", "required": ["file"], "properties": {
    "file": {"type": "string", "format": "binary",
             "description": "Signed authorisation: PDF or .edoc/.asice container"},
    "organisation_id": {"type": "string", "description": "Service admins only: the client"}}}


class Activation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    valid_from: date
    valid_until: date


class TracesCredentialsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=200)
    auth_key: str = Field(min_length=1, max_length=500)
    client_id: str = Field(default="eudr-test", min_length=1, max_length=100)


@routes.api("GET", "/api/v1/mandates", summary="Mandates you can see", tags=TAGS,
            response={"type": "array", "items": {"$ref": "#/components/schemas/MandateOut"}})
async def list_mandates(request: Request) -> Response:
    principal = await auth.require(request)
    return JSONResponse(jsonable(await db(request, mandates.listing, principal)))


async def _read_upload(request: Request, principal: Principal) -> tuple[str, bytes, str]:
    """(filename, content, organisation id) of the multipart upload; temp files are closed."""
    try:
        async with upload_form(request) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise BadRequest("Send the signed authorisation in a form field named 'file'.",
                                 code="file_missing")
            content = await upload.read()
            org_id = str(form.get("organisation_id") or principal.organisation_id)
            return upload.filename or "", content, org_id
    except GeoserviceError:
        raise
    except Exception as exc:  # noqa: BLE001 - the multipart parser raises several kinds
        if disk_full(exc):  # the spool folder is full: 507, not the client's fault
            raise
        raise BadRequest(f"The upload could not be read: {exc}", code="malformed_upload") from None


@routes.api("POST", "/api/v1/mandates", summary="Upload the signed authorisation", tags=TAGS,
            body=UPLOAD_SCHEMA, body_content_type="multipart/form-data", response=MandateOut,
            status=201)
async def upload_mandate(request: Request) -> Response:
    principal = await auth.require(request, roles=("owner", "admin"))
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise UnsupportedMediaType("Upload the file as multipart/form-data with a 'file' field.")
    filename, content, org_id = await _read_upload(request, principal)
    if org_id != principal.organisation_id and not principal.is_service_admin:
        raise NotFound(f"Organisation {org_id} was not found.", code="organisation_not_found")

    def create(conn: Connection) -> dict[str, object]:
        mandate_id = mandates.create(conn, principal, org_id, filename, content)
        audit.record(conn, principal, entity="mandate", entity_id=mandate_id, action="upload",
                     organisation_id=org_id)
        return mandates.load(conn, principal, mandate_id)

    return JSONResponse(jsonable(await db(request, create)), status_code=201)


@routes.api("GET", "/api/v1/mandates/{id}", summary="One mandate", tags=TAGS, params=(ID,),
            response=MandateOut)
async def get_mandate(request: Request) -> Response:
    principal = await auth.require(request)
    return JSONResponse(jsonable(await db(request, mandates.load, principal,
                                          request.path_params["id"])))


@routes.api("GET", "/api/v1/mandates/{id}/file", summary="The uploaded file", tags=TAGS,
            params=(ID,), response={"type": "string", "format": "binary"},
            response_content_types=("application/pdf", "application/vnd.etsi.asic-e+zip"))
async def mandate_file(request: Request) -> Response:
    principal = await auth.require(request)
    row, data = await db(request, mandates.content, principal, request.path_params["id"])
    safe = "".join(c for c in row["filename"] if c.isalnum() or c in "._-") or "mandate"
    return Response(data, media_type=row["content_type"],
                    headers={"Content-Disposition": f'attachment; filename="{safe}"'})


@routes.api("POST", "/api/v1/mandates/{id}/activate", summary="Activate (service admin)",
            tags=TAGS, params=(ID,), body=Activation, response=MandateOut)
async def activate_mandate(request: Request) -> Response:
    principal = await auth.require(request)
    body = await parse_json(request, Activation)
    if not principal.is_service_admin:
        raise Forbidden("Only an admin of the service activates mandates.",
                        code="service_admin_required")

    def activate(conn: Connection) -> dict[str, object]:
        row = mandates.activate(conn, principal, request.path_params["id"], body.valid_from,
                                body.valid_until)
        audit.record(conn, principal, entity="mandate", entity_id=row["id"], action="activate",
                     changes=body.model_dump(mode="json"), organisation_id=row["organisation_id"])
        return row

    return JSONResponse(jsonable(await db(request, activate)))


def _own_org(principal: Principal, org_id: str) -> None:
    if org_id != principal.organisation_id and not principal.sees_all_organisations:
        raise NotFound(f"Organisation {org_id} was not found.", code="organisation_not_found")
    if principal.role not in ("owner", "admin"):
        raise Forbidden(f"Storing TRACES credentials needs the role owner or admin; you are "
                        f"{principal.role}.", code="role_required")


@routes.api("PUT", "/api/v1/organisations/{id}/traces-credentials",
            summary="Store the organisation's own TRACES credentials (the key is never returned)",
            tags=TAGS, params=(Param("id", "path", "Organisation id"),),
            body=TracesCredentialsIn, response={"type": "object"})
async def put_traces_credentials(request: Request) -> Response:
    principal = await auth.require(request)
    org_id = request.path_params["id"]
    _own_org(principal, org_id)
    body = await parse_json(request, TracesCredentialsIn)
    settings = settings_of(request)

    def save(conn: Connection) -> dict[str, object]:
        updated = credentials.save(conn, settings, org_id, body.username, body.auth_key,
                                   body.client_id)
        audit.record(conn, principal, entity="traces_credentials", entity_id=org_id,
                     action="store", changes={"username": body.username,
                                              "client_id": body.client_id},
                     organisation_id=org_id)
        return {"organisation_id": org_id, "username": body.username,
                "client_id": body.client_id, "auth_key_stored": True, "updated_at": updated,
                "operator_role": "OPERATOR"}

    return JSONResponse(jsonable(await db(request, save)))


@routes.api("DELETE", "/api/v1/organisations/{id}/traces-credentials",
            summary="Forget the organisation's own TRACES credentials", tags=TAGS,
            params=(Param("id", "path", "Organisation id"),), status=204)
async def delete_traces_credentials(request: Request) -> Response:
    principal = await auth.require(request)
    org_id = request.path_params["id"]
    _own_org(principal, org_id)
    await db(request, credentials.delete, org_id)
    return Response(status_code=204)
