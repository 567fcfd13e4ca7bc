"""OGC API Features: documents, tenancy, CRS axis order, paging, CQL2 and the error format."""

from __future__ import annotations

import json

import pyproj
from starlette.testclient import TestClient

from tests.conftest import bearer
from tests.factories import ORIGIN
from tests.ogc.conftest import World

E3059 = "http://www.opengis.net/def/crs/EPSG/0/3059"
E4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
E10306 = "http://www.opengis.net/def/crs/EPSG/0/10306"
ITEMS = "/ogc/collections/felling_areas/items"
TO_LONLAT = pyproj.Transformer.from_crs(3059, 4326, always_xy=True)


def _ring(feature: dict) -> list[list[float]]:  # type: ignore[type-arg]
    return feature["geometry"]["coordinates"][0][0]  # type: ignore[no-any-return]


def _cirsma1(doc: dict) -> dict:  # type: ignore[type-arg]
    return next(f for f in doc["features"] if f["properties"]["cirsma"] == 1)


def test_landing_conformance_and_openapi(client: TestClient) -> None:
    landing = client.get("/ogc").json()
    assert {link["rel"] for link in landing["links"]} >= {"self", "service-desc",
                                                           "conformance", "data"}
    conf = client.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conf
    api = client.get("/ogc/api").json()
    assert "/ogc/collections/{collectionId}/items" in api["paths"]


def test_tenant_sees_only_own_areas_and_operator_sees_all(client: TestClient, world: World,
                                                         operator) -> None:  # type: ignore[no-untyped-def]
    mine = client.get(ITEMS, headers=bearer(world.a["owner"])).json()
    assert {f["properties"]["certificate_id"] for f in mine["features"]} == {world.cert_a}
    assert mine["numberMatched"] == 2 and mine["numberReturned"] == 2
    theirs = client.get(ITEMS, headers=bearer(world.b["owner"])).json()
    assert {f["properties"]["certificate_id"] for f in theirs["features"]} == {world.cert_b}
    fid = mine["features"][0]["id"]
    assert client.get(f"{ITEMS}/{fid}", headers=bearer(world.a["analyst"])).status_code == 200
    other = client.get(f"{ITEMS}/{fid}", headers=bearer(world.b["owner"]))
    missing = client.get(f"{ITEMS}/00000000-0000-0000-0000-000000000000",
                         headers=bearer(world.b["owner"]))
    assert other.status_code == missing.status_code == 404
    assert other.json()["code"] == missing.json()["code"]
    everyone = client.get(f"{ITEMS}?limit=10000", headers=bearer(operator["compliance_officer"]))
    ids = {f["properties"]["certificate_id"] for f in everyone.json()["features"]}
    assert {world.cert_a, world.cert_b} <= ids


