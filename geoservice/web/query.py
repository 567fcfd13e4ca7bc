"""Query-string parameters read with clear 400 answers that name the parameter."""

from __future__ import annotations

from collections.abc import Mapping

from geoservice.errors import BadRequest


def integer(single: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """``name`` as a whole number in ``low…high``; ``default`` when absent or empty."""
    raw = single.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw))
    except ValueError:
        raise BadRequest(f"{name}={raw!r} is not a whole number.", code="invalid_parameter",
                         details=[{"field": name}]) from None
    if not low <= value <= high:
        raise BadRequest(f"{name}={value} is out of range {low}…{high}.",
                         code="invalid_parameter", details=[{"field": name}])
    return value
