"""A user of organisation A cannot read or change anything of organisation B.

Each domain adds its endpoints to these checks in its own test module; this one covers the
accounts endpoints and the rule itself (``Principal.org_filter``).
"""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.conftest import Account, bearer


def test_own_organisation_readable(client: TestClient, org_a: dict[str, Account]) -> None:
    for role, account in org_a.items():
        response = client.get(f"/api/v1/organisations/{account.org_id}", headers=bearer(account))
        assert response.status_code == 200, role
        assert response.json()["reg_no"] == account.reg_no


def test_other_organisation_invisible_for_every_role(
    client: TestClient, org_a: dict[str, Account], org_b: dict[str, Account]
) -> None:
    other = org_b["owner"].org_id
    for role, account in org_a.items():
        response = client.get(f"/api/v1/organisations/{other}", headers=bearer(account))
        assert response.status_code == 404, role
        assert response.json()["error"]["code"] == "organisation_not_found"
        listed = client.get("/api/v1/organisations", headers=bearer(account)).json()
        assert [o["id"] for o in listed] == [account.org_id], role


def test_other_organisation_cannot_be_changed(
    client: TestClient, org_a: dict[str, Account], org_b: dict[str, Account]
) -> None:
    other = org_b["owner"].org_id
    response = client.patch(f"/api/v1/organisations/{other}", json={"name": "Hijacked"},
                            headers=bearer(org_a["owner"]))
    assert response.status_code == 404
    still = client.get(f"/api/v1/organisations/{other}", headers=bearer(org_b["owner"])).json()
    assert still["name"] != "Hijacked"


def test_unknown_and_malformed_ids_are_404(client: TestClient, org_a: dict[str, Account]) -> None:
    for bad in ("00000000-0000-0000-0000-000000000000", "not-a-uuid", "1;DROP TABLE users"):
        response = client.get(f"/api/v1/organisations/{bad}", headers=bearer(org_a["owner"]))
        assert response.status_code == 404


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/v1/statements/{}"), ("GET", "/api/v1/mandates/{}"),
    ("GET", "/api/v1/statements/{}/buyers"), ("GET", "/certificates/{}/report"),
    ("POST", "/api/v1/findings/{}/review"), ("POST", "/api/v1/certificates/{}/check"),
])
def test_ids_that_are_not_uuids_are_404_everywhere(
    client: TestClient, org_a: dict[str, Account], method: str, path: str,
) -> None:
    # Lookups compare uuids (index scans), so anything else must be "not found", never a 500.
    officer = bearer(org_a["compliance_officer"])
    for bad in ("not-a-uuid", "1;DROP TABLE users", "00000000-0000-0000-0000-00000000000g"):
        response = client.request(method, path.format(bad), headers=officer,
                                  json={"decision": "clear", "reason": "A reason long enough."})
        assert response.status_code == 404, (path, bad, response.text)


def test_own_organisation_by_upper_case_id(client: TestClient, org_a: dict[str, Account]) -> None:
    own = org_a["owner"].org_id
    response = client.get(f"/api/v1/organisations/{own.upper()}", headers=bearer(org_a["owner"]))
    assert response.status_code == 200 and response.json()["id"] == own


def test_operator_officers_see_every_tenant(
    client: TestClient, org_a: dict[str, Account], org_b: dict[str, Account],
    operator: dict[str, Account],
) -> None:
    for role in ("compliance_officer", "admin"):
        seen = {o["id"] for o in client.get("/api/v1/organisations",
                                            headers=bearer(operator[role])).json()}
        assert {org_a["owner"].org_id, org_b["owner"].org_id} <= seen


def test_client_org_officer_does_not_see_other_tenants(
    client: TestClient, org_a: dict[str, Account], org_b: dict[str, Account]
) -> None:
    response = client.get(f"/api/v1/organisations/{org_b['owner'].org_id}",
                          headers=bearer(org_a["compliance_officer"]))
    assert response.status_code == 404


def test_owner_updates_own_org_and_it_is_audited(
    client: TestClient, engine, org_a: dict[str, Account]  # type: ignore[no-untyped-def]
) -> None:
    from sqlalchemy import text

    account = org_a["owner"]
    response = client.patch(f"/api/v1/organisations/{account.org_id}",
                            json={"city": "Madona", "email": "birojs@example.lv"},
                            headers=bearer(account))
    assert response.status_code == 200 and response.json()["city"] == "Madona"
    with engine.connect() as conn:
        changes = conn.execute(text(
            "SELECT changes FROM audit_log WHERE entity='organisation' AND entity_id=:id"),
            {"id": account.org_id}).scalar_one()
    assert changes["city"][1] == "Madona"


def test_analyst_cannot_change_org_and_bad_json_is_clear(
    client: TestClient, org_a: dict[str, Account]
) -> None:
    org = org_a["analyst"].org_id
    denied = client.patch(f"/api/v1/organisations/{org}", json={"city": "X"},
                          headers=bearer(org_a["analyst"]))
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "role_required"
    malformed = client.patch(f"/api/v1/organisations/{org}", content=b"{nope",
                             headers={**bearer(org_a["owner"]), "content-type": "application/json"})
    assert malformed.status_code == 400
    assert malformed.json()["error"]["code"] == "malformed_json"
    unknown = client.patch(f"/api/v1/organisations/{org}", json={"is_operator": True},
                           headers=bearer(org_a["owner"]))
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"][0]["field"] == "is_operator"
