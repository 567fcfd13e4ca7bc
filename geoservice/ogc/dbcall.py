"""Database errors of the GIS interfaces: a value PostGIS rejects is the client's 400, not a 500.

Filters may carry geometry literals or values that only PostgreSQL can judge (an invalid
GeoJSON ring, a date out of range); those fail with SQLSTATE class 22 (data exception) or
PostGIS's XX000 and are answered as ``invalid_filter`` — the transaction is rolled back.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from geoservice.errors import BadRequest


def _client_fault(exc: DBAPIError) -> bool:
    state = str(getattr(exc.orig, "sqlstate", "") or "")
    return state.startswith("22") or state == "XX000"


def client_error(exc: DBAPIError) -> BadRequest | None:
    """The 400 for a value of the request that PostgreSQL rejected; None for other failures."""
    if not _client_fault(exc):
        return None
    detail = str(exc.orig).strip().splitlines()[0] if exc.orig else ""
    return BadRequest(f"The database could not use a value of this request: {detail[:200]}",
                      code="invalid_filter", log_detail=str(exc))
