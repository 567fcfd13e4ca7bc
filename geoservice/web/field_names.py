"""Field paths of the API (``areas.0.volumes.1.m3``, ``areas[0].geometry``) in words a person
knows (``1. cirsma, 1. suga — apjoms, m³``), and pydantic's validation errors translated."""

from __future__ import annotations

import re
from typing import Any

from geoservice import i18n
from geoservice.certificates.schemas import CA_PATTERN, CADASTRE_PATTERN, HS_PATTERN

_PART = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+")
_PATTERNS = {CADASTRE_PATTERN: "pattern.cadastre", r"^\d{11}$": "pattern.cadastre",
             CA_PATTERN: "pattern.ca_number", HS_PATTERN: "pattern.hs_code"}
_TYPES = {
    "int_parsing": "integer", "int_type": "integer", "int_from_float": "integer",
    "float_parsing": "number", "float_type": "number", "finite_number": "number",
    "decimal_parsing": "number", "decimal_type": "number",
    "date_parsing": "date", "date_type": "date", "date_from_datetime_parsing": "date",
    "date_from_datetime_inexact": "date", "datetime_parsing": "date", "datetime_type": "date",
    "literal_error": "choice", "enum": "choice", "string_type": "text",
    "bool_parsing": "boolean", "bool_type": "boolean", "list_type": "list",
    "dict_type": "object", "model_type": "object", "model_attributes_type": "object",
    "uuid_parsing": "uuid", "uuid_type": "uuid",
}
_DIRECT = ("missing", "extra_forbidden", "greater_than_equal", "greater_than", "less_than_equal",
           "less_than", "string_pattern_mismatch", "string_too_short", "string_too_long",
           "too_short", "too_long")


def _known(key: str) -> bool:
    return key in i18n.catalogue()


def label(path: str | list[Any] | tuple[Any, ...], lang: str) -> str:
    """``areas.0.volumes.1.m3`` → ``1. cirsma, 1. suga — apjoms, m³`` (``lang`` words)."""
    parts = _PART.findall(path) if isinstance(path, str) else [str(p) for p in path]
    words: list[str] = []
    name = ""
    for part in parts:
        if part.isdigit():
            key = f"fielditem.{name}" if _known(f"fielditem.{name}") else "fielditem.other"
            if words and name:
                words.pop()  # "Cirsmas" gives way to "1. cirsma"
            words.append(i18n.translate(key, lang, n=int(part) + 1))
        else:
            name = part
            key = f"fieldname.{part}"
            words.append(i18n.translate(key, lang) if _known(key) else part)
    if not words:
        return i18n.translate("fieldname.body", lang)
    head, last = words[:-1], words[-1]
    text = f"{', '.join(head)} — {last}" if head else last
    return text[0].upper() + text[1:]


def _number(value: Any, lang: str) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = f"{value:,}".replace(",", "\u00a0" if lang == "lv" else ",")
        return text.replace(".", ",") if lang == "lv" else text
    return str(value)


def pydantic_message(error: dict[str, Any], lang: str) -> str:
    """One of pydantic's errors (``errors(include_context=True)``) as a sentence in ``lang``."""
    kind = str(error.get("type", ""))
    ctx = dict(error.get("ctx") or {})
    where = label(list(error.get("loc") or ()), lang)
    values = {k: _number(v, lang) for k, v in ctx.items()}
    if kind == "string_pattern_mismatch" and str(ctx.get("pattern")) in _PATTERNS:
        return i18n.translate(_PATTERNS[str(ctx["pattern"])], lang, label=where)
    key = f"invalid.{kind}" if kind in _DIRECT else f"invalid.{_TYPES.get(kind, 'other')}"
    try:
        return i18n.translate(key, lang, label=where, **values)
    except (KeyError, IndexError):
        return i18n.translate("invalid.other", lang, label=where)
