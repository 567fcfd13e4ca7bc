"""GET /api/v1/certificates: search by number, cadastre, place, map area, status; formats."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from tests.conftest import Account, bearer
from tests.factories import area, certificate, square, store_certificate

BASE = "/api/v1/certificates"
FAR = (520_000.0, 250_000.0)  # near Jelgava, far from the Jumurda squares


@pytest.fixture()
def stored(engine: Engine, org_a: dict[str, Account]) -> dict[str, str]:
    org = org_a["owner"].org_id
    ids = {
        "jumurda": store_certificate(engine, org, certificate(ca_number="SRCH-1001")),
        "far": store_certificate(engine, org, certificate(
            ca_number="SRCH-2002", place="Ozolnieku pagasts",
            areas=[area(1, square(*FAR), cadastral_designation="54660010123")])),
    }
    with engine.begin() as conn:
        conn.execute(text("UPDATE certificates SET status = 'ready', verdict = 'flagged' "
                          "WHERE id = CAST(:i AS uuid)"), {"i": ids["far"]})
    return ids


def _ids(client: TestClient, account: Account, query: str) -> set[str]:
    r = client.get(BASE + query, headers=bearer(account))
    assert r.status_code == 200, r.text
    return {c["id"] for c in r.json()["items"]}


@pytest.mark.parametrize(("query", "expected"), [
    ("?q=SRCH-1", {"jumurda"}),
    ("?q=srch", {"jumurda", "far"}),
    ("?q=5466001", {"far"}),
    ("?q=ozolnieku", {"far"}),
    ("?q=Jumurdas", {"jumurda"}),
    ("?status=ready", {"far"}),
    ("?verdict=flagged", {"far"}),
    ("?verdict=unchecked&q=SRCH", {"jumurda"}),
    ("?bbox=25.80,56.90,25.84,56.92", {"jumurda"}),
    ("?bbox=519000,249000,521000,251000&bbox-crs=EPSG:3059", {"far"}),
    ("?q=100%25", set()),
])
def test_queries(client: TestClient, org_a: dict[str, Account], stored: dict[str, str],
                 query: str, expected: set[str]) -> None:
    assert _ids(client, org_a["owner"], query) == {stored[k] for k in expected}


def test_paging_and_total(client: TestClient, org_a: dict[str, Account],
                          stored: dict[str, str]) -> None:
    h = bearer(org_a["owner"])
    first = client.get(BASE + "?q=SRCH&limit=1", headers=h).json()
    second = client.get(BASE + "?q=SRCH&limit=1&offset=1", headers=h).json()
    past = client.get(BASE + "?q=SRCH&limit=1&offset=5", headers=h).json()
    assert first["total"] == second["total"] == past["total"] == 2
    assert {first["items"][0]["id"], second["items"][0]["id"]} == set(stored.values())
    assert past["items"] == []


def test_geojson_and_lks92_output(client: TestClient, org_a: dict[str, Account],
                                  stored: dict[str, str]) -> None:
    r = client.get(BASE + "?q=SRCH-2", headers={**bearer(org_a["owner"]),
                                                "accept": "application/geo+json"})
    assert r.headers["content-type"].startswith("application/geo+json")
    feature = r.json()["features"][0]
    assert feature["properties"]["ca_number"] == "SRCH-2002"
    assert feature["properties"]["cadastral_designation"] == "54660010123"
    lks = client.get(BASE + "?q=SRCH-2&crs=EPSG:3059", headers=bearer(org_a["owner"])).json()
    assert lks["items"][0]["areas"][0]["geometry"]["coordinates"][0][0][0] == list(FAR)


@pytest.mark.parametrize(("query", "status"), [
    ("?limit=0", 400), ("?limit=abc", 400), ("?status=lost", 400), ("?verdict=ok", 400),
    ("?bbox=1,2,3", 400), ("?bbox=5,5,1,1", 400), ("?crs=EPSG:2000", 422), ("?f=xml", 406),
])
def test_bad_parameters(client: TestClient, org_a: dict[str, Account], query: str,
                        status: int) -> None:
    r = client.get(BASE + query, headers=bearer(org_a["owner"]))
    assert r.status_code == status
    assert r.json()["error"]["message"]


def test_listed_in_openapi(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (BASE, BASE + "/{id}", BASE + "/{id}/volumes", BASE + "/{id}/history",
                 BASE + "/import", "/api/v1/vmd/certificates/{ca_number}"):
        assert path in paths
    assert set(paths[BASE + "/{id}"]) == {"get", "patch", "delete"}
