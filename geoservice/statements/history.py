"""Statement history lines: a catalogue code with parameters, said in the reader's language.

A line is written as ``(status, code, params)`` (``store.event``); the English sentence is kept
in ``message`` too. The words come from ``history.statement.<code>`` in ``web/i18n/messages.toml``.
A parameter given in every language (``{"lv": …, "en": …}``) is said in the line's language;
``operation`` is a worker operation (``history.op.<operation>``) and ``simulated`` a flag. Lines
written before codes existed (no code) are shown as they were written.
"""

from __future__ import annotations

from typing import Any

from geoservice import i18n

PREFIX = "history.statement."


def _value(key: str, value: Any, lang: str) -> str:
    if isinstance(value, dict) and i18n.DEFAULT_LANGUAGE in value:
        return str(value.get(lang) or value[i18n.DEFAULT_LANGUAGE])
    if key == "operation":
        known = f"history.op.{value}" in i18n.catalogue()
        return i18n.translate(f"history.op.{value}", lang) if known else str(value)
    if key == "simulated":
        return i18n.translate("history.op.simulator", lang) if value else ""
    if isinstance(value, float):
        text = f"{value:g}"
        return text.replace(".", ",") if lang == "lv" else text
    return str(value)


def say(code: str, params: dict[str, Any], lang: str) -> str:
    """The line in ``lang``; a Latvian line starts with a capital letter."""
    values = {k: _value(k, v, lang) for k, v in params.items()}
    try:
        text = i18n.translate(PREFIX + code, lang, **values)
    except (KeyError, IndexError, ValueError):
        text = i18n.translate(PREFIX + code, lang)
    return text[:1].upper() + text[1:] if lang == "lv" else text


def messages(code: str | None, params: dict[str, Any] | None, legacy: str) -> dict[str, str]:
    """``{lv, en}`` of a stored line; a line without a (known) code keeps its own words."""
    if not code or PREFIX + code not in i18n.catalogue():
        return {lang: legacy for lang in i18n.LANGUAGES}
    return {lang: say(code, params or {}, lang) for lang in i18n.LANGUAGES}


def entry(row: dict[str, Any]) -> dict[str, Any]:
    """A ``statement_events`` row as the API shows it (``message`` is set per reader)."""
    both = messages(row.get("code"), row.get("params"), row.get("message") or "")
    return {"at": row["at"], "status": row["status"], "code": row.get("code"),
            "params": row.get("params") or {}, "messages": both, "message": both["en"]}


def for_reader(entries: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    picked = i18n.pick_language(lang)
    return [{**e, "message": e.get("messages", {}).get(picked, e.get("message", ""))}
            for e in entries]
