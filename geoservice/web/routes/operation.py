"""For operators and their tools: ``/readyz`` (take traffic?) and ``/metrics`` (Prometheus).

``/healthz`` says the process and database answer; ``/readyz`` also says the schema is the one
this code expects (every migration applied, none changed since), so a load balancer sends no
traffic to a replica started before ``geoservice db migrate`` ran. ``/metrics`` answers callers
on loopback or private networks (Prometheus next to the app) and the service operator's
officers and admins; anyone else gets 403.
"""

from __future__ import annotations

import ipaddress

from sqlalchemy import Connection, text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from geoservice import __version__, metrics
from geoservice.db.migrate import discover
from geoservice.errors import Forbidden
from geoservice.web import auth
from geoservice.web.context import db
from geoservice.web.routing import RouteTable

routes = RouteTable()

READY_SCHEMA = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["ready", "unavailable", "migrations_pending"]},
        "version": {"type": "string"},
        "database": {"type": "boolean"},
        "migrations": {"type": "object"},
        "message": {"type": "string"},
    },
}


def _migrations(conn: Connection) -> dict[str, list[int]]:
    applied = {int(v): str(c) for v, c in conn.execute(
        text("SELECT version, checksum FROM schema_migrations"))}
    known = discover()
    return {
        "pending": [m.version for m in known if m.version not in applied],
        "changed": [m.version for m in known
                    if m.version in applied and applied[m.version] != m.checksum],
        "unknown": sorted(set(applied) - {m.version for m in known}),
    }


@routes.api("GET", "/readyz", summary="Readiness: database reachable and migrations current",
            tags=("service",), response=READY_SCHEMA, public=True)
async def readyz(request: Request) -> Response:
    try:
        state = await db(request, _migrations)
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        return JSONResponse({"status": "unavailable", "version": __version__, "database": False,
                             "message": f"database unavailable: {type(exc).__name__}"},
                            status_code=503)
    if state["pending"] or state["changed"]:
        return JSONResponse({"status": "migrations_pending", "version": __version__,
                             "database": True, "migrations": state,
                             "message": "run `geoservice db migrate`"}, status_code=503)
    return JSONResponse({"status": "ready", "version": __version__, "database": True,
                         "migrations": state})


def _nearby(request: Request) -> bool:
    try:
        address = ipaddress.ip_address(auth.client_address(request))
    except ValueError:
        return False
    return address.is_loopback or address.is_private


@routes.api("GET", "/metrics", summary="Prometheus metrics (loopback, private networks or "
            "the operator's officers and admins)", tags=("service",),
            response_content_types=("text/plain",), public=True)
async def metrics_page(request: Request) -> Response:
    if not _nearby(request):
        principal = await auth.authenticate(request)
        if principal is None or not principal.sees_all_organisations:
            raise Forbidden("Metrics are for the service operator: scrape from the local or a "
                            "private network, or send an officer's or admin's API token.",
                            code="metrics_forbidden")
    facts = await db(request, metrics.read_facts)
    return Response(metrics.exposition(facts),
                    media_type="text/plain; version=0.0.4; charset=utf-8")
