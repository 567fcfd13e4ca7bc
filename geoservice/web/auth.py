"""Authentication (session cookie or Bearer token), role checks and CSRF protection.

The session cookie is signed (itsdangerous, through Starlette's SessionMiddleware), HttpOnly and
SameSite=Lax; it holds the user id, the user's session epoch and a CSRF token. Unsafe requests
that authenticate with the cookie must echo the CSRF token (header ``X-CSRF-Token`` or form field
``csrf_token``); Bearer-token requests carry no ambient credentials and need none.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection
from starlette.requests import Request

from geoservice import i18n
from geoservice.accounts import store, throttle
from geoservice.accounts.principal import Principal
from geoservice.errors import Forbidden, TooManyRequests, Unauthorized
from geoservice.web.context import db, request_id, settings_of
from geoservice.web.negotiation import prefers_html

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_UNSET = object()
P = ParamSpec("P")
T = TypeVar("T")


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    session: dict[str, Any] = request.session
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        session["csrf"] = token
    return str(token)


def client_address(request: Request) -> str:
    """The caller's address (uvicorn resolves X-Forwarded-For from trusted proxies)."""
    return request.client.host if request.client else "unknown"


def caller_language(request: Request) -> str:
    """The caller's language; the one rule of ``geoservice.web.error_text.request_language``."""
    from geoservice.web.error_text import request_language

    return request_language(request)


