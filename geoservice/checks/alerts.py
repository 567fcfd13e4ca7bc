"""Re-check runs and their alerts, read and acknowledged within the tenancy rule.

A run's list of changed verdicts names certificates of every tenant; a reader sees only the
entries of the organisations they may see (``Principal.org_filter``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from geoservice.accounts import audit
from geoservice.accounts.principal import Principal
from geoservice.errors import NotFound, ValidationFailed
from geoservice.ids import canonical

STATUSES = ("open", "acknowledged")


def rechecks(conn: Connection, principal: Principal, limit: int = 50) -> list[dict[str, Any]]:
    rows = conn.execute(text(
        "SELECT r.id::text AS id, r.layer_id, l.title, r.from_version, r.to_version, r.added, "
        "r.removed, r.affected, r.rechecked, r.changed, r.alerts, r.seconds, r.at, "
        "r.finished_at FROM layer_rechecks r JOIN layers l ON l.id = r.layer_id "
        "ORDER BY r.at DESC LIMIT :n"), {"n": limit}).mappings().all()
    mine = None if principal.sees_all_organisations else principal.organisation_id
    out = []
    for r in rows:
        changed = [c for c in r["changed"] if mine is None or c.get("organisation_id") == mine]
        out.append({**{k: r[k] for k in ("id", "layer_id", "title", "from_version", "to_version",
                                         "added", "removed", "affected", "rechecked",
                                         "seconds")},
                    "at": r["at"].isoformat(),
                    "finished_at": r["finished_at"].isoformat() if r["finished_at"] else None,
                    "changed": [{k: c.get(k) for k in ("certificate_id", "ca_number", "before",
                                                       "after")} for c in changed]})
    return out


_ALERT = """
SELECT a.id::text AS id, a.certificate_id::text AS certificate_id, c.ca_number,
       o.name AS organisation, a.previous_verdict, a.new_verdict, a.rules, a.status,
       r.layer_id, r.to_version, a.created_at, a.reviewed_at, a.review_reason,
       u.email AS reviewed_by
FROM recheck_alerts a
JOIN certificates c ON c.id = a.certificate_id
JOIN organisations o ON o.id = a.organisation_id
JOIN layer_rechecks r ON r.id = a.recheck_id
LEFT JOIN users u ON u.id = a.reviewed_by
"""


def _json(r: Any) -> dict[str, Any]:
    return {
        "id": r.id, "certificate_id": r.certificate_id, "ca_number": r.ca_number,
        "organisation": r.organisation, "previous_verdict": r.previous_verdict,
        "new_verdict": r.new_verdict, "rules": r.rules, "status": r.status,
        "layer": {"id": r.layer_id, "version": r.to_version},
        "created_at": r.created_at.isoformat(),
        "review": {"by": r.reviewed_by, "at": r.reviewed_at.isoformat(),
                   "reason": r.review_reason} if r.reviewed_at else None,
        "message": {
            "lv": f"Iesniegtam apliecinājumam {r.ca_number} jaunā slāņa versija "
                  f"({r.layer_id} v{r.to_version}) dotu sliktāku slēdzienu: "
                  f"{r.previous_verdict} → {r.new_verdict}. Deklarācija netiek mainīta.",
            "en": f"Submitted certificate {r.ca_number} would get a worse verdict under the "
                  f"new layer version ({r.layer_id} v{r.to_version}): {r.previous_verdict} → "
                  f"{r.new_verdict}. The statement is not changed."},
    }


def list_alerts(conn: Connection, principal: Principal, status: str) -> list[dict[str, Any]]:
    if status not in STATUSES:
        raise ValidationFailed(f"status must be one of {', '.join(STATUSES)}, not {status!r}.",
                               code="invalid_status")
    where, params = principal.org_filter("a.organisation_id")
    rows = conn.execute(text(f"{_ALERT} WHERE a.status = :s AND {where} "
                             "ORDER BY a.created_at, a.id"), {"s": status, **params})
    return [_json(r) for r in rows]


def acknowledge(conn: Connection, principal: Principal, alert_id: str, reason: str,
                request_id: str | None) -> dict[str, Any]:
    where, params = principal.org_filter("a.organisation_id")
    aid = canonical(alert_id)
    row = aid and conn.execute(text(
        f"SELECT a.id, a.organisation_id::text AS org FROM recheck_alerts a "
        f"WHERE a.id = CAST(:id AS uuid) AND {where} FOR UPDATE"), {"id": aid, **params}).first()
    if not row:
        raise NotFound(f"Alert {alert_id} was not found.", code="alert_not_found")
    conn.execute(text("UPDATE recheck_alerts SET status = 'acknowledged', reviewed_by = "
                      "CAST(:u AS uuid), reviewed_at = now(), review_reason = :r "
                      "WHERE id = CAST(:id AS uuid)"),
                 {"u": principal.user_id, "r": reason, "id": aid})
    audit.record(conn, principal, organisation_id=row.org, entity="recheck_alert",
                 entity_id=str(aid), action="acknowledge", changes={"reason": reason},
                 request_id=request_id)
    found = conn.execute(text(f"{_ALERT} WHERE a.id = CAST(:id AS uuid)"), {"id": aid}).one()
    return _json(found)
