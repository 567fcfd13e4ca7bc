"""Tenancy: another organisation's certificate answers 404 everywhere; officers see all."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from tests.conftest import Account, bearer
from tests.factories import certificate, store_certificate

BASE = "/api/v1/certificates"


@pytest.fixture()
def theirs(engine: Engine, org_b: dict[str, Account]) -> str:
    return store_certificate(engine, org_b["owner"].org_id, certificate(place="Ozolkalni"))


@pytest.mark.parametrize(("method", "suffix", "body"), [
    ("GET", "", None),
    ("GET", "?f=geojson", None),
    ("PATCH", "", {"place": "mine now"}),
    ("DELETE", "", None),
    ("PUT", "/volumes", {"areas": [{"cirsma": 1, "volumes": [{"species_code": 1, "m3": 1}]}]}),
    ("GET", "/history", None),
])
def test_other_tenant_is_404_like_missing(
    client: TestClient, org_a: dict[str, Account], theirs: str, method: str, suffix: str,
    body: dict[str, object] | None,
) -> None:
    for role in ("owner", "admin", "compliance_officer"):
        h = bearer(org_a[role])
        other = client.request(method, f"{BASE}/{theirs}{suffix}", json=body, headers=h)
        missing = client.request(method, f"{BASE}/00000000-0000-4000-8000-000000000000{suffix}",
                                 json=body, headers=h)
        if role == "compliance_officer" and method != "GET":
            assert other.status_code == missing.status_code == 403
            continue
        assert other.status_code == 404, (role, other.text)
        assert missing.status_code == 404
        assert other.json()["error"]["code"] == missing.json()["error"]["code"] == \
            "certificate_not_found"


def test_not_a_uuid_is_404(client: TestClient, org_a: dict[str, Account]) -> None:
    r = client.get(f"{BASE}/not-a-uuid", headers=bearer(org_a["owner"]))
    assert r.status_code == 404


def test_other_tenant_unchanged_after_attempts(
    client: TestClient, org_a: dict[str, Account], org_b: dict[str, Account], theirs: str
) -> None:
    h = bearer(org_a["owner"])
    client.patch(f"{BASE}/{theirs}", json={"place": "x"}, headers=h)
    client.delete(f"{BASE}/{theirs}", headers=h)
    r = client.get(f"{BASE}/{theirs}", headers=bearer(org_b["owner"]))
    assert r.status_code == 200 and r.json()["place"] == "Ozolkalni"
    assert r.json()["version"] == 1


def test_list_never_shows_others(
    client: TestClient, engine: Engine, org_a: dict[str, Account], org_b: dict[str, Account],
    theirs: str,
) -> None:
    mine = store_certificate(engine, org_a["owner"].org_id, certificate(place="Ozolkalni"))
    for query in ("", "?q=Ozolkalni", "?q=70600050074", "?bbox=25.8,56.9,25.9,57.0",
                  "?status=draft", "?f=geojson"):
        r = client.get(BASE + query, headers=bearer(org_a["analyst"]))
        assert r.status_code == 200, r.text
        doc = r.json()
        ids = ({f["properties"]["certificate_id"] for f in doc["features"]}
               if "features" in doc else {c["id"] for c in doc["items"]})
        assert theirs not in ids and mine in ids, query


def test_client_officer_sees_only_own_org(
    client: TestClient, engine: Engine, org_a: dict[str, Account], theirs: str
) -> None:
    r = client.get(BASE + "?limit=500", headers=bearer(org_a["compliance_officer"]))
    assert theirs not in {c["id"] for c in r.json()["items"]}


def test_operator_officers_see_every_tenant(
    client: TestClient, operator: dict[str, Account], theirs: str
) -> None:
    h = bearer(operator["compliance_officer"])
    assert client.get(f"{BASE}/{theirs}", headers=h).status_code == 200
    assert client.get(f"{BASE}/{theirs}/history", headers=h).status_code == 200
    r = client.get(BASE + "?q=Ozolkalni&limit=500", headers=h)
    assert theirs in {c["id"] for c in r.json()["items"]}
