"""Plausibility before saving (issue 17): warnings confirmed with a reason, stored and audited."""

from __future__ import annotations

from typing import Any

import pytest
from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from geoservice.spatial.geojson import to_geojson
from tests import factories
from tests.certificates.conftest import area_body, manual_body
from tests.conftest import Account, bearer
from tests.factories import ORIGIN, certificate, square, store_certificate

BASE = "/api/v1/certificates"
# A designation the demo cadastre layer does not have: only the other warnings are in play.
UNKNOWN = "99990010001"


def _area(**overrides: Any) -> dict[str, Any]:
    return area_body(**{"cadastral_designation": UNKNOWN, **overrides})


def _codes(response: Any) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "plausibility_unconfirmed"
    return [(d["code"], d["field"]) for d in error["details"]]


def _count(engine: Engine, ca: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM certificates WHERE ca_number = :c"),
                                {"c": ca}).scalar_one())


def test_a_quarter_that_is_not_a_number_is_saved_only_with_a_reason(
    client: TestClient, engine: Engine, org_a: dict[str, Account],
) -> None:
    owner = org_a["owner"]
    body = manual_body("PL-0001", areas=[_area(quarter="XII", compartment="5a")])
    answer = client.post(BASE, json=body, headers=bearer(owner))
    assert _codes(answer) == [("quarter_not_number", "areas[0].quarter"),
                              ("compartment_not_number", "areas[0].compartment")]
    error = answer.json()["error"]
    assert error["message"].startswith("Dati izskatās neparasti")  # the owner's Latvian
    first = error["details"][0]
    assert first["messages"] == {"lv": "Kvartāls “XII” nav skaitlis.",
                                 "en": "The forest quarter “XII” is not a number."}
    assert _count(engine, "PL-0001") == 0  # nothing saved

    # one confirmed is not enough; an empty reason is not a reason
    body["confirm_warnings"] = [{"code": "quarter_not_number", "field": "areas[0].quarter",
                                 "reason": "Plānā kvartāls romiešu cipariem"}]
    assert _codes(client.post(BASE, json=body, headers=bearer(owner))) == [
        ("compartment_not_number", "areas[0].compartment")]
    body["confirm_warnings"].append({"code": "compartment_not_number", "reason": " "})
    blank = client.post(BASE, json=body, headers=bearer(owner))
    assert blank.status_code == 422 and blank.json()["error"]["code"] == "validation_failed"
    assert _count(engine, "PL-0001") == 0
    body["confirm_warnings"][1]["reason"] = "Apakšnogabals rakstīts kopā ar nogabalu"
    saved = client.post(BASE, json=body, headers=bearer(owner))
    assert saved.status_code == 201, saved.text
    confirmed = saved.json()["areas"][0]["confirmed_warnings"]
    assert [(c["code"], c["reason"], c["confirmed_by"]) for c in confirmed] == [
        ("quarter_not_number", "Plānā kvartāls romiešu cipariem", owner.email),
        ("compartment_not_number", "Apakšnogabals rakstīts kopā ar nogabalu", owner.email)]
    assert confirmed[0]["messages"]["lv"] == "Kvartāls “XII” nav skaitlis."

    # in the audit history, in words of both languages
    history = client.get(f"{BASE}/{saved.json()['id']}/history", headers=bearer(owner)).json()
    created = history["items"][0]
    assert created["changes"]["areas"][0]["warnings_confirmed"][0]["reason"] == \
        "Plānā kvartāls romiešu cipariem"
    again = client.get(f"{BASE}/{saved.json()['id']}", headers=bearer(owner)).json()
    assert again["areas"][0]["confirmed_warnings"] == confirmed


def test_warnings_speak_the_callers_language(
    client: TestClient, org_a: dict[str, Account],
) -> None:
    body = manual_body("PL-0002", areas=[_area(quarter="IV")])
    answer = client.post(f"{BASE}?lang=en", json=body, headers=bearer(org_a["owner"]))
    error = answer.json()["error"]
    assert error["message"].startswith("The data look unusual")
    assert error["details"][0]["message"] == "The forest quarter “IV” is not a number."


def test_a_clear_felling_over_the_legal_size_and_a_sliver_are_warned(
    client: TestClient, org_a: dict[str, Account],
) -> None:
    big = square(ORIGIN[0], ORIGIN[1], side=250.0)  # 6.25 ha
    body = manual_body("PL-0003", areas=[_area(geometry=to_geojson(big))])
    answer = client.post(BASE, json=body, headers=bearer(org_a["owner"]))
    assert ("area_over_legal_max", "areas[0].geometry") in _codes(answer)
    detail = next(d for d in answer.json()["error"]["details"]
                  if d["code"] == "area_over_legal_max")
    assert detail["params"] == {"area_ha": pytest.approx(6.25, abs=0.001), "limit_ha": 5.0}
    assert "MK noteikumi Nr. 935" in detail["messages"]["lv"]
    # thinning has no such limit
    body["areas"][0]["felling_type"] = "kopsanas"
    body["areas"][0]["execution_method"] = "izlases"
    assert client.post(BASE, json=body, headers=bearer(org_a["owner"])).status_code == 201

    x, y = ORIGIN
    slip = MultiPolygon([*square(x, y).geoms,
                         Polygon([(x + 300, y), (x + 305, y), (x + 305, y + 5), (x + 300, y + 5)])])
    body = manual_body("PL-0004", areas=[_area(geometry=to_geojson(slip))])
    answer = client.post(BASE, json=body, headers=bearer(org_a["owner"]))
    assert ("sliver", "areas[0].geometry") in _codes(answer)


