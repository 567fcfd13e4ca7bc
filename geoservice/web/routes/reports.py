"""The printable evidence report of a certificate's check (HTML, server-side map)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from geoservice.checks import report
from geoservice.references import qr, store
from geoservice.web import auth
from geoservice.web.context import db, settings_of
from geoservice.web.routing import RouteTable
from geoservice.web.templates import render

routes = RouteTable()


@routes.page("GET", "/certificates/{id}/report")
async def certificate_report(request: Request) -> Response:
    principal = await auth.require(request)
    data = await db(request, report.gather, principal, request.path_params["id"])
    pairs = await db(request, store.certificate_pairs, principal, data["certificate"].id)
    codes = [(internal, qr.pair_code(request, ref, ver)) for internal, ref, ver in pairs]
    return render(request, "report.html", {**data, "thresholds": settings_of(request).check,
                                           "pair_codes": codes})
