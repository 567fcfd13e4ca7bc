"""The demo layer generator: files, formats, determinism, and the committed manifest."""

from __future__ import annotations

import hashlib
import re
import tomllib
from datetime import date
from pathlib import Path

import numpy as np
import pyogrio
import rasterio
import shapely

from geoservice.demo import region
from geoservice.demo.layers import FILES

from .conftest import Generated

LAYERS_DIR = Path(__file__).resolve().parents[2] / "layers"
ROLES = {"forest_2020", "agriculture", "deforestation_permit", "land_use_cadastre",
         "protected_area", "forest_compartments"}
RULES = {"forest_to_agriculture", "deforestation_permit", "deforestation_felling",
         "not_forest_2020", "protected_area", "certificate_validity", "no_layer_data"}


def _manifest() -> dict[str, object]:
    with (LAYERS_DIR / "manifest.toml").open("rb") as f:
        return tomllib.load(f)


def test_generator_writes_every_file_quickly(layers: Generated) -> None:
    assert sorted(p.name for p in layers.directory.iterdir()) == sorted(FILES)
    assert layers.seconds < 10


def test_two_runs_write_identical_bytes(layers: Generated, second_run: Generated) -> None:
    for name in FILES:
        first = hashlib.sha256((layers.directory / name).read_bytes()).hexdigest()
        again = hashlib.sha256((second_run.directory / name).read_bytes()).hexdigest()
        assert first == again, name


def test_two_runs_write_identical_features(layers: Generated, second_run: Generated) -> None:
    for name in FILES:
        if not name.endswith(".gpkg"):
            continue
        a, b = layers.read(name), second_run.read(name)
        assert len(a) > 0
        assert a.drop(columns="geometry").equals(b.drop(columns="geometry")), name
        assert list(shapely.to_wkb(a.geometry.values)) == list(shapely.to_wkb(b.geometry.values))


def test_forest_2020_is_a_cloud_optimised_geotiff(layers: Generated) -> None:
    with rasterio.open(layers.directory / "forest_2020.tif") as src:
        assert src.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        assert src.profile["tiled"] and src.block_shapes[0] == (256, 256)
        assert src.overviews(1)
        assert src.dtypes == ("uint8",) and src.nodata == 255
        assert src.crs.to_epsg() == 3059
        assert src.res == (10.0, 10.0)
        assert tuple(src.bounds) == region.EXTENT
        values = np.unique(src.read(1))
    assert set(values.tolist()) == {0, 1, 255}


def test_lad_blocks_look_like_lad_blocks(layers: Generated) -> None:
    blocks = layers.read("agriculture_lad_blocks.gpkg")
    assert blocks.BLOCK_NUMBER.str.fullmatch(r"\d{5}-\d{5}").all()
    assert blocks.BLOCK_NUMBER.is_unique
    assert np.allclose(blocks.BLOCK_AREA, blocks.area / 1e4, atol=0.006)
    valid_from = [date.fromisoformat(v) for v in blocks.VALID_FROM]
    assert sum(d > date(2020, 12, 31) for d in valid_from) == 2
    assert blocks.geometry.is_valid.all()
    assert abs(blocks.geometry.union_all().area - blocks.area.sum()) < 1.0  # no overlaps


def test_declared_fields_lie_inside_blocks(layers: Generated) -> None:
    fields = layers.read("agriculture_declared_fields.gpkg")
    blocks = layers.read("agriculture_lad_blocks.gpkg").geometry.union_all()
    assert len(fields) > 20 and fields.PARCEL_ID.is_unique
    assert (fields.PERIOD_CODE == 2026).all()
    assert fields.within(blocks.buffer(0.01)).all()


def test_permit_purposes(layers: Generated) -> None:
    permits = layers.read("deforestation_permits.gpkg")
    assert set(permits.purpose) == {"agriculture", "construction", "mining"}
    assert permits.permit_no.str.fullmatch(r"MND/ATM/20\d\d/\d{3}").all()


def test_manifest_describes_every_generated_file(layers: Generated) -> None:
    manifest = _manifest()
    entries = manifest["layers"]
    assert isinstance(entries, list)
    assert len({e["id"] for e in entries}) == len(entries)
    assert sorted(Path(e["file"]).name for e in entries) == sorted(FILES)
    assert manifest["extent"] == list(region.EXTENT)
    for e in entries:
        assert e["file"].startswith("demo/")
        assert e["role"] in ROLES and e["kind"] in {"vector", "raster"}
        assert set(e["rules"]) <= RULES
        assert isinstance(e["reference_date"], date)
        assert e["title"] and e["source"] and e["licence"]
        assert e["crs"] == region.CRS and e["extent"] == list(region.EXTENT)
        path = layers.directory / Path(e["file"]).name
        if e["kind"] == "raster":
            assert path.suffix == ".tif"
            continue
        info = pyogrio.read_info(path)
        assert info["crs"] == "EPSG:3059"
        minx, miny, maxx, maxy = info["total_bounds"]
        x0, y0, x1, y1 = e["extent"]
        assert x0 <= minx and y0 <= miny and maxx <= x1 and maxy <= y1, e["id"]
        fields = set(info["fields"])
        for name in e.get("attributes", []):
            if not re.search(r"\.\.", name):
                assert name in fields, (e["id"], name)


def test_generated_layers_are_not_committed() -> None:
    assert "demo/" in (LAYERS_DIR / ".gitignore").read_text().split()
