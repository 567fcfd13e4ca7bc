"""TRACES faults, lost answers, dead workers and racing workers: one DDS, no double charge."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from geoservice.settings import Settings
from geoservice.statements.connect import ClientPool
from geoservice.statements.outbox import Job
from geoservice.statements.worker import Worker
from geoservice.traces.simulator import TracesSimulator
from geoservice.traces.simulator.store import StoreFault
from tests.conftest import bearer
from tests.statements.conftest import drain, set_org
from tests.statements.helpers import expire_leases, fetch, prepared, queued


def _dds(sim: TracesSimulator, reference: str) -> int:
    try:
        return len(sim.store.by_internal_reference("simulator", reference, "DDS"))
    except StoreFault:
        return 0


def test_worker_killed_after_traces_answered_reconciles_instead_of_resubmitting(
    client: TestClient, engine: Engine, client_org, worker_settings: Settings,
    pool: ClientPool, sim: TracesSimulator,
) -> None:
    owner = client_org["owner"]
    st = queued(client, engine, owner)

    def die(operation: str, job: Job) -> None:
        raise RuntimeError("killed between the SOAP answer and the commit")

    doomed = Worker(engine, worker_settings, pool, name="doomed", lease_seconds=30,
                    after_call=die)
    with pytest.raises(RuntimeError):
        doomed.run_once()
    assert _dds(sim, st["internal_reference"]) == 1
    assert fetch(client, owner, st["id"])["status"] == "queued"
    expire_leases(engine)
    drain(Worker(engine, worker_settings, pool, name="restarted", lease_seconds=30))
    done = fetch(client, owner, st["id"])
    assert done["status"] == "available", done["history"]
    assert _dds(sim, st["internal_reference"]) == 1
    assert any("adopted UUID" in h["messages"]["en"] for h in done["history"])
    assert done["traces_uuid"] == sim.store.by_internal_reference(
        "simulator", st["internal_reference"], "DDS")[0].uuid


def test_lost_answer_timeout_is_retried_and_reconciled(
    client: TestClient, engine: Engine, client_org, worker: Worker, sim: TracesSimulator,
) -> None:
    owner = client_org["owner"]
    st = queued(client, engine, owner)
    sim.inject("timeout", seconds=1.0)  # the client gives up after 0.5 s; TRACES got it
    assert worker.run_once() == 1
    after = fetch(client, owner, st["id"])
    assert after["status"] == "queued" and after["history"][-1]["status"] == "retrying"
    time.sleep(0.6)  # let the simulator finish the call the client abandoned
    expire_leases(engine)
    drain(worker)
    assert fetch(client, owner, st["id"])["status"] == "available"
    assert _dds(sim, st["internal_reference"]) == 1


@pytest.mark.parametrize("kind", ["http500", "auth"])
def test_server_errors_and_auth_failures_are_retried_with_backoff(
    client: TestClient, engine: Engine, client_org, worker: Worker, sim: TracesSimulator,
    kind: str,
) -> None:
    owner = client_org["owner"]
    st = queued(client, engine, owner)
    sim.inject(kind, count=2)  # type: ignore[arg-type]
    worker.run_once()
    with engine.begin() as conn:
        wait = conn.execute(text("SELECT next_attempt_at - now() FROM outbox WHERE statement_id "
                                 "= CAST(:s AS uuid) AND state = 'pending'"),
                            {"s": st["id"]}).scalar_one()
    assert 0.5 <= wait.total_seconds() <= 2.5  # first backoff step with jitter
    for _ in range(2):
        expire_leases(engine)
        drain(worker)
    done = fetch(client, owner, st["id"])
    assert done["status"] == "available", done["history"]
    assert sum(h["status"] == "retrying" for h in done["history"]) == 2
    assert _dds(sim, st["internal_reference"]) == 1


def test_incomplete_profile_is_refused_before_sending_with_the_fields_named(
    client: TestClient, engine: Engine, org_a, worker: Worker, sim: TracesSimulator,
) -> None:
    owner = org_a["owner"]  # no address: TRACES wants one for a represented operator
    st = prepared(client, engine, owner)
    checked = client.post(f"/api/v1/statements/{st['id']}/validate", headers=bearer(owner))
    assert checked.status_code == 200, checked.text
    report = checked.json()
    assert report["valid"] is False and report["errors"] == 3
    named = {p["field"] for p in report["problems"]}
    assert named == {"organisation.street", "organisation.postal_code", "organisation.city"}
    for problem in report["problems"]:
        assert problem["code"] == "organisation_field_missing"
        assert problem["message"]["lv"] and problem["message"]["en"]
        assert problem["fix"] == {"where": "organisation",
                                  "href": f"/organisation#{problem['field'].split('.')[1]}"}
    refused = client.post(f"/api/v1/statements/{st['id']}/submit", headers=bearer(owner))
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "statement_invalid" and "iela" in error["message"]  # Latvian first
    assert error["details"] == [{**p} for p in report["problems"]]
    with engine.begin() as conn:
        jobs = conn.execute(text("SELECT count(*) FROM outbox WHERE statement_id = "
                                 "CAST(:s AS uuid)"), {"s": st["id"]}).scalar_one()
    assert jobs == 0 and drain(worker) == 0
    assert fetch(client, owner, st["id"])["status"] == "draft"
    assert _dds(sim, st["internal_reference"]) == 0

    set_org(engine, owner.org_id, street="Skolas iela 3", city="Madona", postal_code="LV-4801")
    checked = client.post(f"/api/v1/statements/{st['id']}/validate", headers=bearer(owner))
    assert checked.json()["valid"] is True and checked.json()["problems"] == []
    assert client.post(f"/api/v1/statements/{st['id']}/submit",
                       headers=bearer(owner)).status_code == 202
    drain(worker)
    assert fetch(client, owner, st["id"])["status"] == "available"
    assert _dds(sim, st["internal_reference"]) == 1


def test_profile_emptied_after_queueing_is_caught_by_the_worker(
    client: TestClient, engine: Engine, client_org, worker: Worker, sim: TracesSimulator,
) -> None:
    owner = client_org["owner"]
    st = queued(client, engine, owner)
    set_org(engine, owner.org_id, street="")
    drain(worker)
    done = fetch(client, owner, st["id"])
    assert done["status"] == "draft"
    assert "street" in done["history"][-1]["messages"]["en"]
    assert _dds(sim, st["internal_reference"]) == 0


def test_rejected_by_traces_after_submission_is_not_charged(
    client: TestClient, engine: Engine, client_org, worker: Worker, sim: TracesSimulator,
) -> None:
    owner = client_org["owner"]
    st = queued(client, engine, owner)
    sim.reject_next("Geolocation overlaps a protected area")
    drain(worker)
    done = fetch(client, owner, st["id"])
    assert done["status"] == "rejected"
    assert done["rejection_reason"] == "Geolocation overlaps a protected area"
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM charges WHERE statement_id = "
                                 "CAST(:s AS uuid)"), {"s": st["id"]}).scalar_one() == 0
    assert client.delete(f"/api/v1/statements/{st['id']}",
                         headers=bearer(owner)).status_code == 204
    with engine.begin() as conn:
        statuses = set(conn.execute(text("SELECT status FROM certificates WHERE id::text = "
                                         "ANY(:i)"), {"i": st["certificate_ids"]}).scalars())
    assert statuses == {"ready"}


def test_certificate_changed_after_queueing_is_not_sent(
    client: TestClient, engine: Engine, client_org, worker: Worker, sim: TracesSimulator,
) -> None:
    owner = client_org["owner"]
    st = queued(client, engine, owner)
    with engine.begin() as conn:
        conn.execute(text("UPDATE certificates SET version = version + 1 WHERE id::text = "
                          "ANY(:i)"), {"i": st["certificate_ids"]})
    drain(worker)
    done = fetch(client, owner, st["id"])
    assert done["status"] == "draft"
    assert "changed after the statement was prepared" in done["history"][-1]["messages"]["en"]
    assert _dds(sim, st["internal_reference"]) == 0


def test_two_workers_racing_send_each_statement_once_and_charge_once(
    client: TestClient, engine: Engine, client_org, worker_settings: Settings,
    pool: ClientPool, sim: TracesSimulator,
) -> None:
    owner = client_org["owner"]
    statements = [queued(client, engine, owner, n_areas=2) for _ in range(8)]
    stop = threading.Event()
    workers = [Worker(engine, worker_settings, pool, name=f"racer-{i}", lease_seconds=30)
               for i in range(2)]
    threads = [threading.Thread(target=w.run, args=(stop, 0.05)) for w in workers]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            if all(fetch(client, owner, s["id"])["status"] == "available" for s in statements):
                break
            time.sleep(0.1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
    assert all(fetch(client, owner, s["id"])["status"] == "available" for s in statements)
    assert all(_dds(sim, s["internal_reference"]) == 1 for s in statements)
    with engine.begin() as conn:
        charges = conn.execute(text("SELECT count(*), count(DISTINCT area_id) FROM charges "
                                    "WHERE statement_id::text = ANY(:s)"),
                               {"s": [s["id"] for s in statements]}).one()
        claimed = set(conn.execute(text("SELECT claimed_by FROM outbox WHERE statement_id::text "
                                        "= ANY(:s) AND operation = 'submit'"),
                                   {"s": [s["id"] for s in statements]}).scalars())
    assert charges == (16, 16)
    assert claimed <= {"racer-0", "racer-1"}


def test_throttling_is_retried_without_using_up_attempts(
    client: TestClient, engine: Engine, client_org, worker: Worker, sim: TracesSimulator,
) -> None:
    owner = client_org["owner"]
    statements = [queued(client, engine, owner) for _ in range(3)]
    sim.rate_limit = 2  # the test worker does not pace itself: it runs into the limit
    answers: list[int] = []
    handle = sim.handle

    def counted(*args: Any) -> tuple[int, dict[str, str], bytes]:
        answer = handle(*args)
        answers.append(answer[0])
        return answer

    sim.handle = counted  # type: ignore[method-assign]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        drain(worker)
        time.sleep(0.2)
        if all(fetch(client, owner, s["id"])["status"] == "available" for s in statements):
            break
    assert all(fetch(client, owner, s["id"])["status"] == "available" for s in statements)
    assert all(_dds(sim, s["internal_reference"]) == 1 for s in statements)
    with engine.begin() as conn:
        attempts = conn.execute(text("SELECT attempts FROM outbox WHERE operation = "
                                 "'submit' AND statement_id::text = ANY(:s)"),
                                {"s": [s["id"] for s in statements]}).scalars().all()
    assert attempts == [1, 1, 1]
    assert 429 in answers
