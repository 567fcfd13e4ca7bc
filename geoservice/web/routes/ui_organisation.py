"""The organisation profile page: the details TRACES receives of the represented operator.

Statement problems about the organisation link here (``/organisation#street`` and so on); the
form saves through ``PATCH /api/v1/organisations/{id}``, under the same tenancy rule.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from geoservice.web import auth
from geoservice.web.routing import RouteTable
from geoservice.web.templates import render

routes = RouteTable()
FIELDS = ("name", "reg_no", "vat_no", "eori", "street", "postal_code", "city", "country",
          "email", "phone")


@routes.page("GET", "/organisation")
async def organisation_page(request: Request) -> Response:
    principal = await auth.require(request)
    return render(request, "organisation.html", {
        "organisation_id": principal.organisation_id, "fields": FIELDS,
        "editable": principal.role in ("owner", "admin")})
