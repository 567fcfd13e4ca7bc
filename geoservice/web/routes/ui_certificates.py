"""HTML pages of certificates: the list with search, the add form and the detail page.

The pages are rendered from the database under the tenancy rule (another organisation's
certificate answers the same 404 page as a missing one); the scripts then load the JSON API
for the map, editing, volumes and checks.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import Connection, text
from starlette.requests import Request
from starlette.responses import Response

from geoservice.accounts.principal import Principal
from geoservice.certificates import plausibility
from geoservice.certificates.model import FELLING_TYPES
from geoservice.certificates.species import SPECIES
from geoservice.errors import NotFound
from geoservice.web import auth
from geoservice.web.context import db
from geoservice.web.routing import RouteTable
from geoservice.web.templates import render

routes = RouteTable()

STATUSES = ("draft", "ready", "in_statement", "submitted")
VERDICTS = ("unchecked", "clear", "flagged", "blocked")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

_LIST = """
SELECT c.id::text AS id, c.ca_number, c.place, c.status, c.verdict, c.issued_on, c.valid_until,
       c.source, o.name AS organisation_name,
       count(a.id) AS n_areas, coalesce(sum(a.area_ha), 0)::float AS area_ha,
       string_agg(DISTINCT a.cadastral_designation, ', ') AS cadastral
FROM certificates c
JOIN organisations o ON o.id = c.organisation_id
LEFT JOIN felling_areas a ON a.certificate_id = c.id
WHERE {tenant} {extra}
GROUP BY c.id, o.name
ORDER BY c.created_at DESC, c.ca_number
LIMIT :limit
"""


def list_certificates(
    conn: Connection, principal: Principal, q: str, status: str, verdict: str, limit: int = 500
) -> list[dict[str, Any]]:
    """Certificates the principal may see, filtered by a search text, status and verdict."""
    tenant, params = principal.org_filter("c.organisation_id")
    extra = ""
    if q:
        extra += (" AND (c.ca_number ILIKE :q OR c.place ILIKE :q OR EXISTS (SELECT 1 FROM "
                  "felling_areas s WHERE s.certificate_id = c.id AND "
                  "s.cadastral_designation LIKE :q))")
        params["q"] = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    if status in STATUSES:
        extra += " AND c.status = :status"
        params["status"] = status
    if verdict in VERDICTS:
        extra += " AND c.verdict = :verdict"
        params["verdict"] = verdict
    rows = conn.execute(text(_LIST.format(tenant=tenant, extra=extra)),
                        {**params, "limit": limit}).mappings()
    return [dict(r) for r in rows]


_ONE = """
SELECT c.id::text AS id, c.ca_number, c.place, c.status, c.verdict, c.issued_on, c.valid_until,
       c.source, c.checked_at, c.version, o.name AS organisation_name
FROM certificates c JOIN organisations o ON o.id = c.organisation_id
WHERE c.id = CAST(:id AS uuid) AND {tenant}
"""

_AREAS = """
SELECT a.id::text AS id, a.cirsma, a.cadastral_designation, a.quarter, a.compartment,
       a.sub_compartment, a.felling_type, a.execution_method, a.area_ha::float AS area_ha,
       a.verdict, a.confirmed_warnings
FROM felling_areas a WHERE a.certificate_id = CAST(:id AS uuid) ORDER BY a.cirsma
"""

_VOLUMES = """
SELECT v.area_id::text AS area_id, v.species_code, s.name_lv, s.name_en, v.m3::float AS m3,
       v.planned_m3::float AS planned_m3
FROM area_volumes v JOIN species s ON s.code = v.species_code
JOIN felling_areas a ON a.id = v.area_id
WHERE a.certificate_id = CAST(:id AS uuid) ORDER BY a.cirsma, v.species_code
"""

_PRODUCTS = """
SELECT p.area_id::text AS area_id, p.hs_code, p.m3::float AS m3
FROM area_products p JOIN felling_areas a ON a.id = p.area_id
WHERE a.certificate_id = CAST(:id AS uuid) ORDER BY a.cirsma, p.hs_code
"""


def load_certificate(conn: Connection, principal: Principal, cert_id: str) -> dict[str, Any]:
    """One certificate with areas, volumes and products; NotFound for others' and missing ids."""
    if not _UUID.match(cert_id):
        raise NotFound("No such certificate.", code="certificate_not_found")
    tenant, params = principal.org_filter("c.organisation_id")
    row = conn.execute(text(_ONE.format(tenant=tenant)), {**params, "id": cert_id}).mappings()
    found = row.first()
    if found is None:
        raise NotFound("No such certificate.", code="certificate_not_found")
    cert = dict(found)
    areas = [dict(a) for a in conn.execute(text(_AREAS), {"id": cert_id}).mappings()]
    volumes = [dict(v) for v in conn.execute(text(_VOLUMES), {"id": cert_id}).mappings()]
    products = [dict(p) for p in conn.execute(text(_PRODUCTS), {"id": cert_id}).mappings()]
    for area in areas:
        area["volumes"] = [v for v in volumes if v["area_id"] == area["id"]]
        area["products"] = [p for p in products if p["area_id"] == area["id"]]
        area["confirmed_warnings"] = plausibility.described(area["confirmed_warnings"])
    cert["areas"] = areas
    cert["expired"] = cert["valid_until"] < date.today()
    return cert


@routes.page("GET", "/certificates")
async def certificate_list(request: Request) -> Response:
    principal = await auth.require(request)
    q = request.query_params.get("q", "").strip()[:100]
    status = request.query_params.get("status", "")
    verdict = request.query_params.get("verdict", "")
    rows = await db(request, list_certificates, principal, q, status, verdict)
    return render(request, "certificates.html", {
        "rows": rows, "q": q, "status": status, "verdict": verdict,
        "statuses": STATUSES, "verdicts": VERDICTS, "today": date.today(),
    })


@routes.page("GET", "/certificates/new")
async def certificate_new(request: Request) -> Response:
    await auth.require(request)
    return render(request, "certificate_new.html",
                  {"felling_types": FELLING_TYPES, "species_codes": sorted(SPECIES)})


@routes.page("GET", "/certificates/{id}")
async def certificate_detail(request: Request) -> Response:
    principal = await auth.require(request)
    cert = await db(request, load_certificate, principal, request.path_params["id"])
    return render(request, "certificate.html", {"cert": cert})
