"""SQL of the reference look-ups: set-based, within the tenancy rule plus buyer sharing.

Functions take a connection and never commit. A certificate's pair is visible to its own
organisation, to the service operator's officers, and to organisations named as buyers on the
statement (``statement_buyers.buyer_reg_no``); everyone else learns at most that the CA number
exists ("not yours"), never anything about it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import Connection, text

from geoservice.accounts.principal import Principal
from geoservice.references.model import (
    FOUND,
    NOT_SUBMITTED,
    NOT_YOURS,
    UNKNOWN,
    ExportFilter,
    Resolution,
)


@cache
def _sql(name: str) -> str:
    return resources.files("geoservice.references").joinpath("sql", name).read_text("utf-8")


def _tenancy(principal: Principal, name: str) -> tuple[str, dict[str, Any]]:
    """The named query with the tenancy conditions filled in, and their parameters."""
    own_cert, params = principal.org_filter("c.organisation_id")
    own_stmt, more = principal.org_filter("s.organisation_id")
    params = {**params, **more, "me": principal.organisation_id}
    return _sql(name).format(own_cert=own_cert, own_stmt=own_stmt), params


def resolve(conn: Connection, principal: Principal, ca_numbers: Sequence[str]
            ) -> dict[str, Resolution]:
    """The answer for every CA number of ``ca_numbers`` (distinct), in one query."""
    if not ca_numbers:
        return {}
    sql, params = _tenancy(principal, "resolve.sql")
    rows = conn.execute(text(sql), {**params, "cas": list(ca_numbers)})
    answers: dict[str, Resolution] = {}
    for ca, own, status, ref, ver, internal, at in rows:
        if status is None:
            answers[ca] = Resolution(ca, NOT_SUBMITTED if own else NOT_YOURS)
            continue
        found = status == "available" and ref is not None
        answers[ca] = Resolution(
            ca, FOUND if found else NOT_SUBMITTED,
            reference_number=ref if found else None,
            verification_number=ver if found else None,
            internal_reference=internal, statement_status=status, date=at,
        )
    for ca in ca_numbers:
        if ca not in answers:
            answers[ca] = Resolution(ca, UNKNOWN)
    return answers


def export_rows(conn: Connection, principal: Principal, flt: ExportFilter, *,
                limit: int | None = None, offset: int = 0, batch: int = 5000
                ) -> Iterator[tuple[Any, ...]]:
    """Rows of references.csv (``EXPORT_COLUMNS`` order), streamed from a server-side cursor."""
    sql, params = _tenancy(principal, "export.sql")
    params.update({
        "cas": list(flt.ca_numbers) or None, "statuses": list(flt.statuses) or None,
        "day_from": flt.date_from, "day_to": flt.date_to, "limit": limit, "offset": offset,
    })
    result = conn.execution_options(stream_results=True, yield_per=batch).execute(
        text(sql), params)
    for row in result:
        yield tuple(row)

