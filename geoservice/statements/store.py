"""SQL for statements, their certificates, buyers and history. Takes a connection, never commits."""

from __future__ import annotations

import json
import secrets
import string
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, text

from geoservice.accounts.principal import Principal
from geoservice.errors import Conflict, NotFound, ValidationFailed
from geoservice.ids import canonical
from geoservice.statements import communications, history

_ALPHABET = string.ascii_uppercase + string.digits
_COLUMNS = """s.id::text AS id, s.organisation_id::text AS organisation_id, s.kind, s.status,
  s.internal_reference, s.traces_uuid, s.reference_number, s.verification_number, s.simulated,
  s.rejection_reason, s.created_at, s.updated_at, s.submitted_at, s.available_at, s.amended_at,
  s.withdrawn_at, s.attempt"""
ACTIVE_CERT_STATUSES = ("in_statement", "submitted")
WINDOW = timedelta(hours=72)  # TRACES: amend and withdraw within 72 h of the submission


def new_internal_reference() -> str:
    """14 characters: fits both the DDS (35) and the simplified declaration (14) limits."""
    return "GS" + "".join(secrets.choice(_ALPHABET) for _ in range(12))


def event(conn: Connection, statement_id: str, status: str, code: str,
          **params: Any) -> None:
    """A history line: ``history.statement.<code>`` with ``params`` (English kept in message)."""
    english = history.say(code, params, "en")
    conn.execute(text("INSERT INTO statement_events (statement_id, status, message, code, "
                      "params) VALUES (CAST(:s AS uuid), :st, :m, :c, CAST(:p AS jsonb))"),
                 {"s": statement_id, "st": status, "m": english[:4000], "c": code,
                  "p": json.dumps(params, default=str)})


def visible_certificates(
    conn: Connection, principal: Principal, certificate_ids: list[str]
) -> list[dict[str, Any]]:
    """The certificates, all visible to the principal and of one organisation; 404 otherwise."""
    where, params = principal.org_filter("c.organisation_id")
    rows = conn.execute(text(
        "SELECT c.id::text AS id, c.organisation_id::text AS organisation_id, c.ca_number, "
        "c.status, c.version, c.verdict FROM certificates c "
        f"WHERE c.id = ANY(CAST(:ids AS uuid[])) AND {where} FOR UPDATE"),
        {"ids": [i for i in map(canonical, certificate_ids) if i], **params}).mappings().all()
    found = {r["id"] for r in rows}
    missing = [c for c in certificate_ids if canonical(c) not in found]
    if missing:
        raise NotFound(f"Certificate {missing[0]} was not found.", code="certificate_not_found",
                       details=[{"certificate_id": m} for m in missing])
    if len({r["organisation_id"] for r in rows}) > 1:
        raise ValidationFailed("A statement groups certificates of one organisation only.",
                               code="mixed_organisations")
    return [dict(r) for r in rows]


def create(
    conn: Connection, principal: Principal, certificates: list[dict[str, Any]],
    buyers: list[str], kind: str, simulated: bool,
) -> tuple[str, str]:
    """Insert a draft statement; the certificates move to in_statement. Returns (id, ref)."""
    busy = [c for c in certificates if c["status"] in ACTIVE_CERT_STATUSES]
    if busy:
        raise Conflict(
            "These certificates are already in another statement: "
            + ", ".join(c["ca_number"] for c in busy) + ".",
            code="certificate_in_statement",
            details=[{"certificate_id": c["id"], "status": c["status"]} for c in busy])
    blocked = [c for c in certificates if c.get("verdict") == "blocked"]
    if blocked:
        raise Conflict(
            "These certificates are blocked by their check and cannot go into a statement: "
            + ", ".join(c["ca_number"] for c in blocked) + ".",
            code="certificate_blocked",
            details=[{"field": "certificate_ids", "certificate_id": c["id"],
                      "ca_number": c["ca_number"]} for c in blocked])
    reference = new_internal_reference()
    sid = str(conn.execute(text(
        "INSERT INTO statements (organisation_id, internal_reference, kind, simulated, "
        "created_by) VALUES (CAST(:org AS uuid), :ref, :kind, :sim, CAST(:by AS uuid)) "
        "RETURNING id"), {"org": certificates[0]["organisation_id"], "ref": reference,
                          "kind": kind, "sim": simulated, "by": principal.user_id}).scalar_one())
    attach(conn, sid, certificates)
    if buyers:
        conn.execute(text("INSERT INTO statement_buyers (statement_id, buyer_reg_no) "
                          "VALUES (CAST(:s AS uuid), :b) ON CONFLICT DO NOTHING"),
                     [{"s": sid, "b": b} for b in buyers])
    event(conn, sid, "draft", "prepared", n=len(certificates))
    return sid, reference


def attach(conn: Connection, statement_id: str, certificates: list[dict[str, Any]]) -> None:
    conn.execute(text("DELETE FROM statement_certificates WHERE statement_id = CAST(:s AS uuid)"),
                 {"s": statement_id})
    conn.execute(text(
        "INSERT INTO statement_certificates (statement_id, certificate_id, certificate_version) "
        "VALUES (CAST(:s AS uuid), CAST(:c AS uuid), :v)"),
        [{"s": statement_id, "c": c["id"], "v": c["version"]} for c in certificates])
    set_certificate_status(conn, statement_id, "in_statement")


def set_certificate_status(conn: Connection, statement_id: str, status: str) -> None:
    conn.execute(text(
        "UPDATE certificates SET status = :st, updated_at = now() WHERE id IN (SELECT "
        "certificate_id FROM statement_certificates WHERE statement_id = CAST(:s AS uuid))"),
        {"st": status, "s": statement_id})


