"""What TRACES says is kept: communicationToOperator and the statuses getDds reported."""

from __future__ import annotations

from sqlalchemy import Engine
from starlette.testclient import TestClient

from geoservice.settings import Settings
from geoservice.statements.connect import ClientPool
from geoservice.statements.outbox import Job
from geoservice.statements.worker import Worker
from geoservice.traces.simulator import TracesSimulator
from tests.conftest import bearer
from tests.statements.conftest import drain
from tests.statements.helpers import fetch, queued

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
