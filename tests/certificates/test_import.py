"""POST /api/v1/certificates/import and the VMD preview: geodata in, clear refusals otherwise."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from geoservice.certificates.model import Certificate
from geoservice.vmd.simulator import VmdSimulator
from tests.conftest import Account, bearer

URL = "/api/v1/certificates/import"


def extract(certs: list[Certificate]) -> gpd.GeoDataFrame:
    rows: list[dict[str, Any]] = []
    for c in certs:
        for a in c.areas:
            row: dict[str, Any] = {
                "ca_nr": c.ca_number, "cirsma": a.cirsma, "kadastrs": a.cadastral_designation,
                "kvart": a.quarter, "nog": a.compartment, "anog": a.sub_compartment or "0",
                "cirtes_veids": a.felling_type, "izp_veids": a.execution_method,
                "izsn_dat": c.issued_on.isoformat(), "deriga_lidz": c.valid_until.isoformat(),
                "platiba": a.area_ha, "vieta": c.place, "geometry": a.geometry}
            row.update({f"tilp_{v.species_code}": v.m3 for v in a.volumes})
            row.update({f"prod_{p.hs_code}": p.m3 for p in a.products})
            rows.append(row)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:3059")


@pytest.fixture()
def certs() -> list[Certificate]:
    sim = VmdSimulator()
    return [sim.fetch(n) for n in sim.numbers()[:4]]


def _gpkg(tmp_path: Path, frame: gpd.GeoDataFrame) -> bytes:
    path = tmp_path / "extract.gpkg"
    frame.to_file(path, driver="GPKG")
    return path.read_bytes()


def _count(engine: Engine, org_id: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM certificates WHERE "
                                     "organisation_id = CAST(:o AS uuid)"), {"o": org_id})
                   .scalar_one())


def test_geopackage_import(client: TestClient, tmp_path: Path, org_a: dict[str, Account],
                           certs: list[Certificate]) -> None:
    h = bearer(org_a["owner"])
    files = {"file": ("mezi.gpkg", _gpkg(tmp_path, extract(certs)), "application/geopackage")}
    r = client.post(URL, files=files, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["imported"] == 4
    assert r.json()["areas"] == sum(len(c.areas) for c in certs)
    got = client.get(f"/api/v1/certificates/{r.json()['ids'][0]}", headers=h).json()
    assert got["source"] == "file" and got["ca_number"] == certs[0].ca_number
    assert got["areas"][0]["volumes"]
    history = client.get(f"/api/v1/certificates/{got['id']}/history", headers=h).json()
    assert history["items"][0]["action"] == "imported"


def test_zipped_shapefile_and_geojson(client: TestClient, tmp_path: Path,
                                      org_a: dict[str, Account], certs: list[Certificate]) -> None:
    frame = extract(certs[:1]).rename(columns={"cirtes_veids": "cirtes_vei",
                                               "deriga_lidz": "deriga_lid"})
    frame.to_file(tmp_path / "mezi.shp")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for part in tmp_path.glob("mezi.*"):
            zf.write(part, part.name)
    h = bearer(org_a["owner"])
    r = client.post(URL, files={"file": ("mezi.zip", buffer.getvalue())}, headers=h)
    assert r.status_code == 201, r.text
    geojson = extract(certs[1:2]).to_crs(4326).to_json().encode()
    r = client.post(URL, files={"file": ("one.geojson", geojson)}, headers=h)
    assert r.status_code == 201, r.text


def test_duplicates_import_nothing(client: TestClient, tmp_path: Path, engine: Engine,
                                   org_a: dict[str, Account], certs: list[Certificate]) -> None:
    h = bearer(org_a["owner"])
    first = {"file": ("a.gpkg", _gpkg(tmp_path, extract(certs[:1])))}
    assert client.post(URL, files=first, headers=h).status_code == 201
    (tmp_path / "extract.gpkg").unlink()
    r = client.post(URL, files={"file": ("b.gpkg", _gpkg(tmp_path, extract(certs)))}, headers=h)
    assert r.status_code == 409 and certs[0].ca_number in r.json()["error"]["messages"]["en"]
    assert _count(engine, org_a["owner"].org_id) == 1


@pytest.mark.parametrize(("name", "content", "code"), [
    ("notes.txt", b"hello", "file_type"),
    ("fake.gpkg", b"this is not a geopackage", "file_invalid"),
    ("fake.zip", b"PK\x03\x04 broken", "file_invalid"),
])
def test_not_geodata(client: TestClient, org_a: dict[str, Account], name: str, content: bytes,
                     code: str) -> None:
    r = client.post(URL, files={"file": (name, content)}, headers=bearer(org_a["owner"]))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == code


def test_zip_bomb_is_refused(client: TestClient, org_a: dict[str, Account]) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bomb.geojson", b" " * 300_000_000)
    r = client.post(URL, files={"file": ("bomb.zip", buffer.getvalue())},
                    headers=bearer(org_a["owner"]))
    assert r.status_code == 422, r.text
    assert "MB" in r.json()["error"]["messages"]["en"]


def test_linestrings_in_a_file(client: TestClient, tmp_path: Path, org_a: dict[str, Account],
                               certs: list[Certificate]) -> None:
    frame = extract(certs[:1])
    frame["geometry"] = frame.geometry.boundary
    r = client.post(URL, files={"file": ("l.gpkg", _gpkg(tmp_path, frame))},
                    headers=bearer(org_a["owner"]))
    assert r.status_code == 422 and "not polygons" in r.json()["error"]["messages"]["en"]


def test_missing_file_field(client: TestClient, org_a: dict[str, Account]) -> None:
    h = bearer(org_a["owner"])
    r = client.post(URL, data={"x": "1"}, files={"other": ("a.gpkg", b"x")}, headers=h)
    assert r.status_code == 400 and r.json()["error"]["code"] == "file_missing"
    r = client.post(URL, json={"file": "x"}, headers=h)
    assert r.status_code == 415


def test_vmd_preview_saves_nothing(client: TestClient, engine: Engine, vmd: VmdSimulator,
                                   org_a: dict[str, Account], ca_numbers: list[str]) -> None:
    h = bearer(org_a["analyst"])
    r = client.get(f"/api/v1/vmd/certificates/{ca_numbers[1]}", headers=h)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["id"] is None and doc["simulated"] is True and len(doc["areas"]) == 2
    assert doc["areas"][0]["geometry"]["type"] == "MultiPolygon"
    geo = client.get(f"/api/v1/vmd/certificates/{ca_numbers[1]}?f=geojson&crs=EPSG:3059",
                     headers=h)
    assert geo.headers["content-type"].startswith("application/geo+json")
    assert len(geo.json()["features"]) == 2
    missing = client.get("/api/v1/vmd/certificates/0000000000", headers=h)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "vmd_certificate_not_found"
    assert _count(engine, org_a["owner"].org_id) == 0
