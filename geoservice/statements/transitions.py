"""Statement state changes caused by TRACES answers, each written with its history event.

Every function takes the connection of the job's transaction and never commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

from geoservice.notify import outbox as notify
from geoservice.statements import billing, outbox, store
from geoservice.traces.errors import TracesError
from geoservice.traces.model import DdsOverview

NOW = text("now()")
# After AVAILABLE, TRACES may still write to the operator or change the status (a withdrawal,
# an archiving): the worker keeps asking ('follow' jobs), often while the statement can still
# be amended or withdrawn, rarely after, and stops 30 days after it became AVAILABLE.
FOLLOW_IN_WINDOW = timedelta(minutes=15)
FOLLOW_LATER = timedelta(hours=6)
FOLLOW_FOR = timedelta(days=30)


def follow_delay(st: dict[str, Any], now: datetime) -> float | None:
    """Seconds until the next look at an AVAILABLE statement; None when following has ended."""
    closes = st["submitted_at"] + store.WINDOW if st.get("submitted_at") else None
    if closes is not None and now < closes:
        return FOLLOW_IN_WINDOW.total_seconds()
    if now < (st.get("available_at") or now) + FOLLOW_FOR:
        return FOLLOW_LATER.total_seconds()
    return None


def error_text(exc: TracesError) -> str:
    """The TRACES error ids with their messages, as a person reads them in the history."""
    if exc.error_ids:
        return "; ".join(f"{e.code}: {e.message}" + (f" ({e.field})" if e.field else "")
                         for e in exc.error_ids)
    return f"{exc.code}: {exc.message}"


def accepted(conn: Connection, statement_id: str, uuid: str, poll_seconds: float,
             *, reconciled: bool = False) -> None:
    conn.execute(text("UPDATE statements SET traces_uuid = :u, status = 'submitted', "
                      "submitted_at = coalesce(submitted_at, now()), updated_at = now() "
                      "WHERE id = CAST(:s AS uuid)"), {"u": uuid, "s": statement_id})
    store.set_certificate_status(conn, statement_id, "submitted")
    store.event(conn, statement_id, "submitted", "reconciled" if reconciled else "accepted",
                uuid=uuid)
    outbox.enqueue(conn, statement_id, "poll", poll_seconds)


def amended(conn: Connection, statement_id: str, status: str, poll_seconds: float) -> None:
    conn.execute(text("UPDATE statements SET amended_at = now(), updated_at = now() "
                      "WHERE id = CAST(:s AS uuid)"), {"s": statement_id})
    store.event(conn, statement_id, "amended", "amended", traces_status=status)
    outbox.enqueue(conn, statement_id, "poll", poll_seconds)


def withdrawn(conn: Connection, statement_id: str, code: str) -> None:
    """``code``: withdrawn_done, withdrawn_reported or withdrawn_already (history line)."""
    conn.execute(text("UPDATE statements SET status = 'withdrawn', withdrawn_at = now(), "
                      "updated_at = now() WHERE id = CAST(:s AS uuid)"), {"s": statement_id})
    store.set_certificate_status(conn, statement_id, "ready")
    outbox.cancel_open(conn, statement_id, ("poll", "amend", "follow"))
    store.event(conn, statement_id, "withdrawn", code)
    notify.statement_event(conn, statement_id, "statement.withdrawn")


def rejected(conn: Connection, statement_id: str, reason: str, *, before_acceptance: bool) -> None:
    conn.execute(text("UPDATE statements SET status = 'rejected', rejection_reason = :r, "
                      "updated_at = now() WHERE id = CAST(:s AS uuid)"),
                 {"r": reason, "s": statement_id})
    store.set_certificate_status(conn, statement_id, "in_statement")
    store.event(conn, statement_id, "rejected",
                "refused_before" if before_acceptance else "rejected", reason=reason)
    notify.statement_event(conn, statement_id, "statement.rejected")


def overview(conn: Connection, statement_id: str, found: DdsOverview) -> bool:
    """Apply a status seen by polling; True when polling can stop."""
    status = found.status.upper()
    if status in ("AVAILABLE", "ARCHIVED", "GROUPED"):
        conn.execute(text(
            "UPDATE statements SET status = 'available', reference_number = :r, "
            "verification_number = :v, available_at = coalesce(available_at, now()), "
            "updated_at = now() WHERE id = CAST(:s AS uuid)"),
            {"r": found.reference_number, "v": found.verification_number, "s": statement_id})
        store.set_certificate_status(conn, statement_id, "submitted")
        charged = billing.charge(conn, statement_id)
        store.event(conn, statement_id, "available",
                    "available_charged" if charged else "available",
                    reference=found.reference_number, verification=found.verification_number,
                    **({"charged": charged} if charged else {}))
        notify.statement_event(conn, statement_id, "statement.available")
        outbox.enqueue(conn, statement_id, "follow", FOLLOW_IN_WINDOW.total_seconds())
        return True
    if status == "REJECTED":
        rejected(conn, statement_id, found.rejection_reason or "no reason given",
                 before_acceptance=False)
        return True
    if status == "WITHDRAWN":
        withdrawn(conn, statement_id, "withdrawn_reported")
        return True
    return False


def gave_up(conn: Connection, statement_id: str, operation: str, message: str) -> None:
    """Retries exhausted: a submit goes back to draft so a person can submit again."""
    if operation == "submit":
        conn.execute(text("UPDATE statements SET status = 'draft', updated_at = now() "
                          "WHERE id = CAST(:s AS uuid) AND status = 'queued'"), {"s": statement_id})
    store.event(conn, statement_id, "error", "gave_up", operation=operation, reason=message)
