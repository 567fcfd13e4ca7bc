"""Sends due notifications: e-mail over SMTP, webhooks over HTTP; retries with backoff.

Called from the TRACES worker's loop. Each row is leased before it is sent and marked done in
the same step that logs the delivery, so a notification is sent once unless the process dies
between sending and that commit (then it is sent again after the lease: at least once, and the
webhook's ``X-Geoservice-Delivery`` id lets the receiver see the repeat).
"""

from __future__ import annotations

import json
import logging
import random

from sqlalchemy import Engine, text

from geoservice.notify import mail, outbox, webhooks
from geoservice.notify.outbox import Notification
from geoservice.settings import Settings
from geoservice.statements.outbox import backoff_seconds

log = logging.getLogger(__name__)
LEASE_SECONDS = 60.0


def run_once(engine: Engine, settings: Settings, rng: random.Random | None = None) -> int:
    with engine.begin() as conn:
        due = outbox.claim(conn, LEASE_SECONDS)
    for note in due:
        if note.channel == "email":
            _email(engine, settings, note, rng)
        else:
            _webhook(engine, settings, note, rng)
    return len(due)


def _email(engine: Engine, settings: Settings, note: Notification,
           rng: random.Random | None) -> None:
    message = mail.compose(note.event, note.language, note.payload, settings.smtp.from_,
                           note.target)
    try:
        sent = mail.send(settings.smtp, message)
    except mail.MailError as exc:
        log.warning("notification %s to %s not sent: %s", note.id, note.target, exc)
        with engine.begin() as conn:
            outbox.retry(conn, note, str(exc), backoff_seconds(note.attempts, rng))
        return
    with engine.begin() as conn:
        outbox.done(conn, note, None if sent else "logged: GEOSERVICE_SMTP_HOST is not set")


def _webhook(engine: Engine, settings: Settings, note: Notification,
             rng: random.Random | None) -> None:
    with engine.begin() as conn:
        hook = conn.execute(text("SELECT url, secret FROM webhooks WHERE id = CAST(:w AS uuid)"),
                            {"w": note.target}).first()
    if hook is None:  # deleted since: nothing to deliver to
        with engine.begin() as conn:
            outbox.done(conn, note, "webhook deleted")
        return
    body = json.dumps(note.payload, ensure_ascii=False, sort_keys=True).encode()
    result = webhooks.deliver(hook.url, hook.secret, note.event, note.id, body,
                              production=settings.web.environment == "production")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO webhook_deliveries (webhook_id, notification_id, event, attempt, "
            "status_code, error, duration_ms) VALUES (CAST(:w AS uuid), :n, :e, :a, :c, :err, "
            ":ms)"), {"w": note.target, "n": note.id, "e": note.event, "a": note.attempts,
                      "c": result.status_code, "err": result.error, "ms": result.duration_ms})
        if result.ok:
            outbox.done(conn, note)
        else:
            outbox.retry(conn, note, result.error or "failed", backoff_seconds(note.attempts, rng))
