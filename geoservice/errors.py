"""One error hierarchy: each error carries its HTTP status, a stable code and a safe message.

The message is for a person and is shown to them; the logged detail (``log_detail``) may hold
more. Handlers render these as the one JSON error shape, an HTML page, or an OGC exception.
"""

from __future__ import annotations

import errno
from typing import Any

import psycopg


class GeoserviceError(Exception):
    """Base of every error the service raises on purpose."""

    status: int = 500
    code: str = "internal_error"
    default_message = "Something went wrong on our side. The error has been logged."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        details: list[dict[str, Any]] | None = None,
        log_detail: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        if code:
            self.code = code
        self.details = details or []
        self.log_detail = log_detail
        self.headers = headers or {}
        # pydantic's errors (with context) when the error is a body that did not validate
        self.validation_errors: list[dict[str, Any]] | None = None
        # the message in every language, when it was raised as one (geoservice.i18n.Bilingual)
        self.messages: dict[str, str] | None = getattr(message, "messages", None)
        super().__init__(self.message)

    def to_json(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class BadRequest(GeoserviceError):
    status, code, default_message = 400, "bad_request", "The request is not valid."


class ValidationFailed(GeoserviceError):
    status, code, default_message = 422, "validation_failed", "Some values are not valid."


class Unauthorized(GeoserviceError):
    status, code, default_message = 401, "unauthorized", "Log in or send a valid API token."


class Forbidden(GeoserviceError):
    status, code, default_message = 403, "forbidden", "You are not allowed to do this."


class NotFound(GeoserviceError):
    status, code, default_message = 404, "not_found", "Nothing was found at this address."


class MethodNotAllowed(GeoserviceError):
    status, code, default_message = 405, "method_not_allowed", "This method is not allowed here."


class NotAcceptable(GeoserviceError):
    status, code, default_message = 406, "not_acceptable", "This format is not available here."


class Conflict(GeoserviceError):
    status, code, default_message = 409, "conflict", "This conflicts with the current state."


class PayloadTooLarge(GeoserviceError):
    status, code, default_message = 413, "payload_too_large", "The request body is too large."


class UnsupportedMediaType(GeoserviceError):
    status, code = 415, "unsupported_media_type"
    default_message = "This content type is not accepted here."


class TooManyRequests(GeoserviceError):
    status, code, default_message = 429, "too_many_requests", "Too many requests; try later."


class UpstreamUnavailable(GeoserviceError):
    status, code = 503, "upstream_unavailable"
    default_message = "An external system did not answer; nothing was changed. Try again later."


class UpstreamTimeout(GeoserviceError):
    status, code = 504, "upstream_timeout"
    default_message = "An external system answered too slowly; nothing was changed."


class DatabaseUnavailable(GeoserviceError):
    """PostgreSQL did not answer (restarting, unreachable, pool exhausted); nothing was changed."""

    status, code = 503, "database_unavailable"
    default_message = "The database is not reachable right now; nothing was changed. Try again."


class InsufficientStorage(GeoserviceError):
    """A disk is full (upload spool, layer store, the database's); nothing was kept."""

    status, code = 507, "storage_full"
    default_message = "The server's storage is full; nothing was saved. Try again later."


_DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
# GDAL reports a full disk in its own words (rasterio raises them as CPLE_*/RasterioIOError).
_DISK_FULL_WORDS = ("No space left on device", "Free disk space available is")


def disk_full(exc: BaseException | None) -> bool:
    """Whether ``exc`` or anything that caused it is a full disk: ENOSPC or EDQUOT from the
    operating system, PostgreSQL's ``disk_full`` (53100), or GDAL saying so."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in _DISK_FULL_ERRNOS:
            return True
        if isinstance(exc, psycopg.errors.DiskFull):
            return True
        orig = getattr(exc, "orig", None)  # SQLAlchemy's DBAPIError wraps psycopg's error
        if isinstance(orig, psycopg.errors.DiskFull):
            return True
        if type(exc).__module__.startswith("rasterio") and any(
                words in str(exc) for words in _DISK_FULL_WORDS):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


class ConfigurationError(GeoserviceError):
    """The process is misconfigured; raised at start-up, not during requests."""

    status, code, default_message = 500, "configuration_error", "The service is misconfigured."


STATUS_CODES: dict[int, type[GeoserviceError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    406: NotAcceptable,
    409: Conflict,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    422: ValidationFailed,
    429: TooManyRequests,
}
