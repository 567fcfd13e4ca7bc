"""Organisations, their users and the caller's API tokens, within the tenancy rule."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field
from sqlalchemy import Connection, text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from geoservice.accounts import audit, store
from geoservice.accounts.principal import Principal
from geoservice.errors import Forbidden, NotFound
from geoservice.ids import canonical
from geoservice.web import auth
from geoservice.web.body import parse_json
from geoservice.web.context import db
from geoservice.web.routing import Param, RouteTable

routes = RouteTable()
ID = Param("id", "path", "Organisation id")

_ORG_COLUMNS = ("id", "name", "reg_no", "vat_no", "eori", "street", "city", "postal_code",
                "country", "email", "phone", "declaration_kind", "is_operator",
                "contact_name", "eudr_role")


class Organisation(BaseModel):
    id: str
    name: str
    reg_no: str
    vat_no: str | None
    eori: str | None
    street: str | None
    city: str | None
    postal_code: str | None
    country: str
    email: str | None
    phone: str | None
    declaration_kind: str
    is_operator: bool
    contact_name: str | None = None
    eudr_role: str | None = None


class OrganisationPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    vat_no: str | None = Field(default=None, max_length=40)
    eori: str | None = Field(default=None, max_length=40)
    street: str | None = Field(default=None, max_length=200)
    city: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=20)
    country: str | None = Field(default=None, pattern="^[A-Z]{2}$")
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    declaration_kind: str | None = Field(default=None, pattern="^(dds|simplified)$")
    # The EUDR-X operator block (issue 14): contact person and EUDR role.
    contact_name: str | None = Field(default=None, max_length=200)
    eudr_role: str | None = Field(default=None,
                                  pattern="^(SME-Operator|SME-Trader|LC-Operator|LC-Trader)$")


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="", max_length=100)


def _visible_org(conn: Connection, principal: Principal, org_id: str) -> dict[str, Any]:
    where, params = principal.org_filter("id")
    oid = canonical(org_id)
    row = oid and conn.execute(
        text(f"SELECT {', '.join(_ORG_COLUMNS)} FROM organisations "
             f"WHERE id = CAST(:id AS uuid) AND {where}"),
        {"id": oid, **params},
    ).mappings().first()
    if not row:
        # The same answer whether it does not exist or belongs to someone else.
        raise NotFound(f"Organisation {org_id} was not found.", code="organisation_not_found")
    return {k: (str(v) if k == "id" else v) for k, v in row.items()}


@routes.api("GET", "/api/v1/organisations", summary="Organisations you can see",
            tags=("accounts",), response={"type": "array", "items": {"$ref":
                                          "#/components/schemas/Organisation"}})
async def list_organisations(request: Request) -> Response:
    principal = await auth.require(request)

    def query(conn: Connection) -> list[dict[str, Any]]:
        where, params = principal.org_filter("id")
        rows = conn.execute(text(f"SELECT {', '.join(_ORG_COLUMNS)} FROM organisations "
                                 f"WHERE {where} ORDER BY name"), params).mappings()
        return [{k: (str(v) if k == "id" else v) for k, v in r.items()} for r in rows]

    return JSONResponse(await db(request, query))


@routes.api("GET", "/api/v1/organisations/{id}", summary="One organisation", tags=("accounts",),
            params=(ID,), response=Organisation)
async def get_organisation(request: Request) -> Response:
    principal = await auth.require(request)
    return JSONResponse(await db(request, _visible_org, principal, request.path_params["id"]))


@routes.api("PATCH", "/api/v1/organisations/{id}", summary="Update your organisation's details",
            tags=("accounts",), params=(ID,), body=OrganisationPatch, response=Organisation)
async def patch_organisation(request: Request) -> Response:
    principal = await auth.require(request, roles=("owner", "admin"))
    patch = await parse_json(request, OrganisationPatch)
    org_id = request.path_params["id"]
    changes = patch.model_dump(exclude_unset=True, mode="json")
    # null clears a detail, but an organisation always keeps a name and a country.
    changes = {k: v for k, v in changes.items() if v is not None or k not in ("name", "country")}

    def update(conn: Connection) -> dict[str, Any]:
        before = _visible_org(conn, principal, org_id)
        if before["id"] != principal.organisation_id and not principal.is_service_admin:
            raise Forbidden("Only the organisation's own owners and admins change its details.")
        if changes:
            sets = ", ".join(f"{k} = :{k}" for k in changes)
            conn.execute(text(f"UPDATE organisations SET {sets} WHERE id = CAST(:id AS uuid)"),
                         {**changes, "id": org_id})
            audit.record(conn, principal, entity="organisation", entity_id=org_id,
                         action="update", organisation_id=org_id,
                         changes={k: [before.get(k), v] for k, v in changes.items()})
        return _visible_org(conn, principal, org_id)

    return JSONResponse(await db(request, update))


@routes.api("POST", "/api/v1/tokens", summary="Create an API token for yourself (shown once)",
            tags=("accounts",), body=TokenCreate, status=201,
            response={"type": "object", "properties": {"token": {"type": "string"}}})
async def create_token(request: Request) -> Response:
    principal = await auth.require(request)
    body = await parse_json(request, TokenCreate)

    def create(conn: Connection) -> str:
        token = store.create_token(conn, user_email=principal.email, name=body.name)
        audit.record(conn, principal, entity="api_token", entity_id=token[:10], action="create")
        return token

    return JSONResponse({"token": await db(request, create)}, status_code=201)
