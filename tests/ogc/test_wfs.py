"""WFS 2.0: capabilities, GML 3.2 and GeoJSON output, srsName axis order, FES, paging, errors."""

from __future__ import annotations

from urllib.parse import urlencode

import pyproj
from lxml import etree
from starlette.testclient import TestClient

from tests.conftest import bearer
from tests.factories import ORIGIN
from tests.ogc.conftest import World
from tests.ogc.schemas import assert_exception, assert_valid, feature_schema

NS = {"wfs": "http://www.opengis.net/wfs/2.0", "gml": "http://www.opengis.net/gml/3.2",
      "gs": "https://geoservice.lv/wfs", "ows": "http://www.opengis.net/ows/1.1"}
GF = "/wfs?service=WFS&version=2.0.0&request=GetFeature&typeNames=gs:felling_areas"
TO_LONLAT = pyproj.Transformer.from_crs(3059, 4326, always_xy=True)


def _first_pos(xml: bytes, cirsma: int = 1) -> list[float]:
    root = etree.fromstring(xml)
    for feature in root.iterfind(".//gs:felling_areas", NS):
        if feature.findtext("gs:cirsma", namespaces=NS) == str(cirsma):
            pos = feature.findtext(".//gml:posList", namespaces=NS)
            return [float(v) for v in pos.split()[:2]]
    raise AssertionError("no such felling area")


def test_srsname_axis_order_like_geoserver(client: TestClient, world: World) -> None:
    h = bearer(world.a["owner"])
    lon, lat = TO_LONLAT.transform(*ORIGIN)
    cases = {
        "urn:ogc:def:crs:EPSG::4326": (lat, lon, 1e-7),
        "EPSG:4326": (lon, lat, 1e-7),
        "urn:ogc:def:crs:EPSG::3059": (ORIGIN[1], ORIGIN[0], 0.01),
        "": (ORIGIN[1], ORIGIN[0], 0.01),
        "EPSG:3059": (ORIGIN[0], ORIGIN[1], 0.01),
    }
    for srs, (a, b, tol) in cases.items():
        response = client.get(f"{GF}&srsName={srs}", headers=h)
        assert response.status_code == 200, response.text
        first = _first_pos(response.content)
        assert abs(first[0] - a) < tol and abs(first[1] - b) < tol, srs


def test_kvp_quirks_paging_hits_and_geojson(client: TestClient, world: World) -> None:
    h = bearer(world.a["owner"])
    old = client.get("/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAME=felling_areas"
                     "&MAXFEATURES=1", headers=h)
    root = etree.fromstring(old.content)
    assert root.get("numberMatched") == "2" and root.get("numberReturned") == "1"
    assert "STARTINDEX=1" in root.get("next", "")
    hits = etree.fromstring(client.get(f"{GF}&resultType=hits", headers=h).content)
    assert hits.get("numberMatched") == "2" and len(hits) == 0
    page2 = etree.fromstring(client.get(f"{GF}&count=1&startIndex=1", headers=h).content)
    assert page2.get("numberReturned") == "1" and page2.get("next") is None
    geo = client.get(f"{GF}&outputFormat=application/json&srsName=EPSG:4326", headers=h).json()
    assert geo["numberMatched"] == 2 and len(geo["features"]) == 2
    x, y = ORIGIN
    box = client.get(f"{GF}&bbox={y - 10},{x - 10},{y + 20},{x + 20},urn:ogc:def:crs:EPSG::3059",
                     headers=h)
    assert etree.fromstring(box.content).get("numberMatched") == "1"


