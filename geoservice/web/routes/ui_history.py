"""The audit history of a certificate and of a statement as screens: who did what, when."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response

from geoservice import i18n
from geoservice.accounts import audit
from geoservice.accounts.principal import Principal
from geoservice.certificates import plausibility
from geoservice.web import auth
from geoservice.web.context import db
from geoservice.web.field_names import label
from geoservice.web.routes.ui_certificates import load_certificate
from geoservice.web.routes.ui_statements import find_statement
from geoservice.web.routing import RouteTable
from geoservice.web.templates import language, render

routes = RouteTable()


# Changed fields whose values are codes, and the catalogue section that names them.
CODED = {"source": "source", "status": "status", "verdict": "verdict",
         "felling_type": "felling", "execution_method": "method"}


def _value(value: Any, key: str = "", lang: str = "lv") -> str:
    if value is None or value == "":
        return "—"
    section = CODED.get(key)
    if section and isinstance(value, str) and f"{section}.{value}" in i18n.catalogue():
        return i18n.translate(f"{section}.{value}", lang)
    if isinstance(value, float):
        shown = f"{value:g}"
        return shown.replace(".", ",") if lang == "lv" else shown
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str, separators=(", ", ": "))
    return str(value)


def _confirmed_lines(items: Any, lang: str) -> list[str]:
    """Plausibility warnings confirmed with a reason, each as a sentence."""
    lines = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        said = plausibility.messages(str(item.get("code")), dict(item.get("params") or {}))
        lines.append(i18n.translate("history.change.warning_confirmed", lang,
                                    message=said[lang], reason=item.get("reason", "")))
    return lines


def changes_in_words(changes: Any, lang: str, prefix: str = "") -> list[str]:
    """``{"place": ["A", "B"]}`` → ``["Vieta: A → B"]``; a felling area's changes
    (``"cirsma 1": {…}``) one line each under its name; other shapes as ``name: value``."""
    if not isinstance(changes, dict):
        return [_value(changes)] if changes else []
    lines = []
    for key, value in changes.items():
        area = re.match(r"^cirsma (\d+)$", str(key))
        if area and isinstance(value, dict):
            head = i18n.translate("cert.area_n", lang, n=int(area.group(1)))
            lines.extend(changes_in_words(value, lang, f"{prefix}{head} · "))
            continue
        if key == "areas" and isinstance(value, list) and all(
                isinstance(a, dict) and "cirsma" in a for a in value):
            for item in value:
                head = i18n.translate("cert.area_n", lang, n=item["cirsma"])
                rest = {k: v for k, v in item.items() if k != "cirsma"}
                lines.extend(changes_in_words(rest, lang, f"{prefix}{head} · "))
            continue
        if key in ("volumes", "products") and isinstance(value, dict):
            def said(code: str, key: str = str(key)) -> str:
                species = f"species.{code}"
                if key == "volumes" and species in i18n.catalogue():
                    return i18n.translate(species, lang)
                return code
            amounts = ", ".join(f"{said(str(c))} {_value(m3, '', lang)} m³"
                                for c, m3 in value.items())
            lines.append(f"{prefix}{label(str(key), lang)}: {amounts or '—'}")
            continue
        if key == "warnings_confirmed":
            lines.extend(prefix + line for line in _confirmed_lines(value, lang))
            continue
        if key == "repaired":
            if value is True:
                lines.append(prefix + i18n.translate("history.change.repaired", lang))
            continue
        if key == "geometry" and isinstance(value, dict):
            head = label("geometry", lang)
            lines.extend(changes_in_words(value, lang, f"{prefix}{head} · "))
            continue
        name = label(str(key), lang)
        def word(v: Any, key: str = str(key)) -> str:
            return _value(v, key, lang)

        if isinstance(value, list) and len(value) == 2 and not isinstance(value[0], (dict, list)):
            lines.append(f"{prefix}{name}: {word(value[0])} → {word(value[1])}")
        elif isinstance(value, dict) and set(value) == {"before", "after"}:
            lines.append(f"{prefix}{name}: {word(value['before'])} → {word(value['after'])}")
        else:
            lines.append(f"{prefix}{name}: {word(value)}")
    return lines


def entry_messages(row: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """An audit entry in every language: the action and its change lines (for the API)."""
    out: dict[str, dict[str, Any]] = {}
    for lang in i18n.LANGUAGES:
        key = f"audit.{row['action']}"
        action = i18n.translate(key, lang) if key in i18n.catalogue() else str(row["action"])
        out[lang] = {"action": action, "lines": changes_in_words(row.get("changes"), lang)}
    return out


def _entries(conn: Connection, entity: str, entity_id: str, lang: str) -> list[dict[str, Any]]:
    return [{**row, "lines": changes_in_words(row["changes"], lang)}
            for row in audit.history(conn, entity, entity_id)]


def certificate_history(conn: Connection, principal: Principal, cert_id: str,
                        lang: str) -> dict[str, Any]:
    cert = load_certificate(conn, principal, cert_id)  # another tenant's id: 404 like a missing
    return {"kind": "certificate", "title": cert["ca_number"],
            "back": f"/certificates/{cert['id']}",
            "entries": _entries(conn, "certificate", cert["id"], lang)}


def statement_history(conn: Connection, principal: Principal, statement_id: str,
                      lang: str) -> dict[str, Any]:
    st = find_statement(conn, principal, statement_id)
    return {"kind": "statement", "title": st["internal_reference"],
            "back": f"/statements/{st['id']}",
            "entries": _entries(conn, "statement", st["id"], lang)}


@routes.page("GET", "/certificates/{id}/history")
async def certificate_history_page(request: Request) -> Response:
    principal = await auth.require(request)
    data = await db(request, certificate_history, principal, request.path_params["id"],
                    language(request))
    return render(request, "history.html", data)


@routes.page("GET", "/statements/{id}/history")
async def statement_history_page(request: Request) -> Response:
    principal = await auth.require(request)
    data = await db(request, statement_history, principal, request.path_params["id"],
                    language(request))
    return render(request, "history.html", data)
