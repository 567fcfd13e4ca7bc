"""Log in and out with the web form, and the JSON view of who is logged in."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from geoservice import i18n
from geoservice.accounts import throttle
from geoservice.accounts.principal import Principal
from geoservice.web import auth
from geoservice.web.context import db, request_id, settings_of
from geoservice.web.errors import json_error
from geoservice.web.negotiation import prefers_html
from geoservice.web.routing import RouteTable
from geoservice.web.templates import render

routes = RouteTable()


class Me(BaseModel):
    user_id: str
    email: str
    name: str
    role: str
    language: str
    organisation_id: str
    organisation_name: str
    sees_all_organisations: bool


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths; anything else goes home (no open redirect)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@routes.page("GET", "/login")
async def login_form(request: Request) -> Response:
    return render(request, "login.html", {"next": _safe_next(request.query_params.get("next")),
                                          "error": None, "email": ""})


@routes.page("POST", "/login")
async def login_submit(request: Request) -> Response:
    form = await request.form()
    email = str(form.get("email", "")).strip()
    password = str(form.get("password", ""))
    target = _safe_next(str(form.get("next", "")))
    expected = request.session.get("csrf")
    if not expected or form.get("csrf_token") != expected:
        return render(request, "login.html", {"next": target, "email": email,
                      "error": "login.expired"}, status=403)
    result = await db(request, throttle.attempt_login, settings_of(request).auth, email,
                      password, address=auth.client_address(request),
                      request_id=request_id(request) or None)
    if result.block is not None:
        error = auth.too_many(request, result.block, "login")
        if not prefers_html(request):
            return json_error(error, request)
        page = render(request, "login.html", {"next": target, "email": email,
                      "error": "throttle.login", "minutes": -(-result.block.retry_after // 60)},
                      status=429)
        page.headers.update(error.headers)
        return page
    if result.principal is None:
        return render(request, "login.html", {"next": target, "email": email,
                      "error": "login.wrong"}, status=401)
    principal, epoch = result.principal, result.epoch
    chosen = request.session.get("lang")
    auth.log_in(request, principal, epoch)
    if chosen:
        request.session["lang"] = chosen
    return RedirectResponse(target, status_code=303)


@routes.page("POST", "/logout")
async def logout(request: Request) -> Response:
    form = await request.form()
    await auth.require(request, form_token=str(form.get("csrf_token", "")))
    auth.log_out(request)
    return RedirectResponse("/login", status_code=303)


def me_json(principal: Principal) -> dict[str, Any]:
    return Me(
        user_id=principal.user_id, email=principal.email, name=principal.name,
        role=principal.role, language=principal.language,
        organisation_id=principal.organisation_id,
        organisation_name=principal.organisation_name,
        sees_all_organisations=principal.sees_all_organisations,
    ).model_dump()


@routes.api("GET", "/api/v1/me", summary="The logged-in user and organisation", tags=("accounts",),
            response=Me)
async def me(request: Request) -> Response:
    principal = await auth.require(request)
    return JSONResponse(me_json(principal))


@routes.page("GET", "/i18n/{lang}.json")
async def messages(request: Request) -> Response:
    lang = i18n.pick_language(request.path_params["lang"])
    return JSONResponse(i18n.for_language(lang), headers={"Cache-Control": "max-age=300"})
