"""GET|PUT /api/v1/statements/{id}/buyers: owners change who sees the pair, tenancy-checked."""

from __future__ import annotations

from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from tests.conftest import Account, bearer
from tests.references.builders import stored

URL = "/api/v1/statements/{}/buyers"


def test_owner_replaces_the_list_and_the_buyer_gains_access(
    client: TestClient, engine: Engine, org_a: dict[str, Account], buyer: Account
) -> None:
    pair = stored(engine, org_a["owner"].org_id, buyers=["40000000009"])
    url = URL.format(pair.statement_id)
    assert client.get(url, headers=bearer(org_a["analyst"])).json()["buyers"] == ["40000000009"]
    # The pair itself is the proof for /verify (anyone holding it learns the state); the
    # buyer list decides who gets the pair from a CA number, here through /references.
    lookup = f"/api/v1/references?ca={pair.ca_number}"

    def seen() -> list[object]:
        return [i["eudr_reference_number"]
                for i in client.get(lookup, headers=bearer(buyer)).json()["items"]]

    assert seen() == []
    response = client.put(url, json={"buyers": [f" {buyer.reg_no} ", buyer.reg_no]},
                          headers=bearer(org_a["owner"]))
    assert response.status_code == 200, response.text
    assert response.json() == {"statement_id": pair.statement_id, "buyers": [buyer.reg_no]}
    assert seen() == [pair.reference]
    with engine.connect() as conn:
        action = conn.execute(text("SELECT action FROM audit_log WHERE entity_id = :id"),
                              {"id": pair.statement_id}).scalar()
    assert action == "buyers"
    assert client.put(url, json={"buyers": []}, headers=bearer(org_a["owner"])).json()[
        "buyers"] == []
    assert seen() == []


def test_other_tenants_and_missing_ids_are_404_alike(
    client: TestClient, engine: Engine, org_a: dict[str, Account], org_b: dict[str, Account],
    buyer: Account
) -> None:
    pair = stored(engine, org_a["owner"].org_id, buyers=[buyer.reg_no])
    for who in (org_b["owner"], buyer):
        response = client.put(URL.format(pair.statement_id), json={"buyers": ["40000000001"]},
                              headers=bearer(who))
        assert (response.status_code, response.json()["error"]["code"]) == (
            404, "statement_not_found")
        assert client.get(URL.format(pair.statement_id), headers=bearer(who)).status_code == 404
    missing = client.get(URL.format("00000000-0000-0000-0000-000000000000"),
                         headers=bearer(org_a["owner"]))
    assert missing.status_code == 404
    assert client.get(URL.format("not-a-uuid"), headers=bearer(org_a["owner"])).status_code == 404


def test_bad_lists_and_roles(client: TestClient, engine: Engine,
                             org_a: dict[str, Account]) -> None:
    pair = stored(engine, org_a["owner"].org_id)
    url = URL.format(pair.statement_id)
    bad = client.put(url, json={"buyers": ["40003012345", "<script>"]},
                     headers=bearer(org_a["owner"]))
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "invalid_buyer")
    shape = client.put(url, json={"buyers": "40003012345"}, headers=bearer(org_a["owner"]))
    assert shape.status_code == 422
    officer = client.put(url, json={"buyers": []}, headers=bearer(org_a["compliance_officer"]))
    assert officer.status_code == 403
