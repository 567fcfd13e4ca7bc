"""The buyers a statement's owner shares its reference pair with (``statement_buyers``)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import Connection, text

from geoservice.accounts import audit
from geoservice.accounts.principal import Principal
from geoservice.errors import NotFound, ValidationFailed
from geoservice.ids import canonical

MAX_BUYERS = 200
_REG_NO = re.compile(r"^[0-9A-Za-z-]{3,40}$")


def clean_reg_nos(values: Sequence[str]) -> list[str]:
    """Registration numbers trimmed, checked and de-duplicated, in the order given."""
    cleaned: list[str] = []
    bad: list[dict[str, object]] = []
    for index, value in enumerate(values):
        reg_no = value.strip()
        if not _REG_NO.match(reg_no):
            bad.append({"field": f"buyers.{index}", "value": value,
                        "message": "3 to 40 letters, digits or hyphens"})
        elif reg_no not in cleaned:
            cleaned.append(reg_no)
    if bad:
        raise ValidationFailed(
            f"Buyer registration number {bad[0]['value']!r} is not valid: use 3 to 40 letters, "
            "digits or hyphens, e.g. 40003012345.", code="invalid_buyer", details=bad)
    if len(cleaned) > MAX_BUYERS:
        raise ValidationFailed(f"At most {MAX_BUYERS} buyers per statement; got {len(cleaned)}.",
                               code="too_many_buyers")
    return cleaned


def _statement_org(conn: Connection, principal: Principal, statement_id: str) -> str:
    where, params = principal.org_filter("s.organisation_id")
    sid = canonical(statement_id)
    org = sid and conn.execute(
        text(f"SELECT s.organisation_id FROM statements s "
             f"WHERE s.id = CAST(:id AS uuid) AND {where} FOR UPDATE"),
        {"id": sid, **params},
    ).scalar()
    if not org:
        # The same answer whether it does not exist or belongs to someone else.
        raise NotFound(f"Statement {statement_id} was not found.", code="statement_not_found")
    return str(org)


def _listed(conn: Connection, statement_id: str) -> list[str]:
    rows = conn.execute(
        text("SELECT buyer_reg_no FROM statement_buyers WHERE statement_id = CAST(:id AS uuid) "
             "ORDER BY buyer_reg_no"), {"id": statement_id})
    return [str(r[0]) for r in rows]


def buyers_of(conn: Connection, principal: Principal, statement_id: str) -> list[str]:
    """The buyers of a statement the principal's organisation owns (404 otherwise)."""
    _statement_org(conn, principal, statement_id)
    return _listed(conn, statement_id)


def replace_buyers(conn: Connection, principal: Principal, statement_id: str,
                   reg_nos: Sequence[str]) -> list[str]:
    """Set the statement's buyers to exactly ``reg_nos``; audited; returns the new list."""
    wanted = clean_reg_nos(reg_nos)
    org = _statement_org(conn, principal, statement_id)
    before = _listed(conn, statement_id)
    conn.execute(text("DELETE FROM statement_buyers WHERE statement_id = CAST(:id AS uuid)"),
                 {"id": statement_id})
    if wanted:
        conn.execute(
            text("INSERT INTO statement_buyers (statement_id, buyer_reg_no) "
                 "VALUES (CAST(:id AS uuid), :reg)"),
            [{"id": statement_id, "reg": reg} for reg in wanted],
        )
    after = _listed(conn, statement_id)
    if after != before:
        audit.record(conn, principal, entity="statement", entity_id=statement_id,
                     action="buyers", organisation_id=org,
                     changes={"buyers": [before, after]})
    return after
