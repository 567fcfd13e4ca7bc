"""Statements API: rules before submission, tenancy, amend, withdraw, simplified declarations."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from httpx import Response
from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from geoservice.statements.worker import Worker
from geoservice.traces.simulator import TracesSimulator
from tests.conftest import bearer
from tests.factories import area, certificate
from tests.statements.conftest import (
    activate_mandate,
    drain,
    ready_certificate,
    set_org,
)
from tests.statements.helpers import fetch, prepared, queued


def _codes(answer: Response) -> list[str]:
    """The codes of the errors (not warnings) listed by a refused submit."""
    return [p["code"] for p in answer.json()["error"]["details"] if p["severity"] == "error"]


def test_submit_needs_an_active_mandate(client: TestClient, engine: Engine, client_org) -> None:
    owner = client_org["owner"]
    st = prepared(client, engine, owner, mandate=False)
    answer = client.post(f"/api/v1/statements/{st['id']}/submit", headers=bearer(owner))
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "statement_invalid"
    assert _codes(answer) == ["mandate_required"]
    activate_mandate(engine, owner.org_id, valid_until=date.today() - timedelta(days=1))
    answer = client.post(f"/api/v1/statements/{st['id']}/submit", headers=bearer(owner))
    assert _codes(answer) == ["mandate_required"]  # expired yesterday
    assert fetch(client, owner, st["id"])["status"] == "draft"


def test_changed_certificate_unclear_check_and_volumes_are_refused(
    client: TestClient, engine: Engine, client_org,
) -> None:
    owner = client_org["owner"]
    st = prepared(client, engine, owner)
    with engine.begin() as conn:
        conn.execute(text("UPDATE certificates SET version = version + 1 WHERE id::text = "
                          "ANY(:i)"), {"i": st["certificate_ids"]})
    answer = client.post(f"/api/v1/statements/{st['id']}/submit", headers=bearer(owner))
    assert answer.status_code == 422
    # The full list: changed, and so its check is of another version too.
    assert _codes(answer) == ["certificate_changed", "certificate_not_clear"]
    assert "rebuild" in answer.json()["error"]["details"][0]["message"]["en"]
    rebuilt = client.post(f"/api/v1/statements/{st['id']}/rebuild", headers=bearer(owner))
    assert rebuilt.status_code == 200, rebuilt.text
    with engine.begin() as conn:
        conn.execute(text("UPDATE certificates SET verdict = 'flagged' WHERE id::text = ANY(:i)"),
                     {"i": st["certificate_ids"]})
    answer = client.post(f"/api/v1/statements/{st['id']}/submit", headers=bearer(owner))
    assert answer.status_code == 422
    assert _codes(answer) == ["certificate_not_clear"]
    with engine.begin() as conn:
        conn.execute(text("UPDATE certificates SET verdict = 'clear' WHERE id::text = ANY(:i)"),
                     {"i": st["certificate_ids"]})
        conn.execute(text("INSERT INTO check_runs (organisation_id, certificate_id, "
                          "certificate_version, verdict) SELECT organisation_id, id, version, "
                          "'clear' FROM certificates WHERE id::text = ANY(:i)"),
                     {"i": st["certificate_ids"]})
        conn.execute(text("UPDATE area_products SET m3 = m3 + 5 WHERE hs_code = '4401' AND "
                          "area_id IN (SELECT id FROM felling_areas WHERE certificate_id::text "
                          "= ANY(:i))"), {"i": st["certificate_ids"]})
    answer = client.post(f"/api/v1/statements/{st['id']}/submit", headers=bearer(owner))
    assert answer.status_code == 422
    assert _codes(answer) == ["volumes_inconsistent"]
    assert "product volumes (255 m³)" in answer.json()["error"]["details"][0]["message"]["en"]


def test_bad_input_gets_clear_answers_and_writes_nothing(
    client: TestClient, engine: Engine, client_org,
) -> None:
    owner = client_org["owner"]
    for body, status in (({"certificate_ids": []}, 422), ({"certificate_ids": ["nope"]}, 404),
                         ({"certificate_ids": "x"}, 422), ({"oops": 1}, 422)):
        answer = client.post("/api/v1/statements", headers=bearer(owner), json=body)
        assert answer.status_code == status, answer.text
        assert set(answer.json()["error"]) == {"code", "message", "messages", "details"}
    cert = ready_certificate(engine, owner.org_id)
    answer = client.post("/api/v1/statements", headers=bearer(owner),
                         json={"certificate_ids": [cert], "buyers": ["bad buyer!"]})
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "invalid_buyer"
    first = client.post("/api/v1/statements", headers=bearer(owner),
                        json={"certificate_ids": [cert]})
    assert first.status_code == 201
    again = client.post("/api/v1/statements", headers=bearer(owner),
                        json={"certificate_ids": [cert]})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "certificate_in_statement"
    analyst_view = client.get("/api/v1/statements?status=draft",
                              headers=bearer(client_org["compliance_officer"]))
    assert analyst_view.status_code == 200 and analyst_view.json()["total"] == 1
    refused = client.post(f"/api/v1/statements/{first.json()['id']}/submit",
                          headers=bearer(client_org["compliance_officer"]))
    assert refused.status_code == 403


def test_other_tenants_statement_certificate_and_mandate_answer_404(
    client: TestClient, engine: Engine, client_org, org_b,
) -> None:
    owner, other = client_org["owner"], org_b["owner"]
    st = prepared(client, engine, owner)
    for method, path in (("GET", ""), ("GET", "/preview"), ("POST", "/submit"),
                         ("POST", "/withdraw"), ("POST", "/amend"), ("DELETE", "")):
        answer = client.request(method, f"/api/v1/statements/{st['id']}{path}",
                                headers=bearer(other))
        assert answer.status_code == 404, (method, path, answer.text)
        assert answer.json()["error"]["code"] == "statement_not_found"
    answer = client.post("/api/v1/statements", headers=bearer(other),
                         json={"certificate_ids": st["certificate_ids"]})
    assert answer.status_code == 404
    assert client.get("/api/v1/statements", headers=bearer(other)).json()["total"] == 0
    with engine.begin() as conn:
        mandate = conn.execute(text("SELECT id::text FROM mandates WHERE organisation_id = "
                                    "CAST(:o AS uuid)"), {"o": owner.org_id}).scalar_one()
    assert client.get(f"/api/v1/mandates/{mandate}", headers=bearer(other)).status_code == 404
    assert client.get(f"/api/v1/mandates/{mandate}/file",
                      headers=bearer(other)).status_code == 404


def test_amend_within_72_hours_keeps_the_reference_and_charges_new_areas_only(
    client: TestClient, engine: Engine, client_org, worker: Worker, sim: TracesSimulator,
) -> None:
    owner = client_org["owner"]
    st = queued(client, engine, owner, n_areas=2)
    drain(worker)
    before = fetch(client, owner, st["id"])
    assert before["status"] == "available"
    closes = datetime.fromisoformat(before["window_closes_at"])
    assert closes - datetime.fromisoformat(before["submitted_at"]) == timedelta(hours=72)
    extra = ready_certificate(engine, owner.org_id)
    answer = client.post(f"/api/v1/statements/{st['id']}/amend", headers=bearer(owner),
                         json={"certificate_ids": [*st["certificate_ids"], extra]})
    assert answer.status_code == 202, answer.text
    drain(worker)
    after = fetch(client, owner, st["id"])
    assert after["status"] == "available"
    assert after["reference_number"] == before["reference_number"]
    assert "amended" in [h["status"] for h in after["history"]]
    record = sim.store.by_internal_reference("simulator", st["internal_reference"], "DDS")
    assert len(record) == 1 and record[0].version == 2
    assert len(record[0].payload.commodities[0].producers) == 3
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM charges WHERE statement_id = "
                                 "CAST(:s AS uuid)"), {"s": st["id"]}).scalar_one() == 3
        conn.execute(text("UPDATE statements SET submitted_at = now() - interval '73 hours' "
                          "WHERE id = CAST(:s AS uuid)"), {"s": st["id"]})
    late = client.post(f"/api/v1/statements/{st['id']}/amend", headers=bearer(owner))
    assert late.status_code == 409 and late.json()["error"]["code"] == "amend_window_closed"
    assert "72 stundas" in late.json()["error"]["message"]  # the caller's language
    assert late.json()["error"]["details"][0]["window_closed_at"]
    late = client.post(f"/api/v1/statements/{st['id']}/withdraw", headers=bearer(owner))
    assert late.status_code == 409 and "atsaukt" in late.json()["error"]["message"]
    assert fetch(client, owner, st["id"])["status"] == "available"


def test_withdraw_returns_certificates_and_deleting_a_submitted_statement_is_refused(
    client: TestClient, engine: Engine, client_org, worker: Worker, sim: TracesSimulator,
) -> None:
    owner = client_org["owner"]
    st = queued(client, engine, owner)
    drain(worker)
    assert client.delete(f"/api/v1/statements/{st['id']}",
                         headers=bearer(owner)).status_code == 409
    answer = client.post(f"/api/v1/statements/{st['id']}/withdraw", headers=bearer(owner))
    assert answer.status_code == 202
    again = client.post(f"/api/v1/statements/{st['id']}/withdraw", headers=bearer(owner))
    assert again.status_code == 202
    drain(worker)
    done = fetch(client, owner, st["id"])
    assert done["status"] == "withdrawn"
    assert sim.store.by_internal_reference(
        "simulator", st["internal_reference"], "DDS")[0].status == "WITHDRAWN"
    with engine.begin() as conn:
        assert set(conn.execute(text("SELECT status FROM certificates WHERE id::text = ANY(:i)"),
                                {"i": st["certificate_ids"]}).scalars()) == {"ready"}


def test_simplified_declaration_for_a_micro_operator(
    client: TestClient, engine: Engine, client_org, worker: Worker, sim: TracesSimulator,
) -> None:
    owner = client_org["owner"]
    set_org(engine, owner.org_id, declaration_kind="simplified")
    st = queued(client, engine, owner)
    assert st["kind"] == "simplified"
    drain(worker)
    done = fetch(client, owner, st["id"])
    assert done["status"] == "available", done["history"]
    records = sim.store.by_internal_reference("simulator", st["internal_reference"], "SD")
    assert len(records) == 1 and done["reference_number"].startswith("S")


def test_hole_is_split_and_reported_in_the_preview(
    client: TestClient, engine: Engine, client_org,
) -> None:
    from shapely.geometry import MultiPolygon, Polygon

    owner = client_org["owner"]
    x, y = 611_500.0, 309_500.0
    ring = [(x, y), (x + 300, y), (x + 300, y + 300), (x, y + 300)]
    hole = [(x + 100, y + 100), (x + 200, y + 100), (x + 200, y + 200), (x + 100, y + 200)]
    cert = certificate(areas=[area(1, geometry=MultiPolygon([Polygon(ring, [hole])]))])
    cert_id = ready_certificate(engine, owner.org_id, cert)
    activate_mandate(engine, owner.org_id)
    st = client.post("/api/v1/statements", headers=bearer(owner),
                     json={"certificate_ids": [cert_id]}).json()
    preview = client.get(f"/api/v1/statements/{st['id']}/preview", headers=bearer(owner)).json()
    assert any("hole" in w for w in preview["warnings"])
    geometry = preview["producers"]["features"][0]["geometry"]
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [
        geometry["coordinates"]]
    assert all(len(p) == 1 for p in polygons)  # outer rings only


def test_a_blocked_certificate_never_goes_into_a_draft(
    client: TestClient, engine: Engine, client_org,
) -> None:
    owner = client_org["owner"]
    blocked = ready_certificate(engine, owner.org_id)
    free = ready_certificate(engine, owner.org_id)
    with engine.begin() as conn:
        conn.execute(text("UPDATE certificates SET verdict = 'blocked' "
                          "WHERE id = CAST(:c AS uuid)"), {"c": blocked})
    answer = client.post("/api/v1/statements", headers=bearer(owner),
                         json={"certificate_ids": [free, blocked]})
    assert answer.status_code == 409, answer.text
    error = answer.json()["error"]
    assert error["code"] == "certificate_blocked"
    assert [d["certificate_id"] for d in error["details"]] == [blocked]
    with engine.connect() as conn:  # nothing half-written: the free one is still free
        status = conn.execute(text("SELECT status FROM certificates WHERE id = CAST(:c AS uuid)"),
                              {"c": free}).scalar_one()
        assert status == "ready"
