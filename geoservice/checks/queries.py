"""Read findings within the tenancy rule, shaped as the public finding JSON (api.md)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, text

from geoservice.accounts.principal import Principal
from geoservice.certificates import read
from geoservice.errors import NotFound
from geoservice.ids import canonical

STATUSES = ("open", "cleared", "confirmed")
_COLUMNS = """
f.id::text AS id, f.certificate_id::text AS certificate_id, f.area_id::text AS area_id, f.rule,
f.severity, f.layer_id, f.layer_version, f.overlap_ha, f.overlap_percent,
CASE WHEN f.geom IS NULL THEN NULL
     WHEN :srid = 3059 THEN ST_AsGeoJSON(f.geom, 2)
     ELSE ST_AsGeoJSON(ST_Transform(f.geom, 4326), 7) END AS geometry,
f.message_lv, f.message_en, f.status, f.details, f.reviewed_at, f.review_reason,
u.email AS reviewed_by, c.ca_number, f.run_id::text AS run_id, f.created_at,
o.name AS organisation_name
"""
_FROM = """
FROM findings f
JOIN certificates c ON c.id = f.certificate_id
JOIN organisations o ON o.id = c.organisation_id
LEFT JOIN users u ON u.id = f.reviewed_by
"""


def as_json(row: Any) -> dict[str, Any]:
    """The public finding shape, plus a few extra fields (extending is allowed)."""
    return {
        "id": row.id, "area_id": row.area_id, "rule": row.rule, "severity": row.severity,
        "layer": {"id": row.layer_id, "version": row.layer_version} if row.layer_id else None,
        "overlap_ha": float(row.overlap_ha) if row.overlap_ha is not None else None,
        "overlap_percent": float(row.overlap_percent)
        if row.overlap_percent is not None else None,
        "geometry": json.loads(row.geometry) if row.geometry else None,
        "message": {"lv": row.message_lv, "en": row.message_en},
        "status": row.status,
        "certificate_id": row.certificate_id, "ca_number": row.ca_number, "run_id": row.run_id,
        "review": {"by": row.reviewed_by, "at": row.reviewed_at.isoformat(),
                   "reason": row.review_reason} if row.reviewed_at else None,
        "details": row.details,
        "organisation_name": row.organisation_name,
        "created_at": row.created_at.isoformat() if row.created_at else None,
    }


def visible_certificate(conn: Connection, principal: Principal, certificate_id: str) -> None:
    """404 for a certificate that does not exist or belongs to another tenant."""
    read.visible_row(conn, principal, certificate_id)


def of_certificate(
    conn: Connection, principal: Principal, certificate_id: str, srid: int = 4326,
    run_id: str | None = None,
) -> list[dict[str, Any]]:
    """Current findings (not superseded) of a visible certificate, or those of one run."""
    visible_certificate(conn, principal, certificate_id)
    condition = "f.run_id = CAST(:run AS uuid)" if run_id else "f.status <> 'superseded'"
    rows = conn.execute(text(
        f"SELECT {_COLUMNS} {_FROM} WHERE f.certificate_id = CAST(:cert AS uuid) AND {condition} "
        "ORDER BY f.area_id NULLS FIRST, f.severity DESC, f.rule"),
        {"cert": certificate_id, "srid": srid, "run": run_id})
    return [as_json(r) for r in rows]


def by_status(
    conn: Connection, principal: Principal, status: str, *, limit: int = 100, offset: int = 0,
    srid: int = 4326,
) -> list[dict[str, Any]]:
    """The review queue (open) or the decisions taken, oldest first, within tenancy."""
    where, params = principal.org_filter("f.organisation_id")
    rows = conn.execute(text(
        f"SELECT {_COLUMNS} {_FROM} WHERE f.status = :status AND {where} "
        "ORDER BY f.created_at, f.id LIMIT :limit OFFSET :offset"),
        {"status": status, "limit": limit, "offset": offset, "srid": srid, **params})
    return [as_json(r) for r in rows]


def one(conn: Connection, principal: Principal, finding_id: str, *, lock: bool = False) -> Any:
    where, params = principal.org_filter("f.organisation_id")
    fid = canonical(finding_id)
    row = fid and conn.execute(text(
        f"SELECT {_COLUMNS}, f.organisation_id::text AS organisation_id {_FROM} "
        f"WHERE f.id = CAST(:id AS uuid) AND {where}" + (" FOR UPDATE OF f" if lock else "")),
        {"id": fid, "srid": 4326, **params}).first()
    if row is None:
        raise NotFound(f"Finding {finding_id} was not found.", code="finding_not_found")
    return row
