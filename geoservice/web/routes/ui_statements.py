"""HTML pages of due diligence statements: the list, "new statement" and one statement.

Rows are read under the tenancy rule; the statement page's live part (submit, status polling,
reference numbers, amend, withdraw) is driven by ``web/static/js/statement.js`` over the API.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, text
from starlette.requests import Request
from starlette.responses import Response

from geoservice.accounts.principal import Principal
from geoservice.errors import NotFound
from geoservice.references import qr, store
from geoservice.web import auth
from geoservice.web.context import db
from geoservice.web.routing import RouteTable
from geoservice.web.templates import render

routes = RouteTable()

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

_LIST = """
SELECT s.id::text AS id, s.internal_reference, s.status, s.reference_number,
       s.verification_number, s.simulated, s.created_at,
       (SELECT string_agg(c.ca_number, ', ' ORDER BY c.ca_number) FROM statement_certificates sc
        JOIN certificates c ON c.id = sc.certificate_id WHERE sc.statement_id = s.id) AS ca_numbers,
       (SELECT count(*) FROM statement_communications m WHERE m.statement_id = s.id
        AND m.kind = 'communication') AS communication_count
FROM statements s WHERE {tenant} ORDER BY s.created_at DESC LIMIT 300
"""

_CERTS = """
SELECT c.id::text AS id, c.ca_number, c.place, c.status, c.verdict,
       count(a.id) AS n_areas, coalesce(sum(a.area_ha), 0)::float AS area_ha
FROM certificates c LEFT JOIN felling_areas a ON a.certificate_id = c.id
WHERE c.id = ANY(CAST(:ids AS uuid[])) AND {tenant}
GROUP BY c.id ORDER BY c.ca_number
"""

_ONE = "SELECT s.id::text AS id, s.internal_reference, s.status, " \
       "s.organisation_id::text AS organisation_id FROM statements s " \
       "WHERE s.id = CAST(:id AS uuid) AND {tenant}"


def list_statements(conn: Connection, principal: Principal) -> list[dict[str, Any]]:
    tenant, params = principal.org_filter("s.organisation_id")
    return [dict(r) for r in conn.execute(text(_LIST.format(tenant=tenant)), params).mappings()]


def pick_certificates(
    conn: Connection, principal: Principal, ids: list[str]
) -> list[dict[str, Any]]:
    """The requested certificates that exist and that the principal may see (others dropped)."""
    tenant, params = principal.org_filter("c.organisation_id")
    wanted = [i for i in ids if _UUID.match(i)][:50]
    if not wanted:
        return []
    rows = conn.execute(text(_CERTS.format(tenant=tenant)), {**params, "ids": wanted}).mappings()
    return [dict(r) for r in rows]


def find_statement(conn: Connection, principal: Principal, statement_id: str) -> dict[str, Any]:
    tenant, params = principal.org_filter("s.organisation_id")
    if not _UUID.match(statement_id):
        raise NotFound("No such statement.", code="statement_not_found")
    row = conn.execute(text(_ONE.format(tenant=tenant)), {**params, "id": statement_id})
    found = row.mappings().first()
    if found is None:
        raise NotFound("No such statement.", code="statement_not_found")
    return dict(found)


@routes.page("GET", "/statements")
async def statement_list(request: Request) -> Response:
    principal = await auth.require(request)
    rows = await db(request, list_statements, principal)
    return render(request, "statements.html", {"rows": rows})


@routes.page("GET", "/statements/new")
async def statement_new(request: Request) -> Response:
    principal = await auth.require(request)
    ids = [i.strip() for i in request.query_params.get("ids", "").split(",") if i.strip()]
    certs = await db(request, pick_certificates, principal, ids)
    return render(request, "statement_new.html", {"certs": certs})


@routes.page("GET", "/statements/{id}")
async def statement_detail(request: Request) -> Response:
    principal = await auth.require(request)
    statement = await db(request, find_statement, principal, request.path_params["id"])
    numbers = await db(request, store.statement_pair, principal, statement["id"])
    pair = qr.pair_code(request, *numbers)  # issue 14: the QR block of the pair
    return render(request, "statement.html", {"statement": statement, "pair": pair})
