"""One handler for every error: the JSON error shape, an HTML page, or a registered renderer.

OGC API and WFS register their own renderers for their path prefixes (OGC exception JSON,
``ows:ExceptionReport``); everything else answers JSON for API clients and HTML for browsers.
Unexpected exceptions are logged with the request id and answered with a generic 500 that shows
no internals.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import quote

import psycopg
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from geoservice.errors import (
    STATUS_CODES,
    DatabaseUnavailable,
    GeoserviceError,
    InsufficientStorage,
    Unauthorized,
    disk_full,
)
from geoservice.i18n import DEFAULT_LANGUAGE, both
from geoservice.web.context import request_id
from geoservice.web.error_text import error_body, request_language
from geoservice.web.negotiation import prefers_html

log = logging.getLogger("geoservice.errors")

Renderer = Callable[[Request, GeoserviceError], Response]
_renderers: list[tuple[str, Renderer]] = []


def register_renderer(prefix: str, renderer: Renderer) -> None:
    """Render errors of requests under ``prefix`` with ``renderer`` (longest prefix wins)."""
    _renderers.append((prefix, renderer))
    _renderers.sort(key=lambda item: len(item[0]), reverse=True)


def json_error(error: GeoserviceError, request: Request | None = None) -> JSONResponse:
    """The error shape in the caller's language (Latvian without a request)."""
    lang = request_language(request) if request is not None else DEFAULT_LANGUAGE
    rid = request_id(request) if request is not None else ""
    return JSONResponse(error_body(error, lang, rid), status_code=error.status,
                        headers=error.headers)


def _html_error(request: Request, error: GeoserviceError) -> Response:
    from geoservice.web.templates import language, render

    if isinstance(error, Unauthorized) and request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    message = error_body(error, language(request), request_id(request))["error"]["message"]
    response = render(request, "error.html", {"error": error, "message": message,
                                              "request_id": request_id(request)},
                      status=error.status)
    response.headers.update(error.headers)
    return response


def render_error(request: Request, error: GeoserviceError) -> Response:
    path = request.url.path
    for prefix, renderer in _renderers:
        if path.startswith(prefix):
            return renderer(request, error)
    if not path.startswith("/api/") and prefers_html(request):
        return _html_error(request, error)
    return json_error(error, request)


def from_http_exception(exc: HTTPException) -> GeoserviceError:
    cls = STATUS_CODES.get(exc.status_code, GeoserviceError)
    error = cls(headers=dict(exc.headers or {}))
    if exc.status_code == 404:
        error.message = "Nothing was found at this address."
    return error


async def handle_geoservice_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GeoserviceError)
    if exc.status >= 500:
        log.error("request %s failed: %s %s", request_id(request), exc.code,
                  exc.log_detail or exc.message)
    elif exc.log_detail:
        log.info("request %s: %s (%s)", request_id(request), exc.code, exc.log_detail)
    return render_error(request, exc)


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return render_error(request, from_http_exception(exc))


def database_outage(exc: BaseException) -> bool:
    """The database went away or is out of connections (not a bug in a query)."""
    if isinstance(exc, sa_exc.TimeoutError):  # no pooled connection free in time
        return True
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        orig = exc.orig
        return isinstance(orig, psycopg.OperationalError) and not isinstance(
            orig, psycopg.errors.QueryCanceled | psycopg.errors.LockNotAvailable)
    return isinstance(exc, psycopg.OperationalError)


def outage_error(request: Request) -> DatabaseUnavailable:
    return DatabaseUnavailable(
        both("outage.database", request_language(request)),
        headers={"Retry-After": "5"},
    )


def storage_error(request: Request) -> InsufficientStorage:
    return InsufficientStorage(both("outage.storage", request_language(request)),
                               headers={"Retry-After": "60"})


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    # Before the outage test: PostgreSQL's disk_full is an OperationalError too.
    if disk_full(exc):
        log.error("request %s: storage full: %s", request_id(request),
                  str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return render_error(request, storage_error(request))
    if database_outage(exc):
        log.warning("request %s: database unavailable: %s", request_id(request),
                    str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return render_error(request, outage_error(request))
    log.exception("request %s failed unexpectedly", request_id(request), exc_info=exc)
    error = GeoserviceError(
        f"Something went wrong on our side (request {request_id(request)}). It has been logged."
    )
    return render_error(request, error)
