"""Verifying many pairs in one call: throttled, answered in one query, every pair logged.

``verify_pairs`` is the one path every verification from our records takes (``GET`` and
``POST /api/v1/verify``, received documents, re-verifying the register). Implausible pairs get
``INVALID`` and are not looked up. A call whose NON_EXISTENT answers would exceed what is left
of the caller's hourly allowance is refused whole (429) and answers nothing, so a large file of
guesses never yields more answers than the limit allows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, text

from geoservice.errors import PayloadTooLarge, TooManyRequests
from geoservice.i18n import both
from geoservice.references import throttle, verify
from geoservice.references.throttle import Caller, Logged
from geoservice.settings import VerifySettings

INVALID = "INVALID"

@dataclass(frozen=True)
class PairResult:
    """The answer for one pair (``result`` is INVALID when the numbers are not plausible)."""

    reference_number: str
    verification_number: str
    result: str
    status: str | None
    found: verify.Found | None

    def as_json(self) -> dict[str, object]:
        at = self.found.at.isoformat() if self.found else None
        return {"reference_number": self.reference_number, "result": self.result,
                "status": self.status, "date_time": at}

def _remaining_misses(conn: Connection, caller: Caller, limits: VerifySettings) -> int:
    if caller.key.startswith("system:"):
        return 10**9
    row = conn.execute(text(
        "SELECT coalesce(sum(misses) FILTER (WHERE caller = :caller), 0), "
        "coalesce(sum(misses) FILTER (WHERE ip = :ip), 0) FROM verify_requests "
        "WHERE (caller = :caller OR ip = :ip) AND at > now() - interval '1 hour'"),
        {"caller": caller.key, "ip": caller.ip}).one()
    return int(min(limits.misses_per_hour - row[0], limits.ip_misses_per_hour - row[1]))

def verify_pairs(conn: Connection, caller: Caller, limits: VerifySettings, channel: str,
                 pairs: Sequence[tuple[str, str]], *, throttled: bool = True
                 ) -> list[PairResult]:
    """One answer per pair, in order; throttled and logged as one call.

    ``throttled=False`` is for re-verifying pairs already in a buyer's register: they were
    throttled when received, and asking again about them guesses nothing new.
    """
    if throttled and len(pairs) > limits.max_pairs:
        raise PayloadTooLarge(
            both("verify.too_many_pairs", caller.language, limit=limits.max_pairs,
                 count=len(pairs)),
            code="too_many_pairs", details=[{"limit_pairs": limits.max_pairs}])
    if throttled:
        throttle.check(conn, caller, limits)
    clean = [(ref.strip().lstrip("'").strip(), ver.strip().lstrip("'").strip())
             for ref, ver in pairs]
    usable = [p for p in clean if verify.plausible(p[0]) and verify.plausible(p[1])]
    found = verify.lookup(conn, usable)
    results: list[PairResult] = []
    for ref, ver in clean:
        if not (verify.plausible(ref) and verify.plausible(ver)):
            results.append(PairResult(ref, ver, INVALID, None, None))
            continue
        hit = found.get((ref, ver))
        result, status = verify.outcome(hit)
        results.append(PairResult(ref, ver, result, status, hit))
    misses = sum(1 for r in results if r.result == "NON_EXISTENT")
    if throttled and misses > 1 and misses > _remaining_misses(conn, caller, limits):
        raise TooManyRequests(
            both("verify.batch_over_allowance", caller.language, misses=misses),
            code="verify_throttled", details=[{"limit": "misses_per_hour"}],
            headers={"Retry-After": "3600"})
    throttle.record(conn, caller, channel, "records", [
        Logged(r.reference_number, r.result, r.status,
               r.found.statement_id if r.found else None) for r in results])
    return results