def test_anonymous_gets_401_in_ogc_format(client: TestClient, world: World) -> None:
    for path in (ITEMS, "/ogc/collections/findings", f"/ogc/collections/{world.layer_id}/items"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert set(response.json()) == {"code", "description"}
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_crs_axis_order(client: TestClient, world: World) -> None:
    h = bearer(world.a["owner"])
    crs84 = client.get(ITEMS, headers=h)
    assert crs84.headers["content-crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    lon, lat = _ring(_cirsma1(crs84.json()))[0]
    exp_lon, exp_lat = TO_LONLAT.transform(*ORIGIN)
    # 6 decimals by default (RFC 7946 §11.2): within half a unit of the sixth decimal …
    assert abs(lon - exp_lon) <= 5.1e-7 and abs(lat - exp_lat) <= 5.1e-7
    assert (lon, lat) == (round(lon, 6), round(lat, 6))
    # … and up to 9 (1 mm) when asked.
    fine = client.get(f"{ITEMS}?coordinate-precision=9", headers=h)
    lon9, lat9 = _ring(_cirsma1(fine.json()))[0]
    assert abs(lon9 - exp_lon) < 1e-7 and abs(lat9 - exp_lat) < 1e-7
    bad = client.get(f"{ITEMS}?coordinate-precision=12", headers=h)
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_coordinate_precision"
    latlon = client.get(f"{ITEMS}?crs={E4326}", headers=h)
    assert latlon.headers["content-crs"] == f"<{E4326}>"
    assert _ring(_cirsma1(latlon.json()))[0] == [lat, lon]
    for uri in (E3059, E10306):
        ne = client.get(f"{ITEMS}?crs={uri}", headers=h).json()
        northing, easting = _ring(_cirsma1(ne))[0]
        assert abs(northing - ORIGIN[1]) < 0.01 and abs(easting - ORIGIN[0]) < 0.01, uri


def test_bbox_in_each_crs_and_swapped_axes(client: TestClient, world: World) -> None:
    h = bearer(world.a["owner"])
    x, y = ORIGIN
    (lon1, lon2), (lat1, lat2) = TO_LONLAT.transform([x - 10, x + 20], [y - 10, y + 20])
    boxes = {
        "": f"{lon1},{lat1},{lon2},{lat2}",
        f"&bbox-crs={E4326}": f"{lat1},{lon1},{lat2},{lon2}",
        f"&bbox-crs={E3059}": f"{y - 10},{x - 10},{y + 20},{x + 20}",
    }
    for suffix, box in boxes.items():
        doc = client.get(f"{ITEMS}?bbox={box}{suffix}", headers=h).json()
        assert [f["properties"]["cirsma"] for f in doc["features"]] == [1], suffix
    swapped = client.get(f"{ITEMS}?bbox={x - 10},{y - 10},{x + 20},{y + 20}&bbox-crs={E3059}",
                         headers=h)
    assert swapped.status_code == 400 and "swapped" in swapped.json()["description"]
    latlon = client.get(f"{ITEMS}?bbox={lat1},{lon1},{lat2},{lon2}", headers=h)
    assert latlon.status_code == 400 and latlon.json()["code"] == "bbox_axis_order"
    assert client.get(f"{ITEMS}?bbox=1,2,3", headers=h).status_code == 400
    assert client.get(f"{ITEMS}?bbox=a,b,c,d", headers=h).status_code == 400


def test_paging_limit_and_property_filters(client: TestClient, world: World) -> None:
    h = bearer(world.a["owner"])
    first = client.get(f"{ITEMS}?limit=1", headers=h).json()
    assert first["numberReturned"] == 1
    nxt = next(link["href"] for link in first["links"] if link["rel"] == "next")
    second = client.get(nxt.replace("http://testserver", ""), headers=h).json()
    assert second["features"][0]["id"] != first["features"][0]["id"]
    assert any(link["rel"] == "prev" for link in second["links"])
    assert not any(link["rel"] == "next" for link in second["links"])
    huge = client.get(f"{ITEMS}?limit=10001", headers=h)
    assert huge.status_code == 400 and huge.json()["code"] == "invalid_limit"
    only = client.get(f"{ITEMS}?felling_type=kopsanas", headers=h).json()
    assert [f["properties"]["cirsma"] for f in only["features"]] == [2]
    assert client.get(f"{ITEMS}?nonsense=1", headers=h).status_code == 400
    dated = client.get(f"{ITEMS}?datetime=2026-03-01/2026-03-31", headers=h).json()
    assert dated["numberMatched"] == 2
    assert client.get(f"{ITEMS}?datetime=2025-01-01/..", headers=h).json()["numberMatched"] == 2
    assert client.get(f"{ITEMS}?datetime=../2025-01-01", headers=h).json()["numberMatched"] == 0
    assert client.get(f"{ITEMS}?datetime=yesterday", headers=h).status_code == 400


def test_cql2_text_and_json(client: TestClient, world: World) -> None:
    h = bearer(world.a["owner"])
    x, y = ORIGIN
    (lon1, lon2), (lat1, lat2) = TO_LONLAT.transform([x - 10, x + 20], [y - 10, y + 20])

    def cirsmas(params: dict[str, str]) -> list[int]:
        response = client.get(ITEMS, params=params, headers=h)
        assert response.status_code == 200, response.text
        return sorted(f["properties"]["cirsma"] for f in response.json()["features"])

    assert cirsmas({"filter": "felling_type = 'kopsanas' OR area_ha > 5"}) == [2]
    assert cirsmas({"filter": "cirsma BETWEEN 1 AND 1"}) == [1]
    assert cirsmas({"filter": "ca_number LIKE 'T%' AND issued_on >= DATE('2026-01-01')"}) == [1, 2]
    # pygeofilter 0.4 parses the BBOX literal as a function (issue #143): minx, miny, maxx, maxy.
    assert cirsmas({"filter": f"S_INTERSECTS(geometry, BBOX({lon1}, {lat1}, {lon2}, {lat2}))"}) \
        == [1]
    poly = f"POLYGON(({lon1} {lat1}, {lon2} {lat1}, {lon2} {lat2}, {lon1} {lat2}, {lon1} {lat1}))"
    assert cirsmas({"filter": f"S_INTERSECTS(geometry, {poly})"}) == [1]
    ne = (f"POLYGON(({y - 10} {x - 10}, {y - 10} {x + 20}, {y + 20} {x + 20}, {y + 20} {x - 10}, "
          f"{y - 10} {x - 10}))")
    assert cirsmas({"filter": f"S_INTERSECTS(geometry, {ne})", "filter-crs": E3059}) == [1]
    # cql2-json bbox literals are [minx, miny, maxx, maxy]; pygeofilter scrambles them (#163).
    doc = {"op": "s_intersects", "args": [{"property": "geometry"},
                                          {"bbox": [lon1, lat1, lon2, lat2]}]}
    assert cirsmas({"filter": json.dumps(doc), "filter-lang": "cql2-json"}) == [1]
    doc = {"op": "=", "args": [{"property": "felling_type"}, "galvena"]}
    assert cirsmas({"filter": json.dumps(doc), "filter-lang": "cql2-json"}) == [1]


def test_filters_refuse_bad_input_and_injection(client: TestClient, world: World) -> None:
    h = bearer(world.a["owner"])
    attempts = [
        {"filter": "verdict = 'x' OR 1=1"},
        {"filter": "organisation_id = 'x'"},
        {"filter": "\"verdict; DROP TABLE certificates; --\" = 'x'"},
        {"filter": "verdict = 'x'') OR TRUE --"},
        {"filter": "area_ha > 'ten'"},
        {"filter": "S_INTERSECTS(geometry, POLYGON((0 0, 1 1)))"},
        {"filter": "pg_sleep(10) = 1"},
        {"filter": "verdict ="},
        {"filter": "{", "filter-lang": "cql2-json"},
        {"filter": "verdict = 'clear'", "filter-lang": "sql"},
        {"verdict": "clear' OR '1'='1"},
    ]
    for params in attempts:
        response = client.get(ITEMS, params=params, headers=h)
        if params.get("verdict"):  # a bound value: matches nothing, breaks nothing
            assert response.status_code == 200 and response.json()["numberMatched"] == 0
            continue
        assert response.status_code == 400, (params, response.text)
        assert response.json()["code"], params
    assert client.get(ITEMS, headers=h).json()["numberMatched"] == 2


def test_findings_layers_queryables_csv_and_html(client: TestClient, world: World) -> None:
    h = bearer(world.a["owner"])
    findings = client.get("/ogc/collections/findings/items", headers=h).json()
    assert [f["id"] for f in findings["features"]] == [world.finding_id]
    assert findings["features"][0]["properties"]["rule"] == "forest_to_agriculture"
    assert client.get("/ogc/collections/findings/items",
                      headers=bearer(world.b["owner"])).json()["numberMatched"] == 0
    layer = f"/ogc/collections/{world.layer_id}"
    q = client.get(f"{layer}/queryables", headers=h).json()["properties"]
    assert q["BLOCK_AREA"]["type"] == "number" and q["BLOCK_NUMBER"]["type"] == "string"
    blocks = client.get(f"{layer}/items", params={"filter": "BLOCK_AREA > 3"}, headers=h).json()
    assert sorted(f["properties"]["BLOCK_NUMBER"] for f in blocks["features"]) == [
        "590003", "590004", "590005"]
    text = client.get(f"{ITEMS}?f=csv", headers=h).text
    assert text.splitlines()[0].startswith("id;ca_number;") and text.count("MULTIPOLYGON") == 2
    page = client.get(f"{ITEMS}?f=html", headers=h)
    assert page.status_code == 200 and "/static/js/ogc.js" in page.text
    assert "<script>" not in page.text
    listed = client.get("/ogc/collections", headers=h).json()["collections"]
    assert {"felling_areas", "findings", world.layer_id} <= {c["id"] for c in listed}
    unknown = client.get("/ogc/collections/nope/items", headers=h)
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_collection"


def test_layers_public_setting(settings, world: World) -> None:  # type: ignore[no-untyped-def]
    from geoservice.web.app import create_app

    public = settings.model_copy(update={"web": settings.web.model_copy(
        update={"layers_public": True})})
    with TestClient(create_app(public), raise_server_exceptions=False) as anon:
        assert anon.get(f"/ogc/collections/{world.layer_id}/items").status_code == 200
        assert anon.get(ITEMS).status_code == 401
