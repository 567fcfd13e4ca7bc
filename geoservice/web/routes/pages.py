"""The map view at ``/`` (Kartes skats) and the language switch."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from geoservice import i18n
from geoservice.web import auth
from geoservice.web.negotiation import asks_for_json
from geoservice.web.routes.session import _safe_next
from geoservice.web.routing import RouteTable
from geoservice.web.templates import render

routes = RouteTable()


@routes.page("GET", "/")
async def home(request: Request) -> Response:
    """The main screen: the organisation's felling areas and the land-use layers on one map.

    Anonymous visitors go to the login page, whatever they accept (browsers, ``curl``, link
    checkers), unless they ask for JSON: those get the 401 error.
    """
    if await auth.authenticate(request) is None and not asks_for_json(request):
        return RedirectResponse("/login?next=/", status_code=303)
    principal = await auth.require(request)
    return render(request, "map.html", {"principal": principal})


@routes.page("GET", "/lang/{lang}")
async def switch_language(request: Request) -> Response:
    request.session["lang"] = i18n.pick_language(request.path_params["lang"])
    return RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
