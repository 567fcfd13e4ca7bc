"""Layer import: versions by title, repairs, subdivided parts, and refusals of bad files."""

from __future__ import annotations

import secrets
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from geoservice.errors import Conflict, ValidationFailed
from geoservice.layers.importer import import_layer
from geoservice.layers.manifest import load_demo_layers
from geoservice.layers.registry import LayerMeta
from tests.conftest import Account, bearer

# Far from the demo region (Jumurda), so these layers never change the demo verdicts.
X0, Y0 = 420_000.0, 200_000.0


def _title(prefix: str) -> str:
    return f"{prefix} {secrets.token_hex(4)}"


def _write(path: Path, geoms: list[shapely.Geometry], crs: str | None = "EPSG:3059",
           driver: str = "GPKG") -> Path:
    frame = gpd.GeoDataFrame({"BLOCK": [f"B{i}" for i in range(len(geoms))]},
                             geometry=geoms, crs=crs)
    frame.to_file(path, driver=driver)
    return path


def _raster(path: Path, *, nodata: float | None = 255, crs: str | None = "EPSG:3059") -> Path:
    data = np.ones((50, 50), dtype="uint8")
    with rasterio.open(path, "w", driver="GTiff", width=50, height=50, count=1, dtype="uint8",
                       crs=crs, nodata=nodata, transform=Affine(10, 0, X0, 0, -10, Y0)) as dst:
        dst.write(data, 1)
    return path


def test_same_title_makes_a_new_version_and_keeps_the_old(
    engine: Engine, tmp_path: Path, client: TestClient, org_a: dict[str, Account],
) -> None:
    big = shapely.Point(X0, Y0).buffer(800, quad_segs=256)  # ~1 000 vertices, ~200 ha
    bowtie = shapely.Polygon([(X0 + 2000, Y0), (X0 + 2100, Y0 + 100), (X0 + 2100, Y0),
                              (X0 + 2000, Y0 + 100)])
    path = _write(tmp_path / "blocks.gpkg", [big, bowtie])
    meta = LayerMeta(title=_title("Test blocks"), role="agriculture", kind="vector")
    first = import_layer(engine, path, meta, store_dir=tmp_path / "store")
    assert (first.version, first.features, first.repaired) == (1, 2, 1)
    assert first.parts > 8  # the big circle was cut into many small parts
    second = import_layer(engine, path, meta, store_dir=tmp_path / "store")
    assert (second.layer_id, second.version) == (first.layer_id, 2)
    with engine.connect() as conn:
        versions = conn.execute(text(
            "SELECT version, feature_count FROM layer_versions WHERE layer_id = :id "
            "ORDER BY version"), {"id": first.layer_id}).all()
        current = conn.execute(text("SELECT current_version FROM layers WHERE id = :id"),
                               {"id": first.layer_id}).scalar_one()
        max_vertices = conn.execute(text(
            "SELECT max(ST_NPoints(geom)) FROM layer_parts WHERE layer_id = :id"),
            {"id": first.layer_id}).scalar_one()
    assert [tuple(v) for v in versions] == [(1, 2), (2, 2)] and current == 2
    assert max_vertices <= 130
    listed = client.get("/api/v1/layers", headers=bearer(org_a["owner"])).json()
    mine = next(layer for layer in listed if layer["id"] == first.layer_id)
    assert [v["version"] for v in mine["versions"]] == [2, 1]


def test_only_layers_the_overlay_reads_are_cut_into_parts(engine: Engine, tmp_path: Path) -> None:
    big = shapely.Point(X0 + 5000, Y0).buffer(800, quad_segs=256)
    path = _write(tmp_path / "stands.gpkg", [big])
    stands = import_layer(engine, path, LayerMeta(title=_title("Test stands"),
                                                  role="forest_compartments", kind="vector"),
                          store_dir=tmp_path / "store")
    blocks = import_layer(engine, path, LayerMeta(title=_title("Test blocks"),
                                                  role="agriculture", kind="vector"),
                          store_dir=tmp_path / "store")
    assert (stands.features, stands.parts) == (1, 0)
    assert (blocks.features, blocks.parts > 8) == (1, True)
    with engine.connect() as conn:
        counted = dict(conn.execute(text(
            "SELECT layer_id, count(*) FROM layer_parts WHERE layer_id IN (:a, :b) "
            "GROUP BY layer_id"), {"a": stands.layer_id, "b": blocks.layer_id}).all())
    assert counted == {blocks.layer_id: blocks.parts}


