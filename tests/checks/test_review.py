"""The review workflow: queue, clear with a reason, confirm, tenancy, audit, carry-over."""

from __future__ import annotations

from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from geoservice.checks.review import submittable
from geoservice.vmd.simulator import VmdSimulator, designed
from tests.checks.conftest import valid
from tests.conftest import Account, bearer
from tests.factories import store_certificate

REASON = "Orthophoto 2021 shows a field since 2018; VMD confirmed by phone."


def _case(verdict: str, rule: str) -> str:
    return next(c.ca_number for c in designed() if c.verdict == verdict and rule in c.rules)


def _checked(engine: Engine, client: TestClient, account: Account, ca: str) -> tuple[str, dict]:  # type: ignore[type-arg]
    cert_id = store_certificate(engine, account.org_id, valid(VmdSimulator().fetch(ca)))
    body = client.post(f"/api/v1/certificates/{cert_id}/check", headers=bearer(account)).json()
    return cert_id, body


def _flag(body: dict, rule: str) -> dict:  # type: ignore[type-arg]
    return next(f for f in body["findings"] if f["rule"] == rule and f["severity"] == "flag")


def test_clear_needs_officer_and_reason_then_certificate_is_clear_and_audited(
    engine: Engine, client: TestClient, tenant: dict[str, Account], demo_layers: str,
) -> None:
    cert_id, body = _checked(engine, client, tenant["owner"],
                             _case("flagged", "forest_to_agriculture"))
    assert body["verdict"] == "flagged"
    finding = _flag(body, "forest_to_agriculture")
    with engine.connect() as conn:
        assert submittable(conn, cert_id)[0] is False
    url = f"/api/v1/findings/{finding['id']}/review"
    owner = client.post(url, json={"decision": "clear", "reason": REASON},
                        headers=bearer(tenant["owner"]))
    assert owner.status_code == 403
    short = client.post(url, json={"decision": "clear", "reason": "ok"},
                        headers=bearer(tenant["compliance_officer"]))
    assert short.status_code == 422 and short.json()["error"]["code"] == "reason_required"
    queue = client.get("/api/v1/findings?status=open",
                       headers=bearer(tenant["compliance_officer"])).json()
    assert finding["id"] in {f["id"] for f in queue}
    done = client.post(url, json={"decision": "clear", "reason": REASON},
                       headers=bearer(tenant["compliance_officer"]))
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "cleared"
    others = [f for f in body["findings"] if f["severity"] == "flag" and f["id"] != finding["id"]]
    for other in others:  # e.g. the same field in LAD blocks and in declared fields
        assert other["rule"] == "forest_to_agriculture"
        assert done.json()["certificate_verdict"] == "flagged"
        done = client.post(f"/api/v1/findings/{other['id']}/review",
                           json={"decision": "clear", "reason": REASON},
                           headers=bearer(tenant["compliance_officer"]))
    assert done.json()["certificate_verdict"] == "clear"
    again = client.post(url, json={"decision": "confirm", "reason": ""},
                        headers=bearer(tenant["compliance_officer"]))
    assert again.status_code == 409
    with engine.connect() as conn:
        assert submittable(conn, cert_id) == (True, "Checked and clear.")
        actions = conn.execute(text("SELECT action FROM audit_log WHERE entity = 'finding' AND "
                                    "entity_id = :id"), {"id": finding["id"]}).scalars().all()
    assert actions == ["clear"]
    # A re-check finds the same overlap: the decision carries over, nobody reviews it twice.
    recheck = client.post(f"/api/v1/certificates/{cert_id}/check",
                          headers=bearer(tenant["owner"])).json()
    assert recheck["verdict"] == "clear"
    carried = _flag_any(recheck, "forest_to_agriculture")
    assert carried["status"] == "cleared" and carried["review"]["reason"] == REASON
    assert carried["details"]["decision_carried_from"]
    cleared = client.get("/api/v1/findings?status=cleared",
                         headers=bearer(tenant["compliance_officer"])).json()
    assert carried["id"] in {f["id"] for f in cleared}


def _flag_any(body: dict, rule: str) -> dict:  # type: ignore[type-arg]
    return next(f for f in body["findings"] if f["rule"] == rule and f["severity"] != "info")


def test_confirm_blocks_and_blocks_cannot_be_cleared(
    engine: Engine, client: TestClient, tenant: dict[str, Account], demo_layers: str,
) -> None:
    cert_id, body = _checked(engine, client, tenant["owner"], _case("flagged", "protected_area"))
    finding = _flag(body, "protected_area")
    officer = bearer(tenant["compliance_officer"])
    confirmed = client.post(f"/api/v1/findings/{finding['id']}/review",
                            json={"decision": "confirm"}, headers=officer)
    assert confirmed.json()["certificate_verdict"] == "blocked"
    with engine.connect() as conn:
        ok, reason = submittable(conn, cert_id)
    assert not ok and "blocked" in reason
    _, blocked = _checked(engine, client, tenant["owner"],
                          _case("blocked", "deforestation_felling"))
    block = next(f for f in blocked["findings"] if f["severity"] == "block")
    refused = client.post(f"/api/v1/findings/{block['id']}/review",
                          json={"decision": "clear", "reason": REASON}, headers=officer)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "block_cannot_be_cleared"


def test_tenancy_other_org_gets_404_operator_sees_all(
    engine: Engine, client: TestClient, tenant: dict[str, Account],
    other_tenant: dict[str, Account], service: dict[str, Account], demo_layers: str,
) -> None:
    cert_id, body = _checked(engine, client, tenant["owner"], _case("flagged", "protected_area"))
    finding = _flag(body, "protected_area")
    stranger = bearer(other_tenant["compliance_officer"])
    assert client.post(f"/api/v1/certificates/{cert_id}/check",
                       headers=stranger).status_code == 404
    assert client.get(f"/api/v1/certificates/{cert_id}/findings",
                      headers=stranger).status_code == 404
    review = client.post(f"/api/v1/findings/{finding['id']}/review",
                         json={"decision": "clear", "reason": REASON}, headers=stranger)
    assert review.status_code == 404
    assert review.json()["error"]["code"] == "finding_not_found"
    theirs = client.get("/api/v1/findings?status=open", headers=stranger).json()
    assert finding["id"] not in {f["id"] for f in theirs}
    queue = client.get("/api/v1/findings?status=open&limit=1000",
                       headers=bearer(service["compliance_officer"])).json()
    assert finding["id"] in {f["id"] for f in queue}
