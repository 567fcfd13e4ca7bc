"""The notification outbox: rows written with the change they tell of, sent by the worker.

``enqueue`` runs inside the transaction that changes the statement or finding, so a crash
never loses a notification; ``(event_key, channel, target)`` is unique, so an event seen twice
(a racing worker, a repeated poll) never doubles one. ``claim`` leases due rows with
FOR UPDATE SKIP LOCKED, as the TRACES outbox does.

A delivery goes through phases, each committed before the next step (``dispatch``): claimed →
``sending`` (before the message leaves us) → ``sent`` (right after the receiver took it, state
'done'). ``message_id`` is fixed at the first ``sending`` and kept for every later try.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, text

EVENTS = ("statement.available", "statement.rejected", "statement.withdrawn",
          "finding.confirmed")
MAX_ATTEMPTS = 8

_RECIPIENTS = text(
    "SELECT email, language FROM users WHERE organisation_id = CAST(:o AS uuid) AND is_active "
    "AND coalesce(notifications, role IN ('owner', 'admin')) ORDER BY email")
_HOOKS = text("SELECT id::text FROM webhooks WHERE organisation_id = CAST(:o AS uuid) "
              "AND :event = ANY(events) ORDER BY created_at")
_INSERT = text(
    "INSERT INTO notifications (organisation_id, event, event_key, channel, target, language, "
    "payload) VALUES (CAST(:o AS uuid), :event, :key, :channel, :target, :lang, "
    "CAST(:payload AS jsonb)) ON CONFLICT (event_key, channel, target) DO NOTHING")


@dataclass(frozen=True)
class Notification:
    id: int
    event: str
    channel: str
    target: str
    language: str
    payload: dict[str, Any]
    attempts: int
    event_key: str = ""
    sending_at: datetime | None = None
    message_id: str | None = None

    @property
    def interrupted(self) -> bool:
        """An earlier try began sending and never recorded its end: the receiver may have it."""
        return self.sending_at is not None


def message_id(note: Notification, sender: str) -> str:
    """A Message-ID derived from the row alone, so every try of one notification carries the
    same one (mail clients and many servers drop a second copy with a known Message-ID)."""
    digest = hashlib.sha256(f"{note.event_key}|{note.channel}|{note.target}".encode())
    domain = sender.rpartition("@")[2].strip(" >") or "geoservice.invalid"
    return f"<notification-{note.id}.{digest.hexdigest()[:20]}@{domain}>"


def enqueue(conn: Connection, organisation_id: str, event: str, key: str,
            payload: dict[str, Any]) -> int:
    """One row per recipient and webhook of the organisation; returns how many are new."""
    assert event in EVENTS, event
    body = json.dumps({"event": event, **payload, "at": datetime.now(UTC).isoformat()},
                      default=str)
    rows = [{"channel": "email", "target": r.email, "lang": r.language}
            for r in conn.execute(_RECIPIENTS, {"o": organisation_id})]
    rows += [{"channel": "webhook", "target": h, "lang": "en"}
             for h in conn.execute(_HOOKS, {"o": organisation_id, "event": event}).scalars()]
    added = 0
    for row in rows:
        added += conn.execute(_INSERT, {"o": organisation_id, "event": event,
                                        "key": f"{event}:{key}", "payload": body,
                                        **row}).rowcount
    return added


def statement_event(conn: Connection, statement_id: str, event: str) -> int:
    """The statement's event with its numbers, keyed by attempt (a resubmission is new)."""
    st = conn.execute(text(
        "SELECT id::text AS id, organisation_id::text AS org, status, internal_reference, "
        "reference_number, verification_number, attempt, rejection_reason FROM statements "
        "WHERE id = CAST(:s AS uuid)"), {"s": statement_id}).mappings().one()
    payload: dict[str, Any] = {"statement_id": st["id"], "status": st["status"],
                               "internal_reference": st["internal_reference"]}
    if st["reference_number"]:
        payload.update(reference_number=st["reference_number"],
                       verification_number=st["verification_number"])
    if event == "statement.rejected" and st["rejection_reason"]:
        payload["rejection_reason"] = st["rejection_reason"]
    return enqueue(conn, st["org"], event, f"{st['id']}:{st['attempt']}", payload)


def claim(conn: Connection, lease_seconds: float, limit: int = 20) -> list[Notification]:
    rows = conn.execute(text(
        "UPDATE notifications n SET attempts = n.attempts + 1, "
        "next_attempt_at = now() + make_interval(secs => :lease) FROM (SELECT id FROM "
        "notifications WHERE state = 'pending' AND next_attempt_at <= now() "
        "ORDER BY next_attempt_at, id LIMIT :limit FOR UPDATE SKIP LOCKED) due "
        "WHERE n.id = due.id RETURNING n.id, n.event, n.channel, n.target, n.language, "
        "n.payload, n.attempts, n.event_key, n.sending_at, n.message_id"),
        {"lease": lease_seconds, "limit": limit}).all()
    return [Notification(*r) for r in rows]


def sending(conn: Connection, note: Notification, message_id: str | None = None
            ) -> Notification | None:
    """Commit this before the message leaves us. None when the row is no longer this try's
    (another worker claimed it after our lease ran out, or it is done): then nothing is sent."""
    row = conn.execute(text(
        "UPDATE notifications SET sending_at = now(), message_id = coalesce(message_id, :mid), "
        "resent = resent + CASE WHEN sending_at IS NULL THEN 0 ELSE 1 END "
        "WHERE id = :id AND state = 'pending' AND attempts = :attempts "
        "RETURNING message_id"), {"id": note.id, "attempts": note.attempts,
                                  "mid": message_id}).first()
    if row is None:
        return None
    return Notification(note.id, note.event, note.channel, note.target, note.language,
                        note.payload, note.attempts, note.event_key, note.sending_at, row[0])


def sent(conn: Connection, note: Notification, remark: str | None = None) -> None:
    """The receiver took it (SMTP 250 after DATA, HTTP 2xx): done, whichever try it was."""
    conn.execute(text("UPDATE notifications SET state = 'done', sent_at = now(), "
                      "done_at = now(), last_error = :e WHERE id = :id"),
                 {"id": note.id, "e": remark})


def done(conn: Connection, note: Notification, remark: str | None = None) -> None:
    conn.execute(text("UPDATE notifications SET state = 'done', done_at = now(), "
                      "last_error = :e WHERE id = :id"), {"id": note.id, "e": remark})


def retry(conn: Connection, note: Notification, error: str, delay_seconds: float,
          *, maybe_delivered: bool = False) -> None:
    """Due again after the delay, or failed for good after MAX_ATTEMPTS. Unless the receiver
    may have taken it (no answer after the message was out), the 'sending' mark is cleared:
    the next try is then known not to be a repeat. A try whose row another worker has claimed
    since (its lease ran out) changes nothing."""
    conn.execute(text(
        "UPDATE notifications SET last_error = :e, next_attempt_at = now() + "
        "make_interval(secs => :d), state = CASE WHEN attempts >= :max THEN 'failed' "
        "ELSE 'pending' END, done_at = CASE WHEN attempts >= :max THEN now() END, "
        "sending_at = CASE WHEN :maybe THEN sending_at END "
        "WHERE id = :id AND state = 'pending' AND attempts = :attempts"),
        {"id": note.id, "e": error[:4000], "d": delay_seconds, "max": MAX_ATTEMPTS,
         "maybe": maybe_delivered, "attempts": note.attempts})
