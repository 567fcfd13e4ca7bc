"""Typed errors for TRACES faults, each carrying the wire error ids and whether a retry may help."""

from __future__ import annotations

from typing import NamedTuple


class ErrorId(NamedTuple):
    """One ``Error{ID, Message, Field}`` of a fault; ``id`` is as on the wire (hyphenated)."""

    id: str
    message: str
    field: str | None = None

    @property
    def code(self) -> str:
        """The documented, underscored form: ``EUDR_COMMODITIES_HS_CODE_INVALID``."""
        return normalise_code(self.id)


def normalise_code(raw: str) -> str:
    return raw.strip().replace("-", "_").upper()


class TracesError(Exception):
    """Any failure talking to TRACES.

    ``code`` is the first error id in underscored form, or the class default when the fault had
    none. ``retryable`` says whether sending the same request later may succeed.
    """

    default_code = "traces_error"
    retryable = False

    def __init__(
        self,
        message: str,
        error_ids: list[ErrorId] | None = None,
        *,
        http_status: int | None = None,
        fault_code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.error_ids: list[ErrorId] = list(error_ids or [])
        self.http_status = http_status
        self.fault_code = fault_code

    @property
    def code(self) -> str:
        return self.error_ids[0].code if self.error_ids else self.default_code

    @property
    def codes(self) -> list[str]:
        return [e.code for e in self.error_ids]

    def __str__(self) -> str:
        if not self.error_ids:
            return self.message
        ids = ", ".join(f"{e.id} ({e.field})" if e.field else e.id for e in self.error_ids)
        return f"{self.message}: {ids}"


class BusinessRulesError(TracesError):
    """``BusinessRulesValidationException``: the statement breaks a documented rule."""

    default_code = "business_rules_violated"


class PermissionDeniedError(TracesError):
    """``PermissionDeniedException``: the web-service user may not do this (role, owner)."""

    default_code = "permission_denied"


class NotFoundError(TracesError):
    """``NotFoundException`` ("Data not found.")."""

    default_code = "not_found"


class AuthenticationError(TracesError):
    """ "Authentication failed": wrong username or key, stale timestamp, or HTTP 401."""

    default_code = "authentication_failed"


class SchemaError(TracesError):
    """A ``SAXParseException`` fault: the envelope does not match the XSD (a bug on our side)."""

    default_code = "schema_invalid"


class UnexpectedResponseError(TracesError):
    """An answer that is neither the expected response nor a SOAP fault we understand."""

    default_code = "unexpected_response"


class ThrottledError(TracesError):
    """Over the rate limit (5 calls/s per client, 10 000/min globally)."""

    default_code = "throttled"
    retryable = True

    def __init__(
        self,
        message: str,
        error_ids: list[ErrorId] | None = None,
        *,
        retry_after: float = 1.0,
        http_status: int | None = None,
        fault_code: str | None = None,
    ) -> None:
        super().__init__(message, error_ids, http_status=http_status, fault_code=fault_code)
        self.retry_after = retry_after


class TracesUnavailable(TracesError):
    """``InternalSystemException``, HTTP 5xx without a business fault, timeouts, lost connections.

    ``maybe_applied`` is True when the request may have reached TRACES before the failure (read
    timeout, server error): reconcile with getDdsByInternalReference before submitting again.
    """

    default_code = "traces_unavailable"
    retryable = True

    def __init__(
        self,
        message: str,
        error_ids: list[ErrorId] | None = None,
        *,
        maybe_applied: bool = True,
        http_status: int | None = None,
        fault_code: str | None = None,
    ) -> None:
        super().__init__(message, error_ids, http_status=http_status, fault_code=fault_code)
        self.maybe_applied = maybe_applied
