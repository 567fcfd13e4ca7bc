"""Real GIS clients (OWSLib, GDAL/OGR) read every collection from a live uvicorn server."""

from __future__ import annotations

import json
import os
import subprocess

import pyproj
from owslib.ogcapi.features import Features
from owslib.wfs import WebFeatureService

from tests.factories import ORIGIN
from tests.ogc.conftest import World

TO_LONLAT = pyproj.Transformer.from_crs(3059, 4326, always_xy=True)


def _ogr(url: str, token: str) -> dict:  # type: ignore[type-arg]
    env = {**os.environ, "GDAL_HTTP_HEADERS": f"Authorization: Bearer {token}"}
    out = subprocess.run(["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", url], env=env,
                         capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def test_owslib_reads_ogc_api_and_wfs(live_url: str, world: World) -> None:
    headers = {"Authorization": f"Bearer {world.a['owner'].token}"}
    api = Features(f"{live_url}/ogc", headers=headers)
    ids = {c["id"] for c in api.collections()["collections"]}
    assert {"felling_areas", "findings", world.layer_id} <= ids
    for cid, n in (("felling_areas", 2), ("findings", 1), (world.layer_id, 6)):
        assert len(api.collection_items(cid, limit=100)["features"]) == n, cid
    wfs = WebFeatureService(f"{live_url}/wfs", version="2.0.0", headers=headers)
    assert "gs:felling_areas" in wfs.contents
    response = wfs.getfeature(typename=["gs:felling_areas"],
                              srsname="urn:ogc:def:crs:EPSG::4326")
    assert response.read().count(b"<wfs:member>") == 2


def test_gdal_reads_every_collection_with_same_coordinates(live_url: str, world: World) -> None:
    token = world.a["owner"].token
    lon, lat = TO_LONLAT.transform(*ORIGIN)
    for cid, n in (("felling_areas", 2), ("findings", 1), (world.layer_id, 6)):
        oapif = _ogr(f"OAPIF:{live_url}/ogc/collections/{cid}", token)
        wfs = _ogr(f"WFS:{live_url}/wfs?typeNames=gs:{cid}&srsName=urn:ogc:def:crs:EPSG::4326",
                   token)
        assert len(oapif["features"]) == len(wfs["features"]) == n, cid
        a = sorted(f["geometry"]["coordinates"][0][0][0] for f in oapif["features"])
        b = sorted(f["geometry"]["coordinates"][0][0][0] for f in wfs["features"])
        for p, q in zip(a, b, strict=True):
            assert abs(p[0] - q[0]) < 1e-6 and abs(p[1] - q[1]) < 1e-6, cid
    areas = _ogr(f"OAPIF:{live_url}/ogc/collections/felling_areas", token)
    corners = [c for f in areas["features"] for c in f["geometry"]["coordinates"][0][0]]
    assert any(abs(x - lon) < 1e-6 and abs(y - lat) < 1e-6 for x, y in corners)


def test_gdal_reads_lks92_through_wfs_to_the_centimetre(live_url: str, world: World) -> None:
    """EPSG:3059 is northing/easting in the URN form; GDAL must land on the same easting/northing.

    (GDAL 3.6's OAPIF driver has no CRS option; OGC API Part 2 in 3059 and 10306 is checked
    against pyproj in test_ogc_api.py.)
    """
    token = world.a["owner"].token
    for cid, n in (("felling_areas", 2), ("findings", 1), (world.layer_id, 6)):
        lks = _ogr(f"WFS:{live_url}/wfs?typeNames=gs:{cid}&srsName=urn:ogc:def:crs:EPSG::3059",
                   token)
        wgs = _ogr(f"WFS:{live_url}/wfs?typeNames=gs:{cid}&srsName=urn:ogc:def:crs:EPSG::4326",
                   token)
        assert len(lks["features"]) == len(wgs["features"]) == n, cid
        for f_lks, f_wgs in zip(sorted(lks["features"], key=lambda f: str(f["properties"])),
                                sorted(wgs["features"], key=lambda f: str(f["properties"])),
                                strict=True):
            x, y = f_lks["geometry"]["coordinates"][0][0][0][:2]
            assert 170_000 < y < 450_000 and 320_000 < x < 770_000, (cid, x, y)  # E, N order
            lon, lat = TO_LONLAT.transform(x, y)
            p = f_wgs["geometry"]["coordinates"][0][0][0]
            assert abs(p[0] - lon) < 1e-6 and abs(p[1] - lat) < 1e-6, cid
    areas = _ogr(f"WFS:{live_url}/wfs?typeNames=gs:felling_areas"
                 "&srsName=urn:ogc:def:crs:EPSG::3059", token)
    corners = [c for f in areas["features"] for c in f["geometry"]["coordinates"][0][0]]
    assert any(abs(x - ORIGIN[0]) < 0.01 and abs(y - ORIGIN[1]) < 0.01 for x, y, *_ in corners)


BY_ID = "urn:ogc:def:query:OGC-WFS::GetFeatureById"
GML_ID = "{http://www.opengis.net/gml/3.2}id"


def test_owslib_stored_queries_sorting_and_paging(live_url: str, world: World) -> None:
    from lxml import etree

    headers = {"Authorization": f"Bearer {world.a['owner'].token}"}
    wfs = WebFeatureService(f"{live_url}/wfs", version="2.0.0", headers=headers)
    queries = {q.id: q for q in wfs.storedqueries}
    assert [p.name for p in queries[BY_ID].parameters] == ["ID"]
    for cid, n in (("felling_areas", 2), ("findings", 1), (world.layer_id, 6)):
        ids: list[str] = []
        for start in range(0, n, 2):  # pages of two, as a client pages
            page = etree.fromstring(wfs.getfeature(typename=[f"gs:{cid}"], maxfeatures=2,
                                                   startindex=start).read())
            ids += [f.get(GML_ID) for f in page.iterfind(f".//{{*}}{cid}")]
        assert len(ids) == len(set(ids)) == n, cid
        for rid in ids:
            got = etree.fromstring(wfs.getfeature(storedQueryID=BY_ID,
                                                  storedQueryParams={"ID": rid}).read())
            assert got.get(GML_ID) == rid
    ordered = etree.fromstring(wfs.getfeature(typename=["gs:felling_areas"],
                                              sortby=["cirsma DESC"]).read())
    assert [e.text for e in ordered.iterfind(".//{*}cirsma")] == ["2", "1"]


def test_gdal_pages_through_every_collection(live_url: str, world: World) -> None:
    """GDAL's WFS driver pages with startIndex (page size 2) and reads the same features."""
    token = world.a["owner"].token
    env = {**os.environ, "GDAL_HTTP_HEADERS": f"Authorization: Bearer {token}"}
    for cid, n in (("felling_areas", 2), ("findings", 1), (world.layer_id, 6)):
        out = subprocess.run(
            ["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", "--config", "OGR_WFS_PAGING_ALLOWED",
             "ON", "--config", "OGR_WFS_PAGE_SIZE", "2", "--debug", "ON",
             f"WFS:{live_url}/wfs?typeNames=gs:{cid}"], env=env, capture_output=True,
            text=True, timeout=120, check=True)
        features = json.loads(out.stdout)["features"]
        assert len(features) == n, cid
        assert len({json.dumps(f["properties"], sort_keys=True) for f in features}) == n
        assert "STARTINDEX=2" in out.stderr.upper() or n <= 2, cid
