"""OGC API Features beyond Part 1: sortby and sortables, properties, crs on one item,
queryables for every collection, HTML pages with a map for a collection and an item."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import bearer
from tests.factories import ORIGIN
from tests.ogc.conftest import World

ITEMS = "/ogc/collections/felling_areas/items"
E3059 = "http://www.opengis.net/def/crs/EPSG/0/3059"


def _cirsmas(client: TestClient, h: dict[str, str], **params: str) -> list[int]:
    response = client.get(ITEMS, params=params, headers=h)
    assert response.status_code == 200, response.text
    return [f["properties"]["cirsma"] for f in response.json()["features"]]


def test_sortby_and_sortables(client: TestClient, world: World) -> None:
    h = bearer(world.a["owner"])
    assert _cirsmas(client, h, sortby="-cirsma") == [2, 1]
    assert _cirsmas(client, h, sortby="+cirsma") == [1, 2]
    # Both areas share their verdict: the second key decides.
    assert _cirsmas(client, h, sortby="verdict,-cirsma") == [2, 1]
    assert _cirsmas(client, h, sortby="verdict,cirsma") == [1, 2]
    types = [f["properties"]["felling_type"] for f in client.get(
        ITEMS, params={"sortby": "-felling_type"}, headers=h).json()["features"]]
    assert types == sorted(types, reverse=True) and len(set(types)) == 2
    layer = client.get(f"/ogc/collections/{world.layer_id}/items",
                       params={"sortby": "-BLOCK_AREA", "limit": "2"}, headers=h).json()
    assert [f["properties"]["BLOCK_AREA"] for f in layer["features"]] == [5.8, 4.8]
    refused = client.get(ITEMS, params={"sortby": "organisation_id"}, headers=h)
    assert refused.status_code == 400 and "organisation_id" in refused.json()["description"]
    sortables = client.get("/ogc/collections/felling_areas/sortables", headers=h)
    assert sortables.headers["content-type"].startswith("application/schema+json")
    names = set(sortables.json()["properties"])
    assert "cirsma" in names and "geometry" not in names
    conf = client.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-8/1.0/conf/sorting" in conf


def test_properties_selection(client: TestClient, world: World) -> None:
    h = bearer(world.a["owner"])
    doc = client.get(ITEMS, params={"properties": "cirsma,verdict"}, headers=h).json()
    assert all(set(f["properties"]) == {"cirsma", "verdict"} for f in doc["features"])
    fid = doc["features"][0]["id"]
    one = client.get(f"{ITEMS}/{fid}", params={"properties": "ca_number"}, headers=h).json()
    assert list(one["properties"]) == ["ca_number"] and one["geometry"]["type"]
    none = client.get(ITEMS, params={"properties": ""}, headers=h).json()
    assert all(f["properties"] == {} for f in none["features"])
    layer = client.get(f"/ogc/collections/{world.layer_id}/items",
                       params={"properties": "BLOCK_NUMBER"}, headers=h).json()
    assert {tuple(f["properties"]) for f in layer["features"]} == {("BLOCK_NUMBER",)}
    refused = client.get(ITEMS, params={"properties": "cirsma,secret"}, headers=h)
    assert refused.status_code == 400 and "secret" in refused.json()["description"]


def test_crs_on_a_single_item(client: TestClient, world: World) -> None:
    h = bearer(world.a["owner"])
    doc = client.get(ITEMS, params={"sortby": "cirsma"}, headers=h).json()
    fid = doc["features"][0]["id"]
    one = client.get(f"{ITEMS}/{fid}", params={"crs": E3059}, headers=h)
    assert one.headers["content-crs"] == f"<{E3059}>"
    northing, easting = one.json()["geometry"]["coordinates"][0][0][0]
    assert abs(northing - ORIGIN[1]) < 0.01 and abs(easting - ORIGIN[0]) < 0.01
    bad = client.get(f"{ITEMS}/{fid}", params={"crs": "EPSG:2000"}, headers=h)
    assert bad.status_code == 400


def test_queryables_of_every_collection(client: TestClient, world: World) -> None:
    h = bearer(world.a["owner"])
    for c in client.get("/ogc/collections", headers=h).json()["collections"]:
        rels = {link["rel"] for link in c["links"]}
        assert "http://www.opengis.net/def/rel/ogc/1.0/queryables" in rels, c["id"]
        q = client.get(f"/ogc/collections/{c['id']}/queryables", headers=h)
        assert q.status_code == 200, c["id"]
        assert q.json()["properties"]["geometry"]["x-ogc-role"] == "primary-geometry"
        items = client.get(f"/ogc/collections/{c['id']}/items", params={"limit": "1"},
                           headers=h).json()
        for feature in items["features"]:
            assert set(feature["properties"]) <= set(q.json()["properties"]), c["id"]


def test_html_pages_of_collection_and_item_carry_a_map(client: TestClient,
                                                        world: World) -> None:
    h = bearer(world.a["owner"])
    fid = client.get(ITEMS, headers=h).json()["features"][0]["id"]
    for path in ("/ogc/collections/felling_areas", f"{ITEMS}/{fid}"):
        page = client.get(path, params={"f": "html"}, headers=h)
        assert page.status_code == 200, path
        assert 'id="ogc-map"' in page.text and "/vendor/leaflet/leaflet.js" in page.text
        assert "/static/js/ogc.js" in page.text and "<script>" not in page.text
