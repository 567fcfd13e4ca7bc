"""HTML pages of the compliance review queue and of mandates and billing."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import Response

from geoservice.web import auth
from geoservice.web.routing import RouteTable
from geoservice.web.templates import render

routes = RouteTable()

OFFICER_ROLES = ("compliance_officer",)


@routes.page("GET", "/review")
async def review_queue(request: Request) -> Response:
    """Flagged felling areas waiting for a compliance officer (the data comes from the API)."""
    await auth.require(request, roles=OFFICER_ROLES)
    return render(request, "review.html")


@routes.page("GET", "/mandate")
async def mandate_and_billing(request: Request) -> Response:
    await auth.require(request)
    return render(request, "mandate.html", {"month": date.today().strftime("%Y-%m")})
