"""POST /api/v1/drawing/import and GET /api/v1/parcels/{designation} (issue 17, drawing map).

The files are real: the Jumurda stands of /work/shared/data/latvia (LKS-92 and WGS 84), and a
Shapefile zip, KML and GPX written with GDAL (pyogrio) in the test from those stands.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import LineString, Point
from starlette.testclient import TestClient

from tests.conftest import Account, bearer

LATVIA = Path("/work/shared/data/latvia")
STANDS_LKS = LATVIA / "vmd_stands_jumurda_70600050074_lks92.geojson"
STANDS_WGS = LATVIA / "vmd_stands_jumurda_70600050074_wgs84.geojson"
URL = "/api/v1/drawing/import"

pytestmark = pytest.mark.skipif(not STANDS_LKS.exists(), reason="shared Latvian samples missing")


def stands(n: int = 3) -> gpd.GeoDataFrame:
    frame = gpd.read_file(STANDS_LKS).iloc[:n]
    frame["name"] = [f"{k}-{q}" for k, q in zip(frame["kvart"], frame["nog"], strict=True)]
    return frame[["name", "geometry"]]


def upload(client: TestClient, who: Account, name: str, content: bytes,
           lang: str | None = None) -> Any:
    return client.post(URL + (f"?lang={lang}" if lang else ""), files={"file": (name, content)},
                       headers=bearer(who))


def shapefile_zip(tmp: Path, frame: gpd.GeoDataFrame, prj: bool = True) -> bytes:
    folder = tmp / "shp"
    folder.mkdir(exist_ok=True)
    frame.to_file(folder / "cirsma.shp", engine="pyogrio")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            if prj or path.suffix != ".prj":
                archive.write(path, f"cirsma/{path.name}")
    return buffer.getvalue()


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def ring_of(feature: dict[str, Any]) -> list[list[float]]:
    geometry = feature["geometry"]
    return geometry["coordinates"][0][0] if geometry["type"] == "MultiPolygon" \
        else geometry["coordinates"][0]


def close_to(a: shapely.Geometry, b: shapely.Geometry) -> bool:
    """Within ~10 cm everywhere (1e-6 degrees)."""
    return bool(a.hausdorff_distance(b) < 1e-6)


def test_lks92_and_wgs84_geojson_give_the_same_polygons_in_wgs84(
    client: TestClient, org_a: dict[str, Account]
) -> None:
    lks = upload(client, org_a["owner"], STANDS_LKS.name, STANDS_LKS.read_bytes())
    wgs = upload(client, org_a["owner"], STANDS_WGS.name, STANDS_WGS.read_bytes())
    assert lks.status_code == 200 and wgs.status_code == 200, (lks.text, wgs.text)
    assert lks.headers["content-type"].startswith("application/geo+json")
    a, b = lks.json(), wgs.json()
    assert a["source_crs"] == "EPSG:3059" and b["source_crs"] == "EPSG:4326"
    assert len(a["features"]) == len(b["features"]) == 28
    lon, lat = ring_of(a["features"][0])[0]
    assert 25.7 < lon < 26.0 and 56.8 < lat < 57.0  # Jumurda, in lon/lat order
    for fa, fb in zip(a["features"], b["features"], strict=True):
        assert close_to(shapely.geometry.shape(fa["geometry"]),
                        shapely.geometry.shape(fb["geometry"]))


def test_a_shapefile_zip_is_read_in_the_crs_of_its_prj(
    client: TestClient, org_a: dict[str, Account], tmp_path: Path
) -> None:
    frame = stands(3)
    answer = upload(client, org_a["owner"], "cirsmas.zip", shapefile_zip(tmp_path, frame))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["source_crs"] == "EPSG:3059"
    assert [f["properties"]["name"] for f in body["features"]] == list(frame["name"])
    expected = frame.to_crs(4326).geometry.iloc[0]
    assert close_to(shapely.geometry.shape(body["features"][0]["geometry"]), expected)


def test_kml_polygons_and_a_closed_gpx_track_become_polygons(
    client: TestClient, org_a: dict[str, Account], tmp_path: Path
) -> None:
    frame = stands(2).to_crs(4326)
    frame.to_file(tmp_path / "cirsmas.kml", driver="KML", engine="pyogrio")
    kml = upload(client, org_a["owner"], "cirsmas.kml", (tmp_path / "cirsmas.kml").read_bytes())
    assert kml.status_code == 200, kml.text
    assert len(kml.json()["features"]) == 2
    assert close_to(shapely.geometry.shape(kml.json()["features"][1]["geometry"]),
                    frame.geometry.iloc[1])
    kmz = io.BytesIO()  # Google Earth's zipped KML
    with zipfile.ZipFile(kmz, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(tmp_path / "cirsmas.kml", "doc.kml")
    answer = upload(client, org_a["owner"], "cirsmas.kmz", kmz.getvalue())
    assert answer.status_code == 200 and len(answer.json()["features"]) == 2, answer.text

    # A GPS walk around the stand: the track ends where it began.
    first = frame.geometry.iloc[0]
    boundary = LineString(shapely.get_parts(first)[0].exterior.coords)
    track = gpd.GeoDataFrame({"name": ["apgaita"]}, geometry=[shapely.MultiLineString([boundary])],
                             crs=4326)
    track.to_file(tmp_path / "apgaita.gpx", driver="GPX", engine="pyogrio",
                  layer="tracks", GPX_USE_EXTENSIONS="YES")
    gpx = upload(client, org_a["owner"], "apgaita.gpx", (tmp_path / "apgaita.gpx").read_bytes())
    assert gpx.status_code == 200, gpx.text
    body = gpx.json()
    assert body["closed_lines"] == 1 and len(body["features"]) == 1
    assert close_to(shapely.geometry.shape(body["features"][0]["geometry"]), frame.geometry.iloc[0])


def test_points_and_open_lines_only_say_so_in_latvian_and_english(
    client: TestClient, org_a: dict[str, Account], tmp_path: Path
) -> None:
    points = gpd.GeoDataFrame({"name": ["a", "b"]},
                              geometry=[Point(25.82, 56.91), Point(25.83, 56.92)], crs=4326)
    points.to_file(tmp_path / "punkti.gpx", driver="GPX", engine="pyogrio")
    content = (tmp_path / "punkti.gpx").read_bytes()
    lv = upload(client, org_a["owner"], "punkti.gpx", content)
    assert lv.status_code == 422
    error = lv.json()["error"]
    assert error["code"] == "drawing_only_lines_points"
    assert "tikai atvērtas līnijas (0) un punkti (2)" in error["message"], error
    en = upload(client, org_a["owner"], "punkti.gpx", content, lang="en")
    assert "only open lines (0) and points (2)" in en.json()["error"]["message"]

    line = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
            "geometry": {"type": "LineString", "coordinates": [[25.82, 56.91], [25.83, 56.92]]}}]}
    open_line = upload(client, org_a["owner"], "ceļš.geojson", json.dumps(line).encode())
    assert open_line.status_code == 422
    assert "atvērtas līnijas (1)" in open_line.json()["error"]["message"]


@pytest.mark.parametrize(("name", "make", "status", "code", "words"), [
    ("bojats.zip", lambda tmp: b"PK\x03\x04 not really a zip", 422, "drawing_corrupt_zip",
     "nav nolasāms ZIP arhīvs"),
    ("bez_prj.zip", lambda tmp: shapefile_zip(tmp, stands(1), prj=False), 422,
     "drawing_crs_missing", "trūkst .prj"),
    ("dokumenti.zip", lambda tmp: zipped({"plans.pdf": b"%PDF-1.4", "piezimes.txt": b"x"}),
     422, "drawing_zip_no_shapefile", "nav ne Shapefile"),
    ("divi.zip", lambda tmp: zipped({"a.geojson": b"{}", "b.kml": b"<kml/>"}), 422,
     "drawing_zip_several", "vairākas datu kopas (a.geojson, b.kml)"),
    ("zimejums.dwg", lambda tmp: b"AC1027", 422, "drawing_file_type", "nav atbalstīta veida"),
    ("bojats.kml", lambda tmp: b"<kml><Document><Placemark>", 422, "drawing_unreadable",
     "nevar nolasīt"),
])
def test_refusals_say_why_in_latvian(
    client: TestClient, org_a: dict[str, Account], tmp_path: Path, name: str, make: Any,
    status: int, code: str, words: str,
) -> None:
    answer = upload(client, org_a["owner"], name, make(tmp_path))
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code
    assert words in error["message"], error["message"]
    assert name in error["message"]
    assert answer.json()["error"].get("messages", {}).get("en")


def test_unknown_crs_swapped_axes_and_metres_as_degrees_are_refused(
    client: TestClient, org_a: dict[str, Account]
) -> None:
    data = json.loads(STANDS_WGS.read_text())
    data["features"] = data["features"][:2]
    swapped = json.loads(json.dumps(data))
    for feature in swapped["features"]:
        geometry = feature["geometry"]
        rings = geometry["coordinates"] if geometry["type"] == "Polygon" else \
            [r for p in geometry["coordinates"] for r in p]
        for ring in rings:
            for point in ring:
                point[0], point[1] = point[1], point[0]
    answer = upload(client, org_a["owner"], "samainits.geojson", json.dumps(swapped).encode())
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "drawing_swapped"

    metres = json.loads(LATVIA.joinpath(STANDS_LKS.name).read_text())
    metres.pop("crs", None)
    answer = upload(client, org_a["owner"], "metri.geojson", json.dumps(metres).encode(), "en")
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "drawing_metres_as_degrees"
    assert "EPSG:3059" in answer.json()["error"]["message"]



def test_a_local_crs_is_unknown_and_a_foreign_one_is_outside_latvia(
    client: TestClient, org_a: dict[str, Account], tmp_path: Path
) -> None:
    content = shapefile_zip(tmp_path, stands(1), prj=False)
    buffer = io.BytesIO(content)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("cirsma/cirsma.prj", 'LOCAL_CS["Meža kvartālu tīkls",UNIT["metre",1]]')
    answer = upload(client, org_a["owner"], "lokala.zip", buffer.getvalue())
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "drawing_crs_unknown"
    assert "EPSG:3059" in answer.json()["error"]["message"]

    french = stands(1).set_crs(2154, allow_override=True)  # LKS-92 numbers said to be Lambert-93
    answer = upload(client, org_a["owner"], "francija.zip", shapefile_zip(tmp_path, french))
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "drawing_outside"
    assert "neatrodas Latvijā" in answer.json()["error"]["message"]


def test_size_limits(client: TestClient, org_a: dict[str, Account]) -> None:
    from geoservice.spatial.drawing_import import MAX_BYTES, DrawingFileError, read_drawing

    with pytest.raises(DrawingFileError) as refused:
        read_drawing("liela.geojson", b" " * (MAX_BYTES + 1))
    assert refused.value.key == "drawing.import.too_big" and refused.value.status == 413
    # Under the app's own body limit (1 MB in tests), the request is refused before reading.
    answer = upload(client, org_a["owner"], "liela.geojson", b" " * 1_100_000)
    assert answer.status_code == 413 and "par lielu" in answer.json()["error"]["message"]


def test_too_many_polygons_and_no_file(client: TestClient, org_a: dict[str, Account]) -> None:
    square = [[25.82, 56.91], [25.8201, 56.91], [25.8201, 56.9101], [25.82, 56.91]]
    many = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [
            [[x + i * 0.0002, y] for x, y in square]]}} for i in range(201)]}
    answer = upload(client, org_a["owner"], "daudz.geojson", json.dumps(many).encode())
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "drawing_too_many"
    none = client.post(URL, data={"x": "1"}, files={"other": ("a.txt", b"1")},
                       headers=bearer(org_a["owner"]))
    assert none.status_code == 400 and none.json()["error"]["code"] == "file_missing"
    assert client.post(URL, files={"file": ("a.geojson", b"{}")}).status_code == 401


@pytest.mark.usefixtures("demo_layers")
def test_a_parcel_by_designation_from_the_cadastre_layer(
    client: TestClient, org_a: dict[str, Account]
) -> None:
    answer = client.get("/api/v1/parcels/70600050074", headers=bearer(org_a["owner"]))
    assert answer.status_code == 200, answer.text
    feature = answer.json()["features"][0]
    assert feature["properties"]["cadastral_designation"] == "70600050074"
    assert feature["properties"]["source"] == "cadastre"
    lon, lat = shapely.geometry.shape(feature["geometry"]).representative_point().coords[0]
    assert 25.7 < lon < 26.1 and 56.8 < lat < 57.0
    unknown = client.get("/api/v1/parcels/99999999999", headers=bearer(org_a["owner"]))
    assert unknown.status_code == 404 and "nav zināma" in unknown.json()["error"]["message"]
    bad = client.get("/api/v1/parcels/7060005?lang=en", headers=bearer(org_a["owner"]))
    assert bad.status_code == 422 and "11 digits" in bad.json()["error"]["message"]
