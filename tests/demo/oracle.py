"""A small reference checker: which rules the demo layers trigger for a certificate.

Independent of the product's checks (which run in PostGIS); thresholds follow domain.md §8:
an overlap is ignored only when it is below 0.05 ha AND below 1 % of the area (a sliver,
digitising noise), as the product's CheckSettings defaults say; a forest-2020 share below
90 % of the valid pixels means "not forest in 2020";
any part outside a layer's extent or on nodata pixels means "no layer data".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from numpy.typing import NDArray
from rasterio import features
from rasterio.transform import Affine
from shapely.geometry import box

from geoservice.certificates.model import Certificate

CHECK_DATE = date(2026, 12, 1)
MIN_HA, MIN_SHARE = 0.05, 0.01
OUTSIDE = 254  # marker for pixel centres outside the raster


@dataclass
class Layers:
    blocks: gpd.GeoDataFrame
    fields: gpd.GeoDataFrame
    permits: gpd.GeoDataFrame
    protected: gpd.GeoDataFrame
    forest: NDArray[np.uint8]
    transform: Affine
    extent: tuple[float, float, float, float]

    def pixels(self, geometry: shapely.Geometry) -> NDArray[np.uint8]:
        """forest_2020 values at the pixel centres inside ``geometry`` (254 = off the raster)."""
        res = self.transform.a
        x0, y1 = self.transform.c, self.transform.f
        minx, miny, maxx, maxy = geometry.bounds
        col0 = int(np.floor((minx - x0) / res))
        row0 = int(np.floor((y1 - maxy) / res))
        width = int(np.ceil((maxx - x0) / res)) - col0
        height = int(np.ceil((y1 - miny) / res)) - row0
        window = Affine(res, 0, x0 + col0 * res, 0, -res, y1 - row0 * res)
        mask = features.rasterize([(geometry, 1)], out_shape=(height, width), transform=window)
        rows, cols = np.nonzero(mask)
        rows, cols = rows + row0, cols + col0
        inside = (rows >= 0) & (cols >= 0) & (rows < self.forest.shape[0]) & (
            cols < self.forest.shape[1])
        values = np.full(rows.shape, OUTSIDE, dtype=np.uint8)
        values[inside] = self.forest[rows[inside], cols[inside]]
        return values

    def forest_share(self, geometry: shapely.Geometry) -> float:
        values = self.pixels(geometry)
        valid = values[(values == 0) | (values == 1)]
        return float((valid == 1).mean()) if valid.size else float("nan")


def load(directory: str) -> Layers:
    with rasterio.open(f"{directory}/forest_2020.tif") as src:
        forest = src.read(1)
        transform = src.transform
        extent = tuple(src.bounds)
    return Layers(
        gpd.read_file(f"{directory}/agriculture_lad_blocks.gpkg"),
        gpd.read_file(f"{directory}/agriculture_declared_fields.gpkg"),
        gpd.read_file(f"{directory}/deforestation_permits.gpkg"),
        gpd.read_file(f"{directory}/protected_areas.gpkg"),
        forest, transform, extent,  # type: ignore[arg-type]
    )


def overlap(area: shapely.Geometry, layer: gpd.GeoDataFrame) -> tuple[float, float]:
    """(hectares, share of the area) covered by the layer's features."""
    common = shapely.intersection(area, shapely.union_all(layer.geometry.values))
    return common.area / 1e4, common.area / area.area


def counts(area: shapely.Geometry, layer: gpd.GeoDataFrame) -> bool:
    ha, share = overlap(area, layer)
    return ha > 0 and (ha >= MIN_HA or share >= MIN_SHARE)


def rules(certificate: Certificate, layers: Layers) -> set[str]:
    found: set[str] = set()
    if certificate.valid_until < CHECK_DATE:
        found.add("certificate_validity")
    agriculture_permits = layers.permits[layers.permits.purpose == "agriculture"]
    for a in certificate.areas:
        geometry = shapely.make_valid(a.geometry)
        if a.felling_type == "atmezosanas":
            found.add("deforestation_felling")
        if counts(geometry, agriculture_permits):
            found.add("deforestation_permit")
        if counts(geometry, layers.protected):
            found.add("protected_area")
        values = layers.pixels(geometry)
        if not shapely.within(geometry, box(*layers.extent)) or np.any(values > 1):
            found.add("no_layer_data")
        if layers.forest_share(geometry) < 0.9:
            found.add("not_forest_2020")
        for layer in (layers.blocks, layers.fields):
            if counts(geometry, layer):
                common = shapely.intersection(geometry, shapely.union_all(layer.geometry.values))
                if layers.forest_share(common) > 0.5:
                    found.add("forest_to_agriculture")
    return found


def verdict(found: set[str]) -> str:
    if found & {"deforestation_permit", "deforestation_felling"}:
        return "blocked"
    return "flagged" if found else "clear"
