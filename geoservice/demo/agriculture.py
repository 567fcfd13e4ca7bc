"""Demo agriculture layers: LAD field blocks (lauku bloki) and declared fields (lauki) 2026.

Three blocks are designed around certificates (a block created in 2022 over a stand, a block
that grew into a stand, an old block whose edge cuts a sliver into a stand); the rest are
background fields placed where no certificate area is, with fixed seeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import Polygon

from geoservice.demo import region
from geoservice.demo.geometry import field_shape, side_cut

PRODUCTS: dict[int, str] = {
    111: "Kvieši, vasaras", 112: "Kvieši, ziemas", 131: "Mieži, vasaras",
    151: "Tritikāle, ziemas", 212: "Rapsis, ziemas", 710: "Ilggadīgie zālāji",
    720: "Aramzemē sētu stiebrzāļu vai lopbarības zālaugu maisījums",
}
SLIVER_FRACTION = 0.0045


@dataclass(frozen=True)
class Block:
    geometry: Polygon
    valid_from: date
    forest_in_2020: bool  # was the block's land forest at the EUDR cut-off?


def designed_blocks() -> list[Block]:
    """The blocks the flagged and the sliver certificates are designed against."""
    new = side_cut(region.area_geometry(region.FLAGGED_NEW_BLOCK), 0.45, 200.0, 6.0, 101)
    grown = side_cut(region.area_geometry(region.FLAGGED_GROWN_BLOCK, 1), 0.35, 95.0, 8.0, 102)
    sliver = side_cut(region.area_geometry(region.SLIVER), SLIVER_FRACTION, 270.0, 10.0, 103)
    return [
        Block(new, date(2022, 5, 1), True),
        Block(grown, date(2023, 3, 1), False),
        Block(sliver, date(2009, 4, 1), False),
    ]


def background_blocks(exclude: shapely.Geometry, taken: shapely.Geometry) -> list[Block]:
    """Old (before 2021) field blocks in open land, never within ``exclude`` or ``taken``."""
    rng = np.random.default_rng(2020)
    x0, y0, x1, y1 = region.EXTENT
    blocked = shapely.union(exclude, taken)
    out: list[Block] = []
    for i in range(70):
        center = (float(rng.uniform(x0, x1)), float(rng.uniform(y0, y1)))
        shape = field_shape(
            center, float(rng.uniform(180, 520)), float(rng.uniform(110, 320)),
            float(rng.uniform(0, 180)), 500 + i,
        )
        shape = shapely.intersection(shapely.difference(shape, blocked), region.extent_box())
        for part in shapely.get_parts(shape):
            if isinstance(part, Polygon) and part.area >= 15_000:
                clean = Polygon(np.round(shapely.get_coordinates(part.exterior), 2))
                year = int(rng.integers(2004, 2021))
                out.append(Block(clean, date(year, int(rng.integers(3, 6)), 1), False))
                blocked = shapely.union(blocked, clean.buffer(6.0))
    return out


def block_number(g: Polygon, used: set[str]) -> str:
    """A ``57326-41785``-style number from the block's position (unique within the layer)."""
    p = g.representative_point()
    x, y = int(p.x / 10) % 100_000, int(p.y / 10) % 100_000
    while f"{x:05d}-{y:05d}" in used:
        y = (y + 1) % 100_000
    number = f"{x:05d}-{y:05d}"
    used.add(number)
    return number


def blocks_frame(blocks: list[Block]) -> gpd.GeoDataFrame:
    used: set[str] = set()
    return gpd.GeoDataFrame(
        {
            "BLOCK_NUMBER": [block_number(b.geometry, used) for b in blocks],
            "BLOCK_AREA": [round(b.geometry.area / 10_000, 2) for b in blocks],
            "VALID_FROM": [b.valid_from.isoformat() for b in blocks],
        },
        geometry=[b.geometry for b in blocks],
        crs=region.CRS,
    )


def declared_fields_frame(blocks: list[Block]) -> gpd.GeoDataFrame:
    """Declared fields 2026: each block split into 1–3 fields, 1.5 m inside its border."""
    rng = np.random.default_rng(2026)
    rows: list[dict[str, object]] = []
    geoms: list[Polygon] = []
    parcel = 17_420_000
    for i, b in enumerate(blocks):
        if i >= 3 and rng.random() < 0.15:
            continue  # not every block is declared every year
        g = b.geometry
        x0, _, x1, _ = g.bounds
        cuts = int(rng.integers(1, 4)) if g.area > 40_000 else 1
        edges = np.linspace(x0, x1, cuts + 1)
        for a, c in zip(edges[:-1], edges[1:], strict=True):
            strip = shapely.box(a, g.bounds[1], c, g.bounds[3])
            part = shapely.intersection(g, strip).buffer(-1.5)
            for piece in shapely.get_parts(part):
                if not isinstance(piece, Polygon) or piece.area < 3_000:
                    continue
                parcel += int(rng.integers(1, 400))
                code = 710 if i == 1 else int(rng.choice(list(PRODUCTS)))
                clean = Polygon(np.round(shapely.get_coordinates(piece.exterior), 2))
                rows.append({
                    "PARCEL_ID": parcel, "PERIOD_CODE": 2026, "PRODUCT_CODE": code,
                    "PRODUCT_DESCRIPTION": PRODUCTS[code],
                    "AREA_DECLARED": round(clean.area / 10_000, 2),
                })
                geoms.append(clean)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=region.CRS)
