"""Compliance officers see the alerts and re-check runs of the tenants they may see, no more."""

from __future__ import annotations

import json
import secrets

from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from tests.conftest import Account, bearer
from tests.factories import area, certificate, square, store_certificate


def _alert(engine: Engine, org_id: str, layer_id: str, recheck_id: str) -> tuple[str, str]:
    cert_id = store_certificate(engine, org_id, certificate(areas=[area(1, geometry=square(
        470_000, 270_000))]))
    with engine.begin() as conn:
        alert_id = conn.execute(text(
            "INSERT INTO recheck_alerts (recheck_id, organisation_id, certificate_id, "
            "previous_verdict, new_verdict, rules) VALUES (CAST(:r AS uuid), :o, "
            "CAST(:c AS uuid), 'clear', 'flagged', '[\"forest_to_agriculture\"]') RETURNING id"),
            {"r": recheck_id, "o": org_id, "c": cert_id}).scalar_one()
    return str(alert_id), cert_id


def test_alerts_and_rechecks_keep_to_the_tenancy_rule(
    client: TestClient, engine: Engine, org_a: dict[str, Account], org_b: dict[str, Account],
    operator: dict[str, Account],
) -> None:
    layer_id = f"alerts_{secrets.token_hex(3)}"
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO layers (id, title, role, kind) VALUES "
                          "(:l, :l, 'forest_compartments', 'vector')"), {"l": layer_id})
        conn.execute(text("INSERT INTO layer_versions (layer_id, version) VALUES (:l, 1), "
                          "(:l, 2)"), {"l": layer_id})
        conn.execute(text("UPDATE layers SET current_version = 2 WHERE id = :l"),
                     {"l": layer_id})
        recheck_id = str(conn.execute(text(
            "INSERT INTO layer_rechecks (layer_id, from_version, to_version, changed) VALUES "
            "(:l, 1, 2, CAST(:c AS jsonb)) RETURNING id"),
            {"l": layer_id, "c": json.dumps([
                {"certificate_id": "a", "ca_number": "A1", "before": "clear", "after": "flagged",
                 "organisation_id": org_a["owner"].org_id},
                {"certificate_id": "b", "ca_number": "B1", "before": "clear", "after": "flagged",
                 "organisation_id": org_b["owner"].org_id}])}).scalar_one())
    alert_a, cert_a = _alert(engine, org_a["owner"].org_id, layer_id, recheck_id)
    alert_b, _ = _alert(engine, org_b["owner"].org_id, layer_id, recheck_id)

    def seen(account: Account) -> set[str]:
        response = client.get("/api/v1/recheck-alerts", headers=bearer(account))
        assert response.status_code == 200, response.text
        return {a["id"] for a in response.json()}

    assert {alert_a} == seen(org_a["compliance_officer"]) & {alert_a, alert_b}
    assert {alert_a, alert_b} <= seen(operator["compliance_officer"])
    assert client.get("/api/v1/recheck-alerts", headers=bearer(org_a["owner"])).status_code == 403
    runs = client.get("/api/v1/layers/rechecks", headers=bearer(org_a["owner"])).json()
    mine = next(r for r in runs if r["id"] == recheck_id)
    assert [c["ca_number"] for c in mine["changed"]] == ["A1"]
    reason = {"reason": "Buyer told; timber held back."}
    other = client.post(f"/api/v1/recheck-alerts/{alert_b}/acknowledge", json=reason,
                        headers=bearer(org_a["compliance_officer"]))
    assert other.status_code == 404 and other.json()["error"]["code"] == "alert_not_found"
    short = client.post(f"/api/v1/recheck-alerts/{alert_a}/acknowledge", json={"reason": "ok"},
                        headers=bearer(org_a["compliance_officer"]))
    assert short.status_code == 422
    done = client.post(f"/api/v1/recheck-alerts/{alert_a}/acknowledge", json=reason,
                       headers=bearer(org_a["compliance_officer"]))
    assert done.status_code == 200 and done.json()["status"] == "acknowledged"
    assert "v2" in done.json()["message"]["lv"] and done.json()["certificate_id"] == cert_a
    assert alert_a not in seen(org_a["compliance_officer"])
