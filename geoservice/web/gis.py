"""HTTP glue shared by the GIS route modules in web/routes (/ogc, /wfs, /tiles, /download).

Who is asking, database calls whose rejected values are the client's 400, gzip negotiation,
and the error renderers in the shapes GIS clients expect (OGC API exception JSON and
``ows:ExceptionReport``). The protocol logic itself lives in ``geoservice.ogc`` and knows
nothing of Starlette.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from geoservice.accounts.principal import Principal
from geoservice.errors import GeoserviceError, Unauthorized
from geoservice.ogc import dbcall
from geoservice.ogc.exceptions import ows_answer
from geoservice.web import auth
from geoservice.web.context import db, settings_of
from geoservice.web.errors import register_renderer

P = ParamSpec("P")
T = TypeVar("T")


async def viewer(request: Request) -> tuple[Principal | None, bool]:
    """The request's principal (or None) and whether anonymous users may read layers."""
    principal = await auth.authenticate(request)
    return principal, settings_of(request).web.layers_public


async def read(request: Request, fn: Callable[Concatenate[Connection, P], T],
               *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn`` on the request's connection; a value PostgreSQL rejects is a 400."""
    try:
        return await db(request, fn, *args, **kwargs)
    except DBAPIError as exc:
        error = dbcall.client_error(exc)
        if error is None:
            raise
        raise error from None


async def read_as(request: Request,
                  fn: Callable[Concatenate[Connection, Principal | None, bool, P], T],
                  *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(conn, principal, layers_public, …)``: the caller's credentials checked in the same
    transaction and worker-thread hop (``auth.run_as``); a value PostgreSQL rejects is a 400."""
    public = settings_of(request).web.layers_public

    def work(conn: Connection, principal: Principal | None) -> T:
        return fn(conn, principal, public, *args, **kwargs)

    try:
        return await auth.run_as(request, work)
    except DBAPIError as exc:
        error = dbcall.client_error(exc)
        if error is None:
            raise
        raise error from None


def wants_gzip(request: Request) -> bool:
    encodings = request.headers.get("accept-encoding", "")
    return any(part.split(";")[0].strip().lower() == "gzip" and "q=0" not in part.replace(" ", "")
               for part in encodings.split(","))


def _headers(error: GeoserviceError) -> dict[str, str]:
    headers = dict(error.headers)
    if isinstance(error, Unauthorized):
        headers.setdefault("WWW-Authenticate", 'Bearer realm="geoservice"')
    return headers


def ogc_error(request: Request, error: GeoserviceError) -> Response:
    body = {"code": error.code, "description": error.message}
    return JSONResponse(body, status_code=error.status, headers=_headers(error))


def wfs_error(request: Request, error: GeoserviceError) -> Response:
    body, status = ows_answer(error)
    return Response(body, status_code=status, media_type="application/xml",
                    headers=_headers(error))


_registered: list[bool] = []


def register_once() -> None:
    """Register the renderers (once per process, whichever route module loads first)."""
    if _registered:
        return
    _registered.append(True)
    for prefix in ("/ogc", "/tiles", "/download"):
        register_renderer(prefix, ogc_error)
    register_renderer("/wfs", wfs_error)
