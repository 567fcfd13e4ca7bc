"""Compliance officers' decisions on findings, and whether a certificate may be submitted."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import Connection, text

from geoservice.accounts import audit
from geoservice.accounts.principal import Principal
from geoservice.checks import queries, store
from geoservice.errors import Conflict, Forbidden, ValidationFailed
from geoservice.notify import outbox as notify

Decision = Literal["clear", "confirm"]
MIN_REASON = 10


def review(
    conn: Connection, principal: Principal, finding_id: str, decision: str, reason: str,
    request_id: str | None = None,
) -> dict[str, Any]:
    """Clear (reason required) or confirm an open flag; the certificate's verdict follows.

    Blocks cannot be cleared: the law forbids placing that timber on the market whatever the
    reviewer thinks. Info findings are evidence, not questions, and take no decision.
    """
    if not principal.is_compliance_officer or principal.role != "compliance_officer":
        raise Forbidden("Only compliance officers review findings.", code="role_required")
    if decision not in ("clear", "confirm"):
        raise ValidationFailed(f"decision must be 'clear' or 'confirm', not {decision!r}.",
                               code="invalid_decision")
    reason = (reason or "").strip()
    if decision == "clear" and len(reason) < MIN_REASON:
        raise ValidationFailed(
            f"Clearing a finding needs a written reason of at least {MIN_REASON} characters "
            "(what you checked and why it is not a problem).", code="reason_required")
    row = queries.one(conn, principal, finding_id, lock=True)
    if row.status != "open":
        raise Conflict(f"This finding is {row.status}; only open findings can be reviewed.",
                       code="finding_not_open")
    if row.severity == "block" and decision == "clear":
        raise Conflict("A blocking finding cannot be cleared: this timber may not be placed on "
                       "the market.", code="block_cannot_be_cleared")
    status = "cleared" if decision == "clear" else "confirmed"
    conn.execute(text(
        "UPDATE findings SET status = :s, reviewed_by = CAST(:u AS uuid), reviewed_at = now(), "
        "review_reason = :r WHERE id = CAST(:id AS uuid)"),
        {"s": status, "u": principal.user_id, "r": reason or None, "id": finding_id})
    verdict = store.recompute_verdict(conn, row.certificate_id)
    if status == "confirmed":
        statement_id = conn.execute(text(
            "SELECT sc.statement_id::text FROM statement_certificates sc JOIN statements s ON "
            "s.id = sc.statement_id WHERE sc.certificate_id = CAST(:c AS uuid) "
            "ORDER BY s.created_at DESC LIMIT 1"), {"c": row.certificate_id}).scalar()
        notify.enqueue(conn, row.organisation_id, "finding.confirmed", finding_id, {
            "finding_id": finding_id, "certificate_id": row.certificate_id,
            "statement_id": statement_id, "status": status, "rule": row.rule})
    audit.record(conn, principal, entity="finding", entity_id=finding_id, action=decision,
                 changes={"status": [row.status, status], "reason": reason,
                          "certificate_id": row.certificate_id, "rule": row.rule,
                          "certificate_verdict": verdict},
                 organisation_id=row.organisation_id, request_id=request_id)
    return queries.as_json(queries.one(conn, principal, finding_id)) | {
        "certificate_verdict": verdict}


def submittable(conn: Connection, certificate_id: str) -> tuple[bool, str]:
    """Whether a certificate may go into a statement now, and why not (for a person)."""
    row = conn.execute(text(
        "SELECT c.verdict, c.version, "
        "(SELECT r.certificate_version FROM check_runs r WHERE r.certificate_id = c.id "
        " ORDER BY r.at DESC LIMIT 1) AS checked_version, "
        "EXISTS (SELECT 1 FROM check_queue q WHERE q.certificate_id = c.id) AS queued, "
        "(SELECT count(*) FROM findings f WHERE f.certificate_id = c.id AND f.status = 'open' "
        " AND f.severity = 'flag') AS open_flags "
        "FROM certificates c WHERE c.id = CAST(:id AS uuid)"), {"id": certificate_id}).first()
    if row is None:
        return False, "The certificate does not exist."
    if row.verdict == "unchecked" or row.checked_version is None:
        return False, "The certificate has not been checked against the land-use layers yet."
    if row.verdict == "blocked":
        return False, ("The check blocked this certificate: its timber may not be placed on the "
                       "market.")
    if row.checked_version != row.version or row.queued:
        return False, "The certificate or a layer changed since the last check; check it again."
    if row.verdict == "flagged" or row.open_flags:
        return False, (f"{row.open_flags or 'Some'} finding(s) wait for a compliance officer's "
                       "review.")
    return True, "Checked and clear."
