"""Authentication (session cookie or Bearer token), role checks and CSRF protection.

The session cookie is signed (itsdangerous, through Starlette's SessionMiddleware), HttpOnly and
SameSite=Lax; it holds the user id, the user's session epoch and a CSRF token. Unsafe requests
that authenticate with the cookie must echo the CSRF token (header ``X-CSRF-Token`` or form field
``csrf_token``); Bearer-token requests carry no ambient credentials and need none.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from starlette.requests import Request

from geoservice import i18n
from geoservice.accounts import store, throttle
from geoservice.accounts.principal import Principal
from geoservice.errors import Forbidden, TooManyRequests, Unauthorized
from geoservice.web.context import db, request_id, settings_of
from geoservice.web.negotiation import prefers_html

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_UNSET = object()


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


async def authenticate(request: Request) -> Principal | None:
    """The principal of this request, or None when anonymous. Cached on the request."""
    cached = getattr(request.state, "principal", _UNSET)
    if cached is not _UNSET:
        return cached if isinstance(cached, Principal) else None
    principal: Principal | None = None
    try:
        token = _bearer(request)
    except Unauthorized as exc:
        raise await _refused(request, exc) from None
    if token is not None:
        try:
            principal = await db(request, store.authenticate_token, token)
        except Unauthorized as exc:
            raise await _refused(request, exc) from None
    else:
        uid = request.session.get("uid")
        if uid:
            principal = await db(request, store.principal_for_session, uid,
                                 int(request.session.get("epoch", -1)))
            if principal is None:
                request.session.clear()
    request.state.principal = principal
    return principal


async def require(
    request: Request, *, roles: tuple[str, ...] | None = None, form_token: str | None = None
) -> Principal:
    """The authenticated principal; 401 when anonymous, 403 for a wrong role or CSRF token."""
    principal = await authenticate(request)
    if principal is None:
        raise await _refused(request, Unauthorized())
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
    return principal


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
