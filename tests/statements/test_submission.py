"""A statement from certificates to AVAILABLE in the simulator, through the API and the worker."""

from __future__ import annotations

from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from geoservice.statements.worker import Worker
from geoservice.traces.simulator import TracesSimulator
from tests.conftest import bearer
from tests.statements.conftest import activate_mandate, drain, ready_certificate


def _statuses(engine: Engine, ids: list[str]) -> set[str]:
    with engine.begin() as conn:
        return set(conn.execute(text("SELECT status FROM certificates WHERE id::text = ANY(:i)"),
                                {"i": ids}).scalars())


def test_statement_is_submitted_once_and_becomes_available(
    client: TestClient, engine: Engine, client_org, worker: Worker, sim: TracesSimulator,
) -> None:
    owner = client_org["owner"]
    ids = [ready_certificate(engine, owner.org_id, n_areas=2),
           ready_certificate(engine, owner.org_id)]
    activate_mandate(engine, owner.org_id)
    created = client.post("/api/v1/statements", headers=bearer(owner),
                          json={"certificate_ids": ids, "buyers": ["40003000001"]})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "draft" and body["simulated"] is True
    assert sorted(body["certificate_ids"]) == sorted(ids)
    assert _statuses(engine, ids) == {"in_statement"}

    preview = client.get(f"/api/v1/statements/{body['id']}/preview", headers=bearer(owner))
    assert preview.status_code == 200, preview.text
    p = preview.json()
    assert p["submittable"] is True and p["operator_role"] == "REPRESENTATIVE_OPERATOR"
    volumes = {c["hs_heading"]: c["volume_m3"] for c in p["commodities"]}
    assert volumes == {"4403": 660.0, "4401": 90.0}  # 3 areas × 220 and × 30
    assert all(c["percentage_estimation_or_deviation"] == 10 for c in p["commodities"])
    assert {s["scientific_name"] for s in p["commodities"][0]["species"]} == {
        "Pinus sylvestris", "Betula pendula"}
    features = p["producers"]["features"]
    assert len(features) == 3
    lon, lat = features[0]["geometry"]["coordinates"][0][0]
    assert 25.5 < lon < 26.2 and 56.6 < lat < 57.0  # Jumurda in WGS84 lon/lat
    assert all(len(str(c).split(".")[1]) <= 6 for c in (lon, lat))
    assert features[0]["properties"]["ProducerCountry"] == "LV"

    first = client.post(f"/api/v1/statements/{body['id']}/submit", headers=bearer(owner))
    second = client.post(f"/api/v1/statements/{body['id']}/submit", headers=bearer(owner))
    assert first.status_code == 202 and second.status_code == 202
    assert first.json()["status"] == "queued"
    with engine.begin() as conn:
        jobs = conn.execute(text("SELECT count(*) FROM outbox WHERE statement_id = "
                                 "CAST(:s AS uuid)"), {"s": body["id"]}).scalar_one()
    assert jobs == 1

    drain(worker)
    done = client.get(f"/api/v1/statements/{body['id']}", headers=bearer(owner)).json()
    assert done["status"] == "available", done["history"]
    assert done["reference_number"].startswith("26LV") and len(done["reference_number"]) == 14
    assert done["verification_number"] and done["traces_uuid"]
    assert [h["status"] for h in done["history"]] == [
        "draft", "queued", "sending", "submitted", "available"]
    assert _statuses(engine, ids) == {"submitted"}
    records = sim.store.by_internal_reference("simulator", done["internal_reference"], "DDS")
    assert len(records) == 1
    sent = records[0].payload
    assert sent.represented_operator is not None
    assert sent.represented_operator.identifier_value == "LV" + owner.reg_no
    with engine.begin() as conn:
        charged = conn.execute(text("SELECT count(*), sum(amount_eur) FROM charges "
                                    "WHERE statement_id = CAST(:s AS uuid)"),
                               {"s": body["id"]}).one()
    assert charged[0] == 3 and float(charged[1]) == 3.0
