"""POST /api/v1/certificates: from VMD, by hand, and every way it must refuse."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from geoservice.vmd import VmdUnavailable
from geoservice.vmd.simulator import VmdSimulator
from tests.certificates.conftest import area_body, manual_body
from tests.conftest import Account, bearer

URL = "/api/v1/certificates"


def _count(engine: Engine, org_id: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(
            "SELECT count(*) FROM certificates WHERE organisation_id = CAST(:o AS uuid)"),
            {"o": org_id}).scalar_one())


def test_manual_certificate_in_api_shape(client: TestClient, org_a: dict[str, Account]) -> None:
    r = client.post(URL, json=manual_body(n_areas=2), headers=bearer(org_a["owner"]))
    assert r.status_code == 201, r.text
    cert = r.json()
    assert isinstance(cert["id"], str) and cert["source"] == "manual"
    assert cert["issued_on"] == "2026-03-02" and cert["status"] == "draft"
    # checked on saving: with or without layers in this database, never left unchecked
    assert cert["verdict"] in ("clear", "flagged", "blocked") and cert["version"] == 1
    assert [a["cirsma"] for a in cert["areas"]] == [1, 2]
    area = cert["areas"][0]
    assert area["geometry"]["type"] == "MultiPolygon"
    assert area["area_ha"] == pytest.approx(1.0, abs=0.01)
    assert area["volumes"][0] == {"species_code": 1, "m3": 200.0, "planned_m3": 200.0}
    assert {p["hs_code"]: p["m3"] for p in area["products"]} == {"4403": 220.0, "4401": 30.0}


def test_manual_in_lks92(client: TestClient, org_a: dict[str, Account]) -> None:
    x, y = 611_000.0, 309_000.0
    ring = [[x, y], [x + 200, y], [x + 200, y + 50], [x, y + 50], [x, y]]
    body = manual_body(crs="EPSG:3059", areas=[area_body(
        geometry={"type": "Polygon", "coordinates": [ring]})])
    r = client.post(URL + "?crs=EPSG:3059", json=body, headers=bearer(org_a["owner"]))
    assert r.status_code == 201, r.text
    assert r.json()["areas"][0]["area_ha"] == 1.0
    assert r.json()["areas"][0]["geometry"]["coordinates"][0][0][0] == [x, y]


def test_from_vmd(client: TestClient, org_a: dict[str, Account], vmd: VmdSimulator,
                  ca_numbers: list[str]) -> None:
    r = client.post(URL, json={"ca_number": ca_numbers[0]}, headers=bearer(org_a["owner"]))
    assert r.status_code == 201, r.text
    assert r.json()["source"] == "vmd" and r.json()["ca_number"] == ca_numbers[0]
    assert vmd.calls == 1


def test_vmd_bowtie_is_repaired_and_stored(client: TestClient, org_a: dict[str, Account],
                                           vmd: VmdSimulator) -> None:
    from geoservice.vmd.simulator import _registry

    number = next(n for n, c in _registry().items()
                  if any(not a.geometry.is_valid for a in c.areas))
    r = client.post(URL, json={"ca_number": number}, headers=bearer(org_a["owner"]))
    assert r.status_code == 201, r.text


def test_unknown_ca_number_at_vmd(client: TestClient, org_a: dict[str, Account],
                                  vmd: VmdSimulator) -> None:
    r = client.post(URL, json={"ca_number": "9999999999"}, headers=bearer(org_a["owner"]))
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "vmd_certificate_not_found"
    assert "9999999999" in r.json()["error"]["messages"]["en"]


@pytest.mark.parametrize(("error", "status", "code"), [
    (VmdUnavailable("HTTP 503: maintenance"), 503, "vmd_unavailable"),
    (VmdUnavailable("no answer within 10 s (tried 3 times)"), 504, "vmd_timeout"),
    (VmdUnavailable("VMD refused the service's credentials (HTTP 401)", retryable=False), 502,
     "vmd_unavailable"),
])
def test_vmd_down(client: TestClient, app: Any, org_a: dict[str, Account], vmd: VmdSimulator,
                  ca_numbers: list[str], error: VmdUnavailable, status: int, code: str) -> None:
    app.state.vmd_source = VmdSimulator(fail_with=error)
    r = client.post(URL, json={"ca_number": ca_numbers[1]}, headers=bearer(org_a["owner"]))
    assert r.status_code == status
    assert r.json()["error"]["code"] == code
    assert "not available" in r.json()["error"]["messages"]["en"]
    assert _count(client.app.state.engine, org_a["owner"].org_id) == 0  # type: ignore[attr-defined]


def test_vmd_too_slow_answers_504(client: TestClient, app: Any, settings: Any,
                                  org_a: dict[str, Account], vmd: VmdSimulator,
                                  ca_numbers: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("geoservice.certificates.sources.deadline_seconds", lambda s: 0.2)
    app.state.vmd_source = VmdSimulator(delay=1.0)
    r = client.post(URL, json={"ca_number": ca_numbers[1]}, headers=bearer(org_a["owner"]))
    assert r.status_code == 504
    assert r.json()["error"]["code"] == "vmd_timeout"


def test_duplicate_in_same_org_but_not_across(client: TestClient, org_a: dict[str, Account],
                                              org_b: dict[str, Account]) -> None:
    body = manual_body("DUP-1")
    assert client.post(URL, json=body, headers=bearer(org_a["owner"])).status_code == 201
    again = client.post(URL, json=body, headers=bearer(org_a["analyst"]))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "certificate_exists"
    assert client.post(URL, json=body, headers=bearer(org_b["owner"])).status_code == 201


def test_duplicate_from_vmd_does_not_call_vmd(client: TestClient, org_a: dict[str, Account],
                                              vmd: VmdSimulator, ca_numbers: list[str]) -> None:
    h = bearer(org_a["owner"])
    assert client.post(URL, json={"ca_number": ca_numbers[2]}, headers=h).status_code == 201
    r = client.post(URL, json={"ca_number": ca_numbers[2]}, headers=h)
    assert r.status_code == 409 and vmd.calls == 1


def _bad(overrides: dict[str, Any], area: dict[str, Any] | None = None) -> dict[str, Any]:
    body = manual_body(**overrides)
    if area is not None:
        body["areas"] = [area_body(**area)]
    return body


@pytest.mark.parametrize(("body", "code", "words"), [
    (_bad({}, {"volumes": [{"species_code": 2, "m3": 250}], "products": []}),
     "unknown_species_code", "2 is not a Forest State Register species code"),
    (_bad({}, {"products": [{"hs_code": "4403", "m3": 100}]}), "products_do_not_add_up",
     "adds up to 100 m³ but the volumes add up to 250 m³"),
    (_bad({}, {"volumes": [{"species_code": 1, "m3": 9000}], "products": []}),
     "volume_implausible", "m3/ha"),
    (_bad({}, {"volumes": [{"species_code": 1, "m3": -5}]}), "validation_failed",
     "species line 1 — volume, m³: must be at least 0"),
    (_bad({}, {"geometry": {"type": "LineString", "coordinates": [[25.8, 56.9], [25.9, 56.9]]}}),
     "geometry_type", "not a LineString"),
    (_bad({}, {"geometry": {"type": "Polygon", "coordinates": []}}), "geometry_empty", "empty"),
    (_bad({"areas": []}), "validation_failed", "Felling areas: give at least 1"),
    (_bad({"valid_until": "2020-01-01"}), "dates_inconsistent", "Valid until: the certificate"),
    (_bad({}, {"products": [{"hs_code": "9403", "m3": 250}]}), "validation_failed",
     "product line 1 — product code (HS): 4401 or 4403"),
    (_bad({}, {"cadastral_designation": "7060005"}), "validation_failed",
     "cadastral designation: must be 11 digits"),
])
def test_bad_input_is_422_and_saves_nothing(client: TestClient, org_a: dict[str, Account],
                                            engine: Engine, body: dict[str, Any], code: str,
                                            words: str) -> None:
    r = client.post(URL, json=body, headers=bearer(org_a["owner"]))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == code
    assert words.replace("m3", "m³") in r.json()["error"]["messages"]["en"]
    assert _count(engine, org_a["owner"].org_id) == 0


def test_four_areas_refused(client: TestClient, org_a: dict[str, Account]) -> None:
    body = manual_body()
    body["areas"] = [area_body(1)] * 4
    assert client.post(URL, json=body, headers=bearer(org_a["owner"])).status_code == 422


def test_second_area_bad_saves_first_neither(client: TestClient, org_a: dict[str, Account],
                                             engine: Engine) -> None:
    body = manual_body(n_areas=2)
    body["areas"][1]["volumes"] = [{"species_code": 99, "m3": 250}]
    r = client.post(URL, json=body, headers=bearer(org_a["owner"]))
    assert r.status_code == 422 and "areas[1].volumes[0].species_code" in r.text
    assert _count(engine, org_a["owner"].org_id) == 0


def test_not_json_and_wrong_role(client: TestClient, org_a: dict[str, Account]) -> None:
    r = client.post(URL, content=b"{", headers={**bearer(org_a["owner"]),
                                                "content-type": "application/json"})
    assert r.status_code == 400
    r = client.post(URL, json=manual_body(), headers=bearer(org_a["compliance_officer"]))
    assert r.status_code == 403
    assert client.post(URL, json=manual_body()).status_code == 401


def test_manual_volumes_keep_what_the_certificate_planned(
    client: TestClient, org_a: dict[str, Account]
) -> None:
    """Typed from paper: planned (on the certificate) and accounted, judged by the 10 % rule."""
    volumes = [{"species_code": 1, "m3": 200.0, "planned_m3": 240.0},
               {"species_code": 4, "m3": 50.0}]
    body = manual_body(ca_number="MAN-PLAN", areas=[area_body(volumes=volumes)])
    r = client.post(URL, json=body, headers=bearer(org_a["owner"]))
    assert r.status_code == 201, r.text
    area = r.json()["areas"][0]
    assert area["volumes"] == [{"species_code": 1, "m3": 200.0, "planned_m3": 240.0},
                               {"species_code": 4, "m3": 50.0, "planned_m3": 50.0}]
    check = area["volume_check"]
    assert (check["planned_m3"], check["accounted_m3"]) == (290.0, 250.0)
    assert check["within_tolerance"] is False and check["authoritative"] == "accounted"
    bad = manual_body(ca_number="MAN-PLAN2", areas=[area_body(
        volumes=[{"species_code": 1, "m3": 250.0, "planned_m3": -1}])])
    assert client.post(URL, json=bad, headers=bearer(org_a["owner"])).status_code == 422
