"""What TRACES says about a statement, kept as it was seen: messages and reported statuses.

The worker records both from every getDds overview it polls; a unique key makes a message seen
on several polls one row. The statement shows them, and the list counts the messages.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from geoservice.traces.model import DdsOverview

_INSERT = text(
    "INSERT INTO statement_communications (statement_id, attempt, traces_uuid, kind, traces_at, "
    "status, content) SELECT CAST(:s AS uuid), s.attempt, :u, :kind, :at, :status, :content "
    "FROM statements s WHERE s.id = CAST(:s AS uuid) ON CONFLICT DO NOTHING RETURNING id")


def record(conn: Connection, statement_id: str, found: DdsOverview) -> list[str]:
    """Store the overview's status and message; returns the kinds that were new."""
    new: list[str] = []
    base = {"s": statement_id, "u": found.uuid, "status": found.status.upper()}
    if conn.execute(_INSERT, {**base, "kind": "status", "at": found.date,
                              "content": found.rejection_reason or ""}).first():
        new.append("status")
    message = found.communication
    if message is not None and message.content.strip() and conn.execute(_INSERT, {
            **base, "kind": "communication", "at": message.date,
            "content": message.content[:20_000]}).first():
        new.append("communication")
    return new


def listing(conn: Connection, statement_id: str) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(text(
        "SELECT kind, attempt, traces_uuid, traces_at, status, content, received_at "
        "FROM statement_communications WHERE statement_id = CAST(:s AS uuid) ORDER BY id"),
        {"s": statement_id}).mappings()]


COUNT_SQL = ("(SELECT count(*) FROM statement_communications m WHERE m.statement_id = s.id "
             "AND m.kind = 'communication')")
