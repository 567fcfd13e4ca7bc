"""Statement use cases run inside one request transaction: create, submit, amend, withdraw."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from geoservice.accounts import audit
from geoservice.accounts.principal import Principal
from geoservice.errors import Conflict, Forbidden
from geoservice.i18n import Bilingual
from geoservice.ids import canonical
from geoservice.settings import Settings
from geoservice.statements import builder, connect, outbox, prevalidate, store
from geoservice.statements.builder import Built

AMEND_WINDOW = store.WINDOW


def _editor(principal: Principal) -> None:
    if not principal.can_edit():
        raise Forbidden(f"Preparing and submitting statements needs the role owner, analyst or "
                        f"admin; you are {principal.role}.", code="role_required")


def _build(conn: Connection, settings: Settings, st: dict[str, Any]) -> Built:
    account = connect.account_for(conn, settings, st["organisation_id"])
    built = builder.build(conn, st["organisation_id"], store.certificate_ids(conn, st["id"]),
                          st["internal_reference"], representative=not account.own)
    builder.ensure_within_limits(built)
    return built


def create(conn: Connection, settings: Settings, principal: Principal,
           certificate_ids: list[str], buyers: list[str]) -> dict[str, Any]:
    _editor(principal)
    certs = store.visible_certificates(conn, principal, certificate_ids)
    kind = str(conn.execute(text("SELECT declaration_kind FROM organisations WHERE id = "
                                 "CAST(:o AS uuid)"), {"o": certs[0]["organisation_id"]})
               .scalar_one())
    sid, _ = store.create(conn, principal, certs, buyers, kind, connect.base_url(settings)[1])
    built = _build(conn, settings, store.load(conn, None, sid))
    store.update(conn, sid, payload=_payload(built))
    audit.record(conn, principal, entity="statement", entity_id=sid, action="create",
                 changes={"certificate_ids": certificate_ids, "buyers": buyers},
                 organisation_id=certs[0]["organisation_id"])
    return store.detail(conn, principal, sid)


def _payload(built: Built) -> str:
    summary = builder.summary(built)
    summary.pop("producers")
    return json.dumps(summary, default=str)


def preview(conn: Connection, settings: Settings, principal: Principal,
            statement_id: str) -> dict[str, Any]:
    st = store.load(conn, principal, statement_id)
    account = connect.account_for(conn, settings, st["organisation_id"])
    report = prevalidate.report(conn, settings, st)
    assert report.built is not None
    result = builder.summary(report.built)
    result.update({"statement_id": statement_id, "internal_reference": st["internal_reference"],
                   "operator_role": connect.operator_role(st["kind"], account),
                   "simulated": account.simulated, "submittable": not report.errors,
                   "problems": [p.to_json() for p in report.problems]})
    return result


def submit(conn: Connection, settings: Settings, principal: Principal,
           statement_id: str) -> tuple[dict[str, Any], bool]:
    """Queue the submission; (statement, queued_now). A second click queues nothing."""
    _editor(principal)
    st = store.load(conn, principal, statement_id, lock=True)
    if st["status"] == "queued":
        return store.detail(conn, principal, statement_id), False
    if st["status"] != "draft":
        raise Conflict(f"The statement is {st['status']}; only a draft can be submitted.",
                       code="statement_not_draft")
    prevalidate.ensure_valid(conn, settings, st, principal.language)
    store.update(conn, statement_id, status="queued")
    outbox.enqueue(conn, statement_id, "submit")
    store.event(conn, statement_id, "queued", "queued", by=principal.email)
    audit.record(conn, principal, entity="statement", entity_id=statement_id, action="submit",
                 organisation_id=st["organisation_id"])
    return store.detail(conn, principal, statement_id), True


def resubmit(conn: Connection, settings: Settings, principal: Principal,
             statement_id: str) -> tuple[dict[str, Any], bool]:
    """A rejected statement, corrected, goes to TRACES again as a new submission of the same
    statement (the rejected attempt stays in ``attempts`` and the history). A second click, or
    two at once, queue one submission: the row lock orders them and the second finds it queued.
    """
    _editor(principal)
    st = store.load(conn, principal, statement_id, lock=True)
    if st["status"] == "queued":
        return store.detail(conn, principal, statement_id), False
    if st["status"] != "rejected":
        raise Conflict(f"Only a rejected statement can be resubmitted; this one is "
                       f"{st['status']}.", code="statement_not_rejected")
    certs = store.visible_certificates(conn, principal, store.certificate_ids(conn, statement_id))
    store.archive_attempt(conn, st)
    store.attach(conn, statement_id, certs)  # the corrected versions
    # A 422 here rolls the request back: still rejected, nothing archived, problems listed.
    built = prevalidate.ensure_valid(conn, settings, store.load(conn, None, statement_id),
                                     principal.language)
    store.update(conn, statement_id, payload=_payload(built), status="queued")
    outbox.enqueue(conn, statement_id, "submit")
    store.event(conn, statement_id, "queued", "requeued", by=principal.email,
                attempt=st["attempt"] + 1, previous=st["attempt"])
    audit.record(conn, principal, entity="statement", entity_id=statement_id,
                 action="resubmit", changes={"attempt": st["attempt"] + 1},
                 organisation_id=st["organisation_id"])
    return store.detail(conn, principal, statement_id), True


def window_closes_at(st: dict[str, Any]) -> datetime | None:
    """When amending and withdrawing stop being possible (72 h after TRACES took it)."""
    sent = st.get("submitted_at")
    return sent + AMEND_WINDOW if sent is not None else None


def _within_window(conn: Connection, st: dict[str, Any], what: str,
                   language: str = "lv") -> None:
    closes = window_closes_at(st)
    # The database's clock, which set submitted_at (the worker's commit): a server whose own
    # clock runs ahead or behind neither closes the window early nor keeps it open late.
    if closes is None or conn.execute(text("SELECT now()")).scalar_one() >= closes:
        when = closes.strftime("%Y-%m-%d %H:%M UTC") if closes else ""
        lv = {"amended": "grozīt", "withdrawn": "atsaukt"}[what]
        message = Bilingual({
            "lv": f"Deklarāciju var {lv} tikai 72 stundas pēc iesniegšanas; šis laiks beidzās "
                  f"{when}.",
            "en": f"A statement can be {what} only within 72 hours of its submission; that "
                  f"time ended {when}."}, language)
        raise Conflict(message, code="amend_window_closed",
                       details=[{"submitted_at": st["submitted_at"].isoformat()
                                 if st["submitted_at"] else None,
                                 "window_closed_at": closes.isoformat() if closes else None}])


def amend(conn: Connection, settings: Settings, principal: Principal, statement_id: str,
          certificate_ids: list[str] | None) -> tuple[dict[str, Any], bool]:
    _editor(principal)
    st = store.load(conn, principal, statement_id, lock=True)
    if st["status"] != "available":
        raise Conflict(f"Only an available statement can be amended; this one is "
                       f"{st['status']}.", code="statement_not_available")
    _within_window(conn, st, "amended", principal.language)
    current = store.certificate_ids(conn, statement_id)
    wanted = [canonical(c) or c for c in certificate_ids] if certificate_ids else current
    certs = store.visible_certificates(conn, principal, wanted)
    if any(c["organisation_id"] != st["organisation_id"] for c in certs):
        raise Conflict("The certificates belong to another organisation.",
                       code="mixed_organisations")
    busy = [c for c in certs if c["id"] not in current and c["status"] in
            store.ACTIVE_CERT_STATUSES]
    if busy:
        raise Conflict("Already in another statement: "
                       + ", ".join(c["ca_number"] for c in busy) + ".",
                       code="certificate_in_statement")
    removed = [c for c in current if c not in wanted]
    if removed:
        conn.execute(text("UPDATE certificates SET status = 'ready' "
                          "WHERE id = ANY(CAST(:ids AS uuid[]))"), {"ids": removed})
    store.attach(conn, statement_id, certs)
    store.set_certificate_status(conn, statement_id, "submitted")
    built = prevalidate.ensure_valid(conn, settings, st, principal.language)
    store.update(conn, statement_id, payload=_payload(built))
    queued = outbox.enqueue(conn, statement_id, "amend")
    store.event(conn, statement_id, "amend_queued", "amend_queued", n=len(certs),
                by=principal.email)
    audit.record(conn, principal, entity="statement", entity_id=statement_id, action="amend",
                 changes={"certificate_ids": wanted}, organisation_id=st["organisation_id"])
    return store.detail(conn, principal, statement_id), queued


def withdraw(conn: Connection, principal: Principal,
             statement_id: str) -> tuple[dict[str, Any], bool]:
    _editor(principal)
    st = store.load(conn, principal, statement_id, lock=True)
    if st["status"] not in ("submitted", "available") or not st["traces_uuid"]:
        raise Conflict(f"Only a submitted or available statement can be withdrawn; this one "
                       f"is {st['status']}.", code="statement_not_withdrawable")
    _within_window(conn, st, "withdrawn", principal.language)
    queued = outbox.enqueue(conn, statement_id, "withdraw")
    if queued:
        store.event(conn, statement_id, "withdraw_queued", "withdraw_queued",
                    by=principal.email)
    audit.record(conn, principal, entity="statement", entity_id=statement_id, action="withdraw",
                 organisation_id=st["organisation_id"])
    return store.detail(conn, principal, statement_id), queued


def delete(conn: Connection, principal: Principal, statement_id: str) -> None:
    _editor(principal)
    st = store.load(conn, principal, statement_id, lock=True)
    if st["status"] not in ("draft", "rejected"):
        raise Conflict(f"Only a draft or rejected statement can be deleted; this one is "
                       f"{st['status']} (withdraw it instead).", code="statement_not_deletable")
    store.delete(conn, statement_id)
    audit.record(conn, principal, entity="statement", entity_id=statement_id, action="delete",
                 organisation_id=st["organisation_id"])


def rebuild(conn: Connection, settings: Settings, principal: Principal,
            statement_id: str) -> dict[str, Any]:
    """A draft takes the certificates' current versions (after they were corrected)."""
    _editor(principal)
    st = store.load(conn, principal, statement_id, lock=True)
    if st["status"] != "draft":
        raise Conflict(f"Only a draft can be rebuilt; this one is {st['status']}.",
                       code="statement_not_draft")
    certs = store.visible_certificates(conn, principal, store.certificate_ids(conn, statement_id))
    store.attach(conn, statement_id, certs)
    store.update(conn, statement_id, payload=_payload(_build(conn, settings, st)))
    store.event(conn, statement_id, "draft", "rebuilt")
    return store.detail(conn, principal, statement_id)
