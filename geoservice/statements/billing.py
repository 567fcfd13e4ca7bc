"""Billing: 1 EUR per felling area, charged once when its statement first becomes AVAILABLE.

``charges.area_id`` is unique, so amendments, resubmissions and racing workers never charge an
area twice. The monthly statement lists an organisation's charges of one calendar month.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from geoservice.accounts.principal import Principal
from geoservice.errors import ValidationFailed

PRICE_PER_AREA_EUR = "1.00"
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
CSV_COLUMNS = ("charged_at", "organisation", "reg_no", "ca_number", "cirsma",
               "cadastral_designation", "internal_reference", "reference_number", "amount_eur")


def charge(conn: Connection, statement_id: str) -> int:
    """Charge every not yet charged felling area of the statement; returns how many."""
    return int(conn.execute(text(
        "INSERT INTO charges (organisation_id, area_id, statement_id, amount_eur) "
        "SELECT a.organisation_id, a.id, CAST(:s AS uuid), CAST(:price AS numeric) "
        "FROM statement_certificates sc "
        "JOIN felling_areas a ON a.certificate_id = sc.certificate_id "
        "WHERE sc.statement_id = CAST(:s AS uuid) ON CONFLICT (area_id) DO NOTHING"),
        {"s": statement_id, "price": PRICE_PER_AREA_EUR}).rowcount)


def month_range(month: str | None, today: date | None = None) -> tuple[str, date, date]:
    """``YYYY-MM`` (default: this month) as a half-open date range."""
    if month is None:
        month = (today or date.today()).strftime("%Y-%m")
    match = _MONTH.match(month)
    if not match:
        raise ValidationFailed(f"month must look like 2026-11, not {month!r}.",
                               code="invalid_month", details=[{"field": "month"}])
    year, mon = int(match[1]), int(match[2])
    start = date(year, mon, 1)
    end = date(year + (mon == 12), mon % 12 + 1, 1)
    return month, start, end


def charges(conn: Connection, principal: Principal, start: date, end: date,
            organisation_id: str | None = None) -> list[dict[str, Any]]:
    where, params = principal.org_filter("ch.organisation_id")
    rows = conn.execute(text(
        "SELECT ch.charged_at, o.id::text AS organisation_id, o.name AS organisation, o.reg_no, "
        "c.ca_number, a.cirsma, a.cadastral_designation, s.id::text AS statement_id, "
        "s.internal_reference, s.reference_number, ch.amount_eur::float AS amount_eur, "
        "a.id::text AS area_id FROM charges ch "
        "JOIN organisations o ON o.id = ch.organisation_id "
        "JOIN felling_areas a ON a.id = ch.area_id JOIN certificates c ON c.id = a.certificate_id "
        "JOIN statements s ON s.id = ch.statement_id "
        f"WHERE {where} AND ch.charged_at >= :start AND ch.charged_at < :end "
        "AND (CAST(:org AS text) IS NULL OR ch.organisation_id::text = :org) "
        "ORDER BY o.name, ch.charged_at, c.ca_number, a.cirsma"),
        {**params, "start": start, "end": end, "org": organisation_id}).mappings()
    return [dict(r) for r in rows]


def to_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([row["charged_at"].isoformat() if c == "charged_at" else
                         f"{row[c]:.2f}" if c == "amount_eur" else
                         "" if row[c] is None else row[c] for c in CSV_COLUMNS])
    return out.getvalue()