@pytest.mark.usefixtures("demo_layers")
def test_an_area_far_from_the_parcel_it_names_is_warned(
    client: TestClient, engine: Engine, org_a: dict[str, Account],
) -> None:
    with engine.connect() as conn:
        inside = conn.execute(text(
            "SELECT ST_X(ST_PointOnSurface(f.geom)), ST_Y(ST_PointOnSurface(f.geom)) "
            "FROM layer_features f JOIN layers l ON l.id = f.layer_id "
            "AND f.version = l.current_version WHERE l.role = 'land_use_cadastre' "
            "AND f.attrs->>'CODE' = '70600050074'")).one()
    near = square(inside[0] - 20, inside[1] - 20, side=40.0)
    body = manual_body("PL-0005", areas=[area_body(geometry=to_geojson(near))])
    assert client.post(BASE, json=body, headers=bearer(org_a["owner"])).status_code == 201

    far = square(inside[0] + 5_000, inside[1], side=40.0)
    body = manual_body("PL-0006", areas=[area_body(geometry=to_geojson(far))])
    answer = client.post(BASE, json=body, headers=bearer(org_a["owner"]))
    assert _codes(answer) == [("parcel_far", "areas[0].cadastral_designation")]
    params = answer.json()["error"]["details"][0]["params"]
    assert params["cadastral_designation"] == "70600050074" and params["distance_m"] > 4_000
    # a parcel the layer does not have: nothing to compare with, nothing said
    body["areas"][0]["cadastral_designation"] = "99990010001"
    assert client.post(BASE, json=body, headers=bearer(org_a["owner"])).status_code == 201


def test_editing_a_felling_area_asks_for_confirmation_too(
    client: TestClient, engine: Engine, org_a: dict[str, Account],
) -> None:
    owner = org_a["owner"]
    cert_id = store_certificate(engine, owner.org_id, certificate(areas=[
        factories.area(1, cadastral_designation=UNKNOWN),
        factories.area(2, cadastral_designation=UNKNOWN)]))
    change = {"areas": [{"cirsma": 2, "quarter": "4a",
                         "geometry": to_geojson(square(ORIGIN[0], ORIGIN[1] - 400, side=240.0))}]}
    answer = client.patch(f"{BASE}/{cert_id}", json=change, headers=bearer(owner))
    assert _codes(answer) == [("quarter_not_number", "areas[0].quarter"),
                              ("area_over_legal_max", "areas[0].geometry")]
    with engine.connect() as conn:  # nothing changed
        assert conn.execute(text("SELECT quarter FROM felling_areas WHERE certificate_id = "
                                 "CAST(:c AS uuid) AND cirsma = 2"), {"c": cert_id}).scalar() == "4"
    change["confirm_warnings"] = [
        {"code": "quarter_not_number", "reason": "Kvartāls sadalīts, plānā 4a"},
        {"code": "area_over_legal_max", "reason": "Sēklas koki atstāti, VMD apliecinājums"}]
    saved = client.patch(f"{BASE}/{cert_id}", json=change, headers=bearer(owner))
    assert saved.status_code == 200, saved.text
    area = saved.json()["areas"][1]
    assert area["quarter"] == "4a" and area["area_ha"] == pytest.approx(5.76, abs=0.001)
    assert [c["code"] for c in area["confirmed_warnings"]] == ["quarter_not_number",
                                                              "area_over_legal_max"]
    assert saved.json()["areas"][0]["confirmed_warnings"] == []
    # confirmed once, the same values are not asked about again
    again = client.patch(f"{BASE}/{cert_id}", headers=bearer(owner),
                         json={"areas": [{"cirsma": 2, "sub_compartment": "1"}]})
    assert again.status_code == 200, again.text
    items = client.get(f"{BASE}/{cert_id}/history", headers=bearer(owner)).json()["items"]
    changed = next(i for i in items if i["action"] == "geometry_changed")
    lines = changed["messages"]["lv"]["lines"]
    assert any(line.startswith("Cirsma 2 · Brīdinājums apstiprināts: Kvartāls “4a” nav skaitlis.")
               and "Kvartāls sadalīts, plānā 4a" in line for line in lines), lines
    assert not any("{" in line for line in lines), lines
