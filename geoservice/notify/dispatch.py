"""Sends due notifications: e-mail over SMTP, webhooks over HTTP; retries with backoff.

Called from the TRACES worker's loop. Each delivery goes through phases, each committed before
the next step, so a worker that dies anywhere leaves a row that says what to do:

1. **claimed** — leased (``outbox.claim``); dying here, nothing left us: sent after the lease.
2. **sending** — ``sending_at`` is committed (with the row's Message-ID) before the message
   leaves; the mark is only taken while the lease is still this try's, so a worker whose lease
   ran out never starts a second copy beside the new owner's.
3. **sent** — the moment the receiver takes it (SMTP 250 to DATA, before QUIT; HTTP 2xx) the row
   is marked done, on a database connection held open across the call: one UPDATE and COMMIT.
   A recovered row that reached this never goes again.

What remains is the window between the receiver's answer and that COMMIT (one local round trip,
milliseconds). Dying in it, the notification is sent once more after the lease: an e-mail with
the same ``Message-ID`` (mail clients and many servers show one copy per Message-ID), a webhook
with the same ``X-Geoservice-Delivery`` id and ``X-Geoservice-Redelivery: 1``, so the receiver
drops the repeat. Neither SMTP nor HTTP lets a sender close that window; it is kept this small
and made harmless. Delivered exactly once means: once per Message-ID / delivery id.

``fault(point, note)``, for tests only, is called at "claimed", "sending", "accepted" (the
receiver took it, not yet recorded) and "recorded": raising there is a crash at that point.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable

from sqlalchemy import Engine, text

from geoservice.notify import mail, outbox, webhooks
from geoservice.notify.outbox import Notification
from geoservice.settings import Settings
from geoservice.statements.outbox import backoff_seconds

log = logging.getLogger(__name__)
LEASE_SECONDS = 60.0
Fault = Callable[[str, Notification], None]
INTERRUPTED = "no answer recorded: in flight, or the worker stopped during this try"


def lease_seconds(settings: Settings) -> float:
    """Longer than a try can take (an SMTP session's steps each wait up to the timeout)."""
    return max(LEASE_SECONDS, 6 * settings.smtp.timeout_seconds,
               3 * webhooks.TIMEOUT_SECONDS)


def run_once(engine: Engine, settings: Settings, rng: random.Random | None = None,
             fault: Fault | None = None) -> int:
    with engine.begin() as conn:
        due = outbox.claim(conn, lease_seconds(settings))
    for note in due:
        if fault is not None:
            fault("claimed", note)
        if note.channel == "email":
            _email(engine, settings, note, rng, fault)
        else:
            _webhook(engine, settings, note, rng, fault)
    return len(due)


def _email(engine: Engine, settings: Settings, note: Notification,
           rng: random.Random | None, fault: Fault | None) -> None:
    with engine.connect() as conn:  # held across the SMTP session: 'sent' is one round trip
        with conn.begin():
            mine = outbox.sending(conn, note, outbox.message_id(note, settings.smtp.from_))
        if mine is None:
            log.info("notification %s was taken over by another try; not sent here", note.id)
            return
        if fault is not None:
            fault("sending", mine)
        if mine.interrupted:
            log.warning("notification %s: an earlier try was interrupted after sending began; "
                        "sent again with the same Message-ID %s", note.id, mine.message_id)
        message = mail.compose(note.event, note.language, note.payload, settings.smtp.from_,
                               note.target, mine.message_id)
        recorded = False

        def accepted() -> None:
            nonlocal recorded
            if fault is not None:
                fault("accepted", mine)
            with conn.begin():
                outbox.sent(conn, mine, _resent_remark(mine))
            recorded = True
            if fault is not None:
                fault("recorded", mine)

        try:
            sent = mail.send(settings.smtp, message, accepted)
        except mail.MailError as exc:
            log.warning("notification %s to %s not sent: %s", note.id, note.target, exc)
            with conn.begin():
                outbox.retry(conn, mine, str(exc), backoff_seconds(note.attempts, rng),
                             maybe_delivered=exc.maybe_sent)
            return
        if not recorded:
            with conn.begin():
                if sent:  # the server took it, and only QUIT went wrong before the record
                    outbox.sent(conn, mine, _resent_remark(mine))
                else:
                    outbox.done(conn, mine, "logged: GEOSERVICE_SMTP_HOST is not set")


def _resent_remark(note: Notification) -> str | None:
    if not note.interrupted:
        return None
    return (f"sent again after an interrupted try, with the same Message-ID {note.message_id}"
            if note.channel == "email" else
            f"sent again after an interrupted try, with the same delivery id {note.id}")


def _webhook(engine: Engine, settings: Settings, note: Notification,
             rng: random.Random | None, fault: Fault | None) -> None:
    with engine.connect() as conn:  # held across the POST: 'sent' is one round trip
        with conn.begin():
            hook = conn.execute(text("SELECT url, secret FROM webhooks "
                                     "WHERE id = CAST(:w AS uuid)"), {"w": note.target}).first()
            mine = outbox.sending(conn, note) if hook is not None else None
            if hook is None:  # deleted since: nothing to deliver to
                outbox.done(conn, note, "webhook deleted")
                return
            # In the log before it leaves: a try cut off by a crash shows as one, unanswered.
            logged = mine and conn.execute(text(
                "INSERT INTO webhook_deliveries (webhook_id, notification_id, event, attempt, "
                "error) VALUES (CAST(:w AS uuid), :n, :e, :a, :err) RETURNING id"),
                {"w": note.target, "n": note.id, "e": note.event, "a": note.attempts,
                 "err": INTERRUPTED}).scalar_one()
        if mine is None:
            log.info("notification %s was taken over by another try; not sent here", note.id)
            return
        if fault is not None:
            fault("sending", mine)
        body = json.dumps(note.payload, ensure_ascii=False, sort_keys=True).encode()
        result = webhooks.deliver(hook.url, hook.secret, note.event, note.id, body,
                                  production=settings.web.environment == "production",
                                  redelivery=mine.interrupted)
        if result.ok and fault is not None:
            fault("accepted", mine)
        with conn.begin():
            conn.execute(text(
                "UPDATE webhook_deliveries SET status_code = :c, error = :err, "
                "duration_ms = :ms WHERE id = :id"),
                {"id": logged, "c": result.status_code, "err": result.error,
                 "ms": result.duration_ms})
            if result.ok:
                outbox.sent(conn, mine, _resent_remark(mine))
            else:
                outbox.retry(conn, mine, result.error or "failed",
                             backoff_seconds(note.attempts, rng),
                             maybe_delivered=result.status_code is None and result.reached)
        if result.ok and fault is not None:
            fault("recorded", mine)
