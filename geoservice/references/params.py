"""Query and form parameters of the reference endpoints, checked with messages that name them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from geoservice.errors import ValidationFailed
from geoservice.references.model import STATEMENT_STATUSES, ExportFilter, clean_ca_number

EXPORT_STATUSES = (*STATEMENT_STATUSES, "none")
MAX_CA_FILTER = 10_000


def _split(values: Sequence[str]) -> list[str]:
    """Repeated parameters and comma-separated lists, flattened; blanks dropped."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _day(name: str, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(f"{name}={value!r} is not a date; use YYYY-MM-DD.",
                               code="invalid_date", details=[{"field": name}]) from None


def export_filter(single: Mapping[str, str], multi: Mapping[str, list[str]]) -> ExportFilter:
    """Filters from ``ca``, ``from``, ``to`` and ``status`` (the latter repeatable or listed)."""
    ca_numbers: list[str] = []
    for raw in _split(multi.get("ca", [])):
        ca = clean_ca_number(raw)
        if ca is None:
            raise ValidationFailed(f"ca={raw!r} is not a CA number (3 to 40 letters, digits, "
                                   "'/' or '-').", code="invalid_ca_number",
                                   details=[{"field": "ca", "value": raw}])
        ca_numbers.append(ca)
    if len(ca_numbers) > MAX_CA_FILTER:
        raise ValidationFailed(f"At most {MAX_CA_FILTER} CA numbers in ca=; use POST "
                               "/api/v1/references/lookup for longer lists.",
                               code="too_many_ca_numbers")
    statuses = _split(multi.get("status", []))
    unknown = [s for s in statuses if s not in EXPORT_STATUSES]
    if unknown:
        raise ValidationFailed(f"status={unknown[0]!r} is not a statement status; choose from "
                               f"{', '.join(EXPORT_STATUSES)}.", code="invalid_status",
                               details=[{"field": "status", "value": unknown[0]}])
    day_from, day_to = _day("from", single.get("from")), _day("to", single.get("to"))
    if day_from and day_to and day_from > day_to:
        raise ValidationFailed(f"from={day_from} is after to={day_to}.", code="invalid_period")
    return ExportFilter(tuple(dict.fromkeys(ca_numbers)), day_from, day_to,
                        tuple(dict.fromkeys(statuses)))


def flag(single: Mapping[str, str], name: str) -> bool:
    return (single.get(name) or "").strip().lower() in ("1", "true", "yes", "on")
