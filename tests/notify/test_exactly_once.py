"""A worker that dies anywhere in a delivery: after recovery the real SMTP server has each
e-mail once per Message-ID and the webhook receiver each event once per delivery id.

The crash is a BaseException raised by the dispatcher's fault hook at a named point: nothing
after it runs and nothing uncommitted survives, as when the process is killed; recovery is the
lease running out and the next run of the dispatcher.
"""

from __future__ import annotations

import secrets
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from geoservice.notify import dispatch
from geoservice.notify import outbox as notify
from geoservice.notify.outbox import Notification
from geoservice.settings import Settings
from tests.conftest import bearer
from tests.notify.conftest import Mailbox, Receiver


class Crash(BaseException):
    """The process dies here (no handler of ours catches a BaseException)."""


def crash_at(point: str, channel: str) -> dispatch.Fault:
    fired: list[int] = []

    def fault(where: str, note: Notification) -> None:
        if where == point and note.channel == channel and not fired:
            fired.append(note.id)
            raise Crash(f"{point} of notification {note.id}")

    return fault


def _event(engine: Engine, org_id: str) -> str:
    key = secrets.token_hex(6)
    with engine.begin() as conn:
        added = notify.enqueue(conn, org_id, "statement.available", key,
                               {"statement_id": key, "status": "available",
                                "internal_reference": "GS" + key.upper(),
                                "reference_number": "26LVABCDEFGHIJ",
                                "verification_number": "ABCD1234"})
    assert added == 3  # owner, admin, the webhook
    return f"statement.available:{key}"


