"""Every event reaches each recipient once: e-mail over real SMTP, signed webhooks over HTTP."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest
from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from geoservice.errors import ValidationFailed
from geoservice.notify import webhooks
from geoservice.settings import Settings, SmtpSettings, TracesSettings
from geoservice.statements.worker import Worker
from geoservice.traces.simulator import TracesSimulator
from tests.conftest import bearer
from tests.notify.conftest import Mailbox, Receiver
from tests.statements.conftest import drain
from tests.statements.helpers import fetch, queued

ALL = ["statement.available", "statement.rejected", "statement.withdrawn", "finding.confirmed"]


def _register(client: TestClient, owner: Any, url: str, events: list[str] = ALL) -> dict[str, Any]:
    answer = client.post("/api/v1/webhooks", headers=bearer(owner),
                         json={"url": url, "events": events})
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _due_now(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE notifications SET next_attempt_at = now() "
                          "WHERE state = 'pending'"))


def test_available_reaches_owners_and_admins_and_the_webhook_exactly_once(
    client: TestClient, engine: Engine, client_org, worker: Worker, smtp_server: Mailbox,
    receiver: Receiver,
) -> None:
    owner, admin = client_org["owner"], client_org["admin"]
    hook = _register(client, owner, receiver.url)
    assert len(hook["secret"]) >= 32
    listed = client.get("/api/v1/webhooks", headers=bearer(owner)).json()
    assert [h["id"] for h in listed] == [hook["id"]] and "secret" not in listed[0]

    st = queued(client, engine, owner)
    drain(worker)
    done = fetch(client, owner, st["id"])
    assert done["status"] == "available"
    assert smtp_server.to() == sorted([owner.email, admin.email])
    mail = smtp_server.messages[0]
    text_body = mail.get_payload()
    assert done["internal_reference"] in str(mail["Subject"])
    assert done["reference_number"] in text_body and done["verification_number"] in text_body
    assert "Atsauces numurs" in text_body  # Latvian: the users' language

    [delivery] = receiver.requests
    expected = "sha256=" + hmac.new(hook["secret"].encode(), delivery.body,
                                    hashlib.sha256).hexdigest()
    assert delivery.headers["X-Geoservice-Signature"] == expected
    event = delivery.json()
    assert event["event"] == "statement.available" and event["statement_id"] == st["id"]
    assert event["status"] == "available" and event["at"]
    assert event["reference_number"] == done["reference_number"]
    assert event["verification_number"] == done["verification_number"]

    drain(worker)  # nothing more: each one was sent once
    assert len(smtp_server.messages) == 2 and len(receiver.requests) == 1
    log = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=bearer(owner)).json()
    assert [(d["event"], d["status_code"], d["state"]) for d in log] == [
        ("statement.available", 200, "done")]


def test_webhook_500_and_refusing_mail_server_are_retried_until_delivered_once(
    client: TestClient, engine: Engine, client_org, worker: Worker, smtp_server: Mailbox,
    receiver: Receiver, sim: TracesSimulator,
) -> None:
    owner = client_org["owner"]
    hook = _register(client, owner, receiver.url, ["statement.rejected"])
    receiver.statuses = [500, 503]
    smtp_server.refuse = 1
    st = queued(client, engine, owner)
    sim.reject_next("EUDR-COMMODITIES-PRODUCER-GEO-INVALID: broken")
    drain(worker)
    assert fetch(client, owner, st["id"])["status"] == "rejected"
    for _ in range(3):
        _due_now(engine)
        drain(worker)
    bodies = [r.json() for r in receiver.requests]
    assert [b["event"] for b in bodies] == ["statement.rejected"] * 3
    assert len({r.headers["X-Geoservice-Delivery"] for r in receiver.requests}) == 1
    assert bodies[0]["rejection_reason"].startswith("EUDR-COMMODITIES")
    log = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=bearer(owner)).json()
    assert [d["status_code"] for d in reversed(log)] == [500, 503, 200]
    assert smtp_server.to() == sorted([owner.email, client_org["admin"].email])
    with engine.begin() as conn:
        states = set(conn.execute(text(
            "SELECT state FROM notifications WHERE event_key LIKE :k"),
            {"k": f"statement.rejected:{st['id']}:%"}).scalars())
    assert states == {"done"}


def test_users_opt_in_and_out(
    client: TestClient, engine: Engine, client_org, worker: Worker, smtp_server: Mailbox,
) -> None:
    owner, analyst = client_org["owner"], client_org["analyst"]
    assert client.patch("/api/v1/me", headers=bearer(owner),
                        json={"notifications": False}).json()["notifications"] is False
    assert client.patch("/api/v1/me", headers=bearer(analyst),
                        json={"notifications": True}).status_code == 200
    bad = client.patch("/api/v1/me", headers=bearer(owner), json={"notifications": "maybe"})
    assert bad.status_code == 422
    assert set(bad.json()["error"]) == {"code", "message", "messages", "details"}
    st = queued(client, engine, owner)
    drain(worker)
    assert fetch(client, owner, st["id"])["status"] == "available"
    assert smtp_server.to() == sorted([analyst.email, client_org["admin"].email])


def test_withdrawal_and_confirmed_finding_are_told(
    client: TestClient, engine: Engine, client_org, operator, worker: Worker,
    receiver: Receiver,
) -> None:
    owner = client_org["owner"]
    _register(client, owner, receiver.url, ["statement.withdrawn", "finding.confirmed"])
    st = queued(client, engine, owner)
    drain(worker)
    assert client.post(f"/api/v1/statements/{st['id']}/withdraw",
                       headers=bearer(owner)).status_code == 202
    drain(worker)
    assert fetch(client, owner, st["id"])["status"] == "withdrawn"
    with engine.begin() as conn:
        finding = conn.execute(text(
            "INSERT INTO findings (organisation_id, certificate_id, area_id, run_id, rule, "
            "severity, status, message_lv, message_en) SELECT c.organisation_id, c.id, a.id, "
            "(SELECT r.id FROM check_runs r WHERE r.certificate_id = c.id ORDER BY r.at DESC "
            "LIMIT 1), 'forest_to_agriculture', 'flag', 'open', 'x', 'x' FROM certificates c JOIN "
            "felling_areas a ON a.certificate_id = c.id WHERE c.id = CAST(:c AS uuid) LIMIT 1 "
            "RETURNING id::text"), {"c": st["certificate_ids"][0]}).scalar_one()
    answer = client.post(f"/api/v1/findings/{finding}/review",
                         headers=bearer(operator["compliance_officer"]),
                         json={"decision": "confirm", "reason": "Lauks redzams ortofoto 2021."})
    assert answer.status_code == 200, answer.text
    drain(worker)
    assert [r.json()["event"] for r in receiver.requests] == [
        "statement.withdrawn", "finding.confirmed"]
    confirmed = receiver.requests[1].json()
    assert confirmed["finding_id"] == finding and confirmed["statement_id"] == st["id"]
    assert confirmed["status"] == "confirmed" and confirmed["at"]


def test_webhook_input_is_checked_and_tenants_are_apart(
    client: TestClient, client_org, org_b, receiver: Receiver,
) -> None:
    owner = client_org["owner"]
    for body, code in (({"url": "ftp://x.example/h", "events": ALL}, "webhook_url_invalid"),
                       ({"url": receiver.url, "events": ["statement.eaten"]},
                        "webhook_events_invalid")):
        answer = client.post("/api/v1/webhooks", headers=bearer(owner), json=body)
        assert answer.status_code == 422 and answer.json()["error"]["code"] == code
    assert client.post("/api/v1/webhooks", headers=bearer(client_org["analyst"]),
                       json={"url": receiver.url, "events": ALL}).status_code == 403
    hook = _register(client, owner, receiver.url)
    theirs = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries",
                        headers=bearer(org_b["owner"]))
    assert theirs.status_code == 404
    assert client.get("/api/v1/webhooks", headers=bearer(org_b["owner"])).json() == []


@pytest.mark.parametrize("url", ["https://127.0.0.1/hook", "https://10.1.2.3/hook",
                                 "https://[::1]/hook", "https://169.254.169.254/latest",
                                 "https://localhost/hook"])
def test_production_refuses_private_and_loopback_urls(url: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        webhooks.check_url(url, production=True)
    assert caught.value.code == "webhook_url_not_public"
    webhooks.check_url(url.replace("https", "http"), production=False)  # tests, development
    outcome = webhooks.deliver(url, "s", "statement.available", 1, b"{}", production=True)
    assert not outcome.ok and outcome.status_code is None and "private or local" in (
        outcome.error or "")


def test_production_wants_https() -> None:
    with pytest.raises(ValidationFailed, match="https"):
        webhooks.check_url("http://93.184.215.14/hook", production=True)


def test_a_webhook_that_never_answers_is_retried_and_delivered_once(
    client: TestClient, engine: Engine, client_org, worker: Worker, receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    owner = client_org["owner"]
    hook = _register(client, owner, receiver.url, ["statement.available"])
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 0.5)
    receiver.hang_seconds = 2.0
    st = queued(client, engine, owner)
    drain(worker)
    assert fetch(client, owner, st["id"])["status"] == "available"
    [first] = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries",
                         headers=bearer(owner)).json()
    assert first["status_code"] is None and "Timeout" in first["error"]
    assert first["state"] == "pending"
    receiver.hang_seconds = 0.0
    _due_now(engine)
    drain(worker)
    log = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=bearer(owner)).json()
    assert [d["status_code"] for d in reversed(log)] == [None, 200]
    assert {d["state"] for d in log} == {"done"}


def test_a_mail_server_that_never_answers_leaves_the_mail_to_retry(
    client: TestClient, engine: Engine, client_org, settings: Settings, pool: Any,
    silent_smtp: int,
) -> None:
    owner = client_org["owner"]
    hung = settings.model_copy(update={
        "traces": TracesSettings(poll_seconds=0),
        "smtp": SmtpSettings(host="127.0.0.1", port=silent_smtp, starttls=False,
                             timeout_seconds=0.5)})
    worker = Worker(engine, hung, pool, name="hung-mail", lease_seconds=30)
    st = queued(client, engine, owner)
    drain(worker)
    assert fetch(client, owner, st["id"])["status"] == "available"  # mail does not hold it up
    with engine.begin() as conn:
        rows = conn.execute(text(
            "SELECT state, attempts, last_error FROM notifications WHERE channel = 'email' "
            "AND event_key LIKE :k"), {"k": f"statement.available:{st['id']}:%"}).all()
    assert len(rows) == 2  # owner and admin
    assert all(r.state == "pending" and r.attempts == 1 and r.last_error for r in rows)
