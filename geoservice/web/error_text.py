"""Every error answered in the caller's language, with both languages beside it.

The language is ``?lang=``, else the session's (the user's choice in the browser), else the
user's setting, else ``Accept-Language``, else Latvian. An error raised with its message in
every language (an ``i18n.Bilingual``: ``i18n.both``, ``references.say``) answers those words,
specifics included. Otherwise the text comes from the catalogue by the error's stable code
(``apierror.<code>``), filled from its details, and the English message is the one the code
raised (written for a person, with its specifics), a leading field path put in words. Pydantic's
validation errors are translated one by one with field names a person knows.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from geoservice import i18n
from geoservice.errors import STATUS_CODES, GeoserviceError
from geoservice.web.field_names import label, pydantic_message


def accept_language(header: str | None) -> str | None:
    """The first of our languages in an ``Accept-Language`` header, by quality."""
    ranked: list[tuple[float, int, str]] = []
    for i, item in enumerate((header or "").split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().split("-")[0].lower()
        if primary in i18n.LANGUAGES and quality > 0:
            ranked.append((-quality, i, primary))
    return min(ranked)[2] if ranked else None


def request_language(request: Request) -> str:
    """The caller's language: ``?lang=``, else the session's (the browser's choice), else the
    user's setting, else ``Accept-Language``, else Latvian. Every error message, and whatever
    else answers in the caller's words, goes by this one rule."""
    wanted = request.query_params.get("lang")
    if wanted in i18n.LANGUAGES:
        return str(wanted)
    if "session" in request.scope:
        chosen = request.session.get("lang")
        if chosen in i18n.LANGUAGES:
            return str(chosen)
    principal = getattr(request.state, "principal", None)
    language = getattr(principal, "language", None)
    if language in i18n.LANGUAGES:
        return str(language)
    return accept_language(request.headers.get("accept-language")) or i18n.DEFAULT_LANGUAGE


def _params(details: list[dict[str, Any]]) -> dict[str, str]:
    """Placeholders from the details: each key's values, joined when several details have it."""
    values: dict[str, list[str]] = {}
    for detail in details:
        for key, value in detail.items():
            if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                text = f"{value:g}" if isinstance(value, float) else str(value)
                if text not in values.setdefault(key, []):
                    values[key].append(text)
    return {key: ", ".join(v) for key, v in values.items()}


def _fallback_key(error: GeoserviceError) -> str:
    cls = STATUS_CODES.get(error.status)
    return f"apierror.{cls.code}" if cls is not None else "apierror.internal_error"


def _english(error: GeoserviceError, field: str) -> str:
    """The message as raised (English, with its specifics), a leading field path in words."""
    if field and error.message.startswith(f"{field}: "):
        return f"{label(field, 'en')}: {error.message[len(field) + 2:]}"
    return error.message


def _message(error: GeoserviceError, lang: str, request_id: str) -> str:
    params = _params(error.details)
    field = params.get("field", "").split(", ")[0]
    if lang == "en":
        return _english(error, field)
    values = {**params, "label": label(field, lang), "request_id": request_id}
    for key in (f"apierror.{error.code}", _fallback_key(error)):
        if key in i18n.catalogue():
            try:
                return i18n.translate(key, lang, **values)
            except (KeyError, IndexError, ValueError):
                continue
    return i18n.translate("apierror.internal_error", lang, request_id=request_id)


def _validation(errors: list[dict[str, Any]]) -> tuple[dict[str, str], list[dict[str, Any]]]:
    details: list[dict[str, Any]] = []
    for err in errors:
        messages = {lang: pydantic_message(err, lang) for lang in i18n.LANGUAGES}
        details.append({"field": ".".join(str(p) for p in err.get("loc") or ()),
                        "type": err.get("type"), "messages": messages})
    first = details[0]["messages"]
    more = len(details) - 1
    top = {lang: i18n.translate("invalid.more", lang, message=first[lang], n=more) if more
           else first[lang] for lang in i18n.LANGUAGES}
    return top, details


def error_body(error: GeoserviceError, lang: str, request_id: str = "") -> dict[str, Any]:
    """The one JSON error shape: code, message (in ``lang``), messages {lv, en}, details."""
    validation: list[dict[str, Any]] | None = getattr(error, "validation_errors", None)
    if validation:
        messages, details = _validation(validation)
        for detail in details:
            detail["message"] = detail["messages"][lang]
    elif error.messages and error.message in error.messages.values():
        # raised in words of the catalogue, in every language (i18n.both, references.say)
        messages = {code: error.messages.get(code) or error.message for code in i18n.LANGUAGES}
        details = error.details
    else:
        messages = {code: _message(error, code, request_id) for code in i18n.LANGUAGES}
        details = error.details
    return {"error": {"code": error.code, "message": messages[lang], "messages": messages,
                      "details": details}}
