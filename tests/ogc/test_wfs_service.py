"""WFS 2.0 Simple and Basic: stored queries, resource ids, sorting, several types, paging, hits.

Every answer is validated against the official WFS 2.0 / FES 2.0 / GML 3.2.1 / OWS 1.1 schemas.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from lxml import etree
from starlette.testclient import TestClient

from tests.conftest import bearer
from tests.ogc.conftest import World
from tests.ogc.schemas import assert_exception, assert_valid, feature_schema, wfs_schema

NS = {"wfs": "http://www.opengis.net/wfs/2.0", "gml": "http://www.opengis.net/gml/3.2",
      "gs": "https://geoservice.lv/wfs", "ows": "http://www.opengis.net/ows/1.1",
      "fes": "http://www.opengis.net/fes/2.0"}
WFS = "/wfs?service=WFS&version=2.0.0&"
BY_ID = "urn:ogc:def:query:OGC-WFS::GetFeatureById"
XMLH = {"content-type": "text/xml"}


def _describe(client: TestClient, headers: dict[str, str], tmp: Path,
              names: str = "") -> object:
    described = client.get(f"{WFS}request=DescribeFeatureType"
                           + (f"&typeNames={names}" if names else ""), headers=headers).text
    return feature_schema(described, str(tmp))


def _area_ids(client: TestClient, headers: dict[str, str]) -> list[str]:
    doc = etree.fromstring(client.get(f"{WFS}request=GetFeature&typeNames=gs:felling_areas",
                                      headers=headers).content)
    return [f.get(f"{{{NS['gml']}}}id") for f in doc.iterfind(".//gs:felling_areas", NS)]


def _post(client: TestClient, headers: dict[str, str], inner: str, **attrs: str) -> bytes:
    extra = "".join(f' {k}="{v}"' for k, v in attrs.items())
    body = (f'<wfs:GetFeature xmlns:wfs="{NS["wfs"]}" xmlns:fes="{NS["fes"]}" '
            f'xmlns:gs="{NS["gs"]}" service="WFS" version="2.0.0"{extra}>{inner}'
            "</wfs:GetFeature>")
    response = client.post("/wfs", content=body, headers={**headers, **XMLH})
    assert response.status_code == 200, response.text
    return response.content


def test_capabilities_declare_what_is_implemented(client: TestClient, world: World) -> None:
    caps = client.get(f"{WFS}request=GetCapabilities", headers=bearer(world.a["owner"]))
    assert_valid(wfs_schema(), caps.content)
    root = etree.fromstring(caps.content)
    ops = {op.get("name") for op in root.iterfind(".//ows:Operation", NS)}
    assert ops == {"GetCapabilities", "DescribeFeatureType", "GetFeature", "GetPropertyValue",
                   "ListStoredQueries", "DescribeStoredQueries"}
    fes = {c.get("name"): c.findtext("ows:DefaultValue", namespaces=NS)
           for c in root.iterfind(".//fes:Conformance/fes:Constraint", NS)}
    assert fes["ImplementsResourceId"] == fes["ImplementsSorting"] == "TRUE"
    assert fes["ImplementsTemporalFilter"] == "FALSE"
    wfs = {c.get("name"): c.findtext("ows:DefaultValue", namespaces=NS)
           for c in root.iterfind("ows:OperationsMetadata/ows:Constraint", NS)}
    assert wfs["ImplementsBasicWFS"] == "TRUE" and wfs["ImplementsStandardJoins"] == "FALSE"


def test_stored_queries_listed_and_described(client: TestClient, world: World) -> None:
    h = bearer(world.a["owner"])
    listed = client.get(f"{WFS}request=ListStoredQueries", headers=h)
    assert_valid(wfs_schema(), listed.content)
    root = etree.fromstring(listed.content)
    assert [q.get("id") for q in root.iterfind("wfs:StoredQuery", NS)] == [BY_ID]
    returns = {t.text for t in root.iterfind(".//wfs:ReturnFeatureType", NS)}
    assert {"gs:felling_areas", "gs:findings", f"gs:{world.layer_id}"} <= returns
    for url in (f"{WFS}request=DescribeStoredQueries",
                f"{WFS}request=DescribeStoredQueries&STOREDQUERY_ID={BY_ID}"):
        described = client.get(url, headers=h)
        assert_valid(wfs_schema(), described.content)
        desc = etree.fromstring(described.content).find("wfs:StoredQueryDescription", NS)
        assert desc.get("id") == BY_ID
        assert desc.find("wfs:Parameter", NS).get("name") == "ID"
    unknown = client.get(f"{WFS}request=DescribeStoredQueries&STOREDQUERY_ID=urn:x:nope",
                         headers=h)
    assert unknown.status_code == 400
    assert_exception(unknown.content, "InvalidParameterValue")


def test_get_feature_by_id_and_tenancy(client: TestClient, world: World, tmp_path: Path) -> None:
    h = bearer(world.a["owner"])
    schema = _describe(client, h, tmp_path, "gs:felling_areas")
    rid = _area_ids(client, h)[0]
    got = client.get(f"{WFS}request=GetFeature&STOREDQUERY_ID={BY_ID}&ID={rid}", headers=h)
    assert got.status_code == 200, got.text
    assert_valid(schema, got.content)  # type: ignore[arg-type]
    root = etree.fromstring(got.content)
    assert root.tag == f"{{{NS['gs']}}}felling_areas" and root.get(f"{{{NS['gml']}}}id") == rid
    posted = _post(client, h, f'<wfs:StoredQuery id="{BY_ID}"><wfs:Parameter name="ID">{rid}'
                              "</wfs:Parameter></wfs:StoredQuery>")
    assert etree.fromstring(posted).get(f"{{{NS['gml']}}}id") == rid
    geo = client.get(f"{WFS}request=GetFeature&STOREDQUERY_ID={BY_ID}&ID={rid}"
                     "&outputFormat=application/json", headers=h).json()
    assert geo["type"] == "Feature" and geo["id"] == rid.split(".", 1)[1]
    # Another tenant's feature answers exactly like one that does not exist.
    other = client.get(f"{WFS}request=GetFeature&STOREDQUERY_ID={BY_ID}&ID={rid}",
                       headers=bearer(world.b["owner"]))
    nowhere = f"felling_areas.{uuid.uuid4()}"
    missing = client.get(f"{WFS}request=GetFeature&STOREDQUERY_ID={BY_ID}&ID={nowhere}",
                         headers=bearer(world.b["owner"]))
    assert other.status_code == missing.status_code == 404
    assert_exception(other.content, "NotFound")
    assert other.text.replace(rid, "X") == missing.text.replace(nowhere, "X")
    for bad, code in ((f"STOREDQUERY_ID={BY_ID}", "MissingParameterValue"),
                      (f"STOREDQUERY_ID={BY_ID}&ID=nothing", "NotFound"),
                      ("STOREDQUERY_ID=urn:x:nope&ID=1", "InvalidParameterValue")):
        response = client.get(f"{WFS}request=GetFeature&{bad}", headers=h)
        assert response.status_code == (404 if code == "NotFound" else 400), bad
        assert_exception(response.content, code)


def test_resource_ids_kvp_and_fes(client: TestClient, world: World, tmp_path: Path) -> None:
    h = bearer(world.a["owner"])
    schema = _describe(client, h, tmp_path)
    rids = _area_ids(client, h)
    finding = f"findings.{world.finding_id}"
    foreign = client.get(f"{WFS}request=GetFeature&typeNames=gs:felling_areas",
                         headers=bearer(world.b["owner"]))
    rid_b = etree.fromstring(foreign.content).find(".//gs:felling_areas", NS).get(
        f"{{{NS['gml']}}}id")
    kvp = client.get(f"{WFS}request=GetFeature&RESOURCEID={rids[0]},{finding},{rid_b}",
                     headers=h)
    assert kvp.status_code == 200, kvp.text
    assert_valid(schema, kvp.content)  # type: ignore[arg-type]
    root = etree.fromstring(kvp.content)
    assert root.get("numberMatched") == "2" and root.get("numberReturned") == "2"
    inner = root.findall("wfs:member/wfs:FeatureCollection", NS)
    assert [len(c.findall("wfs:member", NS)) for c in inner] == [1, 1]
    assert inner[1].find(".//gs:findings", NS).get(f"{{{NS['gml']}}}id") == finding
    ids = "".join(f'<fes:ResourceId rid="{r}"/>' for r in (rids[1], rid_b))
    posted = _post(client, h, f'<wfs:Query typeNames="gs:felling_areas"><fes:Filter>{ids}'
                              "</fes:Filter></wfs:Query>")
    assert_valid(schema, posted)  # type: ignore[arg-type]
    members = etree.fromstring(posted).findall(".//gs:felling_areas", NS)
    assert [m.get(f"{{{NS['gml']}}}id") for m in members] == [rids[1]]
    mixed = client.get(f"{WFS}request=GetFeature&typeNames=gs:felling_areas"
                       f"&RESOURCEID={rids[0]}&BBOX=1,2,3,4", headers=h)
    assert mixed.status_code == 400
    assert_exception(mixed.content, "InvalidParameterValue")


def test_sortby_kvp_and_post(client: TestClient, world: World) -> None:
    h = bearer(world.a["owner"])
    base = f"{WFS}request=GetFeature&typeNames=gs:felling_areas"
    for order, expected in (("DESC", ["2", "1"]), ("ASC", ["1", "2"])):
        doc = etree.fromstring(client.get(f"{base}&SORTBY=gs:cirsma {order}", headers=h).content)
        assert [t.text for t in doc.iterfind(".//gs:cirsma", NS)] == expected
    sort = ("<fes:SortBy><fes:SortProperty><fes:ValueReference>felling_type"
            "</fes:ValueReference><fes:SortOrder>DESC</fes:SortOrder></fes:SortProperty>"
            "</fes:SortBy>")
    posted = etree.fromstring(_post(client, h, f'<wfs:Query typeNames="gs:felling_areas">'
                                               f"{sort}</wfs:Query>"))
    types = [t.text for t in posted.iterfind(".//gs:felling_type", NS)]
    assert types == sorted(types, reverse=True) and len(set(types)) == 2
    geo = client.get(f"{base}&SORTBY=cirsma DESC&outputFormat=application/json", headers=h)
    assert [f["properties"]["cirsma"] for f in geo.json()["features"]] == [2, 1]
    for bad in ("organisation_id", "cirsma SIDEWAYS"):
        refused = client.get(f"{base}&SORTBY={bad}", headers=h)
        assert refused.status_code == 400, bad
        exc = assert_exception(refused.content, "InvalidParameterValue")
        assert exc.get("locator") == "sortBy"


def test_several_type_names_paging_both_ways(client: TestClient, world: World,
                                             tmp_path: Path) -> None:
    h = bearer(world.a["owner"])
    schema = _describe(client, h, tmp_path)
    url = (f"{WFS}request=GetFeature&typeNames=gs:felling_areas,gs:findings,gs:{world.layer_id}"
           "&count=4")
    first = client.get(url, headers=h)
    assert_valid(schema, first.content)  # type: ignore[arg-type]
    root = etree.fromstring(first.content)
    assert (root.get("numberMatched"), root.get("numberReturned")) == ("9", "4")
    inner = root.findall("wfs:member/wfs:FeatureCollection", NS)
    assert [(c.get("numberMatched"), c.get("numberReturned")) for c in inner] == [
        ("2", "2"), ("1", "1"), ("6", "1")]
    seen = [f.get(f"{{{NS['gml']}}}id") for f in root.iterfind("wfs:member/*/wfs:member/*", NS)]
    href = root.get("next")
    pages = 1
    while href:
        parts = urlsplit(href)
        page = client.get(f"{parts.path}?{parts.query}", headers=h)
        assert_valid(schema, page.content)  # type: ignore[arg-type]
        doc = etree.fromstring(page.content)
        assert doc.get("previous"), "a page after the first links back"
        seen += [f.get(f"{{{NS['gml']}}}id") for f in doc.iterfind("wfs:member/*/wfs:member/*",
                                                                   NS)]
        href, pages = doc.get("next"), pages + 1
    assert pages == 3 and len(seen) == len(set(seen)) == 9
    # POST: two queries, count=1; the next link is a KVP URL that carries the filter on.
    fes = ('<fes:Filter><fes:PropertyIsEqualTo><fes:ValueReference>cirsma</fes:ValueReference>'
           "<fes:Literal>2</fes:Literal></fes:PropertyIsEqualTo></fes:Filter>")
    posted = etree.fromstring(_post(
        client, h, f'<wfs:Query typeNames="gs:felling_areas">{fes}</wfs:Query>'
                   '<wfs:Query typeNames="gs:findings"/>', count="1"))
    assert (posted.get("numberMatched"), posted.get("numberReturned")) == ("2", "1")
    parts = urlsplit(posted.get("next"))
    second = etree.fromstring(client.get(f"{parts.path}?{parts.query}", headers=h).content)
    assert second.find(".//gs:findings", NS) is not None
    assert second.get("numberMatched") == "2" and second.get("next") is None
    geo = client.get(f"{url}&outputFormat=application/json", headers=h).json()
    assert geo["numberMatched"] == 9 and len(geo["features"]) == 4
    assert [link["rel"] for link in geo["links"]] == ["next"]
    mixed = _post_raw(client, h, '<wfs:Query typeNames="gs:felling_areas" '
                                 'srsName="urn:ogc:def:crs:EPSG::4326"/>'
                                 '<wfs:Query typeNames="gs:findings"/>')
    assert mixed.status_code == 400
    assert_exception(mixed.content, "InvalidParameterValue")


def _post_raw(client: TestClient, headers: dict[str, str], inner: str):  # type: ignore[no-untyped-def]
    body = (f'<wfs:GetFeature xmlns:wfs="{NS["wfs"]}" xmlns:fes="{NS["fes"]}" service="WFS" '
            f'version="2.0.0">{inner}</wfs:GetFeature>')
    return client.post("/wfs", content=body, headers={**headers, **XMLH})


@pytest.mark.parametrize("extra", ["", "&outputFormat=application/json"])
def test_hits_everywhere(client: TestClient, world: World, extra: str) -> None:
    h = bearer(world.a["owner"])
    url = (f"{WFS}request=GetFeature&typeNames=gs:felling_areas,gs:findings&resultType=hits"
           f"{extra}")
    response = client.get(url, headers=h)
    assert response.status_code == 200, response.text
    if extra:
        body = response.json()
        assert body["numberMatched"] == 3 and body["features"] == []
        return
    assert_valid(wfs_schema(), response.content)
    root = etree.fromstring(response.content)
    assert (root.get("numberMatched"), root.get("numberReturned")) == ("3", "0")
    assert root.get("next") is None
    values = client.get(f"{WFS}request=GetPropertyValue&typeNames=gs:felling_areas"
                        "&valueReference=cirsma&resultType=hits", headers=h)
    assert etree.fromstring(values.content).get("numberMatched") == "2"


def test_get_property_value(client: TestClient, world: World) -> None:
    h = bearer(world.a["owner"])
    base = f"{WFS}request=GetPropertyValue&typeNames=gs:felling_areas"
    response = client.get(f"{base}&valueReference=gs:cirsma&SORTBY=cirsma DESC", headers=h)
    assert response.status_code == 200, response.text
    assert_valid(wfs_schema(), response.content)
    root = etree.fromstring(response.content)
    assert root.tag == f"{{{NS['wfs']}}}ValueCollection"
    assert [v.text for v in root.iterfind("wfs:member/gs:cirsma", NS)] == ["2", "1"]
    geometry = client.get(f"{base}&valueReference=geometry&count=1", headers=h)
    assert_valid(wfs_schema(), geometry.content)
    assert etree.fromstring(geometry.content).find(".//gml:MultiSurface", NS) is not None
    for bad, code in (("", "MissingParameterValue"), ("&valueReference=nope",
                                                      "InvalidParameterValue")):
        refused = client.get(f"{base}{bad}", headers=h)
        assert refused.status_code == 400
        assert_exception(refused.content, code)


def test_exception_reports_validate(client: TestClient, world: World) -> None:
    h = bearer(world.a["owner"])
    cases = {
        f"{WFS}request=GetFeature&typeNames=gs:nope": "InvalidParameterValue",
        f"{WFS}request=Transaction": "OperationNotSupported",
        f"{WFS}request=GetFeature&typeNames=gs:felling_areas&{urlencode({'FILTER': '<x'})}":
            "OperationParsingFailed",
        f"{WFS}request=GetFeature&typeNames=(gs:felling_areas,gs:findings)":
            "OptionNotSupported",
    }
    for url, code in cases.items():
        response = client.get(url, headers=h)
        assert response.status_code == 400, url
        assert_exception(response.content, code)
