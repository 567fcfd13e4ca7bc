"""Jinja2 rendering with autoescaping, the message catalogue and the CSRF token."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from geoservice import __version__, i18n
from geoservice.settings import ROOT
from geoservice.web import locale_format
from geoservice.web.auth import csrf_token

TEMPLATES_DIR = ROOT / "web" / "templates"


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(["html", "xml", "svg"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["version"] = __version__
    env.filters["decimal"] = locale_format.decimal
    env.filters["day"] = locale_format.day
    return env


def language(request: Request) -> str:
    if "session" not in request.scope:  # an error rendered outside the session middleware
        return i18n.DEFAULT_LANGUAGE
    wanted = request.query_params.get("lang")
    if wanted in i18n.LANGUAGES:
        request.session["lang"] = wanted
        return wanted
    return i18n.pick_language(request.session.get("lang"))


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    env: Environment = request.app.state.templates
    lang = language(request)
    principal = getattr(request.state, "principal", None)

    def t(key: str, **values: Any) -> str:
        return i18n.translate(key, lang, **values)

    values: dict[str, Any] = {
        "request": request,
        "lang": lang,
        "t": t,
        "principal": principal,
        "csrf_token": csrf_token(request) if "session" in request.scope else "",
        "settings": request.app.state.settings,
    }
    values.update(context or {})
    page = env.get_template(template).render(**values)
    return HTMLResponse(page, status_code=status)
