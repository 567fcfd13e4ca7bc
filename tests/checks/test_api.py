"""The check API: finding shape, bad input, certificate without areas."""

from __future__ import annotations

from sqlalchemy import Engine
from starlette.testclient import TestClient

from tests.conftest import Account, bearer
from tests.factories import certificate, store_certificate

FINDING_KEYS = {"id", "area_id", "rule", "severity", "layer", "overlap_ha", "overlap_percent",
                "geometry", "message", "status"}


def test_finding_shape_is_the_public_contract(
    engine: Engine, client: TestClient, tenant: dict[str, Account], demo_layers: str,
) -> None:
    cert_id = store_certificate(engine, tenant["owner"].org_id, certificate(n_areas=3))
    body = client.post(f"/api/v1/certificates/{cert_id}/check",
                       headers=bearer(tenant["owner"])).json()
    assert body["verdict"] in ("clear", "flagged", "blocked")
    assert body["findings"], "the forest share is always reported"
    for finding in body["findings"]:
        assert set(finding) >= FINDING_KEYS
        assert finding["message"]["lv"] and finding["message"]["en"]
        if finding["geometry"]:
            lon, lat = finding["geometry"]["coordinates"][0][0][0]
            assert 20 < lon < 30 and 55 < lat < 59  # EPSG:4326 by default
    listed = client.get(f"/api/v1/certificates/{cert_id}/findings?crs=EPSG:3059",
                        headers=bearer(tenant["owner"])).json()
    assert {f["id"] for f in listed} == {f["id"] for f in body["findings"]}
    share = [f for f in listed if f["rule"] == "not_forest_2020" and f["severity"] == "info"]
    assert len(share) == 3 and all(f["layer"]["id"] == "forest_2020" for f in share)


def test_certificate_without_areas_is_422_and_bad_params_are_4xx(
    engine: Engine, client: TestClient, tenant: dict[str, Account], demo_layers: str,
) -> None:
    cert_id = store_certificate(engine, tenant["owner"].org_id, certificate(n_areas=0))
    response = client.post(f"/api/v1/certificates/{cert_id}/check",
                           headers=bearer(tenant["owner"]))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "certificate_without_areas"
    headers = bearer(tenant["owner"])
    assert client.get("/api/v1/findings?status=maybe", headers=headers).status_code == 422
    assert client.get("/api/v1/findings?limit=x", headers=headers).status_code == 422
    assert client.post("/api/v1/certificates/not-a-uuid/check",
                       headers=headers).status_code == 404
    assert client.post("/api/v1/findings/00000000-0000-0000-0000-000000000000/review",
                       json={"decision": "maybe"},
                       headers=bearer(tenant["compliance_officer"])).status_code == 422
    assert client.post(f"/api/v1/certificates/{cert_id}/check").status_code == 401


def test_layers_registry_lists_versions(
    client: TestClient, tenant: dict[str, Account], demo_layers: str,
) -> None:
    layers = client.get("/api/v1/layers", headers=bearer(tenant["owner"])).json()
    roles = {layer["role"] for layer in layers}
    assert {"forest_2020", "agriculture", "deforestation_permit", "protected_area"} <= roles
    forest = next(layer for layer in layers if layer["id"] == "forest_2020")
    assert forest["kind"] == "raster" and forest["versions"][0]["version"] >= 1
