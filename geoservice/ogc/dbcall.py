"""Database calls of the GIS interfaces: a value PostGIS rejects is the client's 400, not a 500.

Filters may carry geometry literals or values that only PostgreSQL can judge (an invalid
GeoJSON ring, a date out of range); those fail with SQLSTATE class 22 (data exception) or
PostGIS's XX000 and are answered as ``invalid_filter`` — the transaction is rolled back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from starlette.requests import Request

from geoservice.errors import BadRequest
from geoservice.web.context import db

P = ParamSpec("P")
T = TypeVar("T")


def _client_fault(exc: DBAPIError) -> bool:
    state = str(getattr(exc.orig, "sqlstate", "") or "")
    return state.startswith("22") or state == "XX000"


async def read(request: Request, fn: Callable[Concatenate[Connection, P], T],
               *args: P.args, **kwargs: P.kwargs) -> T:
    try:
        return await db(request, fn, *args, **kwargs)
    except DBAPIError as exc:
        if not _client_fault(exc):
            raise
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig else ""
        raise BadRequest(f"The database could not use a value of this request: {detail[:200]}",
                         code="invalid_filter", log_detail=str(exc)) from None


