"""Billing API: the monthly list of charges (1 EUR per felling area), as JSON or CSV."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from geoservice.statements import billing
from geoservice.statements.views import ChargesOut, jsonable
from geoservice.web import auth
from geoservice.web.context import db
from geoservice.web.negotiation import negotiate
from geoservice.web.routing import Param, RouteTable

routes = RouteTable()


@routes.api("GET", "/api/v1/billing/charges", summary="Charges of one month", tags=("billing",),
            params=(Param("month", description="YYYY-MM; default this month"),
                    Param("organisation_id", description="Service staff: one organisation"),
                    Param("f", description="json or csv")),
            response=ChargesOut, response_content_types=("application/json", "text/csv"))
async def list_charges(request: Request) -> Response:
    principal = await auth.require(request)
    fmt = negotiate(request, ("json", "csv"))
    month, start, end = billing.month_range(request.query_params.get("month"))
    rows = await db(request, billing.charges, principal, start, end,
                    request.query_params.get("organisation_id"))
    if fmt == "csv":
        return Response(billing.to_csv(rows), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="charges-{month}.csv"'})
    return JSONResponse(jsonable({"month": month, "count": len(rows),
                                  "total_eur": round(sum(r["amount_eur"] for r in rows), 2),
                                  "charges": rows}))
