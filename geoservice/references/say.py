"""Messages of the buyers' endpoints in the caller's language (Latvian first, English too).

A route sets the language once after authentication (``use``); storage and parsing code
deeper down calls ``say(key, …)`` without a principal at hand. The value is a context
variable, so it follows the request into the worker thread its database work runs in.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from geoservice.accounts.principal import Principal
from geoservice.i18n import DEFAULT_LANGUAGE, Bilingual, both, pick_language

_LANGUAGE: ContextVar[str] = ContextVar("buyers_language", default=DEFAULT_LANGUAGE)


def use(principal: Principal) -> Principal:
    """Answer this request in the principal's language; returns the principal."""
    _LANGUAGE.set(pick_language(principal.language))
    return principal


def language() -> str:
    return _LANGUAGE.get()


def say(message: str, /, **values: Any) -> Bilingual:
    """The message in this request's language, knowing the other (the error answers both)."""
    return both(f"buyers.{message}", _LANGUAGE.get(), **values)