def load(conn: Connection, principal: Principal | None, statement_id: str,
         *, lock: bool = False, share: bool = False) -> dict[str, Any]:
    """One statement (404 when missing or another tenant's); ``lock`` takes a row lock,
    ``share`` a shared one (edits of its certificates wait, other readers do not)."""
    where, params = principal.org_filter("s.organisation_id") if principal else ("TRUE", {})
    sid = canonical(statement_id)
    row = sid and conn.execute(text(
        f"SELECT {_COLUMNS} FROM statements s WHERE s.id = CAST(:id AS uuid) AND {where}"
        + (" FOR UPDATE" if lock else " FOR SHARE" if share else "")),
        {"id": sid, **params}).mappings().first()
    if not row:
        raise NotFound(f"Statement {statement_id} was not found.", code="statement_not_found")
    return dict(row)


def certificate_ids(conn: Connection, statement_id: str) -> list[str]:
    return list(conn.execute(text(
        "SELECT certificate_id::text FROM statement_certificates "
        "WHERE statement_id = CAST(:s AS uuid) ORDER BY certificate_id"),
        {"s": statement_id}).scalars())


def detail(conn: Connection, principal: Principal | None, statement_id: str) -> dict[str, Any]:
    """The API shape: the statement, its certificates and buyers, and its history."""
    row = load(conn, principal, statement_id)
    row["certificate_ids"] = certificate_ids(conn, statement_id)
    row["buyers"] = list(conn.execute(text(
        "SELECT buyer_reg_no FROM statement_buyers WHERE statement_id = CAST(:s AS uuid) "
        "ORDER BY buyer_reg_no"), {"s": statement_id}).scalars())
    row["attempts"] = attempts(conn, statement_id)
    row["communications"] = communications.listing(conn, statement_id)
    if row["status"] in ("submitted", "available") and row["submitted_at"] is not None:
        row["window_closes_at"] = row["submitted_at"] + WINDOW
    # What went to TRACES (commodities, species, limits), once it has left the draft.
    row["sent"] = None if row["status"] == "draft" else conn.execute(text(
        "SELECT payload FROM statements WHERE id = CAST(:s AS uuid)"),
        {"s": statement_id}).scalar_one()
    row["history"] = [history.entry(dict(e)) for e in conn.execute(text(
        "SELECT at, status, message, code, params FROM statement_events "
        "WHERE statement_id = CAST(:s AS uuid) ORDER BY at, id"), {"s": statement_id}).mappings()]
    return row


def attempts(conn: Connection, statement_id: str) -> list[dict[str, Any]]:
    """Earlier TRACES submissions of the statement, oldest first."""
    return [dict(r) for r in conn.execute(text(
        "SELECT attempt, traces_uuid, status, rejection_reason, submitted_at, ended_at "
        "FROM statement_attempts WHERE statement_id = CAST(:s AS uuid) ORDER BY attempt"),
        {"s": statement_id}).mappings()]


def earlier_uuids(conn: Connection, statement_id: str) -> set[str]:
    """TRACES UUIDs of earlier attempts: a search by internal reference must not adopt them."""
    return {u.lower() for u in conn.execute(text(
        "SELECT traces_uuid FROM statement_attempts WHERE statement_id = CAST(:s AS uuid) "
        "AND traces_uuid IS NOT NULL"), {"s": statement_id}).scalars()}


def archive_attempt(conn: Connection, st: dict[str, Any]) -> None:
    """Keep the current (rejected) attempt and clear its TRACES state for the next one."""
    conn.execute(text(
        "INSERT INTO statement_attempts (statement_id, attempt, traces_uuid, status, "
        "rejection_reason, submitted_at) VALUES (CAST(:s AS uuid), :a, :u, :st, :r, :at)"),
        {"s": st["id"], "a": st["attempt"], "u": st["traces_uuid"], "st": st["status"],
         "r": st["rejection_reason"], "at": st["submitted_at"]})
    conn.execute(text(
        "UPDATE statements SET attempt = attempt + 1, traces_uuid = NULL, reference_number = NULL, "
        "verification_number = NULL, rejection_reason = NULL, submitted_at = NULL, "
        "available_at = NULL, status = 'draft', updated_at = now() "
        "WHERE id = CAST(:s AS uuid)"), {"s": st["id"]})


def listing(conn: Connection, principal: Principal, status: str | None,
            limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    where, params = principal.org_filter("s.organisation_id")
    cond = f"{where} AND (CAST(:status AS text) IS NULL OR s.status = :status)"
    args = {**params, "status": status, "limit": limit, "offset": offset}
    total = conn.execute(text(f"SELECT count(*) FROM statements s WHERE {cond}"), args).scalar_one()
    rows = conn.execute(text(
        f"SELECT {_COLUMNS}, ARRAY(SELECT certificate_id::text FROM statement_certificates sc "
        "WHERE sc.statement_id = s.id ORDER BY 1) AS certificate_ids, "
        f"{communications.COUNT_SQL} AS communication_count FROM statements s "
        f"WHERE {cond} ORDER BY s.created_at DESC, s.id LIMIT :limit OFFSET :offset"),
        args).mappings()
    return [dict(r) for r in rows], int(total)


def update(conn: Connection, statement_id: str, **values: Any) -> None:
    """Set columns (names are ours, never user input) and touch updated_at."""
    sets = ", ".join(f"{k} = :{k}" for k in values)
    conn.execute(text(f"UPDATE statements SET {sets}, updated_at = now() "
                      "WHERE id = CAST(:sid AS uuid)"), {**values, "sid": statement_id})


def delete(conn: Connection, statement_id: str) -> None:
    set_certificate_status(conn, statement_id, "ready")
    conn.execute(text("DELETE FROM statements WHERE id = CAST(:s AS uuid)"), {"s": statement_id})
