"""Changing certificates: volumes and product split, PATCH, DELETE, status locks, history."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from geoservice import events
from geoservice.spatial.geojson import to_geojson
from tests.conftest import Account, bearer
from tests.factories import ORIGIN, certificate, square, store_certificate

BASE = "/api/v1/certificates"


@pytest.fixture()
def cert_id(engine: Engine, org_a: dict[str, Account]) -> str:
    return store_certificate(engine, org_a["owner"].org_id, certificate(n_areas=2))


def _set_status(engine: Engine, cert_id: str, status: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE certificates SET status = :s WHERE id = CAST(:i AS uuid)"),
                     {"s": status, "i": cert_id})


def _volumes(m3_pine: float, products: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    area: dict[str, Any] = {"cirsma": 1, "volumes": [{"species_code": 1, "m3": m3_pine},
                                                     {"species_code": 4, "m3": 50.0}]}
    if products is not None:
        area["products"] = products
    return {"areas": [area]}


def test_volume_correction_within_10_percent_is_accepted(
    client: TestClient, org_a: dict[str, Account], cert_id: str
) -> None:
    body = _volumes(220.0, [{"hs_code": "440321", "m3": 200.0}, {"hs_code": "4401", "m3": 70.0}])
    r = client.put(f"{BASE}/{cert_id}/volumes", json=body, headers=bearer(org_a["analyst"]))
    assert r.status_code == 200, r.text
    area = r.json()["areas"][0]
    assert {v["species_code"]: (v["m3"], v["planned_m3"]) for v in area["volumes"]} == \
        {1: (220.0, 200.0), 4: (50.0, 50.0)}
    check = area["volume_check"]
    assert check["planned_m3"] == 250.0 and check["accounted_m3"] == 270.0
    assert check["deviation_percent"] == pytest.approx(7.41, abs=0.01)
    assert check["within_tolerance"] and check["authoritative"] == "planned"
    assert r.json()["version"] == 2


def test_volume_above_10_percent_makes_accounted_authoritative(
    client: TestClient, org_a: dict[str, Account], cert_id: str
) -> None:
    body = _volumes(300.0, [{"hs_code": "4403", "m3": 300.0}, {"hs_code": "4401", "m3": 50.0}])
    r = client.put(f"{BASE}/{cert_id}/volumes", json=body, headers=bearer(org_a["owner"]))
    check = r.json()["areas"][0]["volume_check"]
    assert not check["within_tolerance"] and check["authoritative"] == "accounted"
    assert "Art. 8" in check["message"]


def test_split_must_add_up_and_names_the_totals(
    client: TestClient, org_a: dict[str, Account], cert_id: str, engine: Engine
) -> None:
    body = _volumes(210.0, [{"hs_code": "4403", "m3": 100.0}, {"hs_code": "4401", "m3": 30.0}])
    r = client.put(f"{BASE}/{cert_id}/volumes", json=body, headers=bearer(org_a["owner"]))
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "products_do_not_add_up"
    message = r.json()["error"]["messages"]["en"]
    assert "130 m³" in message and "260 m³" in message
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version FROM certificates WHERE id = CAST(:i AS uuid)"),
                            {"i": cert_id}).scalar_one() == 1


def test_old_split_that_no_longer_adds_up_is_refused(
    client: TestClient, org_a: dict[str, Account], cert_id: str
) -> None:
    r = client.put(f"{BASE}/{cert_id}/volumes", json=_volumes(100.0),
                   headers=bearer(org_a["owner"]))
    assert r.status_code == 422 and "Send a new split" in r.json()["error"]["messages"]["en"]


def test_certificate_wide_split_is_shared_over_areas(
    client: TestClient, org_a: dict[str, Account], cert_id: str
) -> None:
    body = {"areas": [{"cirsma": 1, "volumes": [{"species_code": 1, "m3": 150.0}]}],
            "products": [{"hs_code": "4403", "m3": 300.0}, {"hs_code": "4401", "m3": 100.0}]}
    r = client.put(f"{BASE}/{cert_id}/volumes", json=body, headers=bearer(org_a["owner"]))
    assert r.status_code == 200, r.text
    areas = r.json()["areas"]
    split = [{p["hs_code"]: p["m3"] for p in a["products"]} for a in areas]
    assert split[0]["4403"] + split[1]["4403"] == pytest.approx(300.0)
    assert split[0]["4401"] == pytest.approx(100.0 * 150 / 400, abs=0.001)


@pytest.mark.parametrize(("body", "code"), [
    ({"areas": [{"cirsma": 1, "volumes": [{"species_code": 77, "m3": 5}]}]},
     "unknown_species_code"),
    ({"areas": [{"cirsma": 3, "volumes": []}]}, "area_not_found"),
    ({"areas": [{"cirsma": 1, "volumes": [{"species_code": 1, "m3": 60000}], "products": []}]},
     "volume_implausible"),
    ({"areas": [{"cirsma": 1, "volumes": [{"species_code": 1, "m3": -1}]}]},
     "validation_failed"),
])
def test_bad_volumes(client: TestClient, org_a: dict[str, Account], cert_id: str,
                     body: dict[str, Any], code: str) -> None:
    r = client.put(f"{BASE}/{cert_id}/volumes", json=body, headers=bearer(org_a["owner"]))
    assert r.status_code == 422 and r.json()["error"]["code"] == code


def test_geometry_change_resets_verdict_emits_event_and_is_audited(
    client: TestClient, engine: Engine, org_a: dict[str, Account], cert_id: str
) -> None:
    seen: list[dict[str, Any]] = []

    def handler(conn: Any, **payload: Any) -> None:
        verdict = conn.execute(text("SELECT verdict FROM certificates WHERE id = "
                                    "CAST(:i AS uuid)"), {"i": payload["certificate_id"]})
        seen.append({**payload, "verdict_seen": verdict.scalar_one()})

    with engine.begin() as conn:
        conn.execute(text("UPDATE certificates SET verdict = 'clear' WHERE id = CAST(:i AS uuid)"),
                     {"i": cert_id})
    events.load_handlers()  # the checks engine subscribes too; look before it runs
    events._handlers[events.CERTIFICATE_GEOMETRY_CHANGED].insert(0, handler)
    try:
        geometry = to_geojson(square(ORIGIN[0], ORIGIN[1], 200.0))
        r = client.patch(f"{BASE}/{cert_id}", json={"areas": [{"cirsma": 1,
                                                              "geometry": geometry}]},
                         headers=bearer(org_a["owner"]))
    finally:
        events._handlers[events.CERTIFICATE_GEOMETRY_CHANGED].remove(handler)
    assert r.status_code == 200, r.text
    # The checks engine may run at once (it subscribes too); it sees the verdict reset.
    assert r.json()["version"] >= 2
    assert r.json()["areas"][0]["area_ha"] == pytest.approx(4.0, abs=0.01)
    assert [(p["certificate_id"], p["verdict_seen"]) for p in seen] == [(cert_id, "unchecked")]
    history = client.get(f"{BASE}/{cert_id}/history", headers=bearer(org_a["owner"])).json()
    changed = [i for i in history["items"] if i["action"] == "geometry_changed"]
    assert changed and changed[0]["actor"] == org_a["owner"].email


def test_patch_fields_and_history(client: TestClient, org_a: dict[str, Account],
                                  cert_id: str) -> None:
    h = bearer(org_a["owner"])
    r = client.patch(f"{BASE}/{cert_id}", json={"place": "Lubāna", "status": "ready",
                                                "areas": [{"cirsma": 2, "quarter": "9"}]},
                     headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["place"] == "Lubāna" and r.json()["status"] == "ready"
    assert r.json()["areas"][1]["quarter"] == "9"
    changes = client.get(f"{BASE}/{cert_id}/history", headers=h).json()["items"][-1]["changes"]
    assert changes["place"][1] == "Lubāna" and changes["cirsma 2"]["quarter"] == ["4", "9"]


@pytest.mark.parametrize("status", ["in_statement", "submitted"])
def test_locked_certificates_refuse_changes(
    client: TestClient, engine: Engine, org_a: dict[str, Account], cert_id: str, status: str
) -> None:
    _set_status(engine, cert_id, status)
    h = bearer(org_a["owner"])
    for r in (client.put(f"{BASE}/{cert_id}/volumes", json=_volumes(200.0), headers=h),
              client.patch(f"{BASE}/{cert_id}", json={"place": "x"}, headers=h),
              client.delete(f"{BASE}/{cert_id}", headers=h)):
        assert r.status_code == 409 and r.json()["error"]["code"] == "certificate_locked"
    assert client.get(f"{BASE}/{cert_id}", headers=h).json()["version"] == 1


def test_delete(client: TestClient, org_a: dict[str, Account], cert_id: str) -> None:
    h = bearer(org_a["owner"])
    assert client.delete(f"{BASE}/{cert_id}", headers=h).status_code == 204
    assert client.get(f"{BASE}/{cert_id}", headers=h).status_code == 404


def test_cookie_session_needs_csrf(client: TestClient, org_a: dict[str, Account],
                                   cert_id: str) -> None:
    from tests.conftest import login

    token = login(client, org_a["owner"])
    assert client.delete(f"{BASE}/{cert_id}").status_code == 403
    assert client.delete(f"{BASE}/{cert_id}", headers={"X-CSRF-Token": token}).status_code == 204


@pytest.mark.parametrize(("body", "code"), [
    ({"issued_on": None}, "date_required"),
    ({"valid_until": "2001-01-01"}, "dates_inconsistent"),
    ({"status": "submitted"}, "validation_failed"),
    ({"areas": [{"cirsma": 3, "quarter": "1"}]}, "area_not_found"),
    ({"areas": [{"cirsma": 1, "geometry": {"type": "Point", "coordinates": [25.8, 56.9]}}]},
     "geometry_type"),
])
def test_bad_patches_change_nothing(client: TestClient, org_a: dict[str, Account],
                                    cert_id: str, body: dict[str, Any], code: str) -> None:
    h = bearer(org_a["owner"])
    r = client.patch(f"{BASE}/{cert_id}", json=body, headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == code, r.text
    assert client.get(f"{BASE}/{cert_id}", headers=h).json()["version"] == 1
