"""The TRACES worker: sends queued statements exactly once, retries politely, polls statuses.

Exactly once: the 'sending' mark is committed before submitDds; whenever a statement was ever
marked so, the worker first asks TRACES for the internal reference and adopts a statement found
there instead of submitting again. Several workers may run: jobs are claimed with
FOR UPDATE SKIP LOCKED under a lease (see ``outbox``).

Polling: a 'poll' job waits for TRACES' answer to a submission or amendment; once AVAILABLE a
'follow' job keeps reading the statement (``transitions.follow_delay``) so a message of the
competent authority or a withdrawal TRACES reports later is stored and told, in the same
getDds batches as the polls.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, text

from geoservice.errors import GeoserviceError
from geoservice.notify import dispatch
from geoservice.settings import Settings
from geoservice.statements import (
    communications,
    connect,
    outbox,
    prevalidate,
    store,
    transitions,
)
from geoservice.statements.connect import Account, ClientPool
from geoservice.statements.outbox import Job
from geoservice.traces.errors import AuthenticationError, ThrottledError, TracesError
from geoservice.traces.model import DdsOverview, SimplifiedDeclaration, Statement
from geoservice.traces.protocol import TracesService

log = logging.getLogger(__name__)
SEND_OPERATIONS = ("submit", "amend", "withdraw")
POLL_OPERATIONS = ("poll", "follow")
POLL_BATCH = 100  # getDds takes up to 100 UUIDs
AfterCall = Callable[[str, Job], None]
_EVER_SENT = text("SELECT EXISTS (SELECT 1 FROM outbox WHERE statement_id = CAST(:s AS uuid) "
                  "AND operation = :op AND sending_at IS NOT NULL)")


class Worker:
    """One worker; ``run_once`` handles one send job and one batch of due polls."""

    def __init__(self, engine: Engine, settings: Settings, pool: ClientPool | None = None,
                 *, name: str | None = None, lease_seconds: float | None = None,
                 after_call: AfterCall | None = None, rng: random.Random | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.pool = pool or ClientPool(settings)
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self.lease = lease_seconds if lease_seconds is not None else (
            2 * settings.traces.timeout_seconds + 30)
        self.after_call = after_call
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self.poll_seconds = settings.traces.poll_seconds
        self._next_poll = 0.0

    def run(self, stop: threading.Event, idle_seconds: float = 1.0) -> None:
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:  # noqa: BLE001 - a worker survives a bad job and logs it
                log.exception("worker %s: job failed unexpectedly", self.name)
                busy = 0
            if not busy:
                stop.wait(idle_seconds)

    def run_once(self) -> int:
        with self.engine.begin() as conn:
            jobs = outbox.claim(conn, self.name, self.lease, SEND_OPERATIONS)
        for job in jobs:
            self._send(job)
        polls: list[Job] = []
        if time.monotonic() >= self._next_poll:
            # One getDds batch per poll interval: due polls gather instead of costing a call each.
            self._next_poll = time.monotonic() + self.poll_seconds
            with self.engine.begin() as conn:
                polls = outbox.claim(conn, self.name, self.lease, POLL_OPERATIONS,
                                     POLL_BATCH)
            if polls:
                self._poll(polls)
        notes = dispatch.run_once(self.engine, self.settings, self.rng)
        return len(jobs) + len(polls) + notes

    # -- sending -------------------------------------------------------------------------
    def _send(self, job: Job) -> None:
        with self.engine.begin() as conn:
            if not outbox.lock(conn, job, self.name):
                return
            st = store.load(conn, None, job.statement_id)
            account = connect.account_for(conn, self.settings, st["organisation_id"])
            reconcile = bool(conn.execute(_EVER_SENT, {"s": job.statement_id,
                                                       "op": job.operation}).scalar_one())
            earlier = store.earlier_uuids(conn, job.statement_id)
        client = self.pool.client(account)
        sending = False
        try:
            if reconcile and self._reconciled(job, st, client, earlier):
                return
            sending = True
            if job.operation == "withdraw":
                self._withdraw(job, st, client)
                return
            payload = self._prepare(job, st, account)
            if payload is None:
                return
            if job.operation == "submit":
                role: Any = connect.operator_role(st["kind"], account)
                if isinstance(payload, SimplifiedDeclaration):
                    uuid = client.submit_simplified_declaration(payload, role)
                else:
                    uuid = client.submit_dds(payload, role)
                self._hook(job)
                self._finish(job, lambda c: transitions.accepted(
                    c, job.statement_id, uuid, self.poll_seconds))
            else:
                if isinstance(payload, SimplifiedDeclaration):
                    status = client.update_simplified_declaration(st["traces_uuid"], payload).status
                else:
                    status = client.amend_dds(st["traces_uuid"], payload)
                self._hook(job)
                self._finish(job, lambda c: transitions.amended(
                    c, job.statement_id, status, self.poll_seconds))
        except TracesError as exc:
            # A throttled send was refused before TRACES looked at it: nothing to reconcile.
            self._failure(job, exc, not_applied=sending and isinstance(exc, ThrottledError))

    def _hook(self, job: Job) -> None:
        if self.after_call is not None:
            self.after_call(job.operation, job)

    def _finish(self, job: Job, apply: Callable[[Any], None]) -> None:
        with self.engine.begin() as conn:
            if not outbox.lock(conn, job, self.name):
                log.warning("job %s was taken over by another worker; it will reconcile", job.id)
                return
            apply(conn)
            outbox.done(conn, job)

    def _prepare(self, job: Job, st: dict[str, Any], account: Account
                 ) -> Statement | SimplifiedDeclaration | None:
        """Check the rules, build, and commit the 'sending' mark; None when not sendable."""
        try:
            with self.engine.begin() as conn:
                if not outbox.lock(conn, job, self.name):
                    return None
                # Again right before sending: the data may have changed since it was queued.
                built = prevalidate.ensure_valid(conn, self.settings, st, "en")
                outbox.mark_sending(conn, job)
                store.event(conn, job.statement_id, "sending", "sending",
                            operation=job.operation, simulated=account.simulated,
                            attempt=job.attempts)
                return built.statement
        except GeoserviceError as exc:
            with self.engine.begin() as conn:
                if outbox.lock(conn, job, self.name):
                    if job.operation == "submit":
                        store.update(conn, job.statement_id, status="draft")
                    store.event(conn, job.statement_id, "error", "not_sent",
                                reason=exc.messages or exc.message)
                    outbox.failed(conn, job, exc.message)
            return None

    def _reconciled(self, job: Job, st: dict[str, Any], client: TracesService,
                    earlier: set[str]) -> bool:
        """Ask TRACES whether an earlier try of this job got through; adopt what it has.

        Submissions of earlier, rejected attempts share the internal reference: they are
        known by UUID and never adopted, so a resubmission is sent, and sent once.
        """
        ref = st["internal_reference"]
        if st["kind"] == "simplified":
            found = client.get_simplified_declarations_by_internal_reference(ref)
        else:
            found = client.get_dds_by_internal_reference(ref)
        found = [o for o in found if o.uuid.lower() not in earlier]
        if job.operation == "submit" and found:
            uuid = found[0].uuid
            self._finish(job, lambda c: transitions.accepted(
                c, job.statement_id, uuid, self.poll_seconds, reconciled=True))
            return True
        if job.operation == "withdraw" and any(o.status == "WITHDRAWN" for o in found):
            self._finish(job, lambda c: transitions.withdrawn(
                c, job.statement_id, "withdrawn_already"))
            return True
        return False

    def _withdraw(self, job: Job, st: dict[str, Any], client: TracesService) -> None:
        with self.engine.begin() as conn:
            if not outbox.lock(conn, job, self.name):
                return
            outbox.mark_sending(conn, job)
            store.event(conn, job.statement_id, "sending", "withdraw_sending")
        if st["kind"] == "simplified":
            client.withdraw_simplified_declaration(st["traces_uuid"])
        else:
            client.withdraw_dds(st["traces_uuid"])
        self._hook(job)
        self._finish(job, lambda c: transitions.withdrawn(
            c, job.statement_id, "withdrawn_done"))

    def _failure(self, job: Job, exc: TracesError, *, not_applied: bool = False) -> None:
        message = transitions.error_text(exc)
        with self.engine.begin() as conn:
            if not outbox.lock(conn, job, self.name):
                return
            if isinstance(exc, ThrottledError):
                # Over the rate limit is our pacing, not the statement's fault: no attempt used.
                outbox.retry(conn, job, message, exc.retry_after, refund=True,
                             clear_sending=not_applied)
                log.info("throttled by TRACES; job %s retried in %.1f s", job.id, exc.retry_after)
                return
            if exc.retryable or isinstance(exc, AuthenticationError):
                if job.attempts >= outbox.MAX_ATTEMPTS:
                    transitions.gave_up(conn, job.statement_id, job.operation, message)
                    outbox.failed(conn, job, message)
                    return
                delay = outbox.backoff_seconds(job.attempts, self.rng)
                outbox.retry(conn, job, message, delay)
                store.event(conn, job.statement_id, "retrying", "retrying",
                            operation=job.operation, attempt=job.attempts, reason=message,
                            delay=f"{delay:.0f}")
                return
            if job.operation == "submit":
                transitions.rejected(conn, job.statement_id, message, before_acceptance=True)
            else:
                store.event(conn, job.statement_id, f"{job.operation}_refused", "refused",
                            operation=job.operation, reason=message)
            outbox.failed(conn, job, message)

    # -- polling -------------------------------------------------------------------------
    def _poll(self, jobs: list[Job]) -> None:
        groups: dict[tuple[Any, ...], list[tuple[Job, dict[str, Any]]]] = defaultdict(list)
        accounts: dict[tuple[Any, ...], Account] = {}
        with self.engine.begin() as conn:
            for job in jobs:
                st = store.load(conn, None, job.statement_id)
                account = connect.account_for(conn, self.settings, st["organisation_id"])
                key = (*account.key, st["kind"])
                accounts[key] = account
                groups[key].append((job, st))
        for key, items in groups.items():
            client = self.pool.client(accounts[key])
            uuids = [st["traces_uuid"] for _, st in items if st["traces_uuid"]]
            try:
                found = (client.get_simplified_declarations(uuids) if key[-1] == "simplified"
                         else client.get_dds(uuids)) if uuids else []
            except TracesError as exc:
                for job, _ in items:
                    # following is in no hurry: an outage does not make it ask more often
                    delay = (transitions.FOLLOW_IN_WINDOW.total_seconds()
                             if job.operation == "follow" else
                             max(self.poll_seconds, outbox.backoff_seconds(2, self.rng)))
                    with self.engine.begin() as conn:
                        outbox.retry(conn, job, transitions.error_text(exc), delay)
                continue
            by_uuid: dict[str, DdsOverview] = {o.uuid.lower(): o for o in found}
            for job, st in items:
                self._apply_poll(job, st, by_uuid.get((st["traces_uuid"] or "").lower()))

    def _apply_poll(self, job: Job, st: dict[str, Any], found: DdsOverview | None) -> None:
        with self.engine.begin() as conn:
            if not outbox.lock(conn, job, self.name):
                return
            current = store.load(conn, None, job.statement_id, lock=True)
            if found is not None and current["traces_uuid"] == found.uuid:
                for kind in communications.record(conn, job.statement_id, found):
                    if kind == "communication" and found.communication is not None:
                        store.event(conn, job.statement_id, "communication", "communication",
                                    content=found.communication.content)
                    elif kind == "status" and job.operation == "follow":
                        store.event(conn, job.statement_id, "traces_status", "traces_status",
                                    traces_status=found.status.upper())
            else:
                found = None
            if job.operation == "follow":
                self._follow(conn, job, current, found)
                return
            settled = current["status"] in ("withdrawn", "rejected", "draft") or (
                found is not None and transitions.overview(conn, job.statement_id, found))
            if settled:
                outbox.done(conn, job)
            else:
                outbox.retry(conn, job, f"status {found.status if found else 'not yet visible'}",
                             self.poll_seconds)

    def _follow(self, conn: Any, job: Job, current: dict[str, Any],
                found: DdsOverview | None) -> None:
        """An AVAILABLE statement read again: a withdrawal is applied; otherwise only what
        TRACES says is kept (above), and the next look is scheduled until following ends."""
        if current["status"] != "available":
            outbox.done(conn, job)
            return
        if found is not None and found.status.upper() == "WITHDRAWN":
            transitions.withdrawn(conn, job.statement_id, "withdrawn_reported")
            outbox.done(conn, job)
            return
        delay = transitions.follow_delay(current, datetime.now(UTC))
        if delay is None:
            outbox.done(conn, job)
            return
        outbox.retry(conn, job, f"following: status {found.status if found else 'not visible'}",
                     delay)
