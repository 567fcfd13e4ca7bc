"""Mandate upload and activation, own TRACES credentials, monthly charges as JSON and CSV."""

from __future__ import annotations

import io
import zipfile
from datetime import date

from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from geoservice.statements.worker import Worker
from tests.conftest import bearer
from tests.statements.conftest import drain
from tests.statements.helpers import fetch, queued

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"


def _asice() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.etsi.asic-e+zip")
        archive.writestr("META-INF/signatures0.xml", "<sig/>")
    return buffer.getvalue()


def test_upload_checks_magic_bytes_and_a_service_admin_activates(
    client: TestClient, engine: Engine, client_org, operator,
) -> None:
    owner = client_org["owner"]
    up = client.post("/api/v1/mandates", headers=bearer(owner),
                     files={"file": ("pilnvara.pdf", PDF, "application/pdf")})
    assert up.status_code == 201, up.text
    mandate = up.json()
    assert mandate["status"] == "uploaded" and mandate["content_type"] == "application/pdf"
    container = client.post("/api/v1/mandates", headers=bearer(owner),
                            files={"file": ("pilnvara.asice", _asice(), "application/zip")})
    assert container.status_code == 201
    assert container.json()["content_type"] == "application/vnd.etsi.asic-e+zip"
    for name, data in (("fake.pdf", b"<html>not a pdf</html>"), ("x.zip", b"PK\x03\x04junk"),
                       ("empty.pdf", b"")):
        bad = client.post("/api/v1/mandates", headers=bearer(owner),
                          files={"file": (name, data, "application/pdf")})
        assert bad.status_code == 422, (name, bad.text)
    assert client.post("/api/v1/mandates", headers=bearer(owner),
                       json={"file": "x"}).status_code == 415
    too_big = client.post("/api/v1/mandates", headers=bearer(owner),
                          files={"file": ("big.pdf", PDF + b"0" * 1_100_000, "application/pdf")})
    assert too_big.status_code == 413
    dates = {"valid_from": "2026-01-01", "valid_until": "2027-12-31"}
    mid = mandate["id"]
    assert client.post(f"/api/v1/mandates/{mid}/activate", headers=bearer(client_org["admin"]),
                       json=dates).status_code == 403
    backwards = client.post(f"/api/v1/mandates/{mid}/activate",
                            headers=bearer(operator["admin"]),
                            json={"valid_from": "2027-01-01", "valid_until": "2026-01-01"})
    assert backwards.status_code == 422
    active = client.post(f"/api/v1/mandates/{mid}/activate", headers=bearer(operator["admin"]),
                         json=dates)
    assert active.status_code == 200, active.text
    assert active.json()["status"] == "active" and active.json()["valid_until"] == "2027-12-31"
    listed = client.get("/api/v1/mandates", headers=bearer(owner)).json()
    assert {m["id"] for m in listed} == {mid, container.json()["id"]}
    file = client.get(f"/api/v1/mandates/{mid}/file", headers=bearer(owner))
    assert file.status_code == 200 and file.content == PDF
    assert file.headers["content-type"] == "application/pdf"


def test_own_credentials_are_encrypted_never_returned_and_used_as_operator(
    client: TestClient, engine: Engine, client_org, org_b, worker: Worker, sim,
) -> None:
    owner = client_org["owner"]
    url = f"/api/v1/organisations/{owner.org_id}/traces-credentials"
    body = {"username": "simulator", "auth_key": "simulator-auth-key", "client_id": "eudr-test"}
    assert client.put(url, headers=bearer(client_org["analyst"]), json=body).status_code == 403
    assert client.put(url, headers=bearer(org_b["owner"]), json=body).status_code == 404
    assert client.put(url, headers=bearer(owner), json={"username": ""}).status_code == 422
    saved = client.put(url, headers=bearer(owner), json=body)
    assert saved.status_code == 200, saved.text
    assert "simulator-auth-key" not in saved.text and saved.json()["auth_key_stored"] is True
    with engine.begin() as conn:
        stored = bytes(conn.execute(text("SELECT auth_key_encrypted FROM traces_credentials "
                                         "WHERE organisation_id = CAST(:o AS uuid)"),
                                    {"o": owner.org_id}).scalar_one())
    assert b"simulator-auth-key" not in stored
    st = queued(client, engine, owner)
    preview = client.get(f"/api/v1/statements/{st['id']}/preview", headers=bearer(owner)).json()
    assert preview["operator_role"] == "OPERATOR"
    drain(worker)
    assert fetch(client, owner, st["id"])["status"] == "available"
    sent = sim.store.by_internal_reference("simulator", st["internal_reference"], "DDS")[0]
    assert sent.payload.represented_operator is None


def test_monthly_charges_as_json_and_csv(
    client: TestClient, engine: Engine, client_org, org_b, worker: Worker,
) -> None:
    owner = client_org["owner"]
    st = queued(client, engine, owner, n_areas=3)
    drain(worker)
    month = date.today().strftime("%Y-%m")
    answer = client.get(f"/api/v1/billing/charges?month={month}", headers=bearer(owner))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["count"] == 3 and body["total_eur"] == 3.0
    assert {c["statement_id"] for c in body["charges"]} == {st["id"]}
    csv = client.get(f"/api/v1/billing/charges?month={month}&f=csv", headers=bearer(owner))
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert lines[0].startswith("charged_at;organisation;reg_no;ca_number") and len(lines) == 4
    assert lines[1].endswith(";1.00")
    other = client.get(f"/api/v1/billing/charges?month={month}", headers=bearer(org_b["owner"]))
    assert other.json()["count"] == 0
    assert client.get("/api/v1/billing/charges?month=2026-13",
                      headers=bearer(owner)).status_code == 422
    assert client.get("/api/v1/billing/charges?month=2020-01",
                      headers=bearer(owner)).json()["count"] == 0
