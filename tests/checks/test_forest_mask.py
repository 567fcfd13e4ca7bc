"""The exact forest share agrees with exactextract to within one pixel's area."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from exactextract import exact_extract

from geoservice.checks.forest_mask import ForestMask, cell_areas


@pytest.fixture(scope="module")
def raster(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Random forest (1) / open land (0) / nodata (255) pixels, 10 m, EPSG:3059."""
    path = tmp_path_factory.mktemp("mask") / "forest.tif"
    rng = np.random.default_rng(7)
    data = rng.choice(np.array([0, 1, 255], dtype="uint8"), size=(300, 400), p=[.4, .55, .05])
    with rasterio.open(path, "w", driver="GTiff", width=400, height=300, count=1,
                       dtype="uint8", crs="EPSG:3059", nodata=255,
                       transform=Affine(10, 0, 600_000, 0, -10, 310_000)) as dst:
        dst.write(data, 1)
    return path


def _polygons() -> list[shapely.Polygon]:
    rng = np.random.default_rng(11)
    out: list[shapely.Polygon] = [
        shapely.box(600_500, 307_500, 600_600, 307_600),  # aligned with the pixel grid
        shapely.box(603_995, 309_000, 604_200, 309_300),  # crosses the raster's east edge
        shapely.box(600_100, 308_000, 600_300, 308_200).difference(
            shapely.box(600_150, 308_050, 600_250, 308_150)),  # a hole
    ]
    for _ in range(60):
        cx, cy = rng.uniform(600_300, 603_700), rng.uniform(307_300, 309_700)
        n = int(rng.integers(5, 40))
        angles = np.sort(rng.uniform(0, 2 * np.pi, n))
        radii = rng.uniform(15, 160, n)
        out.append(shapely.Polygon(np.c_[cx + radii * np.cos(angles),
                                         cy + radii * np.sin(angles)]).buffer(0))
    return out


def test_forest_area_matches_exactextract_within_one_pixel(raster: Path) -> None:
    import geopandas as gpd

    polygons = _polygons()
    frame = gpd.GeoDataFrame(geometry=polygons, crs="EPSG:3059")
    reference = exact_extract(str(raster), frame, ["values", "coverage"], output="pandas")
    with ForestMask(str(raster)) as mask:
        for i, polygon in enumerate(polygons):
            values = np.asarray(reference["values"][i])
            coverage = np.asarray(reference["coverage"][i])
            expected_forest = float((coverage * (values == 1)).sum()) * 100.0
            expected_other = float((coverage * (values == 0)).sum()) * 100.0
            cover = mask.cover(polygon)
            assert abs(cover.forest_m2 - expected_forest) < 100.0
            assert abs(cover.other_m2 - expected_other) < 100.0
            total = cover.forest_m2 + cover.other_m2 + cover.nodata_m2
            assert total == pytest.approx(polygon.area, rel=1e-9)


def test_cell_areas_sum_to_polygon_area_and_split_pixels_exactly() -> None:
    triangle = shapely.Polygon([(0, 0), (10, 0), (0, 10)])  # half of one 10 m pixel
    cells = cell_areas(triangle, 0.0, 10.0, 10.0, 10.0, 1, 1)
    assert cells[0, 0] == pytest.approx(50.0)
    square = shapely.box(5, 5, 25, 15)  # a quarter/half of six pixels
    grid = cell_areas(square, 0.0, 20.0, 10.0, 10.0, 3, 2)
    assert np.allclose(grid, [[25.0, 50.0, 25.0], [25.0, 50.0, 25.0]])
