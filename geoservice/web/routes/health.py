"""Liveness and readiness: the database answers and PostGIS is there."""

from __future__ import annotations

from sqlalchemy import Connection, text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from geoservice import __version__
from geoservice.web.context import db
from geoservice.web.routing import RouteTable

routes = RouteTable()

HEALTH_SCHEMA = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["ok", "unavailable"]},
        "version": {"type": "string"},
        "database": {"type": "boolean"},
        "postgis": {"type": "string", "nullable": True},
        "schema_version": {"type": "integer", "nullable": True},
    },
}


def _probe(conn: Connection) -> tuple[str, int | None]:
    postgis = conn.execute(text("SELECT postgis_lib_version()")).scalar_one()
    schema = conn.execute(text("SELECT max(version) FROM schema_migrations")).scalar()
    return str(postgis), schema


@routes.api("GET", "/healthz", summary="Health: database reachable, PostGIS version",
            tags=("service",), response=HEALTH_SCHEMA, public=True)
async def healthz(request: Request) -> Response:
    try:
        postgis, schema = await db(request, _probe)
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        return JSONResponse(
            {"status": "unavailable", "version": __version__, "database": False, "postgis": None,
             "schema_version": None, "message": f"database unavailable: {type(exc).__name__}"},
            status_code=503,
        )
    return JSONResponse({"status": "ok", "version": __version__, "database": True,
                         "postgis": postgis, "schema_version": schema})