def test_fes_filter_by_post_and_kvp(client: TestClient, world: World) -> None:
    h = bearer(world.a["owner"])
    x, y = ORIGIN
    fes = (f'<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0" '
           f'xmlns:gml="http://www.opengis.net/gml/3.2"><fes:And>'
           f"<fes:PropertyIsEqualTo><fes:ValueReference>gs:felling_type</fes:ValueReference>"
           f"<fes:Literal>galvena</fes:Literal></fes:PropertyIsEqualTo>"
           f'<fes:BBOX><fes:ValueReference>geometry</fes:ValueReference><gml:Envelope '
           f'srsName="urn:ogc:def:crs:EPSG::3059"><gml:lowerCorner>{y - 10} {x - 10}'
           f"</gml:lowerCorner><gml:upperCorner>{y + 500} {x + 500}</gml:upperCorner>"
           f"</gml:Envelope></fes:BBOX></fes:And></fes:Filter>")
    body = (f'<wfs:GetFeature xmlns:wfs="http://www.opengis.net/wfs/2.0" service="WFS" '
            f'version="2.0.0"><wfs:Query typeNames="gs:felling_areas">{fes}</wfs:Query>'
            f"</wfs:GetFeature>")
    posted = client.post("/wfs", content=body, headers={**h, "content-type": "text/xml"})
    assert posted.status_code == 200, posted.text
    assert etree.fromstring(posted.content).get("numberMatched") == "1"
    kvp = client.get(f"{GF}&{urlencode({'FILTER': fes})}", headers=h)
    assert etree.fromstring(kvp.content).get("numberMatched") == "1"
    bad = fes.replace("gs:felling_type", "organisation_id")
    refused = client.get(f"{GF}&{urlencode({'FILTER': bad})}", headers=h)
    assert refused.status_code == 400 and b"InvalidParameterValue" in refused.content


def test_errors_are_ows_exception_reports(client: TestClient, world: World) -> None:
    h = bearer(world.a["owner"])
    cases = {
        "/wfs?service=WFS&version=1.1.0&request=GetFeature&typeName=felling_areas": 400,
        "/wfs?service=WFS&version=2.0.0&request=GetFeature&typeNames=gs:nope": 400,
        "/wfs?service=WFS&version=2.0.0&request=Transaction": 400,
        "/wfs?service=WFS": 400,
        f"{GF}&count=999999": 400,
        f"{GF}&bbox=1,2,3": 400,
        f"{GF}&srsName=EPSG:2000": 400,
        f"{GF}&FILTER=<notxml": 400,
    }
    for url, status in cases.items():
        response = client.get(url, headers=h)
        assert response.status_code == status, (url, response.text)
        root = etree.fromstring(response.content)
        assert root.tag == "{http://www.opengis.net/ows/1.1}ExceptionReport", url
        assert_exception(response.content, root[0].get("exceptionCode"))
    anonymous = client.get(GF)
    assert anonymous.status_code == 401 and b"ExceptionReport" in anonymous.content
    entity = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
              '<wfs:GetFeature xmlns:wfs="http://www.opengis.net/wfs/2.0">&e;</wfs:GetFeature>')
    xxe = client.post("/wfs", content=entity, headers={**h, "content-type": "text/xml"})
    assert xxe.status_code == 400 and b"root:" not in xxe.content
    caps = client.get("/wfs?service=WFS&request=GetCapabilities&version=1.1.0")
    assert etree.fromstring(caps.content).get("version") == "2.0.0"


def test_gml_valid_against_official_schemas(client: TestClient, world: World,
                                            tmp_path) -> None:  # type: ignore[no-untyped-def]
    h = bearer(world.a["owner"])
    described = client.get("/wfs?service=WFS&version=2.0.0&request=DescribeFeatureType"
                           "&typeNames=gs:felling_areas", headers=h).text
    schema = feature_schema(described, str(tmp_path))
    for srs in ("urn:ogc:def:crs:EPSG::4326", "EPSG:3059"):
        assert_valid(schema, client.get(f"{GF}&srsName={srs}&count=1", headers=h).text)
    broken = client.get(GF, headers=h).text.replace("<gs:cirsma>1<", "<gs:cirsma>one<")
    assert "one" in broken and not schema.is_valid(broken)