def test_other_crs_is_reprojected_to_lks92(engine: Engine, tmp_path: Path) -> None:
    square = shapely.box(25.0, 57.0, 25.01, 57.005)  # lon/lat
    path = _write(tmp_path / "wgs84.gpkg", [square], crs="EPSG:4326")
    result = import_layer(engine, path, LayerMeta(_title("WGS84 blocks"), "agriculture",
                                                  "vector"), store_dir=tmp_path)
    with engine.connect() as conn:
        x, y = conn.execute(text(
            "SELECT ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)) FROM layer_features "
            "WHERE layer_id = :id"), {"id": result.layer_id}).one()
    assert 550_000 < x < 570_000 and 310_000 < y < 330_000


@pytest.mark.parametrize(("name", "content", "code"), [
    ("empty.gpkg", b"", "layer_empty"),
    ("corrupt.gpkg", b"this is not a geopackage" * 100, "layer_unreadable"),
])
def test_empty_and_corrupt_files_are_refused(
    engine: Engine, tmp_path: Path, name: str, content: bytes, code: str,
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValidationFailed) as info:
        import_layer(engine, path, LayerMeta(_title("Bad"), "agriculture", "vector"),
                     store_dir=tmp_path)
    assert info.value.code == code


def test_file_without_crs_is_refused(engine: Engine, tmp_path: Path) -> None:
    path = _write(tmp_path / "nocrs.shp", [shapely.box(X0, Y0, X0 + 10, Y0 + 10)],
                  driver="ESRI Shapefile")
    path.with_suffix(".prj").unlink()  # a Shapefile that lost its .prj
    with pytest.raises(ValidationFailed) as info:
        import_layer(engine, path, LayerMeta(_title("No CRS"), "agriculture", "vector"),
                     store_dir=tmp_path)
    assert info.value.code == "layer_crs_missing"
    with engine.connect() as conn:  # nothing half-written
        assert conn.execute(text("SELECT count(*) FROM layers WHERE title LIKE 'No CRS%'")
                            ).scalar_one() == 0


def test_raster_needs_nodata_and_crs_and_is_stored_as_cog(engine: Engine, tmp_path: Path) -> None:
    meta = LayerMeta(_title("Forest tile"), "forest_2020", "raster")
    no_nodata = _raster(tmp_path / "nonodata.tif", nodata=None)
    with pytest.raises(ValidationFailed) as info:
        import_layer(engine, no_nodata, meta, store_dir=tmp_path / "store")
    assert info.value.code == "raster_no_nodata"
    no_crs = _raster(tmp_path / "nocrs.tif", crs=None)
    with pytest.raises(ValidationFailed) as info:
        import_layer(engine, no_crs, meta, store_dir=tmp_path / "store")
    assert info.value.code == "layer_crs_missing"
    result = import_layer(engine, no_nodata, meta, store_dir=tmp_path / "store", nodata=255)
    assert result.raster_path and Path(result.raster_path).name == "v1.tif"
    with rasterio.open(result.raster_path) as stored:
        assert stored.nodata == 255 and stored.crs.to_epsg() == 3059
        assert stored.profile.get("tiled") or stored.block_shapes[0][0] < stored.height


def test_role_of_a_title_cannot_change(engine: Engine, tmp_path: Path) -> None:
    path = _write(tmp_path / "p.gpkg", [shapely.box(X0, Y0, X0 + 50, Y0 + 50)])
    title = _title("Protected")
    import_layer(engine, path, LayerMeta(title, "protected_area", "vector"), store_dir=tmp_path)
    with pytest.raises(Conflict):
        import_layer(engine, path, LayerMeta(title, "agriculture", "vector"),
                     store_dir=tmp_path)


def test_demo_layers_load_once(engine: Engine, layers_dir: Path) -> None:
    load_demo_layers(engine, layers_dir)
    again = load_demo_layers(engine, layers_dir)
    assert again.startswith("0 layers imported")
