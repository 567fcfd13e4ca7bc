"""Rejected is not the end: correct, resubmit as a new TRACES submission, once, charged once."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from geoservice.statements.worker import Worker
from geoservice.traces.simulator import TracesSimulator
from tests.conftest import bearer
from tests.statements.conftest import drain
from tests.statements.helpers import fetch, queued


def _records(sim: TracesSimulator, reference: str) -> list[Any]:
    return list(sim.store.by_internal_reference("simulator", reference, "DDS"))


def _rejected(client: TestClient, engine: Engine, owner: Any, worker: Worker,
              sim: TracesSimulator) -> dict[str, Any]:
    st = queued(client, engine, owner, n_areas=2)
    sim.reject_next("EUDR-COMMODITIES-PRODUCER-GEO-INVALID-GEOMETRY: ring self-intersects")
    drain(worker)
    done = fetch(client, owner, st["id"])
    assert done["status"] == "rejected", done["history"]
    return done


def test_rejected_statement_is_corrected_and_resubmitted_to_available(
    client: TestClient, engine: Engine, client_org, worker: Worker, sim: TracesSimulator,
) -> None:
    owner = client_org["owner"]
    done = _rejected(client, engine, owner, worker, sim)
    first_uuid = done["traces_uuid"]
    assert done["rejection"]["lv"].startswith("Kontūra") and "TRACES" in done["rejection"]["en"]
    assert "self-intersects" in done["rejection"]["en"]
    with engine.begin() as conn:
        statuses = set(conn.execute(text("SELECT status FROM certificates WHERE id::text = "
                                         "ANY(:i)"), {"i": done["certificate_ids"]}).scalars())
    assert statuses == {"in_statement"}  # the certificates stay with the statement

    # Correct a volume of the rejected statement's certificate: allowed, and taken in.
    cert = done["certificate_ids"][0]
    h = bearer(owner)
    current = client.get(f"/api/v1/certificates/{cert}", headers=h).json()
    area = current["areas"][0]
    fixed = client.put(f"/api/v1/certificates/{cert}/volumes", headers=h, json={"areas": [{
        "cirsma": area["cirsma"],
        "volumes": [{"species_code": v["species_code"], "m3": v["m3"]} for v in area["volumes"]],
        "products": [{"hs_code": p["hs_code"], "m3": p["m3"]} for p in area["products"]]}]})
    assert fixed.status_code == 200, fixed.text
    refused = client.post(f"/api/v1/statements/{done['id']}/resubmit", headers=h)
    assert refused.status_code == 422  # the corrected certificate must be checked again
    assert [p["code"] for p in refused.json()["error"]["details"]] == ["certificate_not_clear"]
    assert fetch(client, owner, done["id"])["status"] == "rejected"
    with engine.begin() as conn:  # as the checks engine records a clear run
        conn.execute(text("INSERT INTO check_runs (organisation_id, certificate_id, "
                          "certificate_version, verdict) SELECT organisation_id, id, version, "
                          "'clear' FROM certificates WHERE id = CAST(:c AS uuid)"), {"c": cert})
        conn.execute(text("UPDATE certificates SET verdict = 'clear' WHERE id = "
                          "CAST(:c AS uuid)"), {"c": cert})

    again = client.post(f"/api/v1/statements/{done['id']}/resubmit", headers=h)
    assert again.status_code == 202, again.text
    body = again.json()
    assert body["status"] == "queued" and body["attempt"] == 2
    assert body["traces_uuid"] is None and body["rejection_reason"] is None
    assert [a["attempt"] for a in body["attempts"]] == [1]
    assert body["attempts"][0]["traces_uuid"] == first_uuid
    assert body["attempts"][0]["status"] == "rejected"

    drain(worker)
    final = fetch(client, owner, done["id"])
    assert final["status"] == "available", final["history"]
    assert final["traces_uuid"] != first_uuid and final["reference_number"]
    statuses_seen = [h["status"] for h in final["history"]]
    assert statuses_seen.count("rejected") == 1 and statuses_seen[-1] == "available"
    records = _records(sim, final["internal_reference"])
    assert len(records) == 2  # the rejected one and the new submission, nothing more
    assert {r.status for r in records} == {"REJECTED", "AVAILABLE"}
    with engine.begin() as conn:
        charged = conn.execute(text("SELECT count(*), count(DISTINCT area_id) FROM charges "
                                    "WHERE statement_id = CAST(:s AS uuid)"),
                               {"s": done["id"]}).one()
    assert tuple(charged) == (2, 2)


def test_only_a_rejected_statement_can_be_resubmitted(
    client: TestClient, engine: Engine, client_org, worker: Worker, sim: TracesSimulator,
) -> None:
    owner = client_org["owner"]
    st = queued(client, engine, owner)
    drain(worker)
    answer = client.post(f"/api/v1/statements/{st['id']}/resubmit", headers=bearer(owner))
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "statement_not_rejected"


def test_a_resubmission_still_wrong_is_refused_and_stays_rejected(
    client: TestClient, engine: Engine, client_org, worker: Worker, sim: TracesSimulator,
) -> None:
    owner = client_org["owner"]
    done = _rejected(client, engine, owner, worker, sim)
    with engine.begin() as conn:
        conn.execute(text("UPDATE mandates SET status = 'revoked' WHERE organisation_id = "
                          "CAST(:o AS uuid)"), {"o": owner.org_id})
    answer = client.post(f"/api/v1/statements/{done['id']}/resubmit", headers=bearer(owner))
    assert answer.status_code == 422
    assert [p["code"] for p in answer.json()["error"]["details"]] == ["mandate_required"]
    after = fetch(client, owner, done["id"])
    assert after["status"] == "rejected" and after["attempt"] == 1 and after["attempts"] == []
    assert after["traces_uuid"] == done["traces_uuid"]


def test_two_resubmits_at_once_send_one_submission(
    client: TestClient, engine: Engine, client_org, worker: Worker, sim: TracesSimulator,
) -> None:
    owner = client_org["owner"]
    done = _rejected(client, engine, owner, worker, sim)
    answers: list[Any] = []
    barrier = threading.Barrier(2)

    def click() -> None:
        barrier.wait()
        answers.append(client.post(f"/api/v1/statements/{done['id']}/resubmit",
                                   headers=bearer(owner)))

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(a.status_code for a in answers) == [202, 202], [a.text for a in answers]
    with engine.begin() as conn:
        jobs = conn.execute(text("SELECT count(*) FROM outbox WHERE statement_id = "
                                 "CAST(:s AS uuid) AND operation = 'submit' AND state = "
                                 "'pending'"), {"s": done["id"]}).scalar_one()
        attempts = conn.execute(text("SELECT count(*) FROM statement_attempts WHERE "
                                     "statement_id = CAST(:s AS uuid)"),
                                {"s": done["id"]}).scalar_one()
    assert jobs == 1 and attempts == 1
    drain(worker)
    final = fetch(client, owner, done["id"])
    assert final["status"] == "available" and final["attempt"] == 2
    assert len(_records(sim, final["internal_reference"])) == 2


def test_a_lost_answer_of_a_resubmission_adopts_the_new_one_not_the_rejected(
    client: TestClient, engine: Engine, client_org, worker: Worker, sim: TracesSimulator,
) -> None:
    """The worker reconciles by internal reference; the rejected attempt shares it."""
    owner = client_org["owner"]
    done = _rejected(client, engine, owner, worker, sim)
    assert client.post(f"/api/v1/statements/{done['id']}/resubmit",
                       headers=bearer(owner)).status_code == 202
    with engine.begin() as conn:  # as if a worker had died after marking 'sending'
        conn.execute(text("UPDATE outbox SET sending_at = now() WHERE statement_id = "
                          "CAST(:s AS uuid) AND state = 'pending'"), {"s": done["id"]})
    drain(worker)
    final = fetch(client, owner, done["id"])
    assert final["status"] == "available", final["history"]
    assert final["traces_uuid"] != done["traces_uuid"]
    assert len(_records(sim, final["internal_reference"])) == 2
