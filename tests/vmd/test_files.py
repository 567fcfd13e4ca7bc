"""Reading Forest State Register style extracts into certificates, and refusing bad ones."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from geoservice.certificates.model import Certificate
from geoservice.vmd.files import read_certificates

from .conftest import register_frame

DRIVERS = {"gpkg": "GPKG", "geojson": "GeoJSON", "shp": "ESRI Shapefile"}


def _write(frame: gpd.GeoDataFrame, path: Path) -> Path:
    pyogrio.write_dataframe(frame, path, driver=DRIVERS[path.suffix[1:]])
    return path


def _assert_same(got: list[Certificate], expected: list[Certificate]) -> None:
    assert [c.ca_number for c in got] == [c.ca_number for c in expected]
    for g, e in zip(got, expected, strict=True):
        assert g.source == "file"
        assert (g.issued_on, g.valid_until, g.place) == (e.issued_on, e.valid_until, e.place)
        assert len(g.areas) == len(e.areas)
        for ga, ea in zip(g.areas, e.areas, strict=True):
            assert (ga.cirsma, ga.cadastral_designation, ga.quarter, ga.compartment) == (
                ea.cirsma, ea.cadastral_designation, ea.quarter, ea.compartment)
            assert ga.sub_compartment == ea.sub_compartment
            assert (ga.felling_type, ga.execution_method) == (ea.felling_type, ea.execution_method)
            assert ga.area_ha == pytest.approx(ea.area_ha)
            assert {v.species_code: v.m3 for v in ga.volumes} == pytest.approx(
                {v.species_code: v.m3 for v in ea.volumes})
            assert {p.hs_code: p.m3 for p in ga.products} == pytest.approx(
                {p.hs_code: p.m3 for p in ea.products})
            assert ga.geometry.geom_type == "MultiPolygon"
            assert shapely.hausdorff_distance(ga.geometry, ea.geometry) < 0.01  # 1 cm


@pytest.mark.parametrize("suffix", ["gpkg", "geojson", "shp"])
@pytest.mark.parametrize("epsg", [3059, 4326])
def test_extract_round_trip(
    tmp_path: Path, certificates: list[Certificate], suffix: str, epsg: int
) -> None:
    frame = register_frame(certificates, short_names=suffix == "shp").to_crs(epsg)
    path = _write(frame, tmp_path / f"extract.{suffix}")
    _assert_same(read_certificates(path), certificates)


def test_zipped_shapefile(tmp_path: Path, certificates: list[Certificate]) -> None:
    _write(register_frame(certificates, short_names=True), tmp_path / "cirsmas.shp")
    archive = tmp_path / "izraksts.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for part in sorted(tmp_path.glob("cirsmas.*")):
            z.write(part, f"VMD_izraksts/{part.name}")
    _assert_same(read_certificates(archive), certificates)


def test_latvian_values_and_register_storey_columns(tmp_path: Path) -> None:
    square = shapely.box(610_000, 308_000, 610_100, 308_100)
    frame = gpd.GeoDataFrame(
        {"CA_NR": ["2522530001"], "CIRSMA": [1.0], "KADASTRS": [7060005007], "KVART": [4],
         "NOG": [12], "CIRTES_VEI": ["Sanitārā cirte"], "IZP_VEIDS": ["Izlases cirte"],
         "IZSN_DAT": ["04.03.2025"], "DERIGA_LID": ["31.12.2027"],
         "S10": [3], "KR10": [41.5], "S11": [4], "KR11": [12.0], "tilp_3": [1.5]},
        geometry=[square], crs="EPSG:3059",
    )
    [cert] = read_certificates(_write(frame, tmp_path / "lv.gpkg"))
    [area] = cert.areas
    assert area.cadastral_designation == "07060005007"  # leading zero lost by a number column
    assert (area.quarter, area.compartment) == ("4", "12")
    assert (area.felling_type, area.execution_method) == ("sanitara", "izlases")
    assert str(cert.issued_on) == "2025-03-04"
    assert {v.species_code: v.m3 for v in area.volumes} == {3: 43.0, 4: 12.0}


def test_thirty_thousand_areas_read_in_seconds(tmp_path: Path) -> None:
    n = 30_000
    base = shapely.get_coordinates(shapely.Point(0, 0).buffer(40, 8))  # 33-vertex ring
    offsets = np.column_stack([600_000 + (np.arange(n) % 200) * 100.0,
                               300_000 + (np.arange(n) // 200) * 100.0])
    polygons = shapely.polygons(base[np.newaxis, :, :] + offsets[:, np.newaxis, :])
    numbers = [f"26225{i // 3:05d}" for i in range(n)]
    frame = gpd.GeoDataFrame(
        {"ca_nr": numbers, "cirsma": np.arange(n) % 3 + 1, "kadastrs": "70600050074",
         "kvart": "4", "nog": (np.arange(n) % 40 + 1).astype(str), "cirtes_veids": "galvena",
         "izp_veids": "kailcirte", "izsn_dat": "2026-01-05", "deriga_lidz": "2029-12-31",
         "tilp_1": 120.5, "tilp_3": 80.0, "prod_4403": 170.0, "prod_4401": 30.5},
        geometry=polygons, crs="EPSG:3059",
    ).to_crs(4326)
    path = _write(frame, tmp_path / "large.gpkg")
    started = time.perf_counter()
    certs = read_certificates(path)
    elapsed = time.perf_counter() - started
    assert len(certs) == n // 3 and all(len(c.areas) == 3 for c in certs)
    assert shapely.hausdorff_distance(certs[-1].areas[2].geometry, polygons[-1]) < 0.01
    assert elapsed < 5.0, f"reading {n} areas took {elapsed:.1f} s"
