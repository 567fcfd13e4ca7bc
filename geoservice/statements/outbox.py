"""The submission outbox: jobs claimed with FOR UPDATE SKIP LOCKED under a lease.

A claimed job's ``next_attempt_at`` moves past the lease, so a worker that dies leaves the job
to be claimed again once the lease ends. ``sending_at`` is committed before a SOAP call that
creates or changes a statement in TRACES; a job found with it set is reconciled first.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

MAX_ATTEMPTS = 12
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 600.0


@dataclass(frozen=True)
class Job:
    id: int
    statement_id: str
    operation: str
    attempts: int
    sending_at: datetime | None


def enqueue(
    conn: Connection, statement_id: str, operation: str, delay_seconds: float = 0.0
) -> bool:
    """Queue one job; False when an open job for the same statement and operation exists."""
    row = conn.execute(text(
        "INSERT INTO outbox (statement_id, operation, next_attempt_at) "
        "VALUES (CAST(:s AS uuid), :op, now() + make_interval(secs => :d)) "
        "ON CONFLICT (statement_id, operation) WHERE state = 'pending' DO NOTHING RETURNING id"),
        {"s": statement_id, "op": operation, "d": delay_seconds}).first()
    return row is not None


def claim(conn: Connection, worker: str, lease_seconds: float, operations: tuple[str, ...],
          limit: int = 1) -> list[Job]:
    """Due jobs of these operations, leased to ``worker`` (commit right after)."""
    rows = conn.execute(text(
        "UPDATE outbox o SET next_attempt_at = now() + make_interval(secs => :lease), "
        "attempts = o.attempts + CASE WHEN o.operation IN ('poll', 'follow') THEN 0 ELSE 1 END, "
        "claimed_by = :w FROM (SELECT id FROM outbox WHERE state = 'pending' "
        "AND next_attempt_at <= now() AND operation = ANY(:ops) ORDER BY next_attempt_at, id "
        "LIMIT :limit FOR UPDATE SKIP LOCKED) due WHERE o.id = due.id "
        "RETURNING o.id, o.statement_id::text, o.operation, o.attempts, o.sending_at"),
        {"lease": lease_seconds, "w": worker, "ops": list(operations), "limit": limit}).all()
    return [Job(*r) for r in rows]


def lock(conn: Connection, job: Job, worker: str) -> bool:
    """Re-take the job inside a later transaction; False when another worker took it over."""
    row = conn.execute(text(
        "SELECT id FROM outbox WHERE id = :id AND state = 'pending' AND claimed_by = :w "
        "FOR UPDATE"), {"id": job.id, "w": worker}).first()
    return row is not None


def mark_sending(conn: Connection, job: Job) -> None:
    conn.execute(text("UPDATE outbox SET sending_at = now() WHERE id = :id"), {"id": job.id})


def done(conn: Connection, job: Job) -> None:
    conn.execute(text("UPDATE outbox SET state = 'done', done_at = now(), last_error = NULL "
                      "WHERE id = :id"), {"id": job.id})


def failed(conn: Connection, job: Job, error: str) -> None:
    conn.execute(text("UPDATE outbox SET state = 'failed', done_at = now(), last_error = :e "
                      "WHERE id = :id"), {"id": job.id, "e": error[:4000]})


def backoff_seconds(attempts: int, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter between half and the whole step."""
    step = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return float(step * (0.5 + 0.5 * (rng or random).random()))


def retry(conn: Connection, job: Job, error: str, delay_seconds: float,
          *, refund: bool = False, clear_sending: bool = False) -> None:
    """Due again after the delay; ``refund`` gives the attempt back (throttling), and
    ``clear_sending`` drops the 'sending' mark of a call TRACES provably did not apply."""
    conn.execute(text(
        "UPDATE outbox SET next_attempt_at = now() + make_interval(secs => :d), last_error = :e, "
        "claimed_by = NULL, attempts = attempts - CASE WHEN :refund THEN 1 ELSE 0 END, "
        "sending_at = CASE WHEN :clear THEN NULL ELSE sending_at END WHERE id = :id"),
        {"id": job.id, "e": error[:4000], "d": delay_seconds, "refund": refund,
         "clear": clear_sending})


def cancel_open(conn: Connection, statement_id: str, operations: tuple[str, ...]) -> None:
    conn.execute(text(
        "UPDATE outbox SET state = 'done', done_at = now(), last_error = 'cancelled' "
        "WHERE statement_id = CAST(:s AS uuid) AND state = 'pending' AND operation = ANY(:ops)"),
        {"s": statement_id, "ops": list(operations)})


def pending_count(conn: Connection) -> int:
    query = text("SELECT count(*) FROM outbox WHERE state = 'pending'")
    return int(conn.execute(query).scalar_one())
