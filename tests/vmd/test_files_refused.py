"""Extracts the file reader must refuse, each with a message that says what is wrong."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from geoservice.certificates.model import Certificate
from geoservice.vmd.errors import VmdFileError
from geoservice.vmd.files import read_certificates
from geoservice.vmd.zipguard import ZipLimits

from .conftest import register_frame


@pytest.fixture
def frame(certificates: list[Certificate]) -> gpd.GeoDataFrame:
    return register_frame(certificates)


def _gpkg(frame: gpd.GeoDataFrame, path: Path) -> Path:
    pyogrio.write_dataframe(frame, path, driver="GPKG")
    return path


def _refused(path: Path, *fragments: str, limits: ZipLimits | None = None) -> VmdFileError:
    with pytest.raises(VmdFileError) as caught:
        read_certificates(path, limits=limits)
    for fragment in fragments:
        assert fragment in str(caught.value)
    assert caught.value.message_lv
    return caught.value


def test_not_geodata(tmp_path: Path) -> None:
    path = tmp_path / "cirsmas.gpkg"
    path.write_text("this is a letter, not a GeoPackage")
    _refused(path, "cirsmas.gpkg", "not a geodata file")


def test_table_without_geometry(tmp_path: Path) -> None:
    path = tmp_path / "cirsmas.csv"
    path.write_text("ca_nr;cirsma\n2522531021;1\n")
    _refused(path, "no geometry")


def test_missing_file(tmp_path: Path) -> None:
    _refused(tmp_path / "nothing.gpkg", "nothing.gpkg", "does not exist")


def test_shapefile_without_prj(tmp_path: Path, certificates: list[Certificate]) -> None:
    path = tmp_path / "cirsmas.shp"
    pyogrio.write_dataframe(register_frame(certificates, short_names=True), path)
    path.with_suffix(".prj").unlink()
    _refused(path, "no coordinate reference system", ".prj")


def test_other_crs_is_named(tmp_path: Path, frame: gpd.GeoDataFrame) -> None:
    path = _gpkg(frame.to_crs(3857), tmp_path / "mercator.gpkg")
    _refused(path, "EPSG:3857", "Pseudo-Mercator", "expected EPSG:3059")


def test_lks92_without_false_northing(tmp_path: Path, frame: gpd.GeoDataFrame) -> None:
    shifted = frame.copy()
    shifted["geometry"] = shifted.translate(0, 6_000_000)
    _refused(_gpkg(shifted, tmp_path / "shifted.gpkg"), "outside Latvia", "false northing")


def test_missing_columns_are_named(tmp_path: Path, frame: gpd.GeoDataFrame) -> None:
    path = _gpkg(frame.drop(columns=["cirtes_veids", "izsn_dat"]), tmp_path / "short.gpkg")
    error = _refused(path, "cirtes_veids", "izsn_dat")
    assert "kadastrs" not in str(error)


def test_linestrings_are_refused(tmp_path: Path, frame: gpd.GeoDataFrame) -> None:
    lines = frame.copy()
    lines["geometry"] = lines.boundary
    _refused(_gpkg(lines, tmp_path / "lines.gpkg"), "LineString", "row(s) 1, 2, 3", "polygon")


def test_empty_geometry_is_refused(tmp_path: Path, frame: gpd.GeoDataFrame) -> None:
    holed = frame.copy()
    holed.loc[2, "geometry"] = None
    path = tmp_path / "empty.geojson"
    pyogrio.write_dataframe(holed, path, driver="GeoJSON")
    _refused(path, "row(s) 3", "empty geometry")


def test_more_than_three_areas(tmp_path: Path, frame: gpd.GeoDataFrame) -> None:
    four = frame.iloc[[0, 0, 0, 0]].copy()
    four["cirsma"] = [1, 2, 3, 4]
    _refused(_gpkg(four, tmp_path / "four.gpkg"), "row 4", "more than 3 felling areas")


def test_duplicate_area_numbers(tmp_path: Path, frame: gpd.GeoDataFrame) -> None:
    twice = frame.iloc[[0, 0]].copy()
    _refused(_gpkg(twice, tmp_path / "twice.gpkg"), "row 2", "cirsma 1 appears twice")


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("cirtes_veids", "kailcirte", "cirtes_veids 'kailcirte' is not a felling type"),
        ("izp_veids", "ar zirgu", "izp_veids 'ar zirgu' is not an execution method"),
        ("izsn_dat", "pavasarī", "izsn_dat 'pavasarī' is not a date"),
        ("kadastrs", "7060-005", "kadastrs '7060-005' is not an 11-digit"),
    ],
)
def test_bad_values_name_row_and_value(
    tmp_path: Path, frame: gpd.GeoDataFrame, column: str, value: str, message: str
) -> None:
    bad = frame.copy()
    bad[column] = bad[column].astype(object)
    bad.loc[4, column] = value
    _refused(_gpkg(bad, tmp_path / "bad.gpkg"), f"row 5 (ca_nr {bad.loc[4, 'ca_nr']})", message)


def test_several_layers_must_be_chosen(tmp_path: Path, frame: gpd.GeoDataFrame) -> None:
    path = tmp_path / "two.gpkg"
    pyogrio.write_dataframe(frame, path, layer="cirsmas")
    pyogrio.write_dataframe(frame.iloc[:1], path, layer="vecie", append=True)
    _refused(path, "several layers", "cirsmas", "vecie")
    assert len(read_certificates(path, layer="vecie")) == 1


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def test_zip_bomb_is_refused_before_inflating(tmp_path: Path) -> None:
    bomb = _zip(tmp_path / "bomb.zip", {"cirsmas.geojson": b"\0" * (20 * 1024 * 1024)})
    assert bomb.stat().st_size < 100_000
    _refused(bomb, "compressed", "zip bomb")


def test_zip_over_the_size_limit(tmp_path: Path, frame: gpd.GeoDataFrame) -> None:
    buffer = io.BytesIO()
    pyogrio.write_dataframe(frame, tmp_path / "x.geojson", driver="GeoJSON")
    buffer.write((tmp_path / "x.geojson").read_bytes())
    archive = _zip(tmp_path / "big.zip", {"x.geojson": buffer.getvalue()})
    limits = ZipLimits(max_total_bytes=10_000)
    _refused(archive, "would unpack to", "limit", limits=limits)
    assert len(read_certificates(archive)) == len(frame["ca_nr"].unique())


def test_zip_without_or_with_several_datasets(tmp_path: Path) -> None:
    _refused(_zip(tmp_path / "docs.zip", {"readme.txt": b"hello"}), "no .shp, .gpkg")
    two = _zip(tmp_path / "two.zip", {"a.geojson": b"{}", "b.geojson": b"{}"})
    _refused(two, "several datasets", "a.geojson", "b.geojson")


def test_invalid_geometry_is_passed_on_for_the_checks_to_repair(
    tmp_path: Path, frame: gpd.GeoDataFrame
) -> None:
    path = _gpkg(frame, tmp_path / "all.gpkg")
    areas = [a for c in read_certificates(path) for a in c.areas]
    assert sum(not shapely.is_valid(a.geometry) for a in areas) == 1