def _recover(engine: Engine, settings: Settings) -> None:
    """The dead worker's lease runs out; the next run of the dispatcher takes the rows."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE notifications SET next_attempt_at = now() "
                          "WHERE state = 'pending'"))
    for _ in range(5):
        if not dispatch.run_once(engine, settings):
            return
    raise AssertionError("notifications still due after recovery")


def _rows(engine: Engine, key: str) -> list[Any]:
    with engine.begin() as conn:
        return list(conn.execute(text(
            "SELECT channel, target, state, message_id, sent_at, resent, last_error "
            "FROM notifications WHERE event_key = :k ORDER BY channel, target"), {"k": key}))


@pytest.fixture()
def hook(client: TestClient, client_org: Any, receiver: Receiver) -> dict[str, Any]:
    answer = client.post("/api/v1/webhooks", headers=bearer(client_org["owner"]),
                         json={"url": receiver.url, "events": ["statement.available"]})
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


# Where the worker dies, and whether the receiver can have it already (then it gets it again,
# recognisably: the only case left is the one between the receiver's answer and our COMMIT).
POINTS = [("claimed", False), ("sending", False), ("accepted", True), ("recorded", False)]


@pytest.mark.parametrize(("point", "repeated"), POINTS)
def test_mail_is_delivered_once_per_message_id_whatever_the_crash_point(
    engine: Engine, client_org: Any, worker_settings: Settings, smtp_server: Mailbox,
    hook: dict[str, Any], receiver: Receiver, point: str, repeated: bool,
) -> None:
    key = _event(engine, client_org["owner"].org_id)
    with pytest.raises(Crash):
        dispatch.run_once(engine, worker_settings, fault=crash_at(point, "email"))
    _recover(engine, worker_settings)

    people = sorted([client_org["owner"].email, client_org["admin"].email])
    ids: dict[str, set[str]] = {}
    for m in smtp_server.messages:
        ids.setdefault(str(m["To"]), set()).add(str(m["Message-ID"]))
    assert sorted(ids) == people
    assert all(len(v) == 1 for v in ids.values()), ids  # one Message-ID per recipient
    rows = _rows(engine, key)
    mails = [r for r in rows if r.channel == "email"]
    assert {r.state for r in rows} == {"done"} and all(r.sent_at for r in rows)
    assert {r.target: {r.message_id} for r in mails} == ids  # the stored id is what was sent
    copies = Counter(str(m["To"]) for m in smtp_server.messages)
    assert sum(copies.values()) == len(people) + (1 if repeated else 0)
    again = [r for r in mails if r.resent]
    if point in ("sending", "accepted"):  # the try that began sending was cut off
        [row] = again
        assert row.message_id in row.last_error
    else:
        assert again == []
    assert len(receiver.requests) == 1  # the webhook went once beside it


@pytest.mark.parametrize(("point", "repeated"), POINTS)
def test_webhook_is_delivered_once_per_delivery_id_whatever_the_crash_point(
    client: TestClient, engine: Engine, client_org: Any, worker_settings: Settings,
    smtp_server: Mailbox, hook: dict[str, Any], receiver: Receiver, point: str,
    repeated: bool,
) -> None:
    key = _event(engine, client_org["owner"].org_id)
    with pytest.raises(Crash):
        dispatch.run_once(engine, worker_settings, fault=crash_at(point, "webhook"))
    _recover(engine, worker_settings)

    delivery_ids = [r.headers["X-Geoservice-Delivery"] for r in receiver.requests]
    assert len(set(delivery_ids)) == 1
    assert len(delivery_ids) == (2 if repeated else 1)
    if repeated:  # the repeat says so, with the same id, body and signature
        first, second = receiver.requests
        assert "X-Geoservice-Redelivery" not in first.headers
        assert second.headers["X-Geoservice-Redelivery"] == "1"
        assert second.body == first.body
        assert (second.headers["X-Geoservice-Signature"]
                == first.headers["X-Geoservice-Signature"])
    assert [r.json()["event"] for r in receiver.requests][-1] == "statement.available"
    assert {r.state for r in _rows(engine, key)} == {"done"}
    log = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries",
                     headers=bearer(client_org["owner"])).json()
    # newest first; a try cut off after it left shows in the log unanswered, then its repeat
    assert [(d["status_code"], d["error"]) for d in log] == [(200, None)] + (
        [(None, dispatch.INTERRUPTED)] if point in ("sending", "accepted") else [])
    assert len(smtp_server.messages) == 2  # each person's mail once beside it


def test_a_worker_paused_past_its_lease_does_not_send_a_second_copy(
    engine: Engine, client_org: Any, worker_settings: Settings, smtp_server: Mailbox,
    hook: dict[str, Any], receiver: Receiver,
) -> None:
    """While the first worker hangs (GC pause, stopped VM) its lease ends and another worker
    delivers everything; when the first one wakes up it finds the rows are no longer its own."""
    key = _event(engine, client_org["owner"].org_id)
    taken_over: list[int] = []

    def pause(where: str, note: Notification) -> None:
        if where == "claimed" and not taken_over:
            taken_over.append(note.id)
            _recover(engine, worker_settings)  # the other worker, during the pause

    assert dispatch.run_once(engine, worker_settings, fault=pause) == 3
    assert len(smtp_server.messages) == 2 and len(receiver.requests) == 1
    assert {r.state for r in _rows(engine, key)} == {"done"}


def test_a_refused_mail_is_no_repeat_but_a_lost_answer_may_be(
    engine: Engine, client_org: Any, worker_settings: Settings, smtp_server: Mailbox,
    hook: dict[str, Any],
) -> None:
    """A 451 proves the server did not take the message: its next try is not flagged."""
    key = _event(engine, client_org["owner"].org_id)
    smtp_server.refuse = 2
    dispatch.run_once(engine, worker_settings)
    assert [r.state for r in _rows(engine, key) if r.channel == "email"] == ["pending"] * 2
    _recover(engine, worker_settings)
    rows = [r for r in _rows(engine, key) if r.channel == "email"]
    assert [(r.state, r.resent, r.last_error) for r in rows] == [("done", 0, None)] * 2
    assert len(smtp_server.messages) == 2
