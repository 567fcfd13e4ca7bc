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



def certificate_pairs(conn: Connection, principal: Principal, certificate_id: str
                      ) -> list[tuple[str, str, str]]:
    """(internal reference, reference, verification) of the certificate's available statements
    the principal's organisation owns (the evidence report's QR codes)."""
    where, params = principal.org_filter("s.organisation_id")
    rows = conn.execute(text(
        "SELECT s.internal_reference, s.reference_number, s.verification_number "
        "FROM statements s JOIN statement_certificates sc ON sc.statement_id = s.id "
        f"WHERE sc.certificate_id = CAST(:cid AS uuid) AND s.status = 'available' "
        f"AND s.reference_number IS NOT NULL AND {where} ORDER BY s.available_at DESC"),
        {"cid": certificate_id, **params})
    return [(str(a), str(b), str(c)) for a, b, c in rows]


def statement_pair(conn: Connection, principal: Principal, statement_id: str
                   ) -> tuple[str | None, str | None]:
    """The pair of an available statement the principal may see, else (None, None)."""
    where, params = principal.org_filter("organisation_id")
    row = conn.execute(text(
        "SELECT reference_number, verification_number FROM statements "
        f"WHERE id = CAST(:id AS uuid) AND status = 'available' AND {where}"),
        {"id": statement_id, **params}).first()
    return (row[0], row[1]) if row else (None, None)
