"""The audit log: who changed what, when. Written in the same transaction as the change."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, text

from geoservice.accounts.principal import Principal


def record(
    conn: Connection,
    actor: Principal | None,
    *,
    entity: str,
    entity_id: str,
    action: str,
    changes: dict[str, Any] | None = None,
    organisation_id: str | None = None,
    request_id: str | None = None,
) -> None:
    conn.execute(
        text(
            "INSERT INTO audit_log (organisation_id, actor_user_id, entity, entity_id, action, "
            "changes, request_id) VALUES (CAST(:org AS uuid), CAST(:actor AS uuid), :entity, "
            ":eid, :action, CAST(:changes AS jsonb), :rid)"
        ),
        {
            "org": organisation_id or (actor.organisation_id if actor else None),
            "actor": actor.user_id if actor else None,
            "entity": entity,
            "eid": entity_id,
            "action": action,
            "changes": json.dumps(changes or {}, default=str),
            "rid": request_id,
        },
    )


def history(conn: Connection, entity: str, entity_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        text(
            "SELECT a.at, a.action, a.changes, u.email AS actor FROM audit_log a "
            "LEFT JOIN users u ON u.id = a.actor_user_id "
            "WHERE a.entity = :e AND a.entity_id = :id ORDER BY a.at, a.id"
        ),
        {"e": entity, "id": entity_id},
    ).mappings()
    return [dict(r) for r in rows]
