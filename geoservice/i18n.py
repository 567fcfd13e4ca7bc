"""One message catalogue, Latvian first and English too (``web/i18n/messages.toml``).

Every key has both languages; ``tests/test_i18n.py`` checks that and that every key used in a
template or script exists.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from typing import Any

from geoservice.settings import ROOT

LANGUAGES = ("lv", "en")
DEFAULT_LANGUAGE = "lv"
CATALOGUE_PATH = ROOT / "web" / "i18n" / "messages.toml"


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """``{key: {"lv": …, "en": …}}``, flattened from the TOML tables (``a.b`` keys)."""
    with CATALOGUE_PATH.open("rb") as fh:
        raw = tomllib.load(fh)
    flat: dict[str, dict[str, str]] = {}

    def walk(prefix: str, node: dict[str, Any]) -> None:
        if "lv" in node and isinstance(node["lv"], str):
            flat[prefix] = {lang: node.get(lang, "") for lang in LANGUAGES}
            return
        for key, value in node.items():
            if isinstance(value, dict):
                walk(f"{prefix}.{key}" if prefix else key, value)

    walk("", raw)
    return flat


def translate(key: str, lang: str, **values: Any) -> str:
    """The message in ``lang``; a missing key shows the key itself so it is noticed, not hidden."""
    entry = catalogue().get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return text.format(**values) if values else text


class Bilingual(str):
    """A message in one language (the string itself) that carries every language beside it.

    Code that raises an error in the caller's language (``both``, ``references.say``) hands it
    over as the message; the error handler answers ``messages`` {lv, en} from it and picks the
    ``message`` for the request (``geoservice.web.error_text``)."""

    messages: dict[str, str]

    def __new__(cls, messages: dict[str, str], lang: str = DEFAULT_LANGUAGE) -> Bilingual:
        text = messages.get(lang) or messages[DEFAULT_LANGUAGE]
        made = super().__new__(cls, text)
        made.messages = {code: messages.get(code) or text for code in LANGUAGES}
        return made


def both(key: str, lang: str = DEFAULT_LANGUAGE, **values: Any) -> Bilingual:
    """``translate`` in every language: the message in ``lang`` that knows the others."""
    return Bilingual({code: translate(key, code, **values) for code in LANGUAGES},
                     pick_language(lang))


def for_language(lang: str) -> dict[str, str]:
    """All messages of one language, for the browser's scripts."""
    return {key: entry.get(lang) or entry[DEFAULT_LANGUAGE] for key, entry in catalogue().items()}


def pick_language(value: str | None) -> str:
    return value if value in LANGUAGES else DEFAULT_LANGUAGE
