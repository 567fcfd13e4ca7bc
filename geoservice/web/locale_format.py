"""Numbers and dates on server-rendered pages in the page's locale (lv-LV, en-GB), the same
forms the scripts get from ``Intl.NumberFormat`` and ``Intl.DateTimeFormat`` (Babel's CLDR)."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date
from babel.numbers import format_decimal

LOCALES = {"lv": "lv_LV", "en": "en_GB"}
DATE_PATTERNS = {"lv": "dd.MM.yyyy.", "en": "dd/MM/yyyy"}


def decimal(value: float | int | None, lang: str, digits: int | None = None) -> str:
    """``0,05`` / ``1 716,5`` in Latvian, ``0.05`` / ``1,716.5`` in English; ``—`` for None."""
    if value is None:
        return "—"
    pattern = None if digits is None else "#,##0." + "0" * digits if digits else "#,##0"
    return str(format_decimal(value, format=pattern, locale=LOCALES.get(lang, "lv_LV")))


def day(value: date | datetime | str | None, lang: str) -> str:
    """A calendar date: ``02.03.2026.`` in Latvian, ``02/03/2026`` in English."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    return str(format_date(value, DATE_PATTERNS.get(lang, DATE_PATTERNS["lv"]),
                           locale=LOCALES.get(lang, "lv_LV")))
