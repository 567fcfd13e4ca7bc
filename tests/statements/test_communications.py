"""What TRACES says is kept: communicationToOperator and the statuses getDds reported."""

from __future__ import annotations

from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from geoservice.settings import Settings
from geoservice.statements.connect import ClientPool
from geoservice.statements.outbox import Job
from geoservice.statements.worker import Worker
from geoservice.traces.simulator import TracesSimulator
from tests.conftest import bearer
from tests.statements.conftest import drain
from tests.statements.helpers import expire_leases, fetch, queued

MESSAGE = "Lūdzu iesniedziet cirsmas 1 robežu precizējumu līdz 15. datumam."


def test_a_message_from_traces_is_stored_shown_and_counted_once(
    client: TestClient, engine: Engine, client_org, worker_settings: Settings,
    pool: ClientPool, sim: TracesSimulator,
) -> None:
    owner = client_org["owner"]
    st = queued(client, engine, owner)

    def authority_writes(operation: str, job: Job) -> None:
        if operation != "submit":
            return
        [record] = sim.store.by_internal_reference("simulator", st["internal_reference"], "DDS")
        sim.communicate(record.uuid, MESSAGE)

    worker = Worker(engine, worker_settings, pool, name="comm", lease_seconds=30,
                    after_call=authority_writes)
    drain(worker)
    done = fetch(client, owner, st["id"])
    assert done["status"] == "available", done["history"]
    said = done["communications"]
    messages = [c for c in said if c["kind"] == "communication"]
    assert [m["content"] for m in messages] == [MESSAGE]
    assert messages[0]["traces_uuid"] == done["traces_uuid"] and messages[0]["traces_at"]
    assert [c["status"] for c in said if c["kind"] == "status"] == ["AVAILABLE"]
    assert any(h["status"] == "communication" and MESSAGE in h["message"]
               for h in done["history"])

    # polled again (as after an amendment), the same message is not stored twice
    assert client.post(f"/api/v1/statements/{st['id']}/amend",
                       headers=bearer(owner)).status_code == 202
    drain(worker)
    again = fetch(client, owner, st["id"])
    assert [c["content"] for c in again["communications"]
            if c["kind"] == "communication"] == [MESSAGE]

    listed = client.get("/api/v1/statements", headers=bearer(owner)).json()["items"]
    assert {s["id"]: s["communication_count"] for s in listed}[st["id"]] == 1
    page = client.get("/statements", headers={**bearer(owner), "accept": "text/html"})
    assert page.status_code == 200


def test_statuses_reported_while_waiting_are_kept(
    client: TestClient, engine: Engine, client_org, worker: Worker, sim: TracesSimulator,
) -> None:
    owner = client_org["owner"]
    sim.delay_seconds = 3600  # stays SUBMITTED on the first poll
    st = queued(client, engine, owner)
    for _ in range(3):  # submit, then polls that keep seeing SUBMITTED
        worker.run_once()
    waiting = fetch(client, owner, st["id"])
    assert waiting["status"] == "submitted"
    assert [(c["kind"], c["status"]) for c in waiting["communications"]] == [
        ("status", "SUBMITTED")]
    assert waiting["sent"]["commodities"] and waiting["sent"]["kind"] == "dds"


def _follow_jobs(engine: Engine, statement_id: str) -> list[tuple[str, str]]:
    with engine.begin() as conn:
        return [(r.state, r.last_error or "") for r in conn.execute(text(
            "SELECT state, last_error FROM outbox WHERE statement_id = CAST(:s AS uuid) "
            "AND operation = 'follow' ORDER BY id"), {"s": statement_id})]


def test_a_message_written_after_available_is_read_stored_shown_and_counted(
    client: TestClient, engine: Engine, client_org, worker: Worker, sim: TracesSimulator,
) -> None:
    owner = client_org["owner"]
    st = queued(client, engine, owner)
    drain(worker)
    done = fetch(client, owner, st["id"])
    assert done["status"] == "available" and not [
        c for c in done["communications"] if c["kind"] == "communication"]
    assert _follow_jobs(engine, st["id"]) == [("pending", "")]  # still listening to TRACES

    sim.communicate(done["traces_uuid"], MESSAGE)  # the authority writes, hours later
    assert drain(worker) == 0  # the next look is 15 minutes away, not at once
    expire_leases(engine)
    drain(worker)
    later = fetch(client, owner, st["id"])
    assert [c["content"] for c in later["communications"]
            if c["kind"] == "communication"] == [MESSAGE]
    assert any(h["status"] == "communication" and MESSAGE in h["message"]
               for h in later["history"])
    [(state, note)] = _follow_jobs(engine, st["id"])
    assert state == "pending" and "AVAILABLE" in note
    listed = client.get("/api/v1/statements", headers=bearer(owner)).json()["items"]
    assert {s["id"]: s["communication_count"] for s in listed}[st["id"]] == 1
    page = client.get("/statements", headers={**bearer(owner), "accept": "text/html"})
    assert f'href="/statements/{st["id"]}#communications-title" class="badge">1<' in page.text
    expire_leases(engine)
    drain(worker)  # read again: the same message is not stored twice
    assert fetch(client, owner, st["id"])["communications"] == later["communications"]


def test_a_withdrawal_traces_reports_after_available_is_applied_and_told(
    client: TestClient, engine: Engine, client_org, worker: Worker, sim: TracesSimulator,
) -> None:
    owner = client_org["owner"]
    st = queued(client, engine, owner)
    drain(worker)
    uuid = fetch(client, owner, st["id"])["traces_uuid"]
    sim.store.force_status(uuid, "WITHDRAWN")
    expire_leases(engine)
    drain(worker)
    after = fetch(client, owner, st["id"])
    assert after["status"] == "withdrawn"
    assert [c["status"] for c in after["communications"] if c["kind"] == "status"] == [
        "AVAILABLE", "WITHDRAWN"]
    assert _follow_jobs(engine, st["id"])[0][0] == "done"
    with engine.begin() as conn:
        told = conn.execute(text("SELECT count(*) FROM notifications WHERE event_key LIKE :k"),
                            {"k": f"statement.withdrawn:{st['id']}:%"}).scalar_one()
    assert told >= 1  # owners and admins hear of it


def test_following_slows_after_the_window_and_ends_after_30_days(
    client: TestClient, engine: Engine, client_org, worker: Worker, sim: TracesSimulator,
) -> None:
    owner = client_org["owner"]
    st = queued(client, engine, owner)
    drain(worker)

    def age(hours: int) -> None:
        with engine.begin() as conn:
            conn.execute(text(
                "UPDATE statements SET submitted_at = now() - make_interval(hours => :h), "
                "available_at = now() - make_interval(hours => :h) "
                "WHERE id = CAST(:s AS uuid)"), {"h": hours, "s": st["id"]})
        expire_leases(engine)
        drain(worker)

    def next_look_in_hours() -> float:
        with engine.begin() as conn:
            return float(conn.execute(text(
                "SELECT extract(epoch FROM next_attempt_at - now()) / 3600 FROM outbox "
                "WHERE statement_id = CAST(:s AS uuid) AND operation = 'follow' "
                "AND state = 'pending'"), {"s": st["id"]}).scalar_one())

    age(1)
    assert 0.2 < next_look_in_hours() <= 0.25  # every 15 minutes within the 72 hours
    age(80)
    assert 5.9 < next_look_in_hours() <= 6  # every 6 hours after them
    age(31 * 24)
    assert _follow_jobs(engine, st["id"])[-1][0] == "done"  # and no more after 30 days
    assert fetch(client, owner, st["id"])["status"] == "available"
