"""Who is verifying, whether they may go on, and the log of every verification.

Every verification call is a row of ``verify_requests`` (and every pair asked about a row of
``verify_log``). The throttle counts those rows per caller (an API token, else the web user)
and per client IP address: calls per minute, and NON_EXISTENT answers per hour, since a guesser
of verification numbers collects mostly misses. Counting the log in PostgreSQL makes the limits
hold across server processes. A call over a limit is 429 with ``Retry-After``; nothing is
answered and nothing is logged for it.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from sqlalchemy import Connection, text
from starlette.requests import Request

from geoservice.accounts.principal import Principal
from geoservice.errors import TooManyRequests
from geoservice.i18n import both
from geoservice.settings import VerifySettings


@dataclass(frozen=True)
class Caller:
    """The identity the throttle and the log use."""

    key: str
    ip: str
    organisation_id: str | None
    user_id: str | None
    language: str = "lv"
    request_id: str = ""


@dataclass(frozen=True)
class Logged:
    """One pair as logged: its reference number, the answer and the statement it matched."""

    reference_number: str
    result: str
    status: str | None
    statement_id: str | None


@cache
def _sql(name: str) -> str:
    return resources.files("geoservice.references").joinpath("sql", name).read_text("utf-8")


def caller_of(request: Request, principal: Principal) -> Caller:
    """The API token (by a prefix of its hash, never the token) or the web user, and the IP."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if principal.via_token and scheme.lower() == "bearer" and token.strip():
        key = "token:" + hashlib.sha256(token.strip().encode()).hexdigest()[:16]
    else:
        key = f"user:{principal.user_id}"
    ip = request.client.host if request.client else "unknown"
    from geoservice.web.context import request_id

    return Caller(key, ip, principal.organisation_id, principal.user_id, principal.language,
                  request_id(request))


def system_caller(job: str) -> Caller:
    """A job of the service itself (the nightly re-verify); it is logged, never throttled."""
    return Caller(f"system:{job}", "-", None, None)


def check(conn: Connection, caller: Caller, limits: VerifySettings) -> None:
    """429 when the caller or its IP address is over a limit."""
    if caller.key.startswith("system:"):
        return
    row = conn.execute(text(_sql("throttle.sql")), {"caller": caller.key, "ip": caller.ip}).one()
    calls, ip_calls, misses, ip_misses, call_wait, miss_wait = row
    over_calls = calls >= limits.calls_per_minute or ip_calls >= limits.ip_calls_per_minute
    over_misses = misses >= limits.misses_per_hour or ip_misses >= limits.ip_misses_per_hour
    if not (over_calls or over_misses):
        return
    wait = max(1, math.ceil(float((miss_wait if over_misses else call_wait) or 1)))
    key = "verify.throttle_misses" if over_misses else "verify.throttle_calls"
    raise TooManyRequests(
        both(key, caller.language, seconds=wait), code="verify_throttled",
        details=[{"retry_after_seconds": wait,
                  "limit": "misses_per_hour" if over_misses else "calls_per_minute"}],
        headers={"Retry-After": str(wait)})


def record(conn: Connection, caller: Caller, channel: str, source: str,
           rows: Sequence[Logged]) -> int:
    """Log one call and its pairs; returns the call's log id."""
    misses = sum(1 for r in rows if r.result == "NON_EXISTENT")
    log_id = int(conn.execute(text(
        "INSERT INTO verify_requests (organisation_id, user_id, caller, ip, channel, source, "
        "pairs, misses, request_id) VALUES (CAST(:org AS uuid), CAST(:user AS uuid), :caller, "
        ":ip, :channel, :source, :pairs, :misses, :rid) RETURNING id"), {
            "org": caller.organisation_id, "user": caller.user_id, "caller": caller.key,
            "ip": caller.ip, "channel": channel, "source": source, "pairs": len(rows),
            "misses": misses, "rid": caller.request_id or None}).scalar_one())
    if rows:
        conn.execute(text(
            "INSERT INTO verify_log (request_id, row_no, reference_number, result, status, "
            "statement_id) SELECT :id, n, r, res, st, CAST(sid AS uuid) FROM unnest("
            "CAST(:refs AS text[]), CAST(:results AS text[]), CAST(:statuses AS text[]), "
            "CAST(:sids AS text[])) WITH ORDINALITY AS t(r, res, st, sid, n)"), {
                "id": log_id, "refs": [r.reference_number[:40] for r in rows],
                "results": [r.result for r in rows], "statuses": [r.status for r in rows],
                "sids": [r.statement_id for r in rows]})
    return log_id