def too_many(request: Request, block: throttle.Block, kind: throttle.Kind) -> TooManyRequests:
    """The 429 of a block: message in the caller's language, ``Retry-After`` in seconds."""
    minutes = max(1, -(-block.retry_after // 60))
    return TooManyRequests(
        i18n.both(f"throttle.{kind}", caller_language(request), minutes=minutes),
        code="login_throttled" if kind == "login" else "api_throttled",
        details=[{"scope": block.scope, "retry_after_seconds": block.retry_after}],
        headers={"Retry-After": str(block.retry_after)},
    )


async def _refused(request: Request, error: Unauthorized) -> Unauthorized | TooManyRequests:
    """Count a request refused for missing or bad credentials; 429 once the address is over."""
    if request.method == "GET" and not request.url.path.startswith("/api/") \
            and prefers_html(request):
        return error  # a browser sent to the login page is not guessing anything
    block = await db(request, throttle.refuse_api, settings_of(request).auth,
                     address=client_address(request), request_id=request_id(request) or None)
    return too_many(request, block, "api") if block is not None else error


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized(
            "Send the API token as 'Authorization: Bearer <token>'.", code="invalid_authorization"
        )
    return value.strip()


class _BadCredentials(Exception):
    """A token that is unknown, revoked or expired, carried out of the worker thread."""

    def __init__(self, error: Unauthorized) -> None:
        super().__init__(error.message)
        self.error = error


class _LoggedOut(Exception):
    """A session whose user is gone or whose epoch changed (all sessions revoked)."""


Credentials = tuple[str | None, tuple[str, int] | None]


def _credentials(request: Request) -> Credentials:
    """(API token, None), (None, (user id, session epoch)) or (None, None) for anonymous."""
    token = _bearer(request)
    if token is not None:
        return token, None
    uid = request.session.get("uid")
    return None, ((str(uid), int(request.session.get("epoch", -1))) if uid else None)


def _resolve(conn: Connection, credentials: Credentials) -> Principal | None:
    token, session = credentials
    if token is not None:
        try:
            return store.authenticate_token(conn, token)
        except Unauthorized as exc:
            raise _BadCredentials(exc) from None
    if session is not None:
        return store.principal_for_session(conn, session[0], session[1])
    return None


def _remember(request: Request, credentials: Credentials, principal: Principal | None) -> None:
    if principal is None and credentials[1] is not None:
        request.session.clear()
    request.state.principal = principal


async def authenticate(request: Request) -> Principal | None:
    """The principal of this request, or None when anonymous. Cached on the request."""
    cached = getattr(request.state, "principal", _UNSET)
    if cached is not _UNSET:
        return cached if isinstance(cached, Principal) else None
    try:
        credentials = _credentials(request)
    except Unauthorized as exc:
        raise await _refused(request, exc) from None
    principal: Principal | None = None
    if credentials != (None, None):
        try:
            principal = await db(request, _resolve, credentials)
        except _BadCredentials as exc:
            raise await _refused(request, exc.error) from None
    _remember(request, credentials, principal)
    return principal


def _permit(request: Request, principal: Principal, roles: tuple[str, ...] | None,
            form_token: str | None) -> None:
    """403 for a wrong role, or for an unsafe cookie request without the session's CSRF token."""
    if request.method not in SAFE_METHODS and not principal.via_token:
        sent = request.headers.get("x-csrf-token") or form_token or ""
        expected = request.session.get("csrf", "")
        if not expected or not hmac.compare_digest(str(sent), str(expected)):
            raise Forbidden(
                "The form has expired or did not come from this site; reload the page and try "
                "again.", code="csrf_failed",
            )
    if roles is not None and principal.role not in roles:
        raise Forbidden(
            f"This needs the role {' or '.join(roles)}; you are {principal.role}.",
            code="role_required",
        )


async def require(
    request: Request, *, roles: tuple[str, ...] | None = None, form_token: str | None = None
) -> Principal:
    """The authenticated principal; 401 when anonymous, 403 for a wrong role or CSRF token."""
    principal = await authenticate(request)
    if principal is None:
        raise await _refused(request, Unauthorized())
    _permit(request, principal, roles, form_token)
    return principal


async def run_as(
    request: Request,
    fn: Callable[Concatenate[Connection, Principal | None, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """``fn(conn, principal, …)`` with the caller's credentials checked in the same transaction.

    The same checks as ``authenticate`` (token hash, revocation, expiry, session epoch) and the
    same refusals (401, 429 once an address keeps failing), but one worker-thread hop and one
    transaction for both, instead of one each. Anonymous callers reach ``fn`` with None; use
    ``run_required`` where a principal is needed.
    """
    return await _run(request, fn, False, None, None, *args, **kwargs)


async def run_required(
    request: Request,
    roles: tuple[str, ...] | None,
    fn: Callable[Concatenate[Connection, Principal, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """``fn(conn, principal, …)`` as ``require(roles=roles)`` then ``db`` would run it, in one
    transaction (401 when anonymous, 403 for another role or a missing CSRF token)."""
    return await _run(request, fn, True, roles, None, *args, **kwargs)


async def _run(request: Request, fn: Callable[..., T], needed: bool,
               roles: tuple[str, ...] | None, form_token: str | None, *args: Any,
               **kwargs: Any) -> T:
    credentials: Credentials = (None, None)
    if getattr(request.state, "principal", _UNSET) is _UNSET:
        try:
            credentials = _credentials(request)
        except Unauthorized as exc:
            raise await _refused(request, exc) from None
    if credentials == (None, None):  # known already, or anonymous: nothing to look up
        principal = await authenticate(request)
        if principal is None:
            if needed:
                raise await _refused(request, Unauthorized())
        else:
            _permit(request, principal, roles, form_token)
        return await db(request, fn, principal, *args, **kwargs)
    resolved: list[Principal | None] = []

    def work(conn: Connection) -> T:
        principal = _resolve(conn, credentials)
        resolved.append(principal)
        if principal is None:
            if needed:
                raise _LoggedOut
        else:
            _permit(request, principal, roles, form_token)
        return fn(conn, principal, *args, **kwargs)

    try:
        return await db(request, work)
    except _BadCredentials as exc:
        raise await _refused(request, exc.error) from None
    except _LoggedOut:
        raise await _refused(request, Unauthorized()) from None
    finally:
        if resolved:
            _remember(request, credentials, resolved[0])


def log_in(request: Request, principal: Principal, epoch: int) -> None:
    request.session.clear()
    request.session.update(
        {"uid": principal.user_id, "epoch": epoch, "csrf": secrets.token_urlsafe(24),
         "lang": principal.language}
    )
    request.state.principal = principal


def log_out(request: Request) -> None:
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    request.state.principal = None
